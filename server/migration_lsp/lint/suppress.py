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

from migration_lsp.findings import Finding
from migration_lsp.migration import Document, Migration
from migration_lsp.positions import LineIndex

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


def marked(text: str) -> bool:
    """``MARKER in text``, sooner on a long migration: ``in`` steps through all of it a few
    characters at a time on every keystroke, while ``find`` jumps (memchr) from one ':' to the
    next, and SQL holds few (the marker ends with one). A step from colon to colon costs what
    ``in`` costs on a kilobyte: past as many colons as the text has kilobytes, ``in`` goes on."""
    at = text.find(":", len(MARKER) - 1)
    for _ in range(len(text) >> 10):
        if at == -1:
            return False
        if text.startswith(MARKER, at - len(MARKER) + 1):
            return True
        at = text.find(":", at + 1)
    return at != -1 and text.find(MARKER, at - len(MARKER) + 1) != -1


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
    lit, sql = m.literal, m.sql
    if not marked(sql):  # asked on every keystroke of a migration with a thousand comments
        return
    for c in m.comments:
        text = sql[c.start : c.end]
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
        span = _statements_for(m, c.start, c.end)
        if span is not None:
            start, end = lit.doc_span(*span)
            yield Suppression(m.path, frozenset(rules), start, end, c_start, c_end)
        else:
            yield Suppression(m.path, frozenset(rules), c_start, c_start, c_start, c_end)


def _statements_for(m: Migration, c_start: int, c_end: int) -> tuple[int, int] | None:
    """The SQL span of the statements a comment applies to: those that start on its line when
    it trails or leads code, else those on the line below it (past other comment lines, so
    that suppressions can be stacked)."""
    sql = m.sql
    eol = sql.find("\n", c_end)
    alone = not sql[m.line_start(c_start) : c_start].strip() and not sql[c_end : len(sql) if eol == -1 else eol].strip()
    line = _code_line_below(m, c_end) if alone else m.sql_line(c_start)
    if line is None:
        return None
    spans = [(st.start, st.end) for st in m.statements if m.sql_line(st.start) == line]
    if not spans:
        return None
    return spans[0][0], spans[-1][1]


def _code_line_below(m: Migration, offset: int) -> int | None:
    """The first line after ``offset``'s that holds more than comments."""
    sql = m.sql
    comments = {c.start: c for c in m.comments}
    while True:
        nl = sql.find("\n", offset)
        if nl == -1:
            return None
        pos = nl + 1
        while pos < len(sql) and sql[pos] in " \t":
            pos += 1
        comment = comments.get(pos)
        if comment is None:
            return m.sql_line(pos)
        eol = sql.find("\n", comment.end)
        if sql[comment.end : len(sql) if eol == -1 else eol].strip():
            return m.sql_line(pos)
        offset = comment.end


def _code_suppressions(doc: Document) -> Iterable[Suppression]:
    if not marked(doc.text):
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
        while target < len(lines.starts) and lines.line_text(target).lstrip().startswith("//"):
            target += 1  # stacked comments apply to the first line of code below them
        if target >= len(lines.starts):
            continue
        if target in declarations:
            m = declarations[target]
            start, end = m.literal.declaration_start, m.literal.doc_end
        else:
            start = lines.starts[target]
            end = start + len(lines.line_text(target))
        yield Suppression(doc.path, frozenset(parsed[1]), start, end, comment_start, comment_end)


def apply(findings: list[Finding], sups: list[Suppression], known_rules: Iterable[str], ran: Iterable[str]) -> list[Finding]:
    """Drop hidden findings; add an ``unused-suppression`` finding for each idle comment.

    Only rules that ran (``ran``) can leave a suppression idle: a comment for a rule that is
    switched off or not selected may be needed again when it is back on.
    """
    if not sups:  # most checks: nothing is hidden, and no comment is idle
        return list(findings)
    known, active = set(known_rules), set(ran)
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
        elif not s.rules:
            if s.used:
                continue
            message = "this suppression of any rule hides nothing; remove it"
        else:
            idle = sorted((s.rules & active) - s.used)
            if not idle:
                continue
            if len(idle) == len(s.rules):
                message = f"this suppression of {', '.join(idle)} hides nothing; remove it"
            else:
                those = "that rule" if len(idle) == 1 else "those rules"
                message = f"this suppression of {', '.join(idle)} hides nothing for {those}; remove {'it' if len(idle) == 1 else 'them'} from the comment"
        kept.append(Finding(UNUSED, message, s.path, s.comment_start, s.comment_end, severity="info"))
    return kept
