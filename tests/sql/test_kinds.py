"""Statement kinds are a closed set: whatever a statement's first words, its kind is a member."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest
from pglast import keywords

from migration_lsp.dialect import DIALECTS
from migration_lsp.sql.analyze import analyze
from migration_lsp.sql.facts import Kind

PACKAGE = Path(__file__).resolve().parents[2] / "server" / "migration_lsp"
WORDS = sorted(keywords.RESERVED_KEYWORDS | keywords.UNRESERVED_KEYWORDS | keywords.COL_NAME_KEYWORDS | keywords.TYPE_FUNC_NAME_KEYWORDS)


@pytest.mark.parametrize(
    "sql",
    [
        "target mason_users",  # a typo for no statement at all
        "SET search_path = public",
        "VACUUM mason_users",
        '"mason_users" x',
        "(SELECT 1)",
        "42",
        "'unterminated",
    ],
)
def test_a_statement_the_analyzer_does_not_read_is_unknown(sql: str) -> None:
    assert analyze(sql).kind is Kind.UNKNOWN


@pytest.mark.parametrize(
    ("sql", "kind", "object_type"),
    [
        ("CREATE ROLE mason_reader", Kind.CREATE, "ROLE"),
        ("CREATE TEXT SEARCH CONFIGURATION mason_cfg (COPY = simple)", Kind.CREATE, "TEXT SEARCH CONFIGURATION"),
        ("CREATE mason_users", Kind.CREATE, "MASON_USERS"),
        ("ALTER FUNCTION mason_touch() RENAME TO mason_touch_v2", Kind.ALTER, "FUNCTION"),
        ("ALTER mason_users", Kind.ALTER, "MASON_USERS"),
        ("DROP mason_users", Kind.DROP, "MASON_USERS"),
    ],
)
def test_an_object_without_a_kind_of_its_own_is_in_object_type(sql: str, kind: Kind, object_type: str) -> None:
    fact = analyze(sql)
    assert (fact.kind, fact.object_type) == (kind, object_type)


@pytest.mark.parametrize("dialect", DIALECTS)
def test_every_first_word_gives_a_member_and_never_raises(dialect: str) -> None:
    # Every PostgreSQL keyword, alone, as a statement's first word and as the object of
    # CREATE, ALTER and DROP.
    for word in WORDS:
        for sql in (word, f"{word} mason_users", f"CREATE {word} mason_users (id int)", f"ALTER {word} mason_users RENAME TO x", f"DROP {word} mason_users"):
            fact = analyze(sql, dialect)
            assert type(fact.kind) is Kind, sql
            assert all(type(f.kind) is Kind for f in fact.walk()), sql


def test_a_do_block_gives_members_for_what_it_runs() -> None:
    fact = analyze("DO $$ BEGIN target mason_users; CREATE POLICY p ON t USING (true); END $$")
    assert [f.kind for f in fact.walk()] == [Kind.DO, Kind.UNKNOWN, Kind.CREATE_POLICY]


def _kind_literals(tree: ast.AST) -> list[tuple[int, str]]:
    """String constants compared with a ``kind`` that spell a statement kind."""
    values = {k.value for k in Kind}
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Compare):
            continue
        operands = [node.left, *node.comparators]
        if not any(isinstance(o, ast.Attribute) and o.attr == "kind" or isinstance(o, ast.Name) and o.id == "kind" for o in operands):
            continue
        for o in operands:
            items = o.elts if isinstance(o, (ast.Tuple, ast.List, ast.Set)) else [o]
            found += [(node.lineno, i.value) for i in items if isinstance(i, ast.Constant) and i.value in values]
    return found


def test_the_package_names_kinds_by_member() -> None:
    # `f.kind == "create_tabel"` is silently never true; `Kind.CREATE_TABEL` fails at import.
    offences = [f"{path.relative_to(PACKAGE)}:{line}: {value!r}" for path in sorted(PACKAGE.rglob("*.py")) for line, value in _kind_literals(ast.parse(path.read_text()))]
    assert offences == []
