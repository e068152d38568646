"""add-column-required quotes SQLite's own errors: each statement it reports in SQLite fails
there as it says, on a table with rows, and what it leaves alone runs."""

from __future__ import annotations

import sqlite3
from contextlib import closing
from pathlib import Path

import pytest

from migration_lsp.config import Config
from migration_lsp.lint.check import check
from migration_lsp.migration import parse_document

TABLE = "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT)"


def _reported(alter: str) -> list[str]:
    text = f"export const MIGRATION_SQL = `\n{TABLE};\n{alter};\n`;\n"
    doc = parse_document(Path("db.ts"), text, ["MIGRATION_SQL"], dialect="sqlite")
    return [f.message for f in check([doc], Config(root=Path(".")), select=["add-column-required"]).findings]


def _error_on_sqlite(alter: str) -> str | None:
    with closing(sqlite3.connect(":memory:")) as conn:
        conn.execute(TABLE)
        conn.execute("INSERT INTO t (a) VALUES ('row')")
        try:
            conn.execute(alter)
        except sqlite3.OperationalError as e:
            return str(e)
    return None


@pytest.mark.parametrize(
    "alter",
    [
        "ALTER TABLE t ADD COLUMN c INTEGER NOT NULL",
        "ALTER TABLE t ADD COLUMN c TEXT DEFAULT CURRENT_TIMESTAMP",
        "ALTER TABLE t ADD COLUMN c TEXT DEFAULT (datetime('now'))",
        "ALTER TABLE t ADD COLUMN c INTEGER DEFAULT (1 + 1)",
        "ALTER TABLE t ADD COLUMN c TEXT UNIQUE",
        "ALTER TABLE t ADD COLUMN c INTEGER PRIMARY KEY",
        "ALTER TABLE t ADD COLUMN c TEXT GENERATED ALWAYS AS (upper(a)) STORED",
        # What SQLite adds to a table with rows.
        "ALTER TABLE t ADD COLUMN c TEXT DEFAULT 'new'",
        "ALTER TABLE t ADD COLUMN c INTEGER NOT NULL DEFAULT (0)",
        "ALTER TABLE t ADD COLUMN c REAL DEFAULT -1.5e+3",
        "ALTER TABLE t ADD COLUMN c INTEGER DEFAULT 0x10",
        "ALTER TABLE t ADD COLUMN c TEXT DEFAULT NULL",
        "ALTER TABLE t ADD COLUMN c BLOB DEFAULT x'00'",
        "ALTER TABLE t ADD COLUMN c BOOLEAN DEFAULT TRUE",
        "ALTER TABLE t ADD COLUMN c TEXT GENERATED ALWAYS AS (upper(a)) VIRTUAL",
    ],
)
def test_a_finding_quotes_the_error_sqlite_gives(alter: str) -> None:
    error = _error_on_sqlite(alter)
    reported = _reported(alter)
    if error is None:
        assert reported == []
    else:
        assert len(reported) == 1 and f"'{error}'" in reported[0]
