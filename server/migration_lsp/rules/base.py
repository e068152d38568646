"""What a rule is and what it returns. Rules know nothing of LSP or of the command line."""

from __future__ import annotations

import inspect
from dataclasses import dataclass
from typing import TYPE_CHECKING, ClassVar, Iterable, Literal

from migration_lsp.findings import Finding, Severity

if TYPE_CHECKING:
    from migration_lsp.migration import Context

FixSafety = Literal["safe", "unsafe", "none"]


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

