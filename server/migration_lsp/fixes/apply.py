"""Apply edits to text; ``workspace.write`` writes the result back."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from migration_lsp.findings import Edit, Finding


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """Apply edits that do not overlap (see :func:`plan_safe_fixes`), last first."""
    for e in sorted(edits, key=lambda e: (e.start, e.end), reverse=True):
        text = text[: e.start] + e.new_text + text[e.end :]
    return text


def _overlap(a: Edit, b: Edit) -> bool:
    if a.path != b.path:
        return False
    if a.start == a.end and b.start == b.end:
        return a.start == b.start  # two insertions at one point: their order would be a guess
    return a.start < b.end and b.start < a.end or (a.start == a.end and b.start < a.start < b.end) or (b.start == b.end and a.start < b.start < a.end)


def plan_safe_fixes(findings: Iterable[Finding]) -> dict[Path, list[Edit]]:
    """The edits of every safe fix, by file; a fix goes in whole or not at all.

    A fix whose edits clash with one already planned waits for the next pass; the same
    edit offered by several findings (a scaffold named at every reference) is made once.
    """
    planned: list[Edit] = []
    for f in findings:
        if f.fix is None or not f.fix.safe:
            continue
        edits = [e for e in f.fix.edits if e not in planned]
        if any(_overlap(e, p) for e in edits for p in planned):
            continue
        planned.extend(edits)
    by_file: dict[Path, list[Edit]] = {}
    for e in planned:
        by_file.setdefault(e.path, []).append(e)
    return by_file
