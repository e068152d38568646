"""Rulebook section 2, "Always Idempotent": every statement must survive a second run."""

from __future__ import annotations

from typing import Callable, Iterable, Iterator

from migration_lsp.findings import Finding, Fix
from migration_lsp.fixes.sql import guard_policy, guard_with_handler, insert_before, insert_words
from migration_lsp.migration import ByText, Migration
from migration_lsp.rules.base import Context, Rule
from migration_lsp.sql.facts import Constraint, Fact, Guard, Kind, Name, Span, Statement
from migration_lsp.sql.quote import sql_ident, sql_string

# The rules whose fixes are written per dialect (or withheld where the dialect has no form).
_EVERY_DIALECT = frozenset({"postgres", "sqlite", "mysql"})


def previous_statements(m: Migration, st: Statement) -> Iterator[Statement]:
    """Statements executed before ``st``, nearest first: earlier ones of its own block, then
    those before the block, out to the literal's top level."""
    while st.parent is not None:
        siblings = [s for s in st.parent.nested() if s.parent is st.parent]
        for s in reversed(siblings):
            if s.start < st.start:
                yield s
        st = st.parent
    yield from (m.statements[i] for i in range(st.index - 1, -1, -1))


def _same_name(a: Name | None, b: Name | None) -> bool:
    return a is not None and b is not None and a.key() == b.key()


def _has_substitution(m: Migration, st: Statement, span: Span | None) -> bool:
    """Does this part of the statement hold a ``${…}``, whose text only the app knows?"""
    return span is not None and m.literal.has_substitution(*st.span(span))


def _last_event(m: Migration, st: Statement, event: Callable[[Fact], str | None]) -> str | None:
    """The last ``"drop"`` or ``"create"`` of an object that runs before ``st``, as ``event``
    tells them from the other statements (None for those), or None if neither does."""
    for prev in previous_statements(m, st):
        # A DO block runs its statements in order: the last one that touches the object counts.
        for f in reversed(list(prev.fact.walk())):
            found = event(f)
            if found is not None:
                return found
    return None


def _dropped_before(m: Migration, st: Statement, object_type: str, name: Name | None, table: Name | None = None) -> bool:
    """Does a ``DROP <object_type>`` of the same object run before ``st``, anywhere earlier,
    with nothing in between creating it again?

    Without ``IF EXISTS`` the drop is not idempotent itself (``drop-not-idempotent`` says
    so), but the statement after it no longer meets the object on a second run.
    """

    def event(f: Fact) -> str | None:
        if not _same_name(f.name, name) or (table is not None and not _same_name(f.table, table)):
            return None
        if f.kind == Kind.DROP and f.object_type == object_type:
            return "drop"
        # CREATE CONSTRAINT TRIGGER makes a trigger too.
        if f.kind.creates and (f.object_type or "").split(" ")[-1] == object_type:
            return "create"
        return None

    return _last_event(m, st, event) == "drop"


def _constraint_dropped_before(m: Migration, st: Statement, constraint: str) -> bool:
    """Does a ``DROP CONSTRAINT`` of ``constraint`` on the statement's table run before it,
    with nothing in between adding it again?"""
    table = st.fact.table

    def event(f: Fact) -> str | None:
        if f.kind == Kind.ALTER_TABLE and _same_name(f.table, table):
            # One ALTER TABLE runs its actions in order.
            for act in reversed(f.actions):
                if act.kind == "drop_constraint" and act.column == constraint:
                    return "drop"
                if act.kind == "add_constraint" and act.constraint is not None and act.constraint.name == constraint:
                    return "create"
        elif f.kind == Kind.CREATE_TABLE and _same_name(f.name, table) and any(c.name == constraint for c in f.constraints):
            return "create"
        return None

    return _last_event(m, st, event) == "drop"


class CreateTableNotIdempotent(Rule):
    """Finds `CREATE TABLE` without `IF NOT EXISTS`.

    ## What it does
    Reports `CREATE TABLE` statements that fail when the table already exists.

    ## Why is this bad?
    The migration runs again on every start and every "Update Database Schema" click. The
    second run stops at this statement with "relation already exists", and everything after
    it never runs (`database-migrations.md`, section 2, "Always Idempotent").

    ## Example
    ```sql
    CREATE TABLE mason_users (id UUID PRIMARY KEY DEFAULT gen_random_uuid());
    ```

    ## Use instead
    ```sql
    CREATE TABLE IF NOT EXISTS mason_users (id UUID PRIMARY KEY DEFAULT gen_random_uuid());
    ```

    ## Fix safety
    Safe: it inserts `IF NOT EXISTS` and changes nothing on a fresh database.
    """

    name = "create-table-not-idempotent"
    severity = "error"
    statement_local = True
    fix = "safe"
    fix_dialects = _EVERY_DIALECT

    def check(self, ctx: Context) -> Iterable[Finding]:
        for m, st in ctx.executed():
            f = st.fact
            if f.kind in (Kind.CREATE_TABLE, Kind.CREATE_FOREIGN_TABLE) and not f.if_not_exists and not f.temporary and not st.guarded("not_exists", "duplicate_table"):
                yield m.finding(
                    self.name,
                    f"CREATE TABLE {f.name} fails on the second run; add IF NOT EXISTS",
                    *st.span(),
                    insert_words(m, st.at(f.keyword_end or 0), "IF NOT EXISTS"),
                )


# What a MySQL index that fails on the second run is to do instead (it has no IF NOT EXISTS).
_MYSQL_INDEX = ", and MySQL has no IF NOT EXISTS for indexes: check information_schema.statistics first, or create the index inside CREATE TABLE IF NOT EXISTS"


class CreateIndexNotIdempotent(Rule):
    """Finds `CREATE [UNIQUE] INDEX [CONCURRENTLY]` without `IF NOT EXISTS`.

    ## What it does
    Reports index creation that fails when the index already exists, and unnamed indexes,
    which cannot be made idempotent at all. In MySQL, `ALTER TABLE … ADD INDEX` (or `KEY`,
    `FULLTEXT`, `SPATIAL`) too; an index declared inside `CREATE TABLE IF NOT EXISTS` is
    skipped with its table, and is fine.

    ## Why is this bad?
    A named index fails the second run with "relation already exists". An unnamed index
    does not fail: it silently adds one more copy of the index on every run, slowing every
    write (section 2, "Always Idempotent").

    ## Example
    ```sql
    CREATE INDEX idx_mason_api_keys_user_id ON mason_api_keys(user_id);
    CREATE INDEX ON mason_api_keys(user_id);
    ```

    ## Use instead
    ```sql
    CREATE INDEX IF NOT EXISTS idx_mason_api_keys_user_id ON mason_api_keys(user_id);
    ```

    ## Fix safety
    Safe for a named index: it inserts `IF NOT EXISTS`. For an unnamed index the fix also
    gives the index a name, which is unsafe: databases that already ran the migration keep
    their unnamed copies. MySQL has no `CREATE INDEX IF NOT EXISTS`: there the message says
    what to do, and there is no fix.
    """

    name = "create-index-not-idempotent"
    severity = "error"
    statement_local = True
    fix = "sometimes"
    fix_dialects = _EVERY_DIALECT

    def check(self, ctx: Context) -> Iterable[Finding]:
        for m, st in ctx.executed():
            f = st.fact
            if f.kind == Kind.ALTER_TABLE and m.dialect == "mysql":
                for act in f.actions:
                    if act.kind != "add_index" or act.constraint is None:
                        continue
                    added = "ADD " + act.constraint.definition.split(None, 1)[0].upper()  # INDEX, KEY, FULLTEXT …
                    if act.constraint.name is None:  # MySQL names it after its first column, then _2, _3 …
                        message = f"{added} without a name adds another copy of the index to {f.table} on every run; name it and create it inside CREATE TABLE IF NOT EXISTS"
                    else:
                        message = f"{added} {act.constraint.name} fails on the second run{_MYSQL_INDEX}"
                    yield m.finding(self.name, message, *st.span(act.span))
                continue
            if f.kind != Kind.CREATE_INDEX or f.if_not_exists or st.guarded("not_exists", "duplicate_table"):
                continue
            at = st.at(f.keyword_end or 0)
            if m.dialect == "mysql":
                # MySQL has no CREATE INDEX IF NOT EXISTS: an inserted one would not parse.
                index = f"CREATE INDEX {f.name}" if f.name else "CREATE INDEX"
                yield m.finding(self.name, f"{index} fails on the second run{_MYSQL_INDEX}", *st.span())
                continue
            if f.name is None:
                table = f.table.name if f.table else "table"
                name = "_".join(["idx", table, *f.index_columns[:3]])[:63]
                named = None if _has_substitution(m, st, f.table_span) else insert_words(m, at, f"IF NOT EXISTS {sql_ident(name)}", f"Name the index {name} and add IF NOT EXISTS", safe=False)
                yield m.finding(
                    self.name,
                    "an unnamed index cannot be made idempotent: every run adds another copy; name it and add IF NOT EXISTS",
                    *st.span(),
                    named,
                )
            else:
                yield m.finding(
                    self.name,
                    f"CREATE INDEX {f.name} fails on the second run; add IF NOT EXISTS",
                    *st.span(),
                    insert_words(m, at, "IF NOT EXISTS"),
                )


# Dialects without ADD COLUMN IF NOT EXISTS get no fix; the message says what to do instead
# (here, and where an upgrade misses a column).
NO_ADD_COLUMN_GUARD = {
    "sqlite": "SQLite has no IF NOT EXISTS for columns: check PRAGMA table_info first, or run it once from a versioned migration",
    "mysql": "MySQL has no IF NOT EXISTS for columns: check information_schema.columns first, or run it once from a versioned migration",
}


class AddColumnNotIdempotent(Rule):
    """Finds `ALTER TABLE … ADD [COLUMN]` without `IF NOT EXISTS`.

    ## What it does
    Reports each `ADD COLUMN` action without `IF NOT EXISTS`, also inside a multi-action
    `ALTER TABLE`.

    ## Why is this bad?
    The second run fails with "column already exists" and stops the migration
    (section 2, "Always Idempotent"; "Column Modifications").

    ## Example
    ```sql
    ALTER TABLE mason_users ADD COLUMN avatar_url TEXT;
    ```

    ## Use instead
    ```sql
    ALTER TABLE mason_users ADD COLUMN IF NOT EXISTS avatar_url TEXT;
    ```

    ## Fix safety
    Safe: it inserts `IF NOT EXISTS` after `ADD [COLUMN]`. SQLite and MySQL have no such
    clause: there the message says what to do, and there is no fix.
    """

    name = "add-column-not-idempotent"
    severity = "error"
    statement_local = True
    fix = "safe"
    fix_dialects = _EVERY_DIALECT

    def check(self, ctx: Context) -> Iterable[Finding]:
        for m, st in ctx.executed():
            if st.fact.kind != Kind.ALTER_TABLE or st.guarded("not_exists", "duplicate_column"):
                continue
            for act in st.fact.actions:
                if act.kind == "add_column" and not act.if_not_exists and act.insert_guard_at is not None:
                    if m.dialect in NO_ADD_COLUMN_GUARD:
                        yield m.finding(self.name, f"ADD COLUMN {act.column} fails on the second run, and {NO_ADD_COLUMN_GUARD[m.dialect]}", *st.span(act.span))
                        continue
                    yield m.finding(
                        self.name,
                        f"ADD COLUMN {act.column} fails on the second run; add IF NOT EXISTS",
                        *st.span(act.span),
                        insert_words(m, st.at(act.insert_guard_at), "IF NOT EXISTS"),
                    )


def _in_quoted_body(st: Statement) -> bool:
    parent = st.parent
    while parent is not None:
        if parent.fact.quoted_body is not None:
            return True
        parent = parent.parent
    return False


def _policy_guard(st: Statement) -> tuple[Guard, int] | None:
    """The ``IF NOT EXISTS`` check of pg_policies around ``st``, with the offset of the block
    that holds it (see :meth:`Statement.held_guards`)."""
    for g, base in st.held_guards():
        if g.kind == "not_exists" and (g.catalog or "").split(".")[-1] in ("pg_policies", "pg_policy"):
            return g, base
    return None


def _unguarded_policy(top: Statement) -> bool:
    """Does the statement create a policy, or nest one, that no guard of its own block checks?"""
    for st in (top, *top.nested()):
        f = st.fact
        if f.kind == Kind.CREATE_POLICY and f.name is not None and f.table is not None and _policy_guard(st) is None and not st.catches("duplicate_object"):
            return True
    return False


# Only a policy its own block leaves unguarded is looked for among the statements before it.
_UNGUARDED_POLICIES = ByText(_unguarded_policy)


class PolicyNotGuarded(Rule):
    """Finds `CREATE POLICY` with no existence check.

    ## What it does
    Reports a `CREATE POLICY` that is not guarded by one of: a `DO` block whose
    `IF NOT EXISTS (SELECT … FROM pg_policies WHERE …)` checks it, a `DO` block whose
    `EXCEPTION WHEN duplicate_object` catches it, or a `DROP POLICY IF EXISTS` of the same
    policy on the same table anywhere earlier in the literal, with no statement in between
    creating it again.

    ## Why is this bad?
    PostgreSQL has no `CREATE POLICY IF NOT EXISTS`. The second run fails with "policy
    already exists" and stops the migration. The rulebook's form is the guarded `DO` block
    (section 2, "For RLS policies, check existence first").

    ## Example
    ```sql
    CREATE POLICY "Allow all on users" ON mason_users FOR ALL USING (true) WITH CHECK (true);
    ```

    ## Use instead
    ```sql
    DO $$ BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE tablename = 'mason_users' AND policyname = 'Allow all on users') THEN
        CREATE POLICY "Allow all on users" ON mason_users FOR ALL USING (true) WITH CHECK (true);
      END IF;
    END $$;
    ```

    ## Fix safety
    Safe: the fix wraps the statement in that block, with the names taken from the policy
    itself (and `schemaname` when the table is qualified), keeping the indentation. Inside a
    `DO` body written between quotes (`DO '…'`), where the guard's quotes would end the body,
    no fix is offered.
    """

    postgres_only = True
    name = "policy-not-guarded"
    severity = "error"
    fix = "safe"

    def check(self, ctx: Context) -> Iterable[Finding]:
        for m, st in ctx.executed(_UNGUARDED_POLICIES):
            f = st.fact
            if f.kind != Kind.CREATE_POLICY or f.name is None or f.table is None:
                continue
            # A check of pg_policies that names another policy is policy-guard-mismatch's.
            if _policy_guard(st) is not None or _dropped_before(m, st, "POLICY", f.name, f.table):
                continue
            if st.catches("duplicate_object"):
                continue
            yield m.finding(
                self.name,
                f'CREATE POLICY "{f.name.name}" fails on the second run; wrap it in a DO block that checks pg_policies first',
                *st.span(),
                guard_policy(m, st),
            )


class PolicyGuardMismatch(Rule):
    """Finds a policy guard that checks another table or policy than the one it creates.

    ## What it does
    Compares the `tablename`, `policyname` and `schemaname` that a
    `IF NOT EXISTS (SELECT … FROM pg_policies WHERE …)` guard checks with the policy it
    guards.

    ## Why is this bad?
    It is a copy-paste bug. If the guard names a policy that exists, the new policy is never
    created; if it names one that never exists, the second run fails with "policy already
    exists" (section 2).

    ## Example
    ```sql
    DO $$ BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE tablename = 'mason_users' AND policyname = 'Allow all on users') THEN
        CREATE POLICY "Allow all on keys" ON mason_api_keys FOR ALL USING (true);
      END IF;
    END $$;
    ```

    ## Use instead
    ```sql
    DO $$ BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE tablename = 'mason_api_keys' AND policyname = 'Allow all on keys') THEN
        CREATE POLICY "Allow all on keys" ON mason_api_keys FOR ALL USING (true);
      END IF;
    END $$;
    ```

    ## Fix safety
    Safe: the fix corrects the guard's names to the policy's own.
    """

    postgres_only = True
    name = "policy-guard-mismatch"
    severity = "error"
    statement_local = True
    fix = "safe"

    def check(self, ctx: Context) -> Iterable[Finding]:
        for m, st in ctx.executed():
            f = st.fact
            if f.kind != Kind.CREATE_POLICY or f.name is None or f.table is None:
                continue
            held = _policy_guard(st)
            # In a quoted DO body the guard's strings are written with doubled quotes, and
            # the text read here is not the value PostgreSQL compares.
            if held is None or _in_quoted_body(st):
                continue
            guard, base = held
            # A name that holds a ${…} is only known at run time: it cannot be compared.
            expected = []
            if not _has_substitution(m, st, f.table_span):
                expected += [("tablename", f.table.name)] + ([("schemaname", f.table.schema)] if f.table.schema else [])
            if not _has_substitution(m, st, f.name_span):
                expected.append(("policyname", f.name.name))
            wrong = []
            for column, want in expected:
                found = guard.value(column)
                if found is None or found[0] == want:
                    continue
                span = Span(found[1].start + base, found[1].end + base)
                if not m.literal.has_substitution(span.start, span.end):
                    wrong.append((column, found[0], want, span))
            if not wrong:
                continue
            wrong.sort(key=lambda w: w[3].start)
            described = ", ".join(f"{col} = '{have}' (the policy's is '{want}')" for col, have, want, _ in wrong)
            edits = tuple(m.edit(span.start, span.end, sql_string(want)) for _, _, want, span in wrong)
            first = wrong[0][3]
            yield m.finding(
                self.name,
                f'the guard of policy "{f.name.name}" on {f.table} checks {described}',
                first.start,
                first.end,
                Fix("Correct the guard to the policy's own names", edits),
            )


# What each CREATE raises on a second run, for the handlers that let it fail harmlessly.
_OR_REPLACE = {
    Kind.CREATE_FUNCTION: ("FUNCTION", "duplicate_function"),
    Kind.CREATE_PROCEDURE: ("PROCEDURE", "duplicate_function"),
    Kind.CREATE_VIEW: ("VIEW", "duplicate_table"),
}
_IF_NOT_EXISTS = {
    Kind.CREATE_EXTENSION: ("EXTENSION", "duplicate_object"),
    Kind.CREATE_SCHEMA: ("SCHEMA", "duplicate_schema"),
    Kind.CREATE_SEQUENCE: ("SEQUENCE", "duplicate_table"),
    Kind.CREATE_MATERIALIZED_VIEW: ("MATERIALIZED VIEW", "duplicate_table"),
}
# A second ADD CONSTRAINT: a primary key meets the first ("multiple primary keys", 42P16),
# a unique or exclusion constraint its index's name (42P07), the others their own (42710).
_CONSTRAINT_RAISES = {"primary_key": "invalid_table_definition", "unique": "duplicate_table", "exclude": "duplicate_table"}


def _raises(con: Constraint) -> str:
    return _CONSTRAINT_RAISES.get(con.kind, "duplicate_object")


_CREATES = frozenset({*_OR_REPLACE, *_IF_NOT_EXISTS, Kind.CREATE_TRIGGER, Kind.CREATE_TYPE, Kind.CREATE_DOMAIN, Kind.ALTER_PUBLICATION})


def _creates(top: Statement) -> bool:
    """Does the statement, or one it nests, make an object that create-not-idempotent looks at?
    Most ALTER TABLEs (ENABLE ROW LEVEL SECURITY, ADD COLUMN) add no constraint."""
    return any(f.kind in _CREATES or (f.kind == Kind.ALTER_TABLE and any(a.kind == "add_constraint" for a in f.actions)) for f in top.fact.walk())


_CREATING = ByText(_creates)


class CreateNotIdempotent(Rule):
    """Finds other `CREATE` statements, `ADD CONSTRAINT` and `ADD TABLE` that fail on a second run.

    ## What it does
    Reports `CREATE FUNCTION`/`PROCEDURE`/`VIEW` without `OR REPLACE`; `CREATE TRIGGER`
    without `OR REPLACE` or a guard; `CREATE EXTENSION`/`SCHEMA`/`SEQUENCE` without
    `IF NOT EXISTS`; `CREATE TYPE`/`DOMAIN`, `ADD CONSTRAINT` and
    `ALTER PUBLICATION … ADD TABLE` without a guard (a `DO`
    block whose handler catches the error the second run raises, an
    `IF NOT EXISTS (SELECT …)` check, or a `DROP` of the same object anywhere earlier in
    the literal, with no statement in between creating it again).

    ## Why is this bad?
    Each fails with "already exists" on the second run and stops the migration
    (section 2, "Always Idempotent"). The error differs by constraint: a second primary key
    raises `invalid_table_definition`, a unique or exclusion constraint `duplicate_table`
    (its index's name is taken), the others `duplicate_object`; a handler for the wrong one
    does not help. An unnamed constraint other than a primary key raises nothing at all: it
    is added once more on every run.

    ## Example
    ```sql
    CREATE FUNCTION touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$ … $$;
    CREATE TYPE item_status AS ENUM ('new', 'done');
    ALTER TABLE mason_api_keys ADD CONSTRAINT api_keys_user_fk FOREIGN KEY (user_id) REFERENCES mason_users(id);
    ```

    ## Use instead
    ```sql
    CREATE OR REPLACE FUNCTION touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $$ … $$;
    DO $$ BEGIN
      CREATE TYPE item_status AS ENUM ('new', 'done');
    EXCEPTION WHEN duplicate_object THEN NULL;
    END $$;
    DO $$ BEGIN
      ALTER TABLE mason_api_keys DROP CONSTRAINT IF EXISTS api_keys_user_fk;
      ALTER TABLE mason_api_keys ADD CONSTRAINT api_keys_user_fk FOREIGN KEY (user_id) REFERENCES mason_users(id);
    EXCEPTION WHEN duplicate_object THEN NULL;
    END $$;
    ```

    ## Fix safety
    Safe: `OR REPLACE` (function, procedure, view; trigger, which needs PostgreSQL 14 or
    newer), `IF NOT EXISTS` (extension, schema, sequence, materialized view), a
    `DROP TRIGGER IF EXISTS` before a constraint trigger (which has no `OR REPLACE`), or a
    `DO` block whose handler catches the error of a second run (type, domain, named
    constraint, primary key, publication membership). An unnamed constraint gets no fix:
    name it first.

    In SQLite, `CREATE VIEW`/`TRIGGER IF NOT EXISTS` is idempotent and is the fix (SQLite has
    no `OR REPLACE`). In MySQL, `CREATE OR REPLACE VIEW` is the fix for a view, and a
    `DROP TRIGGER`/`FUNCTION`/`PROCEDURE IF EXISTS` before it for the others: valid on every
    MySQL and MariaDB, and the next run creates the new body, where `CREATE TRIGGER IF NOT
    EXISTS` (MySQL 8.0.29+) would keep an older one; `IF NOT EXISTS` is accepted as
    idempotent all the same. DO-block fixes are PostgreSQL's: other dialects get none.
    """

    name = "create-not-idempotent"
    severity = "error"
    fix = "safe"
    fix_dialects = _EVERY_DIALECT

    def check(self, ctx: Context) -> Iterable[Finding]:
        for m, st in ctx.executed(_CREATING):
            f = st.fact
            # SQLite's views and triggers and MySQL's triggers take IF NOT EXISTS; PostgreSQL's do
            # not parse with it, which syntax-error reports.
            if f.kind in _OR_REPLACE and not f.or_replace and not f.temporary and not f.if_not_exists:
                obj, raises = _OR_REPLACE[f.kind]
                if st.guarded("not_exists", raises) or _dropped_before(m, st, obj, f.name):
                    continue
                yield self._or_replace(m, st, obj)
            elif f.kind == Kind.CREATE_TRIGGER and not f.or_replace and not f.if_not_exists:
                # Only PostgreSQL names a trigger per table (DROP TRIGGER … ON t); elsewhere per schema.
                on = f.table if m.dialect == "postgres" else None
                if st.guarded("not_exists", "duplicate_object") or _dropped_before(m, st, "TRIGGER", f.name, on):
                    continue
                instead = {
                    "sqlite": "add IF NOT EXISTS, or DROP TRIGGER IF EXISTS first",
                    "mysql": "DROP TRIGGER IF EXISTS first (IF NOT EXISTS, MySQL 8.0.29+, would keep an older body)",
                }.get(m.dialect, "use CREATE OR REPLACE TRIGGER (PostgreSQL 14+) or DROP TRIGGER IF EXISTS first" if f.object_type == "TRIGGER" else "DROP TRIGGER IF EXISTS first")
                yield m.finding(
                    self.name,
                    f"CREATE {f.object_type} {f.name} fails on the second run; {instead}",
                    *st.span(),
                    self._trigger_fix(m, st),
                )
            elif f.kind in _IF_NOT_EXISTS and not f.if_not_exists:
                obj, raises = _IF_NOT_EXISTS[f.kind]
                if st.guarded("not_exists", raises):
                    continue
                yield m.finding(
                    self.name,
                    f"CREATE {obj} {f.name} fails on the second run; add IF NOT EXISTS",
                    *st.span(),
                    insert_words(m, st.at(f.keyword_end or 0), "IF NOT EXISTS"),
                )
            elif f.kind in (Kind.CREATE_TYPE, Kind.CREATE_DOMAIN):
                obj = f.object_type or ""
                if st.guarded("not_exists", "duplicate_object") or _dropped_before(m, st, obj, f.name):
                    continue
                yield m.finding(
                    self.name,
                    f"CREATE {obj} {f.name} fails on the second run; let it fail harmlessly with EXCEPTION WHEN duplicate_object",
                    *st.span(),
                    guard_with_handler(m, st, ("duplicate_object",), "Ignore duplicate_object on a second run"),
                )
            elif f.kind == Kind.ALTER_TABLE:
                yield from self._constraints(m, st)
            elif f.kind == Kind.ALTER_PUBLICATION and any(a.kind == "add_table" for a in f.actions):
                if st.guarded("not_exists", "duplicate_object"):
                    continue
                yield m.finding(
                    self.name,
                    f"ALTER PUBLICATION {f.name} ADD TABLE {f.table} fails once the table is published; let it fail harmlessly with EXCEPTION WHEN duplicate_object",
                    *st.span(),
                    guard_with_handler(m, st, ("duplicate_object",), "Ignore duplicate_object on a second run"),
                )

    def _or_replace(self, m: Migration, st: Statement, obj: str) -> Finding:
        """CREATE VIEW, FUNCTION or PROCEDURE: OR REPLACE where the dialect has it."""
        f = st.fact
        if m.dialect == "sqlite":  # views only, and no OR REPLACE
            return m.finding(self.name, f"CREATE {obj} {f.name} fails on the second run; add IF NOT EXISTS", *st.span(), insert_words(m, st.at(f.keyword_end or 0), "IF NOT EXISTS"))
        if m.dialect == "mysql" and obj != "VIEW":  # MySQL's routines have no OR REPLACE
            drop = self._drop_first(m, st, f"DROP {obj} IF EXISTS {{name}};", f"Drop the {obj.lower()} first, if it exists")
            return m.finding(self.name, f"CREATE {obj} {f.name} fails on the second run; DROP {obj} IF EXISTS first", *st.span(), drop)
        return m.finding(self.name, f"CREATE {obj} {f.name} fails on the second run; use CREATE OR REPLACE {obj}", *st.span(), insert_words(m, st.at(f.create_end or 0), "OR REPLACE"))

    @staticmethod
    def _drop_first(m: Migration, st: Statement, drop: str, title: str, table: bool = False) -> Fix | None:
        """``drop`` (with the statement's own ``{name}`` and ``{table}`` text) on the line before it."""
        f = st.fact
        spans = (f.name_span, f.table_span) if table else (f.name_span,)
        # The DROP repeats the names: not those a `${…}` or a constant writes, which the code
        # spells in one place.
        if any(span is None or m.literal.from_code(*st.span(span)) for span in spans):
            return None
        name = f.text[f.name_span.start : f.name_span.end] if f.name_span else ""
        on = f.text[f.table_span.start : f.table_span.end] if f.table_span else ""
        return insert_before(m, st, drop.format(name=name, table=on), title)

    @classmethod
    def _trigger_fix(cls, m: Migration, st: Statement) -> Fix | None:
        f = st.fact
        title = "Drop the trigger first, if it exists"
        if m.dialect == "sqlite":
            return insert_words(m, st.at(f.keyword_end or 0), "IF NOT EXISTS")
        if m.dialect == "mysql":
            # Valid in every MySQL and MariaDB, and the next run creates the trigger's new body.
            return cls._drop_first(m, st, "DROP TRIGGER IF EXISTS {name};", title)
        if f.object_type == "TRIGGER":
            return insert_words(m, st.at(f.create_end or 0), "OR REPLACE")
        # A constraint trigger has no OR REPLACE.
        return cls._drop_first(m, st, "DROP TRIGGER IF EXISTS {name} ON {table};", title, table=True)

    def _constraints(self, m: Migration, st: Statement) -> Iterable[Finding]:
        dropped: set[str] = set()
        for act in st.fact.actions:
            if act.kind == "drop_constraint" and act.column:
                dropped.add(act.column)
            elif act.kind == "add_constraint" and act.constraint is not None and act.constraint.name is not None:
                if act.constraint.name not in dropped and _constraint_dropped_before(m, st, act.constraint.name):
                    dropped.add(act.constraint.name)
        if any(g.kind == "not_exists" for g, _ in st.held_guards()):
            return
        found = []
        for act in st.fact.actions:
            con = act.constraint
            if act.kind != "add_constraint" or con is None or (con.name is not None and con.name in dropped):
                continue
            if con.name is None and con.kind != "primary_key":
                found.append((act, con, f"ADD CONSTRAINT adds an unnamed {con.kind.replace('_', ' ')} constraint to {st.fact.table} again on every run; name it and guard it"))
            elif not st.guarded("not_exists", _raises(con)):
                label = f"constraint {con.name}" if con.name else "an unnamed primary key"
                how = f"guard it with a DO block and EXCEPTION WHEN {_raises(con)}" if m.dialect == "postgres" else "declare it inside CREATE TABLE IF NOT EXISTS instead"
                adds = f"ADD CONSTRAINT adds {label} to {st.fact.table}, which fails"
                words = [w.upper() for w in con.definition.split()[:2]]
                if m.dialect == "mysql" and con.name and words[:1] == ["UNIQUE"]:
                    # MySQL names a unique key without CONSTRAINT: ADD UNIQUE [INDEX | KEY] name (…).
                    adds = f"ADD {' '.join(w for w in words if w in ('UNIQUE', 'INDEX', 'KEY'))} {con.name} to {st.fact.table} fails"
                found.append((act, con, f"{adds} on the second run; {how}"))
        # One fix guards the whole statement, so it needs every handler the statement needs;
        # a handler cannot help an unnamed constraint, which raises nothing.
        fix = None
        if found and all(con.name is not None or con.kind == "primary_key" for _, con, _ in found):
            conditions = tuple(dict.fromkeys(_raises(con) for _, con, _ in found))
            fix = guard_with_handler(m, st, conditions, f"Ignore {' and '.join(conditions)} on a second run")
        for act, _, message in found:
            yield m.finding(self.name, message, *st.span(act.span), fix)


def _mysql_index_dropped(index: str) -> str:
    """The message on a MySQL DROP INDEX, as a statement or in ALTER TABLE: it has no IF EXISTS."""
    return f"DROP INDEX {index} fails once it is gone, and MySQL has no IF EXISTS for indexes: check information_schema.statistics first"


# What each DROP raises once the object is gone.
_DROP_RAISES = {
    "INDEX": "undefined_object",
    "POLICY": "undefined_object",
    "TRIGGER": "undefined_object",
    "TYPE": "undefined_object",
    "DOMAIN": "undefined_object",
    "EXTENSION": "undefined_object",
    "RULE": "undefined_object",
    "FUNCTION": "undefined_function",
    "PROCEDURE": "undefined_function",
    "VIEW": "undefined_table",
    "SEQUENCE": "undefined_table",
}


class DropNotIdempotent(Rule):
    """Finds `DROP INDEX`/`POLICY`/`TRIGGER`/`FUNCTION`/`CONSTRAINT`/`VIEW` without `IF EXISTS`.

    ## What it does
    Reports drops of objects that fail when the object is already gone, unless an
    `IF EXISTS (SELECT …)` check or a handler for the "does not exist" error of that object
    (`undefined_object`, `undefined_function`, `undefined_table`) guards them. In MySQL,
    `ALTER TABLE … DROP INDEX` (or `KEY`), `DROP FOREIGN KEY` and `DROP CHECK` too.

    ## Why is this bad?
    The first run drops the object; the second fails with "does not exist" and stops the
    migration (section 2, "Always Idempotent"). Drops that delete data are reported by the
    data-loss rules instead.

    ## Example
    ```sql
    DROP POLICY "Allow all" ON mason_users;
    ALTER TABLE mason_api_keys DROP CONSTRAINT api_keys_user_fk;
    ```

    ## Use instead
    ```sql
    DROP POLICY IF EXISTS "Allow all" ON mason_users;
    ALTER TABLE mason_api_keys DROP CONSTRAINT IF EXISTS api_keys_user_fk;
    ```

    ## Fix safety
    Safe: it inserts `IF EXISTS`. MySQL has no `DROP INDEX IF EXISTS`, and only PostgreSQL
    has `DROP CONSTRAINT IF EXISTS`: there the message says what to do, and there is no fix.
    """

    name = "drop-not-idempotent"
    severity = "error"
    statement_local = True
    fix = "safe"
    fix_dialects = _EVERY_DIALECT

    def check(self, ctx: Context) -> Iterable[Finding]:
        for m, st in ctx.executed():
            f = st.fact
            if f.kind == Kind.DROP and f.object_type in _DROP_RAISES and not f.if_exists:
                if st.guarded("exists", _DROP_RAISES[f.object_type]):
                    continue
                if m.dialect == "mysql" and f.object_type == "INDEX":
                    yield m.finding(self.name, _mysql_index_dropped(str(f.name)), *st.span())
                    continue
                yield m.finding(
                    self.name,
                    f"DROP {f.object_type} {f.name} fails once it is gone; add IF EXISTS",
                    *st.span(),
                    insert_words(m, st.at(f.keyword_end or 0), "IF EXISTS"),
                )
            elif f.kind == Kind.ALTER_TABLE:
                for act in f.actions:
                    if act.kind == "drop_index" and act.column is not None and not act.if_exists:  # MySQL's ALTER TABLE … DROP INDEX (MariaDB has IF EXISTS)
                        yield m.finding(self.name, _mysql_index_dropped(act.column), *st.span(act.span))
                    elif act.kind == "drop_constraint" and not act.if_exists and act.insert_guard_at is not None:
                        if st.guarded("exists", "undefined_object"):
                            continue
                        postgres = m.dialect == "postgres"  # the only one with DROP CONSTRAINT IF EXISTS
                        # As written: MySQL drops a foreign key or a check by its own words.
                        dropped = " ".join(f.text[act.span.start : act.insert_guard_at].upper().split())
                        yield m.finding(
                            self.name,
                            f"{dropped} {act.column} fails once it is gone; " + ("add IF EXISTS" if postgres else "check information_schema.table_constraints first"),
                            *st.span(act.span),
                            insert_words(m, st.at(act.insert_guard_at), "IF EXISTS") if postgres else None,
                        )


class InsertNotIdempotent(Rule):
    """Finds `INSERT` without `ON CONFLICT` or a `WHERE NOT EXISTS` guard.

    ## What it does
    Reports seed-data inserts that add their rows again on every run. Idempotent forms:
    `ON CONFLICT … DO NOTHING`/`DO UPDATE` (PostgreSQL, SQLite 3.24+), `INSERT OR IGNORE`,
    `INSERT OR REPLACE` and `REPLACE INTO` (SQLite), `INSERT IGNORE`,
    `ON DUPLICATE KEY UPDATE` and `REPLACE INTO` (MySQL), and `WHERE NOT EXISTS`.

    ## Why is this bad?
    The migration runs again and again. Each run inserts the rows once more, or fails on a
    unique constraint and stops the migration (section 2, "Always Idempotent").

    ## Example
    ```sql
    INSERT INTO mason_settings (key, value) VALUES ('theme', 'dark');
    ```

    ## Use instead
    ```sql
    INSERT INTO mason_settings (key, value) VALUES ('theme', 'dark') ON CONFLICT (key) DO NOTHING;
    ```

    ## Fix safety
    Unsafe: `ON CONFLICT DO NOTHING` only prevents duplicates where a unique constraint
    covers the row; check that one exists. The clause goes before `RETURNING`; an `INSERT`
    inside a `WITH` query gets no fix, nor does a SQLite `INSERT … SELECT` without `WHERE`
    (SQLite would read the `ON` as a join's). MySQL gets no fix: `INSERT IGNORE` also turns
    other errors into warnings, so the message names it and leaves the choice.
    """

    name = "insert-not-idempotent"
    severity = "warning"
    statement_local = True
    fix = "unsafe"
    fix_dialects = _EVERY_DIALECT

    def check(self, ctx: Context) -> Iterable[Finding]:
        for m, st in ctx.executed():
            f = st.fact
            if f.kind != Kind.INSERT or f.on_conflict or f.not_exists_guard or st.guarded("not_exists", "unique_violation"):
                continue
            fix = None
            # MySQL's INSERT IGNORE also turns other errors into warnings: that one is the user's call.
            if f.conflict_at is not None and m.dialect != "mysql":
                fix = Fix("Add ON CONFLICT DO NOTHING", (m.insert(st.at(f.conflict_at), " ON CONFLICT DO NOTHING"),), safe=False)
            yield m.finding(
                self.name,
                f"INSERT INTO {f.table} adds its rows again on every run; {_INSERT_GUARDS[m.dialect]}",
                *st.span(),
                fix,
            )


_INSERT_GUARDS = {
    "postgres": "add ON CONFLICT … DO NOTHING or a WHERE NOT EXISTS guard",
    "sqlite": "add ON CONFLICT … DO NOTHING, use INSERT OR IGNORE, or add a WHERE NOT EXISTS guard",
    "mysql": "use INSERT IGNORE or ON DUPLICATE KEY UPDATE, or add a WHERE NOT EXISTS guard",
}


FAMILY = (
    CreateTableNotIdempotent,
    CreateIndexNotIdempotent,
    AddColumnNotIdempotent,
    PolicyNotGuarded,
    PolicyGuardMismatch,
    CreateNotIdempotent,
    DropNotIdempotent,
    InsertNotIdempotent,
)
