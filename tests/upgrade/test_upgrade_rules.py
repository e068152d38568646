"""Table-driven cases of the static upgrade rules: ``tests/upgrade/cases/<rule>.yml``.

A file holds ``rule:`` and ``cases:``, a mapping from case name to case:

- ``sql``: the MIGRATION_SQL body now; ``pass`` instead when the rule must stay silent.
- ``baseline``: the body as older databases ran it (as of ``HEAD``); without it there is no
  baseline, and the rules that need one stay silent.
- ``fail``: the findings, in order: the exact text each spans, or a mapping with ``text``,
  ``at`` (``"line:col"`` in the SQL, 1-based) and ``message`` (a part of it).
- ``fix``: the SQL once the fixes of all findings are applied (``null`` when none may be
  offered); ``unsafe: true`` when the fixes are unsafe.

Every fix is also applied on its own and the migration checked again by the SQL rule
families and the upgrade rules: the finding must be gone and no other may appear.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path
from typing import Any

import pytest
import yaml

from migration_lsp.config import Config
from migration_lsp.findings import Finding
from migration_lsp.fixes.apply import apply_edits
from migration_lsp.lint.check import check
from migration_lsp.migration import Document, parse_document
from migration_lsp.model.baseline import Baseline
from migration_lsp.rules import data_loss, idempotency, syntax, upgrade
from migration_lsp.rules.registry import RULES

CASES = Path(__file__).parent / "cases"
PATH = Path("src/app/api/setup/migrations/route.ts")
VERIFY_RULES = {cls.name for cls in upgrade.FAMILY if cls.reported_by == "verify"}
STATIC = [cls.name for cls in upgrade.FAMILY if cls.name not in VERIFY_RULES]
FAMILIES = [cls.name for cls in (*data_loss.FAMILY, *idempotency.FAMILY, *syntax.FAMILY)] + STATIC


def _load() -> list[Any]:
    params = []
    for file in sorted(CASES.glob("*.yml")):
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
        assert data["rule"] == file.stem and data["rule"] in STATIC, file.name
        for name, case in data["cases"].items():
            params.append(pytest.param(data["rule"], case, id=f"{data['rule']}:{name}"))
    return params


PARAMS = _load()
FAILING = [p for p in PARAMS if "fail" in p.values[1]]


def document(sql: str) -> Document:
    body = sql.replace("\\", "\\\\").replace("`", "\\`")
    return parse_document(PATH, f"export const MIGRATION_SQL = `{body}`;\n", ["MIGRATION_SQL"])


def baselines(case: dict[str, Any]) -> list[Baseline]:
    if "baseline" not in case:
        return []
    return [Baseline("HEAD", tuple(document(case["baseline"]).migrations), per_file=True)]


def run(doc: Document, rules: list[str], case: dict[str, Any]) -> list[Finding]:
    result = check([doc], Config(root=Path(".")), select=rules, baselines=baselines(case))
    assert not result.rule_errors, result.rule_errors[0].details
    return result.findings


def sql_of(doc: Document) -> str:
    (migration,) = doc.migrations
    return migration.sql


def describe(doc: Document, f: Finding) -> dict[str, str]:
    (migration,) = doc.migrations
    start = migration.literal.source_map.to_sql(f.start)
    assert start is not None
    sql = migration.sql
    at = f"{sql.count(chr(10), 0, start) + 1}:{start - (sql.rfind(chr(10), 0, start) + 1) + 1}"
    return {"text": doc.text[f.start : f.end], "at": at, "message": f.message}


@pytest.mark.parametrize(("rule", "case"), PARAMS)
def test_case(rule: str, case: dict[str, Any]) -> None:
    doc = document(case.get("pass", case.get("sql")))
    found = [describe(doc, f) for f in run(doc, [rule], case)]
    if "pass" in case:
        assert found == [], "expected no finding"
    else:
        expected = [{"text": e} if isinstance(e, str) else e for e in case["fail"]]
        assert len(found) == len(expected), found
        for want, got in zip(expected, found):
            for key in ("text", "at"):
                if key in want:
                    assert got[key] == want[key]
            if "message" in want:
                assert want["message"] in got["message"]
    assert run(doc, ["syntax-error"], case) == [], "a case must be valid SQL"


@pytest.mark.parametrize(("rule", "case"), FAILING)
def test_fix(rule: str, case: dict[str, Any]) -> None:
    doc = document(case["sql"])
    findings = run(doc, [rule], case)
    fixes = [f.fix for f in findings if f.fix is not None]
    if case.get("fix", "") is None:
        assert fixes == []
        return
    assert "fix" in case, "a case says what its fix gives, or fix: null"
    assert len(fixes) == len(findings), "every finding of the case offers a fix"
    assert all(fix.safe != case.get("unsafe", False) for fix in fixes)
    # One fix at a time, checking again in between, as --fix does.
    text = doc.text
    for _ in range(len(findings)):
        fix = next((f.fix for f in run(document_text(text), [rule], case) if f.fix is not None), None)
        if fix is None:
            break
        text = apply_edits(text, fix.edits)
    assert run(document_text(text), [rule], case) == []
    assert sql_of(document_text(text)) == case["fix"]


def document_text(text: str) -> Document:
    return parse_document(PATH, text, ["MIGRATION_SQL"])


@pytest.mark.parametrize(("rule", "case"), FAILING)
def test_fix_round_trip(rule: str, case: dict[str, Any]) -> None:
    doc = document(case["sql"])
    before = run(doc, FAMILIES, case)
    for finding in before:
        if finding.fix is None or finding.rule != rule:
            continue
        fixed = document_text(apply_edits(doc.text, finding.fix.edits))
        after = Counter((f.rule, f.message) for f in run(fixed, FAMILIES, case))
        expected = Counter((f.rule, f.message) for f in before if f.fix is None or f.fix.edits != finding.fix.edits)
        assert after == expected, sql_of(fixed)


def test_every_static_rule_has_cases() -> None:
    assert {p.values[0] for p in PARAMS} == set(STATIC)
    assert all(RULES[name].doc().sections.keys() >= {"What it does", "Why is this bad?", "Example", "Use instead", "Fix safety"} for name in VERIFY_RULES | set(STATIC))
