"""``--check``: read the projects, run the rules, optionally fix, report."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from migration_lsp.cli.report import Report, render
from migration_lsp.engine import check
from migration_lsp.fixes.apply import apply_edits, plan_safe_fixes, write_atomic
from migration_lsp.rules.base import Finding
from migration_lsp.workspace.project import FileNotice, Project, load_projects

MAX_FIX_PASSES = 10  # a fix may uncover another (e.g. a guard that now needs correcting)


def run_check(args: argparse.Namespace, color: bool) -> int:
    paths = args.check or [Path(".")]
    missing = [p for p in paths if not p.exists()]
    if missing:
        print(f"migration-lsp: no such file or folder: {missing[0]}", file=sys.stderr)
        return 2
    projects = load_projects(paths, tuple(args.variable_name))
    findings = _check_all(projects, args)
    if args.fix:
        for _ in range(MAX_FIX_PASSES):
            plan = plan_safe_fixes(findings)
            changed = False
            for path, edits in plan.items():
                project = _owner(projects, path)
                if project is None:
                    continue
                old = project.texts[path]
                new = apply_edits(old, edits)
                if new != old:
                    write_atomic(path, new)
                    project.add(path, new)
                    changed = True
            if not changed:
                break
            findings = _check_all(projects, args)
    notices: list[FileNotice] = [n for p in projects for n in (*p.config_errors, *p.notices)]
    texts = {path: text for p in projects for path, text in p.texts.items()}
    files_checked = sum(len(p.documents) for p in projects)
    sys.stdout.write(render(Report(findings, notices, files_checked, texts), args.format, color))
    if any(p.config_errors for p in projects):
        return 2
    failing = ("error", "warning") if args.strict else ("error",)
    return 1 if any(f.severity in failing for f in findings) else 0


def _check_all(projects: list[Project], args: argparse.Namespace) -> list[Finding]:
    findings: list[Finding] = []
    for project in projects:
        result = check(
            list(project.documents.values()),
            project.config,
            select=args.select,
            ignore=args.ignore,
            read_text=project.texts.get,
        )
        findings.extend(result.findings)
        for error in result.rule_errors:
            project.notices.append(FileNotice(project.config.root, f"rule {error.rule} failed: {error.message}"))
    return findings


def _owner(projects: list[Project], path: Path) -> Project | None:
    for p in projects:
        if path in p.texts:
            return p
    return None
