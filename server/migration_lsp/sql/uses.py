"""The columns a statement needs to exist, and where its text names one.

Read from the statement's facts (and a view's sqlglot tree), once per fact: a keystroke
changes one statement, and the facts of the others are the ones cached by their text (see
:mod:`migration_lsp.sql.analyze`), so their uses are read already.
"""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Iterator

from sqlglot import exp

from migration_lsp.sql.expressions import columns_of
from migration_lsp.sql.facts import Fact, Kind, Name, Span
from migration_lsp.sql.known import CACHE_SIZE, Known
from migration_lsp.sql.tokens import TokenError, tokenize

# The actions of an ALTER TABLE that need their column to exist.
_ON_A_COLUMN = frozenset({"alter_type", "set_default", "drop_default", "set_not_null", "drop_not_null", "rename_column"})


@dataclass(frozen=True, slots=True)
class ColumnUse:
    """A column of a table that a statement needs to exist. ``table`` is named as the statement
    names it (schema included when written); ``after``: an offset in the statement's text past
    which the text names the column."""

    table: Name
    column: str
    after: int


# Uses by statement text, with the fact they were read from: a fact from another reading of
# the same text (another dialect, a DO block's copy) is read again and takes the place.
_uses: Known[str, tuple[Fact, tuple[ColumnUse, ...]]] = Known()


def column_uses(f: Fact) -> tuple[ColumnUse, ...]:
    """The (table, column) pairs a statement needs to exist, in the order its text names them,
    each with where that naming starts: an index's or policy's columns, an ``UPDATE``'s ``SET``,
    an ``ALTER TABLE``'s column actions and constraints, foreign keys, a view's columns."""
    known = _uses.get(f.text)
    if known is not None and known[0] is f:
        return known[1]
    return _uses.add(f.text, (f, tuple(_read(f))))[1]


def _read(f: Fact) -> Iterator[ColumnUse]:
    after = f.table_span.end if f.table_span is not None else 0
    if f.kind in (Kind.CREATE_INDEX, Kind.CREATE_POLICY) and f.table is not None:
        for column in f.referenced_columns:
            yield ColumnUse(f.table, column, after)
    elif f.kind == Kind.UPDATE and f.table is not None:
        for column in f.set_columns:
            yield ColumnUse(f.table, column, after)
    elif f.kind == Kind.ALTER_TABLE and f.table is not None:
        for act in f.actions:
            if act.kind in _ON_A_COLUMN and act.column:
                yield ColumnUse(f.table, act.column, act.span.start)
            elif act.kind == "add_constraint" and act.constraint is not None:
                con = act.constraint
                for column in (*con.columns, *columns_of(con.expression)):
                    yield ColumnUse(f.table, column, act.span.start)
                yield from _references(con.references, con.references_columns, con.references_span)
            elif act.kind == "add_column" and act.column_def is not None:
                col = act.column_def
                yield from _references(col.references, col.references_columns, col.references_span)
    elif f.kind == Kind.CREATE_TABLE:
        for col in f.columns:
            yield from _references(col.references, col.references_columns, col.references_span)
        for con in f.constraints:
            yield from _references(con.references, con.references_columns, con.references_span)
    elif f.kind in (Kind.CREATE_VIEW, Kind.CREATE_MATERIALIZED_VIEW) and f.expression is not None:
        for table, column in _view_uses(f.expression):
            yield ColumnUse(table, column, after)


def _references(table: Name | None, columns: tuple[str, ...], span: Span | None) -> Iterator[ColumnUse]:
    if table is not None:
        for column in columns:
            yield ColumnUse(table, column, span.end if span is not None else 0)


def _ident(node: exp.Expression | None) -> str | None:
    """An identifier's name as PostgreSQL keeps it: folded to lower case unless quoted."""
    if not isinstance(node, exp.Identifier):
        return None
    return node.name if node.quoted else node.name.lower()


def _view_uses(query: exp.Expression) -> Iterator[tuple[Name, str]]:
    """Columns a view reads from its tables: qualified by a table or alias, or unqualified over one table."""
    sources: dict[str, Name] = {}
    for table in query.find_all(exp.Table):
        name = _ident(table.this)
        if name is not None:
            sources[table.alias_or_name.lower()] = Name(name, _ident(table.args.get("db")))
    only = next(iter(sources.values())) if len(set(sources.values())) == 1 else None
    for col in query.find_all(exp.Column):
        column = _ident(col.this)
        owner = sources.get(col.table.lower()) if col.table else only
        if column is not None and owner is not None:
            yield owner, column


# A view whose columns are named in a list after its name: its query does not name them.
_COLUMN_LIST = re.compile(r"\s*CREATE\s+(?:OR\s+REPLACE\s+)?(?:TEMP(?:ORARY)?\s+)?(?:RECURSIVE\s+)?VIEW\s+(?:\"[^\"]*\"|[^\s(\"])+\s*\(", re.I)


def view_columns(fact: Fact) -> tuple[str, ...] | None:
    """The columns a ``CREATE VIEW`` makes, in order, where its query's select list names each
    one: a column, or an expression with ``AS``; None for a ``*``, an unnamed expression (whose
    name PostgreSQL makes up), a set operation, or a list of names after the view's name."""
    query = fact.expression
    if fact.kind != Kind.CREATE_VIEW or not isinstance(query, exp.Select) or _COLUMN_LIST.match(fact.text):
        return None
    columns = []
    for item in query.expressions:
        named = _ident(item.args.get("alias")) if isinstance(item, exp.Alias) else _ident(item.this) if isinstance(item, exp.Column) else None
        if named is None:
            return None
        columns.append(named)
    return tuple(columns)


@functools.lru_cache(maxsize=CACHE_SIZE)
def name_span(text: str, column: str, after: int = 0) -> Span | None:
    """Where a statement's text first names ``column`` (past ``after``), or None."""
    try:
        tokens = tokenize(text)
    except TokenError:
        return None
    for t in tokens:
        if t.start >= after and t.is_name and t.ident == column:
            return Span(t.start, t.end)
    return None
