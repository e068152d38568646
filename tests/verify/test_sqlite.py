"""The SQLite scenarios, on the standard library's sqlite3: no PostgreSQL here."""

from __future__ import annotations

import pytest

from migration_lsp.verify import SqlSource, VerifyProblem, verify_sqlite
from migration_lsp.verify.sqlite import statements

IDEMPOTENT = """PRAGMA foreign_keys = ON;
CREATE TABLE IF NOT EXISTS birds (id INTEGER PRIMARY KEY AUTOINCREMENT, ring TEXT NOT NULL UNIQUE, seen_at TEXT);
CREATE INDEX IF NOT EXISTS birds_seen_idx ON birds (seen_at);
CREATE TRIGGER IF NOT EXISTS birds_ring_upper AFTER INSERT ON birds
BEGIN
  UPDATE birds SET ring = upper(NEW.ring) WHERE id = NEW.id;
END;
CREATE VIEW IF NOT EXISTS ring_count AS SELECT count(*) AS n FROM birds;
INSERT OR IGNORE INTO birds (ring) VALUES ('AB-12');
CREATE TEMP TABLE IF NOT EXISTS scratch (x);
"""


def run(sql: str, *baselines: str) -> list[tuple[str, str, str, str | None]]:
    """(kind, scenario, message, the SQL the problem points at) of each problem."""
    older = [SqlSource("HEAD", text, statements(text)) for text in baselines]
    found = verify_sqlite(SqlSource("current", sql, ()), older, time_limit=5)
    return [(p.kind, p.scenario, p.message, _at(sql, p)) for p in found]


def _at(sql: str, problem: VerifyProblem) -> str | None:
    return None if problem.offset is None else sql[problem.offset : problem.end]


def test_the_idempotent_form_passes_fresh_and_twice() -> None:
    assert run(IDEMPOTENT) == []


def test_a_create_table_without_if_not_exists_fails_on_the_second_run_at_its_statement() -> None:
    sql = "CREATE TABLE IF NOT EXISTS a (id INTEGER PRIMARY KEY);\n-- the log\nCREATE TABLE nests (id INTEGER PRIMARY KEY);\n"
    assert run(sql) == [("verify-failed", "twice", "fails when run a second time: table nests already exists", "CREATE TABLE nests (id INTEGER PRIMARY KEY)")]


def test_an_insert_into_a_unique_column_fails_on_the_second_run() -> None:
    sql = "CREATE TABLE IF NOT EXISTS rings (code TEXT UNIQUE);\nINSERT INTO rings (code) VALUES ('AB-12');\n"
    message = "fails when run a second time: UNIQUE constraint failed: rings.code (SQLITE_CONSTRAINT_UNIQUE)"
    assert run(sql) == [("verify-failed", "twice", message, "INSERT INTO rings (code) VALUES ('AB-12')")]
    assert run(sql.replace("INSERT INTO", "INSERT OR IGNORE INTO")) == []


def test_a_syntax_error_fails_fresh_at_the_token_sqlite_names() -> None:
    sql = "CREATE TABLE IF NOT EXISTS a (x, y);\nCREATE TABLE IF NOT EXISTS b (x,, y);\n"
    [(kind, scenario, message, at)] = run(sql)
    assert (kind, scenario, message, at) == ("verify-failed", "fresh", 'fails on a fresh database: near ",": syntax error', ",")
    assert verify_sqlite(SqlSource("current", sql, ()), time_limit=5)[0].offset == sql.index(",,") + 1


def test_a_trigger_body_is_one_statement_and_a_failure_after_it_is_placed() -> None:
    trigger = "CREATE TRIGGER IF NOT EXISTS t_log AFTER INSERT ON a BEGIN\n  INSERT INTO log VALUES (NEW.x);\n  SELECT 1;\nEND"
    sql = f"CREATE TABLE IF NOT EXISTS a (x);\nCREATE TABLE IF NOT EXISTS log (x);\n{trigger};\nINSERT INTO a VALUES (1);\nUPDATE missing SET x = 1;\n"
    assert [sql[s:e] for s, e in statements(sql)][2] == trigger
    assert run(sql) == [("verify-failed", "fresh", "fails on a fresh database: no such table: missing", "UPDATE missing SET x = 1")]


def test_a_trigger_without_if_not_exists_fails_twice_over_its_whole_body() -> None:
    trigger = "CREATE TRIGGER t_log AFTER INSERT ON a BEGIN\n  SELECT 1;\nEND"
    sql = f"CREATE TABLE IF NOT EXISTS a (x);\n{trigger};\n"
    assert run(sql) == [("verify-failed", "twice", "fails when run a second time: trigger t_log already exists", trigger)]


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("SELECT ';' ; SELECT 2", ["SELECT ';'", "SELECT 2"]),
        ("-- a; b\nSELECT 1; /* c; */ SELECT 2;;", ["SELECT 1", "SELECT 2"]),
        ('SELECT "a;b";\n', ['SELECT "a;b"']),
        ("  \n-- only a comment\n", []),
    ],
)
def test_statements_end_where_sqlite_ends_them(sql: str, expected: list[str]) -> None:
    assert [sql[s:e] for s, e in statements(sql)] == expected


def test_an_upgrade_from_the_baseline_reports_lost_rows_and_drift() -> None:
    baseline = "CREATE TABLE IF NOT EXISTS birds (id INTEGER PRIMARY KEY, ring TEXT, colour TEXT);\nCREATE TABLE IF NOT EXISTS old_notes (body TEXT NOT NULL);\n"
    current = "CREATE TABLE IF NOT EXISTS birds (id INTEGER PRIMARY KEY, ring TEXT, colour TEXT, wing REAL);\nDROP TABLE IF EXISTS old_notes;\n"
    assert run(current, baseline) == [
        ("data-lost", "upgrade:HEAD", "table old_notes is dropped with its 3 rows when upgrading from HEAD", "old_notes"),
        ("upgrade-drift", "upgrade:HEAD", "column birds.wing is missing after upgrading from HEAD (on a fresh database: REAL)", "wing"),
    ]


@pytest.mark.parametrize(
    ("change", "lost", "at"),
    [
        ("DELETE FROM birds WHERE id > 1;", "2 of 3 rows of table birds are deleted", "birds"),
        ("ALTER TABLE birds DROP COLUMN colour;", "column birds.colour is dropped with its data", "colour"),
    ],
)
def test_rows_and_columns_an_upgrade_loses(change: str, lost: str, at: str) -> None:
    baseline = "CREATE TABLE IF NOT EXISTS birds (id INTEGER PRIMARY KEY, ring TEXT, colour TEXT);\n"
    found = [(k, m, a) for k, s, m, a in run(baseline + change + "\n", baseline) if s == "upgrade:HEAD"]
    assert found == [("data-lost", f"{lost} when upgrading from HEAD", at)]


def test_an_upgrade_that_keeps_everything_passes() -> None:
    baseline = "CREATE TABLE IF NOT EXISTS birds (id INTEGER PRIMARY KEY, ring TEXT UNIQUE);\n"
    current = baseline + "ALTER TABLE birds RENAME COLUMN ring TO ring_code;\n"
    # A renamed column keeps its data: only the second run fails (the column is gone by then).
    assert [(k, s) for k, s, _, _ in run(current, baseline)] == [("verify-failed", "twice")]
    assert run(baseline + "CREATE INDEX IF NOT EXISTS birds_ring_idx ON birds (ring);\n", baseline) == []


def test_a_failing_baseline_is_said_so() -> None:
    [(kind, scenario, message, at)] = run("CREATE TABLE IF NOT EXISTS a (x);\n", "CREATE TABLE IF NOT EXISTS a (x);\nSELEC 1;\n")
    assert (kind, scenario, at) == ("verify-failed", "baseline:HEAD", None)
    assert message == 'baseline HEAD fails on a fresh database at line 2, column 1: near "SELEC": syntax error'


def test_a_transaction_left_open_is_a_failure_at_its_begin() -> None:
    sql = "BEGIN;\nCREATE TABLE IF NOT EXISTS a (x);\n"
    assert run(sql) == [("verify-failed", "fresh", "fails on a fresh database: leaves a transaction open, so nothing it does is committed", "BEGIN")]
    assert run(sql + "COMMIT;\n") == []


def test_nothing_leaves_memory(tmp_path) -> None:
    target = tmp_path / "copy.db"
    for sql in (f"ATTACH '{target}' AS other;", f"VACUUM INTO '{target}';"):
        [(kind, scenario, message, _)] = run(sql)
        assert (kind, scenario) == ("verify-failed", "fresh")
        assert "refused" in message
    assert not target.exists()
    assert run("ATTACH ':memory:' AS scratch;\n") == []


def test_a_run_past_the_time_limit_is_stopped() -> None:
    sql = "WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT count(*) FROM n;"
    [problem] = verify_sqlite(SqlSource("current", sql, ()), time_limit=0.2)
    assert problem.scenario == "fresh"
    assert problem.message.startswith("fails on a fresh database: did not finish within the time limit of 0.2 s per scenario")
