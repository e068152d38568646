"""SQL expressions in a normal form, so that two definitions compare equal when they differ
only in white space or in parentheses around the whole: a type, a default, a ``CHECK``, a
policy's ``USING``, an index's expressions.

The upgrade rules ask for every expression of two schemas on every check, and a keystroke
changes one statement: each text is read once, not each time.
"""

from __future__ import annotations

import functools
import re
from typing import Callable

from migration_lsp.sql.known import CACHE_SIZE
from migration_lsp.sql.tokens import STRING, Tok, TokenError, tokenize


@functools.lru_cache(maxsize=CACHE_SIZE)
def normal(text: str | None) -> str:
    """SQL text for comparison: its tokens, without white space or outer parentheses; ``""`` for None."""
    if text is None:
        return ""
    try:
        return " ".join(_spelled(t) for t in tokenize(unwrap(text)))
    except TokenError:
        return " ".join(text.split())


def _spelled(t: Tok) -> str:
    """A token as it compares: a string quoted one way whichever way it was written, so that
    ``''`` is not the missing default and ``'x'`` not the name ``"x"``."""
    return "'" + t.value.replace("'", "''") + "'" if t.kind == STRING else t.value


@functools.lru_cache(maxsize=CACHE_SIZE)
def unwrap(text: str) -> str:
    """An expression without the parentheses around all of it: ``(a > 0)`` → ``a > 0``."""
    text = text.strip()
    try:
        tokens = tokenize(text)
    except TokenError:
        return text
    while len(tokens) >= 2 and tokens[0].value == "(" and tokens[-1].value == ")":
        depth = 0
        for t in tokens[1:-1]:
            depth += t.value == "("
            depth -= t.value == ")"
            if depth < 0:
                return text
        if depth:
            return text
        text = text[tokens[0].end : tokens[-1].start].strip()
        tokens = tokenize(text)
    return text


@functools.lru_cache(maxsize=CACHE_SIZE)
def normal_type(text: str | None) -> str:
    """A column's type for comparison: :func:`normal`, with each of PostgreSQL's other names for
    a built-in type spelt as its own name is (``INTEGER`` and ``INT`` are ``INT4``, ``TIMESTAMP
    WITH TIME ZONE`` is ``TIMESTAMPTZ``), and an array's size, which PostgreSQL ignores, left out."""
    spelled = normal(text)
    for pattern, name in _TYPE_NAMES:
        spelled = pattern.sub(name, spelled)
    return spelled


def _float(m: re.Match[str]) -> str:
    return "FLOAT4" if int(m[1]) <= 24 else "FLOAT8"


# Over the tokens that :func:`normal` leaves, one space apart, in order: the words of several
# names first. A quoted name keeps its case, so that none of these ever matches one.
_TYPE_NAMES: tuple[tuple[re.Pattern[str], str | Callable[[re.Match[str]], str]], ...] = tuple(
    (re.compile(pattern), name)
    for pattern, name in (
        (r"^PG_CATALOG \. ", ""),
        (r"\bCHAR(?:ACTER)? VARYING\b", "VARCHAR"),
        (r"\bBIT VARYING\b", "VARBIT"),
        (r"\bDOUBLE PRECISION\b", "FLOAT8"),
        (r"\b(TIMESTAMP|TIME)( \( \d+ \))? WITH TIME ZONE\b", r"\1TZ\2"),
        (r"\b(TIMESTAMP|TIME)( \( \d+ \))? WITHOUT TIME ZONE\b", r"\1\2"),
        (r"\bFLOAT \( (\d+) \)", _float),
        (r"\bFLOAT\b", "FLOAT8"),
        (r"\b(?:INTEGER|INT)\b", "INT4"),
        (r"\bBIGINT\b", "INT8"),
        (r"\bSMALLINT\b", "INT2"),
        (r"\bBOOLEAN\b", "BOOL"),
        (r"\bREAL\b", "FLOAT4"),
        (r"\b(?:DECIMAL|DEC)\b", "NUMERIC"),
        (r"\bCHARACTER\b", "CHAR"),
        (r"\bSERIAL\b", "SERIAL4"),
        (r"\bBIGSERIAL\b", "SERIAL8"),
        (r"\bSMALLSERIAL\b", "SERIAL2"),
        (r" ARRAY$", " [ ]"),
        (r" ARRAY(?= \[)", ""),
        (r"\[ \d+ \]", "[ ]"),
    )
)
