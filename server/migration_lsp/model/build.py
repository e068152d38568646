"""Building the schema: every statement the migration literals execute (``DO`` bodies
included) replayed in order, the way a fresh database sees one run.

A table, view or function created under a name with a ``${…}`` is left out of the model,
which only keeps the name as a pattern; a statement on a table so named changes no table of
the model, and marks the tables it could be on as :meth:`Schema.may_have_changed`.
"""

from __future__ import annotations

import re
from typing import Iterable

from migration_lsp.migration import Migration
from migration_lsp.model.names import canonical, dynamic
from migration_lsp.model.schema import Check, Definition, ForeignKey, Function, Index, Key, Policy, Publication, Schema, Table, TableColumn, Trigger, View
from migration_lsp.model.statement_text import purpose, signature, table_list, tokens, trigger_function
from migration_lsp.sql.expressions import columns_of
from migration_lsp.sql.facts import Action, Column, Constraint, Fact, Kind, Name, Span, Statement


def build_schema(migrations: Iterable[Migration], over: Schema | None = None) -> Schema:
    """Replay every statement of ``migrations``, in order, on an empty database or on a copy of ``over``."""
    builder = _Builder(Schema() if over is None else over.copy())
    for m in migrations:
        for st in m.all_statements():
            builder.apply(m, st)
    return builder.schema


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
            Kind.CREATE_TABLE: self._create_table,
            Kind.CREATE_FOREIGN_TABLE: self._create_table,
            Kind.ALTER_TABLE: self._alter_table,
            Kind.CREATE_INDEX: self._create_index,
            Kind.CREATE_POLICY: self._create_policy,
            Kind.CREATE_TRIGGER: self._create_trigger,
            Kind.CREATE_VIEW: self._create_view,
            Kind.CREATE_MATERIALIZED_VIEW: self._create_view,
            Kind.CREATE_FUNCTION: self._create_function,
            Kind.CREATE_PROCEDURE: self._create_function,
            Kind.CREATE_PUBLICATION: self._create_publication,
            Kind.ALTER_PUBLICATION: self._alter_publication,
            Kind.DROP: self._drop,
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
        table = Table(key, self._definition(m, st), purpose(m, st))
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
        table.columns[col.name] = TableColumn(col.name, col.type, defined, col.not_null, col.default, col.generated, col.primary_key, col.unique)
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
            table.foreign_keys.append(ForeignKey(con.columns, canonical(con.references), defined, con.references_columns, con.name))
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
        index = Index(name, table.name, self._definition(m, st), f.index_columns, f.index_expressions, f.predicate, f.unique)
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
        table.triggers.append(Trigger(f.name.name, table.name, self._definition(m, st), trigger_function(f.text)))

    # -- views, functions, publications -----------------------------------------------------
    def _create_view(self, m: Migration, st: Statement, f: Fact) -> None:
        if f.name is None:
            return
        key = canonical(f.name)
        if dynamic(key):
            self._dynamic_relation(m, key)
        else:
            self.schema.views[key] = View(key, self._definition(m, st), f.kind == Kind.CREATE_MATERIALIZED_VIEW)

    def _create_function(self, m: Migration, st: Statement, f: Fact) -> None:
        if f.name is None:
            return
        key = canonical(f.name)
        if dynamic(key):
            self.schema.dynamic_functions.append(key)
            return
        if key in self.schema.functions and not f.or_replace:
            return
        arguments, returns, language = signature(f.text, f.name_span.end if f.name_span else 0)
        self.schema.functions[key] = Function(key, self._definition(m, st), arguments, returns, language, f.kind == Kind.CREATE_PROCEDURE)

    def _create_publication(self, m: Migration, st: Statement, f: Fact) -> None:
        if f.name is None or dynamic(f.name) or f.name.name in self.schema.publications:
            return
        pub = Publication(f.name.name, self._definition(m, st))
        toks = tokens(f.text)
        words = [t.value for t in toks if t.kind == "word"]
        pub.all_tables = "ALL" in words and "TABLES" in words
        pub.tables = table_list(toks)
        self.schema.publications[pub.name] = pub

    def _alter_publication(self, m: Migration, st: Statement, f: Fact) -> None:
        if f.name is None or dynamic(f.name):
            return
        pub = self.schema.publications.get(f.name.name)
        if pub is None:
            # Publications the platform makes (supabase_realtime) exist before the migration.
            pub = self.schema.publications[f.name.name] = Publication(f.name.name, self._definition(m, st))
        toks = tokens(f.text)
        verb = next((t.value for t in toks[3:] if t.kind == "word"), "")
        tables = table_list(toks)
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
