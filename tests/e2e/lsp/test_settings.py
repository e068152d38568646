"""Editor settings in both shapes, their changes, and the project's config file."""

from __future__ import annotations

from typing import Any

import pytest
from lsp_editor import ROUTE, SECTION, Editor, codes
from lsprotocol import types

pytestmark = pytest.mark.asyncio

SEEDS = "export const SEED_SQL = `\nCREATE TABLE mason_seeds (id uuid PRIMARY KEY);\n`;\n"


class TestVariableNames:
    @pytest.fixture
    def settings(self) -> dict[str, Any]:
        return {"variableNames": ["SEED_SQL"]}

    async def test_extra_names_are_checked(self, editor: Editor) -> None:
        uri = editor.open("src/lib/seeds.ts", SEEDS)
        assert "create-table-not-idempotent" in codes(await editor.diagnostics(uri, version=1))


async def test_without_the_setting_other_names_are_not_checked(editor: Editor) -> None:
    uri = editor.open("src/lib/seeds.ts", SEEDS)
    assert await editor.diagnostics(uri, version=1) == []


async def test_configuration_change_is_pulled_and_applied(editor: Editor) -> None:
    uri = editor.open("src/lib/seeds.ts", SEEDS)
    assert await editor.diagnostics(uri, version=1) == []
    editor.client.set_configuration({"variableNames": ["SEED_SQL"]}, section=SECTION)
    editor.client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={SECTION: {"variableNames": ["SEED_SQL"]}}))
    # The server asks the client for the new settings first: no request can tell when it is done.
    assert await editor.diagnostics(uri, until=lambda ds: "create-table-not-idempotent" in codes(ds))


async def test_bad_setting_values_are_ignored(editor: Editor) -> None:
    editor.client.set_configuration({"checkOn": "sometimes", "variableNames": "SEED_SQL", "logLevel": 3}, section=SECTION)
    editor.client.workspace_did_change_configuration(types.DidChangeConfigurationParams(settings={}))

    def warned(key: str) -> bool:
        return any(f"{SECTION}.{key}" in m.message for m in editor.client.log_messages if m.type == types.MessageType.Warning)

    await editor.until(types.WINDOW_LOG_MESSAGE, lambda: warned("checkOn") and warned("variableNames") and warned("logLevel"))
    uri = editor.open(ROUTE)
    version = editor.replace(uri, "CREATE TABLE IF NOT EXISTS mason_users", "CREATE TABLE mason_users")
    # checkOn kept its default: typing is checked.
    assert "create-table-not-idempotent" in codes(await editor.diagnostics(uri, version=version))


async def test_the_project_config_file_decides_the_rules(editor: Editor) -> None:
    uri = editor.open(ROUTE)
    await editor.diagnostics(uri, version=1)
    version = editor.replace(uri, "CREATE TABLE IF NOT EXISTS mason_users", "CREATE TABLE mason_users")
    assert "create-table-not-idempotent" in codes(await editor.diagnostics(uri, version=version))
    editor.write("migration-lsp.toml", '[rules]\ncreate-table-not-idempotent = "off"\n')
    assert "create-table-not-idempotent" not in codes(await editor.settle(uri))
    editor.write("migration-lsp.toml", '[rules]\ncreate-table-not-idempotent = "warning"\n')
    (d,) = [d for d in await editor.settle(uri) if d.code == "create-table-not-idempotent"]
    assert d.severity == types.DiagnosticSeverity.Warning


async def test_a_broken_config_file_is_shown_and_defaults_apply(editor: Editor) -> None:
    uri = editor.open(ROUTE)
    await editor.diagnostics(uri, version=1)
    editor.write("migration-lsp.toml", "[rules\n")
    await editor.settle(uri)
    assert any("not valid TOML" in m.message and m.type == types.MessageType.Error for m in editor.client.messages)


async def test_file_watchers_are_registered_when_the_client_allows(editor: Editor) -> None:
    await editor.settle(editor.uri(ROUTE))
    watched = [r for r in editor.client.registrations if r.method == types.WORKSPACE_DID_CHANGE_WATCHED_FILES]
    if editor.capabilities == "visual_studio_code":
        (registration,) = watched
        patterns = [w["globPattern"] for w in registration.register_options["watchers"]]
        assert {"**/*.{cjs,cts,js,jsx,mjs,mts,ts,tsx}", "**/migration-lsp.toml", "**/*.md", "**/.git/HEAD"} <= set(patterns)
    else:  # Neovim 0.11 does not register watchers dynamically
        assert watched == []


async def test_indexing_reports_progress(editor: Editor) -> None:
    await editor.settle(editor.uri(ROUTE))
    reports = [values for values in editor.client.progress_reports.values() if values and values[0].kind == "begin" and values[0].title.startswith("Indexing")]
    (values,) = reports
    assert values[-1].kind == "end"
    assert any(v.kind == "report" and v.message.endswith(" files") for v in values)
