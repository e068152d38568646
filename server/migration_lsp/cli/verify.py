"""``migration-lsp verify [PATH]``: the rulebook's test scenarios on a real PostgreSQL, reported like ``--check``.

Each migration literal runs on a fresh database, a second time, and as an upgrade of a database
built from each baseline (see :mod:`migration_lsp.baseline`). What PostgreSQL reports becomes
``verify-failed``, ``upgrade-drift`` and ``data-lost`` findings in the ``.ts`` file, at the failing
statement, so the reporters, exit codes, levels and suppressions are those of ``--check``.
"""

from __future__ import annotations

import contextlib

import argparse
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from migration_lsp.baseline import Baseline, project_baselines
from migration_lsp.cli.main import EXIT_ERROR, Parser, add_report_options, read_projects, report, say
from migration_lsp.cli.report import FORMATS, display_path
from migration_lsp.config import PLATFORMS, VERIFY_MODES, Config
from migration_lsp.engine import Migration, detect, select_rules, settle
from migration_lsp.rules.base import Finding
from migration_lsp.rules.registry import RULES
from migration_lsp.rules.upgrade import VERIFY_RULES
from migration_lsp.verify import Server, SqlSource, VerifyError, VerifyProblem, verify
from migration_lsp.workspace.project import FileNotice, Project


def build_parser() -> argparse.ArgumentParser:
    p = Parser(
        prog="migration-lsp verify",
        description=(
            "Runs each migration literal on a throwaway PostgreSQL: on a fresh database, a second time, "
            "and as an upgrade of a database built from each baseline. Never touches a database it did not create."
        ),
    )
    p.add_argument("paths", nargs="*", metavar="PATH", type=Path, help="files or folders to verify (default: .)")
    p.add_argument("--database-url", metavar="URL", help="use this server: a scratch database is created there and dropped (default: a private local server)")
    p.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    p.add_argument("--baseline", metavar="REF", help="git ref (or 'history') that existing databases were built from (default: the config's, HEAD)")
    p.add_argument("--platform", choices=PLATFORMS, help="platform the app runs on (default: the config's, supabase)")
    p.add_argument("--mode", choices=VERIFY_MODES, help="send the literal as one transaction, or statement by statement (default: the config's)")
    p.add_argument("--strict", action="store_true", help="exit 1 on warnings too")
    p.add_argument("--variable-name", action="append", default=[], metavar="NAME", help="also verify literals assigned to NAME")
    p.add_argument("--no-color", action="store_true", help="never colour the text output")
    add_report_options(p)
    p.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    return p


def main(argv: Sequence[str]) -> int:
    args = build_parser().parse_args(argv)
    projects = read_projects(args.paths or [Path(".")], args.variable_name)
    if projects is None:
        return EXIT_ERROR
    try:
        findings = verify_projects(
            projects, ref=args.baseline, database_url=args.database_url, platform=args.platform, mode=args.mode
        )
    except VerifyError as e:
        say(str(e))
        return EXIT_ERROR
    return report(projects, findings, args)


def verify_projects(
    projects: Sequence[Project],
    *,
    ref: str | None = None,
    database_url: str | None = None,
    platform: str | None = None,
    mode: str | None = None,
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    server: Server | None = None,
) -> list[Finding]:
    """Verify every literal of every project on one server; notes go to each project's notices.

    ``ref``, ``platform`` and ``mode`` default to each project's config; ``select`` and
    ``ignore`` narrow the rules as in ``--check``. A long-lived caller (the editor) passes its
    own ``server`` to keep the cluster and template database between runs; otherwise one is
    started and removed here. Raises :class:`VerifyError` when no PostgreSQL can be used.
    """
    progress = say if sys.stderr.isatty() else None
    findings: list[Finding] = []
    work = [(p, _enabled(p.config, select, ignore)) for p in projects if p.documents]
    work = [(p, (rules, unused)) for p, (rules, unused) in work if rules]
    if not work:
        return findings
    with contextlib.nullcontext(server) if server is not None else Server(database_url, progress=progress) as server:
        for project, (rules, unused) in work:
            config = project.config
            documents = list(project.documents.values())
            baselines = project_baselines(project, ref)
            options = _Options(platform, mode or config.verify_mode, progress)
            found: list[Finding] = []
            for document in documents:
                detect(document, config)
                for m in document.migrations:
                    found += _verify_migration(m, baselines, project, server, options)
            verified = [d for d in documents if not any(m.literal.substitutions for m in d.migrations)]
            findings += settle(found, verified, config, rules, unused, project.texts.get)
    return findings


def _enabled(config: Config, select: Sequence[str], ignore: Sequence[str]) -> tuple[set[str], bool]:
    """The verify rules that are on, and whether idle suppressions are reported."""
    names = {r.name for r in select_rules(config, select, ignore)}
    return names & VERIFY_RULES, "unused-suppression" in names


_DIALECT_NAMES = {"sqlite": "SQLite", "mysql": "MySQL"}


@dataclass(frozen=True)
class _Options:
    platform: str | None  # None: each literal's own, from the config and the evidence
    mode: str
    progress: Callable[[str], None] | None


def _verify_migration(
    m: Migration, baselines: Sequence[Baseline], project: Project, server: Server, options: _Options
) -> list[Finding]:
    if m.literal.substitutions:
        project.notices.append(FileNotice(m.path, "not verified: the literal has ${…} substitutions, whose values are only known when the app runs", m.literal.doc_start))
        return []
    if m.dialect != "postgres":
        project.notices.append(FileNotice(m.path, f"not verified: verify runs PostgreSQL literals only, and this one is {_DIALECT_NAMES[m.dialect]}", m.literal.doc_start))
        return []
    current, sources = sources_for(m, baselines)
    progress = options.progress
    report = None if progress is None else (lambda message: progress(f"{display_path(m.path)}: {message}"))
    problems = verify(current, sources, platform=options.platform or m.platform, mode=options.mode, progress=report, server=server)
    return [_finding(m, problem) for problem in problems]


def sources_for(m: Migration, baselines: Sequence[Baseline]) -> tuple[SqlSource, list[SqlSource]]:
    """What ``verify`` runs for a migration: its SQL now, and the SQL of each baseline that differs."""
    current = sql_source("current", [m])
    sources = []
    for baseline in baselines:
        older = [b for b in baseline.matching(m) if not b.literal.substitutions]
        source = sql_source(baseline.label, older) if older else None
        # An upgrade from the same SQL is the second run, which is verified anyway.
        if source is not None and source.sql != current.sql:
            sources.append(source)
    return current, sources


def sql_source(label: str, migrations: Sequence[Migration]) -> SqlSource:
    """The migrations' SQL one after the other, each ending with a semicolon, as one source."""
    parts, spans, offset = [], [], 0
    for m in migrations:
        sql = m.sql
        if m.statements and not sql.startswith(";", m.statements[-1].end):
            sql = sql[: m.statements[-1].end] + ";" + sql[m.statements[-1].end :]
        spans += [(offset + st.start, offset + st.end) for st in m.statements]
        parts.append(sql)
        offset += len(sql) + 1
    return SqlSource(label, "\n".join(parts), tuple(spans))


def _finding(m: Migration, problem: VerifyProblem) -> Finding:
    sqlstate = f" (SQLSTATE {problem.sqlstate})" if problem.sqlstate else ""
    message = f"{problem.scenario}: {problem.message}{sqlstate}"
    if problem.offset is None:
        start, end = m.literal.doc_start, m.literal.doc_start + 1  # the opening quote
    else:
        offset = min(problem.offset, len(m.sql))
        end_sql = min(max(problem.end or offset, offset + 1), len(m.sql))
        start, end = m.literal.doc_span(offset, end_sql)
    return Finding(problem.kind, message, m.path, start, end, severity=RULES[problem.kind].severity)
