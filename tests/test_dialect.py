"""Dialect and platform detection, and the rules each dialect and platform gets."""

from __future__ import annotations

import json
import os
from pathlib import Path

import pytest

from migration_lsp.config import Config, ConfigError, parse_config
from migration_lsp.dialect import clear_cache, detect_dialect, detect_platform
from migration_lsp.findings import Finding
from migration_lsp.lint.check import RULE_NAMES, check
from migration_lsp.migration import parse_document


@pytest.fixture(autouse=True)
def _fresh() -> None:
    clear_cache()


def dialect(tmp_path: Path, code: str, sql: str = "CREATE TABLE t (id INT);", packages: tuple[str, ...] = (), files: dict[str, str] | None = None) -> str:
    if packages:
        (tmp_path / "package.json").write_text(json.dumps({"dependencies": {p: "1" for p in packages}}))
    for name, text in (files or {}).items():
        (tmp_path / name).write_text(text)
    return detect_dialect("auto", tmp_path / "src" / "db.ts", code, sql, tmp_path)


@pytest.mark.parametrize(
    ("code", "expected"),
    [
        ('import Database from "better-sqlite3";', "sqlite"),
        ('import { Database } from "bun:sqlite";', "sqlite"),
        ('import { DatabaseSync } from "node:sqlite";', "sqlite"),
        ('import { createClient } from "@libsql/client";', "sqlite"),
        ('import { drizzle } from "drizzle-orm/d1";', "sqlite"),
        ('import Database from "npm:better-sqlite3@11";', "sqlite"),
        ("export async function up(db: D1Database) {}", "sqlite"),
        ('const mysql = require("mysql2/promise");', "mysql"),
        ('import { connect } from "@planetscale/database";', "mysql"),
        ('import pg from "pg";', "postgres"),
        ('import { PGlite } from "@electric-sql/pglite";', "postgres"),
        ('import { createClient } from "jsr:@supabase/supabase-js@2";', "postgres"),
    ],
)
def test_the_files_imports_name_the_dialect(tmp_path: Path, code: str, expected: str) -> None:
    assert dialect(tmp_path, code, sql="CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT);" if expected != "sqlite" else "CREATE TABLE t (id INT);") == expected


def test_what_the_sql_says_is_no_import_of_the_code(tmp_path: Path) -> None:
    # SQL that reads like an import (a string after FROM) or a D1 type in a comment is the
    # migration's text, not the code around it: the code's own import decides.
    sql = "CREATE TABLE IF NOT EXISTS t (id INT); -- copied from 'better-sqlite3' docs, D1Database\nSELECT 1 FROM 'mysql2';"
    code = f'import pg from "pg";\nexport const MIGRATION_SQL = `{sql}`;\nexport const B = require("pg");\n'
    (m,) = parse_document(tmp_path / "db.ts", code, ["MIGRATION_SQL"], root=tmp_path).migrations
    assert (m.dialect, m.platform) == ("postgres", "none")
    (m,) = parse_document(tmp_path / "db.ts", code.replace('"pg"', '"mysql2"'), ["MIGRATION_SQL"], root=tmp_path).migrations
    assert m.dialect == "mysql"


def test_a_bare_exec_is_no_evidence_of_d1(tmp_path: Path) -> None:
    # PGlite has `.exec` too.
    assert dialect(tmp_path, "await db.exec(MIGRATION_SQL);") == "postgres"


@pytest.mark.parametrize(
    "code",
    [
        "await api.executeD1Query(account, id, token, MIGRATION_SQL);",
        "type RemoteD1Result = { results: unknown[] };",
        "const url = `https://api.cloudflare.com/client/v4/accounts/${account}/d1/database/${id}/query`;",
        "const bindings = [{ type: 'd1', name: 'DB', id }];",
        'const bindings = [{ type: "d1", name: "DB", id }];',
    ],
)
def test_code_that_speaks_to_cloudflare_d1_means_sqlite(tmp_path: Path, code: str) -> None:
    # A Worker that provisions D1 databases over D1's HTTP API imports no driver: its code
    # tells, even next to a package.json that lists a PostgreSQL driver for something else.
    assert dialect(tmp_path, code, packages=("pg",)) == "sqlite"


@pytest.mark.parametrize(
    "code",
    [
        "const d1 = new Date(a); const d2 = new Date(b);",
        "// Step D1 of the plan: create the tables",
        "const PLAN_D1 = 'basic';",
        "const kind = { type: 'd10' };",
        "fetch('/api/d1/databases');",
    ],
)
def test_other_d1s_are_no_evidence(tmp_path: Path, code: str) -> None:
    assert dialect(tmp_path, code) == "postgres"


def test_the_files_imports_come_before_its_d1_names(tmp_path: Path) -> None:
    assert dialect(tmp_path, 'import pg from "pg";\nawait api.executeD1Query(sql);') == "postgres"


def test_package_json_and_wrangler(tmp_path: Path) -> None:
    assert dialect(tmp_path, "", packages=("mysql2",)) == "mysql"
    clear_cache()
    (tmp_path / "package.json").unlink()
    assert dialect(tmp_path, "", files={"wrangler.toml": '[[d1_databases]]\nbinding = "DB"\n'}) == "sqlite"


def test_a_wrangler_toml_without_d1_is_no_evidence(tmp_path: Path) -> None:
    assert dialect(tmp_path, "", files={"wrangler.toml": 'name = "worker"\n'}) == "postgres"


@pytest.mark.parametrize(
    ("sql", "expected"),
    [
        ("CREATE TABLE t (id INTEGER PRIMARY KEY AUTOINCREMENT);", "sqlite"),
        ("PRAGMA foreign_keys = ON;", "sqlite"),
        ("CREATE TABLE t (k TEXT PRIMARY KEY) WITHOUT ROWID;", "sqlite"),
        ("CREATE TABLE t (id INT AUTO_INCREMENT PRIMARY KEY) ENGINE=InnoDB;", "mysql"),
        ("INSERT INTO t (a) VALUES (1) ON DUPLICATE KEY UPDATE a = 1;", "mysql"),
        ("CREATE TABLE `t` (id INT);", "mysql"),
        ("CREATE TABLE t (id SERIAL PRIMARY KEY);", "postgres"),
        # Words in comments and strings are no evidence; PostgreSQL's own tokens win a tie.
        ("-- `tables` and PRAGMA\nCREATE TABLE t (id INT);", "postgres"),
        ("INSERT INTO t (a) VALUES ('AUTOINCREMENT');", "postgres"),
        ("CREATE TABLE t (id INT);\nALTER TABLE t ENABLE ROW LEVEL SECURITY;\nGRANT SELECT ON t TO `anon`;", "postgres"),
    ],
)
def test_the_sqls_own_tokens(tmp_path: Path, sql: str, expected: str) -> None:
    assert dialect(tmp_path, "", sql=sql) == expected


def test_a_setting_wins_over_evidence(tmp_path: Path) -> None:
    assert detect_dialect("mysql", tmp_path / "a.ts", 'import pg from "pg";', "", tmp_path) == "mysql"


def platform(tmp_path: Path, code: str, sql: str = "CREATE TABLE t (id INT);", packages: tuple[str, ...] = ()) -> str:
    if packages:
        (tmp_path / "package.json").write_text(json.dumps({"dependencies": {p: "1" for p in packages}}))
    return detect_platform("auto", "postgres", tmp_path / "db.ts", code, [sql], tmp_path)


def test_plain_postgres_only_on_positive_evidence(tmp_path: Path) -> None:
    assert platform(tmp_path, 'import { Pool } from "pg";') == "none"
    assert platform(tmp_path, "") == "supabase"
    assert platform(tmp_path, 'import { Pool } from "pg";', sql="CREATE POLICY p ON t USING (auth.uid() = id);") == "supabase"
    assert platform(tmp_path, 'import { Pool } from "pg";', sql="ALTER PUBLICATION supabase_realtime ADD TABLE t;") == "supabase"
    assert platform(tmp_path, 'import { Pool } from "pg";', packages=("@supabase/supabase-js",)) == "supabase"
    assert platform(tmp_path, "", packages=("@neondatabase/serverless",)) == "none"


def test_an_orm_configured_for_postgresql_is_plain_postgresql_unless_supabase_shows(tmp_path: Path) -> None:
    (tmp_path / "prisma").mkdir()
    (tmp_path / "prisma" / "schema.prisma").write_text('datasource db {\n  provider = "postgresql"\n}\n')
    assert platform(tmp_path, "", packages=("@prisma/client",)) == "none"
    clear_cache()
    assert platform(tmp_path, "", packages=("@prisma/client", "@supabase/supabase-js")) == "supabase"
    clear_cache()
    assert platform(tmp_path, "", sql="CREATE POLICY p ON t USING (auth.uid() = id);", packages=("@prisma/client",)) == "supabase"


def test_sqlite_and_mysql_are_always_platform_none(tmp_path: Path) -> None:
    assert detect_platform("supabase", "sqlite", tmp_path / "a.ts", "", [], tmp_path) == "none"


def test_config_accepts_the_settings_and_rejects_others(tmp_path: Path) -> None:
    assert parse_config({"dialect": "sqlite", "platform": "auto"}, tmp_path / "migration-lsp.toml", rule_names=RULE_NAMES).dialect == "sqlite"
    with pytest.raises(ConfigError, match="dialect: 'oracle' is not one of auto, postgres, sqlite, mysql"):
        parse_config({"dialect": "oracle"}, tmp_path / "migration-lsp.toml", rule_names=RULE_NAMES)


def rules_found(tmp_path: Path, code: str, rules: dict[str, str] | None = None) -> set[str]:
    path = tmp_path / "db.ts"
    document = parse_document(path, code, ["MIGRATION_SQL"])
    result = check([document], Config(root=tmp_path, rules=rules or {}))
    return {f.rule for f in result.findings}


SQLITE = 'import Database from "better-sqlite3";\nexport const MIGRATION_SQL = `\nCREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY AUTOINCREMENT, body TEXT UNIQUE);\n`;\n'
PLAIN_PG = 'import { Pool } from "pg";\nexport const MIGRATION_SQL = `\nCREATE TABLE IF NOT EXISTS notes (id SERIAL PRIMARY KEY, body TEXT UNIQUE);\n`;\n'


def test_postgres_only_rules_stay_off_sqlite(tmp_path: Path) -> None:
    assert rules_found(tmp_path, SQLITE) == set()


def test_sqlite_still_gets_idempotency_rules(tmp_path: Path) -> None:
    assert rules_found(tmp_path, SQLITE.replace("IF NOT EXISTS ", "")) == {"create-table-not-idempotent"}


def test_supabase_gets_rls_rules(tmp_path: Path) -> None:
    assert {"table-missing-rls"} == rules_found(tmp_path, PLAIN_PG.replace('import { Pool } from "pg";', ""))


def test_plain_postgres_has_rls_rules_off_unless_the_config_sets_them(tmp_path: Path) -> None:
    assert rules_found(tmp_path, PLAIN_PG) == set()
    assert rules_found(tmp_path, PLAIN_PG, {"table-missing-rls": "warning"}) == {"table-missing-rls"}


def findings(tmp_path: Path, code: str) -> list[Finding]:
    document = parse_document(tmp_path / "db.ts", code, ["MIGRATION_SQL"])
    return check([document], Config(root=tmp_path)).findings


@pytest.mark.parametrize(
    ("dialect_import", "sql"),
    [
        ('import mysql from "mysql2/promise";', "CREATE INDEX idx_t_a ON t (a);"),
        ('import mysql from "mysql2/promise";', "ALTER TABLE t ADD COLUMN a INT;"),
        ('import Database from "better-sqlite3";', "ALTER TABLE t ADD COLUMN a INT;"),
    ],
)
def test_no_guard_is_inserted_where_the_dialect_has_none(tmp_path: Path, dialect_import: str, sql: str) -> None:
    code = f"{dialect_import}\nexport const MIGRATION_SQL = `\nCREATE TABLE IF NOT EXISTS t (id INT PRIMARY KEY, a INT UNIQUE);\n{sql}\n`;\n"
    [finding] = [f for f in findings(tmp_path, code) if f.rule.endswith("-not-idempotent")]
    assert finding.offered_fix is None
    assert "has no IF NOT EXISTS" in finding.message


def test_sqlite_index_gets_its_guard(tmp_path: Path) -> None:
    code = 'import Database from "better-sqlite3";\nexport const MIGRATION_SQL = `\nCREATE TABLE IF NOT EXISTS t (id INT PRIMARY KEY, a INT UNIQUE);\nCREATE INDEX idx_t_a ON t (a);\n`;\n'
    [finding] = [f for f in findings(tmp_path, code) if f.rule == "create-index-not-idempotent"]
    assert finding.offered_fix is not None
    safe = code.replace("CREATE INDEX idx", "CREATE INDEX IF NOT EXISTS idx")
    assert [f for f in findings(tmp_path, safe) if f.rule == "create-index-not-idempotent"] == []


@pytest.mark.parametrize("dialect_import", ['import Database from "better-sqlite3";'])
def test_a_fix_written_for_postgresql_is_not_offered_in_another_dialect(tmp_path: Path, dialect_import: str) -> None:
    # table-missing-index writes CREATE INDEX IF NOT EXISTS, which MySQL does not parse; its
    # fixes are PostgreSQL's, so no dialect but PostgreSQL gets them. (MySQL indexes each
    # foreign key itself: there the rule finds none.)
    code = f"{dialect_import}\nexport const MIGRATION_SQL = `\nCREATE TABLE IF NOT EXISTS o (id INT PRIMARY KEY);\nCREATE TABLE IF NOT EXISTS p (id INT PRIMARY KEY, o_id INT REFERENCES o (id));\n`;\n"
    [finding] = [f for f in findings(tmp_path, code) if f.rule == "table-missing-index" and "o_id" in f.message]
    assert finding.offered_fix is None
    postgres = findings(tmp_path, code.replace(dialect_import, 'import pg from "pg";'))
    assert [f.offered_fix is not None for f in postgres if f.rule == "table-missing-index" and "o_id" in f.message] == [True]


@pytest.mark.parametrize(
    ("files", "expected"),
    [
        ({"prisma/schema.prisma": 'generator client {\n  provider = "prisma-client-js"\n}\n\ndatasource db {\n  provider = "mysql"\n  url = env("DATABASE_URL")\n}\n'}, "mysql"),
        ({"prisma/schema.prisma": 'datasource db {\n  provider = "sqlite"\n  url      = "file:./dev.db"\n}\n'}, "sqlite"),
        ({"drizzle.config.ts": 'export default defineConfig({ schema: "./src/schema.ts", dialect: "sqlite", driver: "d1-http" });\n'}, "sqlite"),
        ({"drizzle.config.ts": 'export default { driver: "aws-data-api", dialect: "mysql" };\n'}, "mysql"),
        ({"drizzle.config.ts": 'export default { dialect: "postgresql" };\n'}, "postgres"),
        ({"prisma/schema.prisma": 'datasource db {\n  provider = "mongodb"\n}\n'}, "postgres"),  # no SQL dialect of ours: the default
    ],
)
def test_an_orms_config_names_the_dialect(tmp_path: Path, files: dict[str, str], expected: str) -> None:
    (tmp_path / "prisma").mkdir()
    assert dialect(tmp_path, "", packages=("@prisma/client", "drizzle-orm"), files=files) == expected


def test_a_driver_the_project_depends_on_comes_before_its_orms_config(tmp_path: Path) -> None:
    files = {"prisma/schema.prisma": 'datasource db {\n  provider = "postgresql"\n}\n'}
    (tmp_path / "prisma").mkdir()
    assert dialect(tmp_path, "", packages=("better-sqlite3", "@prisma/client"), files=files) == "sqlite"


def test_an_edited_orm_config_is_read_again(tmp_path: Path) -> None:
    schema = tmp_path / "prisma" / "schema.prisma"
    schema.parent.mkdir()
    (tmp_path / "package.json").write_text('{"dependencies": {"@prisma/client": "5"}}')
    schema.write_text('datasource db {\n  provider = "mysql"\n}\n')
    assert dialect(tmp_path, "") == "mysql"
    schema.write_text('datasource db {\n  provider = "sqlite"\n}\n')
    os.utime(schema, ns=(schema.stat().st_atime_ns, schema.stat().st_mtime_ns + 10**9))
    assert dialect(tmp_path, "") == "sqlite"
