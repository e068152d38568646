"""The language server under random edits ends with the diagnostics a fresh ``--check`` gives.

Slow: each example is an editor session. One server serves every example of a run, as it
serves a long editing session; each example opens the document, edits it, and closes it.
"""

from __future__ import annotations

import tempfile
from pathlib import Path
from typing import Any

import pytest
import pytest_lsp
from fuzzing import CONFIG, ROUTE, Source, edit, examples, typescript, write_project
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from lsp_editor import SERVER, Client, Editor, make_client, position
from lsprotocol import types
from pytest_lsp import ClientServerConfig, client_capabilities

from migration_lsp.lint.check import check_project, load_projects
from migration_lsp.positions import LineIndex

pytestmark = [pytest.mark.asyncio, pytest.mark.slow]

SEVERITIES = {"error": types.DiagnosticSeverity.Error, "warning": types.DiagnosticSeverity.Warning, "info": types.DiagnosticSeverity.Information}


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "migration-lsp.toml").write_text(CONFIG, encoding="utf-8")
    return tmp_path


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER, client_factory=make_client))
async def client(lsp_client: Client, root: Path):  # type: ignore[no-untyped-def]
    await lsp_client.initialize_session(
        types.InitializeParams(
            capabilities=client_capabilities("visual_studio_code"),
            workspace_folders=[types.WorkspaceFolder(root.as_uri(), root.name)],
        )
    )
    yield
    await lsp_client.shutdown_session()


@pytest.fixture
def editor(client: Client, root: Path) -> Editor:
    return Editor(client, root, "visual_studio_code")


def _fresh_check(text: str) -> list[tuple[Any, ...]]:
    """What ``--check`` reports for ``text`` as the route's content, as LSP would show it."""
    with tempfile.TemporaryDirectory() as tmp:
        path = write_project(Path(tmp), Source(text, "", "template", False))
        (project,) = load_projects([Path(tmp)])
        result = check_project(project)
        lines = LineIndex(text)
        return sorted((*lines.lsp_position(f.start), *lines.lsp_position(f.end), f.rule, SEVERITIES[f.severity], f.message) for f in result.findings if f.path == path)


def _shown(diagnostics: list[types.Diagnostic]) -> list[tuple[Any, ...]]:
    return sorted((d.range.start.line, d.range.start.character, d.range.end.line, d.range.end.character, str(d.code), d.severity, d.message) for d in diagnostics)


@settings(max_examples=examples(20), suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
@given(typescript(), st.data())
async def test_edits_end_on_the_diagnostics_of_a_fresh_check(editor: Editor, source: Source, data: st.DataObject) -> None:
    uri = editor.open(ROUTE, source.text)
    await editor.diagnostics(uri, version=1)
    for _ in range(data.draw(st.integers(1, 8))):
        text = editor.texts[uri]
        start, end, typed = data.draw(edit(text))
        editor.edit(uri, [types.TextEdit(types.Range(position(text, start), position(text, end)), typed)])
    final = editor.texts[uri]
    shown = await editor.settle(uri)
    editor.close(uri)
    assert _shown(shown) == _fresh_check(final), final
