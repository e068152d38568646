"""Completion of table names and column names, in the code and in the SQL."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

from lsprotocol import types

from migration_lsp.lsp import convert
from migration_lsp.query import lookup

if TYPE_CHECKING:
    from migration_lsp.lsp.server import MigrationServer

# Not the space: every space typed anywhere would then ask.
TRIGGERS = ["'", '"', "`", "(", ","]


def register(server: MigrationServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_COMPLETION, types.CompletionOptions(trigger_characters=TRIGGERS))
    async def completion(ls: MigrationServer, params: types.CompletionParams) -> types.CompletionList | None:
        path = ls.uris.to_path(params.text_document.uri)
        if path is None:
            return None
        return await ls.state.run(lambda: _complete(ls, path, params.position))


def _complete(ls: MigrationServer, path: Path, position: types.Position) -> types.CompletionList | None:
    project = ls.state.project(path)
    text = ls.state.text_of(path)
    if project is None or text is None:
        return None
    index = convert.lines(text)
    wanted = lookup.completion_at(project, path, text, convert.offset(index, position))
    if wanted is None:
        return None
    replace = convert.to_range(index, wanted.start, wanted.end)
    schema = project.schema()
    items: list[types.CompletionItem] = []
    if wanted.what == "tables":
        for table in schema.tables.values():
            label = str(table.name)
            columns = ", ".join(table.columns)
            items.append(
                types.CompletionItem(
                    label=label,
                    kind=types.CompletionItemKind.Struct,
                    detail=f"table ({columns})" if columns else "table",
                    text_edit=types.TextEdit(replace, label),
                )
            )
    else:
        found = schema.table(wanted.table) if wanted.table is not None else None
        for i, col in enumerate(found.columns.values() if found is not None else ()):
            items.append(
                types.CompletionItem(
                    label=col.name,
                    kind=types.CompletionItemKind.Field,
                    detail=f"{col.type} — {found.name}" if found is not None else col.type,
                    sort_text=f"{i:04d}",  # the table's column order
                    text_edit=types.TextEdit(replace, col.name),
                )
            )
    return types.CompletionList(is_incomplete=False, items=items)
