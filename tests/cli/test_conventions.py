"""The spellings Ruff's users bring: `check`, flags in any order, --diff, --statistics,
--exit-zero, --output-file, and `rule NAME`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import pytest

from migration_lsp.cli.main import write_output
from migration_lsp.rules.registry import RULES

Project = Callable[[dict[str, "str | bytes"]], Path]

# Two findings with a safe fix (the unguarded CREATE TABLE and CREATE INDEX) and one without.
SQL = """CREATE TABLE a (id int PRIMARY KEY);
CREATE INDEX idx_a_id ON a (id);
ALTER TABLE a ENABLE ROW LEVEL SECURITY;
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE tablename = 'a' AND policyname = 'Allow all on a') THEN
    CREATE POLICY "Allow all on a" ON a FOR ALL USING (true) WITH CHECK (true);
  END IF;
END $$;
DROP TABLE legacy;
"""
SOURCE = "export const MIGRATION_SQL = `\n" + SQL + "`;\n"


def rules_of(stdout: str) -> list[str]:
    return sorted(d["rule"] for d in json.loads(stdout)["diagnostics"])


@pytest.mark.parametrize(
    "argv",
    [
        ("check", "--format", "json", "{p}"),
        ("check", "{p}", "--format", "json"),
        ("--check", "--format", "json", "{p}"),
        ("--check", "{p}", "--format", "json"),
        ("--format", "json", "--check", "{p}"),
    ],
)
def test_check_takes_paths_and_flags_in_any_order(cli: Any, project: Project, argv: tuple[str, ...]) -> None:
    root = project({"m.ts": SOURCE})
    result = cli(*(a.format(p=root) for a in argv), cwd=root.parent)
    assert result.returncode == 1, result.stderr
    assert rules_of(result.stdout) == ["create-index-not-idempotent", "create-table-not-idempotent", "drop-table"]


def test_fix_before_the_path(cli: Any, project: Project) -> None:
    root = project({"m.ts": SOURCE})
    result = cli("--check", "--fix", root, cwd=root.parent)
    assert "2 fixed" in result.stdout, result.stderr
    assert "CREATE TABLE IF NOT EXISTS a" in (root / "m.ts").read_text()


def test_a_path_without_check_is_an_error(cli: Any, project: Project) -> None:
    root = project({"m.ts": SOURCE})
    result = cli(root, cwd=root.parent)
    assert result.returncode == 2
    assert "needs check" in result.stderr


def test_diff_prints_the_safe_fixes_and_changes_nothing(cli: Any, project: Project) -> None:
    root = project({"m.ts": SOURCE})
    result = cli("check", "--diff", root, cwd=root.parent)
    assert result.returncode == 1
    assert (root / "m.ts").read_text() == SOURCE
    lines = result.stdout.splitlines()
    for line in (
        "-CREATE TABLE a (id int PRIMARY KEY);",
        "+CREATE TABLE IF NOT EXISTS a (id int PRIMARY KEY);",
        "-CREATE INDEX idx_a_id ON a (id);",
        "+CREATE INDEX IF NOT EXISTS idx_a_id ON a (id);",
    ):
        assert line in lines
    assert result.stdout.startswith("--- a/project/m.ts\n+++ b/project/m.ts\n")
    assert "would fix 2 findings in 1 file" in result.stderr


def test_diff_of_a_project_with_nothing_to_fix_is_empty_and_exits_0(cli: Any, project: Project) -> None:
    fixed = SOURCE.replace("CREATE TABLE a", "CREATE TABLE IF NOT EXISTS a").replace("CREATE INDEX idx", "CREATE INDEX IF NOT EXISTS idx")
    root = project({"m.ts": fixed})
    result = cli("check", root, "--diff", cwd=root.parent)
    assert (result.returncode, result.stdout) == (0, "")


def test_fix_and_diff_exclude_each_other(cli: Any, project: Project) -> None:
    root = project({"m.ts": SOURCE})
    result = cli("check", "--fix", "--diff", root, cwd=root.parent)
    assert result.returncode == 2 and "exclude each other" in result.stderr
    assert (root / "m.ts").read_text() == SOURCE


def test_statistics_count_per_rule(cli: Any, project: Project) -> None:
    root = project({"m.ts": SOURCE.replace("DROP TABLE legacy;", "DROP TABLE legacy;\nDROP TABLE older;")})
    text = cli("check", "--statistics", root, cwd=root.parent)
    assert text.returncode == 1
    assert text.stdout.splitlines() == [
        "2\tdrop-table\t[ ]",
        "1\tcreate-index-not-idempotent\t[*]",
        "1\tcreate-table-not-idempotent\t[*]",
    ]
    as_json = json.loads(cli("check", "--statistics", "--format", "json", root, cwd=root.parent).stdout)
    assert as_json[0] == {"rule": "drop-table", "count": 2, "fixable": False}


def test_exit_zero_keeps_the_report_and_exits_0(cli: Any, project: Project) -> None:
    root = project({"m.ts": SOURCE})
    result = cli("check", "--exit-zero", root, cwd=root.parent)
    assert result.returncode == 0
    assert "error[drop-table]" in result.stdout


def test_exit_zero_still_fails_on_a_bad_config(cli: Any, project: Project) -> None:
    root = project({"m.ts": SOURCE, "migration-lsp.toml": "variable-names = 3\n"})
    assert cli("check", "--exit-zero", root, cwd=root.parent).returncode == 2


def test_output_file_gets_the_report(cli: Any, project: Project, tmp_path: Path) -> None:
    root = project({"m.ts": SOURCE})
    out = tmp_path / "report.json"
    result = cli("check", root, "--format", "json", "--output-file", out, cwd=root.parent)
    assert result.returncode == 1 and result.stdout == ""
    assert "drop-table" in rules_of(out.read_text())
    assert [p.name for p in tmp_path.iterdir() if p.name.startswith(".")] == []  # no temporary file left


@pytest.mark.parametrize("command", ["check", "--check", "verify"])
def test_output_file_in_a_folder_that_does_not_exist_is_one_line(cli: Any, project: Project, tmp_path: Path, command: str) -> None:
    root = project({"m.ts": SOURCE})
    out = tmp_path / "reports" / "report.json"
    result = cli(command, root, "--output-file", out, cwd=root.parent)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"migration-lsp: argument --output-file: cannot write {out}: no folder {out.parent} (see --help)\n"
    assert not out.parent.exists()


def test_output_file_that_is_a_folder_is_one_line(cli: Any, project: Project, tmp_path: Path) -> None:
    root = project({"m.ts": SOURCE})
    result = cli("check", root, "--output-file", tmp_path, cwd=root.parent)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"migration-lsp: argument --output-file: {tmp_path} is a folder, not a file (see --help)\n"


def test_output_file_in_a_folder_that_is_not_writable_is_one_line(cli: Any, shared_dir: Path) -> None:
    (shared_dir / "m.ts").write_text(SOURCE, encoding="utf-8")
    locked = shared_dir / "locked"
    locked.mkdir()
    locked.chmod(0o555)
    result = cli.unprivileged("check", "m.ts", "--output-file", "locked/report.json", cwd=shared_dir)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr == f"migration-lsp: argument --output-file: cannot write locked/report.json: the folder {locked} is not writable (see --help)\n"
    assert list(locked.iterdir()) == []


def test_a_report_that_cannot_be_written_after_all_is_said_once(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    # The folder may go away while the check runs, after the option was accepted.
    out = tmp_path / "gone" / "report.json"
    assert write_output(out, "{}") is False
    assert capsys.readouterr().err == f"migration-lsp: cannot write the report to {out}: No such file or directory\n"


def test_rule_prints_its_page(cli: Any, tmp_path: Path) -> None:
    result = cli("rule", "drop-table", cwd=tmp_path)
    assert result.returncode == 0
    assert result.stdout.startswith("# drop-table\n")
    for section in ("## Why is this bad?", "## Example", "## Use instead", "**Fix:**"):
        assert section in result.stdout


def test_an_unknown_rule_names_close_matches(cli: Any, tmp_path: Path) -> None:
    result = cli("rule", "drop-tabel", cwd=tmp_path)
    assert result.returncode == 2
    assert "did you mean drop-table?" in result.stderr


def test_rule_all_as_json_lists_every_rule(cli: Any, tmp_path: Path) -> None:
    listed = json.loads(cli("rule", "--all", "--format", "json", cwd=tmp_path).stdout)
    assert [r["name"] for r in listed] == list(RULES)
    entry = next(r for r in listed if r["name"] == "create-table-not-idempotent")
    assert (entry["family"], entry["severity"], entry["fix"]) == ("idempotency", "error", "safe")
