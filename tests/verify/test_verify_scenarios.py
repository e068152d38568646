"""The fresh, twice and upgrade scenarios on small migrations."""

from __future__ import annotations

from migration_lsp.verify import Step, verify

TABLE = "CREATE TABLE IF NOT EXISTS t (id int);"
POLICY = """DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_policies
                 WHERE tablename = 't' AND policyname = 'Owners only') THEN
    CREATE POLICY "Owners only" ON t FOR ALL USING ({using});
  END IF;
END $$;"""


def test_a_sound_supabase_migration_passes_every_scenario(server, source):
    current = source(
        "CREATE TABLE IF NOT EXISTS mason_users (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),"
        " auth_id uuid NOT NULL DEFAULT auth.uid() REFERENCES auth.users (id),"
        " plan text NOT NULL DEFAULT 'free' CHECK (plan IN ('free', 'pro')),"
        " created_at timestamptz NOT NULL DEFAULT now());",
        "ALTER TABLE mason_users ADD COLUMN IF NOT EXISTS email text;",
        "CREATE INDEX IF NOT EXISTS idx_mason_users_auth ON mason_users (auth_id);",
        "ALTER TABLE mason_users ENABLE ROW LEVEL SECURITY;",
        """DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_policies
                 WHERE tablename = 'mason_users' AND policyname = 'Self') THEN
    CREATE POLICY "Self" ON mason_users FOR ALL TO authenticated USING (auth.uid() = auth_id);
  END IF;
END $$;""",
        """DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_publication_tables WHERE pubname = 'supabase_realtime'
                 AND tablename = 'mason_users') THEN
    ALTER PUBLICATION supabase_realtime ADD TABLE mason_users;
  END IF;
END $$;""",
    )
    baseline = source(
        "CREATE TABLE IF NOT EXISTS mason_users (id uuid PRIMARY KEY DEFAULT gen_random_uuid(),"
        " auth_id uuid NOT NULL DEFAULT auth.uid() REFERENCES auth.users (id),"
        " plan text NOT NULL DEFAULT 'free' CHECK (plan IN ('free', 'pro')),"
        " created_at timestamptz NOT NULL DEFAULT now());",
        label="HEAD",
    )
    steps: list[Step] = []
    assert verify(current, [baseline], server=server, progress=steps.append) == []
    assert [(step.scenario, step.action or f"ended, {step.problems} problems") for step in steps] == [
        ("fresh", "creating a database"),
        ("fresh", "running current"),
        ("fresh", "ended, 0 problems"),
        ("twice", "running current again"),
        ("twice", "ended, 0 problems"),
        ("upgrade:HEAD", "creating a database"),
        ("upgrade:HEAD", "building the baseline"),
        ("upgrade:HEAD", "filling tables"),
        ("upgrade:HEAD", "running current"),
        ("upgrade:HEAD", "ended, 0 problems"),
    ]
    assert all((step.seconds is None) == bool(step.action) for step in steps)
    assert all(step.seconds > 0 for step in steps if step.seconds is not None)


def test_each_scenario_ends_with_its_own_problems(server, source):
    steps: list[Step] = []
    current = source("CREATE TABLE t (id int);")
    [problem] = verify(current, [source("SELECT 1;", label="HEAD")], server=server, progress=steps.append)
    assert problem.scenario == "twice"
    assert [(step.scenario, step.problems) for step in steps if step.seconds is not None] == [("fresh", 0), ("twice", 1), ("upgrade:HEAD", 0)]


def test_plain_postgres_platform_has_no_supabase_shims(server, source):
    [problem] = verify(source("SELECT auth.uid();"), server=server, platform="none")
    assert (problem.kind, problem.scenario, problem.sqlstate) == ("verify-failed", "fresh", "3F000")


def test_non_idempotent_create_table_fails_the_second_run(server, source):
    current = source(TABLE, "CREATE TABLE mason_logs (id int);", "CREATE INDEX IF NOT EXISTS i ON t (id);")
    [problem] = verify(current, server=server)
    assert (problem.kind, problem.scenario, problem.sqlstate) == ("verify-failed", "twice", "42P07")
    assert (problem.offset, problem.end) == current.statements[1]
    assert 'relation "mason_logs" already exists' in problem.message


def test_a_successful_but_non_idempotent_statement_drifts_on_the_second_run(server, source):
    current = source(
        TABLE,
        "ALTER TABLE t ADD COLUMN IF NOT EXISTS old_name text;",
        """DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM information_schema.columns
                 WHERE table_name = 't' AND column_name = 'new_name') THEN
    ALTER TABLE t RENAME COLUMN old_name TO new_name;
  END IF;
END $$;""",
    )
    [problem] = verify(current, server=server)
    assert (problem.kind, problem.scenario) == ("upgrade-drift", "twice")
    assert "column t.old_name exists after a second run but not after the first run" in problem.message
    assert current.sql[problem.offset : problem.end] == "old_name"
    assert current.statements[1][0] <= problem.offset < current.statements[1][1]


def test_a_column_only_the_create_body_has_drifts_on_upgrade(server, source):
    current = source("CREATE TABLE IF NOT EXISTS t (id int, c text);")
    [problem] = verify(current, [source(TABLE, label="HEAD")], server=server)
    assert (problem.kind, problem.scenario) == ("upgrade-drift", "upgrade:HEAD")
    assert problem.message == "column t.c is missing after upgrading from HEAD (on a fresh database: text)"
    assert current.sql[problem.offset : problem.end] == "c"


def test_a_guarded_policy_whose_using_changed_drifts_on_upgrade(server, source):
    current = source(TABLE, POLICY.format(using="id > 0"))
    baseline = source(TABLE, POLICY.format(using="true"), label="HEAD")
    [problem] = verify(current, [baseline], server=server)
    assert (problem.kind, problem.scenario) == ("upgrade-drift", "upgrade:HEAD")
    assert 'policy "Owners only" on t differs after upgrading from HEAD' in problem.message
    assert "USING (true)" in problem.message and "USING ((id > 0))" in problem.message
    assert current.sql[problem.offset : problem.end] == '"Owners only"'
    assert current.sql[: problem.offset].endswith("CREATE POLICY ")


def test_a_stale_index_definition_drifts_on_upgrade(server, source):
    current = source(
        TABLE,
        "ALTER TABLE t ADD COLUMN IF NOT EXISTS c int;",
        "CREATE INDEX IF NOT EXISTS i ON t (id, c);",
    )
    baseline = source(TABLE, "CREATE INDEX IF NOT EXISTS i ON t (id);", label="HEAD")
    [problem] = verify(current, [baseline], server=server)
    assert (problem.kind, problem.scenario) == ("upgrade-drift", "upgrade:HEAD")
    assert "index i differs" in problem.message and "(id, c)" in problem.message
    assert current.sql[problem.offset : problem.end] == "i"
    assert problem.offset > current.statements[2][0]


def test_deleting_rows_loses_data_on_upgrade(server, source):
    current = source("CREATE TABLE IF NOT EXISTS t (id int, name text NOT NULL);", "DELETE FROM t;")
    baseline = source("CREATE TABLE IF NOT EXISTS t (id int, name text NOT NULL);", label="HEAD")
    [problem] = verify(current, [baseline], server=server)
    assert (problem.kind, problem.scenario) == ("data-lost", "upgrade:HEAD")
    assert problem.message == "3 of 3 rows of table t are deleted when upgrading from HEAD"
    assert (problem.offset, problem.end) == (current.sql.index("t;"), current.sql.index("t;") + 1)


def test_dropping_a_column_or_table_loses_data_on_upgrade(server, source):
    baseline = source(
        "CREATE TABLE IF NOT EXISTS parents (id serial PRIMARY KEY, note text);",
        "CREATE TABLE IF NOT EXISTS kids (id serial PRIMARY KEY, parent_id int NOT NULL REFERENCES parents (id));",
        label="v1",
    )
    current = source(
        "CREATE TABLE IF NOT EXISTS parents (id serial PRIMARY KEY);",
        "ALTER TABLE parents DROP COLUMN IF EXISTS note;",
        "DROP TABLE IF EXISTS kids;",
    )
    problems = verify(current, [baseline], server=server)
    assert [(p.kind, p.message) for p in problems] == [
        ("data-lost", "table kids is dropped with its 3 rows when upgrading from v1"),
        ("data-lost", "column parents.note is dropped with its data when upgrading from v1"),
    ]
    assert [current.sql[p.offset : p.end] for p in problems] == ["kids", "note"]


def test_an_index_on_a_column_only_the_create_body_has_fails_the_upgrade(server, source):
    current = source(
        "CREATE TABLE IF NOT EXISTS t (id int, owner_id uuid);",
        "CREATE INDEX IF NOT EXISTS idx_t_owner ON t (owner_id);",
    )
    [problem] = verify(current, [source(TABLE, label="HEAD")], server=server)
    assert (problem.kind, problem.scenario, problem.sqlstate) == (
        "verify-failed",
        "upgrade:HEAD",
        "42703",
    )
    assert (problem.offset, problem.end) == current.statements[1]
    assert problem.message == 'fails when upgrading a database built by HEAD: column "owner_id" does not exist'


def test_a_failing_baseline_is_reported_and_its_upgrade_skipped(server, source):
    [problem] = verify(source(TABLE), [source("SELECT nope;", label="old.sql")], server=server)
    assert (problem.kind, problem.scenario, problem.sqlstate) == (
        "verify-failed",
        "baseline:old.sql",
        "42703",
    )
    assert problem.message.startswith("baseline old.sql fails on a fresh database at line 1, column 8:")
    assert problem.offset is None


def test_drift_is_measured_against_the_fresh_database_in_statements_mode_too(server, source):
    current = source("CREATE TABLE IF NOT EXISTS t (id int, c text);")
    [problem] = verify(current, [source(TABLE, label="HEAD")], server=server, mode="statements")
    assert (problem.kind, problem.scenario) == ("upgrade-drift", "upgrade:HEAD")
