"""--check end to end through the console script: exit codes, --fix, rule selection, bad input."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path
from typing import Any, Callable

import pytest

from migration_lsp import main as cli_main
from migration_lsp.workspace.files import MAX_BYTES

# Idempotent, with RLS, a policy and an index: no rule has anything to say about it.
BASE = """CREATE TABLE IF NOT EXISTS a (id int PRIMARY KEY, user_id int);
CREATE INDEX IF NOT EXISTS idx_a_user_id ON a (user_id);
ALTER TABLE a ENABLE ROW LEVEL SECURITY;
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE tablename = 'a' AND policyname = 'Allow all on a') THEN
    CREATE POLICY "Allow all on a" ON a FOR ALL USING (true) WITH CHECK (true);
  END IF;
END $$;
"""


def migration(*statements: str) -> str:
    return "export const MIGRATION_SQL = `\n" + BASE + "".join(f"{s}\n" for s in statements) + "`;\n"


CLEAN = migration()
WARNING = migration("INSERT INTO a (id) VALUES (1);")
ERROR = migration("DROP TABLE legacy;")
ERROR_LINE = BASE.count("\n") + 2  # where the DROP TABLE is

Project = Callable[[dict[str, "str | bytes"]], Path]


def rules_of(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [d["rule"] for d in json.loads(result.stdout)["diagnostics"]]


# -- exit codes ------------------------------------------------------------------------
def test_clean_project_exits_0(cli: Any, project: Project) -> None:
    result = cli("--check", cwd=project({"a.ts": CLEAN}))
    assert (result.returncode, result.stdout, result.stderr) == (0, "0 errors, 0 warnings, 0 info in 1 file checked\n", "")


def test_default_path_is_the_working_directory(cli: Any, project: Project) -> None:
    root = project({"src/a.ts": ERROR})
    assert cli("--check", cwd=root).stdout == cli("--check", ".", cwd=root).stdout
    assert f"src/a.ts:{ERROR_LINE}:1: error[drop-table]" in cli("--check", cwd=root).stdout


def test_warnings_fail_only_with_strict(cli: Any, project: Project) -> None:
    root = project({"a.ts": WARNING})
    assert cli("--check", cwd=root).returncode == 0
    assert cli("--check", "--strict", cwd=root).returncode == 1


def test_errors_exit_1(cli: Any, project: Project) -> None:
    assert cli("--check", cwd=project({"a.ts": ERROR})).returncode == 1


def test_several_paths(cli: Any, project: Project) -> None:
    root = project({"one/a.ts": ERROR, "two/b.ts": WARNING, "three/c.ts": ERROR})
    result = cli("--check", "one", "two/b.ts", "--format", "json", cwd=root)
    doc = json.loads(result.stdout)
    assert doc["files_checked"] == 2
    assert [(d["path"], d["rule"]) for d in doc["diagnostics"]] == [("one/a.ts", "drop-table"), ("two/b.ts", "insert-not-idempotent")]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--check", "missing"], "migration-lsp: no such file or folder: missing\n"),
        (["--check", "--select", "drop-tabel"], "migration-lsp: argument --select: unknown rule drop-tabel (see --help)\n"),
        (["--check", "--format", "xml"], "migration-lsp: argument --format: invalid choice: 'xml' (choose from text, json, sarif, github) (see --help)\n"),
        (["--fix"], "migration-lsp: --fix needs check (or --check) (see --help)\n"),
        (["--format", "json"], "migration-lsp: --format needs check (or --check) (see --help)\n"),
        (["--platform", "none"], "migration-lsp: --platform needs check (or --check) (see --help)\n"),
    ],
)
def test_usage_errors_exit_2_with_one_line(cli: Any, project: Project, args: list[str], message: str) -> None:
    result = cli(*args, cwd=project({"a.ts": ERROR}))
    assert (result.returncode, result.stdout) == (2, "")
    assert result.stderr.replace("'xml' (choose from 'text', 'json', 'sarif', 'github')", "'xml' (choose from text, json, sarif, github)") == message


def test_internal_error_is_one_line_unless_debug(monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    def broken(*_: object, **__: object) -> int:
        raise RuntimeError("boom")

    monkeypatch.setattr("migration_lsp.cli.check.run_check", broken)
    assert cli_main.main(["--check", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err == "migration-lsp: internal error: RuntimeError: boom (run with --debug for details)\n"
    assert cli_main.main(["--check", str(tmp_path), "--debug"]) == 2
    err = capsys.readouterr().err
    assert "Traceback (most recent call last)" in err and err.endswith("migration-lsp: internal error: RuntimeError: boom\n")


# -- selecting rules -------------------------------------------------------------------
def test_select_and_ignore(cli: Any, project: Project) -> None:
    root = project({"a.ts": migration("DROP TABLE a;", "TRUNCATE a;", "CREATE TABLE a (id int);")})
    three = "drop-table,truncate,create-table-not-idempotent"
    assert rules_of(cli("--check", "--format", "json", "--select", three, cwd=root)) == ["drop-table", "truncate", "create-table-not-idempotent"]
    assert rules_of(cli("--check", "--format", "json", "--select", "drop-table,truncate", cwd=root)) == ["drop-table", "truncate"]
    assert rules_of(cli("--check", "--format", "json", "--select", three, "--ignore", "drop-table", "--ignore", "truncate", cwd=root)) == ["create-table-not-idempotent"]
    assert rules_of(cli("--check", "--format", "json", "--select", "truncate, drop-table", "--ignore", "truncate", cwd=root)) == ["drop-table"]


def test_config_levels_and_variable_names(cli: Any, project: Project) -> None:
    root = project(
        {
            "migration-lsp.toml": 'variable-names = ["SCHEMA_SQL"]\n[rules]\ndrop-table = "warning"\n',
            "a.ts": ERROR.replace("MIGRATION_SQL", "SCHEMA_SQL") + "export const MIGRATION_SQL = `TRUNCATE a;`;\n",
        }
    )
    result = cli("--check", "--format", "json", cwd=root)
    assert result.returncode == 0
    assert [(d["rule"], d["severity"]) for d in json.loads(result.stdout)["diagnostics"]] == [("drop-table", "warning")]
    assert rules_of(cli("--check", "--format", "json", "--variable-name", "MIGRATION_SQL", cwd=root)) == ["drop-table", "truncate"]


def test_nearest_config_applies_per_file(cli: Any, project: Project) -> None:
    root = project(
        {
            "migration-lsp.toml": '[rules]\ndrop-table = "off"\n',
            "a.ts": ERROR,
            "apps/web/migration-lsp.toml": '[rules]\ndrop-table = "info"\n',
            "apps/web/b.ts": ERROR,
        }
    )
    doc = json.loads(cli("--check", "--format", "json", cwd=root).stdout)
    assert [(d["path"], d["severity"]) for d in doc["diagnostics"]] == [("apps/web/b.ts", "info")]


# -- --fix -----------------------------------------------------------------------------
def test_fix_keeps_crlf_and_every_other_byte(cli: Any, project: Project) -> None:
    before = (
        "// café ☕\r\n"
        "export const MIGRATION_SQL = `\r\n"
        "  CREATE TABLE users (id int);\r\n"
        '  CREATE POLICY "Allow all on users" ON users FOR ALL USING (true);\r\n'
        "  DROP TABLE legacy;\r\n"
        "`;\r\n"
        "export const x = 1;\n"  # a lone LF elsewhere stays as it is
    )
    root = project({"a.ts": before})
    result = cli("--check", "--fix", "--select", "create-table-not-idempotent,policy-not-guarded,drop-table", cwd=root)
    assert result.returncode == 1  # drop-table has no fix and is still there
    assert "error[drop-table]" in result.stdout and "2 fixed" in result.stdout
    after = (root / "a.ts").read_bytes().decode("utf-8")
    assert after == (
        "// café ☕\r\n"
        "export const MIGRATION_SQL = `\r\n"
        "  CREATE TABLE IF NOT EXISTS users (id int);\r\n"
        "  DO $$ BEGIN\r\n"
        "    IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE tablename = 'users' AND policyname = 'Allow all on users') THEN\r\n"
        '      CREATE POLICY "Allow all on users" ON users FOR ALL USING (true);\r\n'
        "    END IF;\r\n"
        "  END $$;\r\n"
        "  DROP TABLE legacy;\r\n"
        "`;\r\n"
        "export const x = 1;\n"
    )
    assert rules_of(cli("--check", "--format", "json", "--select", "create-table-not-idempotent,policy-not-guarded,drop-table", cwd=root)) == ["drop-table"]


def test_fix_in_a_string_literal_escapes_what_it_inserts(cli: Any, project: Project) -> None:
    root = project({"a.ts": "export const MIGRATION_SQL = 'CREATE POLICY \"p\" ON t FOR ALL USING (true);';\n"})
    assert cli("--check", "--fix", "--select", "policy-not-guarded", cwd=root).returncode == 0
    text = (root / "a.ts").read_text(encoding="utf-8")
    assert text.startswith("export const MIGRATION_SQL = 'DO $$ BEGIN\\n  IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE tablename = \\'t\\'")
    assert "\n" not in text.rstrip("\n")


def test_fix_is_atomic_and_keeps_the_file_mode(cli: Any, project: Project) -> None:
    root = project({"a.ts": "export const MIGRATION_SQL = `CREATE TABLE a (id int);`;\n", "b.ts": ERROR})
    (root / "a.ts").chmod(0o640)
    before_b = (root / "b.ts").read_bytes()
    cli("--check", "--fix", "--select", "create-table-not-idempotent,drop-table", cwd=root)
    assert (root / "a.ts").read_text(encoding="utf-8") == "export const MIGRATION_SQL = `CREATE TABLE IF NOT EXISTS a (id int);`;\n"
    assert stat.S_IMODE((root / "a.ts").stat().st_mode) == 0o640
    assert (root / "b.ts").read_bytes() == before_b  # nothing to fix: not even rewritten
    assert sorted(p.name for p in root.iterdir() if p.is_file()) == ["a.ts", "b.ts"]  # no temporary file left


def test_unsafe_fixes_are_not_applied(cli: Any, project: Project, files_of: Callable[[Path], dict[str, bytes]]) -> None:
    root = project({"a.ts": WARNING})
    before = files_of(root)
    assert "fix (unsafe)" in cli("--check", "--fix", cwd=root).stdout
    assert files_of(root) == before


def test_nothing_is_written_without_fix(cli: Any, workspace: Path, files_of: Callable[[Path], dict[str, bytes]]) -> None:
    before = files_of(workspace)
    for fmt in ("text", "json", "sarif", "github"):
        cli("--check", "--format", fmt, cwd=workspace)
    assert files_of(workspace) == before


# -- bad input: a one-line notice each, and the run goes on -----------------------------
@pytest.mark.parametrize(
    ("name", "content", "notice"),
    [
        (
            "broken.ts",
            "export const MIGRATION_SQL = `SELECT 1;`;\nfunction broken( {\n",
            "broken.ts:2:1: note: the file has TypeScript syntax errors; findings may be incomplete",
        ),
        (
            "open.ts",
            "export const MIGRATION_SQL = `\nCREATE TABLE a (id int);\n",
            "open.ts:1:14: note: the template literal of MIGRATION_SQL is not terminated; it was not checked",
        ),
        ("latin1.ts", "const MIGRATION_SQL = 'caf\xe9';\n".encode("latin-1"), "latin1.ts: note: skipped: not UTF-8 (invalid byte at offset 26)"),
        ("binary.js", b"\x7fELF\x02\x01\x01\x00\x00MIGRATION_SQL", "binary.js: note: skipped: binary file"),
        ("huge.ts", b"//" + b"x" * MAX_BYTES + b"\n", "huge.ts: note: skipped: 5.0 MB is over the 5 MB limit"),
    ],
)
def test_bad_input_gets_a_notice_and_the_run_goes_on(cli: Any, project: Project, files_of: Callable[[Path], dict[str, bytes]], name: str, content: str | bytes, notice: str) -> None:
    root = project({name: content, "z.ts": ERROR})
    before = files_of(root)
    result = cli("--check", cwd=root)
    assert result.returncode == 1 and result.stderr == ""
    lines = result.stdout.splitlines()
    assert lines[0] == notice
    assert f"z.ts:{ERROR_LINE}:1: error[drop-table]" in result.stdout  # the other file is still checked
    assert "Traceback" not in result.stdout
    assert files_of(root) == before
    for fmt in ("json", "sarif", "github"):
        other = cli("--check", "--format", fmt, cwd=root)
        assert other.returncode == 1 and other.stderr == "" and notice.split("note: ")[1] in other.stdout


def test_value_that_cannot_be_read_is_never_a_silent_skip(cli: Any, project: Project) -> None:
    root = project({"a.ts": 'import { readFileSync } from "node:fs";\nexport const MIGRATION_SQL = readFileSync("schema.sql", "utf8");\n'})
    result = cli("--check", cwd=root)
    assert result.returncode == 0 and result.stderr == ""
    assert result.stdout.splitlines()[0] == ("a.ts:2:14: note: MIGRATION_SQL was not checked: its value comes from calling readFileSync(…), known only at run time")
    notices = json.loads(cli("--check", "--format", "json", cwd=root).stdout)["notices"]
    assert [(n["path"], n["line"], n["column"]) for n in notices] == [("a.ts", 2, 14)]


def test_concatenated_literals_are_checked_and_fixed_part_by_part(cli: Any, project: Project) -> None:
    code = "export const MIGRATION_SQL =\n  `CREATE TABLE IF NOT EXISTS b (id int PRIMARY KEY);\n` +\n  'CREATE INDEX b_id_idx ON b (id);\\n' +\n  \"CREATE INDEX b_id2_idx ON b (id);\";\n"
    root = project({"a.ts": code})
    result = cli("--check", cwd=root)
    assert [line.split(" ")[0:2] for line in result.stdout.splitlines() if "error[" in line] == [
        ["a.ts:2:31:", "error[table-missing-rls]"],
        ["a.ts:4:4:", "error[create-index-not-idempotent]"],
        ["a.ts:5:4:", "error[create-index-not-idempotent]"],
    ]
    cli("--check", "--fix", cwd=root)
    fixed = (root / "a.ts").read_text(encoding="utf-8")
    # Each fix is written in the quoting of the part it lands in: the policy block, with its
    # quotes and line breaks, goes into the last, double-quoted part.
    assert "'CREATE INDEX IF NOT EXISTS b_id_idx ON b (id);\\n' +\n" in fixed
    assert '"CREATE INDEX IF NOT EXISTS b_id2_idx ON b (id);\\n\\nALTER TABLE b ENABLE ROW LEVEL SECURITY;' in fixed
    assert "\n" not in fixed.split('"CREATE INDEX IF NOT EXISTS b_id2_idx')[1].rstrip("\n").removesuffix('";')
    again = cli("--check", cwd=root)
    assert again.returncode == 0 and "0 errors, 0 warnings, 0 info in 1 file checked" in again.stdout, again.stdout


def test_joined_array_is_checked_and_fixed_inside_its_elements(cli: Any, project: Project) -> None:
    code = 'export const MIGRATION_SQL = [\n  "CREATE TABLE IF NOT EXISTS b (id int PRIMARY KEY)",\n  `CREATE INDEX b_id_idx ON b (id)`,\n].join(";\\n");\n'
    root = project({"a.ts": code})
    result = cli("--check", cwd=root)
    assert [line.split(" ")[0:2] for line in result.stdout.splitlines() if "error[" in line] == [
        ["a.ts:2:31:", "error[table-missing-rls]"],
        ["a.ts:3:4:", "error[create-index-not-idempotent]"],
    ]
    cli("--check", "--fix", cwd=root)
    fixed = (root / "a.ts").read_text(encoding="utf-8")
    assert fixed.startswith(code.split("`")[0] + "`CREATE INDEX IF NOT EXISTS b_id_idx ON b (id);\n\nALTER TABLE b ENABLE ROW LEVEL SECURITY;")
    assert fixed.endswith('END $$;`,\n].join(";\\n");\n')
    again = cli("--check", cwd=root)
    assert again.returncode == 0 and "0 errors, 0 warnings, 0 info in 1 file checked" in again.stdout, again.stdout


def test_config_that_does_not_parse(cli: Any, project: Project) -> None:
    root = project({"migration-lsp.toml": "[rules\ndrop-table = 'off'\n", "a.ts": ERROR})
    result = cli("--check", cwd=root)
    assert result.returncode == 2 and result.stderr == ""
    first = result.stdout.splitlines()[0]
    assert first.startswith("migration-lsp.toml: note: not valid TOML: ")
    assert f"a.ts:{ERROR_LINE}:1: error[drop-table]" in result.stdout  # checked with the defaults


def test_config_with_an_unknown_rule(cli: Any, project: Project) -> None:
    root = project({"pyproject.toml": '[tool.migration-lsp.rules]\ndrop-tabel = "off"\n', "a.ts": ERROR})
    result = cli("--check", "--format", "json", cwd=root)
    assert result.returncode == 2
    assert json.loads(result.stdout)["notices"] == [{"path": "pyproject.toml", "message": "[tool.migration-lsp].rules.drop-tabel: unknown rule 'drop-tabel'"}]


# -- start-up --------------------------------------------------------------------------
def test_check_does_not_import_the_language_server(project: Project) -> None:
    root = project({"a.ts": ERROR})
    result = subprocess.run([sys.executable, "-X", "importtime", "-m", "migration_lsp", "--check", "."], cwd=root, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stderr
    imported = {line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines() if line.startswith("import time:")}
    assert "migration_lsp.migration" in imported
    assert not {m for m in imported if m.split(".")[0] in ("pygls", "lsprotocol")}


@pytest.mark.parametrize("collecting", [True, False])
def test_the_modules_load_without_a_collection_and_the_collector_is_left_as_it_was(collecting: bool) -> None:
    """Once the command line's modules are loaded (what loads before them is a few modules of
    the standard library), they are frozen, and no collection went through them meanwhile
    (the youngest generation's, of the objects made since, may follow)."""
    probe = f"""
import gc
import migration_lsp.codecache
if not {collecting}:
    gc.disable()
runs = set()
gc.callbacks.append(lambda phase, info: runs.add(info["generation"]) if phase == "start" else None)
import migration_lsp.main
print(sorted(runs - {{0}}), gc.isenabled(), gc.get_freeze_count() > 0)
"""
    result = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, timeout=120)
    assert result.stdout.split() == ["[]", str(collecting), "True"], result.stderr


def test_a_check_started_from_the_code_cache_reports_what_the_first_start_did(cli: Any, project: Project, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first check saves the compiled methods of the dataclasses its modules define, the
    second loads them and writes nothing, and both, and one without a cache, say the same."""
    root = project({"a.ts": ERROR})
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    saved = tmp_path / "cache" / "migration-lsp" / "code" / f"cli-{sys.implementation.cache_tag}.marshal"
    first = cli("--check", cwd=root)
    written = saved.read_bytes()
    again = cli("--check", cwd=root)
    assert saved.read_bytes() == written
    (tmp_path / "nowhere").write_text("")  # a cache folder that cannot be made: none
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "nowhere"))
    uncached = cli("--check", cwd=root)
    assert first.returncode == again.returncode == uncached.returncode == 1, first.stderr
    assert first.stdout == again.stdout == uncached.stdout and "error[drop-table]" in first.stdout


def test_lone_surrogate_escape_is_checked_not_a_crash(cli: Any, project: Project) -> None:
    text = migration("INSERT INTO a (id, user_id) VALUES (2, 3) ON CONFLICT DO NOTHING;", "COMMENT ON TABLE a IS '\\uD800';", "CREATE INDEX i ON a (id);")
    result = cli("--check", cwd=project({"a.ts": text}))
    assert result.returncode == 1, result.stderr
    assert f"a.ts:{BASE.count(chr(10)) + 4}:1: error[create-index-not-idempotent]" in result.stdout


def test_literal_behind_trim_is_checked(cli: Any, project: Project) -> None:
    text = ERROR.replace("`;\n", "`.trim();\n")
    result = cli("--check", cwd=project({"a.ts": text}))
    assert result.returncode == 1 and f"a.ts:{ERROR_LINE}:1: error[drop-table]" in result.stdout


def test_string_raw_with_escapes_a_cooked_template_forbids_is_checked(cli: Any, project: Project) -> None:
    # Valid JavaScript (String.raw keeps `\u`, `\x`, `\u{` and `\01` as written), so the
    # literal is checked like any other: --strict fails on its warning, at its own line.
    text = migration("COMMENT ON TABLE a IS 'C:\\users\\xavier \\u{ \\01';", "INSERT INTO a (id) VALUES (1);").replace("= `", "= String.raw`")
    root = project({"a.ts": text})
    result = cli("check", "--strict", cwd=root)
    assert result.returncode == 1, result.stdout
    assert "not checked" not in result.stdout
    assert f"a.ts:{ERROR_LINE + 1}:1: warning[" in result.stdout, result.stdout
    # A tag other than String.raw gets no cooked text for such a part: said, never silent.
    tagged = cli("check", "--strict", cwd=project({"b.ts": text.replace("String.raw`", "sql`")}))
    assert "b.ts:10:26: note: the template literal of MIGRATION_SQL has no cooked text for the tag: \\u" in tagged.stdout, tagged.stdout
