"""After edits, a document parsed again from its last parse, and checked with what the last
check found, holds and reports exactly what a fresh parse and check do."""

from __future__ import annotations

from pathlib import Path

from fuzzing import Source, edit, examples, typescript
from hypothesis import given, settings
from hypothesis import strategies as st

from migration_lsp.config import Config
from migration_lsp.lint.check import StatementResults, check
from migration_lsp.migration import Document, parse_document

PATH = Path("src/migration.ts")
NAMES = ["MIGRATION_SQL"]


def _shape(doc: Document) -> list[object]:
    return [
        (
            m.sql,
            [(s.start, s.end, s.index, s.fact.text, [(n.start, n.end, n.fact.text) for n in s.nested()]) for s in m.statements],
            m.comments,
            m.semicolons,
            [(s.start, s.end, s.index, s.fact.text) for s in m.all_statements()],
        )
        for m in doc.migrations
    ]


def _listed_as_placed(doc: Document) -> bool:
    """Every statement a rule walks is the one its migration places, nested ones under their block."""
    for m in doc.migrations:
        listed, placed = list(m.all_statements()), [s for top in m.statements for s in (top, *top.nested())]
        if len(listed) != len(placed) or any(a is not b for a, b in zip(listed, placed)):
            return False
    return True


@settings(max_examples=examples(300))
@given(typescript(), st.data())
def test_reparse_after_edits_matches_a_fresh_parse(source: Source, data: st.DataObject) -> None:
    text = source.text
    doc = parse_document(PATH, text, NAMES)
    for _ in range(data.draw(st.integers(1, 6))):
        start, end, typed = data.draw(edit(text))
        text = text[:start] + typed + text[end:]
        doc = parse_document(PATH, text, NAMES, previous=doc)
        assert _shape(doc) == _shape(parse_document(PATH, text, NAMES))
        assert _listed_as_placed(doc)


@settings(max_examples=examples(150))
@given(typescript(), st.data())
def test_checks_after_edits_report_what_a_fresh_check_does(source: Source, data: st.DataObject) -> None:
    config = Config(root=Path("."))
    results = StatementResults()
    text = source.text
    doc = parse_document(PATH, text, NAMES)
    check([doc], config, statements=results)
    for _ in range(data.draw(st.integers(1, 5))):
        start, end, typed = data.draw(edit(text))
        text = text[:start] + typed + text[end:]
        doc = parse_document(PATH, text, NAMES, previous=doc)
        kept = check([doc], config, statements=results)
        fresh = check([parse_document(PATH, text, NAMES)], Config(root=Path(".")))
        assert kept.findings == fresh.findings
        assert kept.rule_errors == fresh.rule_errors
