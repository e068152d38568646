"""``--check``: read the projects, run the rules, optionally fix, report."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from migration_lsp.cli.main import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK
from migration_lsp.cli.report import Report, render
from migration_lsp.baseline import Baseline, needs_baseline, project_baselines
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
        return EXIT_ERROR
    projects = load_projects(paths, tuple(args.variable_name))
    failed: set[Project] = set()  # projects where a rule raised: their check is incomplete
    baselines = {p: project_baselines(p, args.baseline) for p in projects if needs_baseline(p, args.select, args.ignore)}
    findings = _check_all(projects, args, failed, baselines)
    fixed = 0
    if args.fix:
        for _ in range(MAX_FIX_PASSES):
            done = _fix_pass(projects, findings)
            if not done:
                break
            fixed += done
            findings = _check_all(projects, args, failed, baselines)
    if args.verify:
        from migration_lsp.cli.verify import verify_projects
        from migration_lsp.verify import VerifyError

        try:
            findings += verify_projects(
                projects, ref=args.baseline, database_url=args.database_url, select=args.select, ignore=args.ignore
            )
        except VerifyError as e:
            print(f"migration-lsp: {e}", file=sys.stderr)
            return EXIT_ERROR
        findings.sort(key=lambda f: (str(f.path), f.start, f.end, f.rule))
    notices: list[FileNotice] = [n for p in projects for n in (*p.config_errors, *p.notices)]
    texts = {path: text for p in projects for path, text in p.texts.items()}
    files_checked = sum(len(p.documents) for p in projects)
    sys.stdout.write(render(Report(findings, notices, files_checked, texts, fixed), args.format, color))
    if failed or any(p.config_errors for p in projects):
        return EXIT_ERROR
    failing = ("error", "warning") if args.strict else ("error",)
    return EXIT_FINDINGS if any(f.severity in failing for f in findings) else EXIT_OK


def _check_all(
    projects: list[Project], args: argparse.Namespace, failed: set[Project], baselines: dict[Project, list[Baseline]]
) -> list[Finding]:
    findings: list[Finding] = []
    for project in projects:
        result = check(
            list(project.documents.values()),
            project.config,
            workspace=project.index,
            select=args.select,
            ignore=args.ignore,
            baselines=baselines.get(project, ()),
            read_text=project.texts.get,
        )
        findings.extend(result.findings)
        for error in result.rule_errors:
            failed.add(project)
            notice = FileNotice(project.config.source or project.config.root, f"rule {error.rule} failed: {error.message}")
            if notice not in project.notices:  # each --fix pass checks again
                project.notices.append(notice)
    findings.sort(key=lambda f: (str(f.path), f.start, f.end, f.rule))
    return findings


def _fix_pass(projects: list[Project], findings: list[Finding]) -> int:
    """Apply the safe fixes that do not clash; the number of findings they fix."""
    plan = plan_safe_fixes(findings)
    planned = {e for edits in plan.values() for e in edits}
    changed: set[Path] = set()
    for path, edits in plan.items():
        project = _owner(projects, path)
        if project is None:
            continue
        old = project.texts[path]
        new = apply_edits(old, edits)
        if new == old:
            continue
        try:
            write_atomic(path, new)
        except OSError as e:
            project.notices.append(FileNotice(path, f"cannot be fixed: {e.strerror or e}"))
            continue
        project.add(path, new)
        changed.add(path)
    return sum(
        1
        for f in findings
        if f.fix is not None and f.fix.safe and f.fix.edits and all(e in planned and e.path in changed for e in f.fix.edits)
    )


def _owner(projects: list[Project], path: Path) -> Project | None:
    for p in projects:
        if path in p.texts:
            return p
    return None
