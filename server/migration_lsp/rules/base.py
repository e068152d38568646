"""What a rule is and what it returns. Rules know nothing of LSP or of the command line."""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from functools import cached_property
from itertools import compress
from typing import ClassVar, Iterable, Iterator, Literal, Sequence

from migration_lsp.config import Config
from migration_lsp.findings import Finding, Severity
from migration_lsp.migration import ByText, Migration
from migration_lsp.model.baseline import Baseline
from migration_lsp.model.build import Schemas, build_schema
from migration_lsp.model.schema import Schema
from migration_lsp.sql.facts import Statement
from migration_lsp.workspace.index import WorkspaceIndex

# How often the rule's findings carry a fix, and whether those fixes are safe; each Fix
# carries its own safety (a rule whose fix is safe in one case and not in another says so).
FixSafety = Literal["safe", "unsafe", "sometimes", "none"]
# Who reports a rule's findings: its own check, the suppression pass, or verify on PostgreSQL.
ReportedBy = Literal["check", "suppressions", "verify"]


def executed_in(m: Migration, selectors: Iterable[object]) -> Iterator[Statement]:
    """What the top-level statements of ``m`` that ``selectors`` picks (as ``itertools.compress``
    does) execute, in order: each, then the statements it nests."""
    for top in compress(m.statements, selectors):
        yield top
        yield from top.nested()


@dataclass(eq=False)
class Context:
    """What rules read: every migration in scope, and the workspace around them."""

    migrations: Sequence[Migration]
    config: Config
    workspace: WorkspaceIndex | None = None
    baselines: Sequence[Baseline] = ()  # what older databases were built from
    # A statement-local rule's view of one top-level statement of the one migration: the
    # statements it executes are all that :meth:`executed` yields.
    statement: Statement | None = None
    # The schemas the last check of these migrations built, for this one to build on (see
    # :class:`Schemas`); None: built from scratch.
    schemas: Schemas | None = None

    def executed(self, within: ByText[bool] | None = None) -> Iterator[tuple[Migration, Statement]]:
        """Every statement every migration executes, with its migration; with ``within``, those
        of the top-level statements it says True of (a superset of where the rule finds something)."""
        for m in self.migrations:
            if self.statement is not None:
                yield m, self.statement
                for st in self.statement.nested():
                    yield m, st
                continue
            for st in m.all_statements() if within is None else executed_in(m, within.each(m)):
                yield m, st

    @cached_property
    def schema(self) -> Schema:
        return self._build(None)

    @cached_property
    def upgrades(self) -> list[tuple[Baseline, Schema]]:
        """Each baseline with the schema of a database built from it, then migrated by this check's
        migrations: built once for the rules that compare with it, and let go with the check."""
        return [(b, self._build(b.schema)) for b in self.baselines]

    def _build(self, over: Schema | None) -> Schema:
        if self.schemas is None:
            return build_schema(self.migrations, over)
        return self.schemas.build(self.migrations, over)


@dataclass(frozen=True)
class RuleDoc:
    summary: str
    sections: dict[str, str]


class Rule:
    """A check. Subclasses set the class attributes and implement :meth:`check`.

    The class docstring is the rule's documentation, with the sections ``What it does``,
    ``Why is this bad?``, ``Example``, ``Use instead`` and ``Fix safety``; ``docs/rules``
    is generated from it.
    """

    name: ClassVar[str]
    severity: ClassVar[Severity]
    fix: ClassVar[FixSafety] = "none"
    enabled_by_default: ClassVar[bool] = True
    # Cross-file rules read the workspace index and run once per workspace.
    needs_workspace: ClassVar[bool] = False
    # Rules that compare with a baseline: without one they stay silent, and a note says why.
    needs_baseline: ClassVar[bool] = False
    # Rules that read only what :meth:`Context.executed` yields (each statement, the statements
    # a DO block nests, the literal's dialect), never another top-level statement or the schema:
    # whether they find anything in a statement follows from its text. The server's checks run
    # them only on the statements an edit made and on those where they found something.
    statement_local: ClassVar[bool] = False
    reported_by: ClassVar[ReportedBy] = "check"
    # Rules about PostgreSQL features see only PostgreSQL literals; rules about Supabase's
    # public API see only literals on Supabase, unless the config sets their level.
    postgres_only: ClassVar[bool] = False
    supabase_only: ClassVar[bool] = False
    # The dialects whose syntax the rule's fixes are written for: in a literal of another
    # dialect its findings are reported without a fix.
    fix_dialects: ClassVar[frozenset[str]] = frozenset({"postgres"})

    def check(self, ctx: Context) -> Iterable[Finding]:
        raise NotImplementedError

    @classmethod
    def doc(cls) -> RuleDoc:
        text = inspect.cleandoc(cls.__doc__ or "")
        summary, _, rest = text.partition("\n\n")
        sections: dict[str, str] = {}
        current = None
        lines: list[str] = []
        for line in rest.splitlines():
            if line.startswith("## "):
                if current is not None:
                    sections[current] = "\n".join(lines).strip()
                current, lines = line[3:].strip(), []
            else:
                lines.append(line)
        if current is not None:
            sections[current] = "\n".join(lines).strip()
        return RuleDoc(summary.strip(), sections)
