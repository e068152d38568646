"""used-before-created keeps what it reads of each run of statements by their texts: after
edits that change one run, or add a statement and move every run after it, it still reports
what it reports of the same text checked fresh, and where a table is first used."""

from __future__ import annotations

from pathlib import Path

from migration_lsp.config import Config
from migration_lsp.lint.check import StatementResults, check
from migration_lsp.migration import Document, parse_document
from migration_lsp.rules.tables import RUN

PATH = Path("route.ts")
NAMES = ["MIGRATION_SQL"]
TABLES = 2 * RUN + 10  # with their indexes, four runs of statements and a part of one


def _create(i: int) -> str:
    return f"CREATE TABLE IF NOT EXISTS t_{i} (id INT PRIMARY KEY, parent INT REFERENCES t_{max(i - 1, 0)}(id));"


def _sql(tables: list[str], *tail: str) -> str:
    indexes = [f"CREATE INDEX IF NOT EXISTS idx_t_{i} ON t_{i}(parent);" for i in range(TABLES)]
    return "\n".join([*tables, *indexes, *tail]) + "\n"


def _text(sql: str) -> str:
    return f"export const MIGRATION_SQL = `\n{sql}`;\n"


def _found(doc: Document, results: StatementResults) -> list[tuple[str, str]]:
    findings = check([doc], Config(root=Path(".")), select=["used-before-created"], statements=results).findings
    return [(doc.text[f.start : f.end], f.message) for f in findings]


def test_findings_follow_edits_across_runs() -> None:
    tables = [_create(i) for i in range(TABLES)]
    moved = RUN + 3  # its CREATE TABLE goes last: the next table and its index use it before
    first = 2 * RUN  # the first statement of a run
    versions = [
        (_sql(tables), []),
        (
            _sql([*tables[:first], f"CREATE TABLE IF NOT EXISTS t_{first} (id INT PRIMARY KEY, parent INT REFERENCES ghost(id));", *tables[first + 1 :]]),
            [("ghost", "ghost does not exist yet on a fresh database: it is created nowhere in the migration")],
        ),
        (
            _sql(tables[:moved] + tables[moved + 1 :], tables[moved]),
            [(f"t_{moved}", f"t_{moved} does not exist yet on a fresh database: it is created further down; 2 statements use it")],
        ),
        # A statement at the start moves every run after it.
        (
            _sql(["CREATE TABLE IF NOT EXISTS extra (id INT);", *tables[:moved], *tables[moved + 1 :]], tables[moved]),
            [(f"t_{moved}", f"t_{moved} does not exist yet on a fresh database: it is created further down; 2 statements use it")],
        ),
        (
            _sql(["CREATE TABLE IF NOT EXISTS extra (id INT);", *tables], "CREATE INDEX IF NOT EXISTS idx_ghost ON ghost(id);"),
            [("ghost", "ghost does not exist yet on a fresh database: it is created nowhere in the migration")],
        ),
        # A table named with a `${…}` may be any that a later run uses, and none that an earlier one does.
        (
            _sql(tables, "CREATE INDEX IF NOT EXISTS idx_app_logs ON app_logs(id);", "CREATE TABLE IF NOT EXISTS ${P}_logs (id INT);", "ALTER TABLE app_logs ADD COLUMN a INT;"),
            [("app_logs", "app_logs does not exist yet on a fresh database: it is created nowhere in the migration")],
        ),
        (_sql(tables), []),
    ]
    results = StatementResults()
    doc: Document | None = None
    for sql, expected in versions:
        doc = parse_document(PATH, _text(sql), NAMES, previous=doc)
        assert len(doc.migrations[0].statements) > 4 * RUN  # the edits are in the runs after the first
        assert _found(doc, results) == expected
        assert _found(parse_document(PATH, _text(sql), NAMES), StatementResults()) == expected


def test_foreign_key_checks_turned_off_in_one_run_hold_in_the_runs_after_it() -> None:
    """MySQL's SET FOREIGN_KEY_CHECKS holds until it is set again, across runs of statements."""
    creates = [f"CREATE TABLE IF NOT EXISTS t_{i} (id INT PRIMARY KEY, KEY k (id));" for i in range(2 * RUN)]
    forward = "CREATE TABLE IF NOT EXISTS posts (id INT PRIMARY KEY, author INT, KEY k (author), FOREIGN KEY (author) REFERENCES authors(id));"
    last = "CREATE TABLE IF NOT EXISTS authors (id INT PRIMARY KEY);"
    found = [("authors", "authors does not exist yet on a fresh database: it is created further down")]
    versions = [
        ("\n".join(["SET FOREIGN_KEY_CHECKS = 0;", *creates, forward, last]), []),
        ("\n".join([*creates, forward, last]), found),
        ("\n".join(["SET FOREIGN_KEY_CHECKS = 0;", *creates[:RUN], "SET FOREIGN_KEY_CHECKS = 1;", *creates[RUN:], forward, last]), found),
        ("\n".join(["SET FOREIGN_KEY_CHECKS = 0;", *creates, forward, last]), []),
    ]
    results = StatementResults()
    for sql, expected in versions:
        doc = parse_document(PATH, f"import mysql from 'mysql2';\n{_text(sql + chr(10))}", NAMES)
        assert doc.migrations[0].dialect == "mysql"
        assert _found(doc, results) == expected
