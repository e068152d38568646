"""The statement-local rules, run only where an edit can have changed what they find, report
what a fresh check does: after a parse that no check saw, after a check of the same parse, and
across edits that add, split or remove statements."""

from __future__ import annotations

from pathlib import Path

import pytest

from migration_lsp.config import Config
from migration_lsp.lint import check as check_module
from migration_lsp.lint.check import StatementResults, check
from migration_lsp.migration import parse_document

PATH = Path("src/migration.ts")
NAMES = ["MIGRATION_SQL"]
SQL = """CREATE TABLE IF NOT EXISTS a (id int);
DROP TABLE old_a;
CREATE TABLE b (id int);
DO $$ BEGIN
  DROP TABLE old_b;
END $$;
TRUNCATE c;
ALTER TABLE a ADD COLUMN IF NOT EXISTS b int;
"""
TEXT = f"export const MIGRATION_SQL = `\n{SQL}`;\n"

# (what to find in the text, where from it, how many characters to remove, what to type, check after it?)
EDITS = [
    ("old_a", 0, 0, "x", True),  # in a statement with a finding
    ("xold_a", 0, 1, "", False),  # parsed, never checked
    ("CREATE TABLE b", 0, 0, "DROP TABLE d;\n", True),  # adds a statement with a finding before others
    ("DROP TABLE d;\n", 0, 14, "", True),
    ("", 0, 0, "", True),  # the same parse checked again
    ("TRUNCATE c;", 10, 1, "", True),  # merges two statements
    ("TRUNCATE c\n", 10, 0, ";", True),  # and splits them again
    ("old_b", 0, 0, "y", True),  # inside a DO block
    ("TRUNCATE c;", 0, 0, "DROP TABLE old_a;\nCREATE TABLE IF NOT EXISTS a (id int);\n", True),  # texts twice, with a finding and without
    ("DROP TABLE old_a;\n", 0, 18, "", True),  # removes a statement with a finding
]


def test_statement_local_findings_after_edits_are_a_fresh_checks() -> None:
    config = Config(root=Path("."))
    results = StatementResults()
    text = TEXT
    doc = parse_document(PATH, text, NAMES)
    check([doc], config, statements=results)
    for find, offset, removed, typed, checked in EDITS:
        at = text.index(find) + offset
        text = text[:at] + typed + text[at + removed :]
        doc = parse_document(PATH, text, NAMES, previous=doc)
        if not checked:
            continue
        kept = check([doc], config, statements=results)
        fresh = check([parse_document(PATH, text, NAMES)], Config(root=Path(".")))
        assert [(f.rule, f.start, f.end, f.message) for f in kept.findings] == [(f.rule, f.start, f.end, f.message) for f in fresh.findings]
        assert {f.rule for f in kept.findings} >= {"drop-table"}


def test_the_texts_found_to_hold_nothing_are_let_go_of_when_many_edits_made_them(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(check_module, "_SLACK", 0)  # pruned as soon as they are twice those in use
    config = Config(root=Path("."))
    results = StatementResults()
    text = TEXT
    doc = parse_document(PATH, text, NAMES)
    check([doc], config, statements=results)
    for _ in range(30):  # a clean statement typed into: a new text each time
        at = text.index(" b int")
        text = text[:at] + " b" + text[at:]
        doc = parse_document(PATH, text, NAMES, previous=doc)
        kept = check([doc], config, statements=results)
        fresh = check([parse_document(PATH, text, NAMES)], Config(root=Path(".")))
        assert [(f.rule, f.start, f.end, f.message) for f in kept.findings] == [(f.rule, f.start, f.end, f.message) for f in fresh.findings]
