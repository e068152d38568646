"""The coverage rules keep what they read of the workspace from one check to the next: after
each edit, to the migration or to the code, they report what a check of a fresh project does."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

from test_coverage_rules import SQL, app
from workspace_on_disk import COVERAGE, ROUTE, Workspace, route

from migration_lsp.findings import Finding
from migration_lsp.lint.check import check_project
from migration_lsp.workspace.project import Project

Make = Callable[[dict[str, str]], Workspace]

WIDGETS = """
CREATE TABLE IF NOT EXISTS mason_widgets (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  title TEXT
);
"""

HARDCODED = """\
import { supabase } from '@/lib/supabase';

export const widgets = () => supabase.from('mason_widgets').select('id, title');
export const users = () => supabase.from('mason_users').select('id');
"""

IMPORTED = """\
import { TABLES } from '../lib/constants';
import { supabase } from '@/lib/supabase';

export const one = () => supabase.from(TABLES.USERS).select('id');
"""

# Each step: the files it writes (None: deletes), in the order an editor sends them. The
# files are there from the start: a file the server reads later is indexed after the others,
# and the findings about all tables would name them in another order than a fresh check.
STEPS: list[dict[str, str | None]] = [
    {ROUTE: route(SQL + "-- a comment typed in the literal\n")},
    {ROUTE: route(SQL.replace("mason_users", "mason_user"))},
    {ROUTE: route(SQL.replace("mason_users", "mason_users_x"))},
    {ROUTE: route(SQL)},
    {"src/feature/hardcoded.ts": HARDCODED},
    {ROUTE: route(SQL + WIDGETS)},
    {ROUTE: route(SQL + WIDGETS + "-- typing\n")},
    {"src/feature/hardcoded.ts": HARDCODED.replace("'mason_widgets'", "'mason_gadgets'")},
    {"src/feature/hardcoded.ts": HARDCODED},
    # Two files import the constant by a relative path now: the import a fix adds follows them.
    {"src/feature/imported.ts": IMPORTED},
    {"src/feature/imported2.ts": IMPORTED},
    {"src/lib/constants.ts": app()["src/lib/constants.ts"].replace("  API_KEYS: 'mason_api_keys',\n", "  API_KEYS: 'mason_api_keys',\n  WIDGETS: 'mason_widgets',\n")},
    {"src/feature/imported.ts": IMPORTED.replace("'../lib/constants'", "'@/lib/constants'")},
    {ROUTE: route(SQL.replace("mason_api_keys", "mason_keys"))},
    {"src/feature/hardcoded.ts": None},
    {ROUTE: route(SQL)},
]


def _check(project: Project) -> list[Finding]:
    result = check_project(project, select=COVERAGE)
    assert not result.rule_errors, result.rule_errors[0].details
    return result.findings


def test_each_edit_reports_what_a_fresh_check_does(workspace: Make) -> None:
    quiet = "export const nothing = 1;\n"
    ws = workspace(app(src__feature__hardcoded_ts=quiet, src__feature__imported_ts=quiet, src__feature__imported2_ts=quiet))
    project = ws.project()
    _check(project)
    seen: set[tuple[str, ...]] = set()
    for step in STEPS:
        for name, text in step.items():
            path = (ws.root / name).resolve()
            if text is None:
                Path(path).unlink()
                project.remove(path)
            else:
                ws.write({name: text})
                project.add(path, text)
        kept = _check(project)
        assert kept == _check(ws.project())
        seen |= {(f.rule,) for f in kept}
    # The steps make each rule that keeps what it read find something.
    assert {("table-not-in-migration",), ("table-not-in-constants",), ("hardcoded-table-name",)} <= seen
