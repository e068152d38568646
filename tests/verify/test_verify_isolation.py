"""A hostile migration: no way out of its scratch database, no way past the time limit, no leftovers.

Each test keeps a database ``other`` with rows next to the scratch databases; it must survive.
"""

from __future__ import annotations

import time
from collections.abc import Iterator

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

from migration_lsp.verify import Server, Step, verify

SCRATCH = "migration_lsp_verify_"
ROWS = [(1,), (2,)]


def _make_other(admin: str) -> str:
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("CREATE DATABASE other")
    other = make_conninfo(admin, dbname="other")
    with psycopg.connect(other, autocommit=True) as conn:
        conn.execute("CREATE TABLE keep (id int); INSERT INTO keep VALUES (1), (2);")
    return other


def _rows(other: str) -> list[tuple]:
    with psycopg.connect(other, autocommit=True) as conn:
        return conn.execute("SELECT id FROM keep ORDER BY id").fetchall()


def _leftovers(admin: str) -> tuple[list[str], list[str]]:
    """Scratch databases and roles still on the server."""
    with psycopg.connect(admin, autocommit=True) as conn:
        databases = conn.execute("SELECT datname FROM pg_database WHERE datname LIKE %s ORDER BY 1", (SCRATCH + "%",))
        names = [name for (name,) in databases]
        roles = conn.execute("SELECT rolname FROM pg_roles WHERE rolname LIKE %s ORDER BY 1", (SCRATCH + "%",))
        return names, [name for (name,) in roles]


@pytest.fixture(scope="module")
def private() -> Iterator[tuple[Server, str]]:
    """A private cluster as verify starts it, with a database ``other`` it must never touch."""
    with Server() as server:
        assert server.cluster is not None
        other = _make_other(server.cluster.conninfo)
        yield server, other


def _only_templates(server: Server) -> bool:
    """Nothing of a run is left: the only scratch databases and roles are the kept templates'."""
    server.wait_for_clean_up()
    databases, roles = _leftovers(server.cluster.conninfo)
    templates = server._templates.values()
    return databases == sorted(t.database for t in templates) and roles == sorted(t.owner.name for t in templates)


HOSTILE = {
    "copy-program": "COPY (SELECT 1) TO PROGRAM 'touch /tmp/migration-lsp-escaped';",
    "copy-file": "COPY (SELECT 1) TO '/tmp/migration-lsp-escaped';",
    "read-file": "SELECT pg_read_file('/etc/passwd')::int;",
    "list-dir": "SELECT pg_ls_dir('/');",
    "alter-system": "ALTER SYSTEM SET work_mem = '1GB';",
    "dblink": "CREATE EXTENSION dblink;",
    "superuser-role": "CREATE ROLE intruder SUPERUSER LOGIN;",
    "alter-postgres": "ALTER ROLE postgres NOSUPERUSER;",
    "drop-other": "DROP DATABASE IF EXISTS other WITH (FORCE);",
    "alter-other": "ALTER DATABASE other SET search_path = nowhere;",
    "delete-other": "DO $$ BEGIN PERFORM dblink_exec('dbname=other', 'DELETE FROM keep'); END $$;",
}


@pytest.mark.parametrize("statement", HOSTILE.values(), ids=HOSTILE.keys())
def test_superuser_features_are_refused_and_the_finding_says_why(private, source, statement):
    server, other = private
    [problem] = verify(source(statement), server=server, platform="none")
    assert (problem.kind, problem.scenario) == ("verify-failed", "fresh")
    if "dblink_exec" not in statement:
        assert problem.sqlstate == "42501", problem.message
        assert "unprivileged role" in problem.message and "Supabase" in problem.message
    assert _rows(other) == ROWS
    with psycopg.connect(server.cluster.conninfo, autocommit=True) as conn:
        assert conn.execute("SELECT rolsuper FROM pg_roles WHERE rolname = 'postgres'").fetchone() == (True,)
        assert conn.execute("SELECT FROM pg_roles WHERE rolname = 'intruder'").fetchone() is None
        assert conn.execute("SELECT setting FROM pg_settings WHERE name = 'work_mem'").fetchone() != ("1GB",)
        settings = conn.execute("SELECT count(*) FROM pg_db_role_setting s JOIN pg_database d ON d.oid = s.setdatabase WHERE d.datname = 'other'")
        assert settings.fetchone() == (0,)


def test_a_file_read_never_reaches_the_finding(private, source):
    server, _ = private
    [problem] = verify(source("SELECT pg_read_file('/etc/passwd')::int;"), server=server, platform="none")
    assert "root:" not in problem.message and "/bin/" not in problem.message


SERVER_VALUES = {
    "cast": (["SELECT version()::int;"], 'invalid input syntax for type integer: "…"'),
    "setting": (["SELECT current_setting('server_version')::int;"], 'invalid input syntax for type integer: "…"'),
    "quotes": (["SELECT ('x\" ' || version() || ' \"y')::int;"], 'invalid input syntax for type integer: "…"'),
    "raise": (["DO $$ BEGIN RAISE EXCEPTION 'the server is %', version(); END $$;"], "the server is …"),
    "assert": (["DO $$ BEGIN ASSERT false, version(); END $$;"], "…"),
    "key": (
        ["CREATE TABLE IF NOT EXISTS t (v text PRIMARY KEY);", "INSERT INTO t VALUES (version()), (version());"],
        'duplicate key value violates unique constraint "t_pkey" (Key (v)=(…) already exists.)',
    ),
    "row": (
        ["CREATE TABLE IF NOT EXISTS c (v text CHECK (length(v) < 5));", "INSERT INTO c VALUES (version());"],
        'new row for relation "c" violates check constraint "c_v_check" (Failing row contains (…).)',
    ),
}


@pytest.mark.parametrize(("statements", "shown"), SERVER_VALUES.values(), ids=SERVER_VALUES.keys())
def test_a_value_read_from_the_server_never_reaches_the_finding(private, source, statements, shown):
    server, _ = private
    with psycopg.connect(server.cluster.conninfo) as conn:
        version, number = conn.execute("SELECT version(), current_setting('server_version')").fetchone()
    [problem] = verify(source(*statements), server=server, platform="none")
    assert problem.message == f"fails on a fresh database: {shown}"
    assert version not in problem.message and number not in problem.message and "PostgreSQL" not in problem.message


@pytest.mark.parametrize(
    ("statement", "shown"),
    [
        ("SELECT 'twelve'::int;", 'invalid input syntax for type integer: "twelve"'),
        ("DO $$ BEGIN RAISE EXCEPTION 'table % is missing', 'mason_users'; END $$;", "table mason_users is missing"),
        ("CREATE TABLE Mason_Notes (id int); CREATE TABLE mason_notes (id int);", 'relation "mason_notes" already exists'),
    ],
    ids=["cast", "raise", "folded-name"],
)
def test_a_value_from_the_migration_text_is_shown(private, source, statement, shown):
    [problem] = verify(source(statement), server=private[0], platform="none")
    assert problem.message == f"fails on a fresh database: {shown}"


def test_statements_mode_cannot_commit_its_way_out(private, source):
    server, other = private
    migration = source("COMMIT;", "DROP DATABASE other;")
    [problem] = verify(migration, server=server, platform="none", mode="statements")
    assert problem.sqlstate == "42501" and "must be owner of database other" in problem.message
    assert _rows(other) == ROWS


def test_the_supabase_platform_still_works_unprivileged(private, source):
    server, _ = private
    migration = source(
        "CREATE TABLE IF NOT EXISTS notes (id uuid PRIMARY KEY DEFAULT gen_random_uuid(), owner uuid REFERENCES auth.users);",
        "ALTER TABLE notes ENABLE ROW LEVEL SECURITY;",
        "DROP POLICY IF EXISTS mine ON notes;",
        "CREATE POLICY mine ON notes TO authenticated USING (owner = auth.uid());",
        "GRANT SELECT ON notes TO anon, authenticated;",
        "DROP POLICY IF EXISTS read_own ON storage.objects;",
        "CREATE POLICY read_own ON storage.objects FOR SELECT USING (owner = auth.uid());",
    )
    assert verify(migration, [source("SELECT 1;", label="HEAD")], server=server) == []


@pytest.mark.parametrize(
    "statement",
    [
        "SET statement_timeout = 0; SELECT pg_sleep(60);",
        # A cancel can be caught; the end of the session that follows cannot.
        "DO $$ BEGIN LOOP BEGIN PERFORM pg_sleep(60); EXCEPTION WHEN query_canceled THEN NULL; END; END LOOP; END $$;",
    ],
    ids=["statement-timeout-lifted", "cancel-caught"],
)
def test_the_time_limit_is_enforced_from_outside(private, source, statement):
    server, _ = private
    started = time.monotonic()
    [problem] = verify(source(statement), server=server, platform="none", time_limit=1)
    assert time.monotonic() - started < 10
    assert (problem.kind, problem.scenario, problem.sqlstate) == ("verify-failed", "fresh", "57014")
    assert problem.message.startswith("fails on a fresh database: did not finish within the time limit of 1 s per scenario")
    assert "--time-limit" in problem.message
    assert _only_templates(server)


def test_each_scenario_gets_the_whole_time_limit(private, source):
    # 0.6 s per run: fresh, twice and the upgrade together take far more than the limit.
    migration = source("CREATE TABLE IF NOT EXISTS t (id int);", "SELECT pg_sleep(0.6);")
    baselines = [source("SELECT 1;", label="HEAD"), source("SELECT 2;", label="v1")]
    assert verify(migration, baselines, server=private[0], platform="none", time_limit=1.5) == []


def test_the_scenario_past_its_limit_is_the_one_named(private, source):
    server, _ = private
    # Only a database the baseline built makes this one wait.
    migration = source("DO $$ BEGIN IF to_regclass('legacy') IS NOT NULL THEN PERFORM pg_sleep(30); END IF; END $$;")
    started = time.monotonic()
    [problem] = verify(migration, [source("CREATE TABLE legacy (id int);", label="HEAD")], server=server, platform="none", time_limit=1)
    assert time.monotonic() - started < 10
    assert (problem.scenario, problem.sqlstate) == ("upgrade:HEAD", "57014")
    assert problem.message.startswith("fails when upgrading a database built by HEAD: did not finish within the time limit of 1 s")
    assert _only_templates(server)


def _alter_own_database(source, change: str):
    return source(
        "CREATE TABLE IF NOT EXISTS t (id int);",
        f"DO $$ BEGIN EXECUTE format('ALTER DATABASE %I {change}', current_database()); END $$;",
    )


@pytest.mark.parametrize("change", ["CONNECTION LIMIT 0", "IS_TEMPLATE true"])
def test_a_migration_that_closes_its_database_does_not_keep_verify_out(private, source, change):
    server, _ = private
    # The second run, the snapshots and the upgrade's seeding each open a new session.
    assert verify(_alter_own_database(source, change), [source("SELECT 1;", label="HEAD")], server=server, platform="none") == []
    assert _only_templates(server)


def test_a_migration_cannot_refuse_connections_to_its_own_database(private, source):
    server, _ = private
    problems = verify(_alter_own_database(source, "ALLOW_CONNECTIONS false"), [source("SELECT 1;", label="HEAD")], server=server, platform="none")
    assert [(p.scenario, p.sqlstate) for p in problems] == [("fresh", "22023"), ("upgrade:HEAD", "22023")]
    assert "cannot disallow connections for current database" in problems[0].message
    assert _only_templates(server)


def test_a_migration_that_changes_its_own_password_does_not_keep_verify_out(limited_url, other_cluster, source):
    url, admin, _ = limited_url
    # Passwords count on this server: every role but the superuser signs in with one.
    (other_cluster.directory / "data" / "pg_hba.conf").write_text("local all postgres trust\nlocal all all scram-sha-256\n")
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("ALTER ROLE deployer PASSWORD 'deploy'")
        conn.execute("SELECT pg_reload_conf()")
    migration = source("CREATE TABLE IF NOT EXISTS t (id int);", "ALTER ROLE CURRENT_USER PASSWORD 'changed';")
    assert verify(migration, [source("SELECT 1;", label="HEAD")], database_url=make_conninfo(url, password="deploy"), platform="none") == []
    assert _leftovers(admin) == ([], [])


def test_a_migration_that_ends_its_own_session_is_a_finding_and_leaves_nothing(private, source):
    server, _ = private
    [problem] = verify(source("SELECT pg_terminate_backend(pg_backend_pid());"), server=server, platform="none")
    assert (problem.kind, problem.scenario) == ("verify-failed", "fresh")
    assert "terminating connection" in problem.message
    assert _only_templates(server)


@pytest.fixture
def limited_url(other_cluster) -> tuple[str, str, str]:
    """A database URL whose role has CREATEDB and CREATEROLE only; the superuser's conninfo; other."""
    admin = other_cluster.conninfo
    other = _make_other(admin)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("CREATE ROLE deployer LOGIN CREATEDB CREATEROLE")
        conn.execute("CREATE DATABASE app OWNER deployer")
    return make_conninfo(admin, dbname="app", user="deployer"), admin, other


def _kill_sessions_of(admin: str, database: str) -> None:
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", (database,))


def test_a_url_of_a_role_with_createdb_and_createrole_is_enough_and_stays_contained(limited_url, source):
    url, admin, other = limited_url
    migration = source("CREATE TABLE IF NOT EXISTS t (id int);", "DROP DATABASE IF EXISTS other;")
    [problem] = verify(migration, database_url=url, platform="supabase", mode="statements")
    assert problem.sqlstate == "42501"
    assert _rows(other) == ROWS
    assert _leftovers(admin) == ([], [])


def test_clean_up_survives_its_own_sessions_being_ended(limited_url, source):
    url, admin, _ = limited_url

    def progress(step: Step) -> None:
        if step.scenario == "twice" and step.action:
            _kill_sessions_of(admin, "app")

    migration = source("CREATE TABLE IF NOT EXISTS t (id int);")
    assert verify(migration, [source("SELECT 1;", label="HEAD")], database_url=url, progress=progress) == []
    assert _leftovers(admin) == ([], [])


def test_clean_up_survives_a_scratch_database_made_a_template(limited_url, source):
    url, admin, _ = limited_url

    def progress(step: Step) -> None:
        if step.scenario == "twice" and step.action:
            with psycopg.connect(admin, autocommit=True) as conn:
                for (name,) in conn.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", (SCRATCH + "%",)).fetchall():
                    conn.execute(f'ALTER DATABASE "{name}" WITH IS_TEMPLATE true')

    migration = source("CREATE TABLE IF NOT EXISTS t (id int);")
    assert verify(migration, database_url=url, progress=progress) == []
    assert _leftovers(admin) == ([], [])
