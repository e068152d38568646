"""What every layer reports: findings, their fixes and the edits a fix makes.

Leaf data, in document offsets (see :mod:`migration_lsp.positions`); rules build them,
reporters show them.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[str, ...] = ("error", "warning", "info")


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


@dataclass
class RuleError:
    """A rule that raised: reported, never fatal."""

    rule: str
    message: str
    details: str = field(default="", repr=False)
