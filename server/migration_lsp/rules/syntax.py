"""Statements PostgreSQL cannot run as written, and SQL that cannot be checked at all."""

from __future__ import annotations

from typing import Iterable

from migration_lsp.findings import Finding
from migration_lsp.rules.base import Context, Rule
from migration_lsp.sql.facts import Kind


class SyntaxError_(Rule):
    """Finds statements PostgreSQL cannot parse.

    ## What it does
    Parses each statement with PostgreSQL's own parser (through pglast) and reports the
    first syntax error at the exact token, once per broken statement. The rest of the
    migration is still checked. A `DO` block's PL/pgSQL body is compiled as PostgreSQL
    compiles it when the block runs: an error in one of its SQL statements is reported at
    the token, any other (a missing `END IF`, an undeclared variable) at the `DO`. The SQL
    of an `EXECUTE '<constant>'` (or `EXECUTE format('…', 'arg')`) in a `DO` block is parsed
    as the string's value, its error reported inside the string literal.
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
    statement_local = True

    def check(self, ctx: Context) -> Iterable[Finding]:
        for m, st in ctx.executed():
            error = st.fact.syntax_error
            if error is None or m.literal.has_substitution(st.start, st.end):
                continue
            message, start, end = error
            # An unread construct is the checker's own limit: PostgreSQL may well run it.
            text = f"this cannot be checked: {message}" if st.kind == Kind.UNREAD else f"PostgreSQL cannot parse this statement: {message}"
            yield m.finding(self.name, text, st.at(start), st.at(end))


class DynamicSql(Rule):
    """Finds `${…}` substitutions in the migration SQL whose value only the app knows.

    ## What it does
    Reports each such substitution once, saying why its value is unknown (a parameter of a
    function, a `let`, a call). The checker replaces it with a placeholder so the rest of
    the statement can still be read.

    A `${X}` whose `X` is a constant is not reported: the SQL is checked with the value in
    its place. A constant is a `const` whose value is a string, a backtick string whose own
    `${…}` are all constants, or a number, declared in the same file (JavaScript's scoping
    decides which declaration a name means) or imported from a module of the workspace that
    exports such a `const` (one import deep: that module's own imports are not followed).
    Findings inside the value point at the whole `${X}`, and no fix edits it: the text
    belongs to the constant's declaration.

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
    const table = process.env.USERS_TABLE;
    const MIGRATION_SQL = `CREATE INDEX IF NOT EXISTS idx_${table}_user_id ON ${table}(user_id);`;
    ```

    ## Use instead
    Write the SQL out in full, one statement per table, or name the table with a constant:
    ```ts
    const USERS = 'mason_users';
    const MIGRATION_SQL = `CREATE INDEX IF NOT EXISTS idx_${USERS}_user_id ON ${USERS}(user_id);`;
    ```

    ## Fix safety
    No automatic fix.
    """

    name = "dynamic-sql"
    severity = "info"

    def check(self, ctx: Context) -> Iterable[Finding]:
        for m in ctx.migrations:
            for sub in m.literal.substitutions:
                yield m.finding(
                    self.name,
                    f"{sub.why}, so its value is only known at run time: this SQL cannot be checked, and it is an injection risk unless the value is trusted",
                    sub.start,
                    sub.end,
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
