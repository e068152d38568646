"""Building the schema: every statement the migration literals execute (``DO`` bodies
included) replayed in order, the way a fresh database sees one run.

A table, view or function created under a name with a ``${…}`` is left out of the model,
which only keeps the name as a pattern; a statement on a table so named changes no table of
the model, and marks the tables it could be on as :meth:`Schema.may_have_changed`.

Statements that share no table, named index or view/function/publication build the same
apart as together, so a build groups them into parts by those keys (:data:`_KEYS` says which
a statement touches); after an edit, :class:`Schemas` replays only the parts the changed
statements touch, and every other part keeps its objects, moved to where its statements now
are. The result is what a build from scratch gives, in the same order.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from itertools import filterfalse
from typing import Callable, Iterable, TypeVar

from migration_lsp.migration import Migration
from migration_lsp.model.comments import purpose
from migration_lsp.model.names import canonical, dynamic
from migration_lsp.model.schema import Check, Definition, ForeignKey, Function, Index, Key, Placed, Policy, Publication, Schema, Source, Table, TableColumn, Trigger, View
from migration_lsp.positions import unchanged_ends
from migration_lsp.sql.expressions import columns_of
from migration_lsp.sql.facts import Action, Column, Constraint, Fact, Kind, Name, Signature, Span, Statement


def build_schema(migrations: Iterable[Migration], over: Schema | None = None) -> Schema:
    """Replay every statement of ``migrations``, in order, on an empty database or on ``over``
    (which stays as it is)."""
    return _Replay(list(migrations), over or _EMPTY, None).schema


_EMPTY = Schema()  # the database before the first statement: replays copy what they change


class Schemas:
    """The schemas one caller built last, for its next builds of other versions of the same
    literals: they replay only the statements that share a table with what the edit changed,
    and take the rest of the model from the last build, moved to where its statements now are.

    A build takes the objects of the last one of the same literals over the same schema: the
    caller is done with that schema (a check is, once it ends).
    """

    _KEPT = 8  # builds kept: one per set of literals a check sees, and per baseline

    def __init__(self) -> None:
        self._last: dict[tuple[object, ...], _Replay] = {}

    def build(self, migrations: Iterable[Migration], over: Schema | None = None) -> Schema:
        ms = list(migrations)
        key = (id(over), *((m.path, m.literal.name) for m in ms))
        replay = self._last[key] = _Replay(ms, over or _EMPTY, self._last.pop(key, None))
        while len(self._last) > self._KEPT:
            del self._last[next(iter(self._last))]
        return replay.schema


# What a statement reads or changes in the model: a table, a named index (keyed in its table's
# schema), the views, functions and publications together (REST), or everything (ALL).
# Plain strings: they hash in C, and a build hashes one or two per statement.
_Key = tuple[str, str, str | None]
REST: _Key = ("rest", "", None)
ALL: _Key = ("all", "", None)


def _table(name: Name | None) -> set[_Key]:
    if name is None:
        return set()
    key = canonical(name)
    return {ALL} if dynamic(key) else {_table_key(key)}


def _table_key(key: Name) -> _Key:
    return ("table", key.name, key.schema)


def _alter_table_keys(f: Fact) -> set[_Key]:
    keys = _table(f.table)
    # A renamed table moves every foreign key to it; a column only the app knows, its table to `unplaced`.
    if any(a.kind == "rename" or (a.kind != "add_column" and a.column is not None and dynamic(a.column)) for a in f.actions):
        keys.add(ALL)
    return keys


def _index_keys(f: Fact) -> set[_Key]:
    keys = _table(f.table)
    if f.table is not None and f.name is not None and not dynamic(name := Name(f.name.name, canonical(f.table).schema)):
        keys.add(("index", name.name, name.schema))
    return keys


def _named(f: Fact) -> set[_Key]:
    if f.name is None:
        return set()
    return {ALL} if dynamic(canonical(f.name)) else {REST}


def _drop_keys(f: Fact) -> set[_Key]:
    if f.name is None:
        return set()
    key = canonical(f.name)
    obj = f.object_type
    if obj in ("POLICY", "TRIGGER") and f.table is not None:
        return _table(f.table) | ({ALL} if dynamic(key) else set())
    if dynamic(key):
        return set()
    if obj == "TRIGGER":
        return {ALL}  # SQLite's and MySQL's name no table: the trigger may be on any
    if obj in ("TABLE", "FOREIGN TABLE"):
        return {_table_key(key)}
    if obj == "INDEX":
        return {("index", key.name, key.schema)}
    return {REST} if obj in ("VIEW", "MATERIALIZED VIEW", "FUNCTION", "PROCEDURE", "PUBLICATION") else set()


# For each kind the builder handles: what its handler may read or change (never less).
_KEYS: dict[Kind, Callable[[Fact], set[_Key]]] = {
    Kind.CREATE_TABLE: lambda f: set() if f.name is None or f.temporary else _table(f.name),
    Kind.CREATE_FOREIGN_TABLE: lambda f: set() if f.name is None or f.temporary else _table(f.name),
    Kind.ALTER_TABLE: _alter_table_keys,
    Kind.CREATE_INDEX: _index_keys,
    Kind.CREATE_POLICY: lambda f: set() if f.name is None else _table(f.table),
    Kind.CREATE_TRIGGER: lambda f: set() if f.name is None else _table(f.table),
    Kind.CREATE_VIEW: _named,
    Kind.CREATE_MATERIALIZED_VIEW: _named,
    Kind.CREATE_FUNCTION: _named,
    Kind.CREATE_PROCEDURE: _named,
    Kind.CREATE_PUBLICATION: lambda f: set() if f.name is None else {REST},
    Kind.ALTER_PUBLICATION: lambda f: set() if f.name is None else {REST},
    Kind.DROP: _drop_keys,
}


@dataclass(eq=False)
class _Part:
    """Statements that share no key with any other, and what they built over the base's part."""

    keys: set[_Key]
    # (migration, the top-level statement that its replay's definitions are placed on), in order
    tops: list[tuple[int, Placed]] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    indexes: list[tuple[Name, Index]] = field(default_factory=list)
    rest: Schema | None = None  # for the part with REST or ALL: what its replay built, views and functions included


@dataclass(frozen=True)
class _Kept:
    """What an edit left of one literal: its first ``head`` top-level statements, and those from
    ``tail`` on, ``shift`` places further in the new version."""

    head: int
    tail: int
    shift: int


class _Replay:
    """One build: the statements grouped into parts that share no key, each part replayed over
    what the base holds of its tables, and the parts joined. With ``last``, a build of other
    versions of the same literals, only the parts an edit touched are replayed again."""

    def __init__(self, migrations: list[Migration], over: Schema, last: _Replay | None) -> None:
        self.migrations, self.over = migrations, over
        self.parts: list[_Part] = []
        self.part_of: dict[_Key, _Part] = {}
        self._slot = {id(m): i for i, m in enumerate(migrations)}
        if last is None or last.over is not over:
            self._sources = [Source(m) for m in migrations]
            self._base = ({name: i for i, name in enumerate(over.tables)}, {name: i for i, name in enumerate(over.indexes)})
            self._replay([(i, st) for i, m in enumerate(migrations) for st in m.statements])
            self.schema = self._join(None, set(), [], True)
        else:
            self._sources = last._sources
            for source, m in zip(self._sources, migrations):
                source.migration = m
            self._base = last._base
            self.schema = self._join(last, *self._follow(last))

    def keys(self, st: Statement) -> set[_Key]:
        """What a top-level statement and those it nests touch; a named index, its table in the base too."""
        keys: set[_Key] = set()
        for f in st.fact.walk():
            handled = _KEYS.get(f.kind)
            if handled is not None:
                keys |= handled(f)
        if self.over.indexes:
            for kind, name, schema in list(keys):
                index = self.over.indexes.get(Name(name, schema)) if kind == "index" else None
                if index is not None:
                    keys.add(_table_key(index.table))
        return keys

    def _follow(self, last: _Replay) -> tuple[set[_Part], list[_Part], bool]:
        """Replay again the parts of ``last`` that the edit touched, and move the others to
        where their statements now are: the parts replaced, those replayed in their place, and
        whether the others moved (the edit added or removed statements)."""
        kept = [_kept(old, new) for old, new in zip(last.migrations, self.migrations)]
        dirty_old = [st for k, old in zip(kept, last.migrations) for st in old.statements[k.head : k.tail]]
        dirty_new = [(i, st) for i, (k, new) in enumerate(zip(kept, self.migrations)) for st in new.statements[k.head : k.tail + k.shift]]
        touched = {last.part_of[key] for st in dirty_old + [st for _, st in dirty_new] for key in self.keys(st) if key in last.part_of}
        if ALL in last.part_of or any(ALL in self.keys(st) for _, st in dirty_new):
            touched = set(last.parts)
        again = list(dirty_new)
        for part in touched:
            again += [(i, self.migrations[i].statements[_moved(kept[i], placed.index)]) for i, placed in part.tops if not kept[i].head <= placed.index < kept[i].tail]
        self.parts = list(filterfalse(touched.__contains__, last.parts))  # in C: a part per table
        self.part_of = dict(last.part_of)
        for part in touched:
            for key in part.keys:
                del self.part_of[key]
        # The definitions of each statement the edit left move with it, offsets and all: only
        # its place changes, if the edit added or removed statements before it.
        moved = any(k.shift for k in kept)
        if moved:
            for part in self.parts:
                for i, placed in part.tops:
                    placed.index = _moved(kept[i], placed.index)
        again.sort(key=lambda top: (top[0], top[1].index))
        return touched, self._replay(again), moved

    def _keep(self, part: _Part) -> None:
        self.parts.append(part)
        for key in part.keys:
            self.part_of[key] = part

    def _replay(self, tops: list[tuple[int, Statement]]) -> list[_Part]:
        """Group ``tops`` (in order) by the keys they share, and replay them: in one pass, since
        parts that share nothing build the same apart as together. The parts."""
        keyed = [(top, self.keys(top[1])) for top in tops]
        if any(ALL in keys for _, keys in keyed):
            keyed = [(top, {ALL}) for top, _ in keyed]
        group: list[int] = list(range(len(keyed)))  # union-find: each top's group, by a top of it

        def find(i: int) -> int:
            while group[i] != i:
                group[i] = group[group[i]]
                i = group[i]
            return i

        first: dict[_Key, int] = {}
        for i, (_, keys) in enumerate(keyed):
            for key in keys:
                group[find(first.setdefault(key, i))] = find(i)
        parts: dict[int, _Part] = {}
        for i, (_, keys) in enumerate(keyed):
            if keys:
                part = parts.get(find(i)) or parts.setdefault(find(i), _Part(set()))
                part.keys |= keys
        for part in parts.values():
            self._keep(part)
        everything = ALL in first
        rest = everything or REST in first
        copied = list(self.over.tables) if everything else [name for kind, n, schema in first if kind == "table" and (name := Name(n, schema)) in self.over.tables]
        builder = _Builder(self.over.part(copied, rest), self._sources)
        for (i, st), keys in keyed:
            if keys:
                placed = Placed(self._sources[i], st.index)
                builder.apply(self.migrations[i], st, placed, -1)
                for n, nested in enumerate(st.nested()):
                    builder.apply(self.migrations[i], nested, placed, n)
                self.part_of[next(iter(keys))].tops.append((i, placed))
        built = builder.schema
        if everything:
            self.part_of[ALL].rest = built
            return list(parts.values())
        for t in built.tables.values():
            self.part_of[_table_key(t.name)].tables.append(t)
        for name, index in built.indexes.items():
            self.part_of[_table_key(index.table)].indexes.append((name, index))
        if rest:
            self.part_of[REST].rest = built
        return list(parts.values())

    def _order(self, defined: Definition) -> tuple[int, int, int]:
        """Where a statement of the migrations defined it: after everything of the base."""
        return (1, self._slot[id(defined.migration)], defined.placed.index)

    def _named(self, tables: list[Name]) -> list[tuple[Name, Index]]:
        """The base's named indexes on ``tables``."""
        return [(i.name, i) for name in tables for i in self.over.tables[name].indexes if i.name is not None and self.over.indexes.get(i.name) is i]

    def _join(self, last: _Replay | None, replaced: set[_Part], again: list[_Part], moved: bool) -> Schema:
        """The parts and what no statement touched of the base, in the base's order and then the
        order the statements created them in. After ``last``, its order stands but for its parts
        ``replaced`` by those replayed ``again``: what they built goes where it belongs. Unless
        the others ``moved``, that is most often where the objects they replace were."""
        if ALL in self.part_of:  # one part, the whole replay: its order is the replay's, renames included
            whole = self.part_of[ALL].rest
            assert whole is not None
            return Schema(
                dict(whole.tables),
                dict(whole.views),
                dict(whole.indexes),
                dict(whole.functions),
                dict(whole.publications),
                list(whole.dynamic_relations),
                list(whole.dynamic_functions),
                list(whole.unplaced),
            )
        base_tables, base_indexes = self._base

        # The base's tables and indexes that a part copied share its definitions.
        def table_order(t: Table) -> tuple[int, int, int]:
            was = self.over.tables.get(t.name)
            return (0, base_tables[t.name], 0) if was is not None and was.defined is t.defined else self._order(t.defined)

        def index_order(item: tuple[Name, Index]) -> tuple[int, int, int]:
            was = self.over.indexes.get(item[0])
            return (0, base_indexes[item[0]], 0) if was is not None and was.defined is item[1].defined else self._order(item[1].defined)

        if last is None or ALL in last.part_of:
            tables = [t for name, t in self.over.tables.items() if _table_key(name) not in self.part_of]
            tables = sorted(tables + [t for p in self.parts for t in p.tables], key=table_order)
            indexes = [(name, i) for name, i in self.over.indexes.items() if _table_key(i.table) not in self.part_of]
            indexes = sorted(indexes + [item for p in self.parts for item in p.indexes], key=index_order)
        else:
            # Out: what the replaced parts built, and the base's tables a new part copied. In: what
            # the new parts built, and the base's tables the replaced parts held and none holds now.
            copied = [name for p in again for kind, n, schema in p.keys if kind == "table" and (name := Name(n, schema)) in self.over.tables]
            freed = [name for p in replaced for kind, n, schema in p.keys if kind == "table" and (name := Name(n, schema)) in self.over.tables and _table_key(name) not in self.part_of]
            gone = {t for p in replaced for t in p.tables} | {self.over.tables[name] for name in copied}
            gone_indexes = {i for p in replaced for _, i in p.indexes} | {i for _, i in self._named(copied)}
            coming = [t for p in again for t in p.tables] + [self.over.tables[name] for name in freed]
            coming_indexes = [item for p in again for item in p.indexes] + self._named(freed)
            if not moved:  # most keystrokes: each object comes back where it was, under its name
                swapped = _swapped(last.schema.tables, [(t.name, t) for t in gone], [(t.name, t) for t in coming], lambda item: table_order(item[1]))
                swapped_indexes = _swapped(last.schema.indexes, [(i.name, i) for i in gone_indexes if i.name is not None], coming_indexes, index_order)
                if swapped is not None and swapped_indexes is not None:
                    return self._schema(swapped, swapped_indexes)
            tables = [t for t in last.schema.tables.values() if t not in gone]
            for t in sorted(coming, key=table_order):
                bisect.insort(tables, t, key=table_order)
            indexes = [item for item in last.schema.indexes.items() if item[1] not in gone_indexes]
            for item in sorted(coming_indexes, key=index_order):
                bisect.insort(indexes, item, key=index_order)
        return self._schema({t.name: t for t in tables}, dict(indexes))

    def _schema(self, tables: dict[Name, Table], indexes: dict[Name, Index]) -> Schema:
        """The schema of ``tables`` and ``indexes``, with what the part that holds the views and
        functions built, or the base's."""
        rest = self.part_of[REST].rest if REST in self.part_of else None
        rest = rest or self.over
        return Schema(
            tables,
            dict(rest.views),
            indexes,
            dict(rest.functions),
            dict(rest.publications),
            list(rest.dynamic_relations),
            list(rest.dynamic_functions),
            list(rest.unplaced),
        )


_N = TypeVar("_N")
_O = TypeVar("_O")


def _swapped(last: dict[_N, _O], gone: Iterable[tuple[_N, _O]], coming: list[tuple[_N, _O]], order: Callable[[tuple[_N, _O]], tuple[int, int, int]]) -> dict[_N, _O] | None:
    """``last`` with the objects ``gone`` that it holds replaced by those ``coming``, when each
    of these has the name and the place in the order of one of those, and no two a place:
    copied in C, as the order stands. None otherwise (an object made, dropped or moved)."""
    held = {name: obj for name, obj in gone if last.get(name) is obj}
    if len(held) != len(coming):
        return None
    places = set()
    for item in coming:
        was = held.pop(item[0], None)
        place = order(item)
        if was is None or place in places or place != order((item[0], was)):
            return None
        places.add(place)
    swapped = dict(last)
    swapped.update(coming)
    return swapped


def _kept(old: Migration, new: Migration) -> _Kept:
    """The top-level statements at the start and at the end of ``new`` that are ``old``'s,
    moved at most: each with its own text, and the text between it and the statement before
    (where the comment above a table is), as it was."""
    olds, news = old.statements, new.statements
    shift = len(news) - len(olds)
    if old is new:
        return _Kept(len(olds), len(olds), 0)
    if (old.path, old.literal.name, old.dialect) != (new.path, new.literal.name, new.dialect):
        return _Kept(0, len(olds), shift)
    same_start, same_end = unchanged_ends(old.sql, new.sql)
    delta = len(new.sql) - len(old.sql)
    # Up to a statement ended before the change, the new split is the old one.
    head = bisect.bisect_left(olds, same_start, key=lambda st: st.end)
    if head and not _same(olds[head - 1], news, head - 1, 0):
        head = 0
    # After the end of a statement in the unchanged end, it is too once one statement is the same.
    tail = min(len(olds), bisect.bisect_left(olds, len(old.sql) - same_end, key=lambda st: st.end) + 1)
    if tail + shift < head or (tail < len(olds) and not _same(olds[tail], news, tail + shift, delta)):
        tail = len(olds)
    return _Kept(head, tail, shift)


def _moved(kept: _Kept, index: int) -> int:
    """Where the top-level statement at ``index`` that the edit left as it was now is."""
    return index if index < kept.head else index + kept.shift


def _same(old: Statement, news: list[Statement], i: int, delta: int) -> bool:
    return 0 <= i < len(news) and news[i].start == old.start + delta and news[i].fact.text == old.fact.text


class _Builder:
    def __init__(self, schema: Schema, sources: list[Source]) -> None:
        self.schema = schema
        self._sources = {id(s.migration): s for s in sources}
        # The statement being applied: its top-level statement's holder, and its place among
        # that one's nested statements (-1: that statement). Set by each apply.
        self._placing: tuple[Placed, int]
        # The relations each literal created under a name with a ``${…}``, as the literal spells
        # them: its later statements that spell a name the same way are on that relation.
        self._spelled: set[tuple[int, str]] = set()

    def apply(self, m: Migration, st: Statement, placed: Placed, nested: int) -> None:
        """Apply ``st``: ``placed`` holds its top-level statement, and ``nested`` is its place
        among that one's nested statements (-1: it is that statement)."""
        f = st.fact
        handler = _HANDLERS.get(f.kind)
        if handler is not None:
            self._placing = (placed, nested)
            handler(self, m, st, f)

    def _definition(self, m: Migration, st: Statement, span: Span | None = None) -> Definition:
        placed, nested = self._placing
        start, end = st.span(span)
        return Definition(self._sources[id(m)], placed, nested, start - placed.top.start, end - start)

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
        elif con.kind == "exclude":
            table.exclusions.append(Key(con.columns, defined, con.name))
        elif con.kind == "foreign_key" and con.references is not None:
            table.foreign_keys.append(ForeignKey(con.columns, canonical(con.references), defined, con.references_columns, con.name))
        elif con.kind == "check" and con.expression is not None:
            self._add_check(table, Check(con.name, con.expression, defined))
        elif con.kind == "index":
            # MySQL's: its name is the table's own, not the schema's, as a PostgreSQL index's is.
            table.indexes.append(Index(Name(con.name, table.name.schema) if con.name else None, table.name, defined, con.columns))

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
        if kind == "add_column" and act.column_def is not None:
            self._add_column(m, st, table, act.column_def)
        elif kind in ("add_constraint", "add_index") and act.constraint is not None:
            self._add_constraint(m, st, table, act.constraint, act.span)
        elif kind == "drop_column" and act.column is not None:
            self._drop_column(table, act.column)
        elif kind == "drop_constraint" and act.column is not None:
            self._drop_constraint(table, act.column)
        elif kind == "drop_index" and act.column is not None:
            for index in [i for i in table.indexes if i.name is not None and i.name.name == act.column]:
                self._drop_index(index)
        elif kind in ("enable_rls", "disable_rls"):
            table.rls = kind == "enable_rls"
            table.rls_defined = self._definition(m, st, act.span)
        elif kind == "force_rls":
            table.rls_forced = True
        elif kind == "rename" and act.new_name is not None:
            self._rename_table(m, table, Name(act.new_name, table.name.schema))
        elif col is None:
            return
        elif kind == "alter_type" and act.new_type is not None:
            col.type = act.new_type
        elif kind == "set_default" and act.new_default is not None:
            col.default = act.new_default
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
        table.exclusions = [k for k in table.exclusions if column not in k.columns]
        table.foreign_keys = [k for k in table.foreign_keys if column not in k.columns]
        table.checks = [c for c in table.checks if column not in (c.columns or columns_of(c.expression))]
        for index in [i for i in table.indexes if column in i.columns]:
            self._drop_index(index)

    def _drop_constraint(self, table: Table, name: str) -> None:
        pk = table.primary_key
        if pk is not None and (pk.name or f"{table.name.name}_pkey") == name:
            table.primary_key = None
        table.uniques = [k for k in table.uniques if _constraint_name(table, k.columns, k.name, "key") != name]
        table.exclusions = [k for k in table.exclusions if _constraint_name(table, k.columns, k.name, "excl") != name]
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

        for key in (table.primary_key, *table.uniques, *table.exclusions, *table.foreign_keys):
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
        # Only the index itself: a MySQL index is named within its table, and another table's
        # CREATE INDEX may have filed one under the same name.
        if index.name is not None and self.schema.indexes.get(index.name) is index:
            del self.schema.indexes[index.name]

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
            if f.if_not_exists and any(t.name == f.name.name for t in table.triggers):
                return  # SQLite's and MySQL's IF NOT EXISTS keep the trigger there is
            table.triggers = [t for t in table.triggers if t.name != f.name.name]
        table.triggers.append(Trigger(f.name.name, table.name, self._definition(m, st), canonical(f.executes) if f.executes is not None else None))

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
        sig = f.signature or Signature()
        self.schema.functions[key] = Function(key, self._definition(m, st), sig.arguments, sig.returns, sig.language, f.kind == Kind.CREATE_PROCEDURE)

    def _create_publication(self, m: Migration, st: Statement, f: Fact) -> None:
        if f.name is None or dynamic(f.name) or f.name.name in self.schema.publications:
            return
        pub = Publication(f.name.name, self._definition(m, st))
        pub.all_tables = f.all_tables
        pub.tables = [canonical(t) for t in f.publication_tables]
        self.schema.publications[pub.name] = pub

    def _alter_publication(self, m: Migration, st: Statement, f: Fact) -> None:
        if f.name is None or dynamic(f.name):
            return
        pub = self.schema.publications.get(f.name.name)
        if pub is None:
            # Publications the platform makes (supabase_realtime) exist before the migration.
            pub = self.schema.publications[f.name.name] = Publication(f.name.name, self._definition(m, st))
        verb = f.publication_verb
        tables = [canonical(t) for t in f.publication_tables]
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
        elif obj == "TRIGGER":  # SQLite's and MySQL's, named within the schema, not a table
            for table in self.schema.tables.values():
                if any(t.name == f.name.name for t in table.triggers):
                    table.triggers = [t for t in table.triggers if t.name != f.name.name]
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


# An explicit table: a statement's first word (`target t;`) never names a method. Functions,
# not a builder's bound methods, which would make each builder a cycle that only the
# collector frees, and with it the schema it built.
_HANDLERS: dict[Kind, Callable[[_Builder, Migration, Statement, Fact], None]] = {
    Kind.CREATE_TABLE: _Builder._create_table,
    Kind.CREATE_FOREIGN_TABLE: _Builder._create_table,
    Kind.ALTER_TABLE: _Builder._alter_table,
    Kind.CREATE_INDEX: _Builder._create_index,
    Kind.CREATE_POLICY: _Builder._create_policy,
    Kind.CREATE_TRIGGER: _Builder._create_trigger,
    Kind.CREATE_VIEW: _Builder._create_view,
    Kind.CREATE_MATERIALIZED_VIEW: _Builder._create_view,
    Kind.CREATE_FUNCTION: _Builder._create_function,
    Kind.CREATE_PROCEDURE: _Builder._create_function,
    Kind.CREATE_PUBLICATION: _Builder._create_publication,
    Kind.ALTER_PUBLICATION: _Builder._alter_publication,
    Kind.DROP: _Builder._drop,
}


def _constraint_name(table: Table, columns: tuple[str, ...], name: str | None, suffix: str) -> str:
    """The constraint's name, or the one PostgreSQL gives an unnamed constraint."""
    return name or "_".join((table.name.name, *columns, suffix))
