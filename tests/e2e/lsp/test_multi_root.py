"""A multi-root workspace: each folder has its own config, index and editor settings."""

from __future__ import annotations

import shutil
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from lsp_editor import CLIENTS, FIXTURE, ROUTE, SECTION, SERVER, Client, Editor, codes, make_client
from lsprotocol import types
from pytest_lsp import ClientServerConfig, client_capabilities

pytestmark = pytest.mark.asyncio

SEEDS = "export const SEED_SQL = `\nCREATE TABLE mason_seeds (id uuid PRIMARY KEY);\n`;\n"


@pytest.fixture
def folders(tmp_path: Path) -> tuple[Path, Path]:
    alpha, beta = tmp_path / "alpha", tmp_path / "beta"
    for folder in (alpha, beta):
        shutil.copytree(FIXTURE, folder)
    (alpha / "migration-lsp.toml").write_text('[rules]\ncreate-table-not-idempotent = "warning"\n')
    return alpha, beta


@pytest_lsp.fixture(params=CLIENTS, config=ClientServerConfig(server_command=SERVER, client_factory=make_client))
async def two_folders(request: pytest.FixtureRequest, lsp_client: Client, folders: tuple[Path, Path]):
    alpha, beta = folders
    lsp_client.kind = request.param
    options: Any
    if request.param == "visual_studio_code":
        options = {
            "settings": [{"workspace": alpha.as_uri(), "variableNames": ["SEED_SQL"]}, {"workspace": beta.as_uri()}],
            "globalSettings": {},
        }
        lsp_client.set_configuration({"variableNames": ["SEED_SQL"]}, section=SECTION, scope_uri=alpha.as_uri())
    else:
        options = {}  # Neovim sends one object for every folder
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities(request.param),
            workspace_folders=[types.WorkspaceFolder(f.as_uri(), f.name) for f in folders],
            initialization_options=options,
        )
    )
    yield
    await lsp_client.shutdown_session()


def _break(text: str) -> str:
    return text.replace("CREATE TABLE IF NOT EXISTS mason_users", "CREATE TABLE mason_users")


async def test_each_folder_reads_its_own_config(two_folders: Client, folders: tuple[Path, Path]) -> None:
    alpha, beta = folders
    a, b = Editor(two_folders, alpha, two_folders.kind), Editor(two_folders, beta, two_folders.kind)
    ua = a.open(ROUTE, _break((alpha / ROUTE).read_text()))
    ub = b.open(ROUTE, _break((beta / ROUTE).read_text()))
    (da,) = [d for d in await a.diagnostics(ua, version=1) if d.code == "create-table-not-idempotent"]
    (db,) = [d for d in await b.diagnostics(ub, version=1) if d.code == "create-table-not-idempotent"]
    assert da.severity == types.DiagnosticSeverity.Warning
    assert db.severity == types.DiagnosticSeverity.Error


async def test_each_folder_has_its_own_index(two_folders: Client, folders: tuple[Path, Path]) -> None:
    alpha, beta = folders
    a, b = Editor(two_folders, alpha, two_folders.kind), Editor(two_folders, beta, two_folders.kind)
    # A table created in alpha's migration does not cover beta's code.
    ua = a.open(ROUTE, (alpha / ROUTE).read_text().replace("\n`;\n", "\nCREATE TABLE IF NOT EXISTS mason_audit_log (id uuid PRIMARY KEY);\n`;\n"))
    await a.diagnostics(ua, version=1)
    ub = b.open("src/lib/db.ts", (beta / "src/lib/db.ts").read_text().replace(".from(TABLES.USERS)", '.from("mason_audit_log")'))
    assert "table-not-in-migration" in codes(await b.diagnostics(ub, version=1))


async def test_folder_settings_apply_to_their_folder(two_folders: Client, folders: tuple[Path, Path]) -> None:
    alpha, beta = folders
    a, b = Editor(two_folders, alpha, two_folders.kind), Editor(two_folders, beta, two_folders.kind)
    ua = a.open("src/lib/seeds.ts", SEEDS)
    ub = b.open("src/lib/seeds.ts", SEEDS)
    checked_in_alpha = "create-table-not-idempotent" in codes(await a.settle(ua))
    assert await b.settle(ub) == []
    assert checked_in_alpha == (two_folders.kind == "visual_studio_code")
