"""Checks that follow edits, building on the last check's schemas, find what a check from
scratch finds with the upgrade rules: what one check compared stays known only for the
objects an edit did not touch."""

from __future__ import annotations

from pathlib import Path

from migration_lsp.config import Config
from migration_lsp.findings import Finding
from migration_lsp.lint.check import check
from migration_lsp.migration import Document, parse_document
from migration_lsp.model.baseline import Baseline
from migration_lsp.model.build import Schemas
from migration_lsp.workspace.baselines import sql_migration

RULES = ["column-missing-on-upgrade", "changed-definition-not-applied"]

BASELINE = """
CREATE TABLE IF NOT EXISTS shop_orders (id UUID PRIMARY KEY, total NUMERIC(10, 2) DEFAULT 0, state TEXT, CONSTRAINT shop_orders_total CHECK (total >= 0));
CREATE INDEX IF NOT EXISTS idx_shop_orders_state ON shop_orders(state);
CREATE POLICY "Readers" ON shop_orders FOR SELECT USING (true);
CREATE TABLE IF NOT EXISTS shop_items (id UUID PRIMARY KEY, name TEXT);
"""

# Each step edits the one before it: a change appears, moves, is undone, or is guarded.
STEPS = [
    BASELINE,
    BASELINE.replace("DEFAULT 0", "DEFAULT 1"),
    BASELINE.replace("DEFAULT 0", "DEFAULT 1").replace("name TEXT)", "name TEXT, sku TEXT)"),
    "-- the shop\n" + BASELINE.replace("DEFAULT 0", "DEFAULT 1").replace("name TEXT)", "name TEXT, sku TEXT)"),
    BASELINE.replace("(state)", "(state, id)").replace("USING (true)", "USING (state = 'open')"),
    BASELINE.replace("(state)", "(state, id)").replace("USING (true)", "USING (state = 'open')").replace("total >= 0", "total > 0"),
    BASELINE.replace("(state)", "(state, id)").replace("total >= 0", "total > 0").replace("NUMERIC(10, 2)", "NUMERIC(12, 2)"),
    BASELINE.replace("CREATE TABLE IF NOT EXISTS shop_items", "CREATE TABLE shop_items").replace("name TEXT)", "name TEXT, sku TEXT)"),
    BASELINE.replace("name TEXT)", "name TEXT, sku TEXT)") + "ALTER TABLE shop_items ADD COLUMN IF NOT EXISTS sku TEXT;\n",
    # The index moves to another table: the build over the baseline replays the one it was on there, the fresh build does not.
    BASELINE.replace("ON shop_orders(state)", "ON shop_items(name)"),
    BASELINE.replace("ON shop_orders(state)", "ON shop_items(name)").replace("name TEXT)", "name TEXT, sku TEXT)"),
    # A statement on a table only the app names may have changed any: nothing is said, then all of it again.
    BASELINE.replace("DEFAULT 0", "DEFAULT 1") + "ALTER TABLE ${TABLE} ADD COLUMN IF NOT EXISTS note TEXT;\n",
    BASELINE.replace("DEFAULT 0", "DEFAULT 1"),
    BASELINE,
]


def document(sql: str) -> Document:
    body = sql.replace("\\", "\\\\").replace("`", "\\`")
    return parse_document(Path("route.ts"), f"export const MIGRATION_SQL = `{body}`;\n", ["MIGRATION_SQL"])


def seen(findings: list[Finding]) -> list[object]:
    return [(f.rule, f.message, f.start, f.end, f.fix and (f.fix.title, f.fix.edits)) for f in findings]


def test_checks_that_follow_edits_find_what_a_check_from_scratch_finds() -> None:
    # Two states older databases are in; the second one (a commit after) already has the new default.
    older = Baseline("db/*.sql", (sql_migration(Path("db/001.sql"), BASELINE),), per_file=False)
    newer = Baseline("HEAD", (sql_migration(Path("db/001.sql"), STEPS[1]),), per_file=False)
    config = Config(root=Path("."))
    schemas = Schemas()
    found = []
    for sql in STEPS + STEPS[::-1]:
        for baselines in ([older], [newer], [older, newer]):  # the same text over another baseline too
            following = check([document(sql)], config, select=RULES, baselines=baselines, schemas=schemas)
            fresh = check([document(sql)], config, select=RULES, baselines=baselines)
            assert seen(following.findings) == seen(fresh.findings)
            assert following.rule_errors == []
            found.append({f.rule for f in fresh.findings})
    assert set(RULES) <= set().union(*found) and found[0] == set()  # the steps do find both


def test_a_check_that_follows_any_step_finds_what_a_check_from_scratch_finds() -> None:
    # Every step after every other: an edit may bring back objects that the last build let go.
    older = Baseline("db/*.sql", (sql_migration(Path("db/001.sql"), BASELINE),), per_file=False)
    config = Config(root=Path("."))
    schemas = Schemas()
    for before, after in ((a, b) for a in STEPS for b in STEPS if a != b):
        for sql in (before, after):
            following = check([document(sql)], config, select=RULES, baselines=[older], schemas=schemas)
            assert seen(following.findings) == seen(check([document(sql)], config, select=RULES, baselines=[older]).findings)
