"""What a database built from a baseline has after the upgrade, against a fresh one: columns a
``CREATE TABLE IF NOT EXISTS`` body adds only to new databases, and guarded definitions that
changed since the baseline (see :mod:`migration_lsp.workspace.baselines`).

The schema an existing database has after the upgrade is the schema model replayed over the
baseline and then the current migration, where ``IF NOT EXISTS`` and ``DO`` guards skip what
already exists.
"""

from __future__ import annotations

import re
import threading
import weakref
from dataclasses import dataclass
from functools import partial
from operator import or_
from typing import Callable, Generic, Iterable, Iterator, Sequence, TypeVar

from migration_lsp.findings import Edit, Edits, Finding, Fix
from migration_lsp.fixes.sql import dollar_tag, insert_before, sql_name
from migration_lsp.migration import ByText, Migration
from migration_lsp.model.baseline import Baseline
from migration_lsp.model.build import Schemas
from migration_lsp.model.names import canonical, dynamic
from migration_lsp.model.schema import Check, Definition, Index, Policy, Schema, Table, Trigger
from migration_lsp.rules.base import Context, Rule, executed_in
from migration_lsp.rules.idempotency import NO_ADD_COLUMN_GUARD
from migration_lsp.rules.upgrade.statement_order import fills_itself
from migration_lsp.sql.facts import Kind, Name, Statement
from migration_lsp.sql.known import Known
from migration_lsp.sql.normal import normal, normal_type, unwrap
from migration_lsp.sql.quote import sql_ident
from migration_lsp.sql.reader import TokenReader
from migration_lsp.sql.tokens import WORD, TokenError, tokenize
from migration_lsp.sql.uses import view_columns

# -- upgraded databases -----------------------------------------------------------------------


_Obj = TypeVar("_Obj", Table, Index)
_Result = TypeVar("_Result")


class _Compared(Generic[_Obj, _Result]):
    """What comparing each object of a fresh schema with the object of the same name in an
    upgraded one found, where it found something, and which objects the two schemas hold.

    A build after an edit takes over the objects of the tables the edit did not touch (see
    :class:`migration_lsp.model.build.Schemas`), unchanged but for where they are defined, each
    under the name it had: with the comparison of the last builds of the same literals, only the
    objects that either schema holds and the last did not are compared, and what was found in
    the others holds while both of its objects are there.
    """

    def __init__(
        self,
        compare: Callable[[_Obj, _Obj, frozenset[int]], _Result | None],
        fresh: dict[Name, _Obj],
        upgraded: dict[Name, _Obj],
        current: frozenset[int],
        last: _Compared[_Obj, _Result] | None,
    ) -> None:
        self.fresh: set[_Obj] = set(fresh.values())
        self.upgraded: set[_Obj] = set(upgraded.values())
        # fresh object → (the upgraded one, what comparing them found)
        self.found: dict[_Obj, tuple[_Obj, _Result]] = {}
        made, remade = self.fresh, self.upgraded
        if last is not None:
            made, remade = self.fresh - last.fresh, self.upgraded - last.upgraded
            self.found = {new: hit for new, hit in last.found.items() if new in self.fresh and hit[0] in self.upgraded}
        names = _names(made, fresh) + _names(remade, upgraded)
        for name in dict.fromkeys(names):  # an edited table is new in both
            new, old = fresh.get(name), upgraded.get(name)
            if new is None or old is None:
                continue
            result = compare(new, old, current)
            if result is None:
                self.found.pop(new, None)
            else:
                self.found[new] = (old, result)

    def pairs(self, fresh: dict[Name, _Obj]) -> list[tuple[Name, _Obj, _Obj, _Result]]:
        """Where the comparison found something, by the fresh schema's names, in its order."""
        if not self.found:
            return []
        return [(name, new, old, result) for name, new in fresh.items() if new in self.found for old, result in (self.found[new],)]


def _names(objs: set[_Obj], schema: dict[Name, _Obj]) -> list[Name]:
    """The names of ``objs`` in ``schema``: a build files each object under its own name, read
    off it here; the schema is read through only should one not be."""
    names = [name for obj in objs if (name := obj.name) is not None and schema.get(name) is obj]
    if len(names) == len(objs):
        return names
    return [name for name, obj in schema.items() if obj in objs]


@dataclass(frozen=True, slots=True)
class _Drift:
    """How a table of the fresh database and the same table upgraded from a baseline differ, in
    what the upgrade rules report (each with the fresh object and what the upgraded one has)."""

    missing: tuple[str, ...]  # columns of a CREATE TABLE body that the skipped CREATE TABLE never adds
    columns: tuple[tuple[str, str, str | None], ...]  # ("type" | "default", column, the upgraded one's)
    policies: tuple[tuple[Policy, str], ...]  # the policy, what the upgraded one has in words
    checks: tuple[tuple[Check, str, str], ...]  # the CHECK constraint, its name, the upgraded one's expression
    triggers: tuple[Trigger, ...]  # those that IF NOT EXISTS keeps as the baseline defined them


def _drift(table: Table, old_table: Table, current: frozenset[int]) -> _Drift | None:
    """How the two differ, or None where they do not (most tables, most of the time)."""

    def stale(defined_by: Migration, now: Statement) -> bool:
        """Did the baseline define the object, and does the statement that defines it now skip it there?"""
        return id(defined_by) not in current and _skipped_when_present(now)

    body = table.defined.statement
    missing = []
    if _skipped_when_present(body):
        for column, col in table.columns.items():
            # A column an ALTER adds: the upgrade runs that too.
            if column not in old_table.columns and not dynamic(column) and col.defined.statement is body:
                missing.append(column)
    columns: list[tuple[str, str, str | None]] = []
    for column, col in table.columns.items():
        old = old_table.columns.get(column) if not dynamic(column) else None
        if old is None or col.defined.statement is not body:
            continue  # missing: column-missing-on-upgrade; changed by an ALTER: the upgrade runs it too
        if not stale(old.defined.migration, col.defined.statement):
            continue
        if normal_type(old.type) != normal_type(col.type):
            columns.append(("type", column, old.type))
        elif normal(old.default) != normal(col.default):
            columns.append(("default", column, old.default))
    policies = []
    for policy in table.policies:
        old_policy = old_table.policy(policy.name) if not dynamic(policy.name) else None
        if old_policy is not None and stale(old_policy.defined.migration, policy.defined.statement):
            changed = _policy_changes(old_policy, policy)
            if changed:
                policies.append((policy, changed))
    checks = []
    for check in table.checks:
        # Unnamed, PostgreSQL names it after its expression: a changed one has another name.
        if check.name is None or dynamic(check.name):
            continue
        old_check = old_table.check_constraint(check.name)
        if old_check is not None and stale(old_check.defined.migration, check.defined.statement):
            if normal(old_check.expression) != normal(check.expression):
                checks.append((check, check.name, old_check.expression))
    triggers = []
    for trigger in table.triggers:
        old_trigger = next((t for t in old_table.triggers if t.name == trigger.name), None) if not dynamic(trigger.name) else None
        if old_trigger is not None and stale(old_trigger.defined.migration, trigger.defined.statement):
            if normal(old_trigger.defined.statement.fact.text) != normal(trigger.defined.statement.fact.text):
                triggers.append(trigger)
    if not (missing or columns or policies or checks or triggers):
        return None
    return _Drift(tuple(missing), tuple(columns), tuple(policies), tuple(checks), tuple(triggers))


def _stale_index(index: Index, old: Index, current: frozenset[int]) -> bool | None:
    """Did the baseline define the index, and does the statement that defines it now skip it
    there, with another shape than the upgraded database's? (None: no.)"""
    if id(old.defined.migration) not in current and _skipped_when_present(index.defined.statement) and _index_shape(old) != _index_shape(index):
        return True
    return None


def _skipped_when_present(st: Statement) -> bool:
    """Does the statement skip an object that exists (``IF NOT EXISTS``, a ``DO`` guard)?"""
    return st.fact.if_not_exists or any(True for _ in st.held_guards())


def _after_table(table: Table) -> int:
    """Where to add statements for a table: after its CREATE TABLE and the ALTERs right below it."""
    m, st = table.defined.migration, table.defined.statement
    if st.parent is None:
        for nxt in m.statements[st.index + 1 :]:
            f = nxt.fact
            if f.kind != Kind.ALTER_TABLE or f.table is None or canonical(f.table) != table.name:
                break
            st = nxt
    return m.end_of(st)


def _insert_after(m: Migration, at: int, anchor: int, lines: Sequence[str]) -> Edit:
    indent = m.indentation(anchor)
    return m.insert(at, "".join(f"\n{indent}{line}" for line in lines))


def _added_after_table(table: Table, lines: Sequence[str]) -> Edits:
    """The edit that adds ``lines`` after the table, made for the fix the user asks for only, not
    for each finding on every keystroke: the first edit placed in a parse of the migration
    looks through all of its statements (see ``Migration.edit``)."""
    return (_insert_after(table.defined.migration, _after_table(table), table.defined.top.start, lines),)


def _table_text(st: Statement) -> str:
    """The table's name as the statement spells it."""
    f = st.fact
    if f.table_span is None or f.table is None:
        return str(f.table)
    return f.text[f.table_span.start : f.table_span.end]


class ColumnMissingOnUpgrade(Rule):
    """Finds a column of a `CREATE TABLE IF NOT EXISTS` body that existing databases never get.

    ## What it does
    Compares each table body with the baseline (the migration as of `HEAD`, `--baseline
    REF`, the file's history, or `baseline-sql` files). A column the body has, that databases
    built from the baseline lack, and that no `ADD COLUMN IF NOT EXISTS` adds, is reported at
    its definition. SQLite and MySQL have no `ADD COLUMN IF NOT EXISTS`: there the message says
    what to do instead.

    ## Why is this bad?
    `CREATE TABLE IF NOT EXISTS` does nothing when the table exists, so a column added to the
    body reaches new users only. Existing databases lack it, and every query that reads it
    fails there. The rulebook adds columns with `ALTER TABLE … ADD COLUMN IF NOT EXISTS`
    ("Column Modifications") and asks for the update scenario ("Testing Migrations").

    ## Example
    ```sql
    CREATE TABLE IF NOT EXISTS mason_users (
      id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
      avatar_url TEXT  -- new in this change
    );
    ```

    ## Use instead
    ```sql
    CREATE TABLE IF NOT EXISTS mason_users (
      id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
      avatar_url TEXT
    );
    ALTER TABLE mason_users ADD COLUMN IF NOT EXISTS avatar_url TEXT;
    ```

    ## Fix safety
    Safe when the column is nullable or has a default: the fix adds that `ALTER TABLE … ADD
    COLUMN IF NOT EXISTS` with the body's definition after the table, which changes nothing
    on a fresh database. A `NOT NULL` column without a default cannot be added to a table
    with rows; there the fix adds it without `NOT NULL`, with a comment about backfilling it,
    and is unsafe.
    """

    name = "column-missing-on-upgrade"
    needs_baseline = True
    severity = "warning"
    fix = "sometimes"

    def check(self, ctx: Context) -> Iterable[Finding]:
        reported: set[tuple[Name, str]] = set()
        for baseline, upgraded in ctx.upgrades:
            for table, drift in _kept(ctx, baseline, upgraded).drifts:
                for column in drift.missing:
                    if (table.name, column) not in reported:
                        reported.add((table.name, column))
                        yield self._finding(table, table.columns[column].defined, column, baseline.label)

    def _finding(self, table: Table, defined: Definition, column: str, label: str) -> Finding:
        m = defined.migration
        definition = m.sql[defined.start : defined.end]
        col = next(c for c in defined.statement.fact.columns if c.name == column)
        table_text = _table_text(defined.statement)
        lines = []
        if (col.not_null or col.primary_key) and not fills_itself(col):
            definition = _without(definition, ("NOT", "NULL"), ("PRIMARY", "KEY"))
            lines.append(f"-- Rows that exist have no {column}: fill it in, then ALTER TABLE {table_text} ALTER COLUMN {column} SET NOT NULL.")
        lines.append(f"ALTER TABLE {table_text} ADD COLUMN IF NOT EXISTS {definition};")
        fix = Fix(f"Add {column} to existing {table.name} tables with ADD COLUMN IF NOT EXISTS", partial(_added_after_table, table, lines), safe=len(lines) == 1)
        return m.finding(
            self.name,
            f"databases built from {label} have table {table.name} without column {column}, and CREATE TABLE IF NOT EXISTS skips the table there; {_how_to_add(m)}",
            defined.start,
            defined.end,
            fix,
        )


def _how_to_add(m: Migration) -> str:
    if m.dialect in NO_ADD_COLUMN_GUARD:
        return f"add it with ALTER TABLE … ADD COLUMN, but {NO_ADD_COLUMN_GUARD[m.dialect]}"
    return "add it with ALTER TABLE … ADD COLUMN IF NOT EXISTS"


def _without(definition: str, *pairs: tuple[str, str]) -> str:
    """``definition`` without the given two-word constraints (``NOT NULL``, ``PRIMARY KEY``)."""
    try:
        tokens = tokenize(definition)
    except TokenError:
        return definition
    cut: list[tuple[int, int]] = []
    for a, b in zip(tokens, tokens[1:]):
        if (a.value, b.value) in pairs and a.kind == b.kind == WORD:
            start = a.start
            while start > 0 and definition[start - 1] in " \t":
                start -= 1
            cut.append((start, b.end))
    for start, end in reversed(cut):
        definition = definition[:start] + definition[end:]
    return definition


# -- changed definitions --------------------------------------------------------------------


class _Kept:
    """What a database built from one baseline keeps through the upgrade, beside a fresh one,
    found once for both rules; with ``last``, the same of the last check of the same literals."""

    def __init__(self, ctx: Context, baseline: Baseline, upgraded: Schema, last: _Kept | None) -> None:
        self.upgraded = upgraded
        self.fresh = fresh = ctx.schema
        self.label = baseline.label
        self.current = current = frozenset(id(m) for m in ctx.migrations)
        self._tables: _Compared[Table, _Drift] = _Compared(_drift, fresh.tables, upgraded.tables, current, last._tables if last else None)
        self._indexes: _Compared[Index, bool] = _Compared(_stale_index, fresh.indexes, upgraded.indexes, current, last._indexes if last else None)
        # Where the model follows all that happens to a table: no statement on a name with a
        # ${…} may have changed it (most migrations have none: ask for no table then).
        unplaced = upgraded.unplaced
        self.drifts = [(table, drift) for name, table, _, drift in self._tables.pairs(fresh.tables) if not (unplaced and upgraded.may_have_changed(name))]
        self.stale_indexes = [(name, index) for name, index, old, _ in self._indexes.pairs(fresh.indexes) if not (unplaced and upgraded.may_have_changed(old.table))]


# The last comparisons of each project (by its Schemas; a check from scratch, by its Context),
# by baseline and literals: the upgraded schema tells the one of this check.
_LAST: weakref.WeakKeyDictionary[Schemas | Context, Known[tuple[object, ...], _Kept]] = weakref.WeakKeyDictionary()
_LAST_KEPT = 8  # per project: one per baseline and set of literals a check sees
_LAST_LOCK = threading.Lock()


def _kept(ctx: Context, baseline: Baseline, upgraded: Schema) -> _Kept:
    with _LAST_LOCK:
        last = _LAST.setdefault(ctx.schemas or ctx, Known(_LAST_KEPT))
    key = (baseline, *((m.path, m.literal.name) for m in ctx.migrations))
    kept = last.get(key)
    if kept is None or kept.upgraded is not upgraded:
        kept = last.add(key, _Kept(ctx, baseline, upgraded, kept))
    return kept


class ChangedDefinitionNotApplied(Rule):
    """Finds a guarded object whose definition changed since the baseline: existing databases keep the old one.

    ## What it does
    Compares what a database built from the baseline has after the upgrade with what a
    fresh database gets, for objects that `IF NOT EXISTS` or a `DO` guard skips when they
    exist: an index (same name, other columns, expressions or predicate), a policy (other
    command, roles, `USING` or `WITH CHECK`), a `CHECK` constraint, a trigger (SQLite's and
    MySQL's `CREATE TRIGGER IF NOT EXISTS`, another text), and a column's type or default in a
    `CREATE TABLE IF NOT EXISTS` body. Definitions that differ only in white
    space, outer parentheses or the name a type goes by (`INT` and `INTEGER`, `TIMESTAMP WITH
    TIME ZONE` and `TIMESTAMPTZ`) are the same.

    ## Why is this bad?
    The guard that makes the statement idempotent also makes it skip the new definition on
    every database that has the old one. A policy keeps its old `USING` forever, which may
    let users read rows the new policy hides. The rulebook asks for the update scenario for
    exactly this (`database-migrations.md`, "Testing Migrations").

    ## Example
    ```sql
    -- the baseline had USING (true)
    DO $$ BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE tablename = 'mason_api_keys' AND policyname = 'Owner only') THEN
        CREATE POLICY "Owner only" ON mason_api_keys FOR ALL USING (user_id = auth.uid());
      END IF;
    END $$;
    ```

    ## Use instead
    ```sql
    DROP POLICY IF EXISTS "Owner only" ON mason_api_keys;
    DO $$ BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE tablename = 'mason_api_keys' AND policyname = 'Owner only') THEN
        CREATE POLICY "Owner only" ON mason_api_keys FOR ALL USING (user_id = auth.uid());
      END IF;
    END $$;
    ```
    An index gets a new name (and the old one is dropped); a `CHECK` constraint is dropped
    and added again in a `DO` block with `EXCEPTION WHEN duplicate_object`; a default is set
    with `ALTER COLUMN … SET DEFAULT`. SQLite changes neither a default nor a constraint in
    place: there the message says so.

    ## Fix safety
    Safe for a policy, an index and a default: on a fresh database the result is the same.
    Unsafe for a `CHECK` constraint: rows that existing databases hold may break the new
    one, and then adding it fails. A changed column type has no fix: the rulebook changes a
    type by adding a new column ("Column Modifications"). Nor has a trigger, whose
    `IF NOT EXISTS` only SQLite and MySQL write: the message says what to add.
    """

    name = "changed-definition-not-applied"
    needs_baseline = True
    severity = "warning"
    fix = "sometimes"

    def check(self, ctx: Context) -> Iterable[Finding]:
        reported: set[tuple[str, ...]] = set()
        for baseline, upgraded in ctx.upgrades:
            kept = _kept(ctx, baseline, upgraded)
            drifts = kept.drifts
            for key, finding in (*self._indexes(kept), *self._policies(kept, drifts), *self._columns(kept, drifts), *self._constraints(kept, drifts), *self._triggers(kept, drifts)):
                if key not in reported:  # an older baseline already said it
                    reported.add(key)
                    yield finding

    def _indexes(self, kept: _Kept) -> Iterator[tuple[tuple[str, ...], Finding]]:
        for name, index in kept.stale_indexes:
            yield ("index", str(name)), self._index(index.defined, name, kept)

    def _policies(self, kept: _Kept, drifts: list[tuple[Table, _Drift]]) -> Iterator[tuple[tuple[str, ...], Finding]]:
        for table, drift in drifts:
            for policy, changed in drift.policies:
                yield ("policy", str(table.name), policy.name), self._policy(policy.defined, policy.name, table.name, changed, kept.label)

    def _columns(self, kept: _Kept, drifts: list[tuple[Table, _Drift]]) -> Iterator[tuple[tuple[str, ...], Finding]]:
        for table, drift in drifts:
            table_name = table.name
            for what, column, was in drift.columns:
                col = table.columns[column]
                if what == "type":
                    yield (
                        ("type", str(table_name), column),
                        col.defined.migration.finding(
                            self.name,
                            f"databases built from {kept.label} keep column {column} of {table_name} as {was}, not {col.type}: "
                            "CREATE TABLE IF NOT EXISTS skips the table there; to change a type, add a new column and migrate the data in application code",
                            col.defined.start,
                            col.defined.end,
                        ),
                    )
                else:
                    yield ("default", str(table_name), column), self._default(table, col.defined, column, col.default, was, kept.label)

    def _constraints(self, kept: _Kept, drifts: list[tuple[Table, _Drift]]) -> Iterator[tuple[tuple[str, ...], Finding]]:
        for table, drift in drifts:
            for check, name, was in drift.checks:
                yield ("check", str(table.name), name), self._constraint(table.name, check, was, kept.label)

    def _triggers(self, kept: _Kept, drifts: list[tuple[Table, _Drift]]) -> Iterator[tuple[tuple[str, ...], Finding]]:
        for table, drift in drifts:
            for trigger in drift.triggers:
                # No fix: the rule's fixes are PostgreSQL's, and PostgreSQL has no CREATE TRIGGER IF NOT EXISTS.
                m, st = trigger.defined.migration, trigger.defined.statement
                yield (
                    ("trigger", str(table.name), trigger.name),
                    m.finding(
                        self.name,
                        f"databases built from {kept.label} have trigger {trigger.name} on {table.name} as it was, and IF NOT EXISTS keeps it there; "
                        f"drop it first with DROP TRIGGER IF EXISTS {trigger.name}",
                        *st.span(st.fact.name_span),
                    ),
                )

    def _index(self, defined: Definition, name: Name, kept: _Kept) -> Finding:
        m, st = defined.migration, defined.statement
        f = st.fact
        taken = {n.name for n in (*kept.fresh.indexes, *kept.upgraded.indexes)}
        new = _new_index_name(name.name, taken)
        fix = None
        if f.name_span is not None:
            title = f"Rename the index to {new} and drop the stale {name.name}"
            drop = insert_before(m, st.top, f"DROP INDEX IF EXISTS {sql_name(name)};", title)
            fix = Fix(title, (*drop.edits, m.edit(*st.span(f.name_span), sql_ident(new))))
        return m.finding(
            self.name,
            f"databases built from {kept.label} already have index {name.name} with another definition, and IF NOT EXISTS keeps it there; give the changed index a new name",
            *st.span(f.name_span),
            fix,
        )

    def _policy(self, defined: Definition, policy: str, table: Name, changed: str, label: str) -> Finding:
        m, st = defined.migration, defined.statement
        drop = f"DROP POLICY IF EXISTS {sql_ident(policy)} ON {_table_text(st)};"
        fix = insert_before(m, st.top, drop, f'Drop "{policy}" first, so that the guarded CREATE POLICY applies the new definition')
        return m.finding(
            self.name,
            f'databases built from {label} have policy "{policy}" on {table} with {changed}; the guard skips CREATE POLICY there, so they keep it; drop it first with DROP POLICY IF EXISTS',
            *st.span(st.fact.name_span),
            fix,
        )

    def _default(self, table: Table, defined: Definition, column: str, new: str | None, old: str | None, label: str) -> Finding:
        m = defined.migration
        target = _table_text(defined.statement)
        action = f"SET DEFAULT {new}" if new is not None else "DROP DEFAULT"
        edits = partial(_added_after_table, table, [f"ALTER TABLE {target} ALTER COLUMN {column} {action};"])
        return m.finding(
            self.name,
            f"databases built from {label} keep the default of {column} of {table.name} "
            f"({'DEFAULT ' + old if old else 'no default'}): CREATE TABLE IF NOT EXISTS skips the table there; "
            + (
                "SQLite cannot change a default in place: rebuild the table from a versioned migration, or have the application write the value"
                if m.dialect == "sqlite"
                else "set it with ALTER COLUMN … SET DEFAULT"
            ),
            defined.start,
            defined.end,
            Fix(f"ALTER COLUMN {column} {action} on existing tables", edits),
        )

    def _constraint(self, table: Name, check: Check, old: str, label: str) -> Finding:
        m, st, name = check.defined.migration, check.defined.statement, check.name
        target = _table_text(st)
        top = st.top
        tag = dollar_tag(check.expression)
        lines = [
            f"DO {tag} BEGIN",
            f"  ALTER TABLE {target} DROP CONSTRAINT IF EXISTS {name};",
            f"  ALTER TABLE {target} ADD CONSTRAINT {name} CHECK ({unwrap(check.expression)});",
            "EXCEPTION WHEN duplicate_object THEN NULL;",
            f"END {tag};",
        ]
        edit = _insert_after(m, m.end_of(top), top.start, lines)
        return m.finding(
            self.name,
            f"databases built from {label} have CHECK constraint {name} on {table} as ({unwrap(old)}); the guard skips it there, so they keep it; "
            + ("SQLite cannot change a constraint in place: rebuild the table from a versioned migration" if m.dialect == "sqlite" else "drop it and add it again"),
            check.defined.start,
            check.defined.end,
            Fix(f"Replace the CHECK constraint {name} on existing tables", (edit,), safe=False),
        )


def _index_shape(index: Index) -> tuple[object, ...]:
    return (
        index.table,
        tuple(index.columns),
        tuple(normal(e) for e in index.expressions),
        normal(index.predicate),
        index.unique,
    )


def _policy_changes(old: Policy, new: Policy) -> str:
    """What the old policy has that the new one does not, in words, or ``""``."""
    changes = []
    if old.command != new.command:
        changes.append(f"FOR {old.command}")
    if sorted(old.roles) != sorted(new.roles):
        changes.append(f"TO {', '.join(old.roles) or 'public'}")
    if normal(old.using) != normal(new.using):
        changes.append(f"USING ({old.using})" if old.using else "no USING")
    if normal(old.check) != normal(new.check):
        changes.append(f"WITH CHECK ({old.check})" if old.check else "no WITH CHECK")
    return ", ".join(changes)


def _new_index_name(name: str, taken: set[str]) -> str:
    """``idx_x`` → ``idx_x_v2``; ``idx_x_v2`` → ``idx_x_v3``; within PostgreSQL's 63 bytes."""
    match = re.fullmatch(r"(.*)_v(\d+)", name)
    base, n = (match.group(1), int(match.group(2)) + 1) if match else (name, 2)
    while True:
        suffix = f"_v{n}"
        candidate = base[: 63 - len(suffix)] + suffix
        if candidate not in taken:
            return candidate
        n += 1


class ReplaceFailsOnUpgrade(Rule):
    """Finds a `CREATE OR REPLACE FUNCTION` or `VIEW` that databases built from the baseline refuse.

    ## What it does
    Compares each `CREATE OR REPLACE FUNCTION` (PostgreSQL) with the function of the same name
    and argument types in each baseline, and reports one that returns another type, or that
    renames an argument. A function with other argument types is another function (an
    overload) and is not reported, nor is one the migration drops above it, nor one whose
    arguments include `OUT` parameters or that returns a `TABLE`, which it does not compare.
    Each `CREATE OR REPLACE VIEW` is compared with the baseline's view of that name, where
    both name every column in their select list: one that drops, renames or moves a column
    is reported; columns added at the end are what `OR REPLACE` allows.

    ## Why is this bad?
    `CREATE OR REPLACE` replaces a function's body, not what it looks like from outside:
    PostgreSQL refuses a new return type ("cannot change return type of existing function")
    and a renamed argument ("cannot change name of input parameter"); a view keeps its columns
    ("cannot drop columns from view", "cannot change name of view column"). A fresh database
    has neither yet and passes, so only the update scenario shows it, and there the whole
    migration fails (`database-migrations.md`, "Testing Migrations").

    ## Example
    ```sql
    -- the baseline had RETURNS INTEGER
    CREATE OR REPLACE FUNCTION mason_count_keys(owner UUID) RETURNS BIGINT LANGUAGE sql
      AS $$ SELECT count(*) FROM mason_api_keys WHERE user_id = owner $$;
    ```

    ## Use instead
    ```sql
    DROP FUNCTION IF EXISTS mason_count_keys(UUID);
    CREATE OR REPLACE FUNCTION mason_count_keys(owner UUID) RETURNS BIGINT LANGUAGE sql
      AS $$ SELECT count(*) FROM mason_api_keys WHERE user_id = owner $$;
    ```
    or give the new function another name. A function holds no data, but a trigger, view or
    policy that uses it must be made again after the drop.

    ## Fix safety
    No automatic fix: what uses the function decides between dropping it and a new name.
    """

    name = "replace-fails-on-upgrade"
    severity = "error"
    needs_baseline = True

    def check(self, ctx: Context) -> Iterable[Finding]:
        for m in ctx.migrations:
            replaces = _REPLACES.each(m)
            if m.dialect != "postgres" or not any(replaces):
                continue
            dropped: set[Name] = set()
            for st in executed_in(m, map(or_, replaces, _DROPS.each(m))):
                f = st.fact
                if f.name is None:
                    continue
                name = canonical(f.name)
                if f.kind == Kind.DROP and f.object_type in ("FUNCTION", "VIEW"):
                    dropped.add(name)
                elif not f.or_replace or name in dropped:
                    continue
                found = None
                if f.kind == Kind.CREATE_FUNCTION and f.signature is not None:
                    found = next(filter(None, (_refused_function(b, name, f.signature.arguments, f.signature.returns) for b in ctx.baselines)), None)
                elif f.kind == Kind.CREATE_VIEW:
                    found = next(filter(None, (_refused_view(b, name, view_columns(f)) for b in ctx.baselines)), None)
                if found is not None:
                    span = st.span(f.name_span) if f.name_span is not None else st.span()
                    yield m.finding(self.name, f"CREATE OR REPLACE {'VIEW' if f.kind == Kind.CREATE_VIEW else 'FUNCTION'} {f.name.name} {found}", *span)


def _refused_function(b: Baseline, name: Name, arguments: str, returns: str | None) -> str | None:
    """What PostgreSQL refuses of replacing the function ``name`` of baseline ``b`` with one of
    ``arguments`` that ``returns``, in words; None where it replaces it, or makes another."""
    old = b.schema.function(name)
    if old is None:
        return None
    old_args, new_args = _arguments(old.arguments), _arguments(arguments)
    if old_args is None or new_args is None or [t for _, t in old_args] != [t for _, t in new_args]:
        return None  # not compared, or another function of the same name
    types = ", ".join(t.lower() for _, t in new_args)
    instead = f"drop it first (DROP FUNCTION IF EXISTS {name.name}({types})), or give the new one another name"
    if old.returns is not None and returns is not None and "TABLE" not in normal(old.returns).split() + normal(returns).split():
        if _routine_type(old.returns) != _routine_type(returns):
            return (
                f"returns {returns.strip()} where databases built from {b.label} have it return {old.returns.strip()}: there it fails with 'cannot change return type of existing function'; {instead}"
            )
    for (old_name, _), (new_name, _) in zip(old_args, new_args):
        if old_name is not None and new_name != old_name:  # a name may be given, not taken away or changed
            what = f"renames its argument {old_name.lower()} to {new_name.lower()}" if new_name else f"takes the name of its argument {old_name.lower()} away"
            return f"{what}: databases built from {b.label} refuse it with 'cannot change name of input parameter \"{old_name.lower()}\"'; {instead}"
    return None


def _refused_view(b: Baseline, name: Name, columns: tuple[str, ...] | None) -> str | None:
    """What PostgreSQL refuses of replacing the view ``name`` of baseline ``b`` with one of
    ``columns``, in words; None where it replaces it, or where either's columns are unknown."""
    old = b.schema.view(name)
    old_columns = view_columns(old.defined.statement.fact) if old is not None and not old.materialized else None
    if old_columns is None or columns is None or columns[: len(old_columns)] == old_columns:
        return None
    instead = f"drop it first (DROP VIEW IF EXISTS {name.name}), or keep its columns and add new ones at the end"
    if len(columns) < len(old_columns):
        return f"has {len(columns)} of the {len(old_columns)} columns databases built from {b.label} have: there it fails with 'cannot drop columns from view'; {instead}"
    was, now = next((o, n) for o, n in zip(old_columns, columns) if o != n)
    return f'has {now} where databases built from {b.label} have {was}: there it fails with \'cannot change name of view column "{was}" to "{now}"\'; {instead}'


def _routine_type(text: str) -> str:
    """A routine's argument or return type as PostgreSQL keeps it: without a length or precision."""
    return re.sub(r" \( [^()]* \)", "", normal_type(text))


# The first words of PostgreSQL's types whose names have several words.
_TYPE_STARTS = frozenset({"DOUBLE", "CHARACTER", "CHAR", "BIT", "TIMESTAMP", "TIME", "INTERVAL", "NATIONAL", "SETOF"})


def _arguments(text: str) -> list[tuple[str | None, str]] | None:
    """Each input argument's name (None where it has none) and type, spelt as :func:`_routine_type`
    spells it; None for a list with OUT parameters, which change what the function returns, or
    one that cannot be read into tokens."""
    try:
        r = TokenReader(text, tokenize(text), "postgres")
    except TokenError:
        return None
    found: list[tuple[str | None, str]] = []
    for first, last in r.split_commas(0, len(r.toks)):
        words = re.split(r" (?:DEFAULT|=) ", normal(r.src(first, last)), maxsplit=1)[0].split(" ")
        if words[0] in ("OUT", "INOUT"):
            return None
        if words[0] in ("IN", "VARIADIC"):
            words = words[1:]
        named = len(words) >= 2 and words[0] not in _TYPE_STARTS and words[1] not in ("(", ".", "[", "%")
        found.append((words[0] if named else None, _routine_type(" ".join(words[1:] if named else words))))
    return found


# Most literals replace no function or view: the others' are walked only where one does, or
# where one is dropped (the statements of a keystroke's migration are thousands; these, a few).
_REPLACES = ByText(lambda top: any(f.kind in (Kind.CREATE_FUNCTION, Kind.CREATE_VIEW) and f.or_replace for f in top.fact.walk()))
_DROPS = ByText(lambda top: any(f.kind == Kind.DROP and f.object_type in ("FUNCTION", "VIEW") for f in top.fact.walk()))


FAMILY = (ColumnMissingOnUpgrade, ChangedDefinitionNotApplied, ReplaceFailsOnUpgrade)
