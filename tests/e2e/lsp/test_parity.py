"""The editor shows exactly what ``migration-lsp --check`` prints, for the same files and config."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from lsp_editor import DB, ROUTE, Editor

from migration_lsp.positions import LineIndex

pytestmark = pytest.mark.asyncio

SEVERITIES = {1: "error", 2: "warning", 3: "info"}


def _break(root: Path) -> None:
    """Findings of every kind: per statement, cross-file, with a config level, after non-ASCII text."""
    route = root / ROUTE
    route.write_text(
        route.read_text().replace(
            "-- People who sign in.",
            "-- People who sign in.\nCREATE TABLE mason_settings (key text PRIMARY KEY); /* 👤 café */ DROP TABLE IF EXISTS mason_old;",
        )
    )
    db = root / DB
    db.write_text(db.read_text().replace(".from(TABLES.USERS)", '.from("mason_users").select("id").eq("é", 1).from("mason_audit")'))
    (root / "migration-lsp.toml").write_text('[rules]\ntable-missing-index = "warning"\nhardcoded-table-name = "off"\n')


def _cli(root: Path) -> list[tuple[str, int, int, str, str, str]]:
    out = subprocess.run(
        [sys.executable, "-m", "migration_lsp", "--check", ".", "--format", "json"],
        cwd=root,
        capture_output=True,
        text=True,
        check=False,
    )
    assert out.returncode in (0, 1), out.stderr
    found = []
    for d in json.loads(out.stdout)["diagnostics"]:
        path = (root / d["path"]).resolve()
        index = LineIndex(path.read_text())
        start = index.starts[d["line"] - 1] + d["column"] - 1
        end = index.starts[d["end_line"] - 1] + d["end_column"] - 1
        found.append((str(path), start, end, d["rule"], d["severity"], d["message"]))
    return sorted(found)


def _editor(editor: Editor) -> list[tuple[str, int, int, str, str, str]]:
    latest = {}
    for params in editor.client.published:
        latest[params.uri] = params.diagnostics
    found = []
    for uri, diagnostics in latest.items():
        path = editor.path(uri).resolve()
        index = LineIndex(path.read_text())
        for d in diagnostics:
            start = index.offset_of_lsp(d.range.start.line, d.range.start.character)
            end = index.offset_of_lsp(d.range.end.line, d.range.end.character)
            found.append((str(path), start, end, str(d.code), SEVERITIES[d.severity], d.message))
    return sorted(found)


async def test_check_workspace_matches_the_command_line(editor: Editor) -> None:
    _break(editor.root)
    editor.write("migration-lsp.toml", (editor.root / "migration-lsp.toml").read_text())
    result = await editor.check_workspace()
    cli = _cli(editor.root)
    assert len({f[0] for f in cli}) >= 2 and {f[3] for f in cli} >= {"table-not-in-migration", "drop-table", "table-missing-index"}
    assert _editor(editor) == cli
    assert result == {"filesWithFindings": len({f[0] for f in cli})}


# A second literal: a finding about every migration (the literal naming all missing tables)
# must stay on the same one whichever document the editor opened first.
SECOND = "src/app/api/setup/seed/route.ts"


@pytest.mark.parametrize("order", [(ROUTE, SECOND, DB), (SECOND, DB, ROUTE), (DB, SECOND, ROUTE)])
async def test_open_documents_match_the_command_line(editor: Editor, order: tuple[str, ...]) -> None:
    _break(editor.root)
    editor.write("migration-lsp.toml", (editor.root / "migration-lsp.toml").read_text())
    (editor.root / SECOND).parent.mkdir(parents=True)
    editor.write(SECOND, "export const MIGRATION_SQL = `DROP TABLE IF EXISTS mason_seed_old;`;\n")
    opened_docs = [editor.open(name) for name in order]
    for doc in opened_docs:
        await editor.diagnostics(doc, version=1)
    await editor.settle(opened_docs[0])
    opened = {str(editor.path(doc)) for doc in opened_docs}
    cli = [f for f in _cli(editor.root) if f[0] in opened]
    assert any(f[3] == "table-not-in-migration" and f[0].endswith(ROUTE) for f in cli)
    assert cli and [f for f in _editor(editor) if f[0] in opened] == cli
