"""A large migration written the rulebook's way must draw no finding from the SQL rules."""

from __future__ import annotations

from pathlib import Path

from pglast import parser

from migration_lsp.config import Config
from migration_lsp.lint.check import check
from migration_lsp.migration import parse_document
from migration_lsp.positions import escape_for_template

FIXTURE = Path(__file__).parents[1] / "fixtures" / "large_correct_migration.sql"

CHECKLIST = (
    "mason_users",
    "mason_api_keys",
    "mason_github_repositories",
    "mason_pm_analysis_runs",
    "mason_pm_backlog_items",
    "mason_pm_filtered_items",
    "mason_pm_execution_runs",
    "mason_pm_execution_tasks",
    "mason_remote_execution_runs",
    "mason_execution_logs",
    "mason_ai_provider_keys",
)


def test_the_fixture_is_valid_postgresql() -> None:
    statements = parser.parse_sql(FIXTURE.read_text(encoding="utf-8"))
    assert len(statements) > 80


def test_the_fixture_creates_every_table_of_the_checklist() -> None:
    sql = FIXTURE.read_text(encoding="utf-8")
    for table in CHECKLIST:
        assert f"CREATE TABLE IF NOT EXISTS {table} (" in sql
        assert f"ALTER TABLE {table} ENABLE ROW LEVEL SECURITY;" in sql


def test_no_sql_rule_finds_anything(sql_rules: list[str]) -> None:
    sql = FIXTURE.read_text(encoding="utf-8")
    text = f"export const MIGRATION_SQL = `{escape_for_template(sql)}`;\n"
    doc = parse_document(Path("route.ts"), text, ["MIGRATION_SQL"])
    (migration,) = doc.migrations
    assert migration.sql == sql
    result = check([doc], Config(root=Path(".")), select=sql_rules)
    assert result.rule_errors == []
    assert [(f.rule, text[f.start : f.end], f.message) for f in result.findings] == []
