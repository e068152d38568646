"""The code's table references, found with tree-sitter: which tables and functions the app uses.

Forms read (``supabase`` stands for any receiver):

- ``supabase.from('t')`` (quotes, double quotes, or a backtick string without ``${}``);
- ``supabase.from(TABLES.KEY)`` and ``supabase.from(TABLES['KEY'])``, also through an
  import alias (``import { TABLES as T }``) or a namespace import (``C.TABLES.KEY``);
- ``supabase.schema('s').from(…)`` for a table outside ``public``;
- realtime filters: ``.on('postgres_changes', { schema: 's', table: … }, …)``;
- ``supabase.rpc('fn')`` for functions.

Only the configured constant (``TABLES``) names tables; other constants are not read. A
reference through it is resolved by the import that the referencing file itself has
(relative paths, ``tsconfig.json`` ``paths``, workspace packages, re-exports), so two
packages that each declare a ``TABLES`` never mix. A reference that cannot be resolved
statically (``.from(name)``) is skipped, never guessed.

Each file is indexed on its own, its facts kept with its latest text;
:meth:`WorkspaceIndex.update` re-indexes one file. Files that cannot hold a reference are never parsed.
"""

from __future__ import annotations

import functools
import json
import os.path
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Iterator

import pathspec
import tree_sitter as ts

from migration_lsp.config import Config
from migration_lsp.locate.typescript import CODE_SUFFIXES, ByteToChar, language_for, parse
from migration_lsp.model.schema import canonical, parse_name
from migration_lsp.sql.analyze import analyze
from migration_lsp.sql.facts import Name
from migration_lsp.sql.split import split
from migration_lsp.workspace.checklist import Checklist, find_checklists
from migration_lsp.workspace.files import Unreadable, inside_root, read_source

MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})
SQL_SUFFIXES = frozenset({".sql"})  # legacy schema files: read for the tables they create
_CREATES_TABLE = re.compile(r"\s*create\s+(?:(?:global\s+|local\s+)?(?:temp|temporary|unlogged)\s+)?table\b", re.IGNORECASE)

# supabase-js filters whose first argument is a column name
FILTERS = frozenset(
    {
        "eq", "neq", "gt", "gte", "lt", "lte", "like", "ilike", "likeAllOf", "likeAnyOf", "ilikeAllOf",
        "ilikeAnyOf", "is", "in", "contains", "containedBy", "rangeGt", "rangeGte", "rangeLt", "rangeLte",
        "rangeAdjacent", "overlaps", "textSearch", "filter", "not", "order",
    }
)  # fmt: skip
_WRITES = frozenset({"insert", "upsert", "update"})
_UNWRAP = frozenset({"as_expression", "satisfies_expression", "parenthesized_expression", "non_null_expression"})
_COLUMN = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*$")
_MODULE_SUFFIXES = (".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs")
MAX_REEXPORT_DEPTH = 8


@dataclass(frozen=True, slots=True)
class ColumnUse:
    """A column the code visibly reads or writes, with the SQL type its value suggests."""

    name: str
    type_hint: str | None = None


@dataclass(frozen=True, slots=True)
class ConstantEntry:
    key: str
    value: str  # the table name
    start: int  # the `KEY: 'value'` pair (document offsets)
    end: int
    value_start: int  # the string, quotes included
    value_end: int
    comma_end: int | None  # just after the comma that follows the pair, if there is one


@dataclass(eq=False)
class TablesConstant:
    """One declaration of the tables constant: ``export const TABLES = { … } as const``."""

    path: Path
    name: str
    entries: dict[str, ConstantEntry]  # key → entry, in source order
    start: int  # the object literal, braces included
    end: int

    def table(self, key: str) -> Name | None:
        entry = self.entries.get(key)
        return parse_name(entry.value) if entry is not None else None

    def key_for(self, table: Name) -> str | None:
        return self._keys.get(canonical(table))

    @functools.cached_property
    def _keys(self) -> dict[Name, str]:
        keys: dict[Name, str] = {}
        for key, entry in self.entries.items():
            keys.setdefault(parse_name(entry.value), key)
        return keys


@dataclass(frozen=True, slots=True)
class TableRef:
    """A place where the code names a table."""

    path: Path
    start: int  # the name's expression: the string (quotes included) or `TABLES.KEY`
    end: int
    table: Name  # canonical
    via: str  # "string" | "constant"
    context: str  # "from" | "realtime"
    constant: TablesConstant | None = None  # for a reference through the constant
    key: str | None = None
    columns: tuple[ColumnUse, ...] = ()


@dataclass(frozen=True, slots=True)
class FunctionRef:
    path: Path
    start: int  # the function's name string, quotes included
    end: int
    function: Name  # canonical


@dataclass(frozen=True, slots=True)
class ImportDecl:
    specifier: str
    names: tuple[tuple[str, str], ...]  # (imported, local) of `{ a as b }`
    namespace: str | None  # `* as ns`
    start: int  # the statement
    end: int
    named_end: int | None  # where another name goes in `{ … }`: after the last one, or the `{`
    quote: str  # the specifier's quote


# -- one file, without its path: cached by content -----------------------------------------------


@dataclass(frozen=True, slots=True)
class _RawRef:
    kind: str  # "table" | "function"
    context: str  # "from" | "realtime" | "rpc"
    start: int
    end: int
    value: str | None = None  # a literal name
    binding: str | None = None  # the identifier in `binding.KEY`, `binding['KEY']`, `binding.member.KEY`
    member: str | None = None
    key: str | None = None
    schema: str | None = None
    columns: tuple[ColumnUse, ...] = ()


@dataclass(frozen=True, slots=True)
class _Declared:
    entries: tuple[ConstantEntry, ...]
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class _FileFacts:
    refs: tuple[_RawRef, ...] = ()
    imports: tuple[ImportDecl, ...] = ()
    reexports: tuple[tuple[str, str, str], ...] = ()  # (specifier, imported, exported); "*" for `export *`
    constant: _Declared | None = None
    prologue_end: int = 0  # after the leading directives ("use client")

    def imported(self, local: str) -> tuple[str, str] | None:
        """(specifier, imported name) of a local binding; the imported name is ``*`` for a namespace."""
        for imp in self.imports:
            if imp.namespace == local:
                return imp.specifier, "*"
            for imported, alias in imp.names:
                if alias == local:
                    return imp.specifier, imported
        return None


_NOTHING = _FileFacts()


def _may_reference(text: str, constant: str) -> bool:
    """A cheap test that keeps tree-sitter away from files that cannot hold a reference."""
    return ".from(" in text or ".rpc(" in text or "postgres_changes" in text or constant in text or "export *" in text


# The facts of each file's latest text, shared by every index, so that a folder read again
# (after a config change) parses only what changed. Only the latest text: an editor sends
# every version of the file being typed in.
_latest: dict[tuple[Path, str], tuple[str, _FileFacts]] = {}


def _read_file(path: Path, text: str, constant: str) -> _FileFacts:
    cached = _latest.get((path, constant))
    if cached is not None and cached[0] == text:
        return cached[1]
    facts = _NOTHING
    if _may_reference(text, constant):
        grammar = _grammar(path)
        tree, _ = parse(text, grammar)
        facts = _FileReader(text, constant).read(tree, grammar)
    _latest[(path, constant)] = (text, facts)
    return facts


@functools.cache
def _call_query(grammar: str) -> ts.Query:
    return ts.Query(
        language_for(grammar),
        """(call_expression
             function: (member_expression
                object: (_) @receiver
                property: (property_identifier) @method
                (#any-of? @method "from" "rpc" "on"))
             arguments: (arguments) @args) @call""",
    )


class _FileReader:
    def __init__(self, text: str, constant: str) -> None:
        self.text = text
        self.constant = constant
        self.to_char = ByteToChar(text)

    def src(self, node: ts.Node) -> str:
        return self.text[self.to_char(node.start_byte) : self.to_char(node.end_byte)]

    def span(self, node: ts.Node) -> tuple[int, int]:
        return self.to_char(node.start_byte), self.to_char(node.end_byte)

    def read(self, tree: ts.Tree, grammar: str) -> _FileFacts:
        root = tree.root_node
        imports: list[ImportDecl] = []
        reexports: list[tuple[str, str, str]] = []
        constant: _Declared | None = None
        prologue_end = 0
        in_prologue = True
        for node in root.named_children:
            if node.type == "comment":
                continue
            directive = node.type == "expression_statement" and node.named_child_count == 1 and node.named_children[0].type == "string"
            in_prologue = in_prologue and directive
            if in_prologue:
                prologue_end = self.to_char(node.end_byte)  # "use client";
            elif node.type == "import_statement":
                imp = self.import_decl(node)
                if imp is not None:
                    imports.append(imp)
            elif node.type == "export_statement":
                source = node.child_by_field_name("source")
                if source is not None:
                    reexports.extend(self.reexport(node, source))
                    continue
                declared = self.declaration(node)
                constant = constant or declared
            elif node.type in ("lexical_declaration", "variable_declaration"):
                constant = constant or self.declaration(node)
        refs: list[_RawRef] = []
        for _, caps in ts.QueryCursor(_call_query(grammar)).matches(root):
            ref = self.call(caps["call"][0], caps["receiver"][0], self.src(caps["method"][0]), caps["args"][0])
            if ref is not None:
                refs.append(ref)
        refs.sort(key=lambda r: r.start)
        return _FileFacts(tuple(refs), tuple(imports), tuple(reexports), constant, prologue_end)

    # -- module structure ------------------------------------------------------------------
    def string_value(self, node: ts.Node | None) -> str | None:
        """The value of a string literal, or of a backtick string without substitutions."""
        while node is not None and node.type in _UNWRAP:
            node = node.named_children[0] if node.named_children else None
        if node is None or node.type not in ("string", "template_string"):
            return None
        if any(c.type == "template_substitution" for c in node.children):
            return None
        inner = self.src(node)[1:-1]
        return None if "\\" in inner else inner

    def import_decl(self, node: ts.Node) -> ImportDecl | None:
        source = node.child_by_field_name("source")
        spec = self.string_value(source)
        if spec is None:
            return None
        names: list[tuple[str, str]] = []
        namespace = None
        named_end = None
        clause = next((c for c in node.named_children if c.type == "import_clause"), None)
        for part in clause.named_children if clause is not None else ():
            if part.type == "namespace_import":
                ident = next((c for c in part.named_children if c.type == "identifier"), None)
                namespace = self.src(ident) if ident is not None else None
            elif part.type == "named_imports":
                named_end = self.to_char(part.children[0].end_byte)
                for spec_node in part.named_children:
                    if spec_node.type != "import_specifier":
                        continue
                    named_end = self.to_char(spec_node.end_byte)
                    imported = spec_node.child_by_field_name("name")
                    alias = spec_node.child_by_field_name("alias")
                    if imported is not None:
                        name = self.string_value(imported) or self.src(imported)
                        names.append((name, self.src(alias) if alias is not None else name))
        assert source is not None
        return ImportDecl(spec, tuple(names), namespace, *self.span(node), named_end, self.src(source)[0])

    def reexport(self, node: ts.Node, source: ts.Node) -> Iterator[tuple[str, str, str]]:
        spec = self.string_value(source)
        if spec is None:
            return
        clause = next((c for c in node.named_children if c.type == "export_clause"), None)
        if clause is None:
            if any(c.type == "*" for c in node.children) and not any(c.type == "namespace_export" for c in node.named_children):
                yield spec, "*", "*"
            return
        for s in clause.named_children:
            if s.type == "export_specifier":
                name = s.child_by_field_name("name")
                alias = s.child_by_field_name("alias")
                if name is not None:
                    yield spec, self.src(name), self.src(alias) if alias is not None else self.src(name)

    def declaration(self, node: ts.Node) -> _Declared | None:
        if node.type == "export_statement":
            node = node.child_by_field_name("declaration") or node
        if node.type not in ("lexical_declaration", "variable_declaration"):
            return None
        for decl in node.named_children:
            if decl.type != "variable_declarator":
                continue
            name = decl.child_by_field_name("name")
            if name is None or self.src(name) != self.constant:
                continue
            value = decl.child_by_field_name("value")
            obj = self.object_literal(value)
            if obj is not None:
                return _Declared(tuple(self.entries(obj)), *self.span(obj))
        return None

    def object_literal(self, node: ts.Node | None) -> ts.Node | None:
        while node is not None:
            if node.type == "object":
                return node
            if node.type in _UNWRAP:
                node = node.named_children[0] if node.named_children else None
            elif node.type == "call_expression" and self.src(node.child_by_field_name("function") or node) == "Object.freeze":
                args = node.child_by_field_name("arguments")
                node = args.named_children[0] if args is not None and args.named_children else None
            else:
                return None
        return None

    def entries(self, obj: ts.Node) -> Iterator[ConstantEntry]:
        children = obj.children
        for i, pair in enumerate(children):
            if pair.type != "pair":
                continue
            key_node = pair.child_by_field_name("key")
            value_node = pair.child_by_field_name("value")
            value = self.string_value(value_node)
            if key_node is None or value_node is None or value is None:
                continue
            key = self.string_value(key_node) if key_node.type == "string" else self.src(key_node)
            if key is None:
                continue
            nxt = children[i + 1] if i + 1 < len(children) else None
            comma_end = self.to_char(nxt.end_byte) if nxt is not None and nxt.type == "," else None
            yield ConstantEntry(key, value, *self.span(pair), *self.span(value_node), comma_end)

    # -- references --------------------------------------------------------------------
    def call(self, call: ts.Node, receiver: ts.Node, method: str, args: ts.Node) -> _RawRef | None:
        if receiver.type == "identifier" and self.src(receiver)[:1].isupper():
            return None  # Array.from, Buffer.from, Observable.from: not a query
        first = args.named_children[0] if args.named_children else None
        if first is None:
            return None
        schema = self.schema_of(receiver)
        if method == "rpc":
            name = self.string_value(first)
            if name is None:
                return None
            return _RawRef("function", "rpc", *self.span(first), value=name, schema=schema)
        if method == "on":
            if self.string_value(first) != "postgres_changes" or len(args.named_children) < 2:
                return None
            return self.realtime(args.named_children[1])
        if self.is_storage(receiver):
            return None  # supabase.storage.from('bucket') names a bucket
        return self.table_ref(first, "from", schema, tuple(self.chain_columns(call)))

    def schema_of(self, receiver: ts.Node) -> str | None:
        """``s`` of ``client.schema('s')`` right before the call."""
        if receiver.type != "call_expression":
            return None
        fn = receiver.child_by_field_name("function")
        if fn is None or fn.type != "member_expression":
            return None
        prop = fn.child_by_field_name("property")
        if prop is None or self.src(prop) != "schema":
            return None
        args = receiver.child_by_field_name("arguments")
        return self.string_value(args.named_children[0]) if args is not None and args.named_children else None

    def is_storage(self, receiver: ts.Node) -> bool:
        if receiver.type == "identifier":
            return self.src(receiver) == "storage"
        if receiver.type == "member_expression":
            prop = receiver.child_by_field_name("property")
            return prop is not None and self.src(prop) == "storage"
        return False

    def table_ref(self, node: ts.Node, context: str, schema: str | None, columns: tuple[ColumnUse, ...]) -> _RawRef | None:
        while node.type in _UNWRAP and node.named_children:
            node = node.named_children[0]
        start, end = self.span(node)
        value = self.string_value(node)
        if value is not None:
            return _RawRef("table", context, start, end, value=value, schema=schema, columns=columns)
        if node.type == "member_expression":
            obj, prop = node.child_by_field_name("object"), node.child_by_field_name("property")
            key = self.src(prop) if prop is not None and prop.type == "property_identifier" else None
        elif node.type == "subscript_expression":
            obj, index = node.child_by_field_name("object"), node.child_by_field_name("index")
            key = self.string_value(index)
        else:
            return None
        if obj is None or key is None:
            return None
        if obj.type == "identifier":
            return _RawRef("table", context, start, end, binding=self.src(obj), key=key, schema=schema, columns=columns)
        if obj.type == "member_expression":  # ns.TABLES.KEY
            inner, member = obj.child_by_field_name("object"), obj.child_by_field_name("property")
            if inner is not None and inner.type == "identifier" and member is not None:
                return _RawRef("table", context, start, end, binding=self.src(inner), member=self.src(member), key=key, schema=schema, columns=columns)
        return None

    def realtime(self, config: ts.Node) -> _RawRef | None:
        if config.type != "object":
            return None
        fields: dict[str, ts.Node] = {}
        for pair in config.named_children:
            if pair.type == "pair":
                key = pair.child_by_field_name("key")
                value = pair.child_by_field_name("value")
                if key is not None and value is not None:
                    fields[self.string_value(key) or self.src(key)] = value
        table = fields.get("table")
        if table is None:
            return None
        schema = self.string_value(fields["schema"]) if "schema" in fields else None
        columns: tuple[ColumnUse, ...] = ()
        flt = self.string_value(fields["filter"]) if "filter" in fields else None
        if flt and "=" in flt:
            columns = tuple(_columns([flt.split("=", 1)[0]]))
        return self.table_ref(table, "realtime", schema, columns)

    def chain_columns(self, call: ts.Node) -> Iterator[ColumnUse]:
        """Columns named by the calls chained on ``.from(…)``: select, insert, filters, order."""
        node = call
        while True:
            member = node.parent
            if member is None or member.type != "member_expression" or member.child_by_field_name("object") != node:
                return
            outer = member.parent
            if outer is None or outer.type != "call_expression":
                return
            prop = member.child_by_field_name("property")
            args = outer.child_by_field_name("arguments")
            method = self.src(prop) if prop is not None else ""
            first = args.named_children[0] if args is not None and args.named_children else None
            if first is not None:
                if method == "select":
                    yield from _columns(_select_items(self.string_value(first) or ""))
                elif method in _WRITES or method == "match":
                    yield from self.object_columns(first)
                elif method in FILTERS:
                    name = self.string_value(first)
                    if name is not None:
                        yield from _columns([name])
            node = outer

    def object_columns(self, node: ts.Node) -> Iterator[ColumnUse]:
        if node.type == "array":
            node = next((c for c in node.named_children if c.type == "object"), node)
        if node.type != "object":
            return
        for part in node.named_children:
            if part.type == "shorthand_property_identifier":
                yield ColumnUse(self.src(part))
            elif part.type == "pair":
                key = part.child_by_field_name("key")
                if key is None or key.type not in ("property_identifier", "string"):
                    continue
                name = self.string_value(key) if key.type == "string" else self.src(key)
                if name and _COLUMN.match(name):
                    yield ColumnUse(name, _type_hint(part.child_by_field_name("value")))


def _type_hint(value: ts.Node | None) -> str | None:
    if value is None:
        return None
    kind = value.type
    if kind in ("true", "false"):
        return "BOOLEAN"
    if kind == "number":
        text = value.text.decode() if value.text else ""
        return "NUMERIC" if "." in text or "e" in text.lower() else "INTEGER"
    if kind in ("string", "template_string"):
        return "TEXT"
    if kind in ("object", "array"):
        return "JSONB"
    return None


def _select_items(select: str) -> list[str]:
    """Top-level items of a PostgREST select; embedded resources (``rel(…)``) are other tables."""
    items: list[str] = []
    current: list[str] = []
    depth = 0
    for ch in select:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            items.append("".join(current))
            current = []
        else:
            current.append(ch)
    items.append("".join(current))
    return [i for i in items if "(" not in i]


def _columns(items: list[str]) -> Iterator[ColumnUse]:
    for item in items:
        name = item.strip()
        if ":" in name.split("::")[0]:
            name = name.split(":", 1)[1]  # alias:column
        name = re.split(r"::|->>|->", name)[0].strip()
        if _COLUMN.match(name):
            yield ColumnUse(name)


# -- the workspace -------------------------------------------------------------------------------


@dataclass(eq=False)
class WorkspaceIndex:
    """Every code file's references, resolved against the tables constant it imports."""

    config: Config
    _files: dict[Path, _FileFacts] = field(default_factory=dict, init=False, repr=False)
    _texts: dict[Path, str] = field(default_factory=dict, init=False, repr=False)
    _checklists: dict[Path, list[Checklist]] = field(default_factory=dict, init=False, repr=False)
    _sql_tables: dict[Path, frozenset[Name]] = field(default_factory=dict, init=False, repr=False)
    _resolved: dict[Path, tuple[list[TableRef], list[FunctionRef]]] = field(default_factory=dict, init=False, repr=False)
    _constants: dict[Path, TablesConstant] | None = field(default=None, init=False, repr=False)
    _modules: dict[tuple[Path, str], Path | None] = field(default_factory=dict, init=False, repr=False)
    _tsconfigs: dict[Path, _TsConfig | None] = field(default_factory=dict, init=False, repr=False)
    _packages: dict[str, Path] | None = field(default=None, init=False, repr=False)
    # how often each import specifier brings the constant
    _specifiers: dict[str, int] | None = field(default=None, init=False, repr=False)

    # -- keeping it current ----------------------------------------------------------------
    def update(self, path: Path, text: str) -> None:
        """Index ``path`` anew (a code or Markdown file); only that file is read again."""
        if self._texts.get(path) == text:
            return
        known = path in self._texts
        self._texts[path] = text
        if path.suffix.lower() in MARKDOWN_SUFFIXES:
            self._checklists[path] = find_checklists(path, text)
            return
        if path.suffix.lower() in SQL_SUFFIXES:
            self._sql_tables[path] = _tables_created(text)
            return
        if path.suffix.lower() not in CODE_SUFFIXES:
            return
        old = self._files.get(path)
        facts = _read_file(path, text, self.config.tables_constant)
        self._files[path] = facts
        self._resolved.pop(path, None)
        self._specifiers = None
        # What other files resolve through: the constant, re-exports, the set of modules.
        if not known or (old is not None and (old.constant, old.reexports) != (facts.constant, facts.reexports)):
            self._invalidate()

    def remove(self, path: Path) -> None:
        self._texts.pop(path, None)
        self._checklists.pop(path, None)
        self._sql_tables.pop(path, None)
        if self._files.pop(path, None) is not None:
            self._invalidate()

    def _invalidate(self) -> None:
        self._resolved.clear()
        self._constants = None
        self._modules.clear()
        self._packages = None
        self._specifiers = None

    def text(self, path: Path) -> str | None:
        return self._texts.get(path)

    # -- what rules read ------------------------------------------------------------------
    def table_refs(self) -> Iterator[TableRef]:
        for path in self._files:
            yield from self._resolve(path)[0]

    def function_refs(self) -> Iterator[FunctionRef]:
        for path in self._files:
            yield from self._resolve(path)[1]

    def refs_in(self, path: Path) -> list[TableRef]:
        return self._resolve(path)[0] if path in self._files else []

    def columns_used(self, table: Name) -> list[ColumnUse]:
        """Columns the code names for ``table``, first use first, with the first type hint seen."""
        key = canonical(table)
        seen: dict[str, ColumnUse] = {}
        for ref in self.table_refs():
            if ref.table != key:
                continue
            for col in ref.columns:
                if col.name not in seen or (seen[col.name].type_hint is None and col.type_hint is not None):
                    seen[col.name] = col
        return list(seen.values())

    def constants(self) -> list[TablesConstant]:
        """Every declaration of the tables constant (in the configured file, if one is set)."""
        if self._constants is None:
            # A tables-file outside the root is not used (the project says so in a notice).
            tables_file = inside_root(self.config.root, self.config.tables_file) if self.config.tables_file else None
            spec = pathspec.GitIgnoreSpec.from_lines([tables_file]) if tables_file else None
            found = {}
            for path, facts in self._files.items():
                if facts.constant is None:
                    continue
                if spec is not None and not spec.match_file(relative(path, self.config.root)):
                    continue
                d = facts.constant
                found[path] = TablesConstant(path, self.config.tables_constant, {e.key: e for e in d.entries}, d.start, d.end)
            self._constants = found
        return list(self._constants.values())

    def constant_for(self, path: Path) -> TablesConstant | None:
        """The tables constant ``path`` sees: the one it imports, else the nearest one."""
        facts = self._files.get(path)
        if facts is not None:
            name = self.config.tables_constant
            bindings: list[tuple[str, str | None]] = [(name, None)]
            bindings += [(local, None) for imp in facts.imports for imported, local in imp.names if imported == name]
            bindings += [(imp.namespace, name) for imp in facts.imports if imp.namespace is not None]
            for local, member in bindings:
                found = self._binding(path, local, member)
                if found is not None:
                    return found
        return self.nearest_constant(path)

    def nearest_constant(self, path: Path) -> TablesConstant | None:
        """The constant declared closest to ``path`` in the folder tree (its own package's)."""
        constants = self.constants()
        if not constants:
            return None
        return max(constants, key=lambda c: (shared_depth(c.path, path), -len(c.path.parts), str(c.path)))

    def imports(self, path: Path) -> tuple[ImportDecl, ...]:
        facts = self._files.get(path)
        return facts.imports if facts is not None else ()

    def prologue_end(self, path: Path) -> int:
        facts = self._files.get(path)
        return facts.prologue_end if facts is not None else 0

    def import_binding(self, path: Path, constant: TablesConstant) -> str | None:
        """The name under which ``path`` already reaches ``constant`` (``TABLES``, an alias, ``ns.TABLES``)."""
        facts = self._files.get(path)
        if facts is None:
            return None
        if path == constant.path:
            return constant.name
        for imp in facts.imports:
            for imported, local in imp.names:
                if imported == constant.name and self._binding(path, local, None) is constant:
                    return local
            if imp.namespace is not None and self._binding(path, imp.namespace, constant.name) is constant:
                return f"{imp.namespace}.{constant.name}"
        return None

    def import_specifier(self, path: Path, constant: TablesConstant) -> str:
        """How ``path`` should import ``constant``: as other files do, else by a relative path."""
        if self._specifiers is None:
            self._specifiers = {}
            for facts in self._files.values():
                for imp in facts.imports:
                    if any(imported == self.config.tables_constant for imported, _ in imp.names):
                        self._specifiers[imp.specifier] = self._specifiers.get(imp.specifier, 0) + 1
        # Only a specifier that reaches this very constant from this file will do.
        self.constants()
        counts = {s: n for s, n in self._specifiers.items() if self._exports(self._module(path, s), constant.name, 0) is constant}
        if counts:
            return max(counts, key=lambda s: (counts[s], not s.startswith("."), s))
        rel = _relpath(constant.path.with_suffix(""), path.parent)
        return rel if rel.startswith(".") else "./" + rel

    def sql_files_creating(self, table: Name) -> list[Path]:
        """The workspace's ``.sql`` files that create ``table``, by path."""
        return sorted(path for path, tables in self._sql_tables.items() if canonical(table) in tables)

    def checklists(self) -> list[Checklist]:
        """The "Required Tables" checklists: the configured document's, else every one found."""
        if self.config.checklist:
            path = (self.config.root / self.config.checklist).resolve()
            if path not in self._texts:
                text = read_source(path)
                self._texts[path] = "" if isinstance(text, Unreadable) else text
                self._checklists[path] = [] if isinstance(text, Unreadable) else find_checklists(path, text)
            return list(self._checklists.get(path, []))
        return [c for path in sorted(self._checklists) for c in self._checklists[path]]

    # -- resolution -------------------------------------------------------------------------
    def _resolve(self, path: Path) -> tuple[list[TableRef], list[FunctionRef]]:
        cached = self._resolved.get(path)
        if cached is not None:
            return cached
        tables: list[TableRef] = []
        functions: list[FunctionRef] = []
        for raw in self._files[path].refs:
            if raw.kind == "function":
                functions.append(FunctionRef(path, raw.start, raw.end, canonical(Name(raw.value or "", raw.schema))))
            elif raw.value is not None:
                table = canonical(Name(raw.value, raw.schema))
                tables.append(TableRef(path, raw.start, raw.end, table, "string", raw.context, columns=raw.columns))
            elif raw.binding is not None and raw.key is not None:
                constant = self._binding(path, raw.binding, raw.member)
                entry = constant.entries.get(raw.key) if constant is not None else None
                if constant is None or entry is None:
                    continue
                named = parse_name(entry.value)
                table = canonical(Name(named.name, raw.schema or named.schema))
                tables.append(TableRef(path, raw.start, raw.end, table, "constant", raw.context, constant, raw.key, raw.columns))
        result = (tables, functions)
        self._resolved[path] = result
        return result

    def _binding(self, path: Path, local: str, member: str | None) -> TablesConstant | None:
        """The tables constant that ``local`` (or ``local.member``) names in ``path``."""
        self.constants()
        assert self._constants is not None
        facts = self._files.get(path)
        if facts is None:
            return None
        name = self.config.tables_constant
        if member is None and local == name and facts.constant is not None:
            return self._constants.get(path)
        imported = facts.imported(local)
        if imported is None:
            return None
        spec, what = imported
        if (what == "*" and member != name) or (what != "*" and (member is not None or what != name)):
            return None
        module = self._module(path, spec)
        if module is None:
            # An import we cannot follow (a package outside the workspace): its own package's constant.
            return self.nearest_constant(path)
        return self._exports(module, name, 0)

    def _exports(self, module: Path | None, name: str, depth: int) -> TablesConstant | None:
        assert self._constants is not None
        if module is None or depth > MAX_REEXPORT_DEPTH:
            return None
        facts = self._files.get(module)
        if facts is None:
            return None
        if facts.constant is not None and name == self.config.tables_constant and module in self._constants:
            return self._constants[module]
        for spec, imported, exported in facts.reexports:
            if exported == name or exported == "*":
                found = self._exports(self._module(module, spec), imported if imported != "*" else name, depth + 1)
                if found is not None:
                    return found
        return None

    def _module(self, importer: Path, spec: str) -> Path | None:
        key = (importer.parent, spec)
        if key not in self._modules:
            self._modules[key] = self._find_module(importer, spec)
        return self._modules[key]

    def _find_module(self, importer: Path, spec: str) -> Path | None:
        if spec.startswith("."):
            return self._file_at(importer.parent / spec)
        tsconfig = self._tsconfig(importer.parent)
        if tsconfig is not None:
            for target in tsconfig.candidates(spec):
                found = self._file_at(target)
                if found is not None:
                    return found
        package, _, sub = spec.partition("/") if not spec.startswith("@") else _split_scoped(spec)
        root = self._package_dirs().get(package)
        if root is not None:
            for base in ((root / sub, root / "src" / sub) if sub else (root / "src" / "index", root / "index")):
                found = self._file_at(base)
                if found is not None:
                    return found
        return None

    def _file_at(self, base: Path) -> Path | None:
        """The indexed file an import of ``base`` loads, the way TypeScript looks for it."""
        base = Path(os.path.normpath(base))
        candidates = [base]
        if base.suffix in (".js", ".jsx", ".mjs", ".cjs"):
            stem = base.with_suffix("")
            candidates += [stem.with_suffix(s) for s in (".ts", ".tsx", ".mts", ".cts")]
        candidates += [Path(str(base) + s) for s in _MODULE_SUFFIXES]
        candidates += [base / ("index" + s) for s in _MODULE_SUFFIXES]
        return next((c for c in candidates if c in self._files), None)

    def _tsconfig(self, folder: Path) -> _TsConfig | None:
        if folder not in self._tsconfigs:
            found = None
            for name in ("tsconfig.json", "jsconfig.json"):
                candidate = folder / name
                if candidate.is_file():
                    found = _TsConfig.load(candidate)
                    break
            if found is None and folder.parent != folder:
                found = self._tsconfig(folder.parent)
            self._tsconfigs[folder] = found
        return self._tsconfigs[folder]

    def _package_dirs(self) -> dict[str, Path]:
        """Workspace packages by name, from the package.json files above the indexed files."""
        if self._packages is None:
            packages: dict[str, Path] = {}
            seen: set[Path] = set()
            for path in self._files:
                folder = path.parent
                while folder not in seen and folder != folder.parent:
                    seen.add(folder)
                    manifest = folder / "package.json"
                    if manifest.is_file():
                        name = _read_jsonc(manifest).get("name")
                        if isinstance(name, str):
                            packages.setdefault(name, folder)
                    folder = folder.parent
            self._packages = packages
        return self._packages


def _grammar(path: Path) -> str:
    return ".tsx" if path.suffix.lower() in (".tsx", ".jsx") else ".ts"


def _split_scoped(spec: str) -> tuple[str, str, str]:
    scope, _, rest = spec.partition("/")
    name, sep, sub = rest.partition("/")
    return f"{scope}/{name}", sep, sub


def _relpath(target: Path, start: Path) -> str:
    return PurePath(os.path.relpath(target, start)).as_posix()


def _tables_created(sql: str) -> frozenset[Name]:
    """The tables the statements of a SQL file create; only ``CREATE … TABLE`` is analysed."""
    pieces, _ = split(sql)
    facts = (analyze(sql[p.start : p.end]) for p in pieces if _CREATES_TABLE.match(sql, p.start))
    return frozenset(canonical(f.name) for f in facts if f.kind == "create_table" and f.name is not None)


def relative(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` when below it, else as it is; with forward slashes."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def shared_depth(a: Path, b: Path) -> int:
    """How many folders two files share from the root: the larger, the closer they are."""
    n = 0
    for x, y in zip(a.parent.parts, b.parent.parts):
        if x != y:
            break
        n += 1
    return n


def _read_jsonc(path: Path) -> dict:
    """A JSON file that may hold comments and trailing commas, as tsconfig.json does."""
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError):
        return {}
    text = re.sub(r'"(?:\\.|[^"\\])*"|//[^\n]*|/\*.*?\*/', lambda m: m.group() if m.group().startswith('"') else "", text, flags=re.S)
    text = re.sub(r",(\s*[}\]])", r"\1", text)
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


@dataclass(frozen=True)
class _TsConfig:
    """The module-resolution part of a tsconfig: ``baseUrl`` and ``paths``, with ``extends`` followed."""

    base_url: Path | None
    paths: tuple[tuple[str, tuple[Path, ...]], ...]  # pattern → targets, already absolute

    @classmethod
    def load(cls, path: Path, depth: int = 0) -> _TsConfig:
        data = _read_jsonc(path)
        options = data.get("compilerOptions") or {}
        parent = None
        extends = data.get("extends")
        if isinstance(extends, str) and extends.startswith(".") and depth < 5:
            target = (path.parent / extends).resolve()
            if target.suffix != ".json":
                target = target.with_name(target.name + ".json")
            if target.is_file():
                parent = cls.load(target, depth + 1)
        base_url = (path.parent / options["baseUrl"]).resolve() if isinstance(options.get("baseUrl"), str) else None
        if base_url is None and parent is not None:
            base_url = parent.base_url
        raw_paths = options.get("paths")
        if isinstance(raw_paths, dict):
            anchor = base_url or path.parent
            paths = tuple(
                (pattern, tuple(anchor / t for t in targets if isinstance(t, str)))
                for pattern, targets in raw_paths.items()
                if isinstance(targets, list)
            )
        else:
            paths = parent.paths if parent is not None else ()
        return cls(base_url, paths)

    def candidates(self, spec: str) -> Iterator[Path]:
        for pattern, targets in self.paths:
            prefix, star, suffix = pattern.partition("*")
            if star and spec.startswith(prefix) and spec.endswith(suffix) and len(spec) >= len(prefix) + len(suffix):
                middle = spec[len(prefix) : len(spec) - len(suffix)]
                for t in targets:
                    yield Path(str(t).replace("*", middle, 1))
            elif not star and spec == pattern:
                yield from targets
        if self.base_url is not None:
            yield self.base_url / spec
