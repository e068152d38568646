"""Coordinate conversion: document offsets ↔ LSP and CLI positions, SQL offsets ↔ document offsets."""

from __future__ import annotations

import random

import pytest

from migration_lsp.locate.typescript import find_literals
from migration_lsp.positions import LineIndex, Segment, SourceMap, escape_for_string, escape_for_template, unchanged_ends


@pytest.mark.parametrize("newline", ["\n", "\r\n", "\r"])
def test_line_breaks(newline: str) -> None:
    text = newline.join(["ab", "", "cd"])
    lines = LineIndex(text)
    c = text.index("c")
    assert lines.lsp_position(c) == (2, 0)
    assert lines.cli_position(c + 1) == (3, 2)
    assert lines.line_text(0) == "ab" and lines.line_text(1) == "" and lines.line_text(2) == "cd"
    assert lines.offset_of_lsp(2, 1) == c + 1


def test_mixed_line_breaks() -> None:
    lines = LineIndex("a\r\nb\rc\nd")
    assert [lines.line_text(i) for i in range(4)] == ["a", "b", "c", "d"]


def test_utf16_and_code_point_columns() -> None:
    text = "x\n😀é😀=1\n"
    lines = LineIndex(text)
    eq = text.index("=")
    assert lines.lsp_position(eq) == (1, 5)
    assert lines.cli_position(eq) == (2, 4)
    assert lines.offset_of_lsp(1, 5) == eq
    assert lines.offset_of_lsp(1, 2) == text.index("é")
    # a character inside a surrogate pair is not a position: it moves past the pair
    assert lines.offset_of_lsp(1, 1) == text.index("é")


def test_positions_are_clamped() -> None:
    text = "ab\ncd"
    lines = LineIndex(text)
    assert lines.lsp_position(-3) == (0, 0)
    assert lines.lsp_position(99) == (1, 2)
    assert lines.cli_position(len(text)) == (2, 3)
    assert lines.offset_of_lsp(-1, 0) == 0
    assert lines.offset_of_lsp(7, 0) == len(text)
    assert lines.offset_of_lsp(0, 99) == 2


def test_end_of_line_and_end_of_file() -> None:
    text = "ab\r\n"
    lines = LineIndex(text)
    assert lines.lsp_position(2) == (0, 2)
    assert lines.lsp_position(4) == (1, 0)


def test_an_index_derived_from_edits_is_the_index_of_the_new_text() -> None:
    # Chains of edits, as typing makes them: line breaks split and joined by an edit (a \r
    # before an inserted \n, a \r\n cut in two) and non-ASCII text, anywhere in short texts.
    rng = random.Random(7)
    pieces = ["a", "\n", "\r", "\r\n", "é", "😀"]
    for _ in range(1_000):
        derived = LineIndex("".join(rng.choice(pieces) for _ in range(rng.randrange(30))))
        for _ in range(20):
            old, text = derived, derived.text
            start = rng.randrange(len(text) + 1)
            end = rng.randrange(start, min(len(text), start + 4) + 1)
            new = "".join(rng.choice(pieces) for _ in range(rng.randrange(4)))
            derived = old.replaced(start, end, new)
            fresh = LineIndex(text[:start] + new + text[end:])
            assert derived.text == fresh.text
            assert [derived.line_start(line) for line in range(derived.line_count)] == fresh.starts, (text, start, end, new)
            assert [derived.line_of(offset) for offset in range(len(fresh.text) + 1)] == [fresh.line_of(offset) for offset in range(len(fresh.text) + 1)]
            # What the edit left alone, at both ends.
            assert derived.unchanged_ends(old) == (start, len(text) - end)
            assert fresh.unchanged_ends(old) == unchanged_ends(text, fresh.text)
        assert derived.starts == LineIndex(derived.text).starts


def test_the_same_texts_compared_again_share_the_same_ends() -> None:
    """The last pairs compared are answered from memory, by the texts' identity: a text equal to
    one of them but another object, or one of them with another partner, is compared anew."""
    old, new = "abcdef", "abXYdef"
    assert unchanged_ends(old, new) == (2, 3)
    assert unchanged_ends(new, old) == (2, 3)
    assert unchanged_ends(old, new) == (2, 3)
    assert unchanged_ends(old, "abXYde") == (2, 0)
    assert unchanged_ends("".join(["abc", "def"]), new[:-1]) == (2, 0)
    assert unchanged_ends("abc", "abc") == (3, 0)


def test_source_map_round_trip() -> None:
    # SQL "a\nb" from document `a\nb` at offset 10: one verbatim char, a two-char escape, one char
    sm = SourceMap([Segment(0, 10, 1, 1), Segment(1, 11, 1, 2), Segment(2, 13, 1, 1)], 3, 14)
    assert [sm.to_doc(i) for i in range(4)] == [10, 11, 13, 14]
    assert [sm.to_doc_end(i) for i in range(1, 4)] == [11, 13, 14]
    assert sm.to_doc_end(0) == 10
    assert [sm.to_sql(d) for d in range(9, 16)] == [None, 0, 1, 1, 2, 3, None]


def test_empty_literal() -> None:
    text = "const MIGRATION_SQL = ``;"
    lit = find_literals(text, "a.ts", frozenset({"MIGRATION_SQL"})).literals[0]
    assert lit.sql == ""
    assert lit.source_map.to_doc(0) == lit.doc_end - 1
    assert lit.doc_span(0, 0) == (lit.doc_end - 1, lit.doc_end - 1)
    assert lit.source_map.to_sql(lit.doc_start) is None


def test_every_offset_of_a_literal_round_trips() -> None:
    text = "/* ☃ */ const MIGRATION_SQL = `x\\u{1F600}\r\n😀 ${a} \\`y`;"
    lit = find_literals(text, "a.ts", frozenset({"MIGRATION_SQL"})).literals[0]
    sm = lit.source_map
    for i in range(len(lit.sql)):
        assert sm.to_doc(i) < sm.to_doc_end(i + 1)
        assert sm.to_sql(sm.to_doc(i)) <= i
    for d in range(lit.doc_start + 1, lit.doc_end):
        sql = sm.to_sql(d)
        assert sql is not None and sm.to_doc(sql) <= d


def test_escapes_round_trip_through_javascript_rules() -> None:
    sql = "a\\b`c${d}\ne'f\"g"
    for quote in ("'", '"'):
        text = f"const MIGRATION_SQL = {quote}{escape_for_string(sql, quote)}{quote};"
        assert find_literals(text, "a.ts", frozenset({"MIGRATION_SQL"})).literals[0].sql == sql
    text = f"const MIGRATION_SQL = `{escape_for_template(sql)}`;"
    assert find_literals(text, "a.ts", frozenset({"MIGRATION_SQL"})).literals[0].sql == sql
