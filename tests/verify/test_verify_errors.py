"""How a failure is pinned to its place in the migration text."""

from __future__ import annotations

import pytest

from migration_lsp.verify import verify
from migration_lsp.verify.execute import run
from migration_lsp.verify.platforms import platform_named

MODES = ("transaction", "statements")


@pytest.mark.parametrize("mode", MODES)
def test_an_error_with_a_cursor_points_at_the_token(server, source, mode):
    current = source(
        "-- ünïcødé 🙂 before the failure shifts bytes, not characters",
        "CREATE TABLE IF NOT EXISTS t (id int);",
        "CREATE INDEX IF NOT EXISTS i ON t (id);",
        "INSERT INTO t SELECT id FROM missing_table;",
        "CREATE TABLE IF NOT EXISTS u (id int);",
    )
    [problem] = verify(current, server=server, mode=mode)
    assert (problem.kind, problem.scenario, problem.sqlstate) == ("verify-failed", "fresh", "42P01")
    assert problem.message == 'fails on a fresh database: relation "missing_table" does not exist'
    assert problem.offset == current.sql.index("missing_table")
    assert problem.end == problem.offset + len("missing_table")


@pytest.mark.parametrize("mode", MODES)
def test_an_error_without_a_cursor_points_at_its_statement(server, source, mode):
    current = source(
        "CREATE TABLE IF NOT EXISTS t (id int);",
        "ALTER TABLE t ADD COLUMN id int;",
        "CREATE TABLE IF NOT EXISTS u (id int);",
    )
    [problem] = verify(current, server=server, mode=mode)
    assert (problem.kind, problem.scenario, problem.sqlstate) == ("verify-failed", "fresh", "42701")
    assert (problem.offset, problem.end) == current.statements[1]


def test_a_syntax_error_points_at_the_token_before_anything_runs(server, source):
    current = source("CREATE TABLE IF NOT EXISTS t (id int);", "CREAT INDEX i ON t (id);")
    [problem] = verify(current, server=server)
    assert (problem.sqlstate, problem.offset) == ("42601", current.statements[1][0])
    assert current.sql[problem.offset : problem.end] == "CREAT"


def test_the_applications_own_begin_and_commit_do_not_confuse_the_search(server, source):
    current = source(
        "BEGIN;",
        "CREATE TABLE IF NOT EXISTS t (id int);",
        "ALTER TABLE t ADD COLUMN id int;",
        "COMMIT;",
    )
    [problem] = verify(current, server=server)
    assert (problem.sqlstate, problem.offset, problem.end) == ("42701", *current.statements[2])


def test_an_error_in_a_do_block_points_at_the_failing_statement_inside(server, source):
    do_block = """DO $$
BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE policyname = 'p') THEN
    CREATE POLICY "p" ON t USING (nope = 1);
  END IF;
END $$;"""
    current = source("CREATE TABLE IF NOT EXISTS t (id int);", do_block)
    [problem] = verify(current, server=server)
    assert (problem.sqlstate, problem.scenario) == ("42703", "fresh")
    assert current.sql[problem.offset : problem.end] == 'CREATE POLICY "p" ON t USING (nope = 1)'


def test_an_error_in_a_do_block_condition_points_at_the_cursor_in_it(server, source):
    do_block = "DO $$ BEGIN\n  IF NOT EXISTS (SELECT 1 FROM nope) THEN\n    NULL;\n  END IF;\nEND $$;"
    current = source("SELECT 1;", do_block)
    [problem] = verify(current, server=server, mode="statements")
    assert problem.sqlstate == "42P01"
    assert current.sql[problem.offset : problem.end] == "nope"


def test_an_error_in_a_do_block_without_quoted_query_points_at_its_line(server, source):
    do_block = "DO $$ BEGIN\n  RAISE EXCEPTION 'stop';\nEND $$;"
    current = source("SELECT 1;", do_block)
    [problem] = verify(current, server=server)
    assert problem.sqlstate == "P0001"
    assert current.sql[problem.offset : problem.end] == "RAISE EXCEPTION 'stop';"


def test_the_whole_text_is_one_simple_query_and_fails_atomically(server, source):
    migration = source("CREATE TABLE a (id int);", "CREATE TABLE b (id int);", "SELECT 1 / 0;")
    with server.database(platform_named("none")) as database, database.connect() as conn:
        failure = run(conn, migration, "transaction")
        assert failure is not None and failure.sqlstate == "22012"
        assert (failure.offset, failure.end) == migration.statements[2]
        assert conn.execute("SELECT to_regclass('a'), to_regclass('b')").fetchone() == (None, None)


def test_statements_mode_keeps_what_ran_before_the_failure(server, source):
    migration = source("CREATE TABLE a (id int);", "SELECT 1 / 0;")
    with server.database(platform_named("none")) as database, database.connect() as conn:
        failure = run(conn, migration, "statements")
        assert failure is not None and (failure.offset, failure.end) == migration.statements[1]
        assert conn.execute("SELECT to_regclass('a')::text").fetchone() == ("a",)


def test_a_transaction_left_open_is_a_failure_at_its_begin(server, source):
    current = source("CREATE TABLE IF NOT EXISTS t (id int);", "BEGIN;", "CREATE TABLE u (id int);")
    [problem] = verify(current, server=server)
    assert (problem.kind, problem.scenario) == ("verify-failed", "fresh")
    assert problem.message == ("fails on a fresh database: leaves a transaction open, so nothing it does is committed")
    assert (problem.offset, problem.end) == current.statements[1]
