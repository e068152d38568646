"""The bundled example shows an upgrade bug of each static kind; --fix repairs the fixable ones and
verify shows them from PostgreSQL's side."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest

EXAMPLE = Path(__file__).parent.parent.parent / "examples" / "mason-app"
ROUTE = "packages/mason-dashboard/src/app/api/setup/migrations/route.ts"
RULES = ("column-used-before-added", "add-column-required", "column-missing-on-upgrade", "changed-definition-not-applied")
SELECT = ("--select", ",".join(RULES))


@pytest.fixture
def example(tmp_path: Path) -> Path:
    return Path(shutil.copytree(EXAMPLE, tmp_path / "mason-app"))


def found(run, root: Path, *args: str) -> list[tuple[str, int, str]]:
    """(rule, line, the text from the finding's column to the end of its line)."""
    result = run(*args, "--format", "json", cwd=root)
    lines = (root / ROUTE).read_text(encoding="utf-8").splitlines()
    return [(d["rule"], d["line"], lines[d["line"] - 1][d["column"] - 1 :]) for d in json.loads(result.out)["diagnostics"]]


def test_each_upgrade_bug_is_marked_found_and_fixed(example: Path, run) -> None:
    text = (example / ROUTE).read_text(encoding="utf-8")
    assert set(re.findall(r"-- \[([a-z-]+)\]", text)) >= set(RULES)
    bugs = found(run, example, "--check", *SELECT)
    assert [(rule, rest.split()[0]) for rule, _, rest in bugs] == [
        ("column-missing-on-upgrade", "display_name"),
        ("column-used-before-added", "revoked_at"),
        ("changed-definition-not-applied", "idx_mason_execution_logs_run"),
        ("add-column-required", "ADD"),
    ]
    run("--check", "--fix", *SELECT, cwd=example)
    assert [rule for rule, _, _ in found(run, example, "--check", *SELECT)] == ["add-column-required"]


def test_verify_shows_them_from_postgresqls_side(example: Path, run, database_url: str) -> None:
    before = found(run, example, "verify", "--database-url", database_url)
    assert [(rule, rest.split()[0]) for rule, _, rest in before] == [
        ("verify-failed", "CREATE"),  # used-before-created, on a fresh database
        ("verify-failed", "revoked_at"),  # column-used-before-added, on an upgraded one
    ]
    run("--check", "--fix", *SELECT, cwd=example)
    after = found(run, example, "verify", "--database-url", database_url)
    assert [(rule, rest.split()[:5]) for rule, _, rest in after][1] == (
        "verify-failed",
        ["ALTER", "TABLE", "mason_pm_backlog_items", "ADD", "COLUMN"],
    )  # add-column-required: the rows of existing databases have no area
