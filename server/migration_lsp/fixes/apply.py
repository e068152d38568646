"""Apply edits to text; ``workspace.write`` writes the result back."""

from __future__ import annotations

from pathlib import Path
from typing import Iterable

from migration_lsp.findings import Edit, Finding

# How text that starts on a line of its own begins, in a template or escaped in a quoted string.
_NEW_LINE = ("\n", "\r\n", "\\n", "\\r\\n")


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """Apply edits that do not overlap (see :func:`plan_safe_fixes`), last first; insertions at
    one point end up in the order given."""
    ordered = sorted(enumerate(edits), key=lambda ie: (ie[1].start, ie[1].end, ie[0]), reverse=True)
    for _, e in ordered:
        text = text[: e.start] + e.new_text + text[e.end :]
    return text


def _overlap(a: Edit, b: Edit) -> bool:
    if a.path != b.path:
        return False
    if a.start == a.end and b.start == b.end:
        return a.start == b.start
    return a.start < b.end and b.start < a.end or (a.start == a.end and b.start < a.start < b.end) or (b.start == b.end and a.start < b.start < a.end)


def _same_point(a: Edit, b: Edit) -> bool:
    return a.path == b.path and a.start == a.end == b.start == b.end


def plan_safe_fixes(findings: Iterable[Finding]) -> dict[Path, list[Edit]]:
    """The edits of every safe fix, by file, so that one pass makes them all; a fix goes in
    whole or not at all, and no two planned edits touch or insert at one point.

    Insertions at one point become one edit. Those of one fix keep its order. Those of
    several fixes are joined only when each later one starts on a line of its own (the
    statements fixes add after one statement, the entries they add to one constant): each
    goes after the ones before it, in the findings' order. Any other clash (two insertions
    whose order would be a guess, edits that overlap) waits for the next pass, and the same
    edit offered by several findings (a scaffold named at every reference) is made once.
    """
    made: set[Edit] = set()
    planned: list[Edit] = []
    for f in sorted(findings, key=Finding.order):
        if f.fix is None or not f.fix.safe:
            continue
        edits = [e for e in f.fix.edits if e not in made]
        if any(_overlap(e, p) and not (_same_point(e, p) and e.new_text.startswith(_NEW_LINE)) for e in edits for p in planned):
            continue
        for e in edits:
            made.add(e)
            at = next((i for i, p in enumerate(planned) if _same_point(p, e)), None)
            if at is None:
                planned.append(e)
            else:
                planned[at] = Edit(e.path, e.start, e.end, planned[at].new_text + e.new_text)
    by_file: dict[Path, list[Edit]] = {}
    for e in planned:
        by_file.setdefault(e.path, []).append(e)
    return by_file
