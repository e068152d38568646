"""The LSP form of findings: converted once while it does not change, and only what the last publish held kept."""

from __future__ import annotations

import json
from pathlib import Path

from lsprotocol import types
from lsprotocol.converters import get_converter

from migration_lsp.findings import Edit, Finding, Fix
from migration_lsp.lsp import convert
from migration_lsp.positions import LineIndex

PATH = Path("/app/route.ts")
TEXT = "export const MIGRATION_SQL = `\nCREATE TABLE a (id int);\nCREATE TABLE b (id int);\n`;\n"


def finding(text: str, needle: str, message: str = "not idempotent", title: str = "Add IF NOT EXISTS") -> Finding:
    start = text.index(needle)
    fix = Fix(title, (Edit(PATH, start + len("CREATE TABLE"), start + len("CREATE TABLE"), " IF NOT EXISTS"),))
    return Finding("create-table-not-idempotent", message, PATH, start, start + len(needle), fix)


def test_the_form_is_the_diagnostic_as_json_with_the_fix_but_not_its_edits() -> None:
    f = finding(TEXT, "CREATE TABLE b (id int)")
    (form,) = convert.Converted().diagnostics(PATH, LineIndex(TEXT), [f])
    assert form == get_converter().unstructure(convert.diagnostic(f, LineIndex(TEXT)))
    assert form["range"] == {"start": {"line": 2, "character": 0}, "end": {"line": 2, "character": 23}}
    assert form["data"] == {"title": "Add IF NOT EXISTS", "safe": True}
    json.dumps(form)


def test_a_finding_that_moved_only_in_offsets_is_not_converted_again() -> None:
    converted = convert.Converted()
    (before,) = converted.diagnostics(PATH, LineIndex(TEXT), [finding(TEXT, "CREATE TABLE b (id int)")])
    # Typing on the line above moves its offsets, not its line and column.
    typed = TEXT.replace("(id int);", "(id integer);", 1)
    (after,) = converted.diagnostics(PATH, LineIndex(typed), [finding(typed, "CREATE TABLE b (id int)")])
    assert after is before


def test_a_changed_range_message_or_fix_is_converted_again() -> None:
    converted = convert.Converted()
    index = LineIndex(TEXT)
    (first,) = converted.diagnostics(PATH, index, [finding(TEXT, "CREATE TABLE b (id int)")])
    longer = TEXT.replace("b (id int)", "b (id int, n int)")
    (moved,) = converted.diagnostics(PATH, LineIndex(longer), [finding(longer, "CREATE TABLE b (id int, n int)")])
    assert moved["range"]["end"] == {"line": 2, "character": 30}
    (reworded,) = converted.diagnostics(PATH, index, [finding(TEXT, "CREATE TABLE b (id int)", message="other words")])
    (retitled,) = converted.diagnostics(PATH, index, [finding(TEXT, "CREATE TABLE b (id int)", title="Other fix")])
    assert reworded["message"] == "other words" and retitled["data"]["title"] == "Other fix"
    assert len({id(first), id(moved), id(reworded), id(retitled)}) == 4


def test_only_the_last_publish_of_each_file_is_kept() -> None:
    converted = convert.Converted()
    index = LineIndex(TEXT)
    a, b = finding(TEXT, "CREATE TABLE a (id int)"), finding(TEXT, "CREATE TABLE b (id int)")
    (kept,) = converted.diagnostics(PATH, index, [a])
    other = Path("/app/other.ts")
    converted.diagnostics(other, index, [a])
    assert converted.diagnostics(PATH, index, [a]) == [kept] and converted.diagnostics(PATH, index, [a])[0] is kept
    converted.diagnostics(PATH, index, [b])  # a is no longer published
    (again,) = converted.diagnostics(PATH, index, [a])
    assert again == kept and again is not kept
    assert converted.diagnostics(PATH, index, []) == []
    assert converted.diagnostics(PATH, index, [a])[0] is not again


def test_a_fix_is_found_again_only_where_its_diagnostic_says() -> None:
    f = finding(TEXT, "CREATE TABLE b (id int)")
    d = get_converter().structure(convert.Converted().diagnostics(PATH, LineIndex(TEXT), [f])[0], types.Diagnostic)
    assert convert.fix_for(d, [f], LineIndex(TEXT)) is f.fix
    # The text changed under the diagnostic: a line above moves the finding down.
    moved = TEXT.replace("CREATE TABLE a", "-- a\nCREATE TABLE a")
    assert convert.fix_for(d, [finding(moved, "CREATE TABLE b (id int)")], LineIndex(moved)) is None
    assert convert.fix_for(d, [finding(TEXT, "CREATE TABLE b (id int)", title="Other fix")], LineIndex(TEXT)) is None
