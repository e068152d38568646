"""Suppression comments in SQL and TypeScript, and `unused-suppression` for idle ones."""

from __future__ import annotations

from pathlib import Path

from hypothesis import given
from hypothesis import strategies as st

from migration_lsp.config import Config
from migration_lsp.findings import Finding
from migration_lsp.lint.check import check
from migration_lsp.lint.suppress import MARKER, marked
from migration_lsp.migration import parse_document

# The rules these tests suppress; the others (coverage, upgrade) would only add noise here.
RULES = (
    "drop-table",
    "truncate",
    "delete-rows",
    "rename",
    "drop-column",
    "create-table-not-idempotent",
    "add-column-not-idempotent",
    "unused-suppression",
)


def run(text: str, **config: object) -> list[Finding]:
    doc = parse_document(Path("route.ts"), text, ("MIGRATION_SQL",))
    result = check([doc], Config(root=Path("."), **config), select=RULES)  # type: ignore[arg-type]
    assert result.rule_errors == []
    return result.findings


def findings(text: str, **config: object) -> list[tuple[str, str]]:
    """(rule, the text it points at) for each finding, in document order."""
    return [(f.rule, text[f.start : f.end]) for f in run(text, **config)]


def sql(body: str) -> str:
    return f"export const MIGRATION_SQL = `\n{body}\n`;\n"


def test_without_suppressions() -> None:
    assert findings(sql("DROP TABLE a;")) == [("drop-table", "DROP TABLE a")]


def test_comment_on_the_line_above() -> None:
    assert findings(sql("-- migration-lsp: ignore drop-table -- legacy table, replaced by b\nDROP TABLE a;\nDROP TABLE c;")) == [("drop-table", "DROP TABLE c")]


def test_comment_on_the_statements_first_line() -> None:
    assert findings(sql("DROP TABLE a; -- migration-lsp: ignore drop-table\nDROP TABLE c;")) == [("drop-table", "DROP TABLE c")]
    assert findings(sql("/* migration-lsp: ignore drop-table */ DROP TABLE a;\nDROP TABLE c;")) == [("drop-table", "DROP TABLE c")]


def test_comment_covers_the_whole_statement() -> None:
    body = "-- migration-lsp: ignore add-column-not-idempotent, drop-column\nALTER TABLE a\n  ADD COLUMN b int,\n  DROP COLUMN c;"
    assert findings(sql(body)) == []


def test_comment_inside_a_statement_or_after_a_blank_line_does_not_apply() -> None:
    body = "DROP TABLE\n  a; -- migration-lsp: ignore drop-table\n-- migration-lsp: ignore truncate\n\nTRUNCATE b;"
    assert findings(sql(body)) == [
        ("drop-table", "DROP TABLE\n  a"),
        ("unused-suppression", "-- migration-lsp: ignore drop-table"),
        ("unused-suppression", "-- migration-lsp: ignore truncate"),
        ("truncate", "TRUNCATE b"),
    ]


def test_stacked_comments_apply_to_the_statement_below() -> None:
    body = "-- migration-lsp: ignore truncate -- emptied on purpose\n-- migration-lsp: ignore drop-table\nDROP TABLE d; TRUNCATE e;"
    assert findings(sql(body)) == []


def test_several_rules_in_one_comment() -> None:
    body = "TRUNCATE a; DROP TABLE a; -- migration-lsp: ignore drop-table, truncate"
    assert findings(sql(body)) == []


def test_comment_without_rules_hides_every_rule() -> None:
    assert findings(sql("-- migration-lsp: ignore\nDROP TABLE a;")) == []


def test_ignore_file_covers_the_whole_literal() -> None:
    body = "-- migration-lsp: ignore-file drop-table\nDROP TABLE a;\n\nCREATE TABLE b (id int);\nDROP TABLE c;"
    assert findings(sql(body)) == [("create-table-not-idempotent", "CREATE TABLE b (id int)")]


def test_ignore_file_is_limited_to_its_literal() -> None:
    text = sql("-- migration-lsp: ignore-file drop-table\nDROP TABLE a;") + "export const MIGRATION_SQL_2 = 1;\n" + sql("DROP TABLE z;")
    assert findings(text) == [("drop-table", "DROP TABLE z")]


def test_typescript_comment_above_the_declaration() -> None:
    text = "// migration-lsp: ignore drop-table -- legacy\n" + sql("DROP TABLE a;\nDROP TABLE b;\nTRUNCATE c;")
    assert findings(text) == [("truncate", "TRUNCATE c")]


def test_typescript_comments_stack_above_the_declaration() -> None:
    text = "// migration-lsp: ignore truncate\n// migration-lsp: ignore drop-table\n" + sql("DROP TABLE a;\nTRUNCATE c;")
    assert findings(text) == []


def test_typescript_comment_elsewhere_does_not_apply() -> None:
    text = "// migration-lsp: ignore drop-table\n\n" + sql("DROP TABLE a;")
    assert findings(text) == [
        ("unused-suppression", "// migration-lsp: ignore drop-table"),
        ("drop-table", "DROP TABLE a"),
    ]


def test_unused_suppressions() -> None:
    body = (
        "-- migration-lsp: ignore drop-table\n"
        "CREATE TABLE IF NOT EXISTS a (id int);\n"
        "TRUNCATE b; -- migration-lsp: ignore truncate, rename\n"
        "-- migration-lsp: ignore-file delete-rows\n"
        "-- migration-lsp: ignore\n"
        "SELECT 1;"
    )
    assert [(f.rule, f.severity, f.message) for f in run(sql(body))] == [
        ("unused-suppression", "info", "this suppression of drop-table hides nothing; remove it"),
        ("unused-suppression", "info", "this suppression of rename hides nothing for that rule; remove it from the comment"),
        ("unused-suppression", "info", "this suppression of delete-rows hides nothing; remove it"),
        ("unused-suppression", "info", "this suppression of any rule hides nothing; remove it"),
    ]


def test_suppression_of_a_rule_that_is_off_is_not_unused() -> None:
    text = sql("-- migration-lsp: ignore drop-table, truncate\nDROP TABLE a;")
    assert findings(text, rules={"drop-table": "off"}) == [("unused-suppression", "-- migration-lsp: ignore drop-table, truncate")]
    assert findings(sql("-- migration-lsp: ignore drop-table\nCREATE TABLE IF NOT EXISTS a (id int);"), rules={"drop-table": "off"}) == []


def test_suppressed_findings_do_not_count_at_any_level() -> None:
    assert findings(sql("DROP TABLE a; -- migration-lsp: ignore drop-table"), rules={"drop-table": "info"}) == []


@given(st.lists(st.sampled_from([MARKER, MARKER[:-1], MARKER[1:], ":", "::", "x", "\n", "x: string", "x" * 700]), max_size=60))
def test_marked_says_what_in_says(pieces: list[str]) -> None:
    text = "".join(pieces)
    assert marked(text) == (MARKER in text)
