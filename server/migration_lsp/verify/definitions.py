"""Finding the statement of a migration that defines a catalog object, by the names it mentions."""

from __future__ import annotations

import re
from functools import lru_cache

from migration_lsp.verify.values import SqlSource

# Comments and dollar-quote delimiters are skipped; quoted identifiers and string literals are one
# token each (a policy name appears quoted in CREATE POLICY and as a literal in its guard).
_TOKEN = re.compile(
    r"""--[^\n]*|/\*.*?\*/|\$\w*\$|"((?:[^"]|"")*)"|'((?:[^']|'')*)'|([^\W\d][\w$]*)""",
    re.S,
)

Token = tuple[str, int, int]
# Token groups naming a statement, tried in order; the last token of a group is the one to point at.
Hints = tuple[tuple[str, ...], ...]


def find_definition(source: SqlSource, hints: tuple[tuple[str, ...], ...]) -> tuple[int, int] | None:
    """Where the first statement holding all tokens of a hint names the hint's last token.

    Hints are tried in order; keywords are lower case, names as the catalog spells them.
    """
    statements = _statement_tokens(source)
    for hint in hints:
        for tokens in statements:
            values = {value for value, _, _ in tokens}
            if all(word in values for word in hint):
                return _focus(tokens, hint)
    return None


def _focus(tokens: tuple[Token, ...], hint: tuple[str, ...]) -> tuple[int, int]:
    """The hint's last token, preferably after its first: CREATE POLICY "p", not the guard's 'p'."""
    lead = next(start for value, start, _ in tokens if value == hint[0])
    spans = [(start, end) for value, start, end in tokens if value == hint[-1]]
    return next((span for span in spans if span[0] > lead), spans[0])


@lru_cache(maxsize=16)
def _statement_tokens(source: SqlSource) -> tuple[tuple[Token, ...], ...]:
    return tuple(tuple(_tokens(source.sql, start, end)) for start, end in source.statements)


def _tokens(sql: str, start: int, end: int) -> list[Token]:
    found = []
    for match in _TOKEN.finditer(sql, start, end):
        quoted, literal, word = match.groups()
        if quoted is not None:
            found.append((quoted.replace('""', '"'), match.start(), match.end()))
        elif literal is not None:
            found.append((literal.replace("''", "'"), match.start(), match.end()))
        elif word is not None:
            found.append((word.lower(), match.start(), match.end()))
    return found
