"""Transaction control inside a literal that the app runs as one transaction."""

from __future__ import annotations

from itertools import compress
from typing import Iterable, Iterator

from migration_lsp.findings import Finding
from migration_lsp.migration import ByText, Migration
from migration_lsp.rules.base import Context, Rule
from migration_lsp.sql.facts import Kind

# The statement kinds of PostgreSQL's transaction commands (`BEGIN`/`END` here are the
# commands, never the words of a PL/pgSQL block, which stay inside their `DO` statement).
_CONTROL = {
    Kind.BEGIN: "BEGIN",
    Kind.START: "START TRANSACTION",
    Kind.COMMIT: "COMMIT",
    Kind.END: "END",
    Kind.ROLLBACK: "ROLLBACK",
    Kind.ABORT: "ABORT",
    Kind.SAVEPOINT: "SAVEPOINT",
    Kind.RELEASE: "RELEASE",
}


class TransactionControl(Rule):
    """Finds transaction commands, and statements PostgreSQL refuses inside a transaction.

    ## What it does
    Reports each top-level `BEGIN`, `START TRANSACTION`, `COMMIT`, `END`, `ROLLBACK`,
    `ABORT`, `SAVEPOINT` and `RELEASE` in a migration literal. The `BEGIN … END` of a
    PL/pgSQL block inside `DO $$ … $$`, of a SQLite trigger's body and of a MySQL trigger or
    routine is not a transaction command and is not reported.

    In PostgreSQL it also reports the statements that cannot run inside a transaction block:
    `CREATE INDEX CONCURRENTLY`, `DROP INDEX CONCURRENTLY`, `REINDEX … CONCURRENTLY`,
    `REINDEX DATABASE` and `SYSTEM`, `VACUUM`, `CREATE` and `DROP DATABASE` or `TABLESPACE`, and
    `ALTER SYSTEM`; at the top level when the literal holds other statements too (alone, the
    statement runs outside a transaction), and always inside a `DO` block.

    ## Why is this bad?
    The migration is sent as one script and runs as one transaction. A `COMMIT` inside it
    ends that transaction early, so a later failure no longer undoes what came before; a
    `ROLLBACK` silently throws away everything before it: `CREATE TABLE a; ROLLBACK;
    CREATE TABLE b;` creates only `b`. What runs is no longer what the literal reads, and
    the fresh, existing and second runs differ ("Testing Migrations": no errors in any
    scenario; section 2, "Always Idempotent"). SQLite's drivers run the statements one by one:
    a failure after a `BEGIN` leaves its transaction open on the app's connection. MySQL
    commits before and after each `CREATE`, `ALTER` and `DROP`, whatever the literal says.

    PostgreSQL refuses `CREATE INDEX CONCURRENTLY` and the others inside a transaction block
    with "cannot run inside a transaction block", on every run: the migration stops there.

    ## Example
    ```sql
    BEGIN;
    CREATE TABLE IF NOT EXISTS mason_users (id UUID PRIMARY KEY);
    COMMIT;
    CREATE INDEX CONCURRENTLY IF NOT EXISTS idx_mason_users_id ON mason_users(id);
    ```

    ## Use instead
    ```sql
    CREATE TABLE IF NOT EXISTS mason_users (id UUID PRIMARY KEY);
    CREATE INDEX IF NOT EXISTS idx_mason_users_id ON mason_users(id);
    ```
    Leave the transaction to whatever runs the migration; to let one statement fail
    harmlessly, wrap it in a `DO` block with an `EXCEPTION` handler. An index built without
    `CONCURRENTLY` holds off writes to its table while it is built; for a large table in
    use, build it on its own, outside the migration, and keep the migration's
    `CREATE INDEX IF NOT EXISTS` for fresh databases.

    ## Fix safety
    No automatic fix: removing the command changes what the migration does.
    """

    name = "transaction-control"
    severity = "warning"

    def check(self, ctx: Context) -> Iterable[Finding]:
        for m in ctx.migrations:
            for st in compress(m.statements, _controls.each(m)):
                command = _CONTROL[st.fact.kind]
                yield m.finding(self.name, f"{command} inside the migration changes what runs: {_WHY[m.dialect]}", *st.span())
            if m.dialect == "postgres":
                yield from self._refused(m)

    def _refused(self, m: Migration) -> Iterator[Finding]:
        tops = list(compress(m.statements, _refusing.each(m)))
        # Alone in its literal, a top-level statement is sent on its own, outside a transaction.
        alone = len(tops) == 1 and sum(st.kind != Kind.EMPTY for st in m.statements) == 1
        for top in tops:
            for st in (top, *top.nested()):
                words = st.fact.refused_in_transaction
                if words is not None and not (alone and st is top):
                    why = "cannot run inside a transaction block, and the migration runs as one" if st is top else "cannot run inside a transaction block, and a DO block always runs in one"
                    instead = "run it on its own, outside the migration"
                    if words.endswith("CONCURRENTLY"):
                        instead = f"drop CONCURRENTLY (writes to the table then wait while it runs), or {instead}"
                    yield m.finding(self.name, f"{words} {why}: it fails there on every run; {instead}", *st.span())


# Which top-level statements control the transaction: looked up by text, in one pass, at each keystroke.
_controls = ByText(lambda top: top.fact.kind in _CONTROL)
# Which hold a statement that PostgreSQL refuses inside a transaction block, nested ones included.
_refusing = ByText(lambda top: any(f.refused_in_transaction is not None for f in top.fact.walk()))


# better-sqlite3, D1 and mysql2 run each statement on its own; PostgreSQL's drivers send one script.
_WHY = {
    "postgres": "the literal already runs as one transaction",
    "sqlite": "a failure between BEGIN and COMMIT leaves the transaction open on the app's connection",
    "mysql": "MySQL commits before and after each CREATE, ALTER and DROP anyway",
}


FAMILY = (TransactionControl,)
