"""`migration-lsp schema`: the schema model as JSON, and as Markdown a checklist can be made from."""

from __future__ import annotations

import contextlib
import io
import json
from pathlib import Path

import pytest

from migration_lsp.cli.schema import main
from migration_lsp.positions import escape_for_template
from migration_lsp.workspace.checklist import find_checklists

SQL = """
-- 1. Core tables

-- User accounts
CREATE TABLE IF NOT EXISTS mason_users (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  email TEXT NOT NULL UNIQUE
);

-- Keys | hashed
CREATE TABLE IF NOT EXISTS mason_api_keys (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id UUID REFERENCES mason_users(id)
);
CREATE TABLE IF NOT EXISTS auth.audit (id UUID PRIMARY KEY);

CREATE INDEX IF NOT EXISTS idx_mason_api_keys_user_id ON mason_api_keys(user_id) WHERE user_id IS NOT NULL;
ALTER TABLE mason_users ENABLE ROW LEVEL SECURITY;
CREATE POLICY "Own row" ON mason_users FOR SELECT TO authenticated USING (id = auth.uid());
CREATE OR REPLACE FUNCTION bump(n INT) RETURNS INT LANGUAGE sql AS $fn$ SELECT n + 1 $fn$;
CREATE OR REPLACE VIEW mason_user_emails AS SELECT email FROM mason_users;
DO $$ BEGIN
  ALTER PUBLICATION supabase_realtime ADD TABLE mason_api_keys;
EXCEPTION WHEN duplicate_object THEN NULL;
END $$;
"""


def run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(list(args))
    return code, out.getvalue(), err.getvalue()


@pytest.fixture
def app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    route = tmp_path / "src/app/api/setup/migrations/route.ts"
    route.parent.mkdir(parents=True)
    route.write_text(f"export const MIGRATION_SQL = `{escape_for_template(SQL)}`;\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    return tmp_path


def test_json(app: Path) -> None:
    code, out, _ = run(".", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["migrations"] == [{"path": "src/app/api/setup/migrations/route.ts", "name": "MIGRATION_SQL", "line": 1}]
    users, keys, audit = data["tables"]
    assert (users["name"], users["schema"], users["purpose"]) == ("mason_users", "public", "User accounts")
    assert users["defined"] == {"path": "src/app/api/setup/migrations/route.ts", "line": 5}
    assert users["columns"][1] == {
        "name": "email",
        "type": "TEXT",
        "nullable": False,
        "default": None,
        "generated": False,
        "primary_key": False,
        "unique": True,
    }
    assert users["rls"] == {"enabled": True, "forced": False}
    assert users["policies"][0] | {"defined": None} == {
        "name": "Own row",
        "command": "SELECT",
        "roles": ["authenticated"],
        "using": "id = auth.uid()",
        "check": None,
        "defined": None,
    }
    assert keys["foreign_keys"] == [{"columns": ["user_id"], "references": "mason_users", "references_columns": ["id"], "name": None}]
    assert keys["indexes"][0]["predicate"] == "user_id IS NOT NULL"
    assert keys["publications"] == ["supabase_realtime"]
    assert audit["schema"] == "auth"
    assert data["views"][0]["name"] == "mason_user_emails"
    assert data["functions"][0] | {"defined": None} == {
        "name": "bump",
        "schema": "public",
        "arguments": "n INT",
        "returns": "INT",
        "language": "sql",
        "procedure": False,
        "defined": None,
    }
    assert data["publications"] == [{"name": "supabase_realtime", "all_tables": False, "tables": ["mason_api_keys"]}]


def test_markdown_holds_a_checklist(app: Path) -> None:
    code, out, _ = run()
    assert code == 0
    assert out.startswith(
        "# Schema\n\n## Required Tables\n\n"
        "| Table | Purpose | Required |\n|-------|---------|----------|\n"
        "| `mason_users` | User accounts | ✓ |\n"
        "| `mason_api_keys` | Keys \\| hashed | ✓ |\n\n"  # auth.audit is the platform's
    )
    (checklist,) = find_checklists(Path("schema.md"), out)
    assert checklist.tables == ["mason_users", "mason_api_keys"]
    assert "### `mason_users`\n\nUser accounts\n\n| Column | Type | Null | Default |" in out
    assert '- Policy "Own row": SELECT to authenticated USING `id = auth.uid()`' in out
    assert "- Foreign key: `user_id` → `mason_users(id)`" in out
    assert "- Index: `idx_mason_api_keys_user_id` on `user_id` WHERE `user_id IS NOT NULL`" in out
    assert "- Realtime: `supabase_realtime`" in out
    assert "- `bump(n INT)` → INT (sql)" in out


def test_bad_input_gets_one_line(app: Path) -> None:
    code, out, err = run("missing-folder")
    assert (code, out, err) == (2, "", "migration-lsp: no such file or folder: missing-folder\n")
    (app / "empty").mkdir()
    code, out, err = run("empty")
    assert (code, out) == (1, "")
    assert err == "migration-lsp: no migration literal (MIGRATION_SQL) found under empty\n"
    (app / "migration-lsp.toml").write_text("variable-names = 3\n")
    code, _, err = run(".")
    assert code == 2 and err.count("\n") == 1 and "variable-names" in err


def test_exclusion_constraints_are_listed(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    route = tmp_path / "src/route.ts"
    route.parent.mkdir(parents=True)
    sql = "CREATE TABLE IF NOT EXISTS mason_bookings (id UUID PRIMARY KEY, room UUID, during TSTZRANGE, CONSTRAINT no_overlap EXCLUDE USING gist (room WITH =, during WITH &&));"
    route.write_text(f"export const MIGRATION_SQL = `{sql}`;\n", encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    code, out, _ = run(".", "--format", "json")
    assert code == 0
    assert json.loads(out)["tables"][0]["exclusions"] == [{"columns": ["room", "during"], "name": "no_overlap"}]
    code, out, _ = run(".")
    assert code == 0
    assert "Exclusion constraint: `no_overlap` on `room`, `during`" in out
