"""Workspaces on disk, checked the way `--check` checks them: projects, their index, the rules."""

from __future__ import annotations

import subprocess
from collections import Counter
from pathlib import Path
from typing import Iterable

from migration_lsp.findings import Edit, Finding, Fix
from migration_lsp.fixes.apply import apply_edits
from migration_lsp.lint.check import check_project, load_projects, needs_baseline, project_baselines
from migration_lsp.lint.verify import verify_projects
from migration_lsp.positions import escape_for_template
from migration_lsp.rules import coverage, data_loss, idempotency, syntax, tables
from migration_lsp.verify import Server
from migration_lsp.workspace.project import Project

ROUTE = "src/app/api/setup/migrations/route.ts"
COVERAGE = [cls.name for cls in (*coverage.FAMILY, *tables.FAMILY)]
# What a fix is checked against: the coverage rules, and the SQL rules the new statements meet.
CHECKED = COVERAGE + [cls.name for cls in (*data_loss.FAMILY, *idempotency.FAMILY, *syntax.FAMILY)]


def route(sql: str, substitutions: bool = False) -> str:
    """A route file with ``sql`` as its MIGRATION_SQL; with ``substitutions`` each ``${…}`` is one."""
    return f"export const MIGRATION_SQL = `{sql if substitutions else escape_for_template(sql)}`;\n"


def git(root: Path, *args: str) -> str:
    """``git ARGS`` in ``root`` as a test user, whatever the machine's git config says."""
    command = ["git", "-c", "user.name=test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false", *args]
    return subprocess.run(command, cwd=root, check=True, capture_output=True, text=True).stdout


class Workspace:
    def __init__(self, root: Path) -> None:
        self.root = root

    def write(self, files: dict[str, str]) -> None:
        for name, text in files.items():
            path = self.root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(text, encoding="utf-8")

    def read(self, name: str) -> str:
        return (self.root / name).read_text(encoding="utf-8")

    def commit(self) -> None:
        """Commit every file as it is now: the ``HEAD`` that baselines are read from."""
        if not (self.root / ".git").exists():
            git(self.root, "init", "-q")
        git(self.root, "add", "-A")
        git(self.root, "commit", "-q", "--allow-empty", "-m", "change")

    def project(self) -> Project:
        (project,) = load_projects([self.root])
        return project

    def check(self, rules: Iterable[str] = COVERAGE) -> list[Finding]:
        """The findings of ``rules``, with the baselines ``--check`` would load for them."""
        project, select = self.project(), list(rules)
        baselines = project_baselines(project) if needs_baseline(project, select) else []
        result = check_project(project, select=select, baselines=baselines)
        assert not result.rule_errors, result.rule_errors[0].details
        return result.findings

    def verify(self, server: Server, rules: Iterable[str]) -> list[Finding]:
        """What ``migration-lsp verify --select RULES`` reports, on ``server``."""
        return verify_projects([self.project()], select=list(rules), server=server)

    def found(self, rules: Iterable[str] = COVERAGE) -> list[tuple[str, str, str]]:
        """(rule, file, the text the finding spans) of each finding."""
        out = []
        for f in self.check(rules):
            text = f.path.read_text(encoding="utf-8")
            out.append((f.rule, f.path.relative_to(self.root).as_posix(), text[f.start : f.end]))
        return out

    def apply(self, fix: Fix) -> None:
        by_path: dict[Path, list[Edit]] = {}
        for edit in fix.edits:
            by_path.setdefault(edit.path, []).append(edit)
        for path, edits in by_path.items():
            path.write_text(apply_edits(path.read_text(encoding="utf-8"), edits), encoding="utf-8")

    def fix_and_recheck(self, finding: Finding, follow_up: Iterable[str] = ()) -> list[Finding]:
        """Apply one finding's fix: that finding must go, and nothing new may come but ``follow_up``.

        Findings are compared by rule and file: offsets move with the edit.
        """
        assert finding.offered_fix is not None, finding
        before = Counter((f.rule, f.path) for f in self.check(CHECKED))
        self.apply(finding.fix)
        after_findings = self.check(CHECKED)
        after = Counter((f.rule, f.path) for f in after_findings)
        assert not [f for f in after_findings if f.rule == "syntax-error"]
        assert after[(finding.rule, finding.path)] < before[(finding.rule, finding.path)]
        new = after - before
        assert set(rule for rule, _ in new) <= set(follow_up), f"new findings after the fix: {new}"
        return after_findings
