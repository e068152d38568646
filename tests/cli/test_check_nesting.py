"""Deeply nested PL/pgSQL: read up to the documented depth, one clear finding past it, never a crash."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any, Callable

import pytest

from migration_lsp.sql.plpgsql import MAX_NESTING

Project = Callable[[dict[str, "str | bytes"]], Path]

# A statement a rule reports, to show that the nested body was read.
INNER = "DROP TABLE legacy;"


def nested_do(depth: int) -> str:
    body = INNER
    for level in range(depth):
        body = f"DO $d{level}$ BEGIN {body} END $d{level}$;"
    return body


def nested_begin(depth: int) -> str:
    body = INNER
    for _ in range(depth):
        body = f"BEGIN {body} END;"
    return f"DO $$ {body} $$;"


def nested_if(depth: int) -> str:
    body = INNER
    for _ in range(depth):
        body = f"IF to_regclass('legacy') IS NOT NULL THEN {body} END IF;"
    return f"DO $$ BEGIN {body} END $$;"


def literal(sql: str) -> str:
    return f"export const MIGRATION_SQL = `\n{sql}\n`;\n"


def diagnostics(cli: Any, root: Path) -> tuple[int, list[dict[str, Any]], str]:
    result = cli("--check", "--format", "json", cwd=root)
    return result.returncode, json.loads(result.stdout)["diagnostics"], result.stderr


@pytest.mark.parametrize(("shape", "depth"), [(nested_do, 90), (nested_begin, 400), (nested_if, 1000)])
def test_nesting_past_the_limit_is_one_finding_not_a_crash(cli: Any, project: Project, shape: Callable[[int], str], depth: int) -> None:
    code, found, stderr = diagnostics(cli, project({"a.ts": literal(shape(depth))}))
    assert (code, stderr) == (1, "")
    assert [(d["rule"], d["message"]) for d in found] == [("syntax-error", f"this cannot be checked: blocks nested more than {MAX_NESTING} deep (counting DO blocks, IF, CASE and loops) are not read")]


@pytest.mark.parametrize("shape", [nested_do, nested_begin, nested_if])
def test_reasonable_nesting_is_read_to_the_bottom(cli: Any, project: Project, shape: Callable[[int], str]) -> None:
    code, found, stderr = diagnostics(cli, project({"a.ts": literal(shape(12))}))
    assert (code, stderr) == (1, "")
    assert [d["rule"] for d in found] == ["drop-table"]


def test_deep_but_clean_nesting_passes(cli: Any, project: Project) -> None:
    clean = nested_if(30).replace(INNER, "RAISE NOTICE 'deep';")
    assert diagnostics(cli, project({"a.ts": literal(clean)})) == (0, [], "")
