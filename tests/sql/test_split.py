"""Cutting SQL into statements the way PostgreSQL's lexer does."""

from __future__ import annotations

import pytest
from pglast import parser

from migration_lsp.sql.split import split


def texts(sql: str) -> list[str]:
    pieces, _ = split(sql)
    return [sql[p.start : p.end] for p in pieces]


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        pytest.param("SELECT 1; SELECT 2;", ["SELECT 1", "SELECT 2"], id="semicolons"),
        pytest.param("  SELECT 1 ;\n\n  SELECT 2  ", ["SELECT 1", "SELECT 2"], id="white-space-trimmed"),
        pytest.param(";; SELECT 1;;", ["SELECT 1"], id="empty-statements"),
        pytest.param("SELECT 'a;b'; SELECT 2", ["SELECT 'a;b'", "SELECT 2"], id="string"),
        pytest.param("SELECT 'it''s; here'; SELECT 2", ["SELECT 'it''s; here'", "SELECT 2"], id="doubled-quote"),
        pytest.param(r"SELECT E'it\'s; here'; SELECT 2", [r"SELECT E'it\'s; here'", "SELECT 2"], id="escape-string"),
        pytest.param(r"SELECT e'a\\'; SELECT 2", [r"SELECT e'a\\'", "SELECT 2"], id="escaped-backslash"),
        pytest.param(r"SELECT 'a\'; SELECT 2", [r"SELECT 'a\'", "SELECT 2"], id="standard-string-backslash"),
        pytest.param(r"SELECT date'2024-01-01'; SELECT 'b\'", [r"SELECT date'2024-01-01'", r"SELECT 'b\'"], id="typed-literal-is-no-escape-string"),
        pytest.param('CREATE TABLE "a;b" (id int); SELECT 2', ['CREATE TABLE "a;b" (id int)', "SELECT 2"], id="quoted-identifier"),
        pytest.param('SELECT "say ""hi""; ok"; SELECT 2', ['SELECT "say ""hi""; ok"', "SELECT 2"], id="doubled-quote-in-identifier"),
        pytest.param("SELECT $$a;b$$; SELECT 2", ["SELECT $$a;b$$", "SELECT 2"], id="dollar-quote"),
        pytest.param("SELECT $fn$ a; $$ b; $fn$; SELECT 2", ["SELECT $fn$ a; $$ b; $fn$", "SELECT 2"], id="tagged-dollar-quote"),
        pytest.param("SELECT $a$x$b$;$a$; SELECT 2", ["SELECT $a$x$b$;$a$", "SELECT 2"], id="other-tag-inside"),
        pytest.param("SELECT $1; SELECT a$b; SELECT 2", ["SELECT $1", "SELECT a$b", "SELECT 2"], id="parameter-and-identifier"),
        pytest.param("SELECT 1 -- a; comment\n; SELECT 2", ["SELECT 1", "SELECT 2"], id="line-comment"),
        pytest.param("SELECT 1 /* a /* nested; */ still; */ ; SELECT 2", ["SELECT 1", "SELECT 2"], id="nested-block-comment"),
        pytest.param("-- only a comment;\n/* and; another */", [], id="comments-only"),
        pytest.param("SELECT 'never closed; SELECT 2;", ["SELECT 'never closed; SELECT 2;"], id="unterminated-string"),
        pytest.param('SELECT "never closed; SELECT 2;', ['SELECT "never closed; SELECT 2;'], id="unterminated-identifier"),
        pytest.param("DO $$ BEGIN; SELECT 2;", ["DO $$ BEGIN; SELECT 2;"], id="unterminated-dollar-quote"),
        pytest.param("SELECT 1 /* never closed; SELECT 2;", ["SELECT 1 /* never closed; SELECT 2;"], id="unterminated-comment"),
        pytest.param("SELECT 1; /* forgotten", ["SELECT 1", "/* forgotten"], id="unterminated-trailing-comment"),
        pytest.param("SELECT 'é;ü'; SELECT '👤'", ["SELECT 'é;ü'", "SELECT '👤'"], id="non-ascii"),
        pytest.param("SELECT $été$ a; $été$; SELECT $👤$ b; $👤$; SELECT 2", ["SELECT $été$ a; $été$", "SELECT $👤$ b; $👤$", "SELECT 2"], id="non-ascii-tags"),
        pytest.param("SELECT é$$; SELECT 2", ["SELECT é$$", "SELECT 2"], id="dollar-after-non-ascii-is-no-quote"),
    ],
)
def test_split(sql: str, expected: list[str]) -> None:
    assert texts(sql) == expected


@pytest.mark.parametrize(
    "sql",
    [
        "SELECT 'a;b'; SELECT $$x;y$$; SELECT \"q;\" FROM t; SELECT 1 /* /* ; */ */; SELECT E'\\';'",
        "DO $outer$ BEGIN EXECUTE $inner$ SELECT 1; $inner$; END $outer$; SELECT 2",
        "SELECT $été$ a; $été$; SELECT $👤$ b; $👤$; SELECT é$$; SELECT 2",
    ],
)
def test_statements_match_postgresql(sql: str) -> None:
    assert len(texts(sql)) == len(parser.split(sql))


def test_terminated_flags() -> None:
    pieces, _ = split("SELECT 1; SELECT 2")
    assert [p.terminated for p in pieces] == [True, False]


def test_comments_are_listed_with_their_kind() -> None:
    sql = "-- first\nSELECT 1; /* a /* b */ c */ SELECT 2 -- last"
    _, comments = split(sql)
    assert [(sql[c.start : c.end], c.line) for c in comments] == [
        ("-- first", True),
        ("/* a /* b */ c */", False),
        ("-- last", True),
    ]


def test_comments_at_the_edges_are_not_part_of_a_statement() -> None:
    sql = "/* lead */ -- more\n  SELECT 1 /* trail */ -- end\n; SELECT 2"
    assert texts(sql) == ["SELECT 1", "SELECT 2"]


def test_comments_inside_a_statement_stay() -> None:
    assert texts("SELECT /* inside */ 1;") == ["SELECT /* inside */ 1"]
