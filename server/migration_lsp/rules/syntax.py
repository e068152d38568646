"""Statements PostgreSQL cannot run as written, and SQL that cannot be checked at all."""

from __future__ import annotations

from typing import Iterable

from migration_lsp.findings import Finding
from migration_lsp.rules.base import Context, Rule


class SyntaxError_(Rule):
    """Finds statements PostgreSQL cannot parse.

    ## What it does
    Parses each statement with PostgreSQL's own parser (through pglast) and reports the
    first syntax error at the exact token, once per broken statement. The rest of the
    migration is still checked. A `DO` block's PL/pgSQL body is compiled as PostgreSQL
    compiles it when the block runs: an error in one of its SQL statements is reported at
    the token, any other (a missing `END IF`, an undeclared variable) at the `DO`.
    Statements that hold a `${…}` substitution are not parsed: their text is only known at
    run time. Blocks, `IF`, `CASE`, loops and `DO` blocks nested more than 64 deep, counted
    together, are not read: one finding at the first construct past that depth says so.

    ## Why is this bad?
    The migration runs as one script: a statement that does not parse fails the whole run,
    on a fresh database and on every existing one ("Testing Migrations": verify no errors in
    any scenario).

    ## Example
    ```sql
    CREATE TABLE IF NOT EXISTS mason_users (id UUID PRIMARY KEY,);
    ```

    ## Use instead
    ```sql
    CREATE TABLE IF NOT EXISTS mason_users (id UUID PRIMARY KEY);
    ```

    ## Fix safety
    No automatic fix.
    """

    postgres_only = True
    name = "syntax-error"
    severity = "error"

    def check(self, ctx: Context) -> Iterable[Finding]:
        for m, st in ctx.executed():
            error = st.fact.syntax_error
            if error is None or m.literal.has_substitution(st.start, st.end):
                continue
            message, start, end = error
            # An unread construct is the checker's own limit: PostgreSQL may well run it.
            text = f"this cannot be checked: {message}" if st.kind == "unread" else f"PostgreSQL cannot parse this statement: {message}"
            yield m.finding(self.name, text, st.at(start), st.at(end))


class DynamicSql(Rule):
    """Finds `${…}` substitutions in the migration SQL.

    ## What it does
    Reports each substitution once. The checker replaces it with a placeholder so the rest
    of the statement can still be read.

    A table, policy or other object whose name holds a substitution matches no other name:
    the coverage, per-table and upgrade rules stay silent on it. A statement on a table so
    named may be on any table the name could spell (`mason_${kind}` could be `mason_logs`),
    and those rules stay silent on those tables too, unless the same literal created the
    table under the same `${…}`.

    ## Why is this bad?
    What a substitution inserts is only known at run time, so that part of the migration
    cannot be checked. When the value is not a constant it is also an injection risk: the
    migration runs with full privileges.

    ## Example
    ```ts
    const MIGRATION_SQL = `CREATE INDEX IF NOT EXISTS idx_${table}_user_id ON ${table}(user_id);`;
    ```

    ## Use instead
    Write the SQL out in full, one statement per table.

    ## Fix safety
    No automatic fix.
    """

    name = "dynamic-sql"
    severity = "info"

    def check(self, ctx: Context) -> Iterable[Finding]:
        for m in ctx.migrations:
            for start, end in m.literal.substitutions:
                yield m.finding(
                    self.name,
                    "this ${…} substitution is only known at run time: it cannot be checked, and it is an injection risk unless it is a constant",
                    start,
                    end,
                )


class UnusedSuppression(Rule):
    """Finds suppression comments that suppress nothing.

    ## What it does
    Reports a `-- migration-lsp: ignore RULE` (or `ignore-file`, or
    `// migration-lsp: ignore RULE`) comment when no finding of that rule is where it
    points, or when it names an unknown rule.

    ## Why is this bad?
    A stale suppression hides the next real finding at that place, and an unknown rule name
    (a typo) suppresses nothing at all.

    ## Example
    ```sql
    -- migration-lsp: ignore drop-table -- legacy table, removed in v2
    CREATE TABLE IF NOT EXISTS mason_users (id UUID PRIMARY KEY);
    ```

    ## Use instead
    Remove the comment, or correct the rule name.

    ## Fix safety
    No automatic fix.
    """

    name = "unused-suppression"
    severity = "info"
    reported_by = "suppressions"

    def check(self, ctx: Context) -> Iterable[Finding]:
        # Reported by the suppression pass, which alone knows what each comment suppressed.
        return ()


FAMILY = (SyntaxError_, DynamicSql, UnusedSuppression)
