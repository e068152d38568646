"""Initialize, settings, workspace folders, watched files, shutdown and exit."""

from __future__ import annotations

import asyncio
import logging
import os
import sys
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from lsprotocol import types

from migration_lsp.config import CONFIG_FILES
from migration_lsp.locate.typescript import CODE_SUFFIXES
from migration_lsp.lsp import settings as editor_settings
from migration_lsp.lsp.server import set_log_level
from migration_lsp.lsp.settings import SECTION, EditorSettings

if TYPE_CHECKING:
    from migration_lsp.lsp.server import MigrationServer

log = logging.getLogger(__name__)

CLIENT_POLL_SECONDS = 2.0

WATCHERS = (
    "**/*.{" + ",".join(sorted(s.lstrip(".") for s in CODE_SUFFIXES)) + "}",
    *(f"**/{name}" for name in CONFIG_FILES),
    "**/*.md",  # the checklist document
    # A commit moves what the upgrade rules compare with.
    "**/.git/HEAD",
    "**/.git/refs/heads/**",
)


def register(server: MigrationServer) -> None:
    initial = EditorSettings()
    folders: dict[Path, str] = {}  # folder path → its URI, as the client spells it

    @server.feature(types.INITIALIZE)
    def initialize(ls: MigrationServer, params: types.InitializeParams) -> None:
        nonlocal initial
        ls.loop = asyncio.get_running_loop()
        uris = [f.uri for f in params.workspace_folders or []]
        if not uris and params.root_uri:
            uris = [params.root_uri]
        for uri in uris:
            path = ls.uris.add_folder(uri)
            if path is not None:
                folders[path] = uri
        initial = editor_settings.from_initialization_options(params.initialization_options, ls.uris.add_folder)
        _apply(ls, initial)
        if params.process_id is not None:
            if _alive(params.process_id):
                watch_client(ls, params.process_id)
            else:  # a client in another PID namespace, such as a container's
                log.info("the client process %d is not visible from here; not watching it", params.process_id)

    @server.feature(types.INITIALIZED)
    async def initialized(ls: MigrationServer, params: types.InitializedParams) -> None:
        ls.state.set_folders(folders)
        if ls.client_supports("workspace.did_change_watched_files.dynamic_registration"):
            watchers = [types.FileSystemWatcher(glob_pattern=g) for g in WATCHERS]
            registration = types.Registration(
                id="migration-lsp-watchers",
                method=types.WORKSPACE_DID_CHANGE_WATCHED_FILES,
                register_options=types.DidChangeWatchedFilesRegistrationOptions(watchers=watchers),
            )
            try:
                await ls.client_register_capability_async(types.RegistrationParams([registration]))
            except Exception as e:  # the client said no: edits on disk are then read on open
                log.warning("file watchers not registered: %s", e)
        await _pull_settings(ls, initial, folders)

    @server.feature(types.WORKSPACE_DID_CHANGE_CONFIGURATION)
    async def did_change_configuration(ls: MigrationServer, params: types.DidChangeConfigurationParams) -> None:
        if ls.client_supports("workspace.configuration"):
            await _pull_settings(ls, initial, folders)
            return
        pushed = params.settings.get(SECTION) if isinstance(params.settings, dict) else None
        if pushed is not None:
            _apply(ls, EditorSettings(editor_settings.merge(initial.global_, pushed), initial.folders))

    @server.feature(types.WORKSPACE_DID_CHANGE_WORKSPACE_FOLDERS)
    def did_change_workspace_folders(ls: MigrationServer, params: types.DidChangeWorkspaceFoldersParams) -> None:
        for removed in params.event.removed:
            path = ls.uris.to_path(removed.uri)
            if path is not None:
                folders.pop(path, None)
                ls.uris.remove_folder(path)
        for added in params.event.added:
            path = ls.uris.add_folder(added.uri)
            if path is not None:
                folders[path] = added.uri
        ls.state.set_folders(folders)

    @server.feature(types.WORKSPACE_DID_CHANGE_WATCHED_FILES)
    def did_change_watched_files(ls: MigrationServer, params: types.DidChangeWatchedFilesParams) -> None:
        paths = [p for p in (ls.uris.to_path(change.uri) for change in params.changes) if p is not None]
        ls.state.files_changed(paths)

    @server.feature(types.SHUTDOWN)
    def shutdown(ls: MigrationServer, params: Any) -> None:
        ls.shutdown_requested = True
        ls.state.shutdown()

    @server.feature(types.EXIT)
    def exit_(ls: MigrationServer, params: Any) -> None:
        ls.quit()


async def _pull_settings(ls: MigrationServer, initial: EditorSettings, folders: dict[Path, str]) -> None:
    """Ask the client for the ``migration-lsp`` section, per folder and for the window."""
    if not ls.client_supports("workspace.configuration"):
        return
    roots = list(folders)
    items = [types.ConfigurationItem(scope_uri=folders[root], section=SECTION) for root in roots]
    items.append(types.ConfigurationItem(section=SECTION))
    try:
        answers = await ls.workspace_configuration_async(types.ConfigurationParams(items=items))
    except Exception as e:  # a client that cannot answer keeps the initialization options
        log.warning("workspace/configuration failed: %s", e)
        return
    if not isinstance(answers, (list, tuple)) or len(answers) != len(items):
        log.warning("workspace/configuration: expected %d answers, got %r", len(items), answers)
        return
    result = EditorSettings(editor_settings.merge(initial.global_, answers[-1]))
    for root, answer in zip(roots, answers):
        result = result.with_folder(root, editor_settings.merge(initial.for_path(root), answer))
    _apply(ls, result)


def _apply(ls: MigrationServer, settings: EditorSettings) -> None:
    set_log_level(settings.global_.log_level)
    if not settings.same_for_every_path(ls.state.settings):  # the same settings need no check again
        ls.state.update_settings(settings)


def watch_client(server: MigrationServer, pid: int) -> None:
    """Exit when the client process dies without saying goodbye."""

    def poll() -> None:
        while _alive(pid):
            time.sleep(CLIENT_POLL_SECONDS)
        log.error("the client process %d is gone; exiting", pid)
        server.quit()

    threading.Thread(target=poll, name="client-watch", daemon=True).start()


def _alive(pid: int) -> bool:
    if sys.platform == "win32":
        import ctypes

        synchronize, wait_timeout = 0x00100000, 0x00000102
        kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
        handle = kernel32.OpenProcess(synchronize, False, pid)
        if not handle:
            return False
        try:
            return kernel32.WaitForSingleObject(handle, 0) == wait_timeout
        finally:
            kernel32.CloseHandle(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # alive, owned by someone else
        return True
    return True
