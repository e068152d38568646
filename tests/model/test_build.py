"""The builder's handler table: every statement kind is either built or deliberately not; and a
build leaves nothing that only the cyclic collector frees."""

from __future__ import annotations

import gc
from pathlib import Path

from migration_lsp.migration import parse_document
from migration_lsp.model.build import _HANDLERS, _KEYS, _Builder, build_schema
from migration_lsp.model.schema import Schema
from migration_lsp.sql.facts import Kind

# The kinds that change nothing the model holds, and why.
BUILDS_NOTHING = {
    Kind.UNKNOWN: "not read past its first word",
    Kind.EMPTY: "only comments",
    Kind.UNREAD: "past the nesting the reader follows",
    Kind.CREATE: "an object the model does not hold (a role, a rule, a server …)",
    Kind.CREATE_EXTENSION: "the model holds no extensions",
    Kind.CREATE_SCHEMA: "a schema is only the first part of a name",
    Kind.CREATE_SEQUENCE: "the model holds no sequences",
    Kind.CREATE_TYPE: "the model holds no types",
    Kind.CREATE_DOMAIN: "the model holds no domains",
    Kind.ALTER: "an object the model does not hold",
    Kind.COMMENT: "the model holds no comments",
    Kind.TRUNCATE: "rows, not schema",
    Kind.GRANT: "the model holds no privileges",
    Kind.REVOKE: "the model holds no privileges",
    Kind.DO: "the statements it runs are replayed on their own",
    Kind.SELECT: "rows, not schema",
    Kind.INSERT: "rows, not schema",
    Kind.UPDATE: "rows, not schema",
    Kind.DELETE: "rows, not schema",
    Kind.MERGE: "rows, not schema",
    Kind.DML: "rows, not schema",
    Kind.BEGIN: "transaction control",
    Kind.START: "transaction control",
    Kind.COMMIT: "transaction control",
    Kind.END: "transaction control",
    Kind.ROLLBACK: "transaction control",
    Kind.ABORT: "transaction control",
    Kind.SAVEPOINT: "transaction control",
    Kind.RELEASE: "transaction control",
}


def test_every_kind_is_built_or_listed_as_building_nothing() -> None:
    handled = set(_HANDLERS)
    assert handled.isdisjoint(BUILDS_NOTHING)
    assert handled | set(BUILDS_NOTHING) == set(Kind)


def test_every_kind_built_says_what_it_touches() -> None:
    """A build after an edit replays a statement with those that share a table with it: each
    kind the builder handles needs its keys."""
    assert set(_KEYS) == set(_HANDLERS)


SQL = """
CREATE TABLE IF NOT EXISTS app_users (id UUID PRIMARY KEY, email TEXT);
CREATE TABLE IF NOT EXISTS app_keys (id UUID PRIMARY KEY, user_id UUID REFERENCES app_users(id));
CREATE INDEX IF NOT EXISTS idx_app_keys_user_id ON app_keys(user_id);
ALTER TABLE app_keys ADD COLUMN IF NOT EXISTS label TEXT;
ALTER TABLE app_keys ENABLE ROW LEVEL SECURITY;
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE tablename = 'app_keys' AND policyname = 'Allow all') THEN
    CREATE POLICY "Allow all" ON app_keys FOR ALL USING (true);
  END IF;
END $$;
DROP INDEX IF EXISTS idx_app_users_email;
"""


def test_a_schema_is_freed_when_let_go_with_the_collector_off() -> None:
    """The server builds schemas on every keystroke with the collector off (it runs between
    checks): a build that only a collection could free would keep its schema alive until then."""
    doc = parse_document(Path("route.ts"), f"export const MIGRATION_SQL = `{SQL}`;\n", ["MIGRATION_SQL"])
    gc.collect()
    gc.disable()
    try:
        schema = build_schema(doc.migrations)
        assert {"app_users", "app_keys"} <= {t.name.name for t in schema.tables.values()}
        del schema
        gc.set_debug(gc.DEBUG_SAVEALL)  # what a collection finds is kept to be looked at
        gc.collect()
        assert not [o for o in gc.garbage if isinstance(o, (Schema, _Builder))]
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.enable()


def _mysql_schema(sql: str) -> Schema:
    doc = parse_document(Path("db.ts"), f'import mysql from "mysql2/promise";\nexport const MIGRATION_SQL = `{sql}`;\n', ["MIGRATION_SQL"])
    return build_schema(doc.migrations)


def test_a_mysql_index_is_dropped_within_its_table() -> None:
    # MySQL names an index within its table: dropping one table's KEY x, or the column it is
    # on, leaves another table's index x, filed by its CREATE INDEX, where it is.
    tables = "CREATE TABLE IF NOT EXISTS a (id INT PRIMARY KEY, c INT);\nCREATE INDEX x ON a (c);\nCREATE TABLE IF NOT EXISTS b (id INT PRIMARY KEY, d INT, KEY x (d));\n"
    for drop in ("ALTER TABLE b DROP INDEX x;", "ALTER TABLE b DROP COLUMN d;"):
        schema = _mysql_schema(tables + drop)
        (a,) = [t for t in schema.tables.values() if t.name.name == "a"]
        (b,) = [t for t in schema.tables.values() if t.name.name == "b"]
        assert ([i.columns for i in a.indexes], b.indexes) == ([("c",)], []), drop
        assert [(n.name, i.table.name) for n, i in schema.indexes.items()] == [("x", "a")], drop


def test_alter_table_drop_index_drops_what_create_index_filed() -> None:
    schema = _mysql_schema("CREATE TABLE IF NOT EXISTS a (id INT PRIMARY KEY, c INT);\nCREATE INDEX x ON a (c);\nALTER TABLE a DROP INDEX x;\n")
    assert (schema.indexes, [t.indexes for t in schema.tables.values()]) == ({}, [[]])
