"""How PostgreSQL writes a name or a string into SQL text (``quote_ident``, ``quote_literal``):
for the SQL fixes write, and for the text ``format('%I', …)`` builds."""

from __future__ import annotations

import re

from pglast import keywords

_PLAIN_IDENT = re.compile(r"^[a-z_][a-z0-9_$]*$")
_KEYWORDS = keywords.RESERVED_KEYWORDS | keywords.TYPE_FUNC_NAME_KEYWORDS | keywords.COL_NAME_KEYWORDS


def sql_string(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def sql_ident(name: str) -> str:
    """An identifier as PostgreSQL's ``quote_ident`` writes it: quoted only when it must be."""
    if _PLAIN_IDENT.match(name) and name not in _KEYWORDS:
        return name
    return '"' + name.replace('"', '""') + '"'
