"""A large, correct, multi-file app written the rulebook's way draws no finding at all.

The app (`fixtures/silent-app`) uses every reference form: `TABLES.KEY`, `TABLES['KEY']`, an
import alias, a namespace import, realtime filters, `.rpc()`, a view through `TABLES`, a
variable table name, storage buckets and look-alike constants. Its migration is the shared
large fixture (many tables, each with its index, RLS and guarded policy, foreign keys in
order, realtime publication blocks, `CREATE OR REPLACE FUNCTION`s), and a second literal
installs the function the code calls.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from workspace_on_disk import ROUTE, Workspace, route

from migration_lsp.rules.registry import RULES

FIXTURE = Path(__file__).parent / "fixtures" / "silent-app"
LARGE_SQL = Path(__file__).parents[1] / "fixtures" / "large_correct_migration.sql"


def silent_app(tmp_path: Path) -> Workspace:
    root = Path(shutil.copytree(FIXTURE, tmp_path / "silent-app"))
    ws = Workspace(root)
    ws.write({ROUTE: route(LARGE_SQL.read_text(encoding="utf-8"))})
    return ws


def test_every_rule_is_silent(tmp_path: Path) -> None:
    ws = silent_app(tmp_path)
    assert ws.found(RULES) == []


def test_it_is_silent_because_everything_was_seen(tmp_path: Path) -> None:
    """Silence proves nothing if nothing was read: the index and the model hold it all."""
    project = silent_app(tmp_path).project()
    index = project.index
    refs = list(index.table_refs())
    assert {r.via for r in refs} == {"constant"}
    assert {r.context for r in refs} == {"from", "realtime"}
    assert len({r.table for r in refs}) == 12
    assert [str(f.function) for f in index.function_refs()] == ["mason_backlog_counts"]
    (constant,) = index.constants()
    assert len(constant.entries) == 12
    (checklist,) = index.checklists()
    assert len(checklist.rows) == 11
    assert len(project.documents) == 2
