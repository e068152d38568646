"""The server with every feature registered, and the process that serves one client."""

from __future__ import annotations

import socket
import sys

from migration_lsp.lsp import code_actions, commands, completion, diagnostics, hover, lifecycle, navigation
from migration_lsp.lsp.server import MigrationServer, setup_logging


def create_server() -> MigrationServer:
    server = MigrationServer()
    for feature in (lifecycle, diagnostics, code_actions, hover, navigation, completion, commands):
        feature.register(server)
    return server


def serve(tcp: str | None = None) -> int:
    """Serve one client on stdio, or on ``HOST:PORT``; the exit code the specification asks for.

    An address that cannot be listened on is a usage error (2), said before the server starts.
    """
    listener = None
    if tcp is not None:
        host, sep, port = tcp.rpartition(":")
        if not sep or not port.isdigit():
            print(f"migration-lsp: --tcp expects HOST:PORT, got {tcp!r}", file=sys.stderr)
            return 2
        try:
            listener = socket.create_server((host.strip("[]") or "127.0.0.1", int(port)))
        except (OSError, OverflowError) as e:  # in use, not this host's, or a port past 65535
            print(f"migration-lsp: cannot listen on {tcp}: {e}", file=sys.stderr)
            return 2
    server = create_server()
    setup_logging(server)
    try:
        if listener is None:
            server.start_io()
        else:
            server.serve_tcp(listener)
    finally:
        server.quit()
