"""``migration-lsp verify`` on SQLite and MySQL literals: no PostgreSQL is needed or started."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from migration_lsp.verify import binaries

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "sqlite-app"
SQLITE_PACKAGE = '{"dependencies": {"better-sqlite3": "^11.0.0"}}\n'


@pytest.fixture(autouse=True)
def no_postgres(monkeypatch: pytest.MonkeyPatch) -> None:
    """As on a machine without PostgreSQL: starting one would be an error."""
    monkeypatch.setattr(binaries, "default_search_path", lambda: [])


def position(text: str, needle: str) -> tuple[int, int]:
    offset = text.index(needle)
    return text.count("\n", 0, offset) + 1, offset - (text.rfind("\n", 0, offset) + 1) + 1


def test_the_sqlite_example_verifies_without_postgresql(run) -> None:
    result = run("verify", "examples/sqlite-app", cwd=EXAMPLE.parents[1])
    assert (result.code, result.err) == (0, "")
    assert result.out.endswith("0 errors, 0 warnings, 0 info in 1 file checked\n")
    assert "not verified" not in result.out


def test_the_example_broken_on_purpose_fails_where_it_is_broken(tmp_path: Path, run) -> None:
    shutil.copytree(EXAMPLE, tmp_path / "app")
    path = tmp_path / "app" / "src" / "db.ts"
    path.write_text(path.read_text(encoding="utf-8").replace("CREATE VIEW IF NOT EXISTS", "CREATE VIEW"), encoding="utf-8")
    result = run("verify", "--format", "json", cwd=tmp_path / "app")
    [finding] = json.loads(result.out)["diagnostics"]
    assert finding["message"] == "twice: fails when run a second time: view species_totals already exists"
    assert (finding["line"], finding["column"]) == position(path.read_text(encoding="utf-8"), "CREATE VIEW species_totals")


def test_a_second_run_failure_is_placed_at_its_statement(repo, run) -> None:
    repo.write("package.json", SQLITE_PACKAGE)
    path = repo.route("CREATE TABLE IF NOT EXISTS nests (id INTEGER PRIMARY KEY);\nCREATE TABLE eggs (nest_id INTEGER REFERENCES nests (id));\n")
    result = run("verify", "--format", "json", cwd=repo.root)
    [finding] = json.loads(result.out)["diagnostics"]
    assert result.code == 1
    assert (finding["rule"], finding["message"]) == ("verify-failed", "twice: fails when run a second time: table eggs already exists")
    assert (finding["line"], finding["column"]) == position(path.read_text(encoding="utf-8"), "CREATE TABLE eggs")


def test_an_upgrade_from_the_git_baseline(repo, run) -> None:
    repo.write("package.json", SQLITE_PACKAGE)
    repo.route("CREATE TABLE IF NOT EXISTS nests (id INTEGER PRIMARY KEY, site TEXT);\nCREATE TABLE IF NOT EXISTS old_counts (n INTEGER);\n")
    repo.commit()
    path = repo.route("CREATE TABLE IF NOT EXISTS nests (id INTEGER PRIMARY KEY, site TEXT);\nDROP TABLE IF EXISTS old_counts;\n")
    result = run("verify", "--format", "json", cwd=repo.root)
    [finding] = json.loads(result.out)["diagnostics"]
    assert (finding["rule"], finding["message"]) == ("data-lost", "upgrade:HEAD: table old_counts is dropped with its 3 rows when upgrading from HEAD")
    assert (finding["line"], finding["column"]) == position(path.read_text(encoding="utf-8"), "old_counts;")


def test_a_mysql_literal_is_not_verified_and_says_so_once(tmp_path: Path, run) -> None:
    (tmp_path / "package.json").write_text('{"dependencies": {"mysql2": "^3.0.0"}}\n', encoding="utf-8")
    (tmp_path / "db.ts").write_text("export const MIGRATION_SQL = `CREATE TABLE IF NOT EXISTS t (id INT AUTO_INCREMENT PRIMARY KEY);`;\n", encoding="utf-8")
    result = run("verify", cwd=tmp_path)
    assert result.code == 0
    assert result.out.count("not verified") == 1
    assert "db.ts:1:30: note: not verified: verify runs PostgreSQL and SQLite literals only, and this one is MySQL" in result.out


def test_a_postgresql_literal_still_needs_postgresql(tmp_path: Path, run) -> None:
    (tmp_path / "route.ts").write_text("export const MIGRATION_SQL = `CREATE TABLE IF NOT EXISTS t (id uuid);`;\n", encoding="utf-8")
    result = run("verify", cwd=tmp_path)
    assert (result.code, result.out) == (2, "")
    assert "no PostgreSQL server programs" in result.err
