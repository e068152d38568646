"""The workspaces the benchmarks run on: a generated Next.js-style app around one migration.

The migration creates N tables in the rulebook's sections (tables, indexes, RLS, guarded
policies, one function). Two kinds:

- ``clean``: every table is indexed on its foreign key; ``--check`` finds nothing.
- ``findings``: every table has a foreign key without an index (the index is on another
  column), so each table has one ``table-missing-index`` finding, which carries a fix.

Beside it: a ``TABLES`` constant with an entry for each table and TypeScript files that
query them through ``TABLES``, an import alias, hard-coded names, realtime filters and
``.rpc()`` (a third hold no query at all, like most components). With ``git``, the app is a
repository with one commit, so the default baseline (``HEAD``) is on, as in a user's clone.
The same SQL is saved as ``migration.sql`` beside the app, for squawk.
"""

from __future__ import annotations

import os
import subprocess
from dataclasses import dataclass
from pathlib import Path

KINDS = ("clean", "findings")
# workload → migration kind, and whether the app is a git repository with a commit
WORKLOADS = {"clean": ("clean", False), "clean-git": ("clean", True), "findings-git": ("findings", True), "findings": ("findings", False)}
DEFAULT_WORKLOADS = ("clean", "clean-git", "findings-git")
ROUTE = "src/app/api/setup/migrations/route.ts"
OPENING = "export const MIGRATION_SQL = `\n"


def table(i: int) -> str:
    return f"app_table_{i}"


def key(i: int) -> str:
    return f"TABLE_{i}"


@dataclass(frozen=True)
class Statement:
    start: int  # offset in the SQL
    spot: int  # offset in the SQL where a user would type in this statement: the end of a name


@dataclass(frozen=True)
class Migration:
    sql: str
    statements: tuple[Statement, ...]


class _Builder:
    def __init__(self) -> None:
        self.sql = ""
        self.statements: list[Statement] = []

    def comment(self, text: str) -> None:
        self.sql += text + "\n"

    def statement(self, text: str, after: str) -> None:
        """Add ``text``; its spot is the end of the first ``after`` in it."""
        found = text.index(after) + len(after)
        self.statements.append(Statement(len(self.sql), len(self.sql) + found))
        self.sql += text + "\n"


def migration(tables: int, kind: str = "clean") -> Migration:
    if kind not in KINDS:
        raise ValueError(f"unknown migration kind {kind!r}")
    b = _Builder()
    b.comment("-- 1. Tables")
    for i in range(tables):
        if kind == "findings":  # every table has a parent; the first one is its own
            parent = f"  parent_id UUID REFERENCES {table(max(i - 1, 0))}(id) ON DELETE CASCADE,\n"
        else:
            parent = f"  parent_id UUID REFERENCES {table(i - 1)}(id) ON DELETE CASCADE,\n" if i else ""
        b.comment(f"\n-- Records of kind {i}")
        b.statement(
            f"CREATE TABLE IF NOT EXISTS {table(i)} (\n"
            f"  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),\n{parent}"
            "  name TEXT NOT NULL,\n  status TEXT NOT NULL DEFAULT 'new',\n"
            "  created_at TIMESTAMPTZ DEFAULT NOW()\n);",
            "\n  name",
        )
    b.comment("\n-- 2. Indexes")
    for i in range(tables):
        column = "parent_id" if i and kind == "clean" else "created_at"
        b.statement(f"CREATE INDEX IF NOT EXISTS idx_{table(i)}_{column} ON {table(i)}({column});", f"idx_{table(i)}_{column}")
    b.comment("\n-- 3. Enable RLS")
    for i in range(tables):
        b.statement(f"ALTER TABLE {table(i)} ENABLE ROW LEVEL SECURITY;", f"ALTER TABLE {table(i)}")
    b.comment("\n-- 4. Policies")
    for i in range(tables):
        b.statement(
            "DO $$ BEGIN\n"
            f"  IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE tablename = '{table(i)}' AND policyname = 'Allow all on table_{i}') THEN\n"
            f'    CREATE POLICY "Allow all on table_{i}" ON {table(i)} FOR ALL USING (true) WITH CHECK (true);\n'
            "  END IF;\nEND $$;",
            f'CREATE POLICY "Allow all on table_{i}',
        )
    b.comment("\n-- 5. Functions")
    b.statement("CREATE OR REPLACE FUNCTION app_touch(row_id UUID) RETURNS void LANGUAGE sql AS $fn$ SELECT 1 $fn$;", "row_id")
    return Migration(b.sql, tuple(b.statements))


def route_text(sql: str) -> str:
    """The route file that holds ``sql`` as its MIGRATION_SQL literal."""
    if any(c in sql for c in "\\`") or "${" in sql:
        raise ValueError("the generated SQL must read the same inside a template literal")
    return f"{OPENING}{sql}`;\n"


def sql_line(route: str) -> int:
    """The line of the route file on which the SQL starts."""
    return route[: route.index(OPENING) + len(OPENING)].count("\n")


def code_file(n: int, tables: int) -> str:
    a, b = n % tables, (n * 7 + 3) % tables
    kind = n % 10
    if kind < 3:  # a component without any query
        return (
            "import { useState } from 'react';\n\n"
            f"export function Widget{n}({{ label }}: {{ label: string }}) {{\n"
            "  const [open, setOpen] = useState(false);\n"
            "  return { open, toggle: () => setOpen(!open), label };\n}\n"
        )
    if kind == 3:  # a hard-coded name and an rpc
        return (
            "import { supabase } from '@/lib/supabase';\n\n"
            f"export async function load{n}(id: string) {{\n"
            f"  await supabase.rpc('app_touch', {{ row_id: id }});\n"
            f"  return supabase.from('{table(a)}').select('id, name').eq('status', 'new');\n}}\n"
        )
    if kind == 4:  # an alias and a realtime filter
        return (
            "import { TABLES as T } from '@/lib/constants';\n"
            "import { supabase } from '@/lib/supabase';\n\n"
            f"export function watch{n}(onChange: () => void) {{\n"
            f"  return supabase.channel('c{n}').on('postgres_changes', {{ event: '*', schema: 'public', table: T.{key(a)} }}, onChange).subscribe();\n}}\n"
        )
    return (
        "import { TABLES } from '@/lib/constants';\n"
        "import { supabase } from '@/lib/supabase';\n\n"
        f"export async function list{n}(parentId: string) {{\n"
        f"  const {{ data }} = await supabase.from(TABLES.{key(a)}).select('id, name, status').eq('parent_id', parentId).order('created_at');\n"
        "  return data;\n}\n\n"
        f"export async function add{n}(name: string) {{\n"
        f"  return supabase.from(TABLES['{key(b)}']).insert({{ name, status: 'new' }});\n}}\n"
    )


def generate(root: Path, files: int, tables: int, kind: str = "clean", git: bool = False) -> Path:
    """Write the app into ``root / "app"`` (and its SQL into ``root / "migration.sql"``); the app's path."""
    app = root / "app"
    (app / ROUTE).parent.mkdir(parents=True)
    (app / "src/lib").mkdir(parents=True)
    (app / "tsconfig.json").write_text('{ "compilerOptions": { "paths": { "@/*": ["./src/*"] } } }\n')
    sql = migration(tables, kind).sql
    (app / ROUTE).write_text(route_text(sql))
    entries = "".join(f"  {key(i)}: '{table(i)}',\n" for i in range(tables))
    (app / "src/lib/constants.ts").write_text(f"export const TABLES = {{\n{entries}}} as const;\n")
    (app / "src/lib/supabase.ts").write_text("import { createClient } from '@supabase/supabase-js';\n\nexport const supabase = createClient('url', 'key');\n")
    for n in range(files):
        folder = app / "src" / "features" / f"f{n // 100}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"module{n}.ts").write_text(code_file(n, tables))
    (root / "migration.sql").write_text(sql)
    if git:
        commit(app)
    return app


def commit(folder: Path, message: str = "Import") -> None:
    """Make ``folder`` a git repository (once) and commit everything in it."""
    env = {**os.environ, "GIT_CONFIG_GLOBAL": os.devnull, "GIT_CONFIG_NOSYSTEM": "1"}
    identity = ["-c", "user.name=Bench", "-c", "user.email=bench@example.invalid", "-c", "commit.gpgsign=false"]
    if not (folder / ".git").exists():
        subprocess.run(["git", "init", "-q", "-b", "main"], cwd=folder, env=env, check=True)
    subprocess.run(["git", "add", "-A"], cwd=folder, env=env, check=True)
    subprocess.run(["git", *identity, "commit", "-q", "-m", message], cwd=folder, env=env, check=True)
