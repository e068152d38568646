"""One pass of every safe fix writes code that still parses, in every kind of literal.

The fixed literal is handed to Node (`node --check`), which must accept it; the checker must
find it again, and what a safe fix could remove must be gone after that one pass.
"""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

from migration_lsp.findings import Finding
from migration_lsp.fixes.apply import apply_edits, plan_safe_fixes
from migration_lsp.lint.check import check, load_projects
from migration_lsp.locate.typescript import find_literals

NODE = shutil.which("node")
ROUTE = "src/migration.ts"
TABLE = "CREATE TABLE IF NOT EXISTS {t} (id uuid PRIMARY KEY);\nCREATE INDEX IF NOT EXISTS notes_id_idx ON {t} (id);"

CASES = {
    "template": f'export const MIGRATION_SQL = `\n{TABLE.format(t="notes")}\nCREATE POLICY "notes: all" ON notes USING (true);\n`;\n',
    "string-raw": f"export const MIGRATION_SQL = String.raw`\n{TABLE.format(t='notes')}\n`;\n",
    "quoted-string": "export const MIGRATION_SQL = 'CREATE TABLE IF NOT EXISTS notes (id uuid PRIMARY KEY); CREATE INDEX IF NOT EXISTS n_idx ON notes (id)';\n",
    "no-semicolon": f"export const MIGRATION_SQL = `\n{TABLE.format(t='notes').rstrip(';')}`;\n",
    "embedded-quote": "export const MIGRATION_SQL = `\n" + TABLE.format(t='"a""b"') + "\n`;\n",
    "crlf-one-line": "// notes\r\nexport const MIGRATION_SQL = `CREATE TABLE IF NOT EXISTS notes (id uuid PRIMARY KEY); CREATE INDEX IF NOT EXISTS n_idx ON notes (id);`;\r\n",
}
# The code uses tables whose names String.raw cannot hold.
CODE = {
    "string-raw": "export const q = (s: any, y: string) => [s.from('we`ird'), s.from(`a${y}`), s.from('plain_one')];\n",
}


def _project(root: Path):  # type: ignore[no-untyped-def]
    (project,) = load_projects([root])
    return project


def _findings(root: Path) -> list[Finding]:
    project = _project(root)
    result = check(list(project.documents.values()), project.config, workspace=project.index, read_text=project.texts.get)
    assert not result.rule_errors
    return result.findings


def _fix_once(root: Path) -> None:
    for path, edits in plan_safe_fixes(_findings(root)).items():
        path.write_bytes(apply_edits(path.read_bytes().decode("utf-8"), edits).encode("utf-8"))


def _node_check(text: str, tmp_path: Path) -> None:
    """Node parses the literal as the file writes it."""
    (lit,) = find_literals(text, ROUTE, frozenset({"MIGRATION_SQL"})).literals
    start = lit.doc_start - len("String.raw") if lit.parts[0].kind == "raw" else lit.doc_start
    module = tmp_path / "literal.mjs"
    module.write_text(f"export const MIGRATION_SQL = {text[start : lit.doc_end]};\n", encoding="utf-8")
    run = subprocess.run([NODE or "node", "--check", str(module)], capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr


@pytest.mark.skipif(NODE is None, reason="node is not installed")
@pytest.mark.parametrize("name", CASES)
def test_one_fix_pass_writes_code_node_accepts(tmp_path: Path, name: str) -> None:
    root = tmp_path / "app"
    root.mkdir()
    (root / "migration-lsp.toml").write_text('variable-names = ["MIGRATION_SQL"]\nbaseline = ""\n')
    (root / ROUTE).parent.mkdir()
    (root / ROUTE).write_bytes(CASES[name].encode("utf-8"))
    if name in CODE:
        (root / "src/q.ts").write_text(CODE[name], encoding="utf-8")
    _fix_once(root)
    text = (root / ROUTE).read_bytes().decode("utf-8")
    _node_check(text, tmp_path)
    if "\r\n" in CASES[name]:
        assert "\n" not in text.replace("\r\n", "")
    left = _findings(root)
    assert _project(root).documents, "the fixed literal is found again"
    assert [f for f in left if f.rule in ("syntax-error", "table-missing-policy", "policy-not-guarded")] == []
    if name not in CODE:
        assert [f.rule for f in left if f.offered_fix is not None and f.fix.safe] == []
        assert [f for f in left if f.rule == "table-missing-rls"] == []
    else:
        # The names String.raw cannot hold get no fix; the plain one keeps its own.
        assert "we`ird" not in text and "${" not in text
        assert "plain_one" in text or any("plain_one" in f.message and f.offered_fix is not None and f.fix.safe for f in left)
        assert [f for f in left if "we`ird" in f.message and f.offered_fix is not None] == []
