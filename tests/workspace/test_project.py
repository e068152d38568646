"""A project's documents, kept current one file at a time."""

from __future__ import annotations

import pickle
from pathlib import Path

import pytest

from migration_lsp.config import Config
from migration_lsp.lint.check import RULE_NAMES
from migration_lsp.sql.analyze import analyze
from migration_lsp.workspace import project as project_module
from migration_lsp.workspace.index import code_facts
from migration_lsp.workspace.project import Project, load_projects

MIGRATION = """\
export const MIGRATION_SQL = `
CREATE TABLE IF NOT EXISTS kept_table (id UUID PRIMARY KEY);
CREATE TABLE IF NOT EXISTS typed_in (id UUID PRIMARY KEY, name TEXT);
DO $$ BEGIN
  ALTER TABLE kept_table ADD COLUMN IF NOT EXISTS note TEXT;
  ALTER TABLE typed_in ADD COLUMN IF NOT EXISTS flag BOOLEAN;
END $$;
`;
"""
KEPT = "CREATE TABLE IF NOT EXISTS kept_table (id UUID PRIMARY KEY)"
TYPED_IN = "CREATE TABLE IF NOT EXISTS typed_in (id UUID PRIMARY KEY, name TEXT)"
NESTED_KEPT = "ALTER TABLE kept_table ADD COLUMN IF NOT EXISTS note TEXT"
NESTED_TYPED_IN = "ALTER TABLE typed_in ADD COLUMN IF NOT EXISTS flag BOOLEAN"


def test_an_edit_forgets_the_facts_of_the_statements_it_replaced(tmp_path: Path) -> None:
    path = tmp_path / "route.ts"
    project = Project(Config(root=tmp_path))
    project.add(path, MIGRATION)
    known = {sql: analyze(sql) for sql in (KEPT, TYPED_IN, NESTED_KEPT, NESTED_TYPED_IN)}
    project.add(path, MIGRATION.replace("name TEXT", "namex TEXT").replace("flag BOOLEAN", "flags BOOLEAN"))
    # Typing leaves no fact behind per keystroke; what the edit did not touch is not read again,
    # also in an edited DO block.
    assert analyze(TYPED_IN) is not known[TYPED_IN]
    assert analyze(NESTED_TYPED_IN) is not known[NESTED_TYPED_IN]
    assert analyze(KEPT) is known[KEPT]
    assert analyze(NESTED_KEPT) is known[NESTED_KEPT]


def test_the_texts_an_editor_holds_are_read_instead_of_the_disk(tmp_path: Path) -> None:
    on_disk, held = tmp_path / "route.ts", tmp_path / "other.ts"
    on_disk.write_text(MIGRATION, encoding="utf-8")
    held.write_text("export const x = 1;\n", encoding="utf-8")
    typed = MIGRATION.replace("name TEXT", "title TEXT")
    [project] = load_projects([tmp_path], texts={held.resolve(): typed}, rule_names=frozenset())
    assert project.texts[held.resolve()] is typed
    assert project.texts[on_disk.resolve()] == MIGRATION
    assert set(project.documents) == {on_disk.resolve(), held.resolve()}


def _read(root: Path, workers: int) -> dict[str, object]:
    [project] = load_projects([root], rule_names=RULE_NAMES, workers=workers)
    refs = sorted((str(r.path.relative_to(root)), r.start, r.table.name, r.via) for r in project.index.table_refs())
    notices = sorted((str(n.path.relative_to(root)), n.message) for n in project.notices)
    return {"texts": project.texts, "documents": sorted(project.documents), "refs": refs, "notices": notices}


def test_worker_processes_read_a_large_workspace_as_this_one_does(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "tables.ts").write_text("export const TABLES = { NOTES: 'app_notes', TAGS: 'app_tags' } as const;\n")
    (tmp_path / "route.ts").write_text(MIGRATION)
    (tmp_path / "notes.md").write_text("# Notes\n")
    (tmp_path / "latin1.ts").write_bytes(b"// caf\xe9\n")  # each unreadable file keeps its notice
    for i in range(12):
        (tmp_path / f"use{i}.ts").write_text(
            "import { TABLES } from './tables';\n"
            f"export const q{i} = () => supabase.from(TABLES.{'NOTES' if i % 2 else 'TAGS'}).select('id');\n"
            f"export const r{i} = () => supabase.from('kept_table').select('id');\n"
        )
    # Small enough to read here, at every chunk boundary there.
    monkeypatch.setattr(project_module, "PARALLEL_FROM", 2)
    monkeypatch.setattr(project_module, "CHUNK", 3)
    alone = _read(tmp_path, workers=1)
    together = _read(tmp_path, workers=2)
    assert together == alone
    assert len(alone["refs"]) == 24 and alone["notices"]


def test_a_worker_sends_every_kind_of_index_fact_as_it_was_read(tmp_path: Path) -> None:
    # A constant, aliased and namespace imports, re-exports, a directive prologue, and calls
    # whose columns carry type hints: every class the facts are made of.
    files = {
        "tables.ts": "'use client';\nexport const TABLES = { NOTES: 'app_notes', TAGS: 'app.tags' } as const;\nexport * from './more';\nexport { x as y } from './other';\n",
        "use.ts": (
            "import { TABLES as T } from './tables';\nimport * as C from './tables';\n"
            "export const a = () => supabase.schema('app').from(T.NOTES).insert({ title: 'x', done: false, n: 1.5, tags: [] }).eq('id', 1);\n"
            "export const b = () => supabase.from(C.TABLES['TAGS']).select('id, label:name, owner(id)').order('name');\n"
            "export const c = () => supabase.rpc('touch');\n"
            "supabase.channel('c').on('postgres_changes', { schema: 'public', table: 'app_notes', filter: 'id=eq.1' }, f);\n"
        ),
        "plain.ts": "export const nothing = 1;\n",
    }
    jobs: list[tuple[Path | project_module.Unreadable, str]] = []
    for name, text in files.items():
        (tmp_path / name).write_text(text)
        jobs.append((tmp_path / name, "TABLES"))
    sent = pickle.loads(project_module._read_chunk(jobs))
    assert sent == [(text, code_facts(tmp_path / name, text, "TABLES")) for name, text in files.items()]
    assert sent[0][1].declarations.constant is not None and sent[1][1].refs


def test_the_schema_is_built_again_only_when_a_migration_changed(tmp_path: Path) -> None:
    path = tmp_path / "route.ts"
    project = Project(Config(root=tmp_path))
    project.add(path, MIGRATION)
    schema = project.schema()
    project.add(tmp_path / "other.ts", "export const x = 1;\n")
    assert project.schema() is schema
    project.add(path, MIGRATION.replace("name TEXT", "title TEXT"))
    assert project.schema() is not schema
    assert "title" in str(project.schema().table("typed_in"))
