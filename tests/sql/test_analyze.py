"""What the statement reader makes of one statement."""

from __future__ import annotations

from typing import Any

import pytest

from migration_lsp.sql.analyze import analyze, forget
from migration_lsp.sql.facts import Fact, Name


def at(fact: Fact, span: Any) -> str:
    return fact.text[span.start : span.end]


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("CREATE TABLE IF NOT EXISTS t (id int)", {"kind": "create_table", "if_not_exists": True, "name": Name("t")}),
        ("CREATE TEMP TABLE t (id int)", {"kind": "create_table", "temporary": True}),
        ("CREATE UNIQUE INDEX CONCURRENTLY i ON ONLY s.t USING btree (a)", {"kind": "create_index", "unique": True, "name": Name("i"), "table": Name("t", "s")}),
        ("CREATE INDEX ON t (a)", {"kind": "create_index", "name": None, "table": Name("t")}),
        ("CREATE OR REPLACE FUNCTION f() RETURNS int LANGUAGE sql AS 'SELECT 1'", {"kind": "create_function", "or_replace": True}),
        ("CREATE RECURSIVE VIEW v (n) AS SELECT 1", {"kind": "create_view", "name": Name("v")}),
        ("CREATE MATERIALIZED VIEW IF NOT EXISTS mv AS SELECT 1", {"kind": "create_materialized_view", "if_not_exists": True}),
        ("CREATE TRIGGER tr BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION f()", {"kind": "create_trigger", "object_type": "TRIGGER", "name": Name("tr"), "table": Name("t")}),
        ("CREATE CONSTRAINT TRIGGER tr AFTER INSERT ON t FOR EACH ROW EXECUTE FUNCTION f()", {"kind": "create_trigger", "object_type": "CONSTRAINT TRIGGER", "name": Name("tr"), "table": Name("t")}),
        (
            'CREATE POLICY "P" ON public.t AS PERMISSIVE FOR SELECT TO a, b USING (x = 1) WITH CHECK (y)',
            {"kind": "create_policy", "name": Name("P"), "table": Name("t", "public"), "policy_command": "SELECT", "policy_roles": ("a", "b"), "policy_using": "x = 1", "policy_check": "y"},
        ),
        ("DROP INDEX CONCURRENTLY IF EXISTS i", {"kind": "drop", "object_type": "INDEX", "if_exists": True}),
        ("DROP POLICY p ON t", {"kind": "drop", "object_type": "POLICY", "name": Name("p"), "table": Name("t")}),
        ("DROP TEXT SEARCH CONFIGURATION IF EXISTS cfg CASCADE", {"kind": "drop", "object_type": "TEXT SEARCH CONFIGURATION", "name": Name("cfg"), "cascade": True}),
        ("DROP OWNED BY r", {"kind": "drop", "object_type": "OWNED"}),
        ("TRUNCATE TABLE ONLY t", {"kind": "truncate", "table": Name("t")}),
        ("DELETE FROM ONLY s.t WHERE a", {"kind": "delete", "table": Name("t", "s"), "has_where": True}),
        ("WITH d AS (DELETE FROM t RETURNING *) SELECT 1", {"kind": "delete", "table": Name("t"), "has_where": False}),
        ("UPDATE t SET a = 1, b = 2", {"kind": "update", "table": Name("t"), "has_where": False, "set_columns": ("a", "b")}),
        ("WITH u AS (UPDATE t SET a = 1 WHERE b RETURNING *) SELECT 1", {"kind": "update", "table": Name("t"), "has_where": True}),
        ("INSERT INTO t (a) VALUES (1) ON CONFLICT DO NOTHING", {"kind": "insert", "table": Name("t"), "on_conflict": True}),
        ("INSERT INTO t SELECT 1 WHERE NOT EXISTS (SELECT 1 FROM t)", {"kind": "insert", "not_exists_guard": True}),
        ("WITH x AS (SELECT 1) INSERT INTO t SELECT * FROM x", {"kind": "insert", "table": Name("t")}),
        ("GRANT SELECT ON t TO r", {"kind": "grant"}),
        ("COMMENT ON COLUMN t.c IS 'x'", {"kind": "comment", "object_type": "COLUMN", "table": Name("t")}),
        ("ALTER PUBLICATION supabase_realtime ADD TABLE t", {"kind": "alter_publication", "name": Name("supabase_realtime"), "table": Name("t")}),
    ],
)
def test_statement_facts(sql: str, expected: dict[str, Any]) -> None:
    fact = analyze(sql)
    assert {key: getattr(fact, key) for key in expected} == expected
    assert fact.syntax_error is None


def test_facts_are_cached_by_text_until_forgotten() -> None:
    sql = "ALTER TABLE cached_by_text ENABLE ROW LEVEL SECURITY"
    fact = analyze(sql)
    assert analyze(sql) is fact
    forget([sql])
    again = analyze(sql)
    assert again is not fact and again == fact


def test_insert_knows_where_on_conflict_goes() -> None:
    for sql, before in [
        ("INSERT INTO t (a) VALUES (1)", "INSERT INTO t (a) VALUES (1)"),
        ("INSERT INTO t (a) VALUES (1)\nRETURNING id", "INSERT INTO t (a) VALUES (1)"),
        ("INSERT INTO t (a) VALUES ('returning') /* c */ returning *", "INSERT INTO t (a) VALUES ('returning')"),
    ]:
        fact = analyze(sql)
        assert fact.conflict_at is not None
        assert sql[: fact.conflict_at] == before


def test_create_keyword_positions() -> None:
    fact = analyze("create unique index concurrently idx on t (a)")
    assert fact.text[: fact.keyword_end] == "create unique index concurrently"
    assert fact.text[: fact.create_end] == "create"


def test_create_table_columns_and_constraints() -> None:
    fact = analyze(
        "CREATE TABLE t (\n"
        "  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),\n"
        "  user_id uuid NOT NULL REFERENCES s.users(id) ON DELETE CASCADE,\n"
        "  n numeric(3, 2) CHECK (n > 0),\n"
        "  CONSTRAINT t_uq UNIQUE (user_id, n),\n"
        "  FOREIGN KEY (n) REFERENCES other (x)\n"
        ")"
    )
    assert [(c.name, c.type, c.primary_key, c.not_null, c.default) for c in fact.columns] == [
        ("id", "uuid", True, True, "gen_random_uuid()"),
        ("user_id", "uuid", False, True, None),
        ("n", "numeric(3, 2)", False, False, None),
    ]
    assert fact.columns[1].references == Name("users", "s")
    assert fact.columns[1].references_columns == ("id",)
    assert [(c.kind, c.name, c.columns) for c in fact.constraints] == [
        ("unique", "t_uq", ("user_id", "n")),
        ("foreign_key", None, ("n",)),
    ]


def test_alter_table_actions() -> None:
    fact = analyze(
        "ALTER TABLE IF EXISTS t ADD COLUMN IF NOT EXISTS a int, ADD b text, DROP COLUMN c CASCADE, DROP d,"
        " ALTER COLUMN e TYPE bigint, ALTER f SET DEFAULT 1, ALTER g DROP NOT NULL, ADD CONSTRAINT k UNIQUE (a),"
        " DROP CONSTRAINT IF EXISTS k2, ENABLE ROW LEVEL SECURITY, REPLICA IDENTITY FULL"
    )
    assert fact.if_exists
    assert [(a.kind, a.column, a.if_not_exists or a.if_exists) for a in fact.actions] == [
        ("add_column", "a", True),
        ("add_column", "b", False),
        ("drop_column", "c", False),
        ("drop_column", "d", False),
        ("alter_type", "e", False),
        ("set_default", "f", False),
        ("drop_not_null", "g", False),
        ("add_constraint", None, False),
        ("drop_constraint", "k2", True),
        ("enable_rls", None, False),
        ("replica_identity", None, False),
    ]
    add_b = fact.actions[1]
    assert at(fact, add_b.span) == "ADD b text"
    assert fact.text[: add_b.insert_guard_at].endswith("ADD")
    assert fact.actions[2].cascade
    assert fact.actions[7].constraint is not None and fact.actions[7].constraint.kind == "unique"


@pytest.mark.parametrize(
    ("action", "new_type", "new_default"),
    [
        ("ALTER COLUMN e TYPE numeric(10, 2) USING e::numeric", "numeric(10, 2)", None),
        ('ALTER e SET DATA TYPE text COLLATE "C"', "text", None),
        ("ALTER COLUMN type TYPE text", "text", None),  # a column named type
        ("ALTER COLUMN e TYPE", None, None),
        ("ALTER f SET DEFAULT now() + interval '1 day'", None, "now() + interval '1 day'"),
    ],
)
def test_alter_column_new_type_and_default(action: str, new_type: str | None, new_default: str | None) -> None:
    act = analyze(f"ALTER TABLE t {action}").actions[0]
    assert (act.new_type, act.new_default) == (new_type, new_default)


def test_routine_trigger_and_publication_facts() -> None:
    fn = analyze("CREATE FUNCTION s.f(a int, b text DEFAULT 'x') RETURNS SETOF s.t STABLE LANGUAGE plpgsql AS $$ BEGIN END $$").signature
    assert fn is not None and (fn.arguments, fn.returns, fn.language) == ("a int, b text DEFAULT 'x'", "SETOF s.t", "plpgsql")
    assert analyze("CREATE TRIGGER tr BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION s.touch()").executes == Name("touch", "s")
    pub = analyze("CREATE PUBLICATION p FOR TABLE ONLY a (x, y) WHERE (x > 1), TABLE s.b")
    assert pub.publication_tables == (Name("a"), Name("b", "s")) and not pub.all_tables
    assert analyze("CREATE PUBLICATION p FOR ALL TABLES").all_tables
    drop = analyze("ALTER PUBLICATION p DROP TABLE a, b")
    assert (drop.publication_verb, drop.publication_tables) == ("DROP", (Name("a"), Name("b")))


@pytest.mark.parametrize(
    ("sql", "message", "token"),
    [
        ("CREATE TABLE t (id int,)", 'syntax error at or near ")"', ")"),
        ("CREATE TABLÉ t (id int)", 'syntax error at or near "TABLÉ"', "TABLÉ"),
        ("COMMENT ON TABLE t IS 'é👤'; CREATE TABLE t (id int,)", 'syntax error at or near ")"', ")"),
        ("CREATE TABLE t (id int NOT NULL", "syntax error at end of input", "NULL"),
        ("ALTER TABLE t ADD COLUMN IF NOT EXISTS", "syntax error at end of input", "EXISTS"),
        ("CREATE TABLE t (id int,\n)", 'syntax error at or near ")"', ")"),
        ("SELECT 'never closed", "unterminated quoted string", "'"),
        ('CREATE TABLE "t (id int', "unterminated quoted identifier", '"'),
        ("SELECT 1 /* open", "unterminated /* comment", "/*"),
    ],
)
def test_syntax_error_spans_the_token(sql: str, message: str, token: str) -> None:
    fact = analyze(sql)
    assert fact.syntax_error is not None
    got, start, end = fact.syntax_error
    assert message in got
    assert sql[start:end] == token


def test_plpgsql_errors_are_reported_at_do() -> None:
    fact = analyze("DO $$ BEGIN IF true THEN NULL; END $$")
    assert fact.syntax_error == ("syntax error at end of input (in the PL/pgSQL body of this DO block)", 0, 2)


def test_an_error_in_a_nested_statement_is_its_own() -> None:
    fact = analyze("DO $$ BEGIN CREATE TABLE t (id int,); END $$")
    assert fact.syntax_error is None
    (child,) = fact.children
    assert child.syntax_error is not None and child.text[child.syntax_error[1] : child.syntax_error[2]] == ")"


def test_do_blocks_in_other_languages_are_not_read() -> None:
    fact = analyze("DO LANGUAGE plperl $$ my $x = 'DELETE FROM t'; $$")
    assert (fact.kind, fact.children, fact.syntax_error) == ("do", [], None)


def test_facts_are_cached_by_text() -> None:
    assert analyze("SELECT 1") is analyze("SELECT 1")


@pytest.mark.parametrize("sql", ["", "   ", "-- only a comment"])
def test_nothing_to_read(sql: str) -> None:
    assert analyze(sql).kind == "empty"


@pytest.mark.parametrize("sql", ["CREATE", "ALTER", "DROP", "ALTER TABLE", "CREATE POLICY", "DO", "INSERT", "WITH", "(((", "$$"])
def test_fragments_never_raise(sql: str) -> None:
    assert analyze(sql).syntax_error is not None


def test_lone_surrogate_is_read_with_its_offsets() -> None:
    # A `\uD800` escape cooks to a lone surrogate, which PostgreSQL's parser cannot take.
    assert analyze("CREATE TABLE a (name text DEFAULT '\ud800');").syntax_error is None
    message, start, _ = analyze("CREATE TABLE a (name text DEFAULT '\ud800') nonsense;").syntax_error or ("", -1, 0)
    assert start == len("CREATE TABLE a (name text DEFAULT '\ud800') ")
    assert analyze("DO $$ BEGIN RAISE NOTICE '\ud800'; END $$;").syntax_error is None


def test_facts_are_kept_per_dialect() -> None:
    # PostgreSQL has no INSERT OR IGNORE; SQLite does: one text, two facts.
    text = "INSERT OR IGNORE INTO tags (name) VALUES ('a')"
    assert analyze(text, "postgres").syntax_error is not None
    sqlite = analyze(text, "sqlite")
    assert sqlite.syntax_error is None and sqlite.on_conflict


@pytest.mark.parametrize(
    ("text", "broken"),
    [
        ("CREATE TABLE IF NOT EXISTS t (id INTEGER PRIMARY KEY AUTOINCREMENT) STRICT", False),
        ("CREATE TRIGGER tr AFTER INSERT ON missing BEGIN DELETE FROM gone; END", False),  # names are not syntax
        ("CREATE TABLE (id INTEGER)", True),
        ("CREATE TABLE t (id INTEGER", True),
        ("SELECT 'never closed", True),
    ],
)
def test_sqlite_judges_sqlite_syntax(text: str, broken: bool) -> None:
    assert (analyze(text, "sqlite").syntax_error is not None) == broken


def test_mysql_reads_the_indexes_a_table_declares() -> None:
    fact = analyze(
        "CREATE TABLE IF NOT EXISTS pages (id INT AUTO_INCREMENT PRIMARY KEY, slug VARCHAR(80), body TEXT, "
        "KEY pages_slug_idx (slug), UNIQUE KEY pages_slug_key (slug), FULLTEXT INDEX pages_body_ft (body), INDEX USING BTREE (slug, body))",
        "mysql",
    )
    assert [c.name for c in fact.columns] == ["id", "slug", "body"]
    assert [(c.kind, c.name, c.columns) for c in fact.constraints] == [
        ("index", "pages_slug_idx", ("slug",)),
        ("unique", "pages_slug_key", ("slug",)),
        ("index", "pages_body_ft", ("body",)),
        ("index", None, ("slug", "body")),
    ]
    (act,) = analyze("ALTER TABLE pages ADD INDEX pages_body_idx (body)", "mysql").actions
    assert (act.kind, act.constraint and act.constraint.name, act.column) == ("add_index", "pages_body_idx", None)


@pytest.mark.parametrize("dialect", ["postgres", "sqlite"])
def test_a_column_named_key_or_index_is_a_column_outside_mysql(dialect: str) -> None:
    fact = analyze("CREATE TABLE IF NOT EXISTS settings (key TEXT PRIMARY KEY, index INT)", dialect)
    assert ([c.name for c in fact.columns], fact.constraints) == (["key", "index"], [])
    (act,) = analyze("ALTER TABLE settings ADD key TEXT", dialect).actions
    assert (act.kind, act.column) == ("add_column", "key")


@pytest.mark.parametrize(
    ("sql", "source"),
    [
        ("CREATE TABLE IF NOT EXISTS e_2026 PARTITION OF public.events FOR VALUES FROM ('2026-01-01') TO ('2027-01-01')", Name("events", "public")),
        ("CREATE TABLE IF NOT EXISTS e_copy (LIKE events INCLUDING ALL)", Name("events")),
        ("CREATE TABLE IF NOT EXISTS e_copy (LIKE events INCLUDING INDEXES, note TEXT)", Name("events")),
        ("CREATE TABLE IF NOT EXISTS e_copy (LIKE events)", None),
        ("CREATE TABLE IF NOT EXISTS e_copy (LIKE events INCLUDING ALL EXCLUDING INDEXES)", None),
        ("CREATE TABLE IF NOT EXISTS e_copy (id INT PRIMARY KEY)", None),
    ],
)
def test_a_table_whose_indexes_come_from_another(sql: str, source: Name | None) -> None:
    assert analyze(sql).indexes_from == source


@pytest.mark.parametrize(
    ("sql", "dialect", "words"),
    [
        ("CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS i ON t (a)", "postgres", "CREATE INDEX CONCURRENTLY"),
        ("DROP INDEX CONCURRENTLY IF EXISTS i", "postgres", "DROP INDEX CONCURRENTLY"),
        ("VACUUM (ANALYZE) t", "postgres", "VACUUM"),
        ("REINDEX INDEX CONCURRENTLY i", "postgres", "REINDEX CONCURRENTLY"),
        ("REINDEX (CONCURRENTLY, VERBOSE) TABLE t", "postgres", "REINDEX CONCURRENTLY"),
        ("reindex database app", "postgres", "REINDEX DATABASE"),
        ("CREATE DATABASE app", "postgres", "CREATE DATABASE"),
        ("DROP TABLESPACE IF EXISTS fast", "postgres", "DROP TABLESPACE"),
        ("ALTER SYSTEM SET work_mem = '8MB'", "postgres", "ALTER SYSTEM"),
        # What a transaction block runs.
        ("CREATE INDEX IF NOT EXISTS i ON t (a)", "postgres", None),
        ("REINDEX (VERBOSE) TABLE t", "postgres", None),
        ("REFRESH MATERIALIZED VIEW CONCURRENTLY mv", "postgres", None),
        ("ALTER DATABASE app SET work_mem = '8MB'", "postgres", None),
        # MySQL commits around CREATE DATABASE; SQLite's VACUUM runs between the driver's statements.
        ("CREATE DATABASE IF NOT EXISTS app", "mysql", None),
        ("VACUUM", "sqlite", None),
    ],
)
def test_statements_refused_inside_a_transaction_block(sql: str, dialect: str, words: str | None) -> None:
    assert analyze(sql, dialect).refused_in_transaction == words
