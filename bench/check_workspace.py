"""How long `migration-lsp --check` takes on a large workspace, and how much memory it needs.

Generates, in a temporary folder, a Next.js-style app: a MIGRATION_SQL literal that creates
1,000 tables (each with its index, RLS and guarded policy, in the rulebook's sections), a
TABLES constant with an entry for each, and 10,000 TypeScript files that query them through
TABLES, an import alias, hard-coded names, realtime filters and `.rpc()` (a third of the
files hold no query at all, like most components). It then runs `migration-lsp --check` on
it and prints the wall time and the peak memory of that process. squawk, run on the same SQL
saved as a `.sql` file, is timed the same way as a point of comparison.

Usage: python bench/check_workspace.py [--files N] [--tables N] [--keep]
Target: under 10 s and 400 MB on a 2-core machine.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

TARGET_SECONDS = 10.0
TARGET_MB = 400.0


def table(i: int) -> str:
    return f"app_table_{i}"


def key(i: int) -> str:
    return f"TABLE_{i}"


def migration_sql(tables: int) -> str:
    parts = ["-- 1. Tables"]
    for i in range(tables):
        parent = f"  parent_id UUID REFERENCES {table(i - 1)}(id) ON DELETE CASCADE,\n" if i else ""
        parts.append(
            f"\n-- Records of kind {i}\n"
            f"CREATE TABLE IF NOT EXISTS {table(i)} (\n"
            f"  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),\n{parent}"
            f"  name TEXT NOT NULL,\n  status TEXT NOT NULL DEFAULT 'new',\n"
            f"  created_at TIMESTAMPTZ DEFAULT NOW()\n);"
        )
    parts.append("\n-- 2. Indexes")
    for i in range(tables):
        column = "parent_id" if i else "created_at"
        parts.append(f"CREATE INDEX IF NOT EXISTS idx_{table(i)}_{column} ON {table(i)}({column});")
    parts.append("\n-- 3. Enable RLS")
    parts += [f"ALTER TABLE {table(i)} ENABLE ROW LEVEL SECURITY;" for i in range(tables)]
    parts.append("\n-- 4. Policies")
    for i in range(tables):
        parts.append(
            "DO $$ BEGIN\n"
            f"  IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE tablename = '{table(i)}' AND policyname = 'Allow all on table_{i}') THEN\n"
            f'    CREATE POLICY "Allow all on table_{i}" ON {table(i)} FOR ALL USING (true) WITH CHECK (true);\n'
            "  END IF;\nEND $$;"
        )
    parts.append(
        "\n-- 5. Functions\n"
        "CREATE OR REPLACE FUNCTION app_touch(row_id UUID) RETURNS void LANGUAGE sql AS $fn$ SELECT 1 $fn$;"
    )
    return "\n".join(parts) + "\n"


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


def generate(root: Path, files: int, tables: int) -> Path:
    app = root / "app"
    (app / "src/app/api/setup/migrations").mkdir(parents=True)
    (app / "src/lib").mkdir(parents=True)
    (app / "tsconfig.json").write_text('{ "compilerOptions": { "paths": { "@/*": ["./src/*"] } } }\n')
    sql = migration_sql(tables)
    route = "export const MIGRATION_SQL = `\n" + sql.replace("\\", "\\\\").replace("`", "\\`").replace("${", "\\${") + "`;\n"
    (app / "src/app/api/setup/migrations/route.ts").write_text(route)
    entries = "".join(f"  {key(i)}: '{table(i)}',\n" for i in range(tables))
    (app / "src/lib/constants.ts").write_text(f"export const TABLES = {{\n{entries}}} as const;\n")
    (app / "src/lib/supabase.ts").write_text("import { createClient } from '@supabase/supabase-js';\n\nexport const supabase = createClient('url', 'key');\n")
    for n in range(files):
        folder = app / "src" / "features" / f"f{n // 100}"
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"module{n}.ts").write_text(code_file(n, tables))
    (root / "migration.sql").write_text(sql)
    return app


@dataclass
class Run:
    seconds: float  # wall clock
    cpu: float  # user + system: what the wall time would be on an idle machine, one core
    mb: float  # peak resident set size
    code: int
    output: bytes


def measure(command: list[str], cwd: Path) -> Run:
    """Time, CPU time, peak memory and exit code of one child process, and its output."""
    with tempfile.TemporaryFile() as out:
        start = time.perf_counter()
        proc = subprocess.Popen(command, cwd=cwd, stdout=out, stderr=subprocess.DEVNULL)
        _, status, usage = os.wait4(proc.pid, 0)
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        # ru_maxrss is in kilobytes on Linux, in bytes on macOS
        peak = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
        return Run(elapsed, usage.ru_utime + usage.ru_stime, peak, proc.returncode, out.read())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=10_000, help="TypeScript files to generate (default: 10000)")
    parser.add_argument("--tables", type=int, default=1_000, help="tables in the migration (default: 1000)")
    parser.add_argument("--keep", action="store_true", help="keep the generated workspace and print where it is")
    args = parser.parse_args()

    root = Path(tempfile.mkdtemp(prefix="migration-lsp-bench-"))
    try:
        app = generate(root, args.files, args.tables)
        lsp = shutil.which("migration-lsp")
        command = [lsp] if lsp else [sys.executable, "-m", "migration_lsp"]
        load = os.getloadavg()[0]
        run = measure([*command, "--check", ".", "--format", "json"], app)
        report = json.loads(run.output) if run.output.strip().startswith(b"{") else {"diagnostics": []}
        counts: dict[str, int] = {}
        for d in report["diagnostics"]:
            counts[d["rule"]] = counts.get(d["rule"], 0) + 1
        print(f"workspace: {args.files} TypeScript files, {args.tables}-table migration ({os.cpu_count()} CPUs)")
        print(f"load average before the run: {load:.1f} (other work on the machine stretches the wall time)")
        print(f"migration-lsp --check: {run.seconds:.2f} s wall, {run.cpu:.2f} s CPU, {run.mb:.0f} MB peak RSS, exit {run.code}")
        print("  findings: " + (", ".join(f"{rule} {n}" for rule, n in sorted(counts.items())) or "none"))
        squawk = shutil.which("squawk")
        if squawk is None:
            print("squawk: not installed (pip install squawk-cli); no comparison")
        else:
            peer = measure([squawk, str(root / "migration.sql")], root)
            print(f"squawk on the same SQL: {peer.seconds:.2f} s wall, {peer.cpu:.2f} s CPU, {peer.mb:.0f} MB peak RSS, exit {peer.code}")
            print(
                f"  ratio: migration-lsp takes {run.seconds / peer.seconds:.1f}x squawk's wall time, {run.cpu / peer.cpu:.1f}x its CPU time"
                " (squawk reads the SQL alone, not the code)"
            )
        met = run.seconds < TARGET_SECONDS and run.mb < TARGET_MB
        print(f"target (< {TARGET_SECONDS:.0f} s, < {TARGET_MB:.0f} MB): {'met' if met else 'NOT met'}")
        if args.keep:
            print(f"workspace kept in {root}")
        return 0 if met else 1
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
