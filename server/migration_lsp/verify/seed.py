"""A few plausible rows in every table of the app, so an upgrade has data it could lose.

Values follow each column's type, NOT NULL, foreign keys (parents are filled first) and, where
their literals give it away, CHECK constraints. A row that still cannot be inserted is skipped.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Sequence
from dataclasses import dataclass, field

import psycopg
from psycopg import sql

ROWS_PER_TABLE = 3
_ATTEMPTS = 12
_STRING_LITERAL = re.compile(r"'((?:[^']|'')*)'")
_NUMBER = re.compile(r"(?<![\w.])-?\d+(?:\.\d+)?(?![\w.])")


@dataclass(frozen=True)
class Table:
    oid: int
    schema: str
    name: str

    @property
    def identifier(self) -> sql.Identifier:
        return sql.Identifier(self.schema, self.name)

    @property
    def display(self) -> str:
        return self.name if self.schema == "public" else f"{self.schema}.{self.name}"


@dataclass
class _Column:
    name: str
    type_sql: str
    not_null: bool
    has_default: bool
    insertable: bool
    category: str
    type_name: str
    labels: list[str]
    candidates: list[str | None] = field(default_factory=list)


@dataclass(frozen=True)
class _ForeignKey:
    columns: tuple[str, ...]
    parent: Table
    parent_columns: tuple[str, ...]


def user_tables(conn: psycopg.Connection, platform_schemas: Sequence[str]) -> list[Table]:
    """The app's tables: not the system's, an extension's or the platform's."""
    rows = conn.execute(
        """
        SELECT c.oid, n.nspname, c.relname
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p') AND NOT c.relispartition
          AND n.nspname <> 'information_schema' AND n.nspname NOT LIKE 'pg\\_%%'
          AND n.nspname <> ALL(%s)
          AND NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
            AND d.objid = c.oid AND d.deptype = 'e')
        ORDER BY n.nspname, c.relname""",
        (list(platform_schemas),),
    )
    return [Table(*row) for row in rows]


def seed(conn: psycopg.Connection, tables: list[Table]) -> None:
    """Insert up to ROWS_PER_TABLE rows into each table, parents before children."""
    oids = [table.oid for table in tables]
    columns = _columns(conn, oids)
    keys = _foreign_keys(conn, oids)
    checks = _checks(conn, oids)
    for table in _parents_first(tables, keys):
        table_columns = columns.get(table.oid, [])
        for column in table_columns:
            column.candidates = _check_candidates(column, checks.get(table.oid, {}))
        for row in range(ROWS_PER_TABLE):
            parents = {name: value for key in keys.get(table.oid, []) for name, value in zip(key.columns, _parent_row(conn, key, row), strict=True)}
            _insert(conn, table, table_columns, parents, checks.get(table.oid, {}), row)


def count_rows(conn: psycopg.Connection, tables: list[Table]) -> dict[int, int | None]:
    """Rows per table oid (a renamed table is still found); None for a table that is gone."""
    rows = conn.execute(
        "SELECT oid, oid::regclass::text FROM pg_class WHERE oid = ANY(%s)",
        ([table.oid for table in tables],),
    )
    names: dict[int, str] = dict(rows.fetchall())
    counts: dict[int, int | None] = {}
    for table in tables:
        name = names.get(table.oid)
        if name is None:
            counts[table.oid] = None
            continue
        # regclass::text is already quoted as needed.
        found = conn.execute(sql.SQL("SELECT count(*) FROM {}").format(sql.SQL(name))).fetchone()
        counts[table.oid] = found[0] if found else 0
    return counts


def column_names(conn: psycopg.Connection, tables: list[Table]) -> dict[int, dict[int, str]]:
    """Live columns by attnum, per table oid: a renamed column keeps its number."""
    rows = conn.execute(
        """
        SELECT attrelid, attnum, attname FROM pg_attribute
        WHERE attrelid = ANY(%s) AND attnum > 0 AND NOT attisdropped""",
        ([table.oid for table in tables],),
    )
    found: dict[int, dict[int, str]] = {}
    for oid, number, name in rows:
        found.setdefault(oid, {})[number] = name
    return found


def _columns(conn: psycopg.Connection, oids: list[int]) -> dict[int, list[_Column]]:
    rows = conn.execute(
        """
        SELECT a.attrelid, a.attname, format_type(a.atttypid, a.atttypmod), a.attnotnull,
          a.atthasdef OR a.attidentity <> '', a.attgenerated = '' AND a.attidentity <> 'a',
          b.typcategory, b.typname,
          ARRAY(SELECT e.enumlabel::text FROM pg_enum e WHERE e.enumtypid = b.oid
            ORDER BY e.enumsortorder)
        FROM pg_attribute a
          JOIN pg_type t ON t.oid = a.atttypid
          JOIN pg_type b ON b.oid = CASE WHEN t.typtype = 'd' THEN t.typbasetype ELSE t.oid END
        WHERE a.attrelid = ANY(%s) AND a.attnum > 0 AND NOT a.attisdropped
        ORDER BY a.attrelid, a.attnum""",
        (oids,),
    )
    found: dict[int, list[_Column]] = {}
    for oid, *values in rows:
        found.setdefault(oid, []).append(_Column(*values))
    return found


def _foreign_keys(conn: psycopg.Connection, oids: list[int]) -> dict[int, list[_ForeignKey]]:
    rows = conn.execute(
        """
        SELECT k.conrelid, p.oid, n.nspname, p.relname,
          ARRAY(SELECT a.attname::text FROM unnest(k.conkey) WITH ORDINALITY u(num, ord)
            JOIN pg_attribute a ON a.attrelid = k.conrelid AND a.attnum = u.num ORDER BY u.ord),
          ARRAY(SELECT a.attname::text FROM unnest(k.confkey) WITH ORDINALITY u(num, ord)
            JOIN pg_attribute a ON a.attrelid = k.confrelid AND a.attnum = u.num ORDER BY u.ord)
        FROM pg_constraint k
          JOIN pg_class p ON p.oid = k.confrelid
          JOIN pg_namespace n ON n.oid = p.relnamespace
        WHERE k.contype = 'f' AND k.conrelid = ANY(%s)""",
        (oids,),
    )
    found: dict[int, list[_ForeignKey]] = {}
    for oid, parent_oid, schema, name, columns, parent_columns in rows:
        key = _ForeignKey(tuple(columns), Table(parent_oid, schema, name), tuple(parent_columns))
        found.setdefault(oid, []).append(key)
    return found


def _checks(conn: psycopg.Connection, oids: list[int]) -> dict[int, dict[str, tuple[list[str], str]]]:
    """CHECK constraints per table: name → (columns, definition)."""
    rows = conn.execute(
        """
        SELECT k.conrelid, k.conname,
          ARRAY(SELECT a.attname::text FROM pg_attribute a
            WHERE a.attrelid = k.conrelid AND a.attnum = ANY(k.conkey)),
          pg_get_constraintdef(k.oid)
        FROM pg_constraint k WHERE k.contype = 'c' AND k.conrelid = ANY(%s)""",
        (oids,),
    )
    found: dict[int, dict[str, tuple[list[str], str]]] = {}
    for oid, name, columns, definition in rows:
        found.setdefault(oid, {})[name] = (columns, definition)
    return found


def _parents_first(tables: list[Table], keys: dict[int, list[_ForeignKey]]) -> list[Table]:
    """Tables ordered so referenced ones come first; cycles are broken in name order."""
    pending = {table.oid: table for table in tables}
    ordered: list[Table] = []
    while pending:
        ready = [table for table in pending.values() if all(key.parent.oid == table.oid or key.parent.oid not in pending for key in keys.get(table.oid, []))] or [next(iter(pending.values()))]
        for table in ready:
            ordered.append(pending.pop(table.oid))
    return ordered


def _parent_row(conn: psycopg.Connection, key: _ForeignKey, row: int) -> tuple[str | None, ...]:
    query = sql.SQL("SELECT {} FROM {} ORDER BY 1 LIMIT 1 OFFSET %s").format(
        sql.SQL(", ").join(sql.SQL("{}::text").format(sql.Identifier(name)) for name in key.parent_columns),
        key.parent.identifier,
    )
    parents = conn.execute(query, (row,)).fetchone() or conn.execute(query, (0,)).fetchone()
    return parents or (None,) * len(key.columns)


def _check_candidates(column: _Column, checks: dict[str, tuple[list[str], str]]) -> list[str | None]:
    """Values the CHECK constraints on ``column`` spell out, to try before the generic ones."""
    found: list[str | None] = []
    for columns, definition in checks.values():
        if column.name not in columns:
            continue
        if column.category == "N":
            for number in _NUMBER.findall(definition):
                value = float(number)
                found += [_number(value), _number(value + 1), _number(value - 1)]
        else:
            found += [literal.replace("''", "'") for literal in _STRING_LITERAL.findall(definition)]
    return list(dict.fromkeys(found))


def _number(value: float) -> str:
    return str(int(value)) if value.is_integer() else str(value)


def _insert(
    conn: psycopg.Connection,
    table: Table,
    columns: list[_Column],
    parents: dict[str, str | None],
    checks: dict[str, tuple[list[str], str]],
    row: int,
) -> bool:
    """Try a few variants of one row until one goes in."""
    explicit = {column.name for column in columns if column.insertable and (column.name in parents or not column.has_default)}
    choice = {column.name: 0 for column in columns}
    minimal = False
    by_name = {column.name: column for column in columns}
    for _ in range(_ATTEMPTS):
        values = {name: parents[name] if name in parents else _value(by_name[name], choice[name], row) for name in explicit}
        try:
            conn.execute(_insert_statement(table, by_name, values))
            return True
        except psycopg.errors.CheckViolation as error:
            constrained = checks.get(error.diag.constraint_name or "", ([], ""))[0]
            moved = [name for name in constrained if choice[name] < len(by_name[name].candidates)]
            if not moved:
                return False
            for name in moved:
                choice[name] += 1
        except psycopg.errors.NotNullViolation as error:
            # A default that is NULL here, e.g. auth.uid() outside a request.
            name = error.diag.column_name or ""
            if name in explicit or name not in by_name or not by_name[name].insertable:
                return False
            explicit.add(name)
        except psycopg.Error:
            if minimal:
                return False
            # Nullable columns may be what trips a constraint we cannot read: leave them out.
            minimal = True
            explicit = {name for name in explicit if by_name[name].not_null or name in parents}
    return False


def _insert_statement(table: Table, columns: dict[str, _Column], values: dict[str, str | None]) -> sql.Composed:
    if not values:
        return sql.SQL("INSERT INTO {} DEFAULT VALUES").format(table.identifier)
    names = sorted(values)
    return sql.SQL("INSERT INTO {} ({}) VALUES ({})").format(
        table.identifier,
        sql.SQL(", ").join(map(sql.Identifier, names)),
        sql.SQL(", ").join(_literal(values[name], columns[name].type_sql) for name in names),
    )


def _literal(value: str | None, type_sql: str) -> sql.Composable:
    if value is None:
        return sql.SQL("NULL")
    return sql.SQL("{}::{}").format(sql.Literal(value), sql.SQL(type_sql))  # type: ignore[arg-type]


def _value(column: _Column, choice: int, row: int) -> str | None:
    """The ``choice``-th candidate for ``column`` in row ``row``; past the CHECK ones, by type."""
    if choice < len(column.candidates):
        return column.candidates[choice]
    return _typed_value(column, row)


def _typed_value(column: _Column, row: int) -> str | None:
    number = row + 1
    category, type_name = column.category, column.type_name
    if category == "A":
        return "{}"
    if category == "E":
        return column.labels[row % len(column.labels)] if column.labels else None
    if category == "B":
        return "true" if row % 2 == 0 else "false"
    if category == "N":
        return str(number)
    if category == "S":
        lowered = column.name.lower()
        if "email" in lowered:
            return f"user{number}@example.com"
        if "url" in lowered:
            return f"https://example.com/{number}"
        # The number leads, so values stay distinct when a short varchar/char cuts them.
        return f"{number} {column.name}"
    if category == "D":
        return f"12:00:0{row}" if type_name in ("time", "timetz") else f"2024-01-0{number} 12:00:00+00"
    if category == "T":
        return f"{number} hours"
    if category == "I":
        return f"10.0.0.{number}"
    if category == "V":
        return "1"
    return {
        "uuid": str(uuid.uuid4()),
        "json": f'{{"n": {number}}}',
        "jsonb": f'{{"n": {number}}}',
        "bytea": f"\\x0{number}",
        "xml": f"<n>{number}</n>",
        "tsvector": f"word{number}",
        "macaddr": f"08:00:2b:01:02:0{number}",
        "point": f"({number},{number})",
    }.get(type_name)
