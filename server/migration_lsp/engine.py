"""The one pipeline both reporters share: document → literals → statements → rules → findings.

Each stage is cached by content: a document's literals by its text, a statement's facts by
the statement's text (see :mod:`migration_lsp.sql.analyze`).
"""

from __future__ import annotations

import bisect
import logging
import traceback
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Sequence

from migration_lsp.config import Config
from migration_lsp.dialect import detect_dialect, detect_platform
from migration_lsp.locate.typescript import PLACEHOLDER, MigrationLiteral, Notice, find_literals
from migration_lsp.rules.base import Edit, Finding, Fix, Rule, RuleError
from migration_lsp.sql.analyze import analyze
from migration_lsp.sql.facts import Statement
from migration_lsp.sql.split import Comment, split

if TYPE_CHECKING:
    from migration_lsp.baseline import Baseline
    from migration_lsp.model.schema import Schema
    from migration_lsp.workspace.index import WorkspaceIndex

log = logging.getLogger(__name__)


@dataclass(eq=False)
class Migration:
    """One literal, split and analysed."""

    path: Path
    text: str  # the whole document
    literal: MigrationLiteral
    statements: list[Statement]
    comments: list[Comment]
    # Edits this literal cannot hold (a backtick in String.raw, a span over a `+`): never offered.
    unwritable: set[Edit] = field(default_factory=set, repr=False)
    dialect: str = "postgres"  # set by `check` from the config and the evidence (see `dialect`)
    platform: str = "supabase"

    @property
    def sql(self) -> str:
        return self.literal.sql

    def all_statements(self) -> Iterator[Statement]:
        """Every statement the migration executes, DO-block bodies included, in order."""
        for st in self.statements:
            yield st
            yield from st.nested()

    def finding(self, rule: str, message: str, start: int, end: int, fix: Fix | None = None) -> Finding:
        doc_start, doc_end = self.literal.doc_span(start, end)
        # Users know their `${…}`, not the placeholder that stood in for it.
        return Finding(rule, self.as_written(message), self.path, doc_start, doc_end, fix)

    def as_written(self, text: str) -> str:
        """``text`` with each placeholder back as the ``${…}`` it stands for in this literal."""
        return PLACEHOLDER.sub(lambda p: self._substitution(int(p.group(1))), text)

    def _substitution(self, n: int) -> str:
        start, end = self.literal.substitutions[n]
        return self.text[self.literal.source_map.to_doc(start) : self.literal.source_map.to_doc_end(end)]

    def edit(self, start: int, end: int, sql: str) -> Edit:
        """Replace SQL ``[start, end)`` with ``sql``, escaped for this literal.

        Placeholders copied from the migration's own SQL go back as the `${…}` they stand for.
        """
        doc_start = self.literal.source_map.to_doc(start)
        doc_end = self.literal.source_map.to_doc_end(end) if end > start else doc_start
        parts = []
        last = 0
        writable = not self.literal.spans_parts(start, end)
        for p in PLACEHOLDER.finditer(sql):
            writable = writable and self.literal.can_hold(sql[last : p.start()], start)
            parts.append(self.literal.escape(sql[last : p.start()], start))
            parts.append(self._substitution(int(p.group(1))))
            last = p.end()
        writable = writable and self.literal.can_hold(sql[last:], start)
        parts.append(self.literal.escape(sql[last:], start))
        edit = Edit(self.path, doc_start, doc_end, "".join(parts))
        if not writable:
            self.unwritable.add(edit)
        return edit

    def insert(self, at: int, sql: str) -> Edit:
        return self.edit(at, at, sql)

    @cached_property
    def comment_starts(self) -> list[int]:
        """Where each comment starts, in order: for a bisect, built once per migration."""
        return [c.start for c in self.comments]

    @cached_property
    def _line_starts(self) -> list[int]:
        starts = [0]
        sql = self.sql
        i = sql.find("\n")
        while i != -1:
            starts.append(i + 1)
            i = sql.find("\n", i + 1)
        return starts

    def sql_line(self, offset: int) -> int:
        return bisect.bisect_right(self._line_starts, offset) - 1

    def line_start(self, offset: int) -> int:
        return self._line_starts[self.sql_line(offset)]

    def indentation(self, offset: int) -> str:
        """The white space that starts the SQL line holding ``offset``."""
        start = self.line_start(offset)
        end = start
        while end < len(self.sql) and self.sql[end] in " \t":
            end += 1
        return self.sql[start:end]

    def end_of(self, st: Statement) -> int:
        """Where ``st`` ends, its semicolon included."""
        return st.end + 1 if self.sql.startswith(";", st.end) else st.end

    def broken(self, st: Statement) -> bool:
        """Does PostgreSQL fail to parse the top-level statement that holds ``st``? One that
        holds a ``${…}`` is not judged: only the app knows its text (as for ``syntax-error``)."""
        top = st.top
        return not self.literal.has_substitution(top.start, top.end) and any(f.syntax_error is not None for f in top.fact.walk())

    def fix_allowed(self, finding: Finding) -> bool:
        """A fix is never offered for a statement that does not parse, nor placed in or right
        after one: what the broken text means is unknown, and text added to it stays broken."""
        edits = finding.fix.edits if finding.fix is not None else ()
        if any(e in self.unwritable for e in edits):
            return False
        ours = finding.path == self.path and self.literal.doc_start <= finding.start < self.literal.doc_end
        for st in self.statements:
            if not self.broken(st):
                continue
            start, end = self.literal.doc_span(st.start, self.end_of(st))
            if ours and finding.start <= end and start <= finding.end:
                return False
            if any(e.path == self.path and start < e.end and e.start <= end for e in edits):
                return False
        return True

    def statement_at(self, offset: int) -> Statement | None:
        for st in self.statements:
            if st.start <= offset <= st.end:
                return st
        return None


@dataclass(eq=False)
class Document:
    path: Path
    text: str
    migrations: list[Migration]
    notices: list[Notice]


def parse_document(path: Path, text: str, names: Iterable[str]) -> Document:
    located = find_literals(text, path, frozenset(names))
    migrations = [parse_migration(path, text, lit) for lit in located.literals]
    return Document(path, text, migrations, located.notices)


def parse_migration(path: Path, text: str, lit: MigrationLiteral) -> Migration:
    """One literal of the document ``text``, split and analysed."""
    pieces, comments = split(lit.sql)
    statements = [
        Statement(analyze(lit.sql[p.start : p.end]), p.start, i) for i, p in enumerate(pieces)
    ]
    return Migration(path, text, lit, statements, comments)


@dataclass(eq=False)
class Context:
    """What rules read: every migration in scope, and the workspace around them."""

    migrations: Sequence[Migration]
    config: Config
    workspace: WorkspaceIndex | None = None
    baselines: Sequence[Baseline] = ()  # what older databases were built from

    def executed(self) -> Iterator[tuple[Migration, Statement]]:
        """Every statement every migration executes, with its migration."""
        for m in self.migrations:
            for st in m.all_statements():
                yield m, st

    @cached_property
    def schema(self) -> Schema:
        from migration_lsp.model.schema import build_schema

        return build_schema(self.migrations)

    @cached_property
    def upgrades(self) -> list[tuple[Baseline, Schema]]:
        """Each baseline with the schema of a database built from it, then migrated by this check's
        migrations: built once for the rules that compare with it, and let go with the check."""
        from migration_lsp.model.schema import build_schema

        return [(b, build_schema((*b.migrations, *self.migrations))) for b in self.baselines]


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


@dataclass
class CheckResult:
    findings: list[Finding]
    rule_errors: list[RuleError]


def select_rules(config: Config, select: Iterable[str] = (), ignore: Iterable[str] = ()) -> list[Rule]:
    """The rules to run: the config's levels, narrowed by ``--select`` and ``--ignore``."""
    from migration_lsp.rules.registry import RULE_CLASSES

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
) -> CheckResult:
    """Run the rules over documents that share one config, then apply levels and suppressions."""
    from migration_lsp import suppress
    from migration_lsp.rules.upgrade import VERIFY_RULES

    rules = select_rules(config, select, ignore)
    migrations = [m for d in documents for m in d.migrations]
    for d in documents:
        detect(d, config)
    findings: list[Finding] = []
    errors: list[RuleError] = []
    for scope, group in _by_scope(rules, config).items():
        ctx = Context([m for m in migrations if _in_scope(m, scope)], config, workspace, baselines)
        found, failed = run_rules(ctx, group)
        findings += found
        errors += failed
    for f in findings:
        if f.fix is not None and not all(m.fix_allowed(f) for m in migrations):
            f.fix = None
    active = {r.name for r in rules}
    # Rules only `verify` reports never run here, so their suppressions are not idle here.
    findings = settle(findings, documents, config, active - VERIFY_RULES, suppress.UNUSED in active, read_text)
    return CheckResult(findings, errors)


def detect(document: Document, config: Config) -> None:
    """Set each migration's dialect and platform from the config and the evidence around it."""
    for m in document.migrations:
        m.dialect = detect_dialect(config.dialect, m.path, m.text, m.sql, config.root)
    sqls = [m.sql for m in document.migrations]
    for m in document.migrations:
        m.platform = detect_platform(config.platform, m.dialect, m.path, m.text, sqls, config.root)


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
    from migration_lsp import suppress
    from migration_lsp.rules.registry import RULES

    for f in findings:
        f.severity = config.level(f.rule, f.severity)  # type: ignore[assignment]
    sups = [s for d in documents for s in suppress.suppressions(d)]
    # Findings in code files without a literal (cross-file rules) honour `//` comments too.
    seen = {d.path for d in documents}
    for path in dict.fromkeys(f.path for f in findings if f.path not in seen):
        text = read_text(path) if read_text is not None else None
        if text is not None:
            sups.extend(suppress.suppressions(Document(path, text, [], [])))
    findings = suppress.apply(findings, sups, RULES, ran)
    findings = [f for f in findings if f.rule in ran or (f.rule == suppress.UNUSED and report_unused)]
    for f in findings:
        if f.rule == suppress.UNUSED:
            f.severity = config.level(f.rule, "info")  # type: ignore[assignment]
    findings.sort(key=Finding.order)
    return findings
