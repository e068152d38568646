"""Rulebook section 1, "NEVER Delete User Data".

None of these has an automatic fix: the safe alternative is a change of plan (add the new
structure, migrate the data in application code, remove the old one later), not an edit.
"""

from __future__ import annotations

from typing import Iterable

from migration_lsp.findings import Finding
from migration_lsp.rules.base import Context, Rule
from migration_lsp.sql.facts import Kind

_INSTEAD = "add the new structure, migrate the data in application code, and remove the old one only after confirming the migration succeeded"


class DropTable(Rule):
    """Finds `DROP TABLE`, with or without `IF EXISTS`.

    ## What it does
    Reports every `DROP TABLE` the migration executes, including inside `DO` blocks.

    ## Why is this bad?
    The migration runs on every start and on every "Update Database Schema" click, against
    databases full of user data. Dropping a table deletes all of it, on every database that
    runs the migration. The rulebook prohibits it absolutely
    (`database-migrations.md`, section 1, "NEVER Delete User Data").

    ## Example
    ```sql
    DROP TABLE IF EXISTS mason_old_items;
    ```

    ## Use instead
    Leave the table in place. If its data must move, create the new table, copy the data in
    application code, and remove the old table in a later, deliberate release.

    ## Fix safety
    No automatic fix: removing the statement changes what the migration does.
    """

    name = "drop-table"
    severity = "error"
    statement_local = True

    def check(self, ctx: Context) -> Iterable[Finding]:
        for m, st in ctx.executed():
            f = st.fact
            if f.kind == Kind.DROP and f.object_type == "TABLE":
                yield m.finding(self.name, f"DROP TABLE {f.name} deletes every row of the table: {_INSTEAD}", *st.span())


class DeleteRows(Rule):
    """Finds `DELETE FROM` statements.

    ## What it does
    Reports every `DELETE` the migration executes, with or without `WHERE`. A
    `ON DELETE CASCADE` in a foreign key is not a `DELETE` and is not reported; a `DELETE`
    inside a function body is not executed by the migration and is not reported either.

    ## Why is this bad?
    A migration that runs repeatedly deletes the matching rows on every run, from every
    database, including rows users created since the last run. The rulebook prohibits
    `DELETE FROM` in migrations (section 1).

    ## Example
    ```sql
    DELETE FROM mason_pm_backlog_items WHERE status = 'stale';
    ```

    ## Use instead
    Clean data up in application code, where it can be reviewed and run once.

    ## Fix safety
    No automatic fix.
    """

    name = "delete-rows"
    severity = "error"
    statement_local = True

    def check(self, ctx: Context) -> Iterable[Finding]:
        for m, st in ctx.executed():
            if st.fact.kind == Kind.DELETE:
                target = f" from {st.fact.table}" if st.fact.table else ""
                yield m.finding(self.name, f"DELETE removes user data{target} on every run: {_INSTEAD}", *st.span())


class Truncate(Rule):
    """Finds `TRUNCATE`.

    ## What it does
    Reports every `TRUNCATE` the migration executes.

    ## Why is this bad?
    `TRUNCATE` empties a table at once, on every database that runs the migration, on every
    run. The rulebook prohibits it (section 1).

    ## Example
    ```sql
    TRUNCATE mason_execution_logs;
    ```

    ## Use instead
    Remove old rows in application code, with a condition, where it can be reviewed.

    ## Fix safety
    No automatic fix.
    """

    name = "truncate"
    severity = "error"
    statement_local = True

    def check(self, ctx: Context) -> Iterable[Finding]:
        for m, st in ctx.executed():
            if st.fact.kind == Kind.TRUNCATE:
                yield m.finding(self.name, f"TRUNCATE empties {st.fact.table or 'the table'} on every run: {_INSTEAD}", *st.span())


class DropColumn(Rule):
    """Finds `ALTER TABLE … DROP COLUMN`.

    ## What it does
    Reports each `DROP COLUMN` action, also inside a multi-action `ALTER TABLE`.

    ## Why is this bad?
    Dropping a column deletes its data in every row, and breaks code that still reads it.
    The rulebook prohibits removing columns that contain user data (section 1).

    ## Example
    ```sql
    ALTER TABLE mason_users DROP COLUMN legacy_token;
    ```

    ## Use instead
    Stop using the column in the code, keep it in the database, and remove it in a later,
    deliberate release once nothing reads it.

    ## Fix safety
    No automatic fix.
    """

    name = "drop-column"
    severity = "error"
    statement_local = True

    def check(self, ctx: Context) -> Iterable[Finding]:
        for m, st in ctx.executed():
            for act in st.fact.actions:
                if act.kind == "drop_column" and st.fact.kind == Kind.ALTER_TABLE:
                    yield m.finding(
                        self.name,
                        f"DROP COLUMN {act.column} deletes that column's data in every row of {st.fact.table}: {_INSTEAD}",
                        *st.span(act.span),
                    )


# Objects whose CASCADE can take tables or columns with it: columns of a type, domain,
# collation or an extension's type, generated columns that call a function or use a text
# search configuration, foreign tables of a server. (A sequence's CASCADE only drops column
# defaults, a view's only other views.)
_CASCADE_TAKES_DATA = frozenset(
    {
        "SCHEMA",
        "TYPE",
        "DOMAIN",
        "EXTENSION",
        "FUNCTION",
        "ROUTINE",
        "COLLATION",
        "SERVER",
        "FOREIGN DATA WRAPPER",
        "FOREIGN TABLE",
        "TEXT SEARCH CONFIGURATION",
        "TEXT SEARCH DICTIONARY",
    }
)


class DestructiveDdl(Rule):
    """Finds other statements that can destroy data: whole schemas, cascades, unbounded updates.

    ## What it does
    Reports `DROP SCHEMA`, `DROP DATABASE`, `DROP OWNED`, `DROP MATERIALIZED VIEW`, any
    `DROP … CASCADE` that can take tables or columns with it (types, domains, extensions,
    functions used by generated columns, …), and `UPDATE` without `WHERE`.

    ## Why is this bad?
    Each of these can delete or overwrite user data on every run of the migration, often
    far beyond the object named. The rulebook prohibits "any operation that could cause data
    loss" (section 1).

    ## Example
    ```sql
    DROP TYPE IF EXISTS item_status CASCADE;
    UPDATE mason_pm_backlog_items SET status = 'new';
    ```

    ## Use instead
    Add new objects beside the old ones and migrate data in application code. An `UPDATE`
    that backfills a new column must say which rows it touches:
    ```sql
    UPDATE mason_pm_backlog_items SET status = 'new' WHERE status IS NULL;
    ```

    ## Fix safety
    No automatic fix.
    """

    name = "destructive-ddl"
    severity = "error"
    statement_local = True

    def check(self, ctx: Context) -> Iterable[Finding]:
        for m, st in ctx.executed():
            f = st.fact
            if f.kind == Kind.DROP:
                obj = f.object_type or ""
                if obj in ("SCHEMA", "DATABASE", "OWNED", "MATERIALIZED VIEW"):
                    yield m.finding(self.name, f"DROP {obj} can delete user data: {_INSTEAD}", *st.span())
                elif f.cascade and obj in _CASCADE_TAKES_DATA:
                    yield m.finding(
                        self.name,
                        f"DROP {obj} … CASCADE also drops the columns and tables that depend on {f.name}: {_INSTEAD}",
                        *st.span(),
                    )
            elif f.kind == Kind.UPDATE and not f.has_where:
                yield m.finding(
                    self.name,
                    f"UPDATE without WHERE overwrites {f.table or 'the table'} in every row on every run; say which rows it backfills (e.g. WHERE column IS NULL)",
                    *st.span(),
                )


class ColumnTypeChange(Rule):
    """Finds `ALTER COLUMN … TYPE`.

    ## What it does
    Reports each `ALTER COLUMN … [SET DATA] TYPE` action.

    ## Why is this bad?
    Changing a column's type rewrites every row, can fail or lose precision on existing
    data, and breaks code that expects the old type. The rulebook calls it dangerous
    ("Column Modifications").

    ## Example
    ```sql
    ALTER TABLE mason_pm_execution_runs ALTER COLUMN duration TYPE integer;
    ```

    ## Use instead
    ```sql
    ALTER TABLE mason_pm_execution_runs ADD COLUMN IF NOT EXISTS duration_ms integer;
    ```
    Migrate the data in application code and keep the old column for backwards
    compatibility.

    ## Fix safety
    No automatic fix.
    """

    name = "column-type-change"
    severity = "warning"
    statement_local = True

    def check(self, ctx: Context) -> Iterable[Finding]:
        for m, st in ctx.executed():
            for act in st.fact.actions:
                if act.kind == "alter_type":
                    yield m.finding(
                        self.name,
                        f"changing the type of {act.column} rewrites existing data and breaks code that expects the old type; add a new column and migrate the data in application code",
                        *st.span(act.span),
                    )


class Rename(Rule):
    """Finds `RENAME TO` and `RENAME COLUMN`.

    ## What it does
    Reports renames of tables, columns, constraints and other objects, and MySQL's
    `CHANGE COLUMN old new …` where the new name is another.

    ## Why is this bad?
    Code still using the old name breaks as soon as the migration runs, and the second run
    fails because the old name no longer exists: the statement is not idempotent
    (sections 1 and 2).

    ## Example
    ```sql
    ALTER TABLE mason_users RENAME COLUMN name TO display_name;
    ```

    ## Use instead
    ```sql
    ALTER TABLE mason_users ADD COLUMN IF NOT EXISTS display_name TEXT;
    ```
    Copy the data in application code and keep the old column until nothing reads it.

    ## Fix safety
    No automatic fix.
    """

    name = "rename"
    severity = "warning"
    statement_local = True

    def check(self, ctx: Context) -> Iterable[Finding]:
        for m, st in ctx.executed():
            for act in st.fact.actions:
                if act.kind in ("rename", "rename_column"):
                    what = act.column or st.fact.table or st.fact.name or "the object"
                    yield m.finding(
                        self.name,
                        f"renaming {what} breaks code that uses the old name, and a second run fails because the old name is gone; add the new name beside the old one instead",
                        *st.span(act.span),
                    )


FAMILY = (DropTable, DeleteRows, Truncate, DropColumn, DestructiveDdl, ColumnTypeChange, Rename)
