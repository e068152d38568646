"""``migration-lsp verify`` and ``--check --verify`` end to end, on a real PostgreSQL."""

from __future__ import annotations

import json
import socket
import time
from pathlib import Path
from typing import Any

import pytest

TABLES = """CREATE TABLE IF NOT EXISTS mason_users (id UUID PRIMARY KEY DEFAULT gen_random_uuid(), name TEXT);
CREATE TABLE IF NOT EXISTS mason_logs (id UUID PRIMARY KEY DEFAULT gen_random_uuid(), message TEXT);
"""
POLICY = """DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE tablename = 'mason_logs' AND policyname = 'Own logs') THEN
    CREATE POLICY "Own logs" ON mason_logs FOR SELECT USING ({using});
  END IF;
END $$;
"""


def diagnostics(out: str) -> list[dict[str, Any]]:
    return json.loads(out)["diagnostics"]


def position(text: str, needle: str) -> tuple[int, int]:
    """1-based line and column of ``needle`` in ``text``."""
    offset = text.index(needle)
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


def test_a_sound_migration_passes_every_scenario(repo, run, database_url: str) -> None:
    repo.route(TABLES)
    repo.commit()
    repo.route(TABLES + "ALTER TABLE mason_users ADD COLUMN IF NOT EXISTS email TEXT;\n" + POLICY.format(using="true"))
    result = run("verify", "--database-url", database_url, cwd=repo.root)
    assert (result.code, result.out, result.err) == (0, "0 errors, 0 warnings, 0 info in 1 file checked\n", "")


def test_a_fresh_failure_is_placed_at_the_error_cursor_in_the_ts_file(repo, run, database_url: str) -> None:
    # Escapes and wide characters before the error: SQL offsets and document offsets part ways.
    path = repo.write(
        "src/route.ts",
        "// Réglages\nexport const MIGRATION_SQL = `\n-- les \\`tables\\` — café\n"
        + TABLES.replace("TEXT)", "TEXT DEFAULT 'a\\\\b')", 1)
        + "CREATE OR REPLACE VIEW mason_names AS SELECT nmae FROM mason_users;\n`;\n",
    )
    result = run("verify", "--database-url", database_url, "--format", "json", cwd=repo.root)
    [finding] = diagnostics(result.out)
    assert result.code == 1
    assert (finding["rule"], finding["severity"]) == ("verify-failed", "error")
    assert finding["message"] == 'fresh: fails on a fresh database: column "nmae" does not exist (SQLSTATE 42703)'
    text = path.read_text(encoding="utf-8")
    assert (finding["line"], finding["column"]) == position(text, "nmae FROM")
    assert (finding["end_line"], finding["end_column"]) == (finding["line"], finding["column"] + len("nmae"))


def test_a_second_run_failure(repo, run, database_url: str) -> None:
    path = repo.route(TABLES + "CREATE TABLE mason_settings (key TEXT PRIMARY KEY);\n")
    result = run("verify", "--database-url", database_url, "--format", "json", cwd=repo.root)
    [finding] = diagnostics(result.out)
    assert finding["message"] == 'twice: fails when run a second time: relation "mason_settings" already exists (SQLSTATE 42P07)'
    assert (finding["line"], finding["column"]) == position(path.read_text(encoding="utf-8"), "CREATE TABLE mason_settings")


def test_an_upgrade_failure_and_its_static_counterpart_in_one_run(repo, run, database_url: str) -> None:
    repo.route(TABLES)
    repo.commit()
    path = repo.route(TABLES.replace("name TEXT", "name TEXT, email TEXT") + "CREATE INDEX IF NOT EXISTS idx_mason_users_email ON mason_users (email);\n")
    result = run(
        "--check", "--verify", "--database-url", database_url, "--format", "json",
        "--select", "column-missing-on-upgrade,verify-failed", cwd=repo.root,
    )  # fmt: skip
    text = path.read_text(encoding="utf-8")
    found = [(d["rule"], d["line"], d["column"], d["message"]) for d in diagnostics(result.out)]
    assert found == [
        (
            "column-missing-on-upgrade", *position(text, "email TEXT"),
            "databases built from HEAD have table mason_users without column email, and CREATE TABLE IF NOT EXISTS "
            "skips the table there; add it with ALTER TABLE … ADD COLUMN IF NOT EXISTS",
        ),
        (
            "verify-failed", *position(text, "CREATE INDEX"),
            'upgrade:HEAD: fails when upgrading a database built by HEAD: column "email" does not exist (SQLSTATE 42703)',
        ),
    ]  # fmt: skip
    assert result.code == 1
    assert run("--check", "--fix", "--select", "column-missing-on-upgrade", cwd=repo.root).code == 0
    assert run("verify", "--database-url", database_url, cwd=repo.root).code == 0


def test_check_verify_takes_the_platform_flag_over_the_config(repo, run, database_url: str) -> None:
    repo.route("CREATE TABLE IF NOT EXISTS mason_notes (id UUID PRIMARY KEY, owner UUID DEFAULT auth.uid());\n")
    check = ("--check", "--verify", "--database-url", database_url, "--select", "verify-failed", "--format", "json")
    assert run(*check, cwd=repo.root).code == 0  # the config's platform, supabase, has auth.uid()
    result = run(*check, "--platform", "none", cwd=repo.root)
    [finding] = diagnostics(result.out)
    assert finding["rule"] == "verify-failed" and 'schema "auth" does not exist' in finding["message"]


def test_drift_of_a_guarded_policy_and_its_suppression(repo, run, database_url: str) -> None:
    repo.route(TABLES + POLICY.format(using="true"))
    repo.commit()
    path = repo.route(TABLES + POLICY.format(using="message IS NOT NULL"))
    result = run("verify", "--database-url", database_url, "--format", "json", cwd=repo.root)
    [finding] = diagnostics(result.out)
    assert finding["rule"] == "upgrade-drift"
    assert finding["message"].startswith('upgrade:HEAD: policy "Own logs" on mason_logs differs after upgrading from HEAD')
    text = path.read_text(encoding="utf-8")
    assert (finding["line"], finding["column"]) == position(text, '"Own logs" ON')
    path.write_text(text.replace("DO $$", "-- migration-lsp: ignore upgrade-drift -- fixed by hand in production\nDO $$"), encoding="utf-8")
    assert diagnostics(run("verify", "--database-url", database_url, "--format", "json", cwd=repo.root).out) == []
    static = run("--check", "--format", "json", "--select", "unused-suppression", cwd=repo.root)
    assert diagnostics(static.out) == []


def test_rows_deleted_on_upgrade_are_data_lost(repo, run, database_url: str) -> None:
    repo.route(TABLES)
    repo.commit()
    path = repo.route(TABLES + "DELETE FROM mason_logs WHERE message IS NOT NULL OR message IS NULL;\n")
    result = run("verify", "--database-url", database_url, "--format", "json", cwd=repo.root)
    [finding] = diagnostics(result.out)
    assert finding["rule"] == "data-lost"
    assert finding["message"].startswith("upgrade:HEAD: 3 of 3 rows of table mason_logs are deleted when upgrading from HEAD")
    assert finding["line"] == position(path.read_text(encoding="utf-8"), "DELETE FROM")[0]


def test_legacy_sql_files_are_a_baseline_without_git(tmp_path: Path, run, database_url: str) -> None:
    (tmp_path / "db").mkdir()
    (tmp_path / "db" / "001_users.sql").write_text("CREATE TABLE mason_users (id UUID PRIMARY KEY)\n", encoding="utf-8")
    (tmp_path / "db" / "002_name.sql").write_text("ALTER TABLE mason_users ADD COLUMN name TEXT;\n", encoding="utf-8")
    (tmp_path / "migration-lsp.toml").write_text('baseline-sql = ["db/*.sql"]\n', encoding="utf-8")
    (tmp_path / "route.ts").write_text(
        "export const MIGRATION_SQL = `\nCREATE TABLE IF NOT EXISTS mason_users (id UUID PRIMARY KEY, name TEXT NOT NULL);\n`;\n",
        encoding="utf-8",
    )
    result = run("verify", "--database-url", database_url, "--format", "json", cwd=tmp_path)
    [finding] = diagnostics(result.out)
    assert finding["rule"] == "upgrade-drift"
    assert finding["message"].startswith("upgrade:db/*.sql: column mason_users.name differs after upgrading from db/*.sql: text (")
    assert json.loads(result.out)["notices"] == []


def test_literals_with_substitutions_are_not_verified(tmp_path: Path, run, database_url: str) -> None:
    (tmp_path / "route.ts").write_text("let t = 'x';\nexport const MIGRATION_SQL = `CREATE TABLE IF NOT EXISTS ${t} (id int);`;\n", encoding="utf-8")
    result = run("verify", "--database-url", database_url, cwd=tmp_path)
    assert result.code == 0
    assert "route.ts:2:30: note: not verified: the literal has ${…} substitutions" in result.out
    # a constant's value is known: that literal is verified with it
    (tmp_path / "route.ts").write_text("const t = 'x';\nexport const MIGRATION_SQL = `CREATE TABLE ${t} (id int);`;\n", encoding="utf-8")
    result = run("verify", "--database-url", database_url, "--platform", "none", cwd=tmp_path)
    assert "not verified:" not in result.out and 'relation "x" already exists' in result.out


def test_an_unreachable_server_is_one_line_and_exit_2(tmp_path: Path, run) -> None:
    (tmp_path / "route.ts").write_text("export const MIGRATION_SQL = `SELECT 1;`;\n", encoding="utf-8")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # nothing listens once the socket is closed
    result = run("verify", "--database-url", f"postgresql://nobody@127.0.0.1:{port}/postgres", cwd=tmp_path)
    assert (result.code, result.out) == (2, "")
    assert result.err.startswith(f"migration-lsp: cannot connect to PostgreSQL at 127.0.0.1:{port}/postgres: ")
    assert result.err.count("\n") == 1


def test_the_private_server_by_default(repo, run) -> None:
    repo.route(TABLES)
    result = run("verify", "--platform", "none", cwd=repo.root)
    assert (result.code, result.out.splitlines()[-1]) == (0, "0 errors, 0 warnings, 0 info in 1 file checked")
    assert "no baseline for this file" not in result.out


SLEEP = "SET statement_timeout = 0;\nSELECT pg_sleep(30);\n"


def test_the_config_sets_the_time_limit_per_scenario(repo, run, database_url: str) -> None:
    repo.write("migration-lsp.toml", "verify-time-limit = 1\n")
    repo.route(SLEEP)
    started = time.monotonic()
    result = run("verify", "--database-url", database_url, "--format", "json", cwd=repo.root)
    assert time.monotonic() - started < 15
    [finding] = diagnostics(result.out)
    assert finding["rule"] == "verify-failed"
    assert finding["message"].startswith("fresh: fails on a fresh database: did not finish within the time limit of 1 s per scenario")


def test_the_time_limit_flag_wins_over_the_config(repo, run, database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    repo.write("migration-lsp.toml", "verify-time-limit = 600\n")
    repo.route(SLEEP)
    started = time.monotonic()
    result = run("--check", "--verify", "--time-limit", "1", "--database-url", database_url, "--select", "verify-failed", "--format", "json", cwd=repo.root)
    assert time.monotonic() - started < 15
    [finding] = diagnostics(result.out)
    assert "time limit of 1 s" in finding["message"]
    with pytest.raises(SystemExit) as bad:
        run("verify", "--time-limit", "0", cwd=repo.root)
    assert bad.value.code == 2
    assert capsys.readouterr().err == "migration-lsp: argument --time-limit: '0' is not a positive number of seconds (see --help)\n"
