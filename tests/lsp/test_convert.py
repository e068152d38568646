"""The LSP form of findings: converted once while it does not change, and only what the last publish held kept."""

from __future__ import annotations

import io
import json
import random
import re
from pathlib import Path
from typing import Callable

import pytest
from lsprotocol import types
from lsprotocol.converters import get_converter
from pygls.io_ import StdoutWriter

from migration_lsp.findings import Edit, Finding, Fix
from migration_lsp.lsp import convert
from migration_lsp.lsp.server import MigrationServer
from migration_lsp.positions import LineIndex

PATH = Path("/app/route.ts")
TEXT = "export const MIGRATION_SQL = `\nCREATE TABLE a (id int);\nCREATE TABLE b (id int);\n`;\n"


def finding(text: str, needle: str, message: str = "not idempotent", title: str = "Add IF NOT EXISTS") -> Finding:
    start = text.index(needle)
    fix = Fix(title, (Edit(PATH, start + len("CREATE TABLE"), start + len("CREATE TABLE"), " IF NOT EXISTS"),))
    return Finding("create-table-not-idempotent", message, PATH, start, start + len(needle), fix)


def fresh(f: Finding, index: LineIndex) -> str:
    """What ``json.dumps`` writes of the diagnostic of ``f``, converted anew."""
    return json.dumps(convert.CONVERTER.unstructure(convert.diagnostic(f, index)))


def test_the_form_is_the_diagnostic_as_json_with_the_fix_but_not_its_edits() -> None:
    f = finding(TEXT, "CREATE TABLE b (id int)")
    (form,) = convert.Converted().diagnostics(PATH, LineIndex(TEXT), [f])
    assert form == fresh(f, LineIndex(TEXT))
    assert json.loads(form)["range"] == {"start": {"line": 2, "character": 0}, "end": {"line": 2, "character": 23}}
    assert json.loads(form)["data"] == {"title": "Add IF NOT EXISTS", "safe": True}


def test_a_finding_that_moved_only_in_offsets_is_not_converted_again() -> None:
    converted = convert.Converted()
    (before,) = converted.diagnostics(PATH, LineIndex(TEXT), [finding(TEXT, "CREATE TABLE b (id int)")])
    # Typing on the line above moves its offsets, not its line and column.
    typed = TEXT.replace("(id int);", "(id integer);", 1)
    (after,) = converted.diagnostics(PATH, LineIndex(typed), [finding(typed, "CREATE TABLE b (id int)")])
    assert after is before


def test_a_finding_before_the_change_is_not_converted_again() -> None:
    converted = convert.Converted()
    (before,) = converted.diagnostics(PATH, LineIndex(TEXT), [finding(TEXT, "CREATE TABLE a (id int)")])
    typed = TEXT.replace("b (id int)", "b (id int, n int)\n\n")
    (after,) = converted.diagnostics(PATH, LineIndex(typed), [finding(typed, "CREATE TABLE a (id int)")])
    assert after is before


def test_a_finding_moved_by_lines_keeps_its_column() -> None:
    converted = convert.Converted()
    converted.diagnostics(PATH, LineIndex(TEXT), [finding(TEXT, "TABLE b (id int)")])
    typed = TEXT.replace("(id int);", "(id int);\n-- é\n", 1)
    f = finding(typed, "TABLE b (id int)")
    (after,) = converted.diagnostics(PATH, LineIndex(typed), [f])
    assert after == fresh(f, LineIndex(typed))
    assert json.loads(after)["range"] == {"start": {"line": 4, "character": 7}, "end": {"line": 4, "character": 23}}


def test_a_changed_range_message_or_fix_is_converted_again() -> None:
    converted = convert.Converted()
    index = LineIndex(TEXT)
    (first,) = converted.diagnostics(PATH, index, [finding(TEXT, "CREATE TABLE b (id int)")])
    longer = TEXT.replace("b (id int)", "b (id int, n int)")
    (moved,) = converted.diagnostics(PATH, LineIndex(longer), [finding(longer, "CREATE TABLE b (id int, n int)")])
    assert json.loads(moved)["range"]["end"] == {"line": 2, "character": 30}
    (reworded,) = converted.diagnostics(PATH, index, [finding(TEXT, "CREATE TABLE b (id int)", message="other words")])
    (retitled,) = converted.diagnostics(PATH, index, [finding(TEXT, "CREATE TABLE b (id int)", title="Other fix")])
    assert json.loads(reworded)["message"] == "other words" and json.loads(retitled)["data"]["title"] == "Other fix"
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


# Line breaks of each kind, characters of two UTF-16 units, and a "\r" an edit may split from its "\n".
PIECES = ["CREATE TABLE t (id int);", "\n", "\r\n", "\r", "é", "😀", " ", "x"]


@pytest.mark.parametrize("derived", [False, True], ids=["indexed afresh", "index derived from the edit"])
def test_after_random_edits_the_diagnostics_are_those_of_a_fresh_conversion(derived: bool) -> None:
    rng = random.Random(7)
    converted = convert.Converted()
    text = "".join(rng.choice(PIECES) for _ in range(60))
    index = LineIndex(text)
    for _ in range(1000):
        at = rng.randrange(len(text) + 1)
        end = min(len(text), at + rng.choice([0, 0, 1, 3, 16]))
        new = "".join(rng.choice(PIECES) for _ in range(rng.choice([0, 1, 1, 3])))
        text = text[:at] + new + text[end:]
        index = index.replaced(at, end, new) if derived else LineIndex(text)
        # Findings on every table, on the spans between them and on each carriage return, as rules place them on statements and lines.
        tables = [m.start() for m in re.finditer("CREATE TABLE", text)]
        findings = [Finding("create-table-not-idempotent", "not idempotent", PATH, s, s + 23) for s in tables]
        findings += [Finding("drop-table", "spans", PATH, s, e, severity="warning") for s, e in zip(tables, tables[1:])]
        findings += [Finding("transaction-control", "a break", PATH, m.start(), m.end(), severity="info") for m in re.finditer("\r", text)]
        findings.append(Finding("syntax-error", "at the end", PATH, len(text), len(text) + 5))
        assert converted.diagnostics(PATH, index, findings) == [fresh(f, index) for f in findings], repr(text)


def sent(send: Callable[[MigrationServer], None]) -> bytes:
    """The bytes a server writes to the client when ``send`` sends through it."""
    server = MigrationServer()
    out = io.BytesIO()
    server.protocol.set_writer(StdoutWriter(out))
    send(server)
    return out.getvalue()


def test_the_text_of_changes_is_indexed_as_a_fresh_text_would_be() -> None:
    text = "ab\r\ncd\ref\n"
    full = types.TextDocumentContentChangeWholeDocument(text="x\ny\r")
    changes = [
        types.TextDocumentContentChangePartial(range=types.Range(types.Position(0, 2), types.Position(1, 1)), text="\n"),
        types.TextDocumentContentChangePartial(range=types.Range(types.Position(1, 0), types.Position(1, 0)), text="\r"),
        full,
        types.TextDocumentContentChangePartial(range=types.Range(types.Position(1, 1), types.Position(1, 1)), text="\n"),
    ]
    for n in range(1, len(changes) + 1):
        new, clamped = convert.apply_changes(text, changes[:n])
        assert not clamped
        assert convert.lines(new).starts == LineIndex(new).starts, n


def test_the_notification_is_the_json_pygls_would_write_of_the_same_values() -> None:
    uri = "file:///app/r%C3%A9/route.ts"
    findings = [finding(TEXT, "CREATE TABLE a (id int)"), finding(TEXT, "CREATE TABLE b (id int)", message="pas idempotent: « b »")]
    diagnostics = convert.Converted().diagnostics(PATH, LineIndex(TEXT), findings)
    for version in (None, 3):
        params: dict[str, object] = {"uri": uri, "diagnostics": [json.loads(d) for d in diagnostics]}
        if version is not None:
            params["version"] = version
        as_values = sent(lambda server: server.protocol._send_data({"jsonrpc": "2.0", "method": types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS, "params": params}))
        as_text = sent(lambda server: server.notify_json(types.TEXT_DOCUMENT_PUBLISH_DIAGNOSTICS, convert.notification_params(uri, version, diagnostics)))
        assert as_text == as_values


def test_a_fix_is_found_again_only_where_its_diagnostic_says() -> None:
    f = finding(TEXT, "CREATE TABLE b (id int)")
    d = get_converter().structure(json.loads(convert.Converted().diagnostics(PATH, LineIndex(TEXT), [f])[0]), types.Diagnostic)
    assert convert.fix_for(d, [f], LineIndex(TEXT)) is f.fix
    # The text changed under the diagnostic: a line above moves the finding down.
    moved = TEXT.replace("CREATE TABLE a", "-- a\nCREATE TABLE a")
    assert convert.fix_for(d, [finding(moved, "CREATE TABLE b (id int)")], LineIndex(moved)) is None
    assert convert.fix_for(d, [finding(TEXT, "CREATE TABLE b (id int)", title="Other fix")], LineIndex(TEXT)) is None
