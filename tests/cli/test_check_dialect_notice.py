"""``--check`` says how a literal was checked when it is not the rulebook's PostgreSQL on Supabase."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

LITERAL = "export const MIGRATION_SQL = `CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY);`;\n"


def project(root: Path, package: dict[str, Any] | None, head: str = "") -> Path:
    if package is not None:
        (root / "package.json").write_text(json.dumps(package), encoding="utf-8")
    (root / "db.ts").write_text(head + LITERAL, encoding="utf-8")
    return root


@pytest.mark.parametrize(
    ("package", "head", "notice"),
    [
        ({"dependencies": {"better-sqlite3": "^11"}}, "", "checked as SQLite: the PostgreSQL-only rules do not run"),
        (None, 'import mysql from "mysql2/promise";\n', "checked as MySQL: the PostgreSQL-only rules do not run"),
        (
            {"dependencies": {"pg": "^8"}},
            "",
            "checked as plain PostgreSQL (platform none): row level security and policies are not checked unless [rules] sets their level",
        ),
    ],
)
def test_a_literal_not_on_supabase_gets_one_notice_in_text_and_json(cli: Any, tmp_path: Path, package: dict[str, Any] | None, head: str, notice: str) -> None:
    root = project(tmp_path, package, head)
    line = 2 if head else 1
    text = cli("check", "--no-color", cwd=root)
    assert text.stdout.count("checked as") == 1
    assert f"db.ts:{line}:30: note: {notice}\n" in text.stdout
    notices = json.loads(cli("check", "--format", "json", cwd=root).stdout)["notices"]
    assert [n for n in notices if n["message"].startswith("checked as")] == [{"path": "db.ts", "message": notice, "line": line, "column": 30}]


@pytest.mark.parametrize("package", [None, {"dependencies": {"@supabase/supabase-js": "^2"}}])
def test_postgresql_on_supabase_goes_without_saying(cli: Any, tmp_path: Path, package: dict[str, Any] | None) -> None:
    root = project(tmp_path, package)
    assert "checked as" not in cli("check", "--no-color", cwd=root).stdout
    assert not [n for n in json.loads(cli("check", "--format", "json", cwd=root).stdout)["notices"] if n["message"].startswith("checked as")]
