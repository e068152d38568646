"""``verify`` starts from the platform each literal was detected on: Supabase's shims only there."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

# Fails where no `extensions` schema exists, as on a plain PostgreSQL; names nothing of auth or storage.
NEEDS_SHIMS = "SELECT 'extensions'::regnamespace;\nCREATE TABLE IF NOT EXISTS notes (id integer PRIMARY KEY);\n"
PLAIN = '{"dependencies": {"pg": "^8.11.0"}}\n'


def write(root: Path, package: str | None, config: str = "") -> None:
    if package is not None:
        (root / "package.json").write_text(package, encoding="utf-8")
    if config:
        (root / "migration-lsp.toml").write_text(config, encoding="utf-8")
    (root / "db.ts").write_text(f"export const MIGRATION_SQL = `\n{NEEDS_SHIMS}`;\n", encoding="utf-8")


def messages(out: str) -> list[str]:
    return [d["message"] for d in json.loads(out)["diagnostics"]]


def test_a_plain_postgresql_app_is_verified_without_supabase_shims(tmp_path: Path, run, database_url: str) -> None:
    write(tmp_path, PLAIN)
    result = run("verify", "--database-url", database_url, "--format", "json", cwd=tmp_path)
    assert messages(result.out) == ['fresh: fails on a fresh database: schema "extensions" does not exist (SQLSTATE 3F000)']


@pytest.mark.parametrize(
    ("package", "config", "option"),
    [
        (None, "", ()),  # no evidence: Supabase, the rulebook's platform
        ('{"dependencies": {"pg": "^8.11.0", "@supabase/supabase-js": "^2.0.0"}}\n', "", ()),
        (PLAIN, 'platform = "supabase"\n', ()),
        (PLAIN, "", ("--platform", "supabase")),
    ],
)
def test_supabase_gets_its_shims(tmp_path: Path, run, database_url: str, package: str | None, config: str, option: tuple[str, ...]) -> None:
    write(tmp_path, package, config)
    result = run("verify", "--database-url", database_url, "--format", "json", *option, cwd=tmp_path)
    assert (result.code, messages(result.out)) == (0, [])
