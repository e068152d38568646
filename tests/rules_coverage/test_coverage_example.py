"""The bundled example shows each coverage finding on purpose, marked by a `[rule]` comment,
and `--fix` repairs every one that has a fix."""

from __future__ import annotations

import contextlib
import io
import re
import shutil
from pathlib import Path

import pytest
from workspace_on_disk import COVERAGE, Workspace

from migration_lsp.main import main

EXAMPLE = Path(__file__).parents[2] / "examples" / "mason-app"
DASHBOARD = "packages/mason-dashboard/src"
ROUTE = f"{DASHBOARD}/app/api/setup/migrations/route.ts"
NOT_FIXABLE = {"used-before-created", "function-not-in-migration", "required-table-missing"}


@pytest.fixture
def example(tmp_path: Path) -> Workspace:
    return Workspace(Path(shutil.copytree(EXAMPLE, tmp_path / "mason-app")))


def test_each_finding_is_where_the_example_says(example: Workspace) -> None:
    assert sorted(example.found(), key=lambda f: (f[1], f[0])) == [
        ("checklist-out-of-date", "docs/database-migrations.md", "| Table | Purpose | Required |"),
        ("required-table-missing", "docs/database-migrations.md", "mason_ai_provider_keys"),
        ("table-missing-index", ROUTE, "mason_pm_execution_tasks"),
        ("table-missing-policy", ROUTE, "ENABLE ROW LEVEL SECURITY"),
        ("table-missing-rls", ROUTE, "mason_execution_logs"),
        ("table-not-in-constants", ROUTE, "mason_pm_filtered_items"),
        ("table-not-in-migration", ROUTE, "`"),
        ("used-before-created", ROUTE, "mason_pm_analysis_runs"),
        ("hardcoded-table-name", f"{DASHBOARD}/app/api/users/route.ts", "'mason_users'"),
        ("table-not-in-migration", f"{DASHBOARD}/lib/ai-providers.ts", "TABLES.AI_PROVIDER_KEYS"),
        ("table-not-in-migration", f"{DASHBOARD}/lib/ai-providers.ts", "TABLES.AI_PROVIDER_KEYS"),
        ("function-not-in-migration", f"{DASHBOARD}/lib/api-keys.ts", "'increment_api_key_usage'"),
        ("table-not-in-migration", f"{DASHBOARD}/lib/constants.ts", "AI_PROVIDER_KEYS: 'mason_ai_provider_keys'"),
    ]


def test_every_coverage_rule_is_marked_in_the_example(example: Workspace) -> None:
    marked = set()
    for path in example.root.rglob("*.ts"):
        marked |= set(re.findall(r"\[([a-z]+(?:-[a-z]+)+)\]", path.read_text(encoding="utf-8")))
    shown = {rule for rule, _, _ in example.found()}
    assert shown >= set(COVERAGE) - {"section-order"}
    assert {rule for rule in marked if rule in COVERAGE} == shown - {"required-table-missing"}


def test_fix_repairs_every_fixable_finding(example: Workspace) -> None:
    with contextlib.redirect_stdout(io.StringIO()):
        main(["--check", str(example.root), "--fix", "--select", ",".join(COVERAGE), "--no-color"])
    left = example.found()
    assert {rule for rule, _, _ in left} == NOT_FIXABLE - {"required-table-missing"}
    assert [text for _, _, text in left] == ["mason_pm_analysis_runs", "'increment_api_key_usage'"]
    sql = example.read(ROUTE)
    assert "-- AI provider keys\nCREATE TABLE IF NOT EXISTS mason_ai_provider_keys (" in sql
    assert "  is_active BOOLEAN,\n" in sql
    assert "| `mason_pm_filtered_items` | Filtered items | ✓ |" in example.read("docs/database-migrations.md")
    assert "  PM_FILTERED_ITEMS: 'mason_pm_filtered_items',\n} as const;" in example.read(f"{DASHBOARD}/lib/constants.ts")
    users = example.read(f"{DASHBOARD}/app/api/users/route.ts")
    assert "import { TABLES } from '@/lib/constants';" in users and ".from(TABLES.USERS)" in users
