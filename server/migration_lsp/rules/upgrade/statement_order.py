"""Statements in the wrong order for databases that already exist: a column used above the
``ADD COLUMN`` that adds it, and a ``NOT NULL`` column added, or set, without a value for the
rows there."""

from __future__ import annotations

import re
from operator import attrgetter, not_
from typing import Iterable, NamedTuple

from migration_lsp.findings import Finding, Fix
from migration_lsp.fixes.sql import insert_before
from migration_lsp.migration import ByText, Migration
from migration_lsp.model.names import canonical
from migration_lsp.rules.base import Context, Rule, executed_in
from migration_lsp.sql.facts import Column, Kind, Name, Statement
from migration_lsp.sql.normal import unwrap
from migration_lsp.sql.uses import column_uses, name_span

_WHY = "the whole migration fails with it when the app runs it as one transaction"


# One empty set for the thousands of statements that add, use or create none: a set per
# statement, kept across checks, would cost the collector's full passes.
_NO_COLUMNS: frozenset[tuple[Name, str]] = frozenset()
_NO_TABLES: frozenset[Name] = frozenset()


def _adds(top: Statement) -> frozenset[tuple[Name, str]]:
    """The (table, column) pairs that a top-level statement and those it nests add with ALTER
    TABLE … ADD COLUMN, keyed as the model keys them."""
    adds = frozenset((canonical(f.table), a.column) for f in top.fact.walk() if f.kind == Kind.ALTER_TABLE and f.table is not None for a in f.actions if a.kind == "add_column" and a.column)
    return adds or _NO_COLUMNS


class _Reads(NamedTuple):
    """What a top-level statement and those it nests need to exist, keyed as the model keys it."""

    uses: frozenset[tuple[Name, str]]  # columns, by table
    creates: frozenset[Name]  # the tables a CREATE TABLE creates, which a use above it needs


def _reads(top: Statement) -> _Reads:
    facts = list(top.fact.walk())
    uses = frozenset((canonical(u.table), u.column) for f in facts for u in column_uses(f))
    creates = frozenset(canonical(f.name) for f in facts if f.kind == Kind.CREATE_TABLE and f.name is not None)
    return _Reads(uses or _NO_COLUMNS, creates or _NO_TABLES)


# Most literals add no column with ALTER TABLE: what the others read is only asked of those that do.
_ADDS = ByText(_adds)
_READS = ByText(_reads)


class ColumnUsedBeforeAdded(Rule):
    """Finds a column used before the migration's own `ADD COLUMN` adds it.

    ## What it does
    Reports a statement that uses column `c` of table `t` above the migration's
    `ALTER TABLE t ADD COLUMN [IF NOT EXISTS] c`: an index on it (or a partial index's
    predicate), a policy's `USING` or `WITH CHECK`, a constraint or a foreign key, an
    `ALTER COLUMN`, an `UPDATE … SET c`, or a view.

    ## Why is this bad?
    The `ADD COLUMN` is there because older databases lack `c`. On those, the earlier
    statement fails with "column does not exist", and so does the whole migration when the
    app sends it as one transaction. A fresh database has the column from the `CREATE TABLE`
    body, so testing only on a fresh database never shows it; the rulebook asks for the
    update scenario too (`database-migrations.md`, "Testing Migrations").

    ## Example
    ```sql
    CREATE TABLE IF NOT EXISTS mason_api_keys (id UUID PRIMARY KEY, user_id UUID, revoked_at TIMESTAMPTZ);
    CREATE INDEX IF NOT EXISTS idx_mason_api_keys_active ON mason_api_keys(user_id) WHERE revoked_at IS NULL;
    ALTER TABLE mason_api_keys ADD COLUMN IF NOT EXISTS revoked_at TIMESTAMPTZ;
    ```

    ## Use instead
    ```sql
    CREATE TABLE IF NOT EXISTS mason_api_keys (id UUID PRIMARY KEY, user_id UUID, revoked_at TIMESTAMPTZ);
    ALTER TABLE mason_api_keys ADD COLUMN IF NOT EXISTS revoked_at TIMESTAMPTZ;
    CREATE INDEX IF NOT EXISTS idx_mason_api_keys_active ON mason_api_keys(user_id) WHERE revoked_at IS NULL;
    ```

    ## Fix safety
    Safe: it moves the `ADD COLUMN` statement up to just before the first use, which changes
    nothing on a fresh database, and writes it with `IF NOT EXISTS` (what
    `add-column-not-idempotent` asks for) where it had none. It is offered when that
    statement only adds columns and everything those columns reference already exists at
    the new place.
    """

    name = "column-used-before-added"
    severity = "error"
    fix = "safe"

    def check(self, ctx: Context) -> Iterable[Finding]:
        for m in ctx.migrations:
            added: dict[tuple[Name, str], Statement] = {}
            for st in executed_in(m, _ADDS.each(m)):
                f = st.fact
                if f.kind == Kind.ALTER_TABLE and f.table is not None:
                    for act in f.actions:
                        # Without IF NOT EXISTS the use fails on those databases just the same.
                        if act.kind == "add_column" and act.column:
                            added.setdefault((canonical(f.table), act.column), st)
            if not added:
                continue
            # The tables of the added columns, and those the added columns reference (for the fix).
            tables = {table for table, _ in added} | {canonical(refs) for st in added.values() for a in st.fact.actions if a.column_def is not None and (refs := a.column_def.references) is not None}
            # Only the statements that create those tables, and those that use an added column,
            # each found by a set test in C rather than a call per statement.
            reads = _READS.each(m)
            created: dict[Name, int] = {}
            for st in executed_in(m, map(not_, map(tables.isdisjoint, map(attrgetter("creates"), reads)))):
                f = st.fact
                if f.kind == Kind.CREATE_TABLE and f.name is not None:
                    created.setdefault(canonical(f.name), st.start)
            first_use: dict[tuple[Name, str], Statement] = {}
            for st in executed_in(m, map(not_, map(frozenset(added).isdisjoint, map(attrgetter("uses"), reads)))):
                seen = set()
                for u in column_uses(st.fact):
                    table, column, after = canonical(u.table), u.column, u.after
                    use = (table, column)
                    add = added.get(use)
                    if add is None or st.start >= add.start or use in seen:
                        continue
                    if created.get(table, -1) > st.start or st.catches("undefined_column"):
                        continue  # a table created further down is used-before-created's case
                    seen.add(use)
                    first = first_use.setdefault(use, st)
                    yield self._finding(m, st, use, after, add, first, created)

    def _finding(
        self,
        m: Migration,
        st: Statement,
        use: tuple[Name, str],
        after: int,
        add: Statement,
        first: Statement,
        created: dict[Name, int],
    ) -> Finding:
        table, column = use
        start, end = st.span(name_span(st.fact.text, column, after))
        return m.finding(
            self.name,
            f"column {column} of {table} is used before the ADD COLUMN further down adds it: databases that lack the column fail here, and {_WHY}",
            start,
            end,
            self._move(m, add, first.top, created),
        )

    @staticmethod
    def _move(m: Migration, add: Statement, before: Statement, created: dict[Name, int]) -> Fix | None:
        """Move the ADD COLUMN statement up to the line of ``before``, each column added ``IF NOT EXISTS``:
        add-column-not-idempotent's fix inside the moved statement could not be made in the same pass."""
        f = add.fact
        if add.parent is not None or any(a.kind != "add_column" for a in f.actions):
            return None
        for act in f.actions:
            refs = act.column_def.references if act.column_def is not None else None
            if refs is not None and created.get(canonical(refs), -1) > before.start:
                return None
        start, end = add.start, m.end_of(add)
        line_start = m.line_start(start)
        line_end = m.sql.find("\n", end)
        if not m.sql[line_start:start].strip() and not m.sql[end : len(m.sql) if line_end < 0 else line_end].strip():
            start, end = line_start, len(m.sql) if line_end < 0 else line_end + 1  # the statement's own lines
        text = f.text
        for at in sorted((a.insert_guard_at for a in f.actions if not a.if_not_exists and a.insert_guard_at is not None), reverse=True):
            text = f"{text[:at]} IF NOT EXISTS{text[at:]}"
        title = f"Move the ADD COLUMN of {', '.join(a.column or '' for a in f.actions)} up before its first use"
        return Fix(title, (*insert_before(m, before, f"{text};", title).edits, m.edit(start, end, "")))


class AddColumnRequired(Rule):
    """Finds `ADD COLUMN … NOT NULL` without a `DEFAULT`.

    ## What it does
    Reports an added column that is `NOT NULL` (or a `PRIMARY KEY`) and has neither a
    `DEFAULT` nor values of its own (identity, generated, `serial`). In SQLite it also
    reports the columns its `ADD COLUMN` refuses: one whose default is not a constant
    (`CURRENT_TIMESTAMP`, `(datetime('now'))`), on a table with rows, and, on every run, a
    `PRIMARY KEY`, `UNIQUE` or `STORED` generated column.

    ## Why is this bad?
    On a table with rows, PostgreSQL fills the new column with `NULL`, which the constraint
    forbids: "column contains null values", and the whole migration fails. A fresh database
    has no rows and passes, so only the update scenario shows it
    (`database-migrations.md`, "Testing Migrations"; "Column Modifications" adds columns
    with a default). SQLite fails the same way, and also where the default is not a
    constant ("Cannot add a column with non-constant default"); MySQL gives the rows that
    exist the type's implicit default (`0`, `''`) instead, and is not reported.

    ## Example
    ```sql
    ALTER TABLE mason_pm_backlog_items ADD COLUMN IF NOT EXISTS priority INTEGER NOT NULL;
    ```

    ## Use instead
    ```sql
    ALTER TABLE mason_pm_backlog_items ADD COLUMN IF NOT EXISTS priority INTEGER NOT NULL DEFAULT 0;
    ```
    or add it without `NOT NULL`, backfill it in application code, and set `NOT NULL` in a
    later release. In SQLite, give the column a constant default and set its values with
    an `UPDATE`; add a unique column without `UNIQUE`, then `CREATE UNIQUE INDEX IF NOT
    EXISTS` on it; make a generated column `VIRTUAL`.

    ## Fix safety
    No automatic fix: the right default is a decision about the data.
    """

    name = "add-column-required"
    severity = "error"
    statement_local = True

    def check(self, ctx: Context) -> Iterable[Finding]:
        for m, st in ctx.executed():
            # MySQL gives the rows that exist the type's implicit default instead of failing.
            if m.dialect == "mysql" or st.fact.kind != Kind.ALTER_TABLE or st.catches("not_null_violation"):
                continue
            error = "Cannot add a NOT NULL column with default value NULL" if m.dialect == "sqlite" else "column contains null values"
            for act in st.fact.actions:
                col = act.column_def
                if act.kind != "add_column" or col is None:
                    continue
                refused = _sqlite_refuses(col) if m.dialect == "sqlite" else None
                if refused is not None:
                    what, sqlite_error, instead = refused
                    message = f"ADD COLUMN {col.name} is {what}: SQLite refuses it with '{sqlite_error}' on every run; {instead}"
                elif col.not_null and not fills_itself(col):
                    message = f"ADD COLUMN {col.name} is NOT NULL without a DEFAULT: on a table that has rows it fails with '{error}', and {_WHY}; give it a DEFAULT"
                elif m.dialect == "sqlite" and col.default and not _sqlite_constant(col.default):  # DEFAULT NULL reads as ""
                    message = (
                        f"ADD COLUMN {col.name} has a DEFAULT that is not a constant: on a table that has rows SQLite fails with "
                        f"'Cannot add a column with non-constant default', and {_WHY}; give it a constant DEFAULT and set its values with an UPDATE"
                    )
                else:
                    continue
                yield m.finding(self.name, message, *st.span(act.span))


_SERIAL = re.compile(r"^(small|big)?serial[248]?$", re.IGNORECASE)


def _sqlite_refuses(col: Column) -> tuple[str, str, str] | None:
    """What SQLite's ADD COLUMN refuses of ``col`` whatever the table holds: what the column is,
    SQLite's error, and what to do instead."""
    if col.primary_key:
        return "a PRIMARY KEY", "Cannot add a PRIMARY KEY column", "a primary key comes only with CREATE TABLE"
    if col.unique:
        return "UNIQUE", "Cannot add a UNIQUE column", f"add it without UNIQUE, then CREATE UNIQUE INDEX IF NOT EXISTS on {col.name}"
    if _STORED.search(col.definition):
        return "a STORED generated column", "cannot add a STORED column", "make it VIRTUAL"
    return None


# A column's constant default, as SQLite's ADD COLUMN takes one: a number, a string, a blob,
# NULL, TRUE or FALSE, in parentheses or not. CURRENT_TIMESTAMP or any other expression is not.
_SQLITE_CONSTANT = re.compile(r"""[+-]?(?:\d[\w.]*(?:[eE][+-]?\d+)?|\.\d+)|'(?:[^']|'')*'|"(?:[^"]|"")*"|[xX]'[0-9a-fA-F]*'|NULL|TRUE|FALSE""", re.I)
_STORED = re.compile(r"\bSTORED\s*$", re.I)


def _sqlite_constant(default: str) -> bool:
    return _SQLITE_CONSTANT.fullmatch(unwrap(default)) is not None


def fills_itself(col: Column) -> bool:
    """Does an added column get values of its own (a default, a generated or serial column)?"""
    return col.default is not None or col.generated or bool(_SERIAL.match(col.type.strip()))


class SetNotNullWithoutBackfill(Rule):
    """Finds `ALTER COLUMN … SET NOT NULL` on a column whose existing rows may hold `NULL`.

    ## What it does
    Reports `ALTER TABLE t ALTER COLUMN c SET NOT NULL` (PostgreSQL) where databases that
    exist may have rows without `c`: with a baseline, those in which `t` has `c` nullable,
    or has `t` without `c`; without a baseline, any. An `UPDATE t SET c = …` above it fills
    those rows, and so does, for a column they do not have yet, the `ADD COLUMN` above it
    with a `DEFAULT`; a `DO` block that catches `not_null_violation` lets it fail harmlessly.

    ## Why is this bad?
    PostgreSQL checks every row: one without a value fails the statement with "column … contains
    null values", and the whole migration with it. A fresh database has no rows and passes,
    so only the update scenario shows it (`database-migrations.md`, "Testing Migrations";
    "Column Modifications").

    ## Example
    ```sql
    ALTER TABLE mason_users ADD COLUMN IF NOT EXISTS plan TEXT;
    ALTER TABLE mason_users ALTER COLUMN plan SET NOT NULL;
    ```

    ## Use instead
    ```sql
    ALTER TABLE mason_users ADD COLUMN IF NOT EXISTS plan TEXT;
    UPDATE mason_users SET plan = 'free' WHERE plan IS NULL;
    ALTER TABLE mason_users ALTER COLUMN plan SET NOT NULL;
    ```

    ## Fix safety
    No automatic fix: what the rows should hold is a decision about the data.
    """

    name = "set-not-null-without-backfill"
    severity = "warning"

    def check(self, ctx: Context) -> Iterable[Finding]:
        for m in ctx.migrations:
            if m.dialect != "postgres" or not any(_SETS_NOT_NULL.each(m)):
                continue
            updated: set[tuple[Name, str]] = set()
            added: set[tuple[Name, str]] = set()  # added above with a value for the rows there
            for st in executed_in(m, _FILLS_OR_SETS.each(m)):
                f = st.fact
                if f.table is None:
                    continue
                table = canonical(f.table)
                if f.kind == Kind.UPDATE:
                    updated.update((table, c) for c in f.set_columns)
                if f.kind != Kind.ALTER_TABLE:
                    continue
                for act in f.actions:
                    col = act.column_def
                    if act.kind == "add_column" and col is not None and col.default:  # DEFAULT NULL reads as ""
                        added.add((table, col.name))
                    elif act.kind == "set_not_null" and act.column and (table, act.column) not in updated and not st.catches("not_null_violation"):
                        where = _rows_without(ctx, table, act.column, (table, act.column) in added)
                        if where is not None:
                            yield m.finding(
                                self.name,
                                f'SET NOT NULL fails with \'column "{act.column}" of relation "{table.name}" contains null values\' {where}, and {_WHY}; '
                                f"fill those rows first: UPDATE {table.name} SET {act.column} = … WHERE {act.column} IS NULL",
                                *st.span(act.span),
                            )


def _rows_without(ctx: Context, table: Name, column: str, added: bool) -> str | None:
    """Where databases that exist may have rows of ``table`` without ``column``, in words, or None.
    ``added``: the migration adds the column above with a value for the rows there."""
    if not ctx.baselines:
        return None if added else f"on a database whose rows have no {column}"
    for b in ctx.baselines:
        old = b.schema.table(table)
        if old is None:
            continue  # the migration creates the table there, empty
        col = old.columns.get(column)
        if col is None and not added:
            return f"on databases built from {b.label}, whose {table.name} rows have no {column}"
        if col is not None and not col.not_null:
            return f"on databases built from {b.label}, where {column} may be NULL"
    return None


# Most literals set no NOT NULL: the others' statements are walked only where one does, and
# there only those that may fill a column or set one NOT NULL.
_SETS_NOT_NULL = ByText(lambda top: any(a.kind == "set_not_null" for f in top.fact.walk() if f.kind == Kind.ALTER_TABLE for a in f.actions))
_FILLS_OR_SETS = ByText(lambda top: any(f.kind in (Kind.UPDATE, Kind.ALTER_TABLE) for f in top.fact.walk()))


FAMILY = (ColumnUsedBeforeAdded, AddColumnRequired, SetNotNullWithoutBackfill)
