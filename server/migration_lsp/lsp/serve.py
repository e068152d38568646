"""The server with every feature registered, and the process that serves one client."""

from __future__ import annotations

import sys

from migration_lsp.lsp import code_actions, commands, completion, diagnostics, hover, lifecycle, navigation
from migration_lsp.lsp.server import MigrationServer, setup_logging


def create_server() -> MigrationServer:
    server = MigrationServer()
    for feature in (lifecycle, diagnostics, code_actions, hover, navigation, completion, commands):
        feature.register(server)
    return server


def serve(tcp: str | None = None) -> int:
    """Serve one client on stdio, or on ``HOST:PORT``; the exit code the specification asks for."""
    server = create_server()
    setup_logging(server)
    try:
        if tcp is None:
            server.start_io()
        else:
            host, sep, port = tcp.rpartition(":")
            if not sep or not port.isdigit():
                print(f"migration-lsp: --tcp expects HOST:PORT, got {tcp!r}", file=sys.stderr)
                return 2
            server.start_tcp(host or "127.0.0.1", int(port))
    finally:
        server.quit()
