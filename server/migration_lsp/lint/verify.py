"""``verify_projects``: the rulebook's test scenarios on a real database, as findings.

Each migration literal runs on a fresh database, a second time, and as an upgrade of a database
built from each baseline (see :mod:`migration_lsp.workspace.baselines`): a PostgreSQL literal on
a throwaway PostgreSQL, a SQLite one on in-memory SQLite, a MySQL one not at all. What the database reports
becomes ``verify-failed``, ``upgrade-drift`` and ``data-lost`` findings in the ``.ts`` file, at the
failing statement, with the levels and suppressions of ``--check``. Both reporters call it.
"""

from __future__ import annotations

import contextlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Sequence

from migration_lsp.config import Config
from migration_lsp.findings import Finding
from migration_lsp.lint.check import project_baselines, select_rules, settle
from migration_lsp.migration import Migration
from migration_lsp.model.baseline import Baseline
from migration_lsp.rules.registry import RULES
from migration_lsp.verify import DEFAULT_TIME_LIMIT, Server, SqlSource, Step, VerifyProblem, verify, verify_sqlite
from migration_lsp.workspace.project import FileNotice, Project


def verify_projects(
    projects: Sequence[Project],
    *,
    ref: str | None = None,
    database_url: str | None = None,
    platform: str | None = None,
    mode: str | None = None,
    time_limit: float | None = None,
    select: Sequence[str] = (),
    ignore: Sequence[str] = (),
    server: Server | None = None,
    progress: Callable[[Path | None, Step], None] | None = None,
) -> list[Finding]:
    """Verify every literal of every project on one server; notes go to each project's notices.

    ``ref``, ``platform``, ``mode`` and ``time_limit`` (seconds per scenario) default to each
    project's config; ``select`` and ``ignore`` narrow the rules as in ``--check``. A long-lived caller (the editor) passes its
    own ``server`` to keep the cluster and template database between runs; otherwise one is
    started and removed here; ``progress(path, step)`` follows each literal's scenarios
    (``path`` None: the start of the private cluster).
    Raises :class:`VerifyError` when a PostgreSQL literal needs a PostgreSQL that cannot be used.
    """
    findings: list[Finding] = []
    work = [(p, _enabled(p.config, select, ignore)) for p in projects if p.documents]
    work = [(p, (rules, unused)) for p, (rules, unused) in work if rules]
    if not work:
        return findings
    # PostgreSQL is started only for a PostgreSQL literal: SQLite runs in this process.
    postgres = any(m.dialect == "postgres" and not m.literal.substitutions for p, _ in work for d in p.documents.values() for m in d.migrations)
    with contextlib.ExitStack() as stack:
        if server is None and postgres:
            server = stack.enter_context(Server(database_url, progress=None if progress is None else lambda step: progress(None, step), one_run=True))
        for project, (rules, unused) in work:
            config = project.config
            documents = list(project.documents.values())
            baselines = project_baselines(project, ref)
            limit = time_limit or config.verify_time_limit or DEFAULT_TIME_LIMIT
            options = _Options(platform, mode or config.verify_mode, limit, progress)
            found: list[Finding] = []
            for document in documents:
                for m in document.migrations:
                    found += _verify_migration(m, baselines, project, server, options)
            verified = [d for d in documents if not any(m.literal.substitutions for m in d.migrations)]
            findings += settle(found, verified, config, rules, unused, project.texts.get)
    return findings


def _enabled(config: Config, select: Sequence[str], ignore: Sequence[str]) -> tuple[set[str], bool]:
    """The verify rules that are on, and whether idle suppressions are reported."""
    rules = select_rules(config, select, ignore)
    return {r.name for r in rules if r.reported_by == "verify"}, any(r.reported_by == "suppressions" for r in rules)


@dataclass(frozen=True)
class _Options:
    platform: str | None  # None: each literal's own, from the config and the evidence
    mode: str
    time_limit: float
    progress: Callable[[Path | None, Step], None] | None


def _verify_migration(m: Migration, baselines: Sequence[Baseline], project: Project, server: Server | None, options: _Options) -> list[Finding]:
    if m.literal.substitutions:
        project.notices.append(FileNotice(m.path, "not verified: the literal has ${…} substitutions, whose values are only known when the app runs", m.literal.doc_start))
        return []
    if m.dialect == "mysql":
        project.notices.append(FileNotice(m.path, "not verified: verify runs PostgreSQL and SQLite literals only, and this one is MySQL", m.literal.doc_start))
        return []
    current, sources = sources_for(m, baselines)
    progress = options.progress
    report = None if progress is None else (lambda step: progress(m.path, step))
    if m.dialect == "sqlite":
        problems = verify_sqlite(current, sources, time_limit=options.time_limit, progress=report)
    else:
        assert server is not None  # started above for every PostgreSQL literal
        problems = verify(current, sources, platform=options.platform or m.platform, mode=options.mode, progress=report, server=server, time_limit=options.time_limit)
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
    severity = RULES[problem.kind].severity
    if problem.offset is None:
        return m.literal_finding(problem.kind, message, severity=severity)
    offset = min(problem.offset, len(m.sql))
    end = min(max(problem.end or offset, offset + 1), len(m.sql))
    return m.finding(problem.kind, message, offset, end, severity=severity)
