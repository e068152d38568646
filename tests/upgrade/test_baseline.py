"""Baselines from a real git repository and from legacy SQL files, and what --check makes of them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from migration_lsp.config import Config
from migration_lsp.lint.check import BASELINE_RULES
from migration_lsp.workspace.baselines import load_baselines

ROUTE = "src/app/api/setup/migrations/route.ts"


V1 = "CREATE TABLE IF NOT EXISTS mason_users (id UUID PRIMARY KEY);\n"
V2 = V1.replace("PRIMARY KEY", "PRIMARY KEY, email TEXT") + "CREATE TABLE IF NOT EXISTS mason_logs (id UUID PRIMARY KEY);\n"
V3 = "CREATE TABLE IF NOT EXISTS mason_users (id UUID PRIMARY KEY, email TEXT, avatar_url TEXT);\nCREATE TABLE IF NOT EXISTS mason_logs (id UUID PRIMARY KEY, level TEXT);\n"


def sqls(loaded) -> list[tuple[str, list[str]]]:
    return [(b.label, [m.sql.strip() for m in b.migrations]) for b in loaded.baselines]


def config(root: Path, **settings) -> Config:
    return Config(root=root, **settings)


def test_head_is_the_literal_as_committed(repo) -> None:
    repo.route(V1)
    repo.commit()
    path = repo.route(V2)
    loaded = load_baselines(config(repo.root), [path])
    assert sqls(loaded) == [("HEAD", [V1.strip()])]
    assert loaded.notes(BASELINE_RULES) == []


def test_a_ref_names_an_older_commit(repo) -> None:
    repo.route(V1)
    repo.commit()
    path = repo.route(V2)
    repo.commit()
    assert sqls(load_baselines(config(repo.root), [path], "HEAD~1")) == [("HEAD~1", [V1.strip()])]
    assert sqls(load_baselines(config(repo.root, baseline="HEAD~1"), [path])) == [("HEAD~1", [V1.strip()])]


def test_history_takes_each_table_as_it_was_born_across_a_rename(repo) -> None:
    repo.route(V1, "src/old.ts")
    first = repo.commit()
    repo.route(V2, "src/old.ts")
    second = repo.commit()
    (repo.root / ROUTE).parent.mkdir(parents=True)
    repo.git("mv", "src/old.ts", ROUTE)
    repo.commit("rename")
    path = repo.route(V3)
    repo.commit()
    loaded = load_baselines(config(repo.root), [path], "history")
    assert sqls(loaded) == [(first, [V1.strip()]), (second, [V2.strip()])]
    assert all(m.path == path for b in loaded.baselines for m in b.migrations)


def test_files_without_git_get_one_note(repo, tmp_path: Path) -> None:
    committed = repo.route(V1, "src/a.ts")
    repo.commit()
    untracked = repo.route(V1, "src/b.ts")
    outside = tmp_path / "elsewhere" / "c.ts"
    outside.parent.mkdir()
    outside.write_text(repo.root.joinpath("src/a.ts").read_text(encoding="utf-8"), encoding="utf-8")
    loaded = load_baselines(config(repo.root), [committed, untracked, outside])
    assert loaded.missing == {untracked: "src/b.ts is not in git at HEAD", outside: "not in a git repository"}
    [(where, note)] = loaded.notes(BASELINE_RULES)
    assert where == untracked
    assert note.startswith("no baseline for this and 1 other file (src/b.ts is not in git at HEAD): ")
    assert "column-missing-on-upgrade, changed-definition-not-applied and replace-fails-on-upgrade did not run" in note


@pytest.mark.parametrize(
    ("ref", "reason"),
    [("HEAD", "the repository has no commit yet"), ("origin/main", "git ref origin/main does not exist")],
)
def test_refs_that_do_not_resolve(repo, ref: str, reason: str) -> None:
    path = repo.route(V1)
    assert load_baselines(config(repo.root), [path], ref).missing == {path: reason}


def test_without_git_installed(repo, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    path = repo.route(V1)
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    assert load_baselines(config(repo.root), [path]).missing == {path: "git is not installed"}


@pytest.mark.parametrize("off", ["", None])
def test_a_baseline_turned_off_is_no_note(tmp_path: Path, off: str | None) -> None:
    loaded = load_baselines(config(tmp_path, baseline=off), [tmp_path / "route.ts"])
    assert (loaded.baselines, loaded.missing, loaded.notes(BASELINE_RULES)) == ([], {}, [])


def test_legacy_sql_files_replay_in_numeric_order_for_every_file(tmp_path: Path) -> None:
    for name in ("10_logs.sql", "2_email.sql", "1_users.sql"):
        (tmp_path / "db" / "migrations").mkdir(parents=True, exist_ok=True)
        (tmp_path / "db" / "migrations" / name).write_text(f"-- {name}\nSELECT 1;\n", encoding="utf-8")
    route = tmp_path / "route.ts"
    loaded = load_baselines(config(tmp_path, baseline=None, baseline_sql=("db/migrations/*.sql",)), [route])
    [baseline] = loaded.baselines
    assert baseline.label == "db/migrations/*.sql"
    assert [m.path.name for m in baseline.migrations] == ["1_users.sql", "2_email.sql", "10_logs.sql"]
    assert loaded.notes(BASELINE_RULES) == []


def test_legacy_sql_files_that_match_nothing_are_a_note(tmp_path: Path) -> None:
    settings = config(tmp_path, baseline_sql=("db/*.sql",), source=tmp_path / "migration-lsp.toml")
    loaded = load_baselines(settings, [tmp_path / "route.ts"])
    assert loaded.notes(BASELINE_RULES)[0] == (tmp_path / "migration-lsp.toml", "baseline-sql db/*.sql matches no file")


# -- through --check -----------------------------------------------------------------------

UPGRADE = ("--select", "column-used-before-added,add-column-required,column-missing-on-upgrade,changed-definition-not-applied")


def test_check_compares_with_head_and_the_fix_holds(repo, run) -> None:
    repo.route(V2)
    repo.commit()
    repo.route(V3)
    result = run("--check", *UPGRADE, "--format", "json", cwd=repo.root)
    found = [(d["rule"], d["line"], d["message"].split(",")[0]) for d in json.loads(result.out)["diagnostics"]]
    assert found == [
        ("column-missing-on-upgrade", 2, "databases built from HEAD have table mason_users without column avatar_url"),
        ("column-missing-on-upgrade", 3, "databases built from HEAD have table mason_logs without column level"),
    ]
    assert result.code == 0  # warnings
    assert run("--check", *UPGRADE, "--strict", cwd=repo.root).code == 1
    assert run("--check", *UPGRADE, "--fix", cwd=repo.root).code == 0
    assert (repo.root / ROUTE).read_text(encoding="utf-8").splitlines()[1:-1] == [
        "CREATE TABLE IF NOT EXISTS mason_users (id UUID PRIMARY KEY, email TEXT, avatar_url TEXT);",
        "ALTER TABLE mason_users ADD COLUMN IF NOT EXISTS avatar_url TEXT;",
        "CREATE TABLE IF NOT EXISTS mason_logs (id UUID PRIMARY KEY, level TEXT);",
        "ALTER TABLE mason_logs ADD COLUMN IF NOT EXISTS level TEXT;",
    ]
    assert run("--check", *UPGRADE, "--strict", cwd=repo.root).code == 0


def test_check_with_a_history_baseline_sees_what_head_does_not(repo, run) -> None:
    repo.route(V1)
    repo.commit()
    repo.route(V2)
    repo.commit()
    at_head = run("--check", *UPGRADE, "--format", "json", cwd=repo.root)
    assert json.loads(at_head.out)["diagnostics"] == []
    in_history = run("--check", *UPGRADE, "--format", "json", "--baseline", "history", cwd=repo.root)
    [finding] = json.loads(in_history.out)["diagnostics"]
    assert finding["rule"] == "column-missing-on-upgrade"
    assert "without column email" in finding["message"]


def test_check_says_once_that_there_is_no_baseline(tmp_path: Path, run) -> None:
    for name in ("a.ts", "b.ts"):
        (tmp_path / name).write_text(f"export const MIGRATION_SQL = `{V1}`;\n", encoding="utf-8")
    result = run("--check", *UPGRADE, cwd=tmp_path)
    assert result.code == 0
    [note] = [line for line in result.out.splitlines() if "note:" in line]
    assert note.startswith("a.ts: note: no baseline for this and 1 other file (not in a git repository)")
    quiet = run("--check", "--select", "drop-table", cwd=tmp_path)
    assert "note:" not in quiet.out
    assert "no baseline" not in run("--check", "--baseline", "history", "--select", "column-used-before-added", cwd=tmp_path).out


def test_check_says_nothing_of_a_baseline_turned_off(tmp_path: Path, run) -> None:
    (tmp_path / "a.ts").write_text(f"export const MIGRATION_SQL = `{V1}`;\n", encoding="utf-8")
    flag = run("--check", *UPGRADE, "--baseline", "", cwd=tmp_path)
    assert (flag.code, flag.out) == (0, "0 errors, 0 warnings, 0 info in 1 file checked\n")
    (tmp_path / "migration-lsp.toml").write_text('baseline = ""\n', encoding="utf-8")
    setting = run("--check", *UPGRADE, cwd=tmp_path)
    assert (setting.code, setting.out) == (0, "0 errors, 0 warnings, 0 info in 1 file checked\n")
