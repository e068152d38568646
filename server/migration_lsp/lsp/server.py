"""The language server: pygls wiring, logging and the process's life.

Each feature lives in its own module and registers its handlers in
:func:`migration_lsp.lsp.serve.create_server`;
they convert between LSP and the core and nothing else.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import inspect
import json
import logging
import os
import socket
import sys
import threading
from pathlib import Path
from typing import TYPE_CHECKING, Any, BinaryIO, Callable, NoReturn, TypeVar

from lsprotocol import types
from pygls.exceptions import JsonRpcException, JsonRpcInternalError, JsonRpcInvalidParams, JsonRpcInvalidRequest, JsonRpcServerNotInitialized
from pygls.io_ import StdoutWriter
from pygls.lsp.server import LanguageServer
from pygls.protocol import LanguageServerProtocol, lsp_method

from migration_lsp import SERVER_NAME, __version__
from migration_lsp.lsp.convert import CONVERTER, Uris
from migration_lsp.lsp.publisher import Publisher
from migration_lsp.lsp.settings import LOG_LEVELS
from migration_lsp.lsp.state import State
from migration_lsp.lsp.transport import serve as serve_stream

if TYPE_CHECKING:
    from migration_lsp.verify import Server as VerifyServer

log = logging.getLogger("migration_lsp")

T = TypeVar("T")


class _Invalid:
    """A message whose params could not be read: a request is answered with an error, a notification is dropped and logged."""

    def __init__(self, data: dict[str, Any]) -> None:
        self.method: str = data["method"]
        self.params = data.get("params")
        if "id" in data:
            self.id = data["id"]


class _Protocol(LanguageServerProtocol):
    """pygls's protocol, with six changes.

    - Positions are UTF-16: :class:`migration_lsp.positions.LineIndex` speaks it, and every
      client must accept it.
    - Open documents live in :class:`State` only. pygls's copy would split lines on more
      characters than LSP does and would not clamp a change that reaches past the end.
    - A request with malformed params gets an error response instead of none.
    - A request before ``initialize`` gets ``ServerNotInitialized``, and a notification
      before it other than ``exit`` is dropped; a request after ``shutdown`` gets
      ``InvalidRequest``: as the specification asks.
    - Diagnostics go out as the JSON text the publisher keeps (:meth:`notify_json`), not
      converted nor written again at every keystroke.
    """

    initialize_received = False

    @lsp_method(types.INITIALIZE)
    def lsp_initialize(self, params: types.InitializeParams):  # type: ignore[override]
        if params.capabilities.general is not None:
            params.capabilities.general.position_encodings = [types.PositionEncodingKind.Utf16]
        return (yield from super().lsp_initialize(params))

    @lsp_method(types.TEXT_DOCUMENT_DID_OPEN)
    def lsp_text_document__did_open(self, params: types.DidOpenTextDocumentParams):  # type: ignore[override]
        yield from self._user_handler(types.TEXT_DOCUMENT_DID_OPEN, params)

    @lsp_method(types.TEXT_DOCUMENT_DID_CHANGE)
    def lsp_text_document__did_change(self, params: types.DidChangeTextDocumentParams):  # type: ignore[override]
        yield from self._user_handler(types.TEXT_DOCUMENT_DID_CHANGE, params)

    @lsp_method(types.TEXT_DOCUMENT_DID_CLOSE)
    def lsp_text_document__did_close(self, params: types.DidCloseTextDocumentParams):  # type: ignore[override]
        yield from self._user_handler(types.TEXT_DOCUMENT_DID_CLOSE, params)

    def _user_handler(self, method: str, params: Any):
        handler = self.fm.features.get(method)
        if handler is not None:
            yield handler, (params,), None

    def structure_message(self, data: dict[str, Any]):  # type: ignore[override]
        try:
            return super().structure_message(data)
        except JsonRpcException:
            if isinstance(data, dict) and isinstance(data.get("method"), str):
                return _Invalid(data)
            raise

    def notify_json(self, method: str, params: str) -> None:
        """Send a notification whose params are JSON text already, as
        :class:`migration_lsp.lsp.convert.Converted` keeps diagnostics: neither converted nor
        written again. The bytes are those ``_send_data`` sends of the same values."""
        if self.writer is None:
            log.error("no connection to send %s on", method)
            return
        # ``json.dumps`` escapes every non-ASCII character: the length in characters is the length in bytes.
        body = f'{{"jsonrpc": {json.dumps(self.VERSION)}, "method": {json.dumps(method)}, "params": {params}}}'
        header = f"Content-Length: {len(body)}\r\nContent-Type: {self.CONTENT_TYPE}; charset={self.CHARSET}\r\n\r\n" if self._include_headers else ""
        try:
            written = self.writer.write((header + body).encode(self.CHARSET))
            if inspect.isawaitable(written):
                asyncio.ensure_future(written)
        except Exception as error:  # as for every message sent: the server reports it, no caller waits for it
            self._server._report_server_error(error, JsonRpcInternalError)

    def handle_message(self, message: Any) -> None:
        method = getattr(message, "method", None)
        if method == types.INITIALIZE:
            self.initialize_received = True
        elif method is not None and not self.initialize_received and method != types.EXIT:
            if hasattr(message, "id"):
                error = JsonRpcServerNotInitialized(f"{method} before initialize")
                self._send_response(message.id, error=error.to_response_error())
            return
        if isinstance(message, _Invalid):
            if hasattr(message, "id"):
                log.warning("malformed params for %s", message.method)
                invalid = JsonRpcInvalidParams(f"malformed params for {message.method}")
                self._send_response(message.id, error=invalid.to_response_error())
            else:
                server = self._server
                kept = server.kept_text(message.params) if isinstance(server, MigrationServer) else ""
                log.error("malformed params for %s; dropped%s", message.method, kept)
            return
        if self._shutdown and hasattr(message, "id") and hasattr(message, "method"):
            refusal = JsonRpcInvalidRequest("the server is shutting down")
            self._send_response(message.id, error=refusal.to_response_error())
            return
        super().handle_message(message)


class MigrationServer(LanguageServer):
    def __init__(self) -> None:
        super().__init__(SERVER_NAME, __version__, protocol_cls=_Protocol, converter_factory=lambda: CONVERTER, text_document_sync_kind=types.TextDocumentSyncKind.Incremental)
        self.uris = Uris()
        self.state = State(Publisher(self))
        self.loop: asyncio.AbstractEventLoop | None = None
        self.shutdown_requested = False
        self.verifying: set[Path] = set()  # documents being verified, in the background
        self._verify_server: VerifyServer | None = None

    def verify_server(self) -> VerifyServer:
        """The PostgreSQL that verify runs on, kept while the editor is open so a re-run is fast."""
        if self._verify_server is None:
            from migration_lsp.verify import Server  # lazy: psycopg loads only to verify

            self._verify_server = Server()
        return self._verify_server

    def kept_text(self, params: object) -> str:
        """Which text of a document a notification about it that could not be read leaves in place."""
        document = params.get("textDocument") if isinstance(params, dict) else None
        uri = document.get("uri") if isinstance(document, dict) else None
        path = self.uris.to_path(uri) if isinstance(uri, str) else None
        doc = self.state.open.get(path) if path is not None else None
        return "" if doc is None else f": {uri} keeps version {doc.version} (reopen the document to resynchronise)"

    def quit(self) -> NoReturn:
        """Stop the work and the verify cluster, then leave with the exit code the specification asks for.

        The only way out of the process: after ``exit``, when the client is gone, when the
        stream ends. The stdin reader thread may block on a read that never ends, and pygls
        would wait for it; the process leaves without it.
        """
        self.state.shutdown()
        verify_server, self._verify_server = self._verify_server, None
        try:
            if verify_server is not None:
                verify_server.close()
        finally:
            sys.stdout.flush()
            sys.stderr.flush()
            os._exit(0 if self.shutdown_requested else 1)

    def start_io(self, stdin: BinaryIO | None = None, stdout: BinaryIO | None = None) -> None:  # type: ignore[override]
        """Serve on stdio through :mod:`migration_lsp.lsp.transport`, which no input can knock over."""
        self._stop_event = stop = threading.Event()
        self.protocol.set_writer(StdoutWriter(stdout or sys.stdout.buffer))
        try:
            asyncio.run(serve_stream(stdin or sys.stdin.buffer, self.protocol, stop, self.thread_pool))
        except ConnectionError:  # a closed pipe, or a socket the client reset
            log.error("the connection to the client is lost")
        finally:
            self.shutdown()

    def serve_tcp(self, listener: socket.socket) -> None:
        """Serve the first client that connects to ``listener`` as :meth:`start_io` serves stdio,
        through the same reader. pygls's ``start_tcp`` would read with its own, which trusts
        its input."""
        with listener:
            host, port = listener.getsockname()[:2]
            log.info("listening on %s:%d", host, port)
            conn, _ = listener.accept()
        with conn, conn.makefile("rb") as reader, conn.makefile("wb") as writer:
            self.start_io(reader, writer)

    def report_server_error(self, error: Exception, source: Any) -> None:
        # Errors the client did not ask about go to the log, not into a pop-up.
        log.error("%s: %s", getattr(source, "__name__", source), error)

    # -- crossing from the worker thread to the event loop ---------------------------------
    def on_loop(self, fn: Callable[..., T], *args: Any) -> concurrent.futures.Future[T]:
        """Run ``fn`` on the event loop, which owns the connection; its result as a future."""
        future: concurrent.futures.Future[T] = concurrent.futures.Future()
        loop = self.loop
        if loop is None or loop.is_closed():
            future.cancel()
            return future

        def call() -> None:
            try:
                future.set_result(fn(*args))
            except Exception as e:  # handed to whoever waits
                future.set_exception(e)

        try:
            loop.call_soon_threadsafe(call)
        except RuntimeError:  # the loop closed meanwhile: the client is gone
            future.cancel()
        return future

    def notify_json(self, method: str, params: str) -> None:
        """Send a notification whose params are JSON text already (on the event loop)."""
        protocol = self.protocol
        assert isinstance(protocol, _Protocol)
        protocol.notify_json(method, params)

    def client_supports(self, path: str) -> bool:
        """Whether the client's capabilities hold a true value at ``path`` (dotted attribute names)."""
        value: Any = self.client_capabilities
        for part in path.split("."):
            value = getattr(value, part, None)
            if value is None:
                return False
        return bool(value)


class _LspLogHandler(logging.Handler):
    """Sends log records to the client as ``window/logMessage``, or to stderr while there is
    no connection (before it opens, after it closes). Never both: clients show the server's
    stderr in the same log, and every line would appear twice."""

    _TYPES = {
        logging.ERROR: types.MessageType.Error,
        logging.WARNING: types.MessageType.Warning,
        logging.INFO: types.MessageType.Info,
        logging.DEBUG: types.MessageType.Log,
    }

    def __init__(self, server: MigrationServer, fallback: logging.Handler) -> None:
        super().__init__()
        self.server = server
        self.fallback = fallback

    def emit(self, record: logging.LogRecord) -> None:
        loop = self.server.loop
        if loop is None or loop.is_closed():
            self.fallback.handle(record)
            return
        try:
            message = self.format(record)
            kind = self._TYPES.get(record.levelno, types.MessageType.Error if record.levelno > logging.ERROR else types.MessageType.Log)
            self.server.on_loop(self.server.window_log_message, types.LogMessageParams(kind, message))
        except Exception:
            self.handleError(record)


def set_log_level(name: str) -> None:
    log.setLevel(LOG_LEVELS[name])


def setup_logging(server: MigrationServer) -> None:
    stderr = logging.StreamHandler(sys.stderr)
    stderr.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    client = _LspLogHandler(server, stderr)
    client.setFormatter(logging.Formatter("%(message)s"))
    log.handlers[:] = [client]
    log.propagate = False
    set_log_level("info")
    # pygls logs every message it sends at INFO: far too much for anyone but its authors.
    logging.getLogger("pygls").setLevel(logging.WARNING)
    logging.getLogger("pygls").addHandler(stderr)
    # The engine logs a failing rule at every check; the state tells the client once.
    engine = logging.getLogger("migration_lsp.lint.check")
    engine.propagate = False
    engine.handlers[:] = [stderr]
