"""SQL expressions, read with sqlglot: a CHECK's or a policy's columns, a view's query, a DML statement.

Expressions are cached by their text, as statements are (see :mod:`migration_lsp.sql.analyze`).
"""

from __future__ import annotations

import functools
import logging
from typing import cast

import sqlglot
from sqlglot import exp

from migration_lsp.sql.known import CACHE_SIZE

logging.getLogger("sqlglot").setLevel(logging.ERROR)


def parse(text: str, dialect: str = "postgres") -> exp.Expression | None:
    """sqlglot's tree of a statement in ``dialect``, or None where sqlglot cannot read it."""
    try:
        return cast(exp.Expression, sqlglot.parse_one(text, read=dialect))
    except (sqlglot.errors.ParseError, sqlglot.errors.TokenError, ValueError, RecursionError):
        return None


@functools.lru_cache(maxsize=CACHE_SIZE)
def columns_of(expression: str | None) -> tuple[str, ...]:
    """Column names an expression reads, via sqlglot; function names and literals are not columns."""
    if not expression:
        return ()
    parsed = parse(f"SELECT {expression}")
    if parsed is None:
        return ()
    names = []
    for col in parsed.find_all(exp.Column):
        if not col.table or col.table.lower() in ("new", "old"):
            names.append(col.name if col.this.quoted else col.name.lower())
    # Identifiers inside subqueries belong to other tables.
    sub_cols = {c.name.lower() for s in parsed.find_all(exp.Subquery, exp.Exists) for c in s.find_all(exp.Column)}
    return tuple(dict.fromkeys(n for n in names if n not in sub_cols))
