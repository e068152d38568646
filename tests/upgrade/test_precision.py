"""A large, correct migration: the upgrade rules stay silent, and PostgreSQL agrees."""

from __future__ import annotations

from pathlib import Path

import pytest

from migration_lsp.config import Config
from migration_lsp.docs import family
from migration_lsp.lint.check import check
from migration_lsp.lint.verify import sql_source
from migration_lsp.migration import parse_document
from migration_lsp.model.baseline import Baseline
from migration_lsp.rules.registry import RULE_CLASSES
from migration_lsp.verify import verify
from migration_lsp.workspace.baselines import sql_migration

LARGE = Path(__file__).parent.parent / "fixtures" / "large_correct_migration.sql"
UPGRADE = [cls for cls in RULE_CLASSES if family(cls) == "upgrade"]
VERIFY_RULES = {cls.name for cls in UPGRADE if cls.reported_by == "verify"}
STATIC = [cls.name for cls in UPGRADE if cls.name not in VERIFY_RULES]


def older(sql: str) -> str:
    """The release before: the tables without the columns added since, and the check it already had."""
    [m] = parse_document(Path("route.ts"), route(sql), ["MIGRATION_SQL"]).migrations
    added = {(st.fact.table.name, act.column) for st in m.all_statements() if st.fact.kind == "alter_table" and st.fact.table is not None for act in st.fact.actions if act.kind == "add_column"}
    kept = []
    for st in m.statements:
        f = st.fact
        text = f.text
        if f.kind == "create_table" and f.name is not None:
            for col in reversed(f.columns):
                if (f.name.name, col.name) in added:
                    comma = text.rindex(",", 0, col.span.start)
                    text = text[:comma] + text[col.span.start + len(col.definition) :]
        elif f.kind != "create_extension" and "mason_pm_filtered_items_confidence_check" not in text:
            continue
        kept.append(text + ";\n")
    return "".join(kept)


def route(sql: str) -> str:
    body = sql.replace("\\", "\\\\").replace("`", "\\`")
    return f"export const MIGRATION_SQL = `{body}`;\n"


@pytest.mark.parametrize("baseline", ["none", "itself", "older release"])
def test_the_static_rules_stay_silent(baseline: str) -> None:
    sql = LARGE.read_text(encoding="utf-8")
    doc = parse_document(Path("route.ts"), route(sql), ["MIGRATION_SQL"])
    baselines = {
        "none": [],
        "itself": [Baseline("HEAD", tuple(doc.migrations), per_file=True)],
        "older release": [Baseline("db/*.sql", (sql_migration(Path("db/001.sql"), older(sql)),), per_file=False)],
    }[baseline]
    result = check([doc], Config(root=Path(".")), select=STATIC, baselines=baselines)
    assert (result.findings, result.rule_errors) == ([], [])


def test_postgresql_agrees_from_the_older_release(database_url: str) -> None:
    sql = LARGE.read_text(encoding="utf-8")
    [current] = parse_document(Path("route.ts"), route(sql), ["MIGRATION_SQL"]).migrations
    baseline = sql_migration(Path("db/001.sql"), older(sql))
    assert "display_name" not in baseline.sql and "github_username" in baseline.sql
    assert verify(sql_source("current", [current]), [sql_source("older", [baseline])], database_url=database_url) == []
