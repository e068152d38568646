"""Go to definition, find references, and the outline of a file's migration literals."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types

from migration_lsp.lsp import convert
from migration_lsp.migration import Migration
from migration_lsp.positions import LineIndex
from migration_lsp.query import lookup
from migration_lsp.sql.facts import Kind, Span, Statement

if TYPE_CHECKING:
    from migration_lsp.lsp.server import MigrationServer


def register(server: MigrationServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_DEFINITION)
    async def definition(ls: MigrationServer, params: types.DefinitionParams):
        path = ls.uris.to_path(params.text_document.uri)
        if path is None:
            return None
        return await ls.state.run(lambda: _definition(ls, path, params.position))

    @server.feature(types.TEXT_DOCUMENT_REFERENCES)
    async def references(ls: MigrationServer, params: types.ReferenceParams) -> list[types.Location] | None:
        path = ls.uris.to_path(params.text_document.uri)
        if path is None:
            return None
        return await ls.state.run(lambda: _references(ls, path, params.position, params.context.include_declaration))

    @server.feature(types.TEXT_DOCUMENT_DOCUMENT_SYMBOL)
    async def document_symbol(ls: MigrationServer, params: types.DocumentSymbolParams):
        path = ls.uris.to_path(params.text_document.uri)
        if path is None:
            return None
        symbols = await ls.state.run(lambda: _symbols(ls, path))
        if symbols is None or ls.client_supports("text_document.document_symbol.hierarchical_document_symbol_support"):
            return symbols
        return _flat(ls.uris.to_uri(path), symbols)


def _at(ls: MigrationServer, path: Path, position: types.Position) -> tuple[lookup.Symbol, LineIndex] | None:
    project = ls.state.project(path)
    text = ls.state.text_of(path)
    if project is None or text is None:
        return None
    index = convert.lines(text)
    symbol = lookup.symbol_at(project, path, convert.offset(index, position))
    return (symbol, index) if symbol is not None else None


def _range(ls: MigrationServer, place: lookup.Place) -> types.Range:
    return convert.to_range(convert.lines(ls.state.text_of(place.path) or ""), place.start, place.end)


def _definition(ls: MigrationServer, path: Path, position: types.Position):
    found = _at(ls, path, position)
    if found is None:
        return None
    symbol, index = found
    project = ls.state.project(path)
    defined = lookup.definition(project, symbol) if project is not None else None
    if defined is None:
        return None
    name = lookup.name_place(defined)
    uri = ls.uris.to_uri(defined.path)
    if not ls.client_supports("text_document.definition.link_support"):
        return [types.Location(uri, _range(ls, name))]
    return [
        types.LocationLink(
            target_uri=uri,
            target_range=_range(ls, lookup.Place(defined.path, *defined.doc_span())),
            target_selection_range=_range(ls, name),
            origin_selection_range=convert.to_range(index, symbol.place.start, symbol.place.end),
        )
    ]


def _references(ls: MigrationServer, path: Path, position: types.Position, include_declaration: bool) -> list[types.Location] | None:
    found = _at(ls, path, position)
    project = ls.state.project(path)
    if found is None or project is None:
        return None
    symbol, _ = found
    places = lookup.references(project, symbol)
    if not include_declaration:
        defined = lookup.definition(project, symbol)
        if defined is not None:
            places = [p for p in places if p != lookup.name_place(defined)]
    return [types.Location(ls.uris.to_uri(p.path), _range(ls, p)) for p in places]


# -- the outline ----------------------------------------------------------------------------

_KINDS = {
    Kind.CREATE_TABLE: types.SymbolKind.Class,
    Kind.CREATE_FOREIGN_TABLE: types.SymbolKind.Class,
    Kind.CREATE_VIEW: types.SymbolKind.Interface,
    Kind.CREATE_MATERIALIZED_VIEW: types.SymbolKind.Interface,
    Kind.CREATE_INDEX: types.SymbolKind.Key,
    Kind.CREATE_POLICY: types.SymbolKind.Property,
    Kind.CREATE_FUNCTION: types.SymbolKind.Function,
    Kind.CREATE_PROCEDURE: types.SymbolKind.Function,
    Kind.CREATE_TRIGGER: types.SymbolKind.Event,
    Kind.DO: types.SymbolKind.Namespace,
}


def _symbols(ls: MigrationServer, path: Path) -> list[types.DocumentSymbol] | None:
    project = ls.state.project(path)
    doc = project.documents.get(path) if project is not None else None
    if doc is None:
        return None
    index = convert.lines(doc.text)
    out = []
    for m in doc.migrations:
        lit = m.literal
        children = [s for st in m.statements if (s := _statement(m, st, index)) is not None]
        out.append(
            types.DocumentSymbol(
                name=lit.name,
                kind=types.SymbolKind.Constant,
                detail=f"{len(m.statements)} statements",
                range=convert.to_range(index, lit.declaration_start, lit.doc_end),
                selection_range=convert.to_range(index, lit.doc_start, lit.doc_end),
                children=children,
            )
        )
    return out


def _statement(m: Migration, st: Statement, index: LineIndex) -> types.DocumentSymbol | None:
    f = st.fact
    kind = _KINDS.get(f.kind)
    if kind is None:
        return None

    def doc_range(span: tuple[int, int]) -> types.Range:
        return convert.to_range(index, *m.literal.doc_span(*span))

    whole = st.span()
    selection = st.span(f.name_span) if f.name_span is not None else (st.start, st.start)
    children: list[types.DocumentSymbol] = []
    detail = None
    if f.kind in (Kind.CREATE_TABLE, Kind.CREATE_FOREIGN_TABLE):
        name = str(f.name)
        detail = "table"
        for col in f.columns:
            col_span = st.span(Span(col.span.start, col.span.start + max(len(col.definition), col.span.end - col.span.start)))
            children.append(types.DocumentSymbol(col.name, types.SymbolKind.Field, doc_range(col_span), doc_range(st.span(col.span)), detail=col.type))
    elif f.kind == Kind.CREATE_INDEX:
        name = str(f.name) if f.name is not None else f"index on {f.table}"
        detail = f"{'unique ' if f.unique else ''}on {f.table} ({', '.join(f.index_columns or f.index_expressions)})"
    elif f.kind in (Kind.CREATE_POLICY, Kind.CREATE_TRIGGER):
        name = f.name.name if f.name is not None else "?"
        detail = f"on {f.table}" + (f" for {f.policy_command.lower()}" if f.kind == Kind.CREATE_POLICY else "")
    elif f.kind == Kind.DO:
        nested = [(child, s) for child in st.nested() if child.parent is st and (s := _statement(m, child, index)) is not None]
        children = [s for _, s in nested]
        # Named after what it does: "DO: policy Allow all on users".
        name = "DO: " + ", ".join(f"{c.fact.kind.removeprefix('create_')} {s.name}" for c, s in nested) if nested else "DO block"
    else:
        name = str(f.name) if f.name is not None else f.kind.replace("_", " ")
    return types.DocumentSymbol(name, kind, doc_range(whole), doc_range(selection), detail=detail, children=children or None)


def _flat(uri: str, symbols: list[types.DocumentSymbol], container: str | None = None) -> list[types.SymbolInformation]:
    out = []
    for s in symbols:
        out.append(types.SymbolInformation(location=types.Location(uri, s.selection_range), name=s.name, kind=s.kind, container_name=container))
        out += _flat(uri, list(s.children or []), s.name)
    return out
