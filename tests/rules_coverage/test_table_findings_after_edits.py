"""The table rules place a table's finding again where the last check put it when an edit
leaves the table and the text around its name as they were: after each edit, before the
table, after it, inside a ``${…}`` the SQL does not see, they report what a fresh check does."""

from __future__ import annotations

from typing import Callable

import pytest
from workspace_on_disk import ROUTE, Workspace

from migration_lsp.lint.check import check_project
from migration_lsp.rules.tables import FAMILY

RULES = [cls.name for cls in FAMILY]

Make = Callable[[dict[str, str]], Workspace]

PARENTS = "CREATE TABLE IF NOT EXISTS shop_owners (id UUID PRIMARY KEY DEFAULT gen_random_uuid());\n"
# An unindexed foreign key, no RLS: table-missing-index and table-missing-rls, both on the name.
ITEMS = "CREATE TABLE IF NOT EXISTS shop_items (\n  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),\n  owner_id UUID REFERENCES shop_owners(id)\n);\n"
SEED = "INSERT INTO shop_owners (id) VALUES (${OWNER}) ON CONFLICT DO NOTHING;\n"


def route(sql: str, newline: str = "\n") -> str:
    return "export const MIGRATION_SQL = `\n" + sql.replace("\n", newline) + "`;\n"


STEPS = [
    route(PARENTS + SEED + ITEMS),
    route(PARENTS + SEED.replace("OWNER", "OWNER_ID") + ITEMS),  # the SQL is the same; the text after it moved
    route("-- a comment typed first\n" + PARENTS + SEED.replace("OWNER", "OWNER_ID") + ITEMS),
    route(PARENTS + "CREATE INDEX IF NOT EXISTS idx_other ON shop_owners(id);\n" + SEED + ITEMS),  # a statement more before
    route(PARENTS + SEED + ITEMS.replace("shop_items", "shop_itemz")),  # the table itself renamed
    route(PARENTS + SEED + ITEMS + "CREATE INDEX IF NOT EXISTS idx_items_owner ON shop_itemz(owner_id);\n"),  # after it
    route(PARENTS + SEED + ITEMS, newline="\r\n"),
    route(PARENTS + SEED.replace("OWNER", "A") + ITEMS, newline="\r\n"),
    route(PARENTS + SEED + ITEMS),
]


@pytest.mark.parametrize("order", [STEPS, STEPS[::-1]], ids=["forwards", "backwards"])
def test_each_edit_places_the_table_findings_where_a_fresh_check_does(workspace: Make, order: list[str]) -> None:
    ws = workspace({ROUTE: order[0]})
    project = ws.project()
    path = (ws.root / ROUTE).resolve()
    seen = set()
    for text in order:
        ws.write({ROUTE: text})
        project.add(path, text)
        kept = check_project(project, select=RULES).findings
        fresh = check_project(ws.project(), select=RULES).findings
        assert [(f.rule, f.message, f.start, f.end) for f in kept] == [(f.rule, f.message, f.start, f.end) for f in fresh]
        seen |= {(f.rule, text[f.start : f.end]) for f in kept}
    assert {("table-missing-index", "shop_items"), ("table-missing-rls", "shop_items"), ("table-missing-index", "shop_itemz")} <= seen


@pytest.mark.parametrize("asked", [0, 1], ids=["asked-at-even-steps", "asked-at-odd-steps"])
def test_a_fix_kept_from_the_last_check_makes_the_edits_a_fresh_check_does(workspace: Make, asked: int) -> None:
    """A fix not asked for in one check is offered again by the next; asked for, the next makes another."""
    ws = workspace({ROUTE: STEPS[0]})
    project = ws.project()
    path = (ws.root / ROUTE).resolve()
    for n, text in enumerate(STEPS + STEPS[::-1]):
        ws.write({ROUTE: text})
        project.add(path, text)
        kept = check_project(project, select=RULES).findings
        if n % 2 != asked:
            continue  # its fixes stay as they are, not built
        fresh = check_project(ws.project(), select=RULES).findings
        assert [(f.rule, f.start, f.fix and f.fix.edits) for f in kept] == [(f.rule, f.start, f.fix and f.fix.edits) for f in fresh]
        assert any(f.rule == "table-missing-index" and f.fix is not None and f.fix.edits for f in kept)
