"""Statements that DO blocks run with EXECUTE '<constant>' count as the migration's own."""

from __future__ import annotations

from pathlib import Path

from migration_lsp.config import Config
from migration_lsp.lint.check import check_project
from migration_lsp.workspace.project import Project

CODE = "import { supabase } from './db';\nexport const pears = () => supabase.from('mason_pears').select('id');\n"


def findings(tmp_path: Path, sql: str) -> list[tuple[str, str]]:
    p = Project(Config(root=tmp_path))
    route = f"export const MIGRATION_SQL = `{sql}`;\n"
    p.add(tmp_path / "route.ts", route)
    p.add(tmp_path / "pears.ts", CODE)
    result = check_project(p, select=("table-not-in-migration", "used-before-created"))
    return [(f.rule, p.texts[f.path][f.start : f.end]) for f in result.findings]


def test_a_table_created_by_execute_is_created(tmp_path: Path) -> None:
    sql = """
DO $$ BEGIN
  EXECUTE 'CREATE TABLE IF NOT EXISTS mason_pears (id int PRIMARY KEY)';
END $$;
ALTER TABLE mason_pears ADD COLUMN IF NOT EXISTS ripe boolean;
"""
    assert findings(tmp_path, sql) == []


def test_a_table_used_before_the_execute_that_creates_it(tmp_path: Path) -> None:
    sql = """
ALTER TABLE mason_pears ADD COLUMN IF NOT EXISTS ripe boolean;
DO $$ BEGIN
  EXECUTE format('CREATE TABLE IF NOT EXISTS %I (id int PRIMARY KEY)', 'mason_pears');
END $$;
"""
    assert findings(tmp_path, sql) == [("used-before-created", "mason_pears")]


def test_a_table_only_a_run_time_execute_creates_is_not_in_the_migration(tmp_path: Path) -> None:
    sql = """
DO $$ DECLARE t text := 'mason_pears'; BEGIN
  EXECUTE 'CREATE TABLE IF NOT EXISTS ' || t || ' (id int PRIMARY KEY)';
END $$;
"""
    assert ("table-not-in-migration", "'mason_pears'") in findings(tmp_path, sql)
