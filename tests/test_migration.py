"""A literal parsed again after an edit, from its last parse, holds what a fresh parse of the
new text does: statements, nested ones under their new blocks, texts, comments and semicolons."""

from __future__ import annotations

from pathlib import Path

import pytest

from migration_lsp.migration import Document, Migration, parse_document

PATH = Path("src/migration.ts")
NAMES = ["MIGRATION_SQL"]

SQL = """-- the tables
CREATE TABLE IF NOT EXISTS a (id int);
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE policyname = 'p') THEN
    CREATE POLICY "p" ON a FOR ALL USING (true);
  END IF;
  BEGIN
    EXECUTE 'CREATE INDEX i ON a (id)';
  EXCEPTION WHEN duplicate_table THEN NULL;
  END;
END $$;
/* the second */ CREATE TABLE IF NOT EXISTS ${TABLE} (id int);
DO 'BEGIN CREATE TABLE IF NOT EXISTS c (id int); END';
-- the end
ALTER TABLE a ADD COLUMN IF NOT EXISTS b int;
"""
TEXT = f"const TABLE = 'b';\nexport const MIGRATION_SQL = `\n{SQL}`;\n"


def _shape(m: Migration) -> object:
    tops = [(s.start, s.end, s.index, s.fact.text, [(n.start, n.end, n.index, n.fact.text) for n in s.nested()]) for s in m.statements]
    listed = [(s.start, s.end, s.index, s.fact.text) for s in m.all_statements()]
    return (m.sql, tops, listed, m.texts, m.comments, m.comment_starts, m.semicolons, m.parses, m._executed, m._quoted_bodies)


def _check(doc: Document, text: str) -> None:
    fresh = parse_document(PATH, text, NAMES)
    assert [_shape(m) for m in doc.migrations] == [_shape(m) for m in fresh.migrations]
    for m in doc.migrations:
        assert [s.fact.text for s in m.statements] == m.texts
        for top in m.statements:
            # A block an edit moved places its nested statements under itself, where it now is.
            assert all(n.top is top and n.index == top.index for n in top.nested())
        placed = [s for top in m.statements for s in (top, *top.nested())]
        assert all(a is b for a, b in zip(m.all_statements(), placed, strict=True))


# (what to find in the text, where from it, how many characters to remove, what to type)
EDITS = [
    ("CREATE TABLE IF NOT EXISTS a", 0, 0, "x"),  # before every block, whose nested ones were placed
    ("xCREATE", 0, 1, ""),
    ("CREATE POLICY", 0, 0, "-- "),  # inside a DO body
    ("-- CREATE POLICY", 0, 3, ""),
    ("a (id int);", 11, 0, "\nCREATE TABLE z (id int);"),  # adds a statement before the blocks
    ("\nCREATE TABLE z (id int);", 0, 25, ""),
    ("(id int);\nDO $$", 8, 1, ""),  # merges the first statement with the block after it
    ("(id int)\nDO $$", 8, 0, ";"),  # and splits them again
    ("${TABLE}", 3, 0, "X"),  # inside the `${…}`
    ("${TXABLE}", 3, 1, ""),
    ("the second", 0, 0, "in "),  # in a comment before a statement
    ("'BEGIN", 1, 0, " "),  # inside a quoted DO body
    ("END $$;", 7, 0, "\nSELECT 1;"),  # between two blocks
    ("-- the end", 0, 0, "/* "),  # opens a comment that runs to the end
    ("/* -- the end", 0, 3, ""),
    ("ADD COLUMN", 0, 0, "x "),  # in the last statement
]


@pytest.mark.parametrize("asked", [True, False], ids=["nested-asked", "nested-unasked"])
def test_each_edit_parses_as_a_fresh_parse_does(asked: bool) -> None:
    text = TEXT
    doc = parse_document(PATH, text, NAMES)
    for find, offset, removed, typed in EDITS:
        if asked:  # as a rule that looked into every block would leave them
            for m in doc.migrations:
                list(m.all_statements())
        at = text.index(find) + offset
        text = text[:at] + typed + text[at + removed :]
        doc = parse_document(PATH, text, NAMES, previous=doc)
        _check(doc, text)


def test_the_last_parse_keeps_its_own_places() -> None:
    before = parse_document(PATH, TEXT, NAMES)
    m = before.migrations[0]
    shape = _shape(m)
    at = TEXT.index("CREATE TABLE IF NOT EXISTS a")
    after = parse_document(PATH, TEXT[:at] + "SELECT 1;\n" + TEXT[at:], NAMES, previous=before)
    assert _shape(m) == shape
    assert after.migrations[0].statements[1].start == m.statements[0].start + len("SELECT 1;\n")
