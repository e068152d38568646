"""However a document is typed, what the editor ends on is what a fresh ``--check`` reports.

Each burst is sent without waiting, the way a fast typist's keystrokes arrive: characters
one by one, deletions, edits that split one statement in two and merge two into one, and
edits inside a ``DO`` block and a ``${…}``. After each burst the document is saved, and the
diagnostics of every file are compared with a fresh check of the disk, for both clients.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest
from lsp_editor import ROUTE, Editor, cli_findings, editor_findings
from lsprotocol import types

pytestmark = pytest.mark.asyncio

NEW_TABLE = "\nCREATE TABLE mason_notes (id uuid PRIMARY KEY, user_id uuid REFERENCES mason_users (id));\n"


def type_out(editor: Editor, uri: str, after: str, typed: str) -> None:
    """Type ``typed`` right after the first ``after``, one character per change."""
    for i, char in enumerate(typed):
        at = editor.position_of(uri, after, offset=len(after) + i)
        editor.edit(uri, [types.TextEdit(types.Range(at, at), char)])


def delete_back(editor: Editor, uri: str, needle: str) -> None:
    """Delete ``needle`` with backspace, one character per change."""
    for i in range(len(needle)):
        rest = needle[: len(needle) - i]
        editor.replace(uri, rest, rest[:-1])


def split_and_merge(editor: Editor, uri: str) -> None:
    # A semicolon typed inside a CREATE TABLE splits it; taken away, the two merge again.
    type_out(editor, uri, "email text NOT NULL,", ";")
    delete_back(editor, uri, "NOT NULL,;")
    type_out(editor, uri, "email text ", "NOT NULL,")
    # Two statements merged for good: the index loses its semicolon.
    editor.replace(uri, "(email);", "(email)")


def inside_do(editor: Editor, uri: str) -> None:
    # The guard and the policy part ways, inside the DO block's dollar quotes.
    editor.replace(uri, "policyname = 'Allow all on users'", "policyname = 'Allow all on people'")
    type_out(editor, uri, "$$ BEGIN\n", "  RAISE NOTICE 'typing';\n")


def inside_substitution(editor: Editor, uri: str) -> None:
    type_out(editor, uri, "CREATE TABLE IF NOT EXISTS mason_", "${prefix}_")
    editor.replace(uri, "${prefix}_", "${prefix + suffix}_")


def new_statement_then_delete_another(editor: Editor, uri: str) -> None:
    type_out(editor, uri, "ENABLE ROW LEVEL SECURITY;\n", NEW_TABLE)
    text = editor.texts[uri]
    start = text.index("DO $$ BEGIN\n  IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE tablename = 'mason_api_keys'")
    end = text.index("END $$;", start) + len("END $$;")
    editor.edit(uri, [types.TextEdit(editor.range_of(uri, text[start:end]), "")])


BURSTS: dict[str, Callable[[Editor, str], None]] = {
    "split_and_merge": split_and_merge,
    "inside_do": inside_do,
    "inside_substitution": inside_substitution,
    "new_statement_then_delete_another": new_statement_then_delete_another,
}


async def test_every_burst_ends_on_what_a_fresh_check_reports(editor: Editor) -> None:
    uri = editor.open(ROUTE)
    await editor.diagnostics(uri, version=1)
    for name, burst in BURSTS.items():
        burst(editor, uri)
        last = editor.versions[uri]
        await editor.diagnostics(uri, version=last)
        await editor.settle(uri)  # the files that the route's findings reach are published too
        (editor.root / ROUTE).write_text(editor.texts[uri])
        assert editor_findings(editor) == cli_findings(editor.root), f"after {name}"
    # Every burst changed the findings: the comparison was never between two empty lists.
    assert {f[3] for f in cli_findings(editor.root)} >= {"policy-guard-mismatch", "create-table-not-idempotent", "syntax-error"}
