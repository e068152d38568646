"""How long `migration-lsp verify` takes on a real PostgreSQL.

Times, for the bundled example (its literal, and an upgrade from its `baseline-sql` files) and
for a generated migration of 100 tables (each with its columns, index, RLS and guarded policy,
upgraded from a release that lacked one column per table):

- cold: a new throwaway server each run (initdb, start, the platform's template database),
  as one `migration-lsp verify` command does;
- warm: one server kept open and already used once, as the editor keeps it between runs.

Usage: python bench/verify_time.py [--runs N]
Targets for the example: under 10 s cold, under 2 s warm.
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path
from typing import Callable

from migration_lsp.baseline import Baseline, project_baselines, sql_migration
from migration_lsp.cli.verify import sources_for
from migration_lsp.engine import Migration, parse_document
from migration_lsp.verify import Server, SqlSource, verify
from migration_lsp.workspace.project import load_projects

EXAMPLE = Path(__file__).resolve().parent.parent / "examples" / "mason-app"
TABLES = 100
TARGET_COLD, TARGET_WARM = 10.0, 2.0


def example() -> tuple[SqlSource, list[SqlSource]]:
    [project] = [p for p in load_projects([EXAMPLE]) if p.documents]
    [migration] = [m for d in project.documents.values() for m in d.migrations]
    return sources_for(migration, project_baselines(project))


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


def generated() -> tuple[SqlSource, list[SqlSource]]:
    """100 tables now; the release before had them without ``owner_id``."""
    parts = [table_sql(i, True) for i in range(TABLES)]
    parts += [f"ALTER TABLE app_items_{i} ADD COLUMN IF NOT EXISTS owner_id UUID;\n" for i in range(TABLES)]
    parts += [f"CREATE INDEX IF NOT EXISTS idx_app_items_{i}_owner ON app_items_{i}(owner_id);\n" for i in range(TABLES)]
    parts += [f"ALTER TABLE app_items_{i} ENABLE ROW LEVEL SECURITY;\n" for i in range(TABLES)]
    parts += [
        f"""DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE tablename = 'app_items_{i}' AND policyname = 'Owner') THEN
    CREATE POLICY "Owner" ON app_items_{i} FOR ALL USING (owner_id = auth.uid());
  END IF;
END $$;
"""
        for i in range(TABLES)
    ]
    [current] = parse_document(Path("route.ts"), f"export const MIGRATION_SQL = `{''.join(parts)}`;\n", ["MIGRATION_SQL"]).migrations
    release: Migration = sql_migration(Path("release.sql"), "".join(table_sql(i, False) for i in range(TABLES)))
    return sources_for(current, [Baseline("release", (release,), per_file=False)])


def seconds(action: Callable[[], object]) -> float:
    start = time.perf_counter()
    action()
    return time.perf_counter() - start


def measure(current: SqlSource, baselines: list[SqlSource], runs: int) -> tuple[float, float, int]:
    """Median cold and warm seconds, and how many problems a run finds."""
    found: list[int] = []

    def cold() -> None:
        with Server() as server:
            found.append(len(verify(current, baselines, server=server)))

    cold_time = statistics.median(seconds(cold) for _ in range(runs))
    with Server() as server:
        verify(current, baselines, server=server)
        warm_time = statistics.median(seconds(lambda: verify(current, baselines, server=server)) for _ in range(runs))
    return cold_time, warm_time, found[0]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=3, help="runs of each measurement; the median is printed (default: 3)")
    args = parser.parse_args()
    results = {}
    for name, (current, baselines) in (("example", example()), (f"{TABLES} tables", generated())):
        cold, warm, problems = results[name] = measure(current, baselines, args.runs)
        size = f"{len(current.statements)} statements, {2 + len(baselines)} scenarios, {problems} problems found"
        print(f"{name:<10} ({size}): cold {cold:5.2f} s, warm {warm:5.2f} s")
    cold, warm, _ = results["example"]
    verdict = "met" if cold < TARGET_COLD and warm < TARGET_WARM else "MISSED"
    print(f"targets for the example: cold < {TARGET_COLD:.0f} s, warm < {TARGET_WARM:.0f} s: {verdict}")


if __name__ == "__main__":
    main()
