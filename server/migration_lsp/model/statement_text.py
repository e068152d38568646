"""What the schema builder reads from a statement's text beyond the analyser's facts: the
comment above a table, a publication's tables, a trigger's function, a function's signature."""

from __future__ import annotations

import bisect
import re

from migration_lsp.migration import Migration
from migration_lsp.model.names import canonical
from migration_lsp.sql.facts import Name, Statement
from migration_lsp.sql.tokens import PUNCT, STRING, Tok, TokenError, tokenize

# A `--` line right above a CREATE TABLE that heads a section ("-- 1. Core tables",
# "-- ====") rather than describing the table.
_SECTION_HEADING = re.compile(r"^(\d+[.)]|#|=+$|-+$|\*+$)")


def purpose(m: Migration, st: Statement) -> str | None:
    """The `--` lines directly above the statement (no blank line between), minus section headings."""
    top = st.top
    comments = m.comments
    i = bisect.bisect_left(m.comment_starts, top.start) - 1
    lines: list[str] = []
    boundary = top.start
    while i >= 0:
        c = comments[i]
        between = m.sql[c.end : boundary]
        if not c.line or between.strip() or between.count("\n") > 1:
            break
        lines.append(m.sql[c.start + 2 : c.end].strip())
        boundary = c.start
        # Only a comment alone on its line describes what follows.
        if m.sql[m.line_start(c.start) : c.start].strip():
            lines.pop()
            break
        i -= 1
    kept = [t for t in reversed(lines) if t and not _SECTION_HEADING.match(t) and "migration-lsp:" not in t]
    return " ".join(kept) or None


def tokens(text: str) -> list[Tok]:
    try:
        return tokenize(text)
    except TokenError:
        return []


def _name_at(toks: list[Tok], j: int) -> tuple[Name, int] | None:
    """A possibly qualified name starting at token ``j``, and the index after it."""
    if j >= len(toks) or not toks[j].is_name:
        return None
    parts = [toks[j].ident]
    j += 1
    while j + 1 < len(toks) and toks[j].kind == PUNCT and toks[j].value == "." and toks[j + 1].is_name:
        parts.append(toks[j + 1].ident)
        j += 2
    return Name(parts[-1], parts[-2] if len(parts) > 1 else None), j


def table_list(toks: list[Tok]) -> list[Name]:
    """The tables of ``… TABLE [ONLY] a, b`` in a publication statement."""
    at = next((j for j, t in enumerate(toks) if t.is_word("TABLE")), None)
    if at is None:
        return []
    names: list[Name] = []
    j = at + 1
    while j < len(toks):
        if toks[j].is_word("ONLY"):
            j += 1
        named = _name_at(toks, j)
        if named is None:
            break
        names.append(canonical(named[0]))
        j = named[1]
        # skip a column list or row filter up to the next comma
        depth = 0
        while j < len(toks) and not (depth == 0 and toks[j].kind == PUNCT and toks[j].value == ","):
            if toks[j].kind == PUNCT and toks[j].value == "(":
                depth += 1
            elif toks[j].kind == PUNCT and toks[j].value == ")":
                depth -= 1
            j += 1
        j += 1
        if j < len(toks) and toks[j].is_word("TABLE"):
            j += 1
    return names


def trigger_function(text: str) -> Name | None:
    toks = tokens(text)
    for j, t in enumerate(toks):
        if t.is_word("EXECUTE") and j + 1 < len(toks) and toks[j + 1].is_word("FUNCTION", "PROCEDURE"):
            named = _name_at(toks, j + 2)
            return canonical(named[0]) if named else None
    return None


_FUNCTION_OPTIONS = frozenset(
    {
        "AS",
        "LANGUAGE",
        "IMMUTABLE",
        "STABLE",
        "VOLATILE",
        "SECURITY",
        "SET",
        "STRICT",
        "CALLED",
        "PARALLEL",
        "COST",
        "ROWS",
        "WINDOW",
        "LEAKPROOF",
        "NOT",
        "BEGIN",
        "RETURN",
        "TRANSFORM",
        "SUPPORT",
        "EXTERNAL",
    }
)


def signature(text: str, after_name: int) -> tuple[str, str | None, str | None]:
    """Arguments, return type and language of a ``CREATE FUNCTION``."""
    toks = [t for t in tokens(text) if t.start >= after_name]
    arguments = ""
    j = 0
    if toks and toks[0].kind == PUNCT and toks[0].value == "(":
        depth = 0
        for k, t in enumerate(toks):
            if t.kind == PUNCT and t.value == "(":
                depth += 1
            elif t.kind == PUNCT and t.value == ")":
                depth -= 1
                if depth == 0:
                    arguments = text[toks[0].end : t.start].strip()
                    j = k + 1
                    break
    returns = language = None
    k = j
    while k < len(toks):
        t = toks[k]
        if t.is_word("RETURNS"):
            first = k + 1
            k = first
            while k < len(toks) and not (toks[k].kind == "word" and toks[k].value in _FUNCTION_OPTIONS):
                if toks[k].kind == STRING:
                    break
                k += 1
            if k > first:
                returns = text[toks[first].start : toks[k - 1].end]
            continue
        if t.is_word("LANGUAGE") and k + 1 < len(toks):
            language = toks[k + 1].ident
        k += 1
    return arguments, returns, language
