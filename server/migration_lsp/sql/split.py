"""Cut SQL into top-level statements, the way PostgreSQL's lexer sees them.

A statement ends at a semicolon outside quotes, dollar quotes and comments. Strings
(``'…'``, ``E'…'``), quoted identifiers, ``$tag$`` bodies, ``--`` and nested ``/* */``
comments are skipped whole, so nothing inside them ever becomes a statement or a finding.
Unterminated quotes and comments run to the end of the text; the parser then reports them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Container

_SPECIAL = re.compile(r"""[;'"$]|--|/\*""")
# Any non-ASCII character is a letter to PostgreSQL. Written as a negated ASCII class: a range up to
# U+FFFF costs the regex compiler tens of milliseconds, at every start.
_DOLLAR_TAG = re.compile(r"\$((?:[A-Za-z_]|[^\x00-\x7f])(?:[A-Za-z_0-9]|[^\x00-\x7f])*)?\$")
_BLOCK = re.compile(r"/\*|\*/")
_IDENT_CHAR = re.compile(r"[A-Za-z_0-9$]|[^\x00-\x7f]")


@dataclass(frozen=True, slots=True)
class Piece:
    """One statement: ``sql[start:end]`` is its text without the terminating semicolon."""

    start: int
    end: int
    terminated: bool


@dataclass(frozen=True, slots=True)
class Comment:
    start: int
    end: int
    line: bool  # True for `--`, False for `/* */`


def split(sql: str) -> tuple[list[Piece], list[Comment]]:
    pieces, comments, _ = split_from(sql, 0)
    return pieces, comments


def split_from(sql: str, start: int, resume: Container[int] = ()) -> tuple[list[Piece], list[Comment], list[int]]:
    """Split ``sql`` from ``start`` (0, or just after a semicolon that ends a statement), and
    stop after the first such semicolon at an offset in ``resume``; also the offsets of those
    semicolons passed. After one, the lexer's state is fresh: what follows splits the same
    whatever came before, which lets an edit re-split only from the statement it is in."""
    pieces: list[Piece] = []
    comments: list[Comment] = []
    semicolons: list[int] = []
    seg_start = start
    i = start
    n = len(sql)
    search = _SPECIAL.search
    while True:
        m = search(sql, i)
        if m is None:
            break
        tok = m.group()
        pos = m.start()
        if tok == ";":
            _add(sql, seg_start, pos, True, comments, pieces)
            semicolons.append(pos)
            if pos in resume:
                return pieces, comments, semicolons
            seg_start = i = pos + 1
        elif tok == "'":
            escapes = pos > 0 and sql[pos - 1] in "eE" and (pos < 2 or not _IDENT_CHAR.match(sql[pos - 2]))
            i = _end_of_quote(sql, pos + 1, "'", escapes)
        elif tok == '"':
            i = _end_of_quote(sql, pos + 1, '"', False)
        elif tok == "$":
            tag = _DOLLAR_TAG.match(sql, pos)
            # `$1` is a parameter and `a$b` an identifier: neither opens a dollar quote.
            if tag is None or (pos > 0 and _IDENT_CHAR.match(sql[pos - 1])):
                i = pos + 1
            else:
                close = sql.find(tag.group(), tag.end())
                i = n if close == -1 else close + len(tag.group())
        elif tok == "--":
            eol = sql.find("\n", pos)
            i = n if eol == -1 else eol
            comments.append(Comment(pos, i, True))
        else:
            closed = _end_of_block_comment(sql, pos)
            if closed is None:
                # Unclosed: it stays in the statement, for the parser to report.
                i = n
            else:
                i = closed
                comments.append(Comment(pos, i, False))
    _add(sql, seg_start, n, False, comments, pieces)
    return pieces, comments, semicolons


def _end_of_quote(sql: str, i: int, quote: str, backslash_escapes: bool) -> int:
    n = len(sql)
    while i < n:
        j = sql.find(quote, i)
        if j == -1:
            return n
        if backslash_escapes:
            backslashes = 0
            k = j - 1
            while k >= i and sql[k] == "\\":
                backslashes += 1
                k -= 1
            if backslashes % 2:
                i = j + 1
                continue
        if sql.startswith(quote * 2, j):  # doubled quote is an escaped quote
            i = j + 2
            continue
        return j + 1
    return n


def _end_of_block_comment(sql: str, start: int) -> int | None:
    depth = 0
    for m in _BLOCK.finditer(sql, start):
        depth += 1 if m.group() == "/*" else -1
        if depth == 0:
            return m.end()
    return None


def _add(sql: str, start: int, end: int, terminated: bool, comments: list[Comment], pieces: list[Piece]) -> None:
    """Trim white space and comments at both ends; skip pieces that hold nothing else."""
    start = _skip_forward(sql, start, end, comments)
    if start >= end:
        return
    end = _skip_backward(sql, start, end, comments)
    pieces.append(Piece(start, end, terminated))


def _skip_forward(sql: str, i: int, end: int, comments: list[Comment]) -> int:
    while i < end:
        if sql[i].isspace():
            i += 1
            continue
        comment = _comment_at(comments, i)
        if comment is None:
            return i
        i = comment.end
    return end


def _skip_backward(sql: str, start: int, end: int, comments: list[Comment]) -> int:
    while end > start:
        if sql[end - 1].isspace():
            end -= 1
            continue
        comment = _comment_ending_at(comments, end, start)
        if comment is None:
            return end
        end = comment.start
    return end


def _comment_at(comments: list[Comment], i: int) -> Comment | None:
    # Comments are appended in order, and the ones that matter are the most recent.
    for c in reversed(comments):
        if c.start == i:
            return c
        if c.end <= i:
            return None
    return None


def _comment_ending_at(comments: list[Comment], end: int, floor: int) -> Comment | None:
    for c in reversed(comments):
        if c.end == end and c.start >= floor:
            return c
        if c.end < end:
            return None
    return None
