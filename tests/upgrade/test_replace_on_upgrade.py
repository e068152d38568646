"""replace-fails-on-upgrade reports a CREATE OR REPLACE FUNCTION or VIEW exactly where PostgreSQL
refuses it over the baseline's: each pair runs on a real PostgreSQL, the older one first."""

from __future__ import annotations

import secrets
from pathlib import Path

import psycopg
import pytest

from migration_lsp.config import Config
from migration_lsp.lint.check import check
from migration_lsp.migration import Document, parse_document
from migration_lsp.model.baseline import Baseline

PAIRS = [
    ("f(a int) RETURNS integer", "f(a INT4) RETURNS INT"),
    ("f(a int) RETURNS int", "f(b int) RETURNS int"),
    ("f(a int) RETURNS int", "f(int) RETURNS int"),
    ("f(int) RETURNS int", "f(a int) RETURNS int"),
    ("f(a int) RETURNS int", "f(a bigint) RETURNS bigint"),
    ("f(a varchar(10)) RETURNS varchar(10)", "f(a character varying) RETURNS varchar(20)"),
    ("f(a varchar(10)) RETURNS varchar(10)", "f(a character varying) RETURNS text"),
    ("f(a int, b int DEFAULT 1) RETURNS SETOF int", "f(a int, b int = 2) RETURNS SETOF integer"),
    ("f(a numeric(10, 2)) RETURNS numeric", "f(a decimal) RETURNS double precision"),
    ("f() RETURNS timestamp with time zone", "f() RETURNS timestamptz(3)"),
    ("f(VARIADIC xs int[]) RETURNS int", "f(VARIADIC ys integer[]) RETURNS int"),
    # Views, over `CREATE TABLE t (a int, b int, c int)`.
    ("VIEW v AS SELECT a, b FROM t", "VIEW v AS SELECT a, b, c FROM t"),
    ("VIEW v AS SELECT a, b FROM t", "VIEW v AS SELECT b, a FROM t"),
    ("VIEW v AS SELECT a, b FROM t", "VIEW v AS SELECT a FROM t"),
    ("VIEW v AS SELECT a, b AS x FROM t", "VIEW v AS SELECT t.a, c AS x FROM t"),
    ("VIEW v AS SELECT a, b AS x FROM t", "VIEW v AS SELECT a, b AS y FROM t"),
    ('VIEW v AS SELECT a AS "A" FROM t', "VIEW v AS SELECT a FROM t"),
]


def _statement(signature: str) -> str:
    if signature.startswith("VIEW "):
        return f"CREATE TABLE IF NOT EXISTS t (a int, b int, c int); CREATE OR REPLACE {signature}"
    returns = signature.rsplit(" RETURNS ", 1)[1]
    return f"CREATE OR REPLACE FUNCTION {signature} LANGUAGE sql AS $fn$SELECT NULL::{returns.removeprefix('SETOF ')}$fn$"


def _reported(old: str, new: str) -> bool:
    def parsed(sql: str) -> Document:
        return parse_document(Path("route.ts"), f"export const MIGRATION_SQL = `\n{sql};\n`;\n", ["MIGRATION_SQL"])

    baseline = Baseline("HEAD", tuple(parsed(_statement(old)).migrations), per_file=True)
    return bool(check([parsed(_statement(new))], Config(root=Path(".")), select=["replace-fails-on-upgrade"], baselines=[baseline]).findings)


@pytest.mark.parametrize(("old", "new"), PAIRS)
def test_reported_where_postgresql_refuses(database_url: str, old: str, new: str) -> None:
    schema = f"replace_{secrets.token_hex(4)}"
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(f"CREATE SCHEMA {schema}")
        try:
            conn.execute(f"SET search_path = {schema}")
            conn.execute(_statement(old))
            try:
                conn.execute(_statement(new))
                refused = False
            except (psycopg.errors.InvalidFunctionDefinition, psycopg.errors.InvalidTableDefinition):
                refused = True
        finally:
            conn.execute(f"DROP SCHEMA {schema} CASCADE")
    assert _reported(old, new) == refused
