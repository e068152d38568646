"""The language server through a real LSP client (pytest-lsp), as VS Code and as Neovim.

Each test gets its own copy of the fixture workspace and its own server, started from the
installed entry point (``python -m migration_lsp``).
"""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsp_editor import CLIENTS, FIXTURE, SECTION, SERVER, Client, Editor, make_client
from lsprotocol import types
from pytest_lsp import ClientServerConfig, client_capabilities


@pytest.fixture
def root(tmp_path: Path) -> Path:
    shutil.copytree(FIXTURE, tmp_path / "app")
    return tmp_path / "app"


@pytest.fixture
def settings() -> dict[str, Any]:
    """The ``migration-lsp`` settings the client sends; tests override this fixture to change them."""
    return {}


@pytest_lsp.fixture(params=CLIENTS, config=ClientServerConfig(server_command=SERVER, client_factory=make_client))
async def client(request: pytest.FixtureRequest, lsp_client: Client, root: Path, settings: dict[str, Any]):
    lsp_client.kind = request.param
    # Each editor's own shape of the same settings (see editors/vscode and editors/nvim).
    if request.param == "visual_studio_code":
        options: Any = {"settings": [{"workspace": root.as_uri(), **settings}], "globalSettings": settings}
    else:
        options = settings
    lsp_client.set_configuration(settings, section=SECTION)
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities(request.param),
            workspace_folders=[types.WorkspaceFolder(root.as_uri(), root.name)],
            initialization_options=options,
        )
    )
    yield
    await lsp_client.shutdown_session()


@pytest.fixture
def editor(client: Client, root: Path) -> Editor:
    return Editor(client, root, client.kind)
