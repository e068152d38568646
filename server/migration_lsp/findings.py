"""What every layer reports: findings, their fixes and the edits a fix makes.

Leaf data, in document offsets (see :mod:`migration_lsp.positions`); rules build them,
reporters show them.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Literal

Severity = Literal["error", "warning", "info"]
SEVERITIES: tuple[str, ...] = ("error", "warning", "info")

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class Edit:
    """Replace ``path``'s text from ``start`` to ``end`` (document offsets) with ``new_text``."""

    path: Path
    start: int
    end: int
    new_text: str


Edits = tuple[Edit, ...]


class Fix:
    """What a finding offers to do: its title and safety (safe fixes are applied by --fix and
    "fix all"), and its edits.

    The edits may be given as a function that builds them: they are built the first time
    they are read. While typing, every keystroke checks the whole migration again but the
    user asks for one fix at most, and placing a fix's text (its section, its indentation, its
    escaping for the literal) costs more than finding what it fixes. A fix is built from
    the newest check only (the reporters ask a check for its fixes before the next check).
    A fix whose built edits the check refuses (see :meth:`refuse_if`) has none: it offers
    nothing.
    """

    __slots__ = ("title", "safe", "_edits", "_build", "_refused", "_offered")

    def __init__(self, title: str, edits: Edits | Callable[[], Edits], safe: bool = True) -> None:
        self.title = title
        self.safe = safe
        self._edits: Edits | None = None if callable(edits) else edits
        self._build: Callable[[], Edits] | None = edits if callable(edits) else None
        self._refused: Callable[[Edits], bool] | None = None
        self._offered: Edits | None = None  # the edits as the last judge let them

    @property
    def edits(self) -> Edits:
        refused = self._refused
        if refused is None:
            return self._built()
        if self._offered is None:
            try:
                edits = self._built()
            except Exception:
                log.exception("the fix %r could not be built", self.title)
                edits = ()
            self._offered = () if refused(edits) else edits
        return self._offered

    @property
    def built(self) -> bool:
        """Were its edits built? Until they are, it says nothing of the text they go in: a rule
        may offer it again in the next check of the same finding."""
        return self._build is None

    def _built(self) -> Edits:
        if self._edits is None:
            assert self._build is not None
            self._edits, self._build = self._build(), None
        return self._edits

    def refuse_if(self, refused: Callable[[Edits], bool]) -> None:
        """Offer no edit if ``refused`` says so of the edits once they are built, or if building
        them raises: a check judges a fix after its rule ran, where a rule's error is no longer
        caught, and a broken fix must not take the report or the editor down. Judged where the
        fix is, not by a copy of it: a check judges every finding's fix on every keystroke. A
        fix that a rule keeps from one check to the next is judged again by the next."""
        self._refused, self._offered = refused, None

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Fix) and (self.title, self.safe, self.edits) == (other.title, other.safe, other.edits)

    def __hash__(self) -> int:
        return hash((self.title, self.safe, self.edits))

    def __repr__(self) -> str:
        return f"Fix({self.title!r}, safe={self.safe})"


@dataclass(slots=True)
class Finding:
    rule: str
    message: str
    path: Path
    start: int  # document offsets
    end: int
    fix: Fix | None = None
    severity: Severity = "error"  # set from the rule's default and the project's config

    @property
    def offered_fix(self) -> Fix | None:
        """Its fix, if it makes an edit: one the check refused (see :meth:`Fix.refuse_if`) is none."""
        return self.fix if self.fix is not None and self.fix.edits else None

    def order(self) -> tuple[str, int, int, str]:
        """Where a report lists it: by file, then place, then rule."""
        return (str(self.path), self.start, self.end, self.rule)


@dataclass
class RuleError:
    """A rule that raised: reported, never fatal."""

    rule: str
    message: str
    details: str = field(default="", repr=False)
