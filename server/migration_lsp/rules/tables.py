"""Rulebook "Adding New Tables": each table gets an index, RLS and a policy, in that order.

These rules read the schema model, so a table's RLS or policy may be anywhere in the
migration (a later section, a `DO` block); only what a fresh database ends up with counts.
"""

from __future__ import annotations

import re
import sys
import threading
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Iterable, Iterator, Sequence
from weakref import WeakKeyDictionary

from migration_lsp.findings import Edits, Finding, Fix
from migration_lsp.fixes.scaffold import SECTIONS, Piece, create_index, enable_rls, insert_pieces, place_for_table, policy, section_of
from migration_lsp.migration import ByText, Migration
from migration_lsp.model.build import Schemas
from migration_lsp.model.names import canonical, could_be, dynamic, system_catalog
from migration_lsp.model.schema import Table
from migration_lsp.positions import unchanged_ends
from migration_lsp.rules.base import Context, Rule
from migration_lsp.sql.facts import Kind, Name, Span, Statement
from migration_lsp.sql.known import CACHE_SIZE, Known
from migration_lsp.workspace.index import relative


def checked_tables(ctx: Context) -> list[Table]:
    """The tables the app owns (not those in the platform's schemas) that the model knows all
    about: a statement on a table named with a ``${…}`` may have given one its RLS, policy or index.
    Listed once per check for the three rules that read them."""
    found = _checked.get(ctx)
    if found is None:
        schema = ctx.schema
        external = ctx.config.external_schemas
        # The tables the last check found to be the app's, by name, still are.
        now, last = _worked(ctx)
        owned = last.owned if last.external == external else set()
        found = [t for t in schema.tables.values() if t in owned or (t.name.schema not in external and not system_catalog(t.name))]
        now.external, now.owned = external, set(found)
        if schema.unplaced:
            found = [t for t in found if not schema.may_have_changed(t.name)]
        _checked[ctx] = found
    return found


_checked: WeakKeyDictionary[Context, list[Table]] = WeakKeyDictionary()


class _Worked:
    """What the table rules worked out in one check, for the next check of the same project.

    A keystroke in one table's statements leaves the other tables the same objects (see
    :class:`Schemas`), as it leaves their statements' text, which is all that decides what
    the rules find in them: table-missing-index's verdict on a table the build kept holds, and
    its finding goes where the last check put it, if the edit left the text around the name
    alone (moved with the text after an edit before it), without its SQL offsets mapped anew.
    Only the last check's are kept, with the texts they are in.
    """

    __slots__ = ("texts", "spans", "unindexed", "fixes", "external", "owned")

    def __init__(self) -> None:
        self.texts: dict[Path, str] = {}  # each document's text
        self.spans: dict[str, dict[Table, tuple[int, int]]] = {}  # rule → table → document span
        # table-missing-index's verdict: no finding (None), or its message, the column its fix
        # indexes and the fix's title (made once, not on every keystroke)
        self.unindexed: dict[Table, tuple[str, str | None, str] | None] = {}
        # table-missing-index's fixes: one whose edits were not built yet is offered again
        self.fixes: dict[Table, Fix] = {}
        # The tables found to be the app's, with the platform's schemas they were told from.
        self.external: tuple[str, ...] = ()
        self.owned: set[Table] = set()


# This check's and the last one's, by context; the last, by project (its schemas).
_worked_now: WeakKeyDictionary[Context, tuple[_Worked, _Worked]] = WeakKeyDictionary()
_worked_last: WeakKeyDictionary[Schemas | Context, _Worked] = WeakKeyDictionary()
_worked_lock = threading.Lock()


def _worked(ctx: Context) -> tuple[_Worked, _Worked]:
    """What this check worked out so far, and what the last one did."""
    found = _worked_now.get(ctx)
    if found is None:
        with _worked_lock:
            owner = ctx.schemas or ctx
            found = _worked_now[ctx] = (_Worked(), _worked_last.get(owner) or _Worked())
            _worked_last[owner] = found[0]
    return found


_NOWHERE = (None, -1, sys.maxsize, 0)  # no span of the last check holds


class _OnNames:
    """One rule's findings on table names in one check (see :class:`_Worked`)."""

    __slots__ = ("rule", "now", "last", "_spans", "_last_spans", "_in")

    def __init__(self, ctx: Context, rule: str) -> None:
        self.rule = rule
        self.now, self.last = _worked(ctx)
        self._spans = self.now.spans.setdefault(rule, {})
        self._last_spans = self.last.spans.get(rule, {})
        # The migration of the last table asked about, and where the last check's spans in its
        # document are now: those that end by the first offset are where they were, those from
        # the second on moved by the third; the others, the edit reached. The tables of one
        # literal come one after the other: the texts are compared once for all of them.
        self._in: tuple[Migration | None, int, int, int] = _NOWHERE

    def _enter(self, m: Migration) -> None:
        text = self.now.texts.setdefault(m.path, m.text)
        old = self.last.texts.get(m.path)
        if old is None:
            self._in = (m, *_NOWHERE[1:])
        elif old is text:
            self._in = (m, sys.maxsize, 0, 0)
        else:
            same_start, same_end = unchanged_ends(old, text)
            self._in = (m, same_start, len(old) - same_end, len(text) - len(old))

    def finding(self, table: Table, message: str, fix: Fix | None = None) -> Finding:
        """A finding on the table's name in its ``CREATE TABLE``."""
        d = table.defined
        m = d.source.migration
        if self._in[0] is not m:
            self._enter(m)
        _, kept, moved, delta = self._in
        span = self._last_spans.get(table)
        if span is not None and span[1] > kept:
            span = (span[0] + delta, span[1] + delta) if span[0] >= moved else None
        if span is None:
            st = d.statement
            name = st.fact.name_span
            span = m.literal.doc_span(*(st.span(name) if name is not None else (d.start, d.end)))
        self._spans[table] = span
        return m.doc_finding(self.rule, message, *span, fix)


def _added(table: Table, pieces: list[Piece]) -> Edits:
    """Edits that add ``pieces`` for ``table``, each where its section goes in the table's migration."""
    return insert_pieces(table.defined.migration, [(place_for_table(table, p.section), p) for p in pieces])


def _index_added(table: Table, column: str) -> Edits:
    """Edits that add an index on ``column`` of ``table``: its SQL is written only for the fix
    the user asks for, not for each unindexed table on every keystroke."""
    return _added(table, [create_index(table.name, column)])


class TableMissingRls(Rule):
    """Finds tables without `ENABLE ROW LEVEL SECURITY`.

    ## What it does
    Reports each table the migration creates on which no statement enables row level
    security (or on which the last one disables it), wherever in the migration that
    statement is.

    ## Why is this bad?
    Without RLS, anyone holding the app's public (anon) key can read and write every row of
    the table through the API. "Adding New Tables" makes "Enable RLS" a required step
    (`database-migrations.md`, "Adding New Tables"; "Migration SQL Structure", section 4).

    ## Example
    ```sql
    CREATE TABLE IF NOT EXISTS mason_execution_logs (id UUID PRIMARY KEY DEFAULT gen_random_uuid());
    ```

    ## Use instead
    ```sql
    CREATE TABLE IF NOT EXISTS mason_execution_logs (id UUID PRIMARY KEY DEFAULT gen_random_uuid());
    ALTER TABLE mason_execution_logs ENABLE ROW LEVEL SECURITY;
    ```

    ## Fix safety
    Safe: it adds `ALTER TABLE … ENABLE ROW LEVEL SECURITY;` at the end of the RLS section
    if the migration is grouped into sections, else after the table's indexes. Enabling it
    twice is harmless. A table without a policy would then return no rows, so the same fix
    adds the guarded policy `table-missing-policy` would add (the `policy-template`
    setting), in the same pass.
    """

    postgres_only = True
    supabase_only = True
    name = "table-missing-rls"
    severity = "error"
    fix = "safe"

    def check(self, ctx: Context) -> Iterable[Finding]:
        on_names = _OnNames(ctx, self.name)
        names: list[str] | None = None  # listed once, for the first table without RLS or policy
        for table in checked_tables(ctx):
            if table.rls:
                continue
            # RLS without a policy closes the table: one pass adds both, as table-missing-policy would.
            guarded = None
            if not table.policies:
                names = names if names is not None else [t.name for t in ctx.schema.tables]
                guarded = policy(ctx.config, table.name, names)
            title = "Enable row level security" + (" and add the guarded policy of the rulebook" if guarded is not None else "")
            pieces = [enable_rls(table.name)] + ([guarded] if guarded is not None else [])
            fix = Fix(title, partial(_added, table, pieces))
            yield on_names.finding(table, f"table {table.name} has no ENABLE ROW LEVEL SECURITY: the public API key can read and write all of it", fix)


class TableMissingPolicy(Rule):
    """Finds tables with row level security enabled and no policy.

    ## What it does
    Reports the `ENABLE ROW LEVEL SECURITY` of a table on which the migration creates no
    policy.

    ## Why is this bad?
    With RLS on and no policy, PostgreSQL denies every row to every role the app uses:
    each query returns nothing and each write fails, silently. "Adding New Tables" pairs
    "Enable RLS" with "Add RLS policy" (`database-migrations.md`, "Adding New Tables").

    ## Example
    ```sql
    ALTER TABLE mason_execution_logs ENABLE ROW LEVEL SECURITY;
    ```

    ## Use instead
    ```sql
    ALTER TABLE mason_execution_logs ENABLE ROW LEVEL SECURITY;
    DO $$ BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE tablename = 'mason_execution_logs' AND policyname = 'Allow all on execution_logs') THEN
        CREATE POLICY "Allow all on execution_logs" ON mason_execution_logs FOR ALL USING (true) WITH CHECK (true);
      END IF;
    END $$;
    ```

    ## Fix safety
    Safe: it adds the policy of the `policy-template` setting (the rulebook's "Allow all" by
    default) inside the rulebook's guarded `DO` block, at the end of the policy section if
    the migration is grouped into sections, else after the table's RLS statement. Write a
    narrower template if "allow all" is not what the app wants.
    """

    postgres_only = True
    supabase_only = True
    name = "table-missing-policy"
    severity = "error"
    fix = "safe"

    def check(self, ctx: Context) -> Iterable[Finding]:
        names: list[str] | None = None  # listed once, for the first table without a policy
        for table in checked_tables(ctx):
            if not table.rls or table.policies or table.rls_defined is None:
                continue
            names = names if names is not None else [t.name for t in ctx.schema.tables]
            piece = policy(ctx.config, table.name, names)
            fix = None
            if piece is not None:
                fix = Fix("Add the guarded policy of the rulebook", partial(_added, table, [piece]))
            d = table.rls_defined
            yield d.migration.finding(
                self.name,
                f"RLS is enabled on {table.name} but no policy exists: every query from the app's roles returns nothing",
                d.start,
                d.end,
                fix,
            )


class TableMissingIndex(Rule):
    """Finds tables with unindexed foreign keys, or with no index besides the primary key.

    ## What it does
    Reports a table whose foreign-key columns are all unindexed, or, for a table without
    foreign keys, one with no index at all besides its primary key. An index, a primary key,
    a `UNIQUE` constraint or an `EXCLUDE` constraint (whose index PostgreSQL builds) whose
    first column is the foreign-key column counts, and so does, in MySQL, an index declared
    inside `CREATE TABLE` (`KEY`, `INDEX`) or added with `ALTER TABLE … ADD INDEX`. MySQL
    indexes every foreign key itself: there only a table without foreign keys can be
    reported. A partition (`PARTITION OF`) has the indexes of the table it is part of, and a
    copy made with `LIKE … INCLUDING INDEXES` (or `ALL`) those of its source: neither is
    reported.

    ## Why is this bad?
    "Adding New Tables" asks for the table's indexes. Without an index on its foreign key,
    every lookup by the parent row (and every delete of a parent, to check the reference)
    reads the whole table.

    ## Example
    ```sql
    CREATE TABLE IF NOT EXISTS mason_api_keys (
      id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
      user_id UUID REFERENCES mason_users(id)
    );
    ```

    ## Use instead
    ```sql
    CREATE INDEX IF NOT EXISTS idx_mason_api_keys_user_id ON mason_api_keys(user_id);
    ```

    ## Fix safety
    Safe for a foreign key: it adds `CREATE INDEX IF NOT EXISTS idx_<table>_<column>` at the
    end of the index section if the migration is grouped into sections, else after the
    table. A table without foreign keys gets no fix: which column it is queried by is not
    known.
    """

    name = "table-missing-index"
    severity = "info"
    fix = "safe"

    def check(self, ctx: Context) -> Iterable[Finding]:
        on_names = _OnNames(ctx, self.name)
        known, verdicts = on_names.last.unindexed, on_names.now.unindexed
        known_fixes, fixes = on_names.last.fixes, on_names.now.fixes
        for table in checked_tables(ctx):
            found = verdicts[table] = known[table] if table in known else _unindexed(table)
            if found is not None:
                message, column, title = found
                fix = None
                if column is not None:
                    # The table is the last check's, and so is what its fix would index.
                    fix = known_fixes.get(table)
                    if fix is None or fix.built:
                        fix = Fix(title, partial(_index_added, table, column))
                    fixes[table] = fix
                yield on_names.finding(table, message, fix)


def _unindexed(table: Table) -> tuple[str, str | None, str] | None:
    """What table-missing-index finds in ``table``: its message, the column its fix indexes, and
    the fix's title."""
    if table.defined.statement.fact.indexes_from is not None:
        return None  # a partition, or a copy with its source's indexes: those are its own
    keys = [fk.columns[0] for fk in table.foreign_keys if fk.columns]
    if keys:
        # MySQL (InnoDB) indexes each foreign key that no index leads with already.
        if table.defined.source.migration.dialect == "mysql" or not table.leading_columns().isdisjoint(keys):
            return None
        return f"no index on the foreign key {keys[0]} of {table.name}", keys[0], f"Index {keys[0]}"
    if not table.indexes and not table.uniques and not table.exclusions:
        return f"table {table.name} has no index besides its primary key", None, ""
    return None


def _references(st: Statement) -> Iterator[tuple[Name, Span]]:
    """The tables a statement's foreign keys reference, with where it names them (relative
    spans): PostgreSQL and MySQL need them to exist, SQLite checks a reference only when a
    row is written."""
    f = st.fact
    own = canonical(f.name) if f.kind == Kind.CREATE_TABLE and f.name is not None else None
    references = [(c.references, c.references_span) for c in f.columns]
    references += [(c.references, c.references_span) for c in f.constraints]
    for act in f.actions:
        if act.column_def is not None:
            references.append((act.column_def.references, act.column_def.references_span))
        if act.constraint is not None:
            references.append((act.constraint.references, act.constraint.references_span))
    for name, span in references:
        if name is not None and span is not None and canonical(name) != own:
            yield name, span


def _uses(st: Statement) -> Iterator[tuple[Name, Span]]:
    """The table a statement needs to exist to act on it, with where it names it (relative spans)."""
    f = st.fact
    if f.table is not None and f.table_span is not None and f.kind != Kind.CREATE_TABLE:
        if f.kind == Kind.ALTER_TABLE and f.if_exists:
            return  # ALTER TABLE IF EXISTS skips a missing table
        if f.kind in (Kind.ALTER_TABLE, Kind.CREATE_INDEX, Kind.CREATE_POLICY, Kind.CREATE_TRIGGER, Kind.ALTER_PUBLICATION, Kind.INSERT, Kind.UPDATE, Kind.DELETE) or (
            f.kind == Kind.COMMENT and f.object_type in ("TABLE", "COLUMN")
        ):
            yield f.table, f.table_span


def _created_by(st: Statement) -> Iterator[Name]:
    """The relations a statement creates (or renames a table to)."""
    f = st.fact
    if f.kind in (Kind.CREATE_TABLE, Kind.CREATE_FOREIGN_TABLE, Kind.CREATE_VIEW, Kind.CREATE_MATERIALIZED_VIEW) and f.name is not None:
        yield canonical(f.name)
    elif f.kind == Kind.ALTER_TABLE and f.table is not None:
        for act in f.actions:
            if act.kind == "rename" and act.new_name is not None:
                yield canonical(Name(act.new_name, f.table.schema))


class _Relations:
    """Relations known to exist, with those named with a ``${…}`` apart: one of them may be any."""

    def __init__(self) -> None:
        self.names: dict[Name, None] = {}  # in the order they are created
        self.dynamic: list[Name] = []

    def add(self, names: Iterable[Name]) -> None:
        for name in names:
            if name not in self.names:
                self.names[name] = None
                if dynamic(name):
                    self.dynamic.append(name)

    def may_hold(self, key: Name) -> bool:
        return key in self.names or any(could_be(n, key) for n in self.dynamic)


@dataclass(frozen=True, slots=True)
class _Top:
    """What a top-level statement executes (itself first, then what it nests) creates, and
    uses that none of those statements created before: whether those exist depends only on
    the statements before it. Uses that are always fine are left out."""

    uses: tuple[tuple[int, Name, Name, Span], ...]  # (0 itself, i its i-th nested statement; key; as written; relative span)
    references: tuple[tuple[int, Name, Name, Span], ...]  # the same, of its foreign keys
    created: tuple[Name, ...]
    dynamic: tuple[Name, ...]  # those of ``created`` named with a ``${…}``
    foreign_key_checks: bool | None  # what a MySQL ``SET FOREIGN_KEY_CHECKS`` sets it to; None, no such SET


# MySQL's session setting: while it is off, a foreign key may reference a table that does not
# exist yet (dumps and schemas in any table order turn it off). GLOBAL and PERSIST set what new
# sessions start with, not this one's; a value that is not a constant (a variable that saved the
# old one) is taken as on, which is what it restores in practice.
_SET = re.compile(r"\s*SET\s", re.I)
_ASSIGNMENT = re.compile(
    r"(?:(GLOBAL|PERSIST|PERSIST_ONLY|SESSION|LOCAL)\s+|@@(?:(GLOBAL|PERSIST|PERSIST_ONLY|SESSION|LOCAL)\.)?)?(@?\w+)\s*:?=\s*('[^']*'|[^,]*?)\s*(?:,|\Z)",
    re.I,
)
_OFF = ("0", "OFF", "FALSE")


def _foreign_key_checks(text: str) -> bool | None:
    """What ``SET … FOREIGN_KEY_CHECKS = v`` in ``text`` sets the session's checks to, if it does."""
    head = _SET.match(text)
    if head is None:
        return None
    found = None
    scope = "SESSION"
    for a in _ASSIGNMENT.finditer(text.rstrip().rstrip(";"), head.end()):
        scope = (a.group(1) or a.group(2) or scope).upper()
        if a.group(3).lower() == "foreign_key_checks" and scope in ("SESSION", "LOCAL"):
            found = a.group(4).strip("'").upper() not in _OFF
    return found


def _top(top: Statement) -> _Top:
    uses: list[tuple[int, Name, Name, Span]] = []
    references: list[tuple[int, Name, Name, Span]] = []
    made = _Relations()
    for i, st in enumerate((top, *top.nested())):
        # Inside `IF EXISTS (…)`, or a handler for a missing table: a missing table is expected.
        if not st.guarded("exists", "undefined_table"):
            for found, named in ((references, _references(st)), (uses, _uses(st))):
                for name, span in named:
                    key = canonical(name)
                    # A name with a ${…} may be any table; PostgreSQL's catalogs exist before.
                    if not dynamic(key) and not system_catalog(key) and not made.may_hold(key):
                        found.append((i, key, name, span))
        made.add(_created_by(st))
    return _Top(tuple(uses), tuple(references), tuple(made.names), tuple(made.dynamic), _foreign_key_checks(top.fact.text))


# Each top-level statement is walked once, when its text is new: a run that an edit changed
# is read again from its statements' walks, not by walking all they nest.
_tops = ByText(_top)

RUN = 64  # top-level statements per run

# A relation's name as runs and walks key it: one string, whose hash is kept with it, where a
# tuple's is worked out again on each lookup; a walk asks about every relation a migration
# creates and uses on each keystroke. The schema's length tells where it ends: no two names
# share a key.
_Key = str


def _key(name: Name) -> _Key:
    return f".{name.name}" if name.schema is None else f"{len(name.schema)}:{name.schema}.{name.name}"


@dataclass(frozen=True, slots=True)
class _Run:
    """What a run of consecutive top-level statements creates, and their uses of relations
    that no statement of the run created before: whether those exist depends only on the
    statements before the run."""

    created: frozenset[_Key]
    needs: frozenset[_Key]  # the keys of ``unmet``
    # (top-level statement in the run, statement in it; key; as written; relative span; whether
    # it is a MySQL foreign key that counts only if FOREIGN_KEY_CHECKS is on as the run starts)
    unmet: tuple[tuple[int, int, Name, Name, Span, bool], ...]
    dynamic: tuple[tuple[int, Name], ...]  # the names of ``created`` with a ``${…}``, each with the statement in the run that creates it first
    foreign_key_checks: bool | None  # as the run leaves it; None, as it found it


def _run(m: Migration, tops: Sequence[Statement]) -> _Run:
    made: set[_Key] = set()
    unmet: list[tuple[int, int, Name, Name, Span, bool]] = []
    made_dynamic: list[tuple[int, Name]] = []
    checks = None  # MySQL's FOREIGN_KEY_CHECKS, once a statement of the run sets it
    for i, top in enumerate(tops):
        t = _tops(m, top)
        if m.dialect == "mysql" and t.foreign_key_checks is not None:
            checks = t.foreign_key_checks
        # SQLite creates a table whose foreign key references a table it does not have yet,
        # and so does MySQL while FOREIGN_KEY_CHECKS is off.
        if m.dialect != "sqlite" and checks is not False:
            unmet += [(i, *use, checks is None and m.dialect == "mysql") for use in t.references if _key(use[1]) not in made]
        unmet += [(i, *use, False) for use in t.uses if _key(use[1]) not in made]
        made_dynamic += [(i, name) for name in t.dynamic if _key(name) not in made]
        made.update(map(_key, t.created))
    return _Run(frozenset(made), frozenset(_key(use[2]) for use in unmet), tuple(unmet), tuple(made_dynamic), checks)


# What :func:`_run` says of each run of :data:`RUN` top-level statements, kept by the literal's
# dialect and the run's texts: a keystroke changes a statement or two, and the runs around it
# are each a lookup and a set operation, not a walk of their statements. An edit that adds or
# removes a statement moves the runs after it: they are read again once.
_known_runs: Known[tuple[str, tuple[str, ...]], _Run] = Known(CACHE_SIZE // RUN)


def _runs(m: Migration) -> Iterator[_Run]:
    texts = m.texts
    for start in range(0, len(texts), RUN):
        key = (m.dialect, tuple(texts[start : start + RUN]))
        run = _known_runs.get(key)
        yield run if run is not None else _known_runs.add(key, _run(m, m.statements[start : start + RUN]))


@dataclass(frozen=True, slots=True)
class _Walked:
    """What a migration creates, and its uses of relations that no statement before the use
    creates by that name, in order: the only uses that may be of a missing relation."""

    made: set[_Key]
    dynamic: list[tuple[int, Name]]  # (top-level statement, name with a ``${…}`` it creates)
    unmet: list[tuple[int, int, Name, Name, Span]]  # (top-level statement, statement in it; key; as written; relative span)

    def may_hold(self, key: Name) -> bool:
        """Does it create ``key``, or a name with a ``${…}`` that may be it?"""
        return _key(key) in self.made or any(could_be(name, key) for _, name in self.dynamic)

    def may_be_before(self, key: Name, top: int) -> bool:
        """Does a top-level statement before ``top`` create a name with a ``${…}`` that may be ``key``?"""
        return any(i < top and could_be(name, key) for i, name in self.dynamic)


def _walk(m: Migration) -> _Walked:
    made: set[_Key] = set()
    made_dynamic: list[tuple[int, Name]] = []
    unmet: list[tuple[int, int, Name, Name, Span]] = []
    checks = True  # MySQL's FOREIGN_KEY_CHECKS
    for n, run in enumerate(_runs(m)):
        start = n * RUN
        # Most runs use only what the runs before them create: one subset test says so.
        if not run.needs <= made:
            unmet += [(start + i, step, key, name, span) for i, step, key, name, span, if_checked in run.unmet if _key(key) not in made and (checks or not if_checked)]
        made_dynamic += [(start + i, name) for i, name in run.dynamic]
        made |= run.created
        checks = checks if run.foreign_key_checks is None else run.foreign_key_checks
    return _Walked(made, made_dynamic, unmet)


class UsedBeforeCreated(Rule):
    """Finds statements that use a table before the migration creates it.

    ## What it does
    Follows the migration in order, as a fresh database runs it, and reports each table
    that does not exist yet where a statement uses it, once per literal: at its first use,
    with the number of statements that use it. Uses are `REFERENCES t`, `CREATE INDEX … ON t`,
    `ALTER TABLE t`, `CREATE POLICY … ON t`, a trigger on `t`, `COMMENT ON TABLE t`,
    `ALTER PUBLICATION … ADD TABLE t`, and `INSERT`/`UPDATE`/`DELETE` on `t`; in SQLite, which
    checks a foreign key only when a row is written, `REFERENCES t` is none, nor is it in MySQL
    after `SET FOREIGN_KEY_CHECKS = 0` (until it is set back to 1). The table is
    either created further down, or nowhere. Tables in the platform's schemas (`auth.*`,
    `storage.*`; the `external-schemas` setting) exist before the migration and are exempt,
    as are statements guarded by `IF EXISTS (…)`, `ALTER TABLE IF EXISTS`, and handlers of
    `undefined_table`. When a `.sql` file of the workspace creates the table (a schema
    applied by hand before the migration moved into code), the message names it: listed in
    `baseline-sql`, it tells the checker what the database already holds.

    ## Why is this bad?
    On a developer's database the table already exists, so the mistake goes unnoticed; on a
    new user's database the statement fails with "relation does not exist" and the
    migration stops there ("Testing Migrations": run against a fresh database;
    "Migration SQL Structure" orders core tables before the tables that reference them).

    ## Example
    ```sql
    CREATE TABLE IF NOT EXISTS mason_api_keys (id UUID PRIMARY KEY, user_id UUID REFERENCES mason_users(id));
    CREATE TABLE IF NOT EXISTS mason_users (id UUID PRIMARY KEY);
    ```

    ## Use instead
    ```sql
    CREATE TABLE IF NOT EXISTS mason_users (id UUID PRIMARY KEY);
    CREATE TABLE IF NOT EXISTS mason_api_keys (id UUID PRIMARY KEY, user_id UUID REFERENCES mason_users(id));
    ```

    ## Fix safety
    No automatic fix: moving statements may break what depends on their order.
    """

    name = "used-before-created"
    severity = "error"

    def check(self, ctx: Context) -> Iterable[Finding]:
        walked = {m: _walk(m) for m in ctx.migrations}
        external = ctx.config.external_schemas
        for m in ctx.migrations:
            own = walked[m]
            # The order of separate literals is unknown: what another one creates may exist.
            others = [w for other, w in walked.items() if other is not m]
            # One finding per table, at its first use: a delta literal uses a table many times.
            missing: dict[Name, tuple[Statement, Name, Span, set[int]]] = {}
            for i, step, key, name, span in own.unmet:
                # The platform's tables exist before.
                if own.may_be_before(key, i) or any(w.may_hold(key) for w in others) or name.schema in external:
                    continue
                top = m.statements[i]
                if key not in missing:
                    missing[key] = (top if step == 0 else top.nested_at(step - 1), name, span, set())
                missing[key][3].add(top.index)
            for key, (st, name, span, users) in missing.items():
                later = _key(key) in own.made
                where = "further down" if later else "nowhere in the migration"
                uses = f"; {len(users)} statements use it" if len(users) > 1 else ""
                sources = ctx.workspace.sql_files_creating(key) if ctx.workspace is not None and not later else []
                found = ""
                if sources:
                    files = ", ".join(relative(p, ctx.config.root) for p in sources)
                    found = f". {files} creates it: if the database is built from that file first, list it in baseline-sql"
                yield m.finding(self.name, f"{name} does not exist yet on a fresh database: it is created {where}{uses}{found}", *st.span(span))


class SectionOrder(Rule):
    """Finds statements out of the rulebook's order: tables, indexes, RLS, policies.

    ## What it does
    Classifies each top-level statement as a table, an index, an RLS statement or a policy
    (a `DO` block that creates policies counts as one), and reports each place where the
    order goes backwards, once: the statements after it that keep the new order are not
    reported again. Off by default; enable it for migrations written in sections.

    ## Why is this bad?
    The rulebook fixes the order of `MIGRATION_SQL` ("Migration SQL Structure"): all tables,
    then all indexes, then RLS, then policies. A statement out of place is easy to miss when
    reviewing the section it belongs to.

    ## Example
    ```sql
    CREATE TABLE IF NOT EXISTS mason_users (id UUID PRIMARY KEY);
    ALTER TABLE mason_users ENABLE ROW LEVEL SECURITY;
    CREATE INDEX IF NOT EXISTS idx_mason_users_id ON mason_users(id);
    ```

    ## Use instead
    ```sql
    CREATE TABLE IF NOT EXISTS mason_users (id UUID PRIMARY KEY);
    CREATE INDEX IF NOT EXISTS idx_mason_users_id ON mason_users(id);
    ALTER TABLE mason_users ENABLE ROW LEVEL SECURITY;
    ```

    ## Fix safety
    No automatic fix.
    """

    name = "section-order"
    severity = "info"
    enabled_by_default = False

    def check(self, ctx: Context) -> Iterable[Finding]:
        for m in ctx.migrations:
            previous: str | None = None
            for st in m.statements:
                kind = section_of(st)
                if kind is None:
                    continue
                if previous is not None and SECTIONS.index(kind) < SECTIONS.index(previous):
                    yield m.finding(
                        self.name,
                        f"{_LABELS[kind]} after {_LABELS[previous]}: the rulebook's order is tables, indexes, RLS, policies",
                        *st.span(),
                    )
                previous = kind


_LABELS = {"table": "a table", "index": "an index", "rls": "an RLS statement", "policy": "a policy"}


FAMILY = (TableMissingRls, TableMissingPolicy, TableMissingIndex, UsedBeforeCreated, SectionOrder)
