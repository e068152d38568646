"""The rules ``migration-lsp verify`` reports, from what PostgreSQL did in the rulebook's
scenarios: registered here so that configuration, suppressions and the documentation know their names."""

from __future__ import annotations

from typing import Iterable

from migration_lsp.findings import Finding
from migration_lsp.rules.base import Context, Rule


class _ReportedByVerify(Rule):
    """Findings that only ``verify`` produces, from what PostgreSQL did."""

    reported_by = "verify"

    def check(self, ctx: Context) -> Iterable[Finding]:
        return ()


class VerifyFailed(_ReportedByVerify):
    """The database raised an error in one of the rulebook's test scenarios.

    ## What it does
    Reported by `migration-lsp verify` (and `--check --verify`), never while typing. It runs
    the migration on a throwaway PostgreSQL in the rulebook's scenarios: on a fresh database
    (`fresh`), a second time on the result (`twice`), and on a database built from each
    baseline and filled with rows (`upgrade:<baseline>`). Every error PostgreSQL raises is a
    finding at the failing statement, at PostgreSQL's error cursor when it gives one. The
    message names the scenario and the SQLSTATE. A SQLite literal runs the same scenarios on
    in-memory SQLite; its message names SQLite's error code when it is more than
    `SQLITE_ERROR`, and a syntax error points at the token SQLite names.

    ## Why is this bad?
    The rulebook asks for each of these runs and for "no errors in any scenario"
    (`database-migrations.md`, "Testing Migrations"). The app sends the literal as one
    transaction: one failing statement and none of the migration is applied, on every
    database in that state.

    ## Example
    A column new in the table body, indexed at once: the fresh database has it, an existing
    one does not.
    ```sql
    CREATE TABLE IF NOT EXISTS mason_users (id UUID PRIMARY KEY, email TEXT);
    CREATE INDEX IF NOT EXISTS idx_mason_users_email ON mason_users(email);
    -- upgrade:HEAD: column "email" does not exist (SQLSTATE 42703)
    ```

    ## Use instead
    ```sql
    CREATE TABLE IF NOT EXISTS mason_users (id UUID PRIMARY KEY, email TEXT);
    ALTER TABLE mason_users ADD COLUMN IF NOT EXISTS email TEXT;
    CREATE INDEX IF NOT EXISTS idx_mason_users_email ON mason_users(email);
    ```

    ## Fix safety
    No automatic fix. The static rules (`column-missing-on-upgrade`,
    `column-used-before-added`, `changed-definition-not-applied`, the idempotency rules) fix
    the causes they recognise.
    """

    name = "verify-failed"
    severity = "error"


class UpgradeDrift(_ReportedByVerify):
    """An upgraded database, or a second run, ends with another schema than a fresh database.

    ## What it does
    Reported by `migration-lsp verify`. After the `twice` and `upgrade:<baseline>` scenarios
    it compares PostgreSQL's catalog with the one a fresh run produced: tables, columns with
    types, defaults and nullability, constraints, indexes with their definitions, RLS,
    policies with their expressions, functions, triggers and publications. Each difference is
    a finding at the statement that defines the object.

    ## Why is this bad?
    Users who installed an older version keep a different schema: a missing column, an index
    on other columns, a policy with yesterday's `USING`. The app then fails, or leaks, only
    for them. The rulebook's "Testing Migrations" asks for the update scenario for this
    reason.

    ## Example
    ```sql
    -- HEAD had this index on (execution_run_id) alone
    CREATE INDEX IF NOT EXISTS idx_mason_execution_logs_run ON mason_execution_logs(execution_run_id, created_at);
    -- upgrade:HEAD: index idx_mason_execution_logs_run differs after upgrading from HEAD
    ```

    ## Use instead
    ```sql
    DROP INDEX IF EXISTS idx_mason_execution_logs_run;
    CREATE INDEX IF NOT EXISTS idx_mason_execution_logs_run_v2 ON mason_execution_logs(execution_run_id, created_at);
    ```

    ## Fix safety
    No automatic fix; `changed-definition-not-applied` and `column-missing-on-upgrade` fix
    the drift they find statically.
    """

    name = "upgrade-drift"
    severity = "error"


class DataLost(_ReportedByVerify):
    """Rows or columns of an existing database are gone after the upgrade.

    ## What it does
    Reported by `migration-lsp verify`. Before the `upgrade:<baseline>` scenario runs the
    migration, it fills every table of the baseline database with a few generated rows; after
    it, it counts them again and checks every column is still there. A missing row, column
    or table is a finding at the statement that removed it.

    ## Why is this bad?
    The rulebook's first principle: never delete user data (`database-migrations.md`,
    section 1). Upgrades run on databases full of it.

    ## Example
    ```sql
    DELETE FROM mason_execution_logs WHERE created_at < now() - interval '30 days';
    -- upgrade:HEAD: 3 of 3 rows of table public.mason_execution_logs are deleted
    ```

    ## Use instead
    Clean data up in application code, where it can be reviewed and run once.

    ## Fix safety
    No automatic fix.
    """

    name = "data-lost"
    severity = "error"


FAMILY = (VerifyFailed, UpgradeDrift, DataLost)
