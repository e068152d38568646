"""What the code index answers with: the places the code names tables and functions, the
tables constant, and a file's imports."""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import KeysView

from migration_lsp.model.names import canonical, parse_name
from migration_lsp.sql.facts import Name


@dataclass(frozen=True, slots=True)
class ColumnUse:
    """A column the code visibly reads or writes, with the SQL type its value suggests."""

    name: str
    type_hint: str | None = None


@dataclass(frozen=True, slots=True)
class ConstantEntry:
    key: str
    value: str  # the table name
    start: int  # the `KEY: 'value'` pair (document offsets)
    end: int
    value_start: int  # the string, quotes included
    value_end: int
    comma_end: int | None  # just after the comma that follows the pair, if there is one


@dataclass(eq=False)
class TablesConstant:
    """One declaration of the tables constant: ``export const TABLES = { … } as const``."""

    path: Path
    name: str
    entries: dict[str, ConstantEntry]  # key → entry, in source order
    start: int  # the object literal, braces included
    end: int

    def table(self, key: str) -> Name | None:
        entry = self.entries.get(key)
        return parse_name(entry.value) if entry is not None else None

    def key_for(self, table: Name) -> str | None:
        return self._keys.get(canonical(table))

    @property
    def named(self) -> KeysView[Name]:
        """The tables its entries name, canonical: a set, to compare many names with at once."""
        return self._keys.keys()

    @functools.cached_property
    def _keys(self) -> dict[Name, str]:
        keys: dict[Name, str] = {}
        for key, entry in self.entries.items():
            keys.setdefault(parse_name(entry.value), key)
        return keys


@dataclass(frozen=True, slots=True)
class TableRef:
    """A place where the code names a table."""

    path: Path
    start: int  # the name's expression: the string (quotes included) or `TABLES.KEY`
    end: int
    table: Name  # canonical
    via: str  # "string" | "constant"
    context: str  # "from" | "realtime"
    constant: TablesConstant | None = None  # for a reference through the constant
    key: str | None = None
    columns: tuple[ColumnUse, ...] = ()


@dataclass(frozen=True, slots=True)
class FunctionRef:
    path: Path
    start: int  # the function's name string, quotes included
    end: int
    function: Name  # canonical


@dataclass(frozen=True, slots=True)
class ImportDecl:
    specifier: str
    names: tuple[tuple[str, str], ...]  # (imported, local) of `{ a as b }`
    namespace: str | None  # `* as ns`
    start: int  # the statement
    end: int
    named_end: int | None  # where another name goes in `{ … }`: after the last one, or the `{`
    quote: str  # the specifier's quote
