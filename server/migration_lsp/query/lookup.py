"""What the cursor is on, where it is defined and used, and what may be typed there.

Everything here speaks in document offsets and core types; the feature modules turn the
answers into LSP. Tables and functions are read from the schema model that the rules use
(:mod:`migration_lsp.model.schema`) and from the workspace index of the code's references.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import tree_sitter as ts

from migration_lsp.locate.typescript import ByteToChar, parse
from migration_lsp.migration import Migration
from migration_lsp.model.names import canonical
from migration_lsp.model.schema import Definition
from migration_lsp.sql.cursor import COLUMNS, expects
from migration_lsp.sql.facts import Kind, Name, Span, Statement
from migration_lsp.workspace.project import Project
from migration_lsp.workspace.supabase_calls import FILTERS

TABLE, FUNCTION = "table", "function"


@dataclass(frozen=True)
class Place:
    path: Path
    start: int  # document offsets
    end: int


@dataclass(frozen=True)
class Symbol:
    """A table or function named at ``place``."""

    kind: str  # TABLE | FUNCTION
    name: Name  # canonical
    place: Place


# -- names in the SQL ------------------------------------------------------------------------


def sql_names(m: Migration) -> Iterator[tuple[str, Name, Statement, int, int]]:
    """Every table and function a migration names: (kind, name, statement, SQL start, end)."""
    for st in m.all_statements():
        f = st.fact
        seen: set[tuple[int, int]] = set()

        def named(kind: str, name: Name | None, span: Span | None) -> Iterator[tuple[str, Name, Statement, int, int]]:
            if name is None or span is None:
                return
            start, end = st.span(span)
            if (start, end) not in seen:
                seen.add((start, end))
                yield kind, canonical(name), st, start, end

        if f.kind in (Kind.CREATE_FUNCTION, Kind.CREATE_PROCEDURE) or (f.kind == Kind.DROP and f.object_type in ("FUNCTION", "PROCEDURE")):
            yield from named(FUNCTION, f.name, f.name_span)
        elif f.kind == Kind.CREATE_TABLE or (f.kind == Kind.DROP and f.object_type == "TABLE"):
            yield from named(TABLE, f.name, f.name_span)
        yield from named(TABLE, f.table, f.table_span)
        for col in f.columns:
            yield from named(TABLE, col.references, col.references_span)
        for con in f.constraints:
            yield from named(TABLE, con.references, con.references_span)
        for act in f.actions:
            if act.column_def is not None:
                yield from named(TABLE, act.column_def.references, act.column_def.references_span)
            if act.constraint is not None:
                yield from named(TABLE, act.constraint.references, act.constraint.references_span)


# -- what the cursor is on -------------------------------------------------------------------


def symbol_at(project: Project, path: Path, offset: int) -> Symbol | None:
    index = project.index
    for ref in index.refs_in(path):
        if ref.start <= offset <= ref.end:
            return Symbol(TABLE, ref.table, Place(path, ref.start, ref.end))
    for fref in index.function_refs():
        if fref.path == path and fref.start <= offset <= fref.end:
            return Symbol(FUNCTION, fref.function, Place(path, fref.start, fref.end))
    for constant in index.constants():
        if constant.path != path:
            continue
        for entry in constant.entries.values():
            if entry.start <= offset <= entry.end:
                return Symbol(TABLE, canonical(constant.table(entry.key) or Name(entry.value)), Place(path, entry.value_start, entry.value_end))
    doc = project.documents.get(path)
    for m in doc.migrations if doc is not None else ():
        at = m.literal.source_map.to_sql(offset)
        if at is None:
            continue
        for kind, name, _, start, end in sql_names(m):
            if start <= at <= end:
                return Symbol(kind, name, Place(path, *m.literal.doc_span(start, end)))
    return None


def declaration_at(project: Project, path: Path, offset: int) -> tuple[Migration, Place] | None:
    """The literal whose declared name (``MIGRATION_SQL`` in ``const MIGRATION_SQL = `…```) is at ``offset``."""
    doc = project.documents.get(path)
    for m in doc.migrations if doc is not None else ():
        lit = m.literal
        names = list(re.finditer(rf"(?<![\w$]){re.escape(lit.name)}(?![\w$])", m.text[: lit.doc_start]))
        named = [n for n in names if n.start() >= lit.declaration_start]
        if named and named[-1].start() <= offset <= named[-1].end():
            return m, Place(path, named[-1].start(), named[-1].end())
    return None


def definition(project: Project, symbol: Symbol) -> Definition | None:
    schema = project.schema()
    found = schema.table(symbol.name) if symbol.kind == TABLE else schema.function(symbol.name)
    return found.defined if found is not None else None


def name_place(defined: Definition) -> Place:
    """The name in the defining statement, else the whole statement."""
    st, f = defined.statement, defined.statement.fact
    m = defined.migration
    if f.name_span is not None:
        return Place(m.path, *m.literal.doc_span(*st.span(f.name_span)))
    return Place(m.path, *defined.doc_span())


def references(project: Project, symbol: Symbol) -> list[Place]:
    """Every place that names the symbol: code, the tables constant, and the SQL."""
    places: list[Place] = []
    index = project.index
    if symbol.kind == TABLE:
        places += [Place(r.path, r.start, r.end) for r in index.table_refs() if r.table == symbol.name]
        for constant in index.constants():
            for key, entry in constant.entries.items():
                if constant.table(key) == symbol.name:
                    places.append(Place(constant.path, entry.value_start, entry.value_end))
    else:
        places += [Place(r.path, r.start, r.end) for r in index.function_refs() if r.function == symbol.name]
    for m in project.migrations():
        for kind, name, _, start, end in sql_names(m):
            if kind == symbol.kind and name == symbol.name:
                places.append(Place(m.path, *m.literal.doc_span(start, end)))
    return sorted(set(places), key=lambda p: (str(p.path), p.start))


# -- what may be typed here ------------------------------------------------------------------


@dataclass(frozen=True)
class Completion:
    """Names that fit at the cursor: ``tables``, or the ``columns`` of ``table``."""

    what: str  # "tables" | "columns"
    start: int  # where the word being typed starts (document offset)
    end: int
    table: Name | None = None


_QUALIFIED_BEFORE = re.compile(r"[\w.]*$")  # the table name being typed, schema and all
_WORD_BEFORE = re.compile(r"\w*$")


def completion_at(project: Project, path: Path, text: str, offset: int) -> Completion | None:
    doc = project.documents.get(path)
    for m in doc.migrations if doc is not None else ():
        at = m.literal.source_map.to_sql(offset)
        if at is not None and m.literal.doc_start < offset < m.literal.doc_end:
            return _sql_completion(m, at, offset)
    return _code_completion(project, path, text, offset)


def _sql_completion(m: Migration, at: int, offset: int) -> Completion | None:
    st = m.statement_at(at)
    start = st.start if st is not None else m.sql.rfind(";", 0, at) + 1
    before = m.sql[start:at]
    expected = expects(before)
    if expected is None:
        return None
    what, table = expected
    if what == COLUMNS and table is not None:
        return Completion("columns", offset - _typed(_WORD_BEFORE, before), offset, canonical(table))
    return Completion("tables", offset - _typed(_QUALIFIED_BEFORE, before), offset)


def _typed(word: re.Pattern[str], before: str) -> int:
    """How many characters of the name are typed already."""
    found = word.search(before)
    return len(found.group()) if found is not None else 0


def _code_completion(project: Project, path: Path, text: str, offset: int) -> Completion | None:
    """Inside the string argument of ``.from('…')``, or of a column filter chained on it."""
    tree, _ = parse(text, path)
    to_char = ByteToChar(text)
    node = _string_at(tree.root_node, text, to_char, offset)
    if node is None:
        return None
    args = node.parent
    call = args.parent if args is not None else None
    if args is None or call is None or args.type != "arguments" or call.type != "call_expression" or args.named_children[0] != node:
        return None
    method = _method(call, text, to_char)
    body_start = to_char(node.start_byte) + 1
    before = text[body_start:offset]
    if method == "from":
        return Completion("tables", offset - _typed(_WORD_BEFORE, before), offset)
    if method != "select" and method not in FILTERS:
        return None
    table = _chain_table(project, path, call, to_char)
    if table is None:
        return None
    return Completion("columns", offset - _typed(_WORD_BEFORE, before), offset, table)


def _string_at(root: ts.Node, text: str, to_char: ByteToChar, offset: int) -> ts.Node | None:
    byte = len(text[:offset].encode("utf-8", "surrogatepass"))
    node = root.named_descendant_for_byte_range(byte, byte)
    while node is not None and node.type not in ("string", "template_string"):
        node = node.parent
    if node is None or not to_char(node.start_byte) < offset < to_char(node.end_byte):
        return None
    return node


def _method(call: ts.Node, text: str, to_char: ByteToChar) -> str | None:
    fn = call.child_by_field_name("function")
    prop = fn.child_by_field_name("property") if fn is not None and fn.type == "member_expression" else None
    return text[to_char(prop.start_byte) : to_char(prop.end_byte)] if prop is not None else None


def _chain_table(project: Project, path: Path, call: ts.Node, to_char: ByteToChar) -> Name | None:
    """The table of the ``.from(…)`` that the call is chained on, as the index resolved it."""
    node: ts.Node | None = call
    while node is not None and node.type == "call_expression":
        fn = node.child_by_field_name("function")
        if fn is None or fn.type != "member_expression":
            return None
        args = node.child_by_field_name("arguments")
        if args is not None and args.named_children:
            start = to_char(args.named_children[0].start_byte)
            for ref in project.index.refs_in(path):
                if ref.start == start:
                    return ref.table
        node = fn.child_by_field_name("object")
    return None
