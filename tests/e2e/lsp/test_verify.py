"""The verify command: the migration on a real PostgreSQL, in the background, its findings published."""

from __future__ import annotations

import pytest
from lsp_editor import DB, ROUTE, SECTION, Editor, codes
from lsprotocol import types
from pygls.exceptions import JsonRpcException

pytestmark = pytest.mark.asyncio

# Fine on a fresh database, fails on the second run: only PostgreSQL can tell.
SEED = "INSERT INTO mason_users (id, email) VALUES ('00000000-0000-0000-0000-000000000001', 'admin@example.com');\n"


async def _verify(editor: Editor, *arguments: object) -> object:
    params = types.ExecuteCommandParams(command=f"{SECTION}.verify", arguments=list(arguments))
    return await editor.request(editor.client.workspace_execute_command_async(params))


async def test_verify_publishes_what_postgresql_reports(editor: Editor) -> None:
    text = (editor.root / ROUTE).read_text().replace("\n`;\n", "\n" + SEED + "`;\n", 1)
    uri = editor.open(ROUTE, text)
    before = codes(await editor.diagnostics(uri, version=1))
    assert "verify-failed" not in before
    assert await _verify(editor, uri) == {"status": "started"}
    found = await editor.diagnostics(uri, until=lambda ds: "verify-failed" in codes(ds))
    (failed,) = [d for d in found if d.code == "verify-failed"]
    assert failed.message.startswith("twice: ") and "SQLSTATE 23505" in failed.message
    assert failed.range == editor.range_of(uri, SEED.strip().rstrip(";"))
    progress = [v for v in editor.client.progress_reports.values() if v and v[0].title.startswith("Verifying route.ts")]
    assert progress and progress[0][-1].kind == "end"
    # The findings hold for the text that was verified: an edit takes them away.
    version = editor.replace(uri, "admin@example.com", "root@example.com")
    assert "verify-failed" not in codes(await editor.diagnostics(uri, version=version))


async def test_verify_needs_a_document_uri(editor: Editor) -> None:
    for arguments in ((), (42,), ("untitled:Untitled-1",)):
        with pytest.raises(JsonRpcException) as error:
            await _verify(editor, *arguments)
        assert error.value.code == -32602


async def test_verify_of_a_file_without_a_migration_says_so(editor: Editor) -> None:
    uri = editor.open(DB)
    assert await _verify(editor, uri) == {"status": "started"}
    await editor.until(types.WINDOW_SHOW_MESSAGE, lambda: any("no migration literal" in m.message for m in editor.client.messages))
