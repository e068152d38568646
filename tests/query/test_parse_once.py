"""Each text is parsed once: the locator, the code index and completion share its tree."""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import pytest
import tree_sitter as ts

from migration_lsp.lint.check import check_project, load_projects
from migration_lsp.locate import typescript
from migration_lsp.query.lookup import completion_at

# The migration's document also queries the database, so the locator and the index both read it.
ROUTE = """\
import { supabase } from '../lib/supabase';

export const MIGRATION_SQL = `
CREATE TABLE IF NOT EXISTS mason_notes (id uuid PRIMARY KEY, body text);
`;
export const latest = () => supabase.from('mason_notes').select('id, body');
"""
CODE = "export const notes = () => supabase.from('mason_notes').select('id').eq('body', 'x');\n"


@pytest.fixture
def parses(monkeypatch: pytest.MonkeyPatch) -> Counter[bytes]:
    """How often tree-sitter parses each text from now on."""
    counts: Counter[bytes] = Counter()
    real = typescript._parser

    class Counting:
        def __init__(self, parser: ts.Parser) -> None:
            self.parser = parser

        def parse(self, data: bytes) -> ts.Tree:
            counts[data] += 1
            return self.parser.parse(data)

    monkeypatch.setattr(typescript, "_parser", lambda grammar: Counting(real(grammar)))
    return counts


def test_a_check_then_completions_parse_each_text_once(tmp_path: Path, parses: Counter[bytes]) -> None:
    # A marker of this test's own: no text another test parsed can be in the kept trees.
    marker = f"// {tmp_path.name}\n"
    files = {"migration-lsp.toml": "", "src/app/route.ts": marker + ROUTE, "src/lib/notes.ts": marker + CODE}
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    (project,) = load_projects([tmp_path])
    route, notes = tmp_path / "src/app/route.ts", tmp_path / "src/lib/notes.ts"
    assert project.documents.keys() == {route}
    check_project(project)
    for path in (route, notes):
        text = project.texts[path]
        offset = text.index(".select('") + len(".select('")
        found = completion_at(project, path, text, offset)
        assert found is not None and found.what == "columns"
    assert parses == {project.texts[route].encode(): 1, project.texts[notes].encode(): 1}
