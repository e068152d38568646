"""The commands the server advertises: check the whole workspace, verify on PostgreSQL."""

from __future__ import annotations

import logging
import threading
from pathlib import Path
from typing import Any

from lsprotocol import types
from pygls.exceptions import JsonRpcInvalidParams

from migration_lsp import SERVER_NAME
from migration_lsp.lsp.server import MigrationServer  # at run time: pygls reads command annotations
from migration_lsp.workspace.project import Project

log = logging.getLogger(__name__)

CHECK_WORKSPACE = f"{SERVER_NAME}.checkWorkspace"
VERIFY = f"{SERVER_NAME}.verify"


def register(server: MigrationServer) -> None:
    @server.command(CHECK_WORKSPACE)
    async def check_workspace(ls: MigrationServer, *args: Any) -> dict[str, int]:
        return {"filesWithFindings": await ls.state.check_workspace()}

    @server.command(VERIFY)
    def verify(ls: MigrationServer, *args: Any) -> dict[str, str]:
        return {"status": start_verify(ls, args[0] if args else None)}


def start_verify(ls: MigrationServer, uri: object) -> str:
    """Verify the document at ``uri`` in the background; its findings are published when done."""
    path = ls.uris.to_path(uri) if isinstance(uri, str) else None
    if path is None:
        raise JsonRpcInvalidParams(f"{VERIFY} takes the file URI of the document to verify")
    running = ls.verifying
    if path in running:
        return "already running"
    running.add(path)

    def work() -> None:
        try:
            _verify(ls, path)
        except Exception:  # a background thread has nobody else to tell
            log.exception("verify of %s failed", path)
            ls.state.reporter.show_error(f"verify of {path.name} failed; see the log")
        finally:
            running.discard(path)

    threading.Thread(target=work, name=f"verify {path.name}", daemon=True).start()
    return "started"


def _verify(ls: MigrationServer, path: Path) -> None:
    # lazy: psycopg loads only to verify
    from migration_lsp.lint.verify import verify_projects
    from migration_lsp.verify import VerifyError

    snapshot = ls.state.submit(lambda: _alone(ls, path)).result()
    if snapshot is None:
        ls.state.reporter.show_error(f"verify: {path.name} has no migration literal to verify")
        return
    project, text = snapshot
    report = ls.state.reporter.progress(f"Verifying {path.name} on PostgreSQL")
    try:
        findings = verify_projects([project], server=ls.verify_server())
    except VerifyError as e:
        ls.state.reporter.show_error(f"verify: {e}")
        return
    finally:
        report("done", None)
    for notice in project.notices:
        log.info("verify: %s: %s", notice.path, notice.message)
    ls.state.submit(lambda: ls.state.add_findings(path, text, findings))
    count = f"{len(findings) or 'no'} problem{'s' * (len(findings) != 1)}"
    kind = types.MessageType.Warning if findings else types.MessageType.Info
    ls.on_loop(ls.window_show_message, types.ShowMessageParams(type=kind, message=f"{SERVER_NAME}: verify of {path.name}: {count}"))


def _alone(ls: MigrationServer, path: Path) -> tuple[Project, str] | None:
    """A project that holds only this document, as it is now: verify runs what the editor shows."""
    project = ls.state.project(path)
    if project is None or path not in project.documents:
        return None
    text = project.texts[path]
    alone = Project(project.config, facts=project.facts)
    alone.add(path, text)
    return alone, text
