"""Table-driven rule cases: one YAML file per rule in ``tests/rules/cases/<rule>.yml``.

A file holds ``rule:`` (the rule's name) and ``cases:``, a mapping from case name to case:

- ``sql``: the MIGRATION_SQL body as the app sends it. It is written into
  ``export const MIGRATION_SQL = `…`;`` with backslashes and backticks escaped; a ``${…}``
  stays a substitution. ``ts`` instead gives the template's body verbatim.
- ``fail``: the rule's findings, in order. Each is the exact text it spans, or a mapping
  with ``text`` and/or ``at`` (``"line:col"``, 1-based, in the template's body, or in
  ``file``'s text) and optionally ``message`` (a part of its message) and ``file`` (the
  workspace file it is in; the route file, ``src/app/api/setup/migrations/route.ts``, when
  left out).
- ``pass``: SQL that must produce no finding of the rule (instead of ``sql`` and ``fail``);
  a ``sql`` or ``ts`` case without ``fail`` must produce none either.
- ``broken: true``: the case holds SQL PostgreSQL cannot parse on purpose; every other case
  must parse, or it would prove nothing about the SQL the rule meets.
- ``baseline``: the body as older databases ran it, as of ``HEAD`` (escaped like ``sql``);
  without it there is no baseline, and the rules that need one stay silent.
- ``files``: the other files of the workspace, path → text: code that uses tables, the
  tables constant, the rules document, ``.sql`` files, more literals. ``config``: the text of
  ``migration-lsp.toml``. A case with either is written into a folder and checked as
  ``--check`` checks it (its project, index and baselines, from a git commit of
  ``baseline``); the others are checked in memory, the route file alone.
- ``verify: true``: the findings are those of ``verify`` on a real PostgreSQL (the case is
  written into a folder too); the test is skipped when no PostgreSQL is installed.
- ``fix``: the SQL once the fixes of all the case's findings are applied, one at a time (the template's
  body, unescaped like ``sql``, so that a ``${…}`` shows), or ``null`` when no fix may be
  offered. For fixes that edit other files, a mapping path → the file's text once fixed (the
  route file's entry is its SQL, as above). ``unsafe: true`` when the fixes offered are unsafe.
- ``follow_up``: rules whose findings a fix may bring on purpose (a new table then needs its
  constant).
- ``dialect``: ``postgres``, ``sqlite`` or ``mysql``, the literal's dialect (as the config's
  ``dialect`` setting gives it); without it, the dialect is detected as for any file. A
  ``sqlite`` case runs on an in-memory SQLite too, statement by statement as its drivers
  run it: ``sql`` once (unless ``broken``), ``pass`` SQL and the fixed SQL twice, on one database.

Unused suppressions are judged against every rule that ran, so the cases of
``unused-suppression`` run every rule; the cases of other rules run their rule alone.

Every fix is also applied on its own and the case checked again by every rule: it must
still parse, that finding must be gone, and no other may appear but ``follow_up``'s (one
that stays may change its message).
"""

from __future__ import annotations

import sqlite3
from collections import Counter
from contextlib import closing
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable

import pytest
import yaml
from workspace_on_disk import ROUTE, Workspace

from migration_lsp.config import Config
from migration_lsp.findings import Edit, Finding
from migration_lsp.fixes.apply import apply_edits
from migration_lsp.lint.check import check
from migration_lsp.migration import Document, parse_document
from migration_lsp.model.baseline import Baseline
from migration_lsp.rules.registry import RULES
from migration_lsp.sql.split import split

CASES = Path(__file__).parent / "cases"
PREFIX = "export const MIGRATION_SQL = `"
SUFFIX = "`;\n"
KEYS = {"sql", "pass", "ts", "fail", "fix", "unsafe", "broken", "baseline", "files", "config", "verify", "follow_up", "dialect"}


def _load() -> list[Any]:
    params = []
    for file in sorted(CASES.glob("*.yml")):
        data = yaml.safe_load(file.read_text(encoding="utf-8"))
        rule = data["rule"]
        assert rule in RULES, f"{file.name}: unknown rule {rule}"
        assert file.stem == rule, f"{file.name} holds cases of {rule}"
        for name, case in data["cases"].items():
            assert case.keys() <= KEYS, f"{rule}:{name}: unknown keys {case.keys() - KEYS}"
            assert bool(case.get("verify")) == (RULES[rule].reported_by == "verify"), f"{rule}:{name}: verify: true is for the verify rules"
            assert on_disk(case) or not RULES[rule].needs_workspace, f"{rule}:{name}: the rule reads the workspace: give its files"
            marks = [pytest.mark.postgres] if case.get("verify") else []
            params.append(pytest.param(rule, case, id=f"{rule}:{name}", marks=marks))
    return params


def on_disk(case: dict[str, Any]) -> bool:
    return "files" in case or "config" in case or bool(case.get("verify"))


PARAMS = _load()
FAILING = [p for p in PARAMS if "fail" in p.values[1]]
# verify's findings never carry a fix.
FIXABLE = [p for p in FAILING if not p.values[1].get("verify")]
ROUND_TRIP = [p for p in FIXABLE if RULES[p.values[0]].fix != "none" and p.values[1].get("fix", "") is not None]


def route_text(body: str, verbatim: bool = False) -> str:
    """The route file of a case's ``sql`` (escaped) or ``ts`` (``verbatim``) body."""
    return f"{PREFIX}{body if verbatim else body.replace(chr(92), chr(92) * 2).replace('`', chr(92) + '`')}{SUFFIX}"


def body_of(text: str) -> str:
    """The SQL of a route file made by :func:`route_text` from a ``sql`` case."""
    assert text.startswith(PREFIX) and text.endswith(SUFFIX)
    return text[len(PREFIX) : -len(SUFFIX)].replace("\\`", "`").replace("\\\\", "\\")


def selection(rule: str) -> list[str]:
    """What a case of ``rule`` runs: the rule alone, or (no selection) every rule."""
    return [] if RULES[rule].reported_by == "suppressions" else [rule]


@dataclass
class Subject:
    """A case's files as they stand, checked the way the case's kind says."""

    case: dict[str, Any]
    texts: dict[str, str]  # path in the workspace → text; ROUTE holds the literal
    workspace: Workspace | None  # None: the route file alone, in memory

    @classmethod
    def of(cls, case: dict[str, Any], tmp_path: Path) -> Subject:
        texts = {ROUTE: route_text(case["ts"], verbatim=True) if "ts" in case else route_text(case.get("pass", case.get("sql")))}
        if not on_disk(case):
            return cls(case, texts, None)
        texts |= case.get("files", {})
        if "config" in case or "dialect" in case:
            dialect = f'dialect = "{case["dialect"]}"\n' if "dialect" in case else ""
            texts["migration-lsp.toml"] = dialect + case.get("config", "")
        workspace = Workspace(tmp_path / "app")
        if "baseline" in case:
            workspace.write({ROUTE: route_text(case["baseline"])})
            workspace.commit()
        return cls(case, texts, workspace)

    def check(self, rules: Iterable[str]) -> list[Finding]:
        if self.workspace is not None:
            self.workspace.write(self.texts)
            return self.workspace.check(rules)
        result = check([self.document()], Config(root=Path(".")), select=rules, baselines=self.baselines())
        assert not result.rule_errors, result.rule_errors[0].details
        return result.findings

    def document(self, text: str | None = None) -> Document:
        text = self.texts[ROUTE] if text is None else text
        return parse_document(Path(ROUTE), text, ["MIGRATION_SQL"], dialect=self.case.get("dialect", "auto"))

    def baselines(self) -> list[Baseline]:
        if "baseline" not in self.case:
            return []
        return [Baseline("HEAD", tuple(self.document(route_text(self.case["baseline"])).migrations), per_file=True)]

    def name(self, path: Path) -> str:
        """A finding's or an edit's file, as ``texts`` names it."""
        return path.as_posix() if self.workspace is None else path.relative_to(self.workspace.root).as_posix()

    def describe(self, f: Finding) -> dict[str, str]:
        name = self.name(f.path)
        text = self.texts[name]
        return {"file": name, "text": text[f.start : f.end], "at": position(text, f.start, name == ROUTE), "message": f.message}

    def fixed(self, edits: Iterable[Edit]) -> Subject:
        """The case once ``edits`` are made, each file's at once."""
        by_name: dict[str, list[Edit]] = {}
        for edit in edits:
            by_name.setdefault(self.name(edit.path), []).append(edit)
        assert by_name.keys() <= self.texts.keys(), "a fix edits the files there are"
        texts = dict(self.texts)
        for name, file_edits in by_name.items():
            texts[name] = apply_edits(texts[name], file_edits)
        return Subject(self.case, texts, self.workspace)

    def sql(self) -> str:
        (migration,) = self.document().migrations
        return migration.sql


def position(text: str, offset: int, in_template: bool) -> str:
    """``line:col`` of an offset; in the route file, counted in the template's body."""
    line = text.count("\n", 0, offset) + 1
    col = offset - (text.rfind("\n", 0, offset) + 1) + 1
    return f"{line}:{col - len(PREFIX) if in_template and line == 1 else col}"


def findings_of(subject: Subject, rule: str) -> list[Finding]:
    return [f for f in subject.check(selection(rule)) if f.rule == rule]


def key(subject: Subject, f: Finding) -> tuple[str, str, str]:
    """What a finding is, wherever the edits moved it."""
    return (f.rule, subject.name(f.path), f.message)


def places(found: Counter[tuple[str, str, str]]) -> Counter[tuple[str, str]]:
    """How many findings each rule has in each file."""
    counts: Counter[tuple[str, str]] = Counter()
    for (rule, name, _), n in found.items():
        counts[(rule, name)] += n
    return counts


def test_every_rule_has_its_cases() -> None:
    assert {f.stem for f in CASES.glob("*.yml")} == set(RULES)
    failing = {p.values[0] for p in FAILING}
    passing = {p.values[0] for p in PARAMS if "fail" not in p.values[1]}
    assert set(RULES) - failing == set(), "rules without a failing case"
    assert set(RULES) - passing == set(), "rules without a silent case"


@pytest.mark.parametrize(("rule", "case"), PARAMS)
def test_case(rule: str, case: dict[str, Any], tmp_path: Path, request: pytest.FixtureRequest) -> None:
    subject = Subject.of(case, tmp_path)
    if case.get("verify"):
        assert subject.workspace is not None
        subject.workspace.write(subject.texts)
        found_findings = subject.workspace.verify(request.getfixturevalue("server"), [rule])
    else:
        found_findings = findings_of(subject, rule)
    found = [subject.describe(f) for f in found_findings]
    if "fail" not in case:
        assert found == [], "expected no finding"
    else:
        expected = [{"text": e} if isinstance(e, str) else e for e in case["fail"]]
        assert len(found) == len(expected), found
        for want, got in zip(expected, found):
            assert got["file"] == want.get("file", ROUTE), got
            for part in ("text", "at"):
                if part in want:
                    assert got[part] == want[part], got
            if "message" in want:
                assert want["message"] in got["message"]
    if rule != "syntax-error" and not case.get("broken"):
        assert subject.check(["syntax-error"]) == [], "a case must be valid SQL"


@pytest.mark.parametrize(("rule", "case"), FIXABLE)
def test_fix(rule: str, case: dict[str, Any], tmp_path: Path) -> None:
    subject = Subject.of(case, tmp_path)
    findings = findings_of(subject, rule)
    fixes = [f.fix for f in findings if f.offered_fix is not None]
    if RULES[rule].fix == "none" or case.get("fix", "") is None:
        assert fixes == []
        return
    assert "fix" in case, "a case of a fixable rule says what its fix gives, or fix: null"
    assert len(fixes) == len(findings), "every finding of the case offers a fix"
    assert all(fix.safe != case.get("unsafe", False) for fix in fixes)
    # The rule's page says what its fixes are: each fix made agrees with it.
    declared = RULES[rule].fix
    assert declared == "sometimes" or all(fix.safe == (declared == "safe") for fix in fixes), f"{rule} declares {declared} fixes"
    # One fix at a time, checking again in between: fixes may share edits or insert at one
    # point, and --fix makes those in turn too.
    fixed = subject
    for _ in fixes:
        fix = next((f.fix for f in findings_of(fixed, rule) if f.offered_fix is not None), None)
        if fix is None:
            break
        fixed = fixed.fixed(fix.edits)
    assert findings_of(fixed, rule) == [], "the fixes leave nothing of the rule"
    expected = case["fix"] if isinstance(case["fix"], dict) else {ROUTE: case["fix"]}
    for name, text in expected.items():
        assert (body_of(fixed.texts[name]) if name == ROUTE else fixed.texts[name]) == text, name


@pytest.mark.parametrize(("rule", "case"), ROUND_TRIP)
def test_fix_round_trip(rule: str, case: dict[str, Any], tmp_path: Path) -> None:
    subject = Subject.of(case, tmp_path)
    before = subject.check(())
    fixed_here = [f for f in before if f.offered_fix is not None and f.rule == rule]
    assert fixed_here, "the case says its findings are fixed"
    allowed = set(case.get("follow_up", ()))
    for finding in fixed_here:
        assert finding.offered_fix is not None
        fixed = subject.fixed(finding.fix.edits)
        after = Counter(key(fixed, f) for f in fixed.check(()))
        # Findings that share this fix go with it.
        expected = Counter(key(subject, f) for f in before if f.offered_fix is None or f.fix.edits != finding.fix.edits)
        # A finding that stays may say something else now (one table fewer is missing); one
        # that comes is new, its rule counted more often in its file.
        grown = places(after) - places(expected)
        new = [k for k in after - expected if k[0] not in allowed and k[:2] in grown]
        assert not new, f"new findings after the fix: {new}\n{fixed.sql()}"  # syntax errors included
        gone = key(subject, finding)
        assert after[gone] == expected[gone], fixed.sql()


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
