"""The one check path: select the rules, run them, apply levels and suppressions.

:func:`check_project` is what ``--check``, ``--fix``, the language server and (through
:mod:`migration_lsp.lint.verify`) verify call; :func:`check` is the same over bare documents.
"""

from __future__ import annotations

import logging
import traceback
import weakref
from dataclasses import dataclass
from functools import partial
from itertools import compress
from operator import attrgetter, itemgetter, not_
from pathlib import Path
from typing import Callable, Iterable, Mapping, Sequence

from migration_lsp.config import Config, load_config_file
from migration_lsp.dialect import DEFAULT_DIALECT, DEFAULT_PLATFORM, describe
from migration_lsp.findings import Edits, Finding, RuleError
from migration_lsp.lint import suppress
from migration_lsp.migration import Document, Migration
from migration_lsp.model.baseline import Baseline
from migration_lsp.model.build import Schemas
from migration_lsp.rules.base import Context, Rule
from migration_lsp.rules.registry import RULE_CLASSES, RULES
from migration_lsp.workspace.baselines import load_baselines
from migration_lsp.workspace.index import FileFacts, WorkspaceIndex
from migration_lsp.workspace.project import FileNotice, Project
from migration_lsp.workspace.project import load_projects as workspace_projects

log = logging.getLogger(__name__)


def run_rules(ctx: Context, rules: Sequence[Rule]) -> tuple[list[Finding], list[RuleError]]:
    """Run each rule; a rule that raises is reported and the others still run."""
    findings: list[Finding] = []
    errors: list[RuleError] = []
    for rule in rules:
        try:
            for f in rule.check(ctx):
                f.severity = rule.severity
                findings.append(f)
        except Exception as e:  # a broken rule must never take the others down
            errors.append(RuleError(rule.name, f"{type(e).__name__}: {e}", traceback.format_exc()))
            log.exception("rule %s failed", rule.name)
    return findings, errors


class StatementResults:
    """Which statement-local rules found something in each statement, by its text, from one
    check of a project to the next (the server keeps one per project).

    A keystroke changes a statement or two: the rules run again on those, and on the ones
    where they found something, to place it where the statement now is; the others are known
    to hold nothing. Which statements those are is kept by place, for the migration each
    check saw: a check of the next parse of it looks only at those and at the statements
    that parse analysed, not at every statement's text.
    """

    def __init__(self) -> None:
        # (rule names, dialect, platform) → the statement texts in which the rules found nothing,
        # and, by text, the rules that found something in the others.
        self._last: dict[_Scope, tuple[set[str], dict[str, frozenset[str]]]] = {}
        self._now: dict[_Scope, tuple[set[str], dict[str, frozenset[str]]]] = {}
        # (scope, a migration's ``said``, which stands for it) → that ``said`` and the places of
        # the top-level statements that were not known to hold nothing after its check.
        self._last_open: dict[tuple[_Scope, int], tuple[object, list[int]]] = {}
        self._now_open: dict[tuple[_Scope, int], tuple[object, list[int]]] = {}

    def start(self) -> None:
        self._now, self._now_open = {}, {}

    def finish(self) -> None:
        self._last, self._now = self._now, {}
        self._last_open, self._now_open = self._now_open, {}

    def run(self, ctx: Context, rules: Sequence[Rule]) -> tuple[list[Finding], list[RuleError]]:
        """What ``run_rules`` finds with the statement-local ``rules``, statement by statement."""
        names = tuple(r.name for r in rules)
        findings: list[Finding] = []
        errors: dict[str, RuleError] = {}  # one per rule, as when it runs on all statements at once
        scoped: dict[_Scope, int] = {}  # how many statements each scope's migrations hold
        for m in ctx.migrations:
            scope = (names, m.dialect, m.platform)
            scoped[scope] = scoped.get(scope, 0) + len(m.texts)
            clean_before, hits_before = self._last.get(scope, (set(), {}))
            # What held nothing then still does: the set is taken over whole, and let go of
            # what no statement holds now only when it has grown (see below).
            clean, hits = self._now.setdefault(scope, (clean_before, {}))
            texts = m.texts
            todo = self._todo(scope, m)
            if todo is None:  # a migration this object never saw: every statement's text, in C
                todo = list(compress(range(len(texts)), map(not_, map(clean.__contains__, texts))))
            still: list[int] = []
            for i in todo:
                text = texts[i]
                if text in clean:  # the same text again, found to hold nothing above
                    continue
                st = m.statements[i]
                known = hits.get(text, hits_before.get(text))
                run = [r for r in rules if known is None or r.name in known]
                one = Context([m], ctx.config, ctx.workspace, ctx.baselines, statement=st)
                hit: set[str] = set()
                failed = False
                for rule in run:
                    found, error = run_rules(one, [rule])
                    findings += found
                    if found:
                        hit.add(rule.name)
                    for e in error:
                        errors.setdefault(e.rule, e)
                        failed = True
                still.append(i)
                if failed:  # a rule that raised is tried again next time
                    continue
                if known is None and not hit:
                    clean.add(text)
                    still.pop()
                else:
                    hits[text] = frozenset(hit) if known is None else known
            self._now_open[(scope, id(m.said))] = (m.said, still)
        for scope, held in scoped.items():
            clean = self._now[scope][0]
            if len(clean) > 2 * held + _SLACK:  # the texts of many edits since: keep those in use
                kept = set().union(*(clean.intersection(m.texts) for m in ctx.migrations if (names, m.dialect, m.platform) == scope))
                self._now[scope] = (kept, self._now[scope][1])
        return findings, list(errors.values())

    def _todo(self, scope: _Scope, m: Migration) -> list[int] | None:
        """The places of the top-level statements of ``m`` that may hold something, if the last
        check saw ``m`` or the parse it came from; those outside are known to hold nothing."""
        seen = self._last_open.get((scope, id(m.said)))
        if seen is not None and seen[0] is m.said:
            return seen[1]
        seen = self._last_open.get((scope, id(m.previous_said)))
        if seen is None or seen[0] is not m.previous_said:
            return None
        start, stop, shift = m.analysed.start, m.analysed.stop, m.shift
        # Where each statement the parse took over is now; those it replaced are among ``analysed``.
        return [i for i in seen[1] if i < start] + list(m.analysed) + [i + shift for i in seen[1] if i >= stop - shift]


_Scope = tuple[tuple[str, ...], str, str]  # (rule names, dialect, platform)
_SLACK = 1_000  # texts kept beyond twice those in use before the set of clean ones is pruned


@dataclass
class CheckResult:
    findings: list[Finding]
    rule_errors: list[RuleError]


def select_rules(config: Config, select: Iterable[str] = (), ignore: Iterable[str] = ()) -> list[Rule]:
    """The rules to run: the config's levels, narrowed by ``--select`` and ``--ignore``."""
    chosen, dropped = set(select), set(ignore)
    rules = []
    for cls in RULE_CLASSES:
        if chosen and cls.name not in chosen:
            continue
        if cls.name in dropped:
            continue
        default = cls.severity if cls.enabled_by_default else "off"
        if config.level(cls.name, default) == "off":
            continue
        rules.append(cls())
    return rules


def check(
    documents: Sequence[Document],
    config: Config,
    *,
    workspace: WorkspaceIndex | None = None,
    select: Iterable[str] = (),
    ignore: Iterable[str] = (),
    baselines: Sequence[Baseline] = (),
    read_text: Callable[[Path], str | None] | None = None,
    statements: StatementResults | None = None,
    schemas: Schemas | None = None,
) -> CheckResult:
    """Run the rules over documents that share one config, then apply levels and suppressions.

    ``statements``: what the statement-local rules found in the last check of these documents;
    ``schemas``: the schemas it built, which this check takes over.
    """
    rules = select_rules(config, select, ignore)
    migrations = [m for d in documents for m in d.migrations]
    findings: list[Finding] = []
    errors: list[RuleError] = []
    if statements is not None:
        statements.start()
    contexts: dict[tuple[int, ...], Context] = {}  # scopes that see the same literals share one context and its schemas
    for scope, group in _by_scope(rules, config).items():
        scoped = [m for m in migrations if _in_scope(m, scope)]
        key = tuple(map(id, scoped))
        if key not in contexts:
            contexts[key] = Context(scoped, config, workspace, baselines, schemas=schemas)
        local = [r for r in group if r.statement_local]
        if statements is not None and local:
            found, failed = statements.run(contexts[key], local)
            findings += found
            errors += failed
            group = [r for r in group if not r.statement_local]
        found, failed = run_rules(contexts[key], group)
        findings += found
        errors += failed
    # Where the edits go is known once they are built: they are judged then.
    refusals = {r.name: partial(_refused, migrations, r.fix_dialects) for r in rules}
    broken = [m for m in migrations if not m.parses]  # most checks have none to judge findings by
    for f in findings:
        if f.fix is None:
            continue
        if not broken or all(m.fixable_at(f) for m in broken):
            f.fix.refuse_if(refusals[f.rule])
        else:
            f.fix = None
    active = {r.name for r in rules}
    # Rules only `verify` reports never run here, so their suppressions are not idle here.
    ran = {r.name for r in rules if r.reported_by == "check"}
    findings = settle(findings, documents, config, ran, suppress.UNUSED in active, read_text)
    if statements is not None:
        statements.finish()
    return CheckResult(findings, errors)


def _refused(migrations: list[Migration], dialects: frozenset[str], edits: Edits) -> bool:
    """Would ``edits`` write where no fix may, or SQL of a rule written for other dialects
    into a literal of this one?"""
    return not all(m.can_make(edits) and (m.dialect in dialects or not any(map(m.holds, edits))) for m in migrations)


def _by_scope(rules: Sequence[Rule], config: Config) -> dict[tuple[bool, bool], list[Rule]]:
    """Rules grouped by the literals they see: (PostgreSQL only, Supabase only)."""
    groups: dict[tuple[bool, bool], list[Rule]] = {}
    for rule in rules:
        # A level set in the config switches a Supabase rule on for plain PostgreSQL too.
        supabase = rule.supabase_only and rule.name not in config.rules
        groups.setdefault((rule.postgres_only, supabase), []).append(rule)
    return groups


def _in_scope(m: Migration, scope: tuple[bool, bool]) -> bool:
    postgres, supabase = scope
    return (not postgres or m.dialect == "postgres") and (not supabase or m.platform == "supabase")


def settle(
    findings: list[Finding],
    documents: Sequence[Document],
    config: Config,
    ran: set[str],
    report_unused: bool,
    read_text: Callable[[Path], str | None] | None = None,
) -> list[Finding]:
    """Findings of the rules that ``ran``, with the config's levels, less those suppressions hide, sorted."""
    if config.rules:  # most configs set no level: a keystroke's thousand findings keep their rules'
        for f in findings:
            f.severity = config.level(f.rule, f.severity)  # type: ignore[assignment]
    sups = [s for d in documents for s in suppress.suppressions(d)]
    # Findings in code files without a literal (cross-file rules) honour `//` comments too.
    seen = {d.path for d in documents}
    for path in dict.fromkeys(p for p in _path_objects(findings) if p not in seen):
        text = read_text(path) if read_text is not None else None
        if text is not None and suppress.marked(text):  # most hold none: no document is made for them
            sups.extend(suppress.suppressions(Document(path, text, [], [])))
    findings = suppress.apply(findings, sups, RULES, ran)
    rules = set(map(attrgetter("rule"), findings))  # a pass in C over a keystroke's thousand findings
    if not rules <= ran:
        findings = [f for f in findings if f.rule in ran or (f.rule == suppress.UNUSED and report_unused)]
    if suppress.UNUSED in rules:
        for f in findings:
            if f.rule == suppress.UNUSED:
                f.severity = config.level(f.rule, "info")  # type: ignore[assignment]
    # In Finding.order, without a call per finding: by place, then (stable) by file if there are several.
    findings.sort(key=attrgetter("start", "end", "rule"))
    names = {id(p): str(p) for p in _path_objects(findings)}
    if len(set(names.values())) > 1:
        by_name = map(names.__getitem__, map(id, map(attrgetter("path"), findings)))
        findings = list(map(itemgetter(1), sorted(zip(by_name, findings), key=itemgetter(0))))
    return findings


def _path_objects(findings: list[Finding]) -> Iterable[Path]:
    """The distinct path objects of ``findings``, by identity: a few objects, each hashed once,
    not once per finding."""
    paths = list(map(attrgetter("path"), findings))
    return dict(zip(map(id, paths), paths)).values()


@dataclass
class ProjectResult:
    findings: list[Finding]
    notices: list[FileNotice]  # what the check itself has to say: rules that raised
    rule_errors: list[RuleError]


def check_project(
    project: Project,
    *,
    select: Iterable[str] = (),
    ignore: Iterable[str] = (),
    baselines: Sequence[Baseline] = (),
    statements: StatementResults | None = None,
) -> ProjectResult:
    """Check every document of a project; the project itself is left as it is. ``statements``:
    kept from the last check of the project, for one that follows an edit (see :class:`StatementResults`)."""
    result = check(
        list(project.documents.values()),
        project.config,
        workspace=project.index,
        select=select,
        ignore=ignore,
        baselines=baselines,
        read_text=project.texts.get,
        statements=statements,
        schemas=_schemas.setdefault(project, Schemas()),
    )
    where = project.config.source or project.config.root
    notices = [FileNotice(where, f"rule {e.rule} failed: {e.message}") for e in result.rule_errors]
    # Only what differs from the rulebook's PostgreSQL on Supabase: that one goes without saying.
    for document in project.documents.values():
        for m in document.migrations:
            if (m.dialect, m.platform) != (DEFAULT_DIALECT, DEFAULT_PLATFORM):
                notices.append(FileNotice(m.path, f"checked as {describe(m.dialect, m.platform)}{_SCOPE[m.dialect]}", m.literal.doc_start))
    return ProjectResult(result.findings, notices, result.rule_errors)


# The schemas each project's last check built: its next check, after an edit, builds on them.
_schemas: weakref.WeakKeyDictionary[Project, Schemas] = weakref.WeakKeyDictionary()

# What a user needs to know about the rules that do not run.
_SCOPE = {
    "postgres": ": row level security and policies are not checked unless [rules] sets their level",
    "sqlite": ": the PostgreSQL-only rules do not run",
    "mysql": ": the PostgreSQL-only rules do not run",
}


def needs_baseline(project: Project, select: Iterable[str] = (), ignore: Iterable[str] = ()) -> bool:
    """Does a rule that compares with a baseline run on this project?"""
    return bool(project.documents) and any(r.needs_baseline for r in select_rules(project.config, select, ignore))


def project_baselines(project: Project, ref: str | None = None) -> list[Baseline]:
    """The baselines of a project's documents; what the user should know goes to its notices."""
    loaded = load_baselines(project.config, project.documents, ref, current=project.documents)
    for path, message in loaded.notes(BASELINE_RULES):
        if FileNotice(path, message) not in project.notices:  # --check --verify loads them twice
            project.notices.append(FileNotice(path, message))
    return loaded.baselines


# In registry order: the note that says they did not run names them.
BASELINE_RULES = tuple(cls.name for cls in RULE_CLASSES if cls.needs_baseline)


def load_projects(
    paths: Iterable[Path],
    extra_names: tuple[str, ...] = (),
    progress: Callable[[int, int], None] | None = None,
    *,
    config_file: Path | None = None,
    texts: Mapping[Path, str] | None = None,
    facts: FileFacts | None = None,
    workers: int = 1,
) -> list[Project]:
    """The projects under ``paths``, their configs checked against the registered rules.

    ``config_file``: the one config for every file (``--config``), its paths relative to the
    working directory; unlike a config that is found, one that cannot be used raises
    :class:`ConfigError` instead of falling back to the defaults: the user asked for it by name.
    ``texts``: what an editor holds of some files, read instead of the disk's text; ``facts``:
    what an earlier reading of them found, reused where a file is unchanged.
    ``workers``: processes that read a large workspace (see :func:`workspace_projects`).
    """
    config = None if config_file is None else load_config_file(config_file, root=Path.cwd(), rule_names=RULE_NAMES)
    return workspace_projects(paths, extra_names, progress, rule_names=RULE_NAMES, one_config=config, texts=texts, facts=facts, workers=workers)


RULE_NAMES = frozenset(RULES)
