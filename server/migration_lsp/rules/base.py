"""What a rule is and what it returns. Rules know nothing of LSP or of the command line."""

from __future__ import annotations

import inspect
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, Iterable, Literal

if TYPE_CHECKING:
    from migration_lsp.engine import Context

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[str, ...] = ("error", "warning", "info")
FixSafety = Literal["safe", "unsafe", "none"]


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace ``path``'s text from ``start`` to ``end`` (document offsets) with ``new_text``."""

    path: Path
    start: int
    end: int
    new_text: str


@dataclass(frozen=True, slots=True)
class Fix:
    title: str
    edits: tuple[Edit, ...]
    safe: bool = True  # safe fixes are applied by --fix and "fix all"


@dataclass(slots=True)
class Finding:
    rule: str
    message: str
    path: Path
    start: int  # document offsets
    end: int
    fix: Fix | None = None
    severity: Severity = "error"  # set from the rule's default and the project's config

    def order(self) -> tuple[str, int, int, str]:
        """Where a report lists it: by file, then place, then rule."""
        return (str(self.path), self.start, self.end, self.rule)


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
    # Rules about PostgreSQL features see only PostgreSQL literals; rules about Supabase's
    # public API see only literals on Supabase, unless the config sets their level.
    postgres_only: ClassVar[bool] = False
    supabase_only: ClassVar[bool] = False

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


@dataclass
class RuleError:
    """A rule that raised: reported, never fatal."""

    rule: str
    message: str
    details: str = field(default="", repr=False)
