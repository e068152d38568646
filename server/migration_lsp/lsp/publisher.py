"""Diagnostics, messages and progress out: the state's reporter."""

from __future__ import annotations

import concurrent.futures
import contextlib
import logging
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Callable

from lsprotocol import types

from migration_lsp import SERVER_NAME
from migration_lsp.findings import Finding
from migration_lsp.lsp import convert

if TYPE_CHECKING:
    from migration_lsp.lsp.server import MigrationServer

log = logging.getLogger(__name__)

PROGRESS_TIMEOUT_SECONDS = 10.0
SEND_TIMEOUT_SECONDS = 1.0


class Publisher:
    """The state's way out to the client (see :class:`migration_lsp.lsp.state.Reporter`)."""

    def __init__(self, server: MigrationServer) -> None:
        self.server = server
        self.converted = convert.Converted()

    def publish(self, path: Path, version: int | None, text: str, findings: list[Finding]) -> None:
        diagnostics = self.converted.diagnostics(path, convert.lines(text), findings)
        params = convert.notification_params(self.server.uris.to_uri(path), version, diagnostics)
        sent = self.server.on_loop(self.server.notify_json, types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS, params)
        # Back once they are written (or the client is gone): what the worker does next, such
        # as the collection after a check, which holds the interpreter's lock, does not hold
        # them up. A client that reads slowly delays the worker a second at most.
        with contextlib.suppress(concurrent.futures.CancelledError, concurrent.futures.TimeoutError):
            sent.result(SEND_TIMEOUT_SECONDS)

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
