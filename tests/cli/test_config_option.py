"""--config FILE through the console script: that file and no other, or one line and exit 2."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import pytest

from migration_lsp.config_schema import SCHEMA_FILE

Project = Callable[[dict[str, "str | bytes"]], Path]

# One table, guarded and secured, and one destructive statement for drop-table to report.
TABLE = """CREATE TABLE IF NOT EXISTS notes (id int PRIMARY KEY, owner_id int);
CREATE INDEX IF NOT EXISTS idx_notes_owner_id ON notes (owner_id);
ALTER TABLE notes ENABLE ROW LEVEL SECURITY;
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE tablename = 'notes' AND policyname = 'Allow all on notes') THEN
    CREATE POLICY "Allow all on notes" ON notes FOR ALL USING (true) WITH CHECK (true);
  END IF;
END $$;
"""
DROPS = "export const MIGRATION_SQL = `\n" + TABLE + "DROP TABLE old_notes;\n`;\n"
SEED = "export const SEED_SQL = `\n" + TABLE + "`;\n"


def rules_of(result: Any) -> list[str]:
    return [d["rule"] for d in json.loads(result.stdout)["diagnostics"]]


@pytest.mark.parametrize("spelling", [["check"], ["--check"]])
def test_the_named_file_replaces_the_nearest_one(cli: Any, project: Project, spelling: list[str]) -> None:
    root = project(
        {
            "app/m.ts": DROPS,
            "app/migration-lsp.toml": '[rules]\ndrop-table = "off"\n',
            "ci/strict.toml": '[rules]\ndrop-table = "error"\n',
        }
    )
    found = cli(*spelling, "app", "--format", "json", cwd=root)
    assert (found.returncode, rules_of(found)) == (0, [])
    named = cli(*spelling, "app", "--format", "json", "--config", "ci/strict.toml", cwd=root)
    assert (named.returncode, rules_of(named), named.stderr) == (1, ["drop-table"], "")


def test_its_paths_are_relative_to_the_working_directory_and_fixes_stay_inside_it(cli: Any, project: Project, files_of: Any) -> None:
    unguarded = DROPS.replace("CREATE TABLE IF NOT EXISTS notes", "CREATE TABLE notes")
    root = project({"app/m.ts": unguarded, "app/legacy/old.ts": DROPS, "ci/ci.toml": 'exclude = ["app/legacy/**"]\n'})
    result = cli("check", "app", "--fix", "--format", "json", "--config", "ci/ci.toml", cwd=root)
    assert (result.returncode, rules_of(result), result.stderr) == (1, ["drop-table"], "")
    assert json.loads(result.stdout)["files_checked"] == 1  # legacy/ excluded
    assert "CREATE TABLE IF NOT EXISTS notes" in files_of(root)["app/m.ts"].decode()


def test_a_pyproject_is_read_from_its_table(cli: Any, project: Project) -> None:
    root = project({"src/seed.ts": SEED, "tools/pyproject.toml": '[project]\nname = "x"\n\n[tool.migration-lsp]\nvariable-names = ["SEED_SQL"]\n'})
    assert cli("check", "src", cwd=root).stdout.endswith("in 0 files checked\n")  # SEED_SQL is not read by default
    result = cli("check", "src", "--config", "tools/pyproject.toml", cwd=root)
    assert (result.returncode, result.stdout, result.stderr) == (0, "0 errors, 0 warnings, 0 info in 1 file checked\n", "")


def test_a_broken_config_nearby_does_not_matter_when_another_is_named(cli: Any, project: Project) -> None:
    root = project({"m.ts": DROPS, "migration-lsp.toml": "variable-names = 3\n", "ok.toml": "[rules]\ndrop-table = 'info'\n"})
    assert cli("check", cwd=root).returncode == 2
    result = cli("check", "--config", "ok.toml", "--format", "json", cwd=root)
    assert (result.returncode, rules_of(result), result.stderr) == (0, ["drop-table"], "")


def test_schema_reads_the_literals_the_named_file_names(cli: Any, project: Project) -> None:
    root = project({"seed.ts": SEED, "seed.toml": 'variable-names = ["SEED_SQL"]\n'})
    assert cli("schema", cwd=root).returncode == 1  # no MIGRATION_SQL: nothing to print
    result = cli("schema", "--config", "seed.toml", "--format", "json", cwd=root)
    assert result.returncode == 0, result.stderr
    assert [t["name"] for t in json.loads(result.stdout)["tables"]] == ["notes"]


BAD = {
    "missing": (None, "missing.toml: cannot be read: No such file or directory"),
    "a folder": (None, "conf: cannot be read: Is a directory"),
    "not TOML": ("variable-names = [\n", "bad.toml: not valid TOML: "),
    "pyproject without the table": ('[project]\nname = "x"\n', "pyproject.toml: has no [tool.migration-lsp] table"),
    "unknown rule": ('[rules]\ndrop-tabel = "off"\n', "bad.toml: rules.drop-tabel: unknown rule 'drop-tabel'"),
    "unknown setting": ('colour = "blue"\n', "bad.toml: colour: unknown setting"),
    "bad table in pyproject": ("[tool.migration-lsp]\ninclude = 'src'\n", "pyproject.toml: [tool.migration-lsp].include: expected a list of strings"),
}


def bad_file(root: Path, case: str) -> Path:
    text, expected = BAD[case]
    name = expected.split(":")[0]
    if case == "a folder":
        (root / name).mkdir()
    elif text is not None:
        (root / name).write_text(text, encoding="utf-8")
    return root / name


@pytest.mark.parametrize("command", [["check"], ["--check"], ["verify"], ["schema"]], ids=" ".join)
@pytest.mark.parametrize("case", BAD)
def test_a_file_that_cannot_be_used_is_one_line_and_exit_2(cli: Any, project: Project, command: list[str], case: str) -> None:
    root = project({"m.ts": DROPS})
    path = bad_file(root, case)
    result = cli(*command, "--config", path.name, cwd=root)
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.startswith(f"migration-lsp: --config {root.resolve() / BAD[case][1]}")
    assert result.stderr.count("\n") == 1 and "Traceback" not in result.stderr


def test_config_needs_check(cli: Any, tmp_path: Path) -> None:
    result = cli("--config", "x.toml", cwd=tmp_path)
    assert result.returncode == 2
    assert result.stderr == "migration-lsp: --config needs check (or --check) (see --help)\n"


def test_config_schema_prints_where_the_shipped_schema_is(cli: Any, tmp_path: Path) -> None:
    result = cli("config", "--schema", cwd=tmp_path)
    assert (result.returncode, result.stderr) == (0, "")
    assert result.stdout == SCHEMA_FILE.as_uri() + "\n"
    assert json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))["title"] == "migration-lsp configuration"
