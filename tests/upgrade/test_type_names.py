"""changed-definition-not-applied compares column types as PostgreSQL does: two spellings are
the same type where PostgreSQL gives both the same one, and another type where it does not."""

from __future__ import annotations

import psycopg
import pytest

from migration_lsp.sql.normal import normal_type

PAIRS = [
    ("int", "INTEGER"),
    ("int4", "integer"),
    ("bigint", "int8"),
    ("smallint", "int2"),
    ("bool", "boolean"),
    ("numeric(10, 2)", "DECIMAL(10,2)"),
    ("dec", "numeric"),
    ("real", "float4"),
    ("float(10)", "real"),
    ("float", "double precision"),
    ("float(30)", "float8"),
    ("character varying(20)", "varchar(20)"),
    ("char varying", "varchar"),
    ("character(3)", "char(3)"),
    ("bit varying(4)", "varbit(4)"),
    ("timestamp with time zone", "timestamptz"),
    ("timestamp(3) with time zone", "timestamptz(3)"),
    ("timestamp without time zone", "timestamp"),
    ("time with time zone", "timetz"),
    ("int[]", "integer ARRAY"),
    ("int[3]", "int4[]"),
    ("pg_catalog.int4", "int"),
    # Other types.
    ("int", "bigint"),
    ("varchar(20)", "varchar(30)"),
    ("text", "varchar"),
    ("timestamp", "timestamptz"),
    ("numeric(10, 2)", "numeric"),
    ("int4range", "int4"),
    ("real", "double precision"),
]


@pytest.mark.parametrize(("a", "b"), PAIRS)
def test_a_type_is_the_same_where_postgresql_says_so(database_url: str, a: str, b: str) -> None:
    with psycopg.connect(database_url, autocommit=True) as conn:
        conn.execute(f"CREATE TEMP TABLE t (a {a}, b {b})")
        rows = conn.execute("SELECT format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = 't'::regclass AND attname IN ('a', 'b') ORDER BY attname").fetchall()
    same = rows[0][0] == rows[1][0]
    assert (normal_type(a) == normal_type(b)) == same, rows
