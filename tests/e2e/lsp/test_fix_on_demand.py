"""A quick fix's edits are made when the client asks, for the finding its diagnostic shows now."""

from __future__ import annotations

import pytest
from lsp_editor import ROUTE, Editor, codes
from lsprotocol import types

pytestmark = pytest.mark.asyncio

CREATE_USERS = "CREATE TABLE IF NOT EXISTS mason_users"


async def not_idempotent(editor: Editor) -> tuple[str, types.Diagnostic]:
    uri = editor.open(ROUTE)
    await editor.diagnostics(uri, version=1)
    version = editor.replace(uri, CREATE_USERS, "CREATE TABLE mason_users")
    (d,) = [d for d in await editor.diagnostics(uri, version=version) if d.code == "create-table-not-idempotent"]
    return uri, d


async def test_the_diagnostic_carries_no_edits(editor: Editor) -> None:
    _, d = await not_idempotent(editor)
    assert d.data == {"title": "Add IF NOT EXISTS", "safe": True}


async def test_a_diagnostic_whose_place_moved_gets_no_fix(editor: Editor) -> None:
    uri, d = await not_idempotent(editor)
    # A line above the statement: the diagnostic's range now holds the line before it.
    editor.replace(uri, "CREATE TABLE mason_users", "-- who signs in\nCREATE TABLE mason_users")
    actions = await editor.code_actions(uri, d, only=[types.CodeActionKind.QuickFix])
    assert [a for a in actions if a.is_preferred] == []


async def test_a_diagnostic_still_in_place_gets_the_edit_of_the_newest_text(editor: Editor) -> None:
    uri, d = await not_idempotent(editor)
    # An edit below it on the same number of lines: the finding has not moved.
    version = editor.replace(uri, "ENABLE ROW LEVEL SECURITY", "ENABLE ROW LEVEL SECURITY ")
    (action,) = [a for a in await editor.code_actions(uri, d, only=[types.CodeActionKind.QuickFix]) if a.is_preferred]
    assert action.title == "Add IF NOT EXISTS" and action.edit is not None
    for change in action.edit.document_changes or []:
        assert isinstance(change, types.TextDocumentEdit) and change.text_document.version == version
    editor.apply_workspace_edit(action.edit)
    assert "create-table-not-idempotent" not in codes(await editor.settle(uri))
    assert CREATE_USERS in editor.texts[uri]
