"""The rulebook's scenarios for a SQLite literal, on in-memory databases of Python's ``sqlite3``.

:func:`verify_sqlite` takes the same :class:`SqlSource` values and gives back the same
:class:`VerifyProblem` values as :func:`migration_lsp.verify.verify`, so a SQLite literal is
reported as a PostgreSQL one is. No PostgreSQL is needed.

The literal runs as better-sqlite3's and D1's ``exec`` and libSQL's ``executeMultiple`` run it:
statement after statement, each committed on its own unless the literal opens a transaction,
stopping at the first error. Statements are cut where SQLite ends them
(:func:`sqlite3.complete_statement`), so a trigger's ``BEGIN … END`` body stays whole and a failure
points at its statement. Each run gets a connection of its own on the same database, as each
start of the app does: a ``PRAGMA`` or ``TEMP`` table of one run is gone in the next.

Scenarios: ``fresh`` (an empty database), ``twice`` (current again; it must succeed and leave the
schema as the first run did) and ``upgrade:<label>`` (the baseline, a few rows in every table,
then current: no row may disappear and the schema must equal the fresh one). The schema compared
is tables (``WITHOUT ROWID``, ``STRICT``), columns, foreign keys, unique constraints, indexes,
views and triggers; CHECK constraints are not compared, SQLite keeps them only in the table's text.

Nothing leaves memory: attaching a file and ``VACUUM INTO`` are refused, extensions cannot be
loaded, and a run is interrupted after ``time_limit`` seconds.
"""

from __future__ import annotations

import re
import sqlite3
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import closing
from dataclasses import dataclass, replace

from migration_lsp.verify.catalog import CatalogObject, Snapshot, diff
from migration_lsp.verify.definitions import Hints
from migration_lsp.verify.execute import Failure, left_open
from migration_lsp.verify.problems import (
    TWICE,
    baseline_failed,
    drift,
    failed,
    lost,
    over_time,
    upgrade_comparison,
)
from migration_lsp.verify.values import SqlSource, Step, Steps, VerifyProblem

ROWS_PER_TABLE = 3
_Value = int | float | str | bytes | None
# Comments and white space before a statement; an unterminated /* runs to the end, as in SQLite.
_SKIPPABLE = re.compile(r"(?:\s+|--[^\n]*|/\*.*?(?:\*/|\Z))*", re.S)
_NEAR = re.compile(r'^near "(.*)": syntax error$', re.S)
_TOKEN = re.compile(r"""'(?:[^']|'')*'|"(?:[^"]|"")*"|`(?:[^`]|``)*`|\[[^\]]*\]|\w+|\S""")
_MEMORY = ("", ":memory:")
_REFUSED = "verify runs SQLite in memory: attaching a database file and VACUUM INTO are refused"
_PROGRESS_STEPS = 10_000  # virtual machine instructions between looks at the clock


def verify_sqlite(
    current: SqlSource,
    baselines: Sequence[SqlSource] = (),
    *,
    time_limit: float,
    progress: Callable[[Step], None] | None = None,
) -> list[VerifyProblem]:
    """Run every scenario; offsets in the problems point into ``current.sql``."""
    current = replace(current, statements=statements(current.sql))
    runner = _Runner(time_limit)
    problems: list[VerifyProblem] = []
    steps = Steps(progress or (lambda _step: None), problems)
    steps.doing("fresh", "running current")
    database, failure = runner.run(None, current)
    first = None  # the schema of a fresh database, when current runs there
    if failure is not None:
        problems.append(failed("fresh", failure))
    else:
        first = _snapshot(database)
        steps.doing("twice", "running current again")
        again, failure = runner.run(database, current)
        if failure is not None:
            problems.append(failed("twice", failure))
        else:
            problems += [drift(TWICE, difference, current) for difference in diff(first, _snapshot(again))]
    for baseline in baselines:
        baseline = replace(baseline, statements=statements(baseline.sql))
        problems += _upgrade(runner, current, baseline, first, steps)
    steps.end()
    return problems


def statements(sql: str) -> tuple[tuple[int, int], ...]:
    """The (start, end) of each statement SQLite runs, without its semicolon."""
    spans = []
    start = 0
    while True:
        match = _SKIPPABLE.match(sql, start)
        start = match.end() if match else start
        if start >= len(sql):
            break
        semicolon = sql.find(";", start)
        while semicolon >= 0 and not sqlite3.complete_statement(sql[start : semicolon + 1]):
            semicolon = sql.find(";", semicolon + 1)
        end = len(sql) if semicolon < 0 else semicolon
        if end > start:
            spans.append((start, len(sql[start:end].rstrip()) + start))
        if semicolon < 0:
            break
        start = semicolon + 1
    return tuple(spans)


def _upgrade(
    runner: _Runner,
    current: SqlSource,
    baseline: SqlSource,
    fresh: Snapshot | None,
    steps: Steps,
) -> list[VerifyProblem]:
    label = baseline.label
    scenario = f"upgrade:{label}"
    steps.doing(scenario, "building the baseline")
    built, failure = runner.run(None, baseline)
    if failure is not None:
        return [baseline_failed(baseline, failure)]
    steps.doing(scenario, "filling tables")
    with closing(_open(built)) as conn:
        tables = _tables(conn)
        _seed(conn, tables)
        rows, columns = _count_rows(conn, tables), _columns_of(conn, tables)
        filled = _serialized(conn)
    steps.doing(scenario, "running current")
    upgraded, failure = runner.run(filled, current)
    if failure is not None:
        return [failed(scenario, failure)]
    problems = []
    with closing(_open(upgraded)) as conn:
        rows_after, columns_after = _count_rows(conn, tables), _columns_of(conn, tables)
    for table in tables:
        had, left = rows[table.rootpage], rows_after[table.rootpage]
        if had:
            before = columns[table.rootpage]
            after = _surviving(before, columns_after.get(table.rootpage, {}))
            problems += lost(current, label, (table.name, table.name), had, left, before, after)
    if fresh is not None:
        differences = diff(fresh, _snapshot(upgraded))
        problems += [drift(upgrade_comparison(label), d, current) for d in differences]
    return problems


class _Runner:
    """Runs a source on a connection of its own to a copy of a database, within the time limit."""

    def __init__(self, time_limit: float) -> None:
        self.time_limit = time_limit

    def run(self, database: bytes | None, source: SqlSource) -> tuple[bytes | None, Failure | None]:
        """The database after running ``source`` on ``database`` (None: an empty one)."""
        with closing(_open(database)) as conn:
            conn.set_authorizer(_authorize)
            deadline = time.monotonic() + self.time_limit
            conn.set_progress_handler(lambda: time.monotonic() > deadline, _PROGRESS_STEPS)
            failure = self._execute(conn, source)
            if failure is None and conn.in_transaction:
                # The app's connection would close without a COMMIT, and its changes go with it.
                failure = left_open(source)
            if conn.in_transaction:
                conn.rollback()
            conn.set_progress_handler(None, 0)
            return _serialized(conn), failure

    def _execute(self, conn: sqlite3.Connection, source: SqlSource) -> Failure | None:
        for start, end in source.statements:
            try:
                conn.execute(source.sql[start:end])
            except (sqlite3.Error, sqlite3.Warning) as error:
                if getattr(error, "sqlite_errorname", None) == "SQLITE_INTERRUPT":
                    return Failure(None, over_time(self.time_limit), start, end)
                return _failure(error, source.sql, start, end)
        return None


def _open(database: bytes | None) -> sqlite3.Connection:
    # isolation_level None: sqlite3 opens no transaction of its own, as the app's drivers don't.
    conn = sqlite3.connect(":memory:", isolation_level=None)
    if database is not None:
        conn.deserialize(database)
    return conn


def _serialized(conn: sqlite3.Connection) -> bytes | None:
    """The database as bytes; None when it is empty (SQLite has no bytes for that)."""
    if conn.execute("PRAGMA page_count").fetchone()[0] == 0:
        return None
    return conn.serialize()


def _authorize(action: int, first: str | None, *_: str | None) -> int:
    if action == sqlite3.SQLITE_ATTACH and first not in _MEMORY:
        return sqlite3.SQLITE_DENY
    return sqlite3.SQLITE_OK


def _failure(error: sqlite3.Error | sqlite3.Warning, sql: str, start: int, end: int) -> Failure:
    message = str(error)
    name = getattr(error, "sqlite_errorname", None)
    if name == "SQLITE_AUTH":
        message += f" ({_REFUSED})"
    elif name and name != "SQLITE_ERROR":
        message += f" ({name})"
    near = _NEAR.match(message)
    offset, stop = (_syntax_error_at(sql, start, end, near.group(1)) if near else None) or (start, end)
    return Failure(None, message, offset, stop)


def _syntax_error_at(sql: str, start: int, end: int, near: str) -> tuple[int, int] | None:
    """The token SQLite's "near …" names: the first one the statement cannot go on from.

    SQLite gives no position; parsing the statement up to each candidate token tells: before
    the token it is merely incomplete, with it a syntax error.
    """
    with closing(sqlite3.connect(":memory:")) as parser:
        for token in _TOKEN.finditer(sql, start, end):
            if token.group() != near:
                continue
            try:
                parser.execute("EXPLAIN " + sql[start : token.end()])
            except sqlite3.Error as error:
                if _NEAR.match(str(error)):
                    return token.start(), token.end()
    return None


@dataclass(frozen=True)
class _Table:
    name: str
    rootpage: int  # kept through ALTER TABLE … RENAME, as PostgreSQL keeps a table's oid


def _tables(conn: sqlite3.Connection) -> list[_Table]:
    """The app's ordinary tables: not SQLite's own, nor virtual tables and their shadow tables."""
    kinds = {name: kind for _, name, kind, *_ in conn.execute("PRAGMA main.table_list")}
    rows = conn.execute("SELECT name, rootpage FROM sqlite_schema WHERE type = 'table' AND rootpage > 0 AND name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY name")
    return [_Table(name, rootpage) for name, rootpage in rows if kinds.get(name) == "table"]


def _quoted(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _names_by_rootpage(conn: sqlite3.Connection) -> dict[int, str]:
    rows = conn.execute("SELECT rootpage, name FROM sqlite_schema WHERE type = 'table' AND rootpage > 0")
    return dict(rows.fetchall())


def _count_rows(conn: sqlite3.Connection, tables: list[_Table]) -> dict[int, int | None]:
    """Rows per table (a renamed table is still found); None for a table that is gone."""
    names = _names_by_rootpage(conn)
    counts: dict[int, int | None] = {}
    for table in tables:
        name = names.get(table.rootpage)
        counts[table.rootpage] = None if name is None else conn.execute(f"SELECT count(*) FROM {_quoted(name)}").fetchone()[0]
    return counts


def _columns_of(conn: sqlite3.Connection, tables: list[_Table]) -> dict[int, dict[int, str]]:
    """Columns by position, per table that still exists."""
    names = _names_by_rootpage(conn)
    found = {}
    for table in tables:
        name = names.get(table.rootpage)
        if name is not None:
            found[table.rootpage] = {cid: column for cid, column, *_ in conn.execute(f"PRAGMA table_xinfo({_quoted(name)})")}
    return found


def _surviving(before: dict[int, str], after: dict[int, str]) -> dict[int, str]:
    """``after`` keyed by the positions of ``before``: a column is kept under its name, or
    renamed when its place holds a name the table did not have (RENAME COLUMN keeps places)."""
    old = set(before.values())
    now = {name: cid for cid, name in after.items()}
    kept = {}
    for cid, name in before.items():
        if name in now:
            kept[cid] = name
        elif cid in after and after[cid] not in old:
            kept[cid] = after[cid]
    return kept


@dataclass(frozen=True)
class _Column:
    name: str
    type: str
    not_null: bool
    default: str | None
    primary_key: int
    hidden: int


def _table_columns(conn: sqlite3.Connection, table: str) -> list[_Column]:
    rows = conn.execute(f"PRAGMA table_xinfo({_quoted(table)})")
    return [_Column(name, type_, bool(notnull), default, pk, hidden) for _, name, type_, notnull, default, pk, hidden in rows]


def _foreign_keys(conn: sqlite3.Connection, table: str) -> list[tuple[str, list[str], list[str | None], str, str]]:
    """(parent, columns, parent columns (None: its primary key), ON UPDATE, ON DELETE) per key."""
    keys: dict[int, tuple[str, list[str], list[str | None], str, str]] = {}
    for key, _, parent, column, to, on_update, on_delete, _ in conn.execute(f"PRAGMA foreign_key_list({_quoted(table)})"):
        entry = keys.setdefault(key, (parent, [], [], on_update, on_delete))
        entry[1].append(column)
        entry[2].append(to)
    return list(keys.values())


def _seed(conn: sqlite3.Connection, tables: list[_Table]) -> None:
    """Up to ROWS_PER_TABLE plausible rows in each table, parents before children."""
    keys = {table.name: _foreign_keys(conn, table.name) for table in tables}
    done: set[str] = set()
    pending = list(tables)
    while pending:
        ready = [t for t in pending if all(k[0] in done or k[0] == t.name or k[0] not in keys for k in keys[t.name])] or pending[:1]
        for table in ready:
            pending.remove(table)
            done.add(table.name)
            for row in range(ROWS_PER_TABLE):
                _insert(conn, table.name, keys[table.name], row)


def _insert(conn: sqlite3.Connection, table: str, keys: list[tuple[str, list[str], list[str | None], str, str]], row: int) -> None:
    columns = [c for c in _table_columns(conn, table) if c.hidden == 0]
    rowid_alias = [c.name for c in columns if c.primary_key] == [c.name for c in columns if c.primary_key == 1 and c.type.upper() == "INTEGER"]
    parents: dict[str, _Value] = {}
    for parent, own, theirs, _, _ in keys:
        found = _parent_row(conn, parent, theirs, row)
        if found is not None:
            parents.update(zip(own, found, strict=True))
    wanted = [
        c for c in columns
        if c.name in parents or (c.default is None and not (rowid_alias and c.primary_key))
    ]  # fmt: skip
    for chosen in (wanted, [c for c in wanted if c.not_null or c.primary_key or c.name in parents]):
        values = [parents[c.name] if c.name in parents else _value(c, row) for c in chosen]
        names = ", ".join(_quoted(c.name) for c in chosen)
        statement = f"INSERT INTO {_quoted(table)} ({names}) VALUES ({', '.join('?' * len(chosen))})" if chosen else f"INSERT INTO {_quoted(table)} DEFAULT VALUES"
        try:
            conn.execute(statement, values)
            return
        except sqlite3.Error:
            continue  # a constraint we cannot read: with fewer columns, or not at all


def _parent_row(conn: sqlite3.Connection, parent: str, columns: list[str | None], row: int) -> tuple[_Value, ...] | None:
    if None in columns:
        columns = [c.name for c in sorted(_table_columns(conn, parent), key=lambda c: c.primary_key) if c.primary_key] or ["rowid"]
    query = f"SELECT {', '.join(_quoted(str(c)) for c in columns)} FROM {_quoted(parent)} ORDER BY 1 LIMIT 1 OFFSET ?"
    try:
        found = conn.execute(query, (row,)).fetchone() or conn.execute(query, (0,)).fetchone()
    except sqlite3.Error:
        return None
    return None if found is None else tuple(found)


def _value(column: _Column, row: int) -> _Value:
    """A value of the column's affinity (SQLite's rules), distinct per row."""
    number = row + 1
    declared, name = column.type.upper(), column.name.lower()
    if "INT" in declared:
        return number
    if any(word in declared for word in ("REAL", "FLOA", "DOUB")):
        return number + 0.5
    if "BLOB" in declared:
        return bytes([number])
    if "email" in name:
        return f"user{number}@example.com"
    if "url" in name:
        return f"https://example.com/{number}"
    if name.endswith(("_at", "date", "time")) or "DATE" in declared or "TIME" in declared:
        return f"2024-01-0{number} 12:00:00"
    if any(word in declared for word in ("CHAR", "CLOB", "TEXT")) or not declared:
        return f"{number} {column.name}"
    return number  # NUMERIC affinity


def _snapshot(database: bytes | None) -> Snapshot:
    with closing(_open(database)) as conn:
        return {item.key: item for item in _objects(conn)}


def _objects(conn: sqlite3.Connection) -> Iterator[CatalogObject]:
    options = {name: (without_rowid, strict) for _, name, _, _, without_rowid, strict in conn.execute("PRAGMA main.table_list")}
    rows = conn.execute("SELECT type, name, tbl_name, sql FROM sqlite_schema WHERE name NOT LIKE 'sqlite\\_%' ESCAPE '\\' ORDER BY type, name").fetchall()
    kinds = {name: kind for kind, name, _, _ in rows}
    for kind, name, table, sql in rows:
        if kind == "table":
            yield from _table(conn, name, sql or "", options.get(name, (0, 0)))
        elif kind == "index" and sql is not None:  # the others belong to a constraint
            yield CatalogObject("index", name, _normalized(sql), ("table", table), _hints("index", name))
        elif kind == "view":
            yield CatalogObject("view", name, _normalized(sql or ""), None, _hints("view", name))
        elif kind == "trigger":
            parent = (kinds.get(table, "table"), table)
            yield CatalogObject("trigger", f"{name} on {table}", _normalized(sql or ""), parent, _hints("trigger", name))


def _table(conn: sqlite3.Connection, name: str, sql: str, options: tuple[int, int]) -> Iterator[CatalogObject]:
    key = ("table", name)
    if sql.upper().startswith("CREATE VIRTUAL"):
        yield CatalogObject("table", name, _normalized(sql), None, _hints("table", name))
        return
    without_rowid, strict = options
    flags = ", ".join(flag for flag, on in (("WITHOUT ROWID", without_rowid), ("STRICT", strict)) if on)
    yield CatalogObject("table", name, flags, None, _hints("table", name))
    for column in _table_columns(conn, name):
        definition = column.type + (" NOT NULL" if column.not_null else "")
        definition += "" if column.default is None else f" DEFAULT {column.default}"
        definition += f" PRIMARY KEY ({column.primary_key})" if column.primary_key else ""
        definition += " GENERATED" if column.hidden in (2, 3) else ""
        hints = (("table", name, column.name), ("table", name.lower(), column.name.lower()))
        yield CatalogObject("column", f"{name}.{column.name}", definition.strip(), key, hints)
    for parent, own, theirs, on_update, on_delete in _foreign_keys(conn, name):
        target = "" if None in theirs else f" ({', '.join(str(c) for c in theirs)})"
        definition = f"REFERENCES {parent}{target} ON UPDATE {on_update} ON DELETE {on_delete}"
        yield CatalogObject("constraint", f"foreign key ({', '.join(own)}) on {name}", definition, key, _hints("table", name))
    for _, index, unique, origin, _ in conn.execute(f"PRAGMA index_list({_quoted(name)})"):
        if origin == "u" and unique:
            columns = ", ".join(str(c) for _, _, c in conn.execute(f"PRAGMA index_info({_quoted(index)})"))
            yield CatalogObject("constraint", f"unique ({columns}) on {name}", "UNIQUE", key, _hints("table", name))


def _hints(keyword: str, name: str) -> Hints:
    """The statement naming ``name``: as the catalog spells it, or folded as SQLite folds it."""
    return tuple(dict.fromkeys(((keyword, name), (keyword, name.lower()))))


def _normalized(sql: str) -> str:
    """The definition with its spacing and the case of its keywords made plain."""
    return " ".join(token if token[0] in "'\"`[" else token.lower() for token in _TOKEN.findall(sql))
