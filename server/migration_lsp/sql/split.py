"""Cut SQL into top-level statements, the way the literal's database sees them.

PostgreSQL: a statement ends at a semicolon outside quotes, dollar quotes and comments.
Strings (``'…'``, ``E'…'``), quoted identifiers, ``$tag$`` bodies, ``--`` and nested ``/* */``
comments are skipped whole, so nothing inside them ever becomes a statement or a finding.
Unterminated quotes and comments run to the end of the text; the parser then reports them.

SQLite ends statements as :func:`sqlite3.complete_statement` does: ``'…'``, ``"…"``, `````…````` and
``[…]`` quote, ``/* */`` does not nest, and ``CREATE [TEMP] TRIGGER … BEGIN …; …; END`` is one
statement, whose body ends at an ``END`` that follows a semicolon.

MySQL, as the server reads a multi-statement string: strings take backslash escapes, ``#`` and
``-- `` start a line comment, and the ``BEGIN … END`` body of ``CREATE TRIGGER``/``PROCEDURE``/
``FUNCTION``/``EVENT`` is one statement (``END IF``, ``END LOOP``, ``END WHILE`` and ``END REPEAT``
close blocks that open no ``BEGIN``; ``CASE … END`` nests). ``DELIMITER`` is a command of the
``mysql`` client, never sent to the server: a literal does not hold it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Container, NamedTuple

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


class Comment(NamedTuple):
    """A comment's SQL span. A tuple: an edit moves every comment after it, and a tuple is made
    in a third of the time a frozen dataclass takes."""

    start: int
    end: int
    line: bool  # True for `--`, False for `/* */`


def split(sql: str, dialect: str = "postgres") -> tuple[list[Piece], list[Comment]]:
    """The statements of ``sql`` in ``dialect`` (``postgres``, ``sqlite`` or ``mysql``), and its comments."""
    if dialect == "sqlite":
        return _split_sqlite(sql)
    if dialect == "mysql":
        return _split_mysql(sql)
    pieces, comments, _ = split_from(sql, 0)
    return pieces, comments


def split_from(sql: str, start: int, resume: Container[int] = ()) -> tuple[list[Piece], list[Comment], list[int]]:
    """Split PostgreSQL ``sql`` from ``start`` (0, or just after a semicolon that ends a
    statement), and stop after the first such semicolon at an offset in ``resume``; also the
    offsets of those semicolons passed. After one, the lexer's state is fresh: what follows
    splits the same whatever came before, which lets an edit re-split only from the statement
    it is in."""
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


# SQLite's own statement ender (complete.c): the state after each kind of token. A semicolon
# that leads back to _START ends a statement; inside a trigger it leads to _SEMI instead.
_INVALID, _START, _NORMAL, _EXPLAIN, _CREATE, _TRIGGER, _SEMI, _END = range(8)
_T_SEMI, _T_WS, _T_OTHER, _T_EXPLAIN, _T_CREATE, _T_TEMP, _T_TRIGGER, _T_END = range(8)
_SQLITE_STATES = (
    # SEMI    WS        OTHER     EXPLAIN   CREATE    TEMP      TRIGGER   END
    (_START, _INVALID, _NORMAL, _EXPLAIN, _CREATE, _NORMAL, _NORMAL, _NORMAL),  # _INVALID
    (_START, _START, _NORMAL, _EXPLAIN, _CREATE, _NORMAL, _NORMAL, _NORMAL),  # _START
    (_START, _NORMAL, _NORMAL, _NORMAL, _NORMAL, _NORMAL, _NORMAL, _NORMAL),  # _NORMAL
    (_START, _EXPLAIN, _EXPLAIN, _NORMAL, _CREATE, _NORMAL, _NORMAL, _NORMAL),  # _EXPLAIN
    (_START, _CREATE, _NORMAL, _NORMAL, _NORMAL, _CREATE, _TRIGGER, _NORMAL),  # _CREATE
    (_SEMI, _TRIGGER, _TRIGGER, _TRIGGER, _TRIGGER, _TRIGGER, _TRIGGER, _TRIGGER),  # _TRIGGER
    (_SEMI, _SEMI, _TRIGGER, _TRIGGER, _TRIGGER, _TRIGGER, _TRIGGER, _END),  # _SEMI
    (_START, _END, _TRIGGER, _TRIGGER, _TRIGGER, _TRIGGER, _TRIGGER, _TRIGGER),  # _END
)
_SQLITE_WORDS = {"EXPLAIN": _T_EXPLAIN, "CREATE": _T_CREATE, "TEMP": _T_TEMP, "TEMPORARY": _T_TEMP, "TRIGGER": _T_TRIGGER, "END": _T_END}
# SQLite's identifier characters include digits and `$`: `1end` is one word, not END.
_SQLITE_TOKEN = re.compile(r"""[;'"`\[]|--|/\*|(?:[A-Za-z0-9_$]|[^\x00-\x7f])+|[^ \t\n\r\f]""")


def _split_sqlite(sql: str) -> tuple[list[Piece], list[Comment]]:
    pieces: list[Piece] = []
    comments: list[Comment] = []
    seg_start = i = 0
    n = len(sql)
    state = _INVALID
    search = _SQLITE_TOKEN.search
    while (m := search(sql, i)) is not None:
        tok = m.group()
        pos = m.start()
        token = _T_OTHER
        if tok == ";":
            token = _T_SEMI
            i = pos + 1
        elif tok in ("'", '"', "`", "["):
            close = sql.find("]" if tok == "[" else tok, pos + 1)
            i = n if close == -1 else close + 1
        elif tok == "--":
            eol = sql.find("\n", pos)
            i = n if eol == -1 else eol
            comments.append(Comment(pos, i, True))
            token = _T_WS
        elif tok == "/*":
            close = sql.find("*/", pos + 2)
            if close == -1:
                i = n  # unclosed: it stays in the statement
            else:
                i = close + 2
                comments.append(Comment(pos, i, False))
                token = _T_WS
        else:
            token = _SQLITE_WORDS.get(tok.upper(), _T_OTHER)
            i = m.end()
        state = _SQLITE_STATES[state][token]
        if token == _T_SEMI and state == _START:
            _add(sql, seg_start, pos, True, comments, pieces)
            seg_start = i
    _add(sql, seg_start, n, False, comments, pieces)
    return pieces, comments


_MYSQL_TOKEN = re.compile(r"""[;'"`#]|--|/\*|[A-Za-z0-9_$]+""")  # digits too: `1end` is no END
_ROUTINES = frozenset({"TRIGGER", "PROCEDURE", "FUNCTION", "EVENT"})
_CLOSED_BY_END = frozenset({"IF", "LOOP", "WHILE", "REPEAT"})  # END IF … close blocks BEGIN did not open
_HEADER_WORDS = 6  # CREATE [OR REPLACE] [DEFINER = …] [AGGREGATE] TRIGGER: the routine word comes early


def _split_mysql(sql: str) -> tuple[list[Piece], list[Comment]]:
    pieces: list[Piece] = []
    comments: list[Comment] = []
    seg_start = i = 0
    n = len(sql)
    words = 0  # words of the statement so far
    create = False
    routine = False  # CREATE TRIGGER/PROCEDURE/FUNCTION/EVENT: BEGIN … END blocks hold semicolons
    depth = 0
    after_end = False  # the last word was an END that closed a block
    search = _MYSQL_TOKEN.search
    while (m := search(sql, i)) is not None:
        tok = m.group()
        pos = m.start()
        if tok == ";":
            i = pos + 1
            after_end = False
            if depth <= 0:
                _add(sql, seg_start, pos, True, comments, pieces)
                seg_start = i
                words, create, routine, depth = 0, False, False, 0
        elif tok in ("'", '"', "`"):
            i = _end_of_quote(sql, pos + 1, tok, tok != "`")
        elif tok == "#" or (tok == "--" and (pos + 2 >= n or sql[pos + 2] in " \t\r\n\f\v")):
            eol = sql.find("\n", pos)
            i = n if eol == -1 else eol
            comments.append(Comment(pos, i, True))
        elif tok == "--":
            i = pos + 2
        elif tok == "/*":
            close = sql.find("*/", pos + 2)
            if close == -1:
                i = n
            else:
                i = close + 2
                comments.append(Comment(pos, i, False))
        else:
            i = m.end()
            word = tok.upper()
            words += 1
            if words == 1:
                create = word == "CREATE"
            elif create and not routine and words <= _HEADER_WORDS and word in _ROUTINES:
                routine = True
            elif routine:
                if after_end and word in _CLOSED_BY_END:
                    depth += 1  # END IF: that END closed no BEGIN
                elif word == "BEGIN" or (word == "CASE" and not after_end):
                    depth += 1
                elif word == "END":
                    depth -= 1
                    after_end = True
                    continue
            after_end = False
    _add(sql, seg_start, n, False, comments, pieces)
    return pieces, comments


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
