"""The database the migrations build: tables, columns, keys, CHECK constraints, indexes, RLS,
policies, functions, triggers and publications, each with the place it is defined.

The model replays every statement the migration literals execute (``DO`` bodies
included), in order, the way a fresh database sees one run. It is read by the rules, by
hover and completion in the editor, and by the upgrade checks.

Names are schema-aware. Keys are canonical :class:`Name` values: unquoted names are
already folded to lower case by the analyser, quoted names keep their case, and the
``public`` schema is written as ``schema=None``, so ``Name("mason_users")`` finds
``public.mason_users``.

A name that holds a ``${…}`` (see :func:`dynamic`) is only known when the app runs. Tables,
views and functions created under such a name are left out of the model, which only keeps
the name as a pattern; a statement on a table so named changes no table of the model, and
marks the tables it could be on as :meth:`Schema.may_have_changed`.
"""

from __future__ import annotations

import bisect
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Iterator, TypeVar

from migration_lsp.locate.typescript import PLACEHOLDER
from migration_lsp.migration import Migration
from migration_lsp.sql.analyze import columns_of
from migration_lsp.sql.facts import Action, Column, Constraint, Fact, Name, Span, Statement
from migration_lsp.sql.tokens import PUNCT, STRING, Tok, TokenError, tokenize

_T = TypeVar("_T")


def canonical(name: Name) -> Name:
    """The key of ``name``: ``public`` is the default schema and is left out."""
    if name.schema == "public":
        return Name(name.name)
    return name


def parse_name(text: str) -> Name:
    """``"schema.name"`` or ``"name"`` as a canonical :class:`Name`, spelled as stored (no folding)."""
    schema, dot, name = text.rpartition(".")
    return canonical(Name(name, schema if dot else None))


SYSTEM_SCHEMAS = ("pg_catalog", "information_schema")


def system_catalog(name: Name) -> bool:
    """Is it one of PostgreSQL's own catalogs, never an app's table: ``information_schema.*``,
    ``pg_catalog.*``, or ``pg_*`` (``pg_stat_statements``)? A name the code wrote with its
    schema in one string (``.from('information_schema.columns')``) counts too."""
    schema, _, rest = name.name.rpartition(".") if name.schema is None else (name.schema, ".", name.name)
    return schema in SYSTEM_SCHEMAS or schema.startswith("pg_") or rest.startswith("pg_")


def dynamic(name: Name | str) -> bool:
    """Does the name hold a ``${…}``? Only the app knows it, so it is the same as no other name."""
    return PLACEHOLDER.search(str(name)) is not None


def could_be(pattern: Name, name: Name) -> bool:
    """Could ``pattern``, whose every ``${…}`` may stand for any text, be ``name``?"""
    return all(
        re.fullmatch("".join(".*" if i % 2 else re.escape(part) for i, part in enumerate(PLACEHOLDER.split(p))), n, re.DOTALL)
        for p, n in zip(pattern.key(), name.key())
    )


@dataclass(frozen=True, eq=False)
class Definition:
    """Where an object is defined: its migration and a span of that migration's SQL."""

    migration: Migration = field(repr=False)
    statement: Statement = field(repr=False)
    start: int  # SQL offsets in the migration's literal
    end: int

    @property
    def path(self) -> Path:
        return self.migration.path

    def doc_span(self) -> tuple[int, int]:
        """The span in the document that holds the migration."""
        return self.migration.literal.doc_span(self.start, self.end)

    @property
    def top(self) -> Statement:
        """The top-level statement that executes it (the ``DO`` block for a nested statement)."""
        return self.statement.top


@dataclass(eq=False)
class TableColumn:
    name: str
    type: str
    defined: Definition
    not_null: bool = False
    default: str | None = None
    generated: bool = False
    primary_key: bool = False
    unique: bool = False


@dataclass(eq=False)
class Key:
    """A primary key or unique constraint."""

    columns: tuple[str, ...]
    defined: Definition
    name: str | None = None


@dataclass(eq=False)
class ForeignKey:
    columns: tuple[str, ...]
    references: Name
    defined: Definition
    references_columns: tuple[str, ...] = ()
    name: str | None = None


@dataclass(eq=False)
class Check:
    """A ``CHECK`` constraint; a column's is named as PostgreSQL names it, ``<table>_<column>_check``."""

    name: str | None  # None for an unnamed table constraint: PostgreSQL derives it from the expression
    expression: str
    defined: Definition
    columns: tuple[str, ...] = ()  # the column of a column constraint; empty: read from the expression


@dataclass(eq=False)
class Index:
    name: Name | None
    table: Name
    defined: Definition
    columns: tuple[str, ...] = ()  # plain columns, and columns that the expressions read
    expressions: tuple[str, ...] = ()
    predicate: str | None = None  # the WHERE of a partial index
    unique: bool = False


@dataclass(eq=False)
class Policy:
    name: str
    table: Name
    defined: Definition
    command: str = "ALL"
    roles: tuple[str, ...] = ()
    using: str | None = None
    check: str | None = None


@dataclass(eq=False)
class Trigger:
    name: str
    table: Name
    defined: Definition
    function: Name | None = None


@dataclass(eq=False)
class Table:
    name: Name
    defined: Definition  # the CREATE TABLE
    purpose: str | None = None  # the `--` comment right above the CREATE TABLE
    columns: dict[str, TableColumn] = field(default_factory=dict)
    primary_key: Key | None = None
    uniques: list[Key] = field(default_factory=list)
    foreign_keys: list[ForeignKey] = field(default_factory=list)
    checks: list[Check] = field(default_factory=list)
    indexes: list[Index] = field(default_factory=list)
    rls: bool = False
    rls_forced: bool = False
    rls_defined: Definition | None = None  # the statement that last set the RLS state
    policies: list[Policy] = field(default_factory=list)
    triggers: list[Trigger] = field(default_factory=list)

    def indexed(self, column: str) -> bool:
        """Does an index, the primary key or a unique constraint lead with ``column``?"""
        leading = [i.columns[:1] for i in self.indexes]
        leading += [k.columns[:1] for k in self.uniques]
        if self.primary_key is not None:
            leading.append(self.primary_key.columns[:1])
        return (column,) in leading

    def policy(self, name: str) -> Policy | None:
        return next((p for p in self.policies if p.name == name), None)

    def check_constraint(self, name: str) -> Check | None:
        return next((c for c in self.checks if c.name == name), None)


@dataclass(eq=False)
class View:
    name: Name
    defined: Definition
    materialized: bool = False


@dataclass(eq=False)
class Function:
    name: Name
    defined: Definition  # the last CREATE [OR REPLACE] FUNCTION
    arguments: str = ""
    returns: str | None = None
    language: str | None = None
    procedure: bool = False


@dataclass(eq=False)
class Publication:
    name: str
    defined: Definition
    tables: list[Name] = field(default_factory=list)
    all_tables: bool = False


@dataclass(eq=False)
class Schema:
    tables: dict[Name, Table] = field(default_factory=dict)  # in creation order
    views: dict[Name, View] = field(default_factory=dict)
    indexes: dict[Name, Index] = field(default_factory=dict)  # named indexes, keyed in their table's schema
    functions: dict[Name, Function] = field(default_factory=dict)
    publications: dict[str, Publication] = field(default_factory=dict)
    # Names with a ``${…}``: of the tables and views, and the functions, created under one; and
    # of the tables that statements changed in ways the model cannot follow.
    dynamic_relations: list[Name] = field(default_factory=list)
    dynamic_functions: list[Name] = field(default_factory=list)
    unplaced: list[Name] = field(default_factory=list)

    def table(self, name: Name | str) -> Table | None:
        return self.tables.get(_key(name))

    def view(self, name: Name | str) -> View | None:
        return self.views.get(_key(name))

    def function(self, name: Name | str) -> Function | None:
        return self.functions.get(_key(name))

    def may_have_relation(self, name: Name | str) -> bool:
        """A table or view of that name exists, or may: one created under a name with a ``${…}`` could be it."""
        key = _key(name)
        return key in self.tables or key in self.views or any(could_be(p, key) for p in self.dynamic_relations)

    def may_have_function(self, name: Name | str) -> bool:
        """A function of that name exists, or may: one created under a name with a ``${…}`` could be it."""
        key = _key(name)
        return key in self.functions or any(could_be(p, key) for p in self.dynamic_functions)

    def may_have_changed(self, table: Name | str) -> bool:
        """Could a statement the model cannot follow have changed this table (one on a table
        whose name holds a ``${…}``, or one that drops a column or constraint so named)?"""
        key = _key(table)
        return any(could_be(p, key) for p in self.unplaced)

    def triggers(self) -> Iterator[Trigger]:
        for t in self.tables.values():
            yield from t.triggers

    def published(self, table: Name | str) -> list[Publication]:
        key = _key(table)
        return [p for p in self.publications.values() if p.all_tables or key in p.tables]


    def copy(self) -> Schema:
        """A copy that a replay can change while this one stays as it is: every table and what
        it holds (columns, keys, checks, indexes, policies, triggers) and every publication is
        a new object; the definitions, views and functions, never changed in place, are shared."""
        indexes: dict[int, Index] = {}  # one copy per index: a table's list and `indexes` hold the same one

        def index(i: Index) -> Index:
            return indexes.setdefault(id(i), _shallow(i))

        tables = {}
        for key, t in self.tables.items():
            c = tables[key] = _shallow(t)
            c.columns = {name: _shallow(col) for name, col in t.columns.items()}
            c.primary_key = _shallow(t.primary_key) if t.primary_key is not None else None
            c.uniques = [_shallow(k) for k in t.uniques]
            c.foreign_keys = [_shallow(k) for k in t.foreign_keys]
            c.checks = [_shallow(k) for k in t.checks]
            c.indexes = [index(i) for i in t.indexes]
            c.policies = [_shallow(k) for k in t.policies]
            c.triggers = [_shallow(k) for k in t.triggers]
        publications = {}
        for name, p in self.publications.items():
            publications[name] = _shallow(p)
            publications[name].tables = list(p.tables)
        return Schema(
            tables,
            dict(self.views),
            {key: index(i) for key, i in self.indexes.items()},
            dict(self.functions),
            publications,
            list(self.dynamic_relations),
            list(self.dynamic_functions),
            list(self.unplaced),
        )


def _shallow(obj: _T) -> _T:
    """A new object with the same attributes: three times faster than ``copy.copy``."""
    new = object.__new__(type(obj))
    new.__dict__.update(obj.__dict__)
    return new


def _key(name: Name | str) -> Name:
    return parse_name(name) if isinstance(name, str) else canonical(name)


def build_schema(migrations: Iterable[Migration], over: Schema | None = None) -> Schema:
    """Replay every statement of ``migrations``, in order, on an empty database or on a copy of ``over``."""
    builder = _Builder(Schema() if over is None else over.copy())
    for m in migrations:
        for st in m.all_statements():
            builder.apply(m, st)
    return builder.schema


# A `--` line right above a CREATE TABLE that heads a section ("-- 1. Core tables",
# "-- ====") rather than describing the table.
_SECTION_HEADING = re.compile(r"^(\d+[.)]|#|=+$|-+$|\*+$)")
_TYPE_OF = re.compile(r"\bTYPE\s+(.*?)(?:\s+(?:USING|COLLATE)\b.*)?$", re.IGNORECASE | re.DOTALL)
_DEFAULT_OF = re.compile(r"\bSET\s+DEFAULT\s+(.*)$", re.IGNORECASE | re.DOTALL)


class _Builder:
    def __init__(self, schema: Schema) -> None:
        self.schema = schema
        # The relations each literal created under a name with a ``${…}``, as the literal spells
        # them: its later statements that spell a name the same way are on that relation.
        self._spelled: set[tuple[int, str]] = set()
        # An explicit table: a statement's first word (`target t;`) never names a method. Made
        # once per build, not once per statement.
        self._handlers = {
            "create_table": self._create_table,
            "create_foreign_table": self._create_table,
            "alter_table": self._alter_table,
            "create_index": self._create_index,
            "create_policy": self._create_policy,
            "create_trigger": self._create_trigger,
            "create_view": self._create_view,
            "create_materialized_view": self._create_view,
            "create_function": self._create_function,
            "create_procedure": self._create_function,
            "create_publication": self._create_publication,
            "alter_publication": self._alter_publication,
            "drop": self._drop,
        }

    def apply(self, m: Migration, st: Statement) -> None:
        f = st.fact
        handler = self._handlers.get(f.kind)
        if handler is not None:
            handler(m, st, f)

    def _definition(self, m: Migration, st: Statement, span: Span | None = None) -> Definition:
        return Definition(m, st, *st.span(span))

    def _dynamic_relation(self, m: Migration, key: Name) -> None:
        self.schema.dynamic_relations.append(key)
        self._spelled.add((id(m), m.as_written(str(key))))

    def _target(self, m: Migration, name: Name) -> Table | None:
        """The table a statement is on; None when the model lacks it."""
        key = canonical(name)
        if not dynamic(key):
            return self.schema.tables.get(key)
        if (id(m), m.as_written(str(key))) not in self._spelled:
            self.schema.unplaced.append(key)  # it may be on any table the name can spell
        return None

    # -- tables -----------------------------------------------------------------------
    def _create_table(self, m: Migration, st: Statement, f: Fact) -> None:
        if f.name is None or f.temporary:
            return
        key = canonical(f.name)
        if dynamic(key):
            self._dynamic_relation(m, key)
            return
        if key in self.schema.tables:
            return  # IF NOT EXISTS skips it; without, the statement fails and changes nothing
        table = Table(key, self._definition(m, st), _purpose(m, st))
        for col in f.columns:
            self._add_column(m, st, table, col)
        for con in f.constraints:
            self._add_constraint(m, st, table, con, con.span)
        self.schema.tables[key] = table


    def _add_column(self, m: Migration, st: Statement, table: Table, col: Column) -> None:
        if col.name in table.columns:
            return
        span = Span(col.span.start, col.span.start + len(col.definition))
        defined = self._definition(m, st, span)
        table.columns[col.name] = TableColumn(
            col.name, col.type, defined, col.not_null, col.default, col.generated, col.primary_key, col.unique
        )
        if col.primary_key and table.primary_key is None:
            table.primary_key = Key((col.name,), defined)
        if col.unique:
            table.uniques.append(Key((col.name,), defined))
        if col.references is not None:
            table.foreign_keys.append(ForeignKey((col.name,), canonical(col.references), defined, col.references_columns))
        if col.check is not None:
            self._add_check(table, Check(f"{table.name.name}_{col.name}_check", col.check, defined, (col.name,)))

    def _add_constraint(self, m: Migration, st: Statement, table: Table, con: Constraint, span: Span) -> None:
        """``span``: the constraint in a ``CREATE TABLE``, the whole ``ADD CONSTRAINT`` in an ``ALTER TABLE``."""
        defined = self._definition(m, st, span)
        if con.kind == "primary_key" and table.primary_key is None:
            table.primary_key = Key(con.columns, defined, con.name)
            for c in con.columns:
                if c in table.columns:
                    table.columns[c].primary_key = table.columns[c].not_null = True
        elif con.kind == "unique":
            table.uniques.append(Key(con.columns, defined, con.name))
        elif con.kind == "foreign_key" and con.references is not None:
            table.foreign_keys.append(
                ForeignKey(con.columns, canonical(con.references), defined, con.references_columns, con.name)
            )
        elif con.kind == "check" and con.expression is not None:
            self._add_check(table, Check(con.name, con.expression, defined))

    @staticmethod
    def _add_check(table: Table, check: Check) -> None:
        if check.name is None or table.check_constraint(check.name) is None:  # a second one of that name fails
            table.checks.append(check)

    def _alter_table(self, m: Migration, st: Statement, f: Fact) -> None:
        if f.table is None:
            return
        table = self._target(m, f.table)
        if table is None:
            return
        for act in f.actions:
            self._action(m, st, table, act)

    def _action(self, m: Migration, st: Statement, table: Table, act: Action) -> None:
        kind = act.kind
        if kind != "add_column" and act.column is not None and dynamic(act.column):
            self.schema.unplaced.append(table.name)  # which column or constraint, only the app knows
            return
        col = table.columns.get(act.column) if act.column is not None else None
        text = st.fact.text[act.span.start : act.span.end]
        if kind == "add_column" and act.column_def is not None:
            self._add_column(m, st, table, act.column_def)
        elif kind == "add_constraint" and act.constraint is not None:
            self._add_constraint(m, st, table, act.constraint, act.span)
        elif kind == "drop_column" and act.column is not None:
            self._drop_column(table, act.column)
        elif kind == "drop_constraint" and act.column is not None:
            self._drop_constraint(table, act.column)
        elif kind in ("enable_rls", "disable_rls"):
            table.rls = kind == "enable_rls"
            table.rls_defined = self._definition(m, st, act.span)
        elif kind == "force_rls":
            table.rls_forced = True
        elif kind == "rename" and act.new_name is not None:
            self._rename_table(m, table, Name(act.new_name, table.name.schema))
        elif col is None:
            return
        elif kind == "alter_type" and (typed := _TYPE_OF.search(text)):
            col.type = typed.group(1).strip()
        elif kind == "set_default" and (default := _DEFAULT_OF.search(text)):
            col.default = default.group(1).strip()
        elif kind == "drop_default":
            col.default = None
        elif kind in ("set_not_null", "drop_not_null"):
            col.not_null = kind == "set_not_null"
        elif kind == "rename_column" and act.new_name is not None:
            self._rename_column(table, col, act.new_name)

    def _drop_column(self, table: Table, column: str) -> None:
        """PostgreSQL drops the indexes and constraints that use a dropped column with it."""
        if table.columns.pop(column, None) is None:
            return
        if table.primary_key is not None and column in table.primary_key.columns:
            table.primary_key = None
        table.uniques = [k for k in table.uniques if column not in k.columns]
        table.foreign_keys = [k for k in table.foreign_keys if column not in k.columns]
        table.checks = [c for c in table.checks if column not in (c.columns or columns_of(c.expression))]
        for index in [i for i in table.indexes if column in i.columns]:
            self._drop_index(index)

    def _drop_constraint(self, table: Table, name: str) -> None:
        pk = table.primary_key
        if pk is not None and (pk.name or f"{table.name.name}_pkey") == name:
            table.primary_key = None
        table.uniques = [k for k in table.uniques if _constraint_name(table, k.columns, k.name, "key") != name]
        table.foreign_keys = [k for k in table.foreign_keys if _constraint_name(table, k.columns, k.name, "fkey") != name]
        table.checks = [c for c in table.checks if c.name != name]

    def _rename_table(self, m: Migration, table: Table, new: Name) -> None:
        old = table.name
        key = canonical(new)
        if dynamic(key):
            self._drop_table(old)
            self._dynamic_relation(m, key)
            return
        self.schema.tables = {(key if k == old else k): v for k, v in self.schema.tables.items()}
        table.name = key
        on_table: list[Index | Policy | Trigger] = [*table.indexes, *table.policies, *table.triggers]
        for obj in on_table:
            obj.table = key
        for other in self.schema.tables.values():
            for fk in other.foreign_keys:
                if fk.references == old:
                    fk.references = key

    def _rename_column(self, table: Table, col: TableColumn, new: str) -> None:
        old = col.name
        col.name = new
        table.columns = {(new if k == old else k): v for k, v in table.columns.items()}

        def renamed(cols: tuple[str, ...]) -> tuple[str, ...]:
            return tuple(new if c == old else c for c in cols)

        for key in (table.primary_key, *table.uniques, *table.foreign_keys):
            if key is not None:
                key.columns = renamed(key.columns)
        for check in table.checks:
            check.columns = renamed(check.columns)
        for index in table.indexes:
            index.columns = renamed(index.columns)

    # -- indexes, policies, triggers ------------------------------------------------------
    def _create_index(self, m: Migration, st: Statement, f: Fact) -> None:
        if f.table is None:
            return
        table = self._target(m, f.table)
        if table is None:
            return
        name = Name(f.name.name, table.name.schema) if f.name is not None else None
        known = name is not None and not dynamic(name)  # a name only the app knows finds no index
        if known and name in self.schema.indexes:
            return
        index = Index(
            name, table.name, self._definition(m, st), f.index_columns, f.index_expressions, f.predicate, f.unique
        )
        table.indexes.append(index)
        if known and name is not None:
            self.schema.indexes[name] = index

    def _drop_index(self, index: Index) -> None:
        table = self.schema.tables.get(index.table)
        if table is not None and index in table.indexes:
            table.indexes.remove(index)
        if index.name is not None:
            self.schema.indexes.pop(index.name, None)

    def _create_policy(self, m: Migration, st: Statement, f: Fact) -> None:
        if f.name is None or f.table is None:
            return
        table = self._target(m, f.table)
        if table is None or (not dynamic(f.name) and table.policy(f.name.name) is not None):
            return
        table.policies.append(
            Policy(
                f.name.name,
                table.name,
                self._definition(m, st),
                f.policy_command.upper(),
                f.policy_roles,
                f.policy_using,
                f.policy_check,
            )
        )

    def _create_trigger(self, m: Migration, st: Statement, f: Fact) -> None:
        if f.name is None or f.table is None:
            return
        table = self._target(m, f.table)
        if table is None:
            return
        if not dynamic(f.name):
            table.triggers = [t for t in table.triggers if t.name != f.name.name]
        table.triggers.append(Trigger(f.name.name, table.name, self._definition(m, st), _trigger_function(f.text)))

    # -- views, functions, publications -----------------------------------------------------
    def _create_view(self, m: Migration, st: Statement, f: Fact) -> None:
        if f.name is None:
            return
        key = canonical(f.name)
        if dynamic(key):
            self._dynamic_relation(m, key)
        else:
            self.schema.views[key] = View(key, self._definition(m, st), f.kind == "create_materialized_view")


    def _create_function(self, m: Migration, st: Statement, f: Fact) -> None:
        if f.name is None:
            return
        key = canonical(f.name)
        if dynamic(key):
            self.schema.dynamic_functions.append(key)
            return
        if key in self.schema.functions and not f.or_replace:
            return
        arguments, returns, language = _signature(f.text, f.name_span.end if f.name_span else 0)
        self.schema.functions[key] = Function(
            key, self._definition(m, st), arguments, returns, language, f.kind == "create_procedure"
        )


    def _create_publication(self, m: Migration, st: Statement, f: Fact) -> None:
        if f.name is None or dynamic(f.name) or f.name.name in self.schema.publications:
            return
        pub = Publication(f.name.name, self._definition(m, st))
        toks = _tokens(f.text)
        words = [t.value for t in toks if t.kind == "word"]
        pub.all_tables = "ALL" in words and "TABLES" in words
        pub.tables = _table_list(toks)
        self.schema.publications[pub.name] = pub

    def _alter_publication(self, m: Migration, st: Statement, f: Fact) -> None:
        if f.name is None or dynamic(f.name):
            return
        pub = self.schema.publications.get(f.name.name)
        if pub is None:
            # Publications the platform makes (supabase_realtime) exist before the migration.
            pub = self.schema.publications[f.name.name] = Publication(f.name.name, self._definition(m, st))
        toks = _tokens(f.text)
        verb = next((t.value for t in toks[3:] if t.kind == "word"), "")
        tables = _table_list(toks)
        if verb == "ADD":
            pub.tables.extend(t for t in tables if t not in pub.tables)
        elif verb == "SET":
            pub.tables = tables
        elif verb == "DROP":
            pub.tables = [t for t in pub.tables if t not in tables]

    # -- DROP -------------------------------------------------------------------------------
    def _drop(self, m: Migration, st: Statement, f: Fact) -> None:
        if f.name is None:
            return
        key = canonical(f.name)
        obj = f.object_type
        if obj in ("POLICY", "TRIGGER") and f.table is not None:
            table = self._target(m, f.table)
            if table is not None and dynamic(key):
                self.schema.unplaced.append(table.name)  # which one it drops, only the app knows
            elif table is not None and obj == "POLICY":
                table.policies = [p for p in table.policies if p.name != f.name.name]
            elif table is not None:
                table.triggers = [t for t in table.triggers if t.name != f.name.name]
        elif dynamic(key):
            return  # what it drops, only the app knows
        elif obj in ("TABLE", "FOREIGN TABLE"):
            self._drop_table(key)
        elif obj in ("VIEW", "MATERIALIZED VIEW"):
            self.schema.views.pop(key, None)
        elif obj == "INDEX":
            index = self.schema.indexes.get(key)
            if index is not None:
                self._drop_index(index)
        elif obj in ("FUNCTION", "PROCEDURE"):
            self.schema.functions.pop(key, None)
        elif obj == "PUBLICATION":
            self.schema.publications.pop(f.name.name, None)

    def _drop_table(self, key: Name) -> None:
        table = self.schema.tables.pop(key, None)
        if table is not None:
            for index in list(table.indexes):
                self._drop_index(index)


def _constraint_name(table: Table, columns: tuple[str, ...], name: str | None, suffix: str) -> str:
    """The constraint's name, or the one PostgreSQL gives an unnamed constraint."""
    return name or "_".join((table.name.name, *columns, suffix))


def _purpose(m: Migration, st: Statement) -> str | None:
    """The `--` lines directly above the statement (no blank line between), minus section headings."""
    top = st.top
    comments = m.comments
    i = bisect.bisect_left(m.comment_starts, top.start) - 1
    lines: list[str] = []
    boundary = top.start
    while i >= 0:
        c = comments[i]
        between = m.sql[c.end : boundary]
        if not c.line or between.strip() or between.count("\n") > 1:
            break
        lines.append(m.sql[c.start + 2 : c.end].strip())
        boundary = c.start
        # Only a comment alone on its line describes what follows.
        if m.sql[m.line_start(c.start) : c.start].strip():
            lines.pop()
            break
        i -= 1
    kept = [t for t in reversed(lines) if t and not _SECTION_HEADING.match(t) and "migration-lsp:" not in t]
    return " ".join(kept) or None


def _tokens(text: str) -> list[Tok]:
    try:
        return tokenize(text)
    except TokenError:
        return []


def _name_at(toks: list[Tok], j: int) -> tuple[Name, int] | None:
    """A possibly qualified name starting at token ``j``, and the index after it."""
    if j >= len(toks) or not toks[j].is_name:
        return None
    parts = [toks[j].ident]
    j += 1
    while j + 1 < len(toks) and toks[j].kind == PUNCT and toks[j].value == "." and toks[j + 1].is_name:
        parts.append(toks[j + 1].ident)
        j += 2
    return Name(parts[-1], parts[-2] if len(parts) > 1 else None), j


def _table_list(toks: list[Tok]) -> list[Name]:
    """The tables of ``… TABLE [ONLY] a, b`` in a publication statement."""
    at = next((j for j, t in enumerate(toks) if t.is_word("TABLE")), None)
    if at is None:
        return []
    names: list[Name] = []
    j = at + 1
    while j < len(toks):
        if toks[j].is_word("ONLY"):
            j += 1
        named = _name_at(toks, j)
        if named is None:
            break
        names.append(canonical(named[0]))
        j = named[1]
        # skip a column list or row filter up to the next comma
        depth = 0
        while j < len(toks) and not (depth == 0 and toks[j].kind == PUNCT and toks[j].value == ","):
            if toks[j].kind == PUNCT and toks[j].value == "(":
                depth += 1
            elif toks[j].kind == PUNCT and toks[j].value == ")":
                depth -= 1
            j += 1
        j += 1
        if j < len(toks) and toks[j].is_word("TABLE"):
            j += 1
    return names


def _trigger_function(text: str) -> Name | None:
    toks = _tokens(text)
    for j, t in enumerate(toks):
        if t.is_word("EXECUTE") and j + 1 < len(toks) and toks[j + 1].is_word("FUNCTION", "PROCEDURE"):
            named = _name_at(toks, j + 2)
            return canonical(named[0]) if named else None
    return None


_FUNCTION_OPTIONS = frozenset(
    {"AS", "LANGUAGE", "IMMUTABLE", "STABLE", "VOLATILE", "SECURITY", "SET", "STRICT", "CALLED", "PARALLEL", "COST", "ROWS", "WINDOW", "LEAKPROOF", "NOT", "BEGIN", "RETURN", "TRANSFORM", "SUPPORT", "EXTERNAL"}
)


def _signature(text: str, after_name: int) -> tuple[str, str | None, str | None]:
    """Arguments, return type and language of a ``CREATE FUNCTION``."""
    toks = [t for t in _tokens(text) if t.start >= after_name]
    arguments = ""
    j = 0
    if toks and toks[0].kind == PUNCT and toks[0].value == "(":
        depth = 0
        for k, t in enumerate(toks):
            if t.kind == PUNCT and t.value == "(":
                depth += 1
            elif t.kind == PUNCT and t.value == ")":
                depth -= 1
                if depth == 0:
                    arguments = text[toks[0].end : t.start].strip()
                    j = k + 1
                    break
    returns = language = None
    k = j
    while k < len(toks):
        t = toks[k]
        if t.is_word("RETURNS"):
            first = k + 1
            k = first
            while k < len(toks) and not (toks[k].kind == "word" and toks[k].value in _FUNCTION_OPTIONS):
                if toks[k].kind == STRING:
                    break
                k += 1
            if k > first:
                returns = text[toks[first].start : toks[k - 1].end]
            continue
        if t.is_word("LANGUAGE") and k + 1 < len(toks):
            language = toks[k + 1].ident
        k += 1
    return arguments, returns, language
