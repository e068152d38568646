"""An editor driving the language server through pytest-lsp's client.

Waiting is always on a notification or a response, never on time; ``WAIT_S`` only turns a
server that stopped answering into a failure instead of a hang.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.protocol import default_converter
from pytest_lsp import LanguageClient
from pytest_lsp.client import DEFAULT_CLIENT_FEATURES, register_lsp_features

from migration_lsp.positions import LineIndex

CLIENTS = ["visual_studio_code", "neovim"]
WAIT_S = 60
SERVER = [sys.executable, "-m", "migration_lsp"]
FIXTURE = Path(__file__).parent / "fixture"
ROUTE = "src/app/api/setup/migrations/route.ts"
DB = "src/lib/db.ts"
TABLES = "src/lib/tables.ts"
SECTION = "migration-lsp"

Found = tuple[str, int, int, str, str, str]  # path, start, end, rule, severity, message


class Client(LanguageClient):
    """pytest-lsp's client, keeping every diagnostics notification with its version."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kind = ""  # which editor's capabilities it sends
        self.published: list[types.PublishDiagnosticsParams] = []
        self.registrations: list[types.Registration] = []
        self.exited: asyncio.Future[int] | None = None

    async def server_exit(self, server: asyncio.subprocess.Process) -> None:
        if self.exited is not None and not self.exited.done():
            self.exited.set_result(server.returncode)
        await super().server_exit(server)


def _record(client: Client, params: types.PublishDiagnosticsParams) -> None:
    client.published.append(params)
    client.diagnostics[params.uri] = params.diagnostics


def _register(client: Client, params: types.RegistrationParams) -> None:
    client.registrations.extend(params.registrations)


def make_client() -> Client:
    client = Client(converter_factory=default_converter)
    features = {
        **DEFAULT_CLIENT_FEATURES,
        types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS: _record,
        types.CLIENT_REGISTER_CAPABILITY: _register,
    }
    register_lsp_features(client, features)
    return client


class Editor:
    """What an editor does with a client: open, type, apply edits, and wait for the server."""

    def __init__(self, client: Client, root: Path, capabilities: str) -> None:
        self.client = client
        self.root = root
        self.capabilities = capabilities
        self.texts: dict[str, str] = {}
        self.versions: dict[str, int] = {}

    def uri(self, rel: str) -> str:
        return (self.root / rel).as_uri()

    def path(self, uri: str) -> Path:
        return Path(uri.removeprefix("file://"))

    # -- documents ------------------------------------------------------------------------
    def open(self, rel: str, text: str | None = None) -> str:
        uri = self.uri(rel)
        text = (self.root / rel).read_text() if text is None else text
        self.texts[uri] = text
        self.versions[uri] = 1
        self.client.text_document_did_open(types.DidOpenTextDocumentParams(types.TextDocumentItem(uri, "typescript", 1, text)))
        return uri

    def close(self, uri: str) -> None:
        self.texts.pop(uri)
        self.client.text_document_did_close(types.DidCloseTextDocumentParams(types.TextDocumentIdentifier(uri)))

    def edit(self, uri: str, edits: list[types.TextEdit]) -> int:
        """Apply edits to an open document, sent as incremental changes; the new version."""
        changes = []
        text = self.texts[uri]
        # Last first, so that each range still refers to the text the edits were made for.
        for e in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
            text = apply(text, e.range, e.new_text)
            changes.append(types.TextDocumentContentChangePartial(range=e.range, text=e.new_text))
        self.texts[uri] = text
        self.versions[uri] += 1
        self.client.text_document_did_change(types.DidChangeTextDocumentParams(types.VersionedTextDocumentIdentifier(uri=uri, version=self.versions[uri]), changes))
        return self.versions[uri]

    def replace(self, uri: str, old: str, new: str) -> int:
        """Replace the first ``old`` of an open document with ``new``."""
        return self.edit(uri, [types.TextEdit(self.range_of(uri, old), new)])

    def range_of(self, uri: str, needle: str, within: str | None = None) -> types.Range:
        text = self.texts.get(uri) or self.path(uri).read_text()
        base = text.index(within) if within is not None else 0
        start = text.index(needle, base)
        return types.Range(position(text, start), position(text, start + len(needle)))

    def position_of(self, uri: str, needle: str, within: str | None = None, offset: int = 0) -> types.Position:
        text = self.texts.get(uri) or self.path(uri).read_text()
        base = text.index(within) if within is not None else 0
        return position(text, text.index(needle, base) + offset)

    def write(self, rel: str, text: str, kind: types.FileChangeType = types.FileChangeType.Changed) -> None:
        """Change a file on disk, and tell the server as a file watcher would."""
        (self.root / rel).write_text(text)
        self.client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams([types.FileEvent(self.uri(rel), kind)]))

    def apply_workspace_edit(self, edit: types.WorkspaceEdit) -> None:
        """Apply a workspace edit the way the client's capabilities say it arrives."""
        per_uri: dict[str, list[types.TextEdit]] = {}
        if edit.document_changes is not None:
            assert self.capabilities == "visual_studio_code", "documentChanges sent to a client that cannot take them"
            for change in edit.document_changes:
                assert isinstance(change, types.TextDocumentEdit)
                if change.text_document.version is not None:
                    assert change.text_document.version == self.versions[change.text_document.uri], "edit for an old version"
                per_uri.setdefault(change.text_document.uri, []).extend(change.edits)  # type: ignore[arg-type]
        for uri, edits in (edit.changes or {}).items():
            per_uri.setdefault(uri, []).extend(edits)
        for uri, edits in per_uri.items():
            if uri in self.texts:
                self.edit(uri, edits)
                continue
            path = self.path(uri)
            text = path.read_text()
            for e in sorted(edits, key=lambda e: (e.range.start.line, e.range.start.character), reverse=True):
                text = apply(text, e.range, e.new_text)
            self.write(path.relative_to(self.root).as_posix(), text)

    # -- waiting for the server ------------------------------------------------------------
    async def diagnostics(self, uri: str, version: int | None = None, until: Callable[[list[types.Diagnostic]], bool] | None = None) -> list[types.Diagnostic]:
        """The diagnostics of ``uri``, once published for ``version`` (if given) and matching ``until``."""

        def ready() -> list[types.Diagnostic] | None:
            for params in reversed(self.client.published):
                if params.uri != uri:
                    continue
                if version is not None and params.version != version:
                    return None
                diagnostics = list(params.diagnostics)
                return diagnostics if until is None or until(diagnostics) else None
            return None

        async def wait() -> list[types.Diagnostic]:
            while (found := ready()) is None:
                await self.client.wait_for_notification(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS)
            return found

        return await asyncio.wait_for(wait(), WAIT_S)

    async def until(self, method: str, condition: Callable[[], bool]) -> None:
        """Wait for notifications of ``method`` until ``condition`` holds."""

        async def wait() -> None:
            while not condition():
                await self.client.wait_for_notification(method)

        await asyncio.wait_for(wait(), WAIT_S)

    async def settle(self, uri: str) -> list[types.Diagnostic]:
        """The diagnostics of ``uri`` once the server has caught up with everything sent so far.

        The server answers a request only after the diagnostics of every notification sent
        before it, so one round trip is enough.
        """
        await self.request(self.client.text_document_hover_async(types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(0, 0))))
        return self.latest(uri)

    def latest(self, uri: str) -> list[types.Diagnostic]:
        return list(next((p.diagnostics for p in reversed(self.client.published) if p.uri == uri), []))

    async def request(self, coroutine: Any) -> Any:
        return await asyncio.wait_for(coroutine, WAIT_S)

    async def code_actions(self, uri: str, diagnostic: types.Diagnostic, only: list[str] | None = None) -> list[types.CodeAction]:
        params = types.CodeActionParams(
            text_document=types.TextDocumentIdentifier(uri),
            range=diagnostic.range,
            context=types.CodeActionContext(diagnostics=[diagnostic], only=only),
        )
        return list(await self.request(self.client.text_document_code_action_async(params)) or [])

    async def check_workspace(self) -> Any:
        params = types.ExecuteCommandParams(command=f"{SECTION}.checkWorkspace", arguments=[])
        return await self.request(self.client.workspace_execute_command_async(params))


def apply(text: str, rng: types.Range, new_text: str) -> str:
    index = LineIndex(text)
    start = index.offset_of_lsp(rng.start.line, rng.start.character)
    end = index.offset_of_lsp(rng.end.line, rng.end.character)
    return text[:start] + new_text + text[end:]


def position(text: str, offset: int) -> types.Position:
    return types.Position(*LineIndex(text).lsp_position(offset))


def codes(diagnostics: list[types.Diagnostic]) -> list[str]:
    return sorted(str(d.code) for d in diagnostics)


SEVERITIES = {1: "error", 2: "warning", 3: "info"}


def cli_findings(root: Path) -> list[Found]:
    """What a fresh `--check --format json` of the files on disk reports, as document offsets."""
    out = subprocess.run(
        [sys.executable, "-m", "migration_lsp", "--check", ".", "--format", "json"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode in (0, 1), out.stderr
    found = []
    for d in json.loads(out.stdout)["diagnostics"]:
        path = (root / d["path"]).resolve()
        index = LineIndex(path.read_text())
        start = index.starts[d["line"] - 1] + d["column"] - 1
        end = index.starts[d["end_line"] - 1] + d["end_column"] - 1
        found.append((str(path), start, end, d["rule"], d["severity"], d["message"]))
    return sorted(found)


def editor_findings(editor: Editor) -> list[Found]:
    """What the editor shows now: the latest diagnostics published for each file."""
    latest = {}
    for params in editor.client.published:
        latest[params.uri] = params.diagnostics
    found = []
    for uri, diagnostics in latest.items():
        path = editor.path(uri).resolve()
        index = LineIndex(path.read_text())
        for d in diagnostics:
            start = index.offset_of_lsp(d.range.start.line, d.range.start.character)
            end = index.offset_of_lsp(d.range.end.line, d.range.end.character)
            found.append((str(path), start, end, str(d.code), SEVERITIES[d.severity], d.message))
    return sorted(found)
