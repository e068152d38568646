"""SQL expressions in a normal form, so that two definitions compare equal when they differ
only in white space or in parentheses around the whole: a type, a default, a ``CHECK``, a
policy's ``USING``, an index's expressions.

The upgrade rules ask for every expression of two schemas on every check, and a keystroke
changes one statement: each text is read once, not each time.
"""

from __future__ import annotations

import functools

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
