"""``--check``: read the projects, run the rules, optionally fix, report."""

from __future__ import annotations

import argparse
import difflib
import sys
from pathlib import Path

from migration_lsp.cli.main import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, read_projects, report, say, write_output
from migration_lsp.cli.report import display_path
from migration_lsp.collector import uncollected
from migration_lsp.findings import Finding
from migration_lsp.fixes.apply import apply_edits, plan_safe_fixes
from migration_lsp.lint.check import check_project, needs_baseline, project_baselines
from migration_lsp.model.baseline import Baseline
from migration_lsp.workspace.project import FileNotice, Project
from migration_lsp.workspace.write import replace_text

MAX_FIX_PASSES = 10  # a fix may uncover another (e.g. a guard that now needs correcting)


def run_check(args: argparse.Namespace) -> int:
    # What is loaded, read and checked lives as long as the run, and reading and checking make
    # little garbage (a check of 10,000 files leaves a few dozen cycles): the collector, which
    # would scan it all again and again as it grows, waits until the first check is done, then
    # leaves it out.
    with uncollected():
        projects = read_projects(args.check or [Path(".")], args)
        if projects is None:
            return EXIT_ERROR
        failed: set[Project] = set()  # projects where a rule raised: their check is incomplete
        baselines = {p: project_baselines(p, args.baseline) for p in projects if needs_baseline(p, args.select, args.ignore)}
        findings = _check_all(projects, args, failed, baselines)
    fixed = 0
    unfixed: set[Path] = set()  # files --fix had to leave as they are
    originals = {path: text for p in projects for path, text in p.texts.items()}
    if args.fix or args.diff:
        for _ in range(MAX_FIX_PASSES):
            done = _fix_pass(projects, findings, unfixed, write=args.fix)
            if not done:
                break
            fixed += done
            findings = _check_all(projects, args, failed, baselines)
    if args.diff:
        return _print_diff(projects, originals, fixed, args)
    if args.verify:
        # lazy: psycopg loads only to verify
        from migration_lsp.cli.verify import verify_findings

        verified = verify_findings(projects, args, select=args.select, ignore=args.ignore)
        if verified is None:
            return EXIT_ERROR
        findings += verified
        findings.sort(key=Finding.order)
    code = report(projects, findings, args, fixed=fixed, failed=bool(failed))
    return max(code, EXIT_FINDINGS) if unfixed else code  # a fix asked for and not made fails the run


def _check_all(projects: list[Project], args: argparse.Namespace, failed: set[Project], baselines: dict[Project, list[Baseline]]) -> list[Finding]:
    findings: list[Finding] = []
    for project in projects:
        result = check_project(project, select=args.select, ignore=args.ignore, baselines=baselines.get(project, ()))
        findings.extend(result.findings)
        if result.rule_errors:
            failed.add(project)
        for notice in result.notices:
            if notice not in project.notices:  # each --fix pass checks again
                project.notices.append(notice)
    findings.sort(key=Finding.order)
    return findings


def _fix_pass(projects: list[Project], findings: list[Finding], unfixed: set[Path], *, write: bool) -> int:
    """Apply the safe fixes that do not clash; the number of findings they fix.

    With ``write``, the files change on disk; a file that cannot be written safely gets a notice,
    joins ``unfixed`` and is not tried again. Without it, only the projects' texts change (--diff).
    """
    plan = plan_safe_fixes(findings)
    planned = {e for edits in plan.values() for e in edits}
    changed: set[Path] = set()
    for path, edits in plan.items():
        project = _owner(projects, path)
        if project is None or path in unfixed:
            continue
        old = project.texts[path]
        new = apply_edits(old, edits)
        if new == old:
            continue
        refused = replace_text(path, old, new, project.config.root) if write else None
        if refused is not None:
            project.notices.append(FileNotice(path, refused))
            unfixed.add(path)
            continue
        project.add(path, new)
        changed.add(path)
    return sum(1 for f in findings if f.fix is not None and f.fix.safe and f.fix.edits and all(e in planned and e.path in changed for e in f.fix.edits))


def _print_diff(projects: list[Project], originals: dict[Path, str], fixed: int, args: argparse.Namespace) -> int:
    """The safe fixes as one unified diff; exit 1 when there is one, as ``ruff --diff`` does."""
    chunks: list[str] = []
    for project in projects:
        for path, text in sorted(project.texts.items()):
            old = originals.get(path, text)
            if text != old:
                name = display_path(path)
                diff = difflib.unified_diff(old.splitlines(keepends=True), text.splitlines(keepends=True), f"a/{name}", f"b/{name}")
                chunks.append("".join(line if line.endswith("\n") else line + "\n" for line in diff))
    if args.output_file is None:
        sys.stdout.write("".join(chunks))
    elif not write_output(args.output_file, "".join(chunks)):
        return EXIT_ERROR
    if chunks:
        say(f"would fix {fixed} finding{'' if fixed == 1 else 's'} in {len(chunks)} file{'' if len(chunks) == 1 else 's'}")
    if any(p.config_errors for p in projects):
        return EXIT_ERROR
    return EXIT_FINDINGS if chunks else EXIT_OK


def _owner(projects: list[Project], path: Path) -> Project | None:
    for p in projects:
        if path in p.texts:
            return p
    return None
