"""What a workspace or an editor may hand the server that no source file should be: symlink
loops, FIFOs, devices, documents over the size limit, a workspace folder of ``/``. Each is
logged once, and the server goes on answering.
"""

from __future__ import annotations

import os
import shutil
from pathlib import Path

import pytest
import pytest_lsp
from lsp_editor import CLIENTS, DB, FIXTURE, ROUTE, SERVER, Client, Editor, codes, make_client
from lsprotocol import types
from pytest_lsp import ClientServerConfig, client_capabilities

from migration_lsp.workspace.files import MAX_BYTES, WALK_STOPPED, Unreadable, walk

pytestmark = pytest.mark.asyncio

SIX_MB = 6 * 1024 * 1024


@pytest.fixture
def root(tmp_path: Path) -> Path:
    """The fixture workspace, with a symlink loop and a FIFO among its files."""
    app = tmp_path / "app"
    shutil.copytree(FIXTURE, app)
    (app / "src" / "lib" / "self.ts").symlink_to("self.ts")
    os.mkfifo(app / "src" / "lib" / "pipe.ts")
    return app


def logged(editor: Editor, needle: str) -> list[str]:
    return [m.message for m in editor.client.log_messages if needle in m.message]


def shown(editor: Editor, needle: str) -> list[str]:
    return [m.message for m in editor.client.messages if needle in m.message]


def resident_mb(client: Client) -> float:
    """The server's resident memory, from /proc."""
    pid = client._server.pid  # type: ignore[union-attr]  # the process pytest-lsp started
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError("no VmRSS")


async def test_a_symlink_loop_and_a_fifo_in_the_workspace_are_logged_once(editor: Editor) -> None:
    uri = editor.open(ROUTE)
    await editor.diagnostics(uri, version=1)
    version = editor.replace(uri, "-- People who sign in.", "TRUNCATE mason_users;")
    assert "truncate" in codes(await editor.diagnostics(uri, version=version))
    for _ in range(3):  # every later request is answered too
        await editor.settle(uri)
    loop = logged(editor, "self.ts")
    fifo = logged(editor, "pipe.ts")
    assert loop == [f"{editor.root / 'src/lib/self.ts'}: cannot be read: Too many levels of symbolic links"]
    assert fifo == [f"{editor.root / 'src/lib/pipe.ts'}: skipped: not a regular file (a FIFO)"]
    assert logged(editor, "internal error") == []


async def test_a_fifo_opened_in_the_editor_or_replacing_a_file_does_not_hang_the_server(editor: Editor) -> None:
    route = editor.open(ROUTE)
    await editor.diagnostics(route, version=1)
    pipe = editor.open("src/lib/pipe.ts", "export const x = 1;\n")
    await editor.settle(pipe)
    # A file the server holds becomes a FIFO: the watcher says it changed.
    (editor.root / DB).unlink()
    os.mkfifo(editor.root / DB)
    editor.client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams([types.FileEvent(editor.uri(DB), types.FileChangeType.Changed)]))
    version = editor.replace(route, "-- People who sign in.", "TRUNCATE mason_users;")
    assert "truncate" in codes(await editor.diagnostics(route, version=version))
    assert logged(editor, f"{editor.root / DB}: skipped: not a regular file (a FIFO)")
    editor.close(pipe)
    await editor.settle(route)
    assert logged(editor, "internal error") == []


async def test_a_document_over_the_size_limit_is_not_checked_and_says_why(editor: Editor) -> None:
    uri = editor.open(ROUTE)
    await editor.diagnostics(uri, version=1)
    version = editor.replace(uri, "-- People who sign in.", "TRUNCATE mason_users;")
    assert "truncate" in codes(await editor.diagnostics(uri, version=version))
    # Padding after the literal takes the document past the limit: it is no longer checked.
    padding = "\n//" + "x" * SIX_MB + "\n"
    end = types.Position(len(editor.texts[uri].splitlines()), 0)
    version = editor.edit(uri, [types.TextEdit(types.Range(end, end), padding)])
    assert await editor.diagnostics(uri, version=version) == []
    assert shown(editor, f"{editor.root / ROUTE}: skipped: 6.0 MB is over the {MAX_BYTES // 1024 // 1024} MB limit")
    # A large document opened as it is, the same; the others are still checked at once.
    big = editor.open("src/big.ts", "export const MIGRATION_SQL = `DROP TABLE mason_users;`;\n" + padding)
    assert await editor.diagnostics(big, version=1) == []
    assert shown(editor, f"{editor.root / 'src/big.ts'}: skipped: 6.0 MB is over the 5 MB limit")
    # Back under the limit, it is checked again.
    version = editor.edit(uri, [types.TextEdit(types.Range(end, end_of(editor.texts[uri])), "")])
    assert "truncate" in codes(await editor.diagnostics(uri, version=version))


def end_of(text: str) -> types.Position:
    lines = text.split("\n")
    return types.Position(len(lines) - 1, len(lines[-1]))


async def test_dev_zero_opened_in_the_editor_is_never_read(editor: Editor) -> None:
    route = editor.open(ROUTE)
    await editor.diagnostics(route, version=1)
    zero = "file:///dev/zero"
    editor.texts[zero], editor.versions[zero] = "", 1
    editor.client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(zero, "typescript", 1, "")))
    await editor.settle(zero)
    editor.close(zero)  # what is on disk is read again: a device that never ends
    await editor.settle(route)
    await editor.settle(zero)
    assert resident_mb(editor.client) < 1024
    assert logged(editor, "internal error") == []


# -- a workspace folder of / -------------------------------------------------------------------


@pytest_lsp.fixture(params=CLIENTS, config=ClientServerConfig(server_command=SERVER, client_factory=make_client))
async def filesystem_client(request: pytest.FixtureRequest, lsp_client: Client):
    lsp_client.kind = request.param
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities(request.param),
            workspace_folders=[types.WorkspaceFolder(Path("/").as_uri(), "/")],
        )
    )
    yield
    await lsp_client.shutdown_session()


async def test_a_workspace_folder_of_the_filesystem_root_is_walked_bounded(filesystem_client: Client, root: Path) -> None:
    editor = Editor(filesystem_client, root, filesystem_client.kind)
    uri = editor.open(ROUTE)
    await editor.diagnostics(uri, version=1)  # once / is indexed, as far as the limit goes
    # Checked, whether the walk reached it or stopped before.
    version = editor.replace(uri, "-- People who sign in.", "TRUNCATE mason_users;")
    assert "truncate" in codes(await editor.diagnostics(uri, version=version))
    other = editor.open(DB)
    await editor.settle(other)
    assert logged(editor, "internal error") == []
    # The same walk here says whether this machine holds more than the limit; if it does,
    # the editor was told, once, where the server stopped reading.
    stopped = any(isinstance(u, Unreadable) and u.reason.startswith(WALK_STOPPED) for u in walk(Path("/")))
    assert len(shown(editor, WALK_STOPPED)) == int(stopped)
    assert len(logged(editor, "indexed /:")) == 1  # a file past the limit does not make it walk / again
