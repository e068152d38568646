"""Cutting SQLite and MySQL literals into statements the way their databases do.

SQLite's own rule is :func:`sqlite3.complete_statement`: the splitter is held to it on
generated SQL, quotes, comments and trigger bodies mixed at random.
"""

from __future__ import annotations

import random
import sqlite3

import pytest

from migration_lsp.sql.split import Piece, split


def texts(sql: str, dialect: str) -> list[str]:
    pieces, _ = split(sql, dialect)
    return [sql[p.start : p.end] for p in pieces]


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        pytest.param(
            "CREATE TRIGGER IF NOT EXISTS t_seen AFTER INSERT ON t BEGIN\n  UPDATE c SET n = n + 1;\n  DELETE FROM q;\nEND;\nSELECT 2;",
            ["CREATE TRIGGER IF NOT EXISTS t_seen AFTER INSERT ON t BEGIN\n  UPDATE c SET n = n + 1;\n  DELETE FROM q;\nEND", "SELECT 2"],
            id="trigger-body-is-one-statement",
        ),
        pytest.param(
            "CREATE TEMP TRIGGER t1 BEFORE DELETE ON t BEGIN SELECT CASE WHEN old.k THEN RAISE(IGNORE) END; END; SELECT 2",
            ["CREATE TEMP TRIGGER t1 BEFORE DELETE ON t BEGIN SELECT CASE WHEN old.k THEN RAISE(IGNORE) END; END", "SELECT 2"],
            id="case-end-inside-a-trigger",
        ),
        pytest.param(
            "CREATE TRIGGER t2 AFTER UPDATE ON t BEGIN SELECT 1; -- stop; END;\n /* END; */ END; SELECT 2",
            ["CREATE TRIGGER t2 AFTER UPDATE ON t BEGIN SELECT 1; -- stop; END;\n /* END; */ END", "SELECT 2"],
            id="comments-inside-a-trigger",
        ),
        pytest.param("BEGIN; CREATE TABLE a (x); END;", ["BEGIN", "CREATE TABLE a (x)", "END"], id="top-level-begin-end"),
        pytest.param("CREATE VIEW v AS SELECT 1; SELECT 2", ["CREATE VIEW v AS SELECT 1", "SELECT 2"], id="create-without-trigger"),
        pytest.param("SELECT [a;b], `c;d`, \"e;f\", 'g;h'; SELECT 2", ["SELECT [a;b], `c;d`, \"e;f\", 'g;h'", "SELECT 2"], id="four-quotes"),
        pytest.param("SELECT $$a; SELECT 2", ["SELECT $$a", "SELECT 2"], id="no-dollar-quotes"),
        pytest.param("SELECT 1 /* a /* b */ ; SELECT 2", ["SELECT 1", "SELECT 2"], id="comments-do-not-nest"),
        pytest.param("SELECT E'a\\'; SELECT 2", ["SELECT E'a\\'", "SELECT 2"], id="no-escape-strings"),
    ],
)
def test_sqlite(sql: str, expected: list[str]) -> None:
    assert texts(sql, "sqlite") == expected


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        pytest.param(
            "CREATE TRIGGER stamp BEFORE INSERT ON t FOR EACH ROW BEGIN\n  IF NEW.a IS NULL THEN SET NEW.a = 1; END IF;\n  SET NEW.b = CASE WHEN NEW.a > 1 THEN 2 ELSE 3 END;\nEND;\nSELECT 2;",
            ["CREATE TRIGGER stamp BEFORE INSERT ON t FOR EACH ROW BEGIN\n  IF NEW.a IS NULL THEN SET NEW.a = 1; END IF;\n  SET NEW.b = CASE WHEN NEW.a > 1 THEN 2 ELSE 3 END;\nEND", "SELECT 2"],
            id="trigger-body",
        ),
        pytest.param(
            "CREATE DEFINER = CURRENT_USER PROCEDURE p() BEGIN\n  w: WHILE 1 DO LEAVE w; END WHILE;\n  CASE 1 WHEN 1 THEN SELECT 1; END CASE;\nEND; SELECT 2",
            ["CREATE DEFINER = CURRENT_USER PROCEDURE p() BEGIN\n  w: WHILE 1 DO LEAVE w; END WHILE;\n  CASE 1 WHEN 1 THEN SELECT 1; END CASE;\nEND", "SELECT 2"],
            id="procedure-with-loops",
        ),
        pytest.param("CREATE FUNCTION f() RETURNS INT DETERMINISTIC RETURN 1; SELECT 2", ["CREATE FUNCTION f() RETURNS INT DETERMINISTIC RETURN 1", "SELECT 2"], id="function-without-block"),
        pytest.param("CREATE TABLE t (begin INT, `end` INT); SELECT 2", ["CREATE TABLE t (begin INT, `end` INT)", "SELECT 2"], id="begin-is-a-column-name"),
        pytest.param("BEGIN; SELECT 1; COMMIT;", ["BEGIN", "SELECT 1", "COMMIT"], id="top-level-begin"),
        pytest.param("SELECT 'it\\'s; here', \"a;b\"; SELECT 2", ["SELECT 'it\\'s; here', \"a;b\"", "SELECT 2"], id="backslash-escapes"),
        pytest.param("SELECT 1 # a; comment\n; SELECT 2 -- b; c\n; SELECT 3--4;", ["SELECT 1", "SELECT 2", "SELECT 3--4"], id="line-comments"),
    ],
)
def test_mysql(sql: str, expected: list[str]) -> None:
    assert texts(sql, "mysql") == expected


def test_mysql_comments_are_recorded() -> None:
    _, comments = split("SELECT 1; # one\n-- two\n/* three */", "mysql")
    assert [c.line for c in comments] == [True, True, False]


# Atoms that move SQLite's statement ender, and others that must not.
_ATOMS = [
    "CREATE",
    "create",
    "TEMP",
    "temporary",
    "TRIGGER",
    "trigger",
    "END",
    "end",
    "EXPLAIN",
    "BEGIN",
    "CASE",
    "WHEN",
    "SELECT",
    "t1",
    "1end",
    "end$",
    "endx",
    "x_end",
    "(",
    ")",
    ",",
    "=",
    ";",
    ";",
    ";",
    ";",
    "'a;b'",
    "'it''s; END;'",
    '"q;"',
    "`b; end;`",
    "[c;]",
    "-- x; END;\n",
    "/* y; END; */",
    "/* a /* b */",
    " ",
    "\n",
    "\t",
    "CREATE TRIGGER",
    "CREATE TEMP TRIGGER",
    "; END;",
    "END;",
    "EXPLAIN CREATE TRIGGER",
]


def _generated(seed: int) -> str:
    rng = random.Random(seed)
    return " ".join(rng.choice(_ATOMS) for _ in range(rng.randint(1, 40)))


def _sqlite_segments(sql: str) -> list[tuple[int, int]]:
    """Where SQLite ends each statement: the shortest prefix it calls complete, again and again."""
    segments = []
    last = 0
    for i, ch in enumerate(sql):
        if ch == ";" and sqlite3.complete_statement(sql[last : i + 1]):
            segments.append((last, i + 1))
            last = i + 1
    segments.append((last, len(sql)))
    return segments


@pytest.mark.parametrize("seed", range(400))
def test_sqlite_ends_statements_where_sqlite_does(seed: int) -> None:
    sql = _generated(seed)
    pieces, _ = split(sql, "sqlite")
    expected: list[Piece] = []
    for start, end in _sqlite_segments(sql):
        inner, _ = split(sql[start:end], "sqlite")
        assert len(inner) <= 1, (sql, sql[start:end])
        expected += [Piece(start + p.start, start + p.end, p.terminated) for p in inner]
    assert pieces == expected, sql
    for p in pieces:
        if p.terminated:
            assert sqlite3.complete_statement(sql[p.start : p.end] + ";"), sql[p.start : p.end]
