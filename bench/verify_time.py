"""How long `migration-lsp verify` takes on a real PostgreSQL, through the command line and in the editor.

Two cases:

- the bundled example (``examples/mason-app``, as shipped: its literals, and an upgrade from its
  ``baseline-sql`` files);
- a generated migration of 100 tables (each with its columns, CHECK, index, RLS and guarded
  policy) in a git repository whose ``HEAD`` is the release before, which lacked one column
  per table: the default baseline, so the upgrade scenario runs from git.

For each:

- cold, through the command line: ``migration-lsp verify PATH``, a new throwaway server each
  run (a copy of initdb's output from the user's cache, which the first run ever fills, then
  start, set up the databases, stop), wall time;
- in the editor: the language server's verify command on the migration file, over stdio, to
  the message that reports its result; the first run starts the server's cluster, the next
  ones (warm) reuse it, as the editor keeps it while it is open.

Each figure has its CPU time beside the wall time, PostgreSQL's processes included: on a shared
machine the wall time stretches with the load, the CPU time much less.

Usage: python bench/verify_time.py [--runs N] [--smoke]
Targets for the example: under 2 s cold through the command line, under 0.5 s warm in the editor.
Exit: 0 all targets met (or --smoke), 1 a target missed, 2 the benchmark could not run.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import timing
from generate import commit
from lsp_client import Connection, our_server

REPO = Path(__file__).resolve().parent.parent
EXAMPLE = REPO / "examples" / "mason-app"
EXAMPLE_ROUTE = EXAMPLE / "packages/mason-dashboard/src/app/api/setup/migrations/route.ts"
TABLES = 100
TARGET_COLD, TARGET_WARM = 2.0, 0.5
VERIFY_WAIT_S = 600


Sample = tuple[float, float]  # wall and CPU seconds; the CPU time of PostgreSQL's processes included


@dataclass
class Timing:
    cold: list[Sample]  # command line, each run
    problems: int | None  # what the command line reported
    first: Sample | None  # the editor's first run
    warm: list[Sample]  # the editor's next runs


def table_sql(i: int, with_owner: bool) -> str:
    name = f"app_items_{i}"
    owner = "\n  owner_id UUID," if with_owner else ""
    return f"""CREATE TABLE IF NOT EXISTS {name} (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),{owner}
  title TEXT NOT NULL DEFAULT '',
  status TEXT NOT NULL DEFAULT 'new' CHECK (status IN ('new', 'done')),
  created_at TIMESTAMPTZ NOT NULL DEFAULT now()
);
"""


def release_sql(tables: int) -> str:
    """The release older databases run: the tables without ``owner_id``."""
    return "".join(table_sql(i, False) for i in range(tables))


def current_sql(tables: int) -> str:
    """The tables now, ``owner_id`` added for older databases, with an index, RLS and a guarded policy each."""
    parts = [table_sql(i, True) for i in range(tables)]
    parts += [f"ALTER TABLE app_items_{i} ADD COLUMN IF NOT EXISTS owner_id UUID;\n" for i in range(tables)]
    parts += [f"CREATE INDEX IF NOT EXISTS idx_app_items_{i}_owner ON app_items_{i}(owner_id);\n" for i in range(tables)]
    parts += [f"ALTER TABLE app_items_{i} ENABLE ROW LEVEL SECURITY;\n" for i in range(tables)]
    parts += [
        f"""DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE tablename = 'app_items_{i}' AND policyname = 'Owner') THEN
    CREATE POLICY "Owner" ON app_items_{i} FOR ALL USING (owner_id = auth.uid());
  END IF;
END $$;
"""
        for i in range(tables)
    ]
    return "".join(parts)


def generated(root: Path, tables: int) -> Path:
    """An app whose migration file is committed as the release, then changed to the current SQL; the file."""
    route = root / "src/app/api/setup/migrations/route.ts"
    route.parent.mkdir(parents=True)
    route.write_text(f"export const MIGRATION_SQL = `\n{release_sql(tables)}`;\n")
    commit(root, "Release")
    route.write_text(f"export const MIGRATION_SQL = `\n{current_sql(tables)}`;\n")
    return route


def command_line(folder: Path, runs: int) -> tuple[list[Sample], int]:
    """Each ``migration-lsp verify`` run, and the problems it reported."""
    samples, problems = [], 0
    for _ in range(runs):
        run = timing.measure([*our_server(), "verify", ".", "--format", "json"], folder)
        samples.append((run.seconds, run.cpu))
        if run.code not in (0, 1) or not run.output.startswith(b"{"):
            raise RuntimeError(f"migration-lsp verify exited {run.code}: {(run.errors or run.output).decode(errors='replace').strip()}")
        problems = len(json.loads(run.output)["diagnostics"])
    return samples, problems


def in_editor(folder: Path, route: Path, runs: int) -> tuple[Sample, list[Sample]]:
    """The first verify run of a language server, and the next ``runs``."""
    with Connection(our_server(), folder) as conn:
        conn.initialize(folder)
        uri = conn.open(route, "typescript", route.read_text())
        conn.published(uri, 1)

        def once() -> Sample:
            cpu, start = conn.cpu_seconds(tree=True), time.perf_counter()
            conn.request("workspace/executeCommand", {"command": "migration-lsp.verify", "arguments": [uri]})
            shown = conn.next_message(lambda m: m.get("method") == "window/showMessage" and "verify" in m["params"]["message"], VERIFY_WAIT_S)
            if shown["params"]["type"] == 1:  # an error, not a result
                raise RuntimeError(shown["params"]["message"])
            wall = time.perf_counter() - start
            return wall, conn.cpu_seconds(tree=True) - cpu

        first = once()
        return first, [once() for _ in range(runs)]


def measure(folder: Path, route: Path, runs: int, cli: bool = True, editor: bool = True) -> Timing:
    cold, problems = command_line(folder, runs) if cli else ([], None)
    first, warm = in_editor(folder, route, runs) if editor else (None, [])
    return Timing(cold, problems, first, warm)


def seconds(samples: list[Sample]) -> str:
    if not samples:
        return "not measured in a smoke run"
    walls = [wall for wall, _ in samples]
    spread = f" (median of {len(walls)}: {', '.join(f'{v:.2f}' for v in walls)})" if len(walls) > 1 else ""
    return f"{statistics.median(walls):.2f} s wall{spread}, {statistics.median(cpu for _, cpu in samples):.2f} s CPU"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each measurement; the median is printed (default: 3)")
    parser.add_argument("--tables", type=int, default=TABLES, help=f"tables of the generated migration (default: {TABLES})")
    parser.add_argument("--smoke", action="store_true", help="the example through the command line, a 3-table migration in the editor, once each")
    args = parser.parse_args()
    if args.smoke:
        args.runs, args.tables = 1, 3
    print(f"{os.cpu_count()} CPUs; load average before the runs: {' '.join(f'{v:.2f}' for v in os.getloadavg())} (other work on the machine stretches the times)")
    began = time.perf_counter()
    root = Path(tempfile.mkdtemp(prefix="migration-lsp-verify-bench-"))
    try:
        # A smoke run takes each way once: the example through the command line, the other in the editor.
        results = {
            "example": measure(EXAMPLE, EXAMPLE_ROUTE, args.runs, editor=not args.smoke),
            f"{args.tables} tables, git baseline": measure(root, generated(root, args.tables), args.runs, cli=not args.smoke),
        }
        for name, found in results.items():
            print(f"\n{name}" + ("" if found.problems is None else f" ({found.problems} problems found)"))
            print(f"  cold, command line: {seconds(found.cold)}")
            first = "not measured in a smoke run" if found.first is None else f"first run {seconds([found.first])}"
            print(f"  in the editor: {first}, then warm {seconds(found.warm)}")
    except (RuntimeError, TimeoutError, OSError) as e:
        print(f"verify_time: {e}", file=sys.stderr)
        return 2
    finally:
        shutil.rmtree(root, ignore_errors=True)
    print(f"\nload average after the runs: {' '.join(f'{v:.2f}' for v in os.getloadavg())}; total {time.perf_counter() - began:.0f} s")
    if args.smoke:
        print("smoke run: targets not judged")
        return 0
    example = results["example"]
    met = statistics.median(w for w, _ in example.cold) < TARGET_COLD and statistics.median(w for w, _ in example.warm) < TARGET_WARM
    print(f"targets for the example (cold < {TARGET_COLD:.0f} s, warm < {TARGET_WARM} s): {'met' if met else 'NOT met'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
