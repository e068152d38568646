"""The editor shows exactly what ``migration-lsp --check`` prints, for the same files and config."""

from __future__ import annotations

from pathlib import Path

import pytest
from lsp_editor import DB, ROUTE, Editor, cli_findings, editor_findings

pytestmark = pytest.mark.asyncio


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


async def test_check_workspace_matches_the_command_line(editor: Editor) -> None:
    _break(editor.root)
    editor.write("migration-lsp.toml", (editor.root / "migration-lsp.toml").read_text())
    result = await editor.check_workspace()
    cli = cli_findings(editor.root)
    assert len({f[0] for f in cli}) >= 2 and {f[3] for f in cli} >= {"table-not-in-migration", "drop-table", "table-missing-index"}
    assert editor_findings(editor) == cli
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
    cli = [f for f in cli_findings(editor.root) if f[0] in opened]
    assert any(f[3] == "table-not-in-migration" and f[0].endswith(ROUTE) for f in cli)
    assert cli and [f for f in editor_findings(editor) if f[0] in opened] == cli
