"""What the cursor is on, where it is defined, where it is used and what may be typed there.

The language server turns these answers into hover, definition, references and completion;
tests/e2e/lsp/test_navigation.py holds them over the wire.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from migration_lsp.lint.check import load_projects
from migration_lsp.model.names import canonical
from migration_lsp.query.lookup import FUNCTION, TABLE, completion_at, definition, name_place, references, symbol_at
from migration_lsp.sql.facts import Name
from migration_lsp.workspace.project import Project

ROUTE = "src/app/api/setup/migrations/route.ts"
SQL = """
CREATE TABLE IF NOT EXISTS mason_users (
  id uuid PRIMARY KEY,
  email text
);
CREATE TABLE IF NOT EXISTS mason_notes (
  id uuid PRIMARY KEY,
  user_id uuid REFERENCES mason_users(id),
  body text
);
CREATE OR REPLACE FUNCTION count_notes() RETURNS int LANGUAGE sql AS $fn$ SELECT 1 $fn$;
"""
CODE = """\
import { supabase } from './supabase';

export const notes = () => supabase.from('mason_notes').select('id, body').eq('user_id', 'x');
export const count = () => supabase.rpc('count_notes');
"""


@pytest.fixture
def project(tmp_path: Path) -> Project:
    files = {
        "migration-lsp.toml": "",
        ROUTE: f"export const MIGRATION_SQL = `{SQL}`;\n",
        "src/lib/notes.ts": CODE,
        "src/lib/supabase.ts": "export const supabase = createClient('url', 'key');\n",
    }
    for name, text in files.items():
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(text, encoding="utf-8")
    (found,) = load_projects([tmp_path])
    return found


def path_of(project: Project, name: str) -> Path:
    return project.config.root / name


def text_of(project: Project, name: str) -> str:
    return project.texts[path_of(project, name)]


def at(project: Project, name: str, needle: str, nth: int = 0) -> int:
    """The offset just inside the ``nth`` occurrence of ``needle`` in file ``name``."""
    text, offset = text_of(project, name), -1
    for _ in range(nth + 1):
        offset = text.index(needle, offset + 1)
    return offset + 1


def test_a_table_in_the_code_is_the_canonical_name(project: Project) -> None:
    symbol = symbol_at(project, path_of(project, "src/lib/notes.ts"), at(project, "src/lib/notes.ts", "mason_notes"))
    assert symbol is not None and (symbol.kind, symbol.name) == (TABLE, canonical(Name("mason_notes")))


def test_a_table_in_the_sql_and_where_it_is_defined(project: Project) -> None:
    route = path_of(project, ROUTE)
    symbol = symbol_at(project, route, at(project, ROUTE, "mason_users(id)"))
    assert symbol is not None and symbol.kind == TABLE
    defined = definition(project, symbol)
    assert defined is not None
    place = name_place(defined)
    assert text_of(project, ROUTE)[place.start : place.end] == "mason_users"
    assert place.start == text_of(project, ROUTE).index("mason_users")  # the CREATE TABLE, not the reference


def test_a_function_called_through_rpc(project: Project) -> None:
    symbol = symbol_at(project, path_of(project, "src/lib/notes.ts"), at(project, "src/lib/notes.ts", "count_notes"))
    assert symbol is not None and symbol.kind == FUNCTION
    defined = definition(project, symbol)
    assert defined is not None and name_place(defined).path == path_of(project, ROUTE)


def test_nothing_between_names(project: Project) -> None:
    assert symbol_at(project, path_of(project, "src/lib/notes.ts"), at(project, "src/lib/notes.ts", "export")) is None
    assert symbol_at(project, path_of(project, ROUTE), at(project, ROUTE, "PRIMARY")) is None


def test_references_span_the_code_and_the_sql_in_order(project: Project) -> None:
    route, notes = path_of(project, ROUTE), path_of(project, "src/lib/notes.ts")
    symbol = symbol_at(project, notes, at(project, "src/lib/notes.ts", "mason_notes"))
    assert symbol is not None
    places = references(project, symbol)
    assert [(p.path, project.texts[p.path][p.start : p.end]) for p in places] == [(route, "mason_notes"), (notes, "'mason_notes'")]  # the code's string, quotes and all
    users = symbol_at(project, route, at(project, ROUTE, "mason_users"))
    assert users is not None and len(references(project, users)) == 2  # created, then referenced


def test_an_unknown_table_has_no_definition_but_its_uses(project: Project, tmp_path: Path) -> None:
    notes = path_of(project, "src/lib/notes.ts")
    text = CODE + "export const gone = () => supabase.from('mason_gone').select('*');\n"
    project.add(notes, text)
    symbol = symbol_at(project, notes, text.index("mason_gone") + 1)
    assert symbol is not None and definition(project, symbol) is None
    assert len(references(project, symbol)) == 1


@pytest.mark.parametrize(
    ("typed", "what"),
    [
        ("SELECT * FROM mas", "tables"),
        ("INSERT INTO ", "tables"),
        ("ALTER TABLE IF EXISTS ONLY m", "tables"),
        ("CREATE INDEX IF NOT EXISTS idx ON mason_notes (us", "columns"),
        ("SELECT 1 + ", None),
        ('CREATE INDEX ON "mason_notes (', None),  # a quoted name not closed yet: nothing to offer, no error
    ],
)
def test_completion_in_the_sql(project: Project, typed: str, what: str | None) -> None:
    route = path_of(project, ROUTE)
    text = text_of(project, ROUTE).replace("\n`;", f"\n{typed}`;")
    project.add(route, text)
    offset = text.index(typed) + len(typed)
    found = completion_at(project, route, text, offset)
    assert (found.what if found is not None else None) == what
    if found is not None:
        word = typed.rsplit(" ", 1)[-1].lstrip("(")
        assert text[found.start : found.end] == word
        if what == "columns":
            assert found.table == canonical(Name("mason_notes"))


@pytest.mark.parametrize(
    ("code", "what", "table"),
    [
        ("supabase.from('mas", "tables", None),
        ("supabase.from('mason_notes').select('id, bo", "columns", "mason_notes"),
        ("supabase.from('mason_notes').eq('us", "columns", "mason_notes"),
        ("supabase.from('mason_notes').order('x').limit(", None, None),
        ("console.log('mas", None, None),
    ],
)
def test_completion_in_the_code(project: Project, code: str, what: str | None, table: str | None) -> None:
    notes = path_of(project, "src/lib/notes.ts")
    text = CODE + f"export const typing = () => {code}');\n"
    project.add(notes, text)
    offset = text.index(code) + len(code)
    found = completion_at(project, notes, text, offset)
    assert (found.what if found is not None else None) == what
    if found is not None and table is not None:
        assert found.table == canonical(Name(table))
