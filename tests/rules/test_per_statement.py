"""Rules that read the whole literal look only at the statements that what they keep of each
statement's text picks: what another statement changes is still seen."""

from __future__ import annotations

from pathlib import Path

import pytest

from migration_lsp.config import Config
from migration_lsp.lint.check import check
from migration_lsp.migration import ByText, Document, Migration, parse_document
from migration_lsp.sql.facts import Kind, Statement

POLICY = 'CREATE POLICY "Readers" ON shop_orders FOR SELECT USING (true);\n'
TYPE = "CREATE TYPE order_state AS ENUM ('open', 'paid');\n"
INDEX = "CREATE INDEX IF NOT EXISTS idx_shop_orders_paid ON shop_orders(paid_at);\n"
ADD = "ALTER TABLE shop_orders ADD COLUMN IF NOT EXISTS paid_at TIMESTAMPTZ;\n"
TABLE = "CREATE TABLE IF NOT EXISTS shop_orders (id UUID PRIMARY KEY, paid_at TIMESTAMPTZ);\n"
CHECK = "ALTER TABLE shop_orders ADD CONSTRAINT shop_orders_paid CHECK (paid_at > '2020-01-01');\n"

# Each step keeps the statement a rule reports as it was, and changes what runs before it.
STEPS = [
    (TABLE + POLICY + TYPE, {"policy-not-guarded", "create-not-idempotent"}),
    (TABLE + 'DROP POLICY IF EXISTS "Readers" ON shop_orders;\n' + POLICY + "DROP TYPE IF EXISTS order_state;\n" + TYPE, set()),
    (TABLE + 'DROP POLICY IF EXISTS "Writers" ON shop_orders;\n' + POLICY + "DROP TYPE IF EXISTS order_state;\n" + TYPE, {"policy-not-guarded"}),
    (TABLE + POLICY + TYPE, {"policy-not-guarded", "create-not-idempotent"}),
    (TABLE + "ALTER TABLE shop_orders DROP CONSTRAINT IF EXISTS shop_orders_paid;\n" + CHECK, set()),
    (TABLE + CHECK, {"create-not-idempotent"}),
    (TABLE + INDEX, set()),
    (TABLE + INDEX + ADD, {"column-used-before-added"}),
    (TABLE + ADD + INDEX, set()),
    (INDEX + TABLE + ADD, set()),  # a table created further down: used-before-created's case
    (TABLE + INDEX + ADD, {"column-used-before-added"}),
]


def _document(sql: str) -> Document:
    return parse_document(Path("route.ts"), f"export const MIGRATION_SQL = `{sql}`;\n", ["MIGRATION_SQL"])


def _migration(sql: str) -> Migration:
    return _document(sql).migrations[0]


@pytest.mark.parametrize("order", [1, -1], ids=["forwards", "backwards"])
def test_what_runs_before_an_unchanged_statement_decides_its_finding(order: int) -> None:
    rules = ["policy-not-guarded", "create-not-idempotent", "column-used-before-added"]
    for sql, expected in STEPS[::order]:
        result = check([_document(sql)], Config(root=Path(".")), select=rules)
        assert result.rule_errors == []
        assert {f.rule for f in result.findings} == expected, sql


def test_what_is_kept_per_statement_is_asked_only_of_texts_not_met_in_the_dialect() -> None:
    asked: list[str] = []

    def creates_type(st: Statement) -> bool:
        asked.append(st.fact.text)
        return st.fact.kind == Kind.CREATE_TYPE

    types = ByText(creates_type)
    assert types.each(_migration(TABLE + TYPE + TABLE)) == [False, True, False]
    assert len(asked) == 2  # the table's text once
    m = _migration(TABLE + TYPE + POLICY)
    assert types.each(m) == [False, True, False]
    assert asked[2:] == [POLICY.rstrip(";\n")]
    assert [types(m, st) for st in m.statements] == [False, True, False]  # one at a time: the same, asked of nothing
    assert len(asked) == 3
    sqlite = _migration(TABLE + TYPE)
    sqlite.dialect = "sqlite"
    types.each(sqlite)
    assert len(asked) == 5


def test_a_value_of_none_is_kept_too() -> None:
    asked: list[str] = []

    def nothing(st: Statement) -> None:
        asked.append(st.fact.text)

    kept = ByText(nothing)
    m = _migration(TABLE + TYPE)
    assert kept.each(m) == [None, None]
    assert kept.each(m) == [None, None] and kept(m, m.statements[0]) is None
    assert len(asked) == 2


def test_after_an_edit_what_is_kept_follows_the_statements_it_left() -> None:
    def kind(st: Statement) -> Kind:
        return st.fact.kind

    kinds = ByText(kind)
    path, names = Path("route.ts"), ["MIGRATION_SQL"]
    doc = None
    for sql in (TABLE + TYPE + POLICY, TABLE + TYPE + INDEX + POLICY, TABLE + INDEX + POLICY, ADD + TABLE + INDEX + POLICY, ADD + TABLE + INDEX + POLICY + TYPE):
        doc = parse_document(path, f"export const MIGRATION_SQL = `{sql}`;\n", names, previous=doc)
        m = doc.migrations[0]
        assert kinds.each(m) == [st.fact.kind for st in m.statements] == ByText(kind).each(_migration(sql))
        assert kinds.each(m) is kinds.each(m)  # worked out once per migration
