"""The four output formats of --check, snapshot-tested on the fixture workspace."""

from __future__ import annotations

import json
import os
import pty
import subprocess
from pathlib import Path
from typing import Any, Callable
from urllib.parse import urlparse

import jsonschema
import pytest

from migration_lsp import __version__
from migration_lsp.rules.registry import RULE_CLASSES, RULES

SUFFIX = {"text": "txt", "json": "json", "sarif": "sarif", "github": "github"}


def normalise(output: str) -> str:
    return output.replace(f'"version": "{__version__}"', '"version": "<version>"')


@pytest.mark.parametrize("fmt", sorted(SUFFIX))
def test_snapshot(cli: Any, snapshot: Callable[[str, str], None], workspace: Path, fmt: str) -> None:
    result = cli("--check", "--format", fmt, cwd=workspace)
    assert result.returncode == 1, result.stderr
    assert result.stderr == ""
    snapshot(f"check.{SUFFIX[fmt]}", normalise(result.stdout))


def test_snapshot_after_fix(cli: Any, snapshot: Callable[[str, str], None], workspace: Path) -> None:
    result = cli("--check", "--fix", cwd=workspace)
    assert result.returncode == 1, result.stderr
    snapshot("fix.txt", result.stdout)
    for name in ("src/app/api/setup/migrations/route.ts", "src/lib/seed.mts"):
        fixed = (workspace / name).read_bytes().decode("utf-8")
        snapshot(f"fixed/{Path(name).name}.snap", fixed)


def test_json_shape(cli: Any, workspace: Path) -> None:
    doc = json.loads(cli("--check", "--format", "json", cwd=workspace).stdout)
    assert doc["version"] == __version__
    assert doc["files_checked"] == 2
    assert doc["diagnostics"]
    for d in doc["diagnostics"]:
        assert set(d) >= {"path", "line", "column", "end_line", "end_column", "rule", "code", "severity", "message", "fix"}
        assert d["rule"] == d["code"] and d["rule"] in RULES
        assert d["severity"] in ("error", "warning", "info")
        assert not Path(d["path"]).is_absolute() and (workspace / d["path"]).is_file()
        assert d["line"] >= 1 and d["column"] >= 1 and (d["end_line"], d["end_column"]) >= (d["line"], d["column"])
        if d["fix"] is not None:
            assert d["fix"]["title"] and d["fix"]["edits"]
            for e in d["fix"]["edits"]:
                assert set(e) == {"path", "line", "column", "end_line", "end_column", "new_text"}


def test_json_columns_are_code_points_and_sarif_columns_utf16(cli: Any, project: Callable[..., Path]) -> None:
    root = project({"emoji.ts": "const MIGRATION_SQL = `/* 😀😀 */ DROP TABLE t;`;\n"})
    diagnostics = json.loads(cli("--check", "--format", "json", cwd=root).stdout)["diagnostics"]
    assert [(d["line"], d["column"], d["end_column"]) for d in diagnostics] == [(1, 33, 45)]
    sarif = json.loads(cli("--check", "--format", "sarif", cwd=root).stdout)
    region = sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["region"]
    assert (region["startColumn"], region["endColumn"]) == (35, 47)


def test_paths_outside_the_working_directory_are_absolute(cli: Any, workspace: Path, tmp_path: Path) -> None:
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    doc = json.loads(cli("--check", workspace, "--format", "json", cwd=elsewhere).stdout)
    paths = {d["path"] for d in doc["diagnostics"]}
    assert paths == {str(workspace / "src/app/api/setup/migrations/route.ts"), str(workspace / "src/lib/seed.mts")}
    sarif = json.loads(cli("--check", workspace, "--format", "sarif", cwd=elsewhere).stdout)
    artifact = sarif["runs"][0]["results"][0]["locations"][0]["physicalLocation"]["artifactLocation"]
    assert artifact == {"uri": (workspace / "src/app/api/setup/migrations/route.ts").as_uri()}


def test_sarif_is_valid_sarif_2_1_0(cli: Any, sarif_schema: dict[str, Any], workspace: Path) -> None:
    doc = json.loads(cli("--check", "--format", "sarif", cwd=workspace).stdout)
    jsonschema.Draft7Validator(sarif_schema, format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER).validate(doc)
    (sarif_run,) = doc["runs"]
    rules = sarif_run["tool"]["driver"]["rules"]
    used = {result["ruleId"] for result in sarif_run["results"]}
    assert [r["id"] for r in rules] == [cls.name for cls in RULE_CLASSES if cls.name in used]
    for rule in rules:
        uri = urlparse(rule["helpUri"])
        assert uri.scheme == "https" and uri.path.endswith(f"/{rule['id']}.md")
        assert rule["help"]["text"] and rule["help"]["markdown"] and rule["shortDescription"]["text"]
    for result in sarif_run["results"]:
        assert rules[result["ruleIndex"]]["id"] == result["ruleId"]
        assert result["level"] in ("error", "warning", "note")
    notifications = sarif_run["invocations"][0]["toolExecutionNotifications"]
    assert [n["message"]["text"] for n in notifications] == ["the template literal of MIGRATION_SQL is not terminated; it was not checked"]


def test_sarif_of_a_clean_run_is_valid(cli: Any, sarif_schema: dict[str, Any], project: Callable[..., Path]) -> None:
    root = project({"a.ts": "export const MIGRATION_SQL = `SELECT 1;`;\n"})
    result = cli("--check", "--format", "sarif", cwd=root)
    assert result.returncode == 0
    doc = json.loads(result.stdout)
    jsonschema.Draft7Validator(sarif_schema).validate(doc)
    assert doc["runs"][0]["results"] == [] and doc["runs"][0]["tool"]["driver"]["rules"] == []


def test_github_annotations_escape_their_data(cli: Any, project: Callable[..., Path]) -> None:
    root = project({"a,b:c.ts": "export const MIGRATION_SQL = `DROP TABLE x;`;\n"})
    lines = cli("--check", "--format", "github", cwd=root).stdout.splitlines()
    assert lines == [
        "::error file=a%2Cb%3Ac.ts,line=1,col=31,endLine=1,endColumn=43,title=drop-table::"
        "DROP TABLE x deletes every row of the table: add the new structure, migrate the data in application code, "
        "and remove the old one only after confirming the migration succeeded"
    ]


def test_text_has_no_colour_off_a_terminal(cli: Any, workspace: Path) -> None:
    assert "\x1b[" not in cli("--check", cwd=workspace).stdout


def on_terminal(cli: Any, cwd: Path, *args: str, **env: str) -> bytes:
    """What ``migration-lsp ARGS`` writes to a terminal."""
    main, child = pty.openpty()
    proc = subprocess.Popen([cli.script, *args], cwd=cwd, stdout=child, stderr=subprocess.DEVNULL, env={**cli.env(), **env})
    os.close(child)
    out = b""
    while True:  # read while it writes: a full terminal buffer would block it
        try:
            chunk = os.read(main, 65536)
        except OSError:  # the terminal closes once the child has exited and all was read
            break
        if not chunk:
            break
        out += chunk
    os.close(main)
    proc.wait(timeout=120)
    return out


def test_text_is_coloured_on_a_terminal(cli: Any, workspace: Path) -> None:
    assert b"\x1b[31merror\x1b[0m" in on_terminal(cli, workspace, "--check")
    assert b"\x1b[" not in on_terminal(cli, workspace, "--check", "--no-color")
    assert b"\x1b[" not in on_terminal(cli, workspace, "--check", NO_COLOR="1")
