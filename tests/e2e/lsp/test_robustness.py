"""Bad input, a broken rule, shutdown and exit, and a client that dies."""

from __future__ import annotations

import asyncio
import os
import sys
from pathlib import Path

import pytest
import pytest_lsp
from lsp_editor import CLIENTS, DB, ROUTE, SERVER, WAIT_S, Client, Editor, codes, make_client
from lsprotocol import types
from pygls.exceptions import JsonRpcException
from pytest_lsp import ClientServerConfig, client_capabilities

pytestmark = pytest.mark.asyncio


async def _hover(editor: Editor, uri: str, position: types.Position) -> types.Hover | None:
    params = types.HoverParams(types.TextDocumentIdentifier(uri), position)
    return await editor.request(editor.client.text_document_hover_async(params))


def _malformed(position: types.Position) -> types.Position:
    """A position whose line is not a number; lsprotocol checks types when built, so set it after."""
    object.__setattr__(position, "line", "seven")
    return position


async def test_malformed_params_get_an_error_and_the_server_stays(editor: Editor) -> None:
    uri = editor.open(ROUTE)
    bad = types.HoverParams(types.TextDocumentIdentifier(uri), _malformed(types.Position(0, 0)))
    with pytest.raises(JsonRpcException) as error:
        await editor.request(editor.client.text_document_hover_async(bad))
    assert error.value.code == -32602  # InvalidParams
    # A notification that cannot be read is dropped; the document keeps its text.
    here = _malformed(types.Position(0, 0))
    editor.client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(uri=uri, version=2),
            [types.TextDocumentContentChangePartial(range=types.Range(here, here), text="DROP TABLE mason_users;")],
        )
    )
    hover = await _hover(editor, uri, editor.position_of(uri, "mason_users", offset=1))
    assert hover is not None and hover.range == editor.range_of(uri, "mason_users")


async def test_unknown_methods_and_uris(editor: Editor) -> None:
    with pytest.raises(JsonRpcException) as error:
        await editor.request(editor.client.protocol.send_request_async("migration-lsp/nothing", {}))
    assert error.value.code == -32601  # MethodNotFound
    nowhere = (editor.root / "nowhere.ts").as_uri()
    assert await _hover(editor, nowhere, types.Position(0, 0)) is None
    editor.client.text_document_did_change(
        types.DidChangeTextDocumentParams(
            types.VersionedTextDocumentIdentifier(uri=nowhere, version=2),
            [types.TextDocumentContentChangeWholeDocument(text="export const MIGRATION_SQL = `DROP TABLE x;`;")],
        )
    )
    assert await _hover(editor, "https://example.com/route.ts", types.Position(0, 0)) is None
    uri = editor.open(ROUTE)
    assert await editor.diagnostics(uri, version=1) == []


async def test_untitled_documents_are_left_alone(editor: Editor) -> None:
    untitled = "untitled:Untitled-1"
    editor.texts[untitled] = "export const MIGRATION_SQL = `DROP TABLE mason_users;`;\n"
    editor.versions[untitled] = 1
    editor.client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(untitled, "typescript", 1, editor.texts[untitled])))
    editor.edit(untitled, [types.TextEdit(types.Range(types.Position(0, 0), types.Position(0, 0)), "// ")])
    assert await _hover(editor, untitled, types.Position(0, 40)) is None
    symbols = types.DocumentSymbolParams(types.TextDocumentIdentifier(untitled))
    assert await editor.request(editor.client.text_document_document_symbol_async(symbols)) is None
    assert all(p.uri != untitled for p in editor.client.published)


async def test_a_change_past_the_end_is_clamped(editor: Editor) -> None:
    uri = editor.open(ROUTE)
    await editor.diagnostics(uri, version=1)
    line = editor.position_of(uri, "ALTER TABLE mason_users ENABLE").line
    past_the_line = types.Position(line, 999)
    version = editor.edit(uri, [types.TextEdit(types.Range(past_the_line, past_the_line), " TRUNCATE mason_users;")])
    assert "ENABLE ROW LEVEL SECURITY; TRUNCATE mason_users;\n" in editor.texts[uri]
    assert "truncate" in codes(await editor.diagnostics(uri, version=version))
    past_the_end = types.Position(99_999, 5)
    version = editor.edit(uri, [types.TextEdit(types.Range(past_the_end, past_the_end), "\nexport const MIGRATION_SQL_2 = 1;\n")])
    assert editor.texts[uri].endswith("\nexport const MIGRATION_SQL_2 = 1;\n")
    assert "truncate" in codes(await editor.diagnostics(uri, version=version))
    # What the server holds is what the client holds: a symbol range at the very end proves it.
    hover = await _hover(editor, uri, editor.position_of(uri, "mason_users", within="TRUNCATE", offset=1))
    assert hover is not None and hover.range == editor.range_of(uri, "mason_users", within="TRUNCATE")


FAILING_RULE = {**os.environ, "PYTHONPATH": str(Path(__file__).parent / "failing_rule")}


@pytest_lsp.fixture(params=CLIENTS, config=ClientServerConfig(server_command=SERVER, client_factory=make_client, server_env=FAILING_RULE))
async def broken_rule_client(request: pytest.FixtureRequest, lsp_client: Client, root: Path):
    lsp_client.kind = request.param
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities(request.param),
            workspace_folders=[types.WorkspaceFolder(root.as_uri(), root.name)],
        )
    )
    yield
    await lsp_client.shutdown_session()


async def test_a_failing_rule_is_logged_and_the_others_report(broken_rule_client: Client, root: Path) -> None:
    editor = Editor(broken_rule_client, root, broken_rule_client.kind)
    text = (root / ROUTE).read_text().replace("-- People who sign in.", "DROP TABLE IF EXISTS mason_old;\nTRUNCATE mason_users;")
    uri = editor.open(ROUTE, text)
    found = codes(await editor.diagnostics(uri, version=1))
    assert "truncate" in found and "drop-table" not in found
    errors = [m.message for m in editor.client.log_messages if m.type == types.MessageType.Error]
    assert any("rule drop-table failed: RuntimeError: this rule is broken on purpose" in m for m in errors), errors
    # It is reported once, not at every keystroke.
    version = editor.replace(uri, "mason_old", "mason_older")
    await editor.diagnostics(uri, version=version)
    assert sum("rule drop-table failed" in m.message for m in editor.client.log_messages) == 1


async def _started(kind: str, root: Path, process_id: int | None = None) -> Client:
    client = make_client()
    client.kind = kind
    loop = asyncio.get_running_loop()
    client.exited = loop.create_future()
    await client.start_io(*SERVER)
    await client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities(kind),
            process_id=process_id,
            workspace_folders=[types.WorkspaceFolder(root.as_uri(), root.name)],
        )
    )
    return client


@pytest.mark.parametrize("kind", CLIENTS)
async def test_exit_after_shutdown_is_a_clean_exit(kind: str, root: Path) -> None:
    client = await _started(kind, root)
    try:
        assert await asyncio.wait_for(client.shutdown_async(None), WAIT_S) is None
        with pytest.raises(JsonRpcException) as error:
            params = types.HoverParams(types.TextDocumentIdentifier((root / DB).as_uri()), types.Position(0, 0))
            await asyncio.wait_for(client.text_document_hover_async(params), WAIT_S)
        assert error.value.code == -32600  # InvalidRequest
        client.exit(None)
        assert await asyncio.wait_for(client.exited, WAIT_S) == 0
    finally:
        await client.stop()


@pytest.mark.parametrize("kind", CLIENTS)
async def test_exit_without_shutdown_is_an_error_exit(kind: str, root: Path) -> None:
    client = await _started(kind, root)
    try:
        client.exit(None)
        assert await asyncio.wait_for(client.exited, WAIT_S) == 1
    finally:
        await client.stop()


@pytest.mark.parametrize("kind", CLIENTS)
async def test_the_server_exits_when_its_client_dies(kind: str, root: Path) -> None:
    stand_in = await asyncio.create_subprocess_exec(sys.executable, "-c", "import sys; sys.stdin.read()", stdin=asyncio.subprocess.PIPE)
    client = await _started(kind, root, process_id=stand_in.pid)
    try:
        stand_in.kill()
        await stand_in.wait()
        assert await asyncio.wait_for(client.exited, WAIT_S) == 1
    finally:
        await client.stop()
