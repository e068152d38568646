"""Reading the "Required Tables" checklist of a rules document, and writing it back."""

from __future__ import annotations

from pathlib import Path

from migration_lsp.workspace.checklist import escape_cell, find_checklists, render_table

PATH = Path("docs/database-migrations.md")

RULEBOOK = """\
# Database Migrations Rules

## Required Tables Checklist

When modifying migrations, ensure ALL of these tables are included:

| Table | Purpose | Required |
|-------|---------|----------|
| `mason_users` | User accounts | ✓ |
| `mason_api_keys` | CLI authentication | ✓ |
| `mason_legacy_events` | Kept for old clients | — |

## Audit Process
"""


def test_reads_the_rulebook_table() -> None:
    (checklist,) = find_checklists(PATH, RULEBOOK)
    assert checklist.heading == "Required Tables Checklist"
    assert checklist.header == ("Table", "Purpose", "Required")
    assert checklist.tables == ["mason_users", "mason_api_keys", "mason_legacy_events"]
    assert [r.required for r in checklist.rows] == [True, True, False]
    assert checklist.backticks
    first = checklist.rows[0]
    assert RULEBOOK[first.name_start : first.name_end] == "mason_users"
    assert RULEBOOK[first.start : first.end] == "| `mason_users` | User accounts | ✓ |"
    assert RULEBOOK[checklist.start : checklist.header_end] == "| Table | Purpose | Required |"
    assert RULEBOOK[checklist.start : checklist.end].endswith("| `mason_legacy_events` | Kept for old clients | — |")
    assert checklist.column("purpose") == 1 and checklist.column("required") == 2


def test_heading_variants_and_plain_names() -> None:
    text = "### Required tables\n\n| Name |\n| :--- |\n| users |\n| **teams** |\n| [audit.events](x.md) |\n"
    (checklist,) = find_checklists(PATH, text)
    assert checklist.tables == ["users", "teams", "audit.events"]
    assert not checklist.backticks
    assert all(r.required for r in checklist.rows)  # no Required column: every row is required


def test_what_is_not_a_checklist() -> None:
    no_heading = "# Tables\n\n| Table |\n|---|\n| users |\n"
    not_names = "## Required Tables\n\n| Step | Done |\n|---|---|\n| Add an index to it | ✓ |\n"
    next_section = "## Required Tables\n\nSee below.\n\n## Other\n\n| Table |\n|---|\n| users |\n"
    fenced = "## Required Tables\n\n```\n| Table |\n|---|\n| users |\n```\n"
    for text in (no_heading, not_names, next_section, fenced):
        assert find_checklists(PATH, text) == [], text


def test_crlf_documents() -> None:
    text = RULEBOOK.replace("\n", "\r\n")
    (checklist,) = find_checklists(PATH, text)
    assert checklist.newline == "\r\n"
    assert text[checklist.rows[1].start : checklist.rows[1].end] == "| `mason_api_keys` | CLI authentication | ✓ |"


def test_render_round_trips() -> None:
    (checklist,) = find_checklists(PATH, RULEBOOK)
    rows = [list(r.cells) for r in checklist.rows]
    assert render_table(checklist.header, checklist.separator, rows) == RULEBOOK[checklist.start : checklist.end]
    assert escape_cell("a | b") == "a \\| b"
