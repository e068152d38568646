"""The real-world fixtures of ``tests/fixtures/real`` against their ``expected.yml``.

Each fixture is copied and checked with the console script, as a user runs it. Every
fixture is held to its entry here but those in ``WAITING``, which wait for the reading they
describe.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest
import yaml

from migration_lsp.findings import Edit
from migration_lsp.fixes.apply import apply_edits

REAL = Path(__file__).parents[1] / "fixtures" / "real"
EXPECTED = yaml.safe_load((REAL / "expected.yml").read_text(encoding="utf-8"))["fixtures"]
# The fixtures whose entry describes what is not read yet: concat's src/array-loop.ts, an array
# whose elements are run one by one.
WAITING = ("concat",)
CHECKED = [name for name in EXPECTED if name not in WAITING]


def _copy(name: str, tmp_path: Path) -> Path:
    root = tmp_path / "fixture"
    shutil.copytree(REAL / name, root)
    return root


def _offset(text: str, line: int, column: int) -> int:
    starts = [0] + [i + 1 for i, c in enumerate(text) if c == "\n"]
    return starts[line - 1] + column - 1


def _fixed(root: Path, diagnostic: dict[str, Any]) -> str:
    """The diagnostic's file with its fix applied."""
    text = (root / diagnostic["path"]).read_text(encoding="utf-8")
    edits = [Edit(Path(e["path"]), _offset(text, e["line"], e["column"]), _offset(text, e["end_line"], e["end_column"]), e["new_text"]) for e in diagnostic["fix"]["edits"]]
    assert all(e.path == Path(diagnostic["path"]) for e in edits)
    return apply_edits(text, edits)


def _unescaped(text: str) -> str:
    """``text`` with a template literal's escaped backticks (MySQL's identifiers) as the SQL has them."""
    return text.replace("\\`", "`")


def _matches(root: Path, want: dict[str, Any], got: dict[str, Any]) -> bool:
    if got["rule"] != want["rule"] or got["line"] != want["line"]:
        return False
    lines = (root / got["path"]).read_text(encoding="utf-8").splitlines()
    return _unescaped(want["near"]) in _unescaped(lines[got["line"] - 1])


@pytest.mark.parametrize("name", CHECKED)
def test_fixture_reports_what_expected_yml_says(cli: Any, tmp_path: Path, name: str) -> None:
    root = _copy(name, tmp_path)
    run = cli("--check", ".", "--format", "json", cwd=root)
    assert run.returncode in (0, 1), run.stderr
    diagnostics = json.loads(run.stdout)["diagnostics"]
    notices_of = json.loads(run.stdout)["notices"]
    for path, entry in EXPECTED[name]["files"].items():
        got = [d for d in diagnostics if d["path"] == path]
        for want in entry["findings"]:
            found = [d for d in got if _matches(root, want, d)]
            if not found and want.get("optional"):
                continue
            assert len(found) == 1, (want, got)
            (d,) = found
            got.remove(d)
            for part in want.get("message_contains", []):
                assert part in d["message"], (want, d["message"])
            if want.get("fix") == "none":
                assert d["fix"] is None, d
            elif "fix" in want:
                assert _unescaped(want["fix"]) in _unescaped(_fixed(root, d)), d
        assert got == [], f"unexpected findings in {path}"
        if "notices" in entry:
            notices = [n for n in notices_of if n["path"] == path]
            assert [(n["line"], "not-checked" if "was not checked" in n["message"] else n["message"]) for n in notices] == [(want["line"], want["kind"]) for want in entry["notices"]]
            for want, n in zip(entry["notices"], notices, strict=True):
                assert n["message"].startswith(want["near"]), n
    listed = set(EXPECTED[name]["files"])
    assert [d for d in diagnostics if d["path"] not in listed] == []


@pytest.mark.parametrize("name", [n for n in CHECKED if "after_fix" in EXPECTED[n] or EXPECTED[n].get("fix_changes_nothing")])
def test_fix_leaves_what_expected_yml_says(cli: Any, tmp_path: Path, name: str) -> None:
    root = _copy(name, tmp_path)
    before = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    cli("--check", ".", "--fix", cwd=root)
    if EXPECTED[name].get("fix_changes_nothing"):
        assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == before
        return
    run = cli("--check", ".", "--format", "json", cwd=root)
    assert [(d["rule"], d["line"]) for d in json.loads(run.stdout)["diagnostics"]] == EXPECTED[name]["after_fix"]
    once = {p: p.read_bytes() for p in root.rglob("*") if p.is_file()}
    cli("--check", ".", "--fix", cwd=root)
    assert {p: p.read_bytes() for p in root.rglob("*") if p.is_file()} == once, "a second --fix changed something"


@pytest.mark.parametrize("name", [n for n in CHECKED if "verify" in EXPECTED[n]])
def test_verify_finds_what_expected_yml_says(cli: Any, tmp_path: Path, name: str) -> None:
    # The fixtures that say what verify finds are SQLite's, run in memory, and MySQL's, which
    # verify does not run.
    root = _copy(name, tmp_path)
    run = cli("verify", ".", "--format", "json", cwd=root)
    assert run.returncode in (0, 1), run.stderr
    out = json.loads(run.stdout)
    want = EXPECTED[name]["verify"]
    if want == "not-supported":
        assert out["diagnostics"] == []
        assert [n["message"].split(":")[0] for n in out["notices"]] == ["not verified"] * len(EXPECTED[name]["files"])
        return
    found: dict[str, list[int]] = {"fresh": [], "twice": []}
    for d in out["diagnostics"]:
        assert d["rule"] == "verify-failed", d
        found[d["message"].split(":")[0]].append(d["line"])
    assert found == {"fresh": want["fresh"], "twice": want["twice"]}
