"""Suppression comments, and the findings they hide.

- SQL: ``-- migration-lsp: ignore RULE[, RULE] -- reason`` on a statement's first line or
  on the line above it; ``-- migration-lsp: ignore-file RULE`` for the whole literal.
- TypeScript: ``// migration-lsp: ignore RULE`` on the line above a declaration (the whole
  declaration) or above any other line (that line).

A suppression that hides nothing is itself reported, as ``unused-suppression``.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable

from migration_lsp.engine import Document, Migration
from migration_lsp.positions import LineIndex
from migration_lsp.rules.base import Finding
from migration_lsp.sql.facts import Statement

MARKER = "migration-lsp:"
UNUSED = "unused-suppression"


@dataclass(eq=False)
class Suppression:
    path: Path
    rules: frozenset[str]  # empty: every rule
    start: int  # the document range whose findings it hides
    end: int
    comment_start: int  # the comment itself, where an unused one is reported
    comment_end: int
    used: set[str] = field(default_factory=set)

    def hides(self, f: Finding) -> bool:
        if f.path != self.path or f.rule == UNUSED:
            return False
        if self.rules and f.rule not in self.rules:
            return False
        return self.start <= f.start and f.end <= self.end


def _parse(comment: str) -> tuple[str, list[str]] | None:
    """``ignore a, b -- reason`` → ("ignore", ["a", "b"])."""
    body = comment.split(MARKER, 1)[1].strip()
    verb, _, rest = body.partition(" ")
    if verb not in ("ignore", "ignore-file"):
        return None
    rest = rest.split("--", 1)[0]
    return verb, [r.strip() for r in rest.replace(",", " ").split() if r.strip()]


def suppressions(doc: Document) -> list[Suppression]:
    out: list[Suppression] = []
    for m in doc.migrations:
        out.extend(_sql_suppressions(m))
    out.extend(_code_suppressions(doc))
    return out


def _sql_suppressions(m: Migration) -> Iterable[Suppression]:
    lit = m.literal
    for c in m.comments:
        text = m.sql[c.start : c.end]
        if MARKER not in text:
            continue
        parsed = _parse(text.strip("-/* \t"))
        if parsed is None:
            continue
        verb, rules = parsed
        c_start, c_end = lit.doc_span(c.start, c.end)
        if verb == "ignore-file":
            yield Suppression(m.path, frozenset(rules), lit.doc_start, lit.doc_end, c_start, c_end)
            continue
        target = _statement_for(m, c.start, c.end)
        if target is not None:
            start, end = lit.doc_span(target.start, target.end)
            yield Suppression(m.path, frozenset(rules), start, end, c_start, c_end)
        else:
            yield Suppression(m.path, frozenset(rules), c_start, c_start, c_start, c_end)


def _statement_for(m: Migration, c_start: int, c_end: int) -> Statement | None:
    """The statement whose first line holds the comment, or, for a comment alone on its
    line(s), the statement on the next line."""
    line = m.sql_line(c_start)
    below = m.sql_line(max(c_end - 1, c_start)) + 1
    alone = not m.sql[m.line_start(c_start) : c_start].strip()
    for st in m.statements:
        first = m.sql_line(st.start)
        if first == line or (alone and first == below):
            return st
        if first > below:
            break
    return None


def _code_suppressions(doc: Document) -> Iterable[Suppression]:
    if MARKER not in doc.text:
        return
    lines = LineIndex(doc.text)
    declarations = {lines.line_of(m.literal.declaration_start): m for m in doc.migrations}
    for number in range(len(lines.starts)):
        text = lines.line_text(number)
        stripped = text.lstrip()
        if not stripped.startswith("//") or MARKER not in stripped:
            continue
        parsed = _parse(stripped[2:])
        if parsed is None or parsed[0] != "ignore":
            continue
        comment_start = lines.starts[number] + (len(text) - len(stripped))
        comment_end = lines.starts[number] + len(text)
        target = number + 1
        if target >= len(lines.starts):
            continue
        if target in declarations:
            m = declarations[target]
            start, end = m.literal.declaration_start, m.literal.doc_end
        else:
            start = lines.starts[target]
            end = start + len(lines.line_text(target))
        yield Suppression(doc.path, frozenset(parsed[1]), start, end, comment_start, comment_end)


def apply(findings: list[Finding], sups: list[Suppression], known_rules: Iterable[str]) -> list[Finding]:
    """Drop hidden findings; add an ``unused-suppression`` finding for each idle comment."""
    known = set(known_rules)
    kept: list[Finding] = []
    for f in findings:
        hidden = False
        for s in sups:
            if s.hides(f):
                s.used.add(f.rule)
                hidden = True
        if not hidden:
            kept.append(f)
    for s in sups:
        unknown = sorted(r for r in s.rules if r not in known)
        if unknown:
            message = f"unknown rule {', '.join(unknown)} in suppression comment"
        elif not s.used:
            named = ", ".join(sorted(s.rules)) or "any rule"
            message = f"this suppression of {named} hides nothing; remove it"
        else:
            idle = sorted(s.rules - s.used)
            if not idle:
                continue
            message = f"this suppression of {', '.join(idle)} hides nothing for that rule; remove it from the comment"
        kept.append(Finding(UNUSED, message, s.path, s.comment_start, s.comment_end, severity="info"))
    return kept
