"""Document synchronisation in, diagnostics and progress out."""

from __future__ import annotations

import logging
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from lsprotocol import types

from migration_lsp import SERVER_NAME
from migration_lsp.lsp import convert
from migration_lsp.rules.base import Finding, Fix

if TYPE_CHECKING:
    from migration_lsp.lsp.server import MigrationServer

log = logging.getLogger(__name__)

PROGRESS_TIMEOUT_SECONDS = 10.0


def register(server: MigrationServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_DID_OPEN)
    def did_open(ls: MigrationServer, params: types.DidOpenTextDocumentParams) -> None:
        doc = params.text_document
        path = ls.uris.to_path(doc.uri)
        if path is None:
            log.debug("not a file, not checked: %s", doc.uri)
            return
        ls.state.did_open(path, doc.uri, doc.version, doc.text)

    @server.feature(types.TEXT_DOCUMENT_DID_CHANGE)
    def did_change(ls: MigrationServer, params: types.DidChangeTextDocumentParams) -> None:
        path = ls.uris.to_path(params.text_document.uri)
        doc = ls.state.open.get(path) if path is not None else None
        if path is None or doc is None:
            log.debug("change to a document that is not open: %s", params.text_document.uri)
            return
        uri, version = params.text_document.uri, params.text_document.version
        try:
            text, clamped = convert.apply_changes(doc.text, params.content_changes)
        except ValueError as e:
            # The client's text is unknown from here on: say which one the findings are for.
            log.error("%s: version %d cannot be applied: %s; keeping version %d (reopen the document to resynchronise)", uri, version, e, doc.version)
            return
        for problem in clamped:
            log.warning("%s: version %d: %s", uri, version, problem)
        if version <= doc.version:
            log.warning("%s: version %d follows version %d; applied as the newest", uri, version, doc.version)
        ls.state.did_change(path, version, text)

    @server.feature(types.TEXT_DOCUMENT_DID_SAVE, types.SaveOptions(include_text=False))
    def did_save(ls: MigrationServer, params: types.DidSaveTextDocumentParams) -> None:
        path = ls.uris.to_path(params.text_document.uri)
        if path is None:
            return
        ls.state.did_save(path)
        if path in ls.state.open and ls.state.settings.for_path(path).verify_on_save:
            from migration_lsp.lsp.commands import start_verify

            start_verify(ls, params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: MigrationServer, params: types.DidCloseTextDocumentParams) -> None:
        path = ls.uris.to_path(params.text_document.uri)
        if path is not None:
            ls.state.did_close(path)


class Publisher:
    """The state's way out to the client (see :class:`migration_lsp.lsp.state.Reporter`)."""

    def __init__(self, server: MigrationServer) -> None:
        self.server = server

    def publish(self, path: Path, version: int | None, text: str, findings: list[Finding]) -> None:
        index = convert.lines(text)
        state = self.server.state
        uris = self.server.uris

        def edit_data(fix: Fix) -> dict[str, object] | None:
            return convert.fix_data(fix, convert.document_edits(fix.edits, uris, state.text_of, state.version_of))

        params = types.PublishDiagnosticsParams(
            uri=uris.to_uri(path),
            version=version,
            diagnostics=[convert.diagnostic(f, index, edit_data) for f in findings],
        )
        self.server.on_loop(self.server.text_document_publish_diagnostics, params)

    def show_error(self, message: str) -> None:
        params = types.ShowMessageParams(type=types.MessageType.Error, message=f"{SERVER_NAME}: {message}")
        self.server.on_loop(self.server.window_show_message, params)

    def progress(self, title: str) -> Callable[[str, int | None], None]:
        server = self.server
        if not server.client_supports("window.work_done_progress"):
            return lambda message, percentage: None
        token = f"{SERVER_NAME}/{uuid.uuid4()}"
        try:
            request = server.on_loop(server.work_done_progress.create, token).result(PROGRESS_TIMEOUT_SECONDS)
            request.result(PROGRESS_TIMEOUT_SECONDS)
        except Exception as e:  # no progress bar is no reason to stop the work
            log.debug("no progress for %s: %s", title, e)
            return lambda message, percentage: None
        progress = server.work_done_progress
        server.on_loop(progress.begin, token, types.WorkDoneProgressBegin(title=title, percentage=0))

        def report(message: str, percentage: int | None) -> None:
            if percentage is None:
                server.on_loop(progress.end, token, types.WorkDoneProgressEnd(message=message))
            else:
                server.on_loop(progress.report, token, types.WorkDoneProgressReport(message=message, percentage=percentage))

        return report
