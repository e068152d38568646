"""Table-driven rule cases: one YAML file per rule in ``tests/rules/cases/<rule>.yml``.

A file holds ``rule:`` (the rule's name) and ``cases:``, a mapping from case name to case:

- ``sql``: the MIGRATION_SQL body as the app sends it. It is written into
  ``export const MIGRATION_SQL = `…`;`` with backslashes and backticks escaped; a ``${…}``
  stays a substitution. ``ts`` instead gives the template's body verbatim.
- ``fail``: the rule's findings, in order. Each is the exact text it spans, or a mapping
  with ``text`` and/or ``at`` (``"line:col"``, 1-based, in the template's body) and optionally
  ``message`` (a part of its message).
- ``pass``: SQL that must produce no finding of the rule (instead of ``sql`` and ``fail``);
  a ``ts`` case without ``fail`` must produce none either.
- ``broken: true``: the case holds SQL PostgreSQL cannot parse on purpose; every other case
  must parse, or it would prove nothing about the SQL the rule meets.
- ``fix``: the SQL once the fixes of all the case's findings are applied (the template's
  body, unescaped like ``sql``, so that a ``${…}`` shows), or ``null`` when no fix may be
  offered. ``unsafe: true`` when the fixes offered are unsafe.
- ``dialect``: ``postgres``, ``sqlite`` or ``mysql``, the literal's dialect (as the config's
  ``dialect`` setting gives it); without it, the dialect is detected as for any file. A
  ``sqlite`` case runs on an in-memory SQLite too, statement by statement as its drivers
  run it: ``sql`` once (unless ``broken``), ``pass`` SQL and the fixed SQL twice, on one database.

Every fix is also applied on its own and the migration checked again by every rule of the
SQL families: it must still parse, that finding must be gone, and no other may appear.
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from contextlib import closing
from pathlib import Path
from typing import Any

import pytest
import yaml

from migration_lsp.config import Config
from migration_lsp.findings import Finding
from migration_lsp.fixes.apply import apply_edits
from migration_lsp.lint.check import check
from migration_lsp.migration import Document, parse_document
from migration_lsp.rules.registry import RULES
from migration_lsp.sql.split import split

CASES = Path(__file__).parent / "cases"
PATH = Path("src/app/api/setup/migrations/route.ts")
PREFIX = "export const MIGRATION_SQL = `"
SUFFIX = "`;\n"


def _load() -> list[Any]:
    params = []
    for file in sorted(CASES.glob("*.yml")):
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
        rule = data["rule"]
        assert rule in RULES, f"{file.name}: unknown rule {rule}"
        assert file.stem == rule, f"{file.name} holds cases of {rule}"
        for name, case in data["cases"].items():
            params.append(pytest.param(rule, case, id=f"{rule}:{name}"))
    return params


PARAMS = _load()


def document(case: dict[str, Any]) -> Document:
    if "ts" in case:
        body = case["ts"]
    else:
        sql = case["pass"] if "pass" in case else case["sql"]
        body = sql.replace("\\", "\\\\").replace("`", "\\`")
    return parse(f"{PREFIX}{body}{SUFFIX}", case)


def parse(text: str, case: dict[str, Any]) -> Document:
    return parse_document(PATH, text, ["MIGRATION_SQL"], dialect=case.get("dialect", "auto"))


def body_of(text: str) -> str:
    """The SQL of a document made by :func:`document` from a ``sql`` case."""
    assert text.startswith(PREFIX) and text.endswith(SUFFIX)
    return text[len(PREFIX) : -len(SUFFIX)].replace("\\`", "`").replace("\\\\", "\\")


def run(doc: Document, rules: list[str]) -> list[Finding]:
    result = check([doc], Config(root=Path(".")), select=rules)
    assert not result.rule_errors, result.rule_errors[0].details
    return result.findings


def sql_of(doc: Document) -> str:
    (migration,) = doc.migrations
    return migration.sql


def position(text: str, offset: int) -> str:
    """``line:col`` of a document offset, counted in the template's body."""
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return f"{line}:{col - len(PREFIX) if line == 1 else col}"


def describe(doc: Document, f: Finding) -> dict[str, str]:
    return {"text": doc.text[f.start : f.end], "at": position(doc.text, f.start), "message": f.message}


def test_every_sql_rule_has_its_cases(sql_rules: list[str]) -> None:
    # unused-suppression is the suppression pass's; tests/test_suppress.py holds its cases.
    assert {f.stem for f in CASES.glob("*.yml")} == set(sql_rules) - {"unused-suppression"}


@pytest.mark.parametrize(("rule", "case"), PARAMS)
def test_case(rule: str, case: dict[str, Any]) -> None:
    doc = document(case)
    found = [describe(doc, f) for f in run(doc, [rule])]
    if "fail" not in case:
        assert found == [], "expected no finding"
    else:
        expected = [{"text": e} if isinstance(e, str) else e for e in case["fail"]]
        assert len(found) == len(expected), found
        for want, got in zip(expected, found):
            if "text" in want:
                assert got["text"] == want["text"]
            if "at" in want:
                assert got["at"] == want["at"]
            if "message" in want:
                assert want["message"] in got["message"]
    if rule != "syntax-error" and not case.get("broken"):
        assert run(doc, ["syntax-error"]) == []


@pytest.mark.parametrize(("rule", "case"), [p for p in PARAMS if "fail" in p.values[1]])
def test_fix(rule: str, case: dict[str, Any]) -> None:
    doc = document(case)
    findings = run(doc, [rule])
    fixes = [f.fix for f in findings if f.fix is not None]
    if RULES[rule].fix == "none" or case.get("fix", "") is None:
        assert fixes == []
        return
    assert "fix" in case, "a case of a fixable rule says what its fix gives, or fix: null"
    assert len(fixes) == len(findings), "every finding of the case offers a fix"
    assert all(fix.safe != case.get("unsafe", False) for fix in fixes)
    # The rule's page says what its fixes are: each fix made agrees with it.
    declared = RULES[rule].fix
    assert declared == "sometimes" or all(fix.safe == (declared == "safe") for fix in fixes), f"{rule} declares {declared} fixes"
    # Findings of one statement may share a fix; like --fix, make each edit once.
    fixed = apply_edits(doc.text, dict.fromkeys(e for fix in fixes for e in fix.edits))
    assert body_of(fixed) == case["fix"]


@pytest.mark.parametrize(("rule", "case"), [p for p in PARAMS if "fail" in p.values[1]])
def test_fix_round_trip(rule: str, case: dict[str, Any], sql_rules: list[str]) -> None:
    doc = document(case)
    before = run(doc, sql_rules)
    fixed_here = [f for f in before if f.fix is not None and f.rule == rule]
    if not fixed_here:
        pytest.skip("no fix offered here: nothing to apply")
    for finding in fixed_here:
        assert finding.fix is not None
        fixed = parse(apply_edits(doc.text, finding.fix.edits), case)
        after = Counter((f.rule, f.message) for f in run(fixed, sql_rules))
        expected = Counter((f.rule, f.message) for f in before)
        expected[(finding.rule, finding.message)] -= 1
        assert not after - expected, sql_of(fixed)  # nothing new, syntax errors included
        assert after[(finding.rule, finding.message)] == expected[(finding.rule, finding.message)], sql_of(fixed)


def run_on_sqlite(sql: str, times: int) -> None:
    """Run ``sql`` ``times`` times on one in-memory database, one statement after another."""
    pieces, _ = split(sql, "sqlite")
    with closing(sqlite3.connect(":memory:", isolation_level=None)) as conn:
        for _ in range(times):
            for p in pieces:
                conn.execute(sql[p.start : p.end])


SQLITE_CASES = [p for p in PARAMS if p.values[1].get("dialect") == "sqlite" and "ts" not in p.values[1]]


@pytest.mark.parametrize(("rule", "case"), SQLITE_CASES)
def test_sqlite_case_runs_on_sqlite(rule: str, case: dict[str, Any]) -> None:
    if "pass" in case:
        run_on_sqlite(case["pass"], 2)  # silent, and idempotent indeed
        return
    if not case.get("broken"):
        run_on_sqlite(case["sql"], 1)
    if case.get("fix"):
        run_on_sqlite(case["fix"], 2)
