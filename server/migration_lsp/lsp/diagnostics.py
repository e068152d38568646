"""Document synchronisation in; the diagnostics go out through :mod:`migration_lsp.lsp.publisher`."""

from __future__ import annotations

import logging

from lsprotocol import types

from migration_lsp.lsp import convert
from migration_lsp.lsp.commands import start_verify
from migration_lsp.lsp.server import MigrationServer

log = logging.getLogger(__name__)


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
            start_verify(ls, params.text_document.uri)

    @server.feature(types.TEXT_DOCUMENT_DID_CLOSE)
    def did_close(ls: MigrationServer, params: types.DidCloseTextDocumentParams) -> None:
        path = ls.uris.to_path(params.text_document.uri)
        if path is not None:
            ls.state.did_close(path)
