"""The statements a DO block executes, and the guards around each."""

from __future__ import annotations

import pytest

from migration_lsp.sql.analyze import analyze
from migration_lsp.sql.facts import Guard, Span, Statement


def run(sql: str) -> list[tuple[str, tuple[str, ...]]]:
    """Each executed statement's text, with its guards (innermost first) as short labels."""
    top = Statement(analyze(sql), 0, 0)
    return [(st.fact.text, tuple(label(g) for g, _ in st.held_guards())) for st in top.nested()]


def label(g: Guard) -> str:
    if g.kind == "exception":
        return "catch " + " ".join(g.exceptions)
    values = ",".join(f"{c}={v}" for c, v, _ in g.conditions)
    return f"{g.kind} {g.catalog} {values}".strip()


def test_if_not_exists_guards_its_then_branch_only() -> None:
    assert run(
        """DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE tablename = 't' AND policyname = 'p') THEN
    CREATE POLICY p ON t USING (true);
  ELSE
    DROP POLICY p ON t;
  END IF;
  CREATE TABLE after_if (id int);
END $$"""
    ) == [
        ("CREATE POLICY p ON t USING (true)", ("not_exists pg_policies tablename=t,policyname=p",)),
        ("DROP POLICY p ON t", ("exists pg_policies tablename=t,policyname=p",)),
        ("CREATE TABLE after_if (id int)", ()),
    ]


def test_elsif_conditions_and_the_else_of_every_branch() -> None:
    assert run(
        """DO $$ BEGIN
  IF EXISTS (SELECT 1 FROM pg_class WHERE relname = 'a') THEN
    SELECT 1;
  ELSIF NOT EXISTS (SELECT 1 FROM pg_class WHERE relname = 'b') THEN
    CREATE TABLE b (id int);
  ELSEIF x THEN
    CREATE TABLE c (id int);
  ELSE
    CREATE TABLE d (id int);
  END IF;
END $$"""
    ) == [
        ("SELECT 1", ("exists pg_class relname=a",)),
        ("CREATE TABLE b (id int)", ("not_exists pg_class relname=b", "not_exists pg_class relname=a")),
        ("CREATE TABLE c (id int)", ("exists pg_class relname=b", "not_exists pg_class relname=a")),
        ("CREATE TABLE d (id int)", ("exists pg_class relname=b", "not_exists pg_class relname=a")),
    ]


@pytest.mark.parametrize(
    ("condition", "guard"),
    [
        ("NOT EXISTS (SELECT 1 FROM information_schema.columns WHERE table_name = 't' AND column_name = 'c')", "not_exists information_schema.columns table_name=t,column_name=c"),
        ("(SELECT count(*) FROM pg_indexes WHERE indexname = 'i') = 0", "not_exists pg_indexes indexname=i"),
        ("(SELECT COUNT(*) FROM pg_indexes WHERE indexname = 'i') > 0", "exists pg_indexes indexname=i"),
        ("NOT EXISTS (SELECT 1 FROM pg_catalog.pg_policies p WHERE 't' = p.tablename)", "not_exists pg_catalog.pg_policies tablename=t"),
        ("NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'x' AND (CASE WHEN true THEN 1 END) = 1)", "not_exists pg_type typname=x"),
    ],
)
def test_conditions_that_guard(condition: str, guard: str) -> None:
    assert run(f"DO $$ BEGIN IF {condition} THEN CREATE TABLE t (id int); END IF; END $$") == [("CREATE TABLE t (id int)", (guard,))]


@pytest.mark.parametrize("condition", ["x IS NULL", "NOT FOUND", "(SELECT count(*) FROM pg_class) > 1", "current_setting('a') = 'b'"])
def test_conditions_that_do_not_guard(condition: str) -> None:
    assert run(f"DO $$ BEGIN IF {condition} THEN CREATE TABLE t (id int); END IF; END $$") == [("CREATE TABLE t (id int)", ())]


def test_exception_handlers_guard_the_block_body_not_themselves() -> None:
    assert run(
        """DO $$
BEGIN
  CREATE TYPE e AS ENUM ('a');
  BEGIN
    CREATE TABLE inner_t (id int);
  EXCEPTION
    WHEN duplicate_table OR SQLSTATE '42P07' THEN
      CREATE TABLE fallback (id int);
  END;
EXCEPTION
  WHEN duplicate_object THEN NULL;
  WHEN others THEN
    RAISE NOTICE 'failed';
    CREATE TABLE on_error (id int);
END $$"""
    ) == [
        ("CREATE TYPE e AS ENUM ('a')", ("catch duplicate_object others",)),
        ("CREATE TABLE inner_t (id int)", ("catch duplicate_table 42P07", "catch duplicate_object others")),
        ("CREATE TABLE fallback (id int)", ("catch duplicate_object others",)),
        ("CREATE TABLE on_error (id int)", ()),
    ]


def test_labels_declarations_loops_and_case() -> None:
    assert run(
        """DO $$
<<outer>>
DECLARE
  r record;
  v int := (SELECT 1);
BEGIN
  <<rows>>
  FOR r IN SELECT id FROM t LOOP
    DELETE FROM a WHERE id = r.id;
    EXIT rows WHEN r.id IS NULL;
  END LOOP rows;
  WHILE v < 3 LOOP
    v := v + 1;
    UPDATE b SET n = v WHERE n IS NULL;
  END LOOP;
  FOREACH v IN ARRAY ARRAY[1, 2] LOOP
    CONTINUE WHEN v = 1;
  END LOOP;
  CASE v
    WHEN 1, 2 THEN INSERT INTO c VALUES (1);
    ELSE TRUNCATE d;
  END CASE;
  <<inner>>
  BEGIN
    CREATE TABLE e (id int);
  END inner;
  CREATE TABLE f (id int);
END outer $$"""
    ) == [
        ("DELETE FROM a WHERE id = r.id", ()),
        ("UPDATE b SET n = v WHERE n IS NULL", ()),
        ("INSERT INTO c VALUES (1)", ()),
        ("TRUNCATE d", ()),
        ("CREATE TABLE e (id int)", ()),
        ("CREATE TABLE f (id int)", ()),
    ]


def test_plpgsql_statements_are_not_sql_the_migration_runs() -> None:
    assert (
        run(
            """DO $$
DECLARE
  n int;
  arr int[];
  rec record;
BEGIN
  n := 1;
  n = 2;
  arr[1] := 3;
  rec.field := 4;
  PERFORM pg_sleep(0);
  EXECUTE 'DROP TABLE ' || quote_ident(n::text);
  EXECUTE sql_text USING n;
  GET DIAGNOSTICS n = ROW_COUNT;
  RAISE NOTICE 'n = %', n;
  ASSERT n > 0;
  NULL;
  RETURN;
END $$"""
        )
        == []
    )


def executed(sql: str) -> list[tuple[str, str]]:
    """Each statement run by EXECUTE: its text, and the SQL its span covers in ``sql``."""
    top = Statement(analyze(sql), 0, 0)
    return [(st.fact.text, sql[st.start : st.end]) for st in top.nested() if st.fact.executed]


def test_execute_of_a_constant_runs_its_statements_where_the_string_spells_them() -> None:
    sql = r"""DO $$ BEGIN
  EXECUTE 'DROP TABLE orchard_old';
  EXECUTE 'COMMENT ON TABLE orchard IS ''it''''s ours''';
  EXECUTE E'CREATE TABLE\tpears (note text DEFAULT \'ripe\')';
  EXECUTE $x$CREATE INDEX IF NOT EXISTS i ON t (a); DROP TABLE plums$x$ INTO n USING 1;
  EXECUTE format('CREATE INDEX %I ON %I (%s)', 'orchard_idx', 'Orchard', 'a');
  EXECUTE format('COMMENT ON TABLE t IS %L', 'it''s 100%%');
  EXECUTE format('COMMENT ON TABLE t IS ''100%%''');
  EXECUTE 'DROP TABLE ' || name;
END $$"""
    assert executed(sql) == [
        ("DROP TABLE orchard_old", "DROP TABLE orchard_old"),
        ("COMMENT ON TABLE orchard IS 'it''s ours'", "COMMENT ON TABLE orchard IS ''it''''s ours''"),
        ("CREATE TABLE\tpears (note text DEFAULT 'ripe')", r"CREATE TABLE\tpears (note text DEFAULT \'ripe\')"),
        ("CREATE INDEX IF NOT EXISTS i ON t (a)", "CREATE INDEX IF NOT EXISTS i ON t (a)"),
        ("DROP TABLE plums", "DROP TABLE plums"),
        ('CREATE INDEX orchard_idx ON "Orchard" (a)', "CREATE INDEX %I ON %I (%s)"),
        ("COMMENT ON TABLE t IS 'it''s 100%%'", "COMMENT ON TABLE t IS %L"),
        ("COMMENT ON TABLE t IS '100%'", "COMMENT ON TABLE t IS ''100%%''"),
    ]
    top = Statement(analyze(sql), 0, 0)
    by_text = {st.fact.text: st for st in top.nested()}
    # a name a format() argument writes maps to its %I; a name after an E'' escape to itself
    index = by_text['CREATE INDEX orchard_idx ON "Orchard" (a)']
    assert index.fact.name_span is not None and sql[slice(*index.span(index.fact.name_span))] == "%I"
    pears = by_text["CREATE TABLE\tpears (note text DEFAULT 'ripe')"]
    assert pears.fact.name_span is not None and sql[slice(*pears.span(pears.fact.name_span))] == "pears"


def test_execute_is_guarded_like_any_statement_of_the_block() -> None:
    assert run(
        """DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE tablename = 't' AND policyname = 'p') THEN
    EXECUTE 'CREATE POLICY p ON t USING (true)';
  END IF;
  EXECUTE 'ALTER TABLE t ADD COLUMN c int';
EXCEPTION WHEN duplicate_column THEN NULL;
END $$"""
    ) == [
        ("CREATE POLICY p ON t USING (true)", ("not_exists pg_policies tablename=t,policyname=p", "catch duplicate_column")),
        ("ALTER TABLE t ADD COLUMN c int", ("catch duplicate_column",)),
    ]


@pytest.mark.parametrize(
    "expression",
    ["'DROP TABLE ' || name", "format('DROP TABLE %I', name)", "format('DROP TABLE %1$I', 'a')", "format('DROP TABLE %I')", "U&'DROP TABLE t'", "sql_text"],
)
def test_execute_of_anything_but_a_constant_is_not_read(expression: str) -> None:
    assert executed(f"DO $$ BEGIN EXECUTE {expression}; END $$") == []


def test_a_quoted_body_does_not_read_its_execute_strings() -> None:
    assert executed("DO 'BEGIN EXECUTE ''DROP TABLE t''; END'") == []


def test_nested_do_blocks_execute_and_function_bodies_do_not() -> None:
    assert run(
        """DO $a$ BEGIN
  CREATE OR REPLACE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $f$ BEGIN DELETE FROM x; END $f$;
  DO $b$ BEGIN
    IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'e') THEN
      CREATE TYPE e AS ENUM ('a');
    END IF;
  END $b$;
END $a$"""
    ) == [
        ("CREATE OR REPLACE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $f$ BEGIN DELETE FROM x; END $f$", ()),
        ("DO $b$ BEGIN\n    IF NOT EXISTS (SELECT 1 FROM pg_type WHERE typname = 'e') THEN\n      CREATE TYPE e AS ENUM ('a');\n    END IF;\n  END $b$", ()),
        ("CREATE TYPE e AS ENUM ('a')", ("not_exists pg_type typname=e",)),
    ]


def test_a_function_body_is_never_read() -> None:
    fact = analyze("CREATE OR REPLACE FUNCTION f() RETURNS void LANGUAGE plpgsql AS $$ BEGIN DROP TABLE t; END $$")
    assert fact.children == []


def test_statements_are_placed_and_guards_relative_to_their_block() -> None:
    sql = "DO $$ BEGIN\n  IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE policyname = 'p') THEN\n    CREATE POLICY p ON t USING (true);\n  END IF;\nEND $$"
    top = Statement(analyze(sql), 100, 0)
    (st,) = top.nested()
    assert sql[st.start - 100 : st.end - 100] == "CREATE POLICY p ON t USING (true)"
    ((guard, base),) = st.held_guards()
    assert base == top.base == 100
    value, span = guard.value("policyname") or ("", Span(0, 0))
    assert (value, sql[span.start : span.end]) == ("p", "'p'")
    assert sql[guard.span.start : guard.span.end].startswith("NOT EXISTS (SELECT 1")


def test_quoted_bodies_are_read_but_not_held_to_their_written_text() -> None:
    fact = analyze("DO 'BEGIN CREATE POLICY p ON t USING (n <> ''x''); END'")
    (child,) = fact.children
    assert (child.kind, child.syntax_error, fact.syntax_error) == ("create_policy", None, None)


def test_guard_handlers_catch_by_name_sqlstate_or_others() -> None:
    named = Guard("exception", Span(0, 0), exceptions=("duplicate_object", "duplicate_table"))
    coded = Guard("exception", Span(0, 0), exceptions=("42P07",))
    others = Guard("exception", Span(0, 0), exceptions=("others",))
    assert named.catches("duplicate_object") and named.catches("duplicate_object", "duplicate_table")
    assert not named.catches("duplicate_object", "invalid_table_definition")
    assert coded.catches("duplicate_table") and not coded.catches("duplicate_object")
    assert others.catches("invalid_table_definition")
