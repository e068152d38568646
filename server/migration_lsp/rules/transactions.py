"""Transaction control inside a literal that the app runs as one transaction."""

from __future__ import annotations

from itertools import compress
from typing import Iterable

from migration_lsp.findings import Finding
from migration_lsp.migration import ByText
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
    """Finds `BEGIN`, `COMMIT`, `ROLLBACK`, `SAVEPOINT` and the other transaction commands.

    ## What it does
    Reports each top-level `BEGIN`, `START TRANSACTION`, `COMMIT`, `END`, `ROLLBACK`,
    `ABORT`, `SAVEPOINT` and `RELEASE` in a migration literal. The `BEGIN … END` of a
    PL/pgSQL block inside `DO $$ … $$`, of a SQLite trigger's body and of a MySQL trigger or
    routine is not a transaction command and is not reported.

    ## Why is this bad?
    The migration is sent as one script and runs as one transaction. A `COMMIT` inside it
    ends that transaction early, so a later failure no longer undoes what came before; a
    `ROLLBACK` silently throws away everything before it: `CREATE TABLE a; ROLLBACK;
    CREATE TABLE b;` creates only `b`. What runs is no longer what the literal reads, and
    the fresh, existing and second runs differ ("Testing Migrations": no errors in any
    scenario; section 2, "Always Idempotent"). SQLite's drivers run the statements one by one:
    a failure after a `BEGIN` leaves its transaction open on the app's connection. MySQL
    commits before and after each `CREATE`, `ALTER` and `DROP`, whatever the literal says.

    ## Example
    ```sql
    BEGIN;
    CREATE TABLE IF NOT EXISTS mason_users (id UUID PRIMARY KEY);
    COMMIT;
    ```

    ## Use instead
    ```sql
    CREATE TABLE IF NOT EXISTS mason_users (id UUID PRIMARY KEY);
    ```
    Leave the transaction to whatever runs the migration; to let one statement fail
    harmlessly, wrap it in a `DO` block with an `EXCEPTION` handler.

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


# Which top-level statements control the transaction: looked up by text, in one pass, at each keystroke.
_controls = ByText(lambda top: top.fact.kind in _CONTROL)


# better-sqlite3, D1 and mysql2 run each statement on its own; PostgreSQL's drivers send one script.
_WHY = {
    "postgres": "the literal already runs as one transaction",
    "sqlite": "a failure between BEGIN and COMMIT leaves the transaction open on the app's connection",
    "mysql": "MySQL commits before and after each CREATE, ALTER and DROP anyway",
}


FAMILY = (TransactionControl,)
