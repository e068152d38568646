"""How long `migration-lsp --check` takes on a large workspace and on one file, and how much memory it needs.

Large workspace: for each workload (see ``generate.py``: ``clean`` without git, ``clean-git``
and ``findings-git``, a git repository with one commit, so the default ``HEAD`` baseline is
on; ``findings`` on request), a Next.js-style app of 10,000 TypeScript files around a
1,000-table migration, checked with ``migration-lsp --check . --format json``: wall time,
CPU time and peak memory of that process, and the findings by rule. squawk, run on the same
SQL saved as a ``.sql`` file, is timed the same way.

Start-up: ``--check`` of the example's single migration file (``examples/mason-app``, as
shipped: its config, its ``baseline-sql`` files and the git baseline), wall time against
squawk on the same SQL, and where the time of the imports goes (``python -X importtime``);
``--workload`` with no name runs this part alone.

Usage: python bench/check_workspace.py [--workload W ...] [--files N] [--tables N] [--runs N] [--keep] [--smoke]
Targets: a workload with a git baseline under 3 s and 150 MB; one file under 0.35 s.
Exit: 0 all targets met (or --smoke), 1 a target missed, 2 the benchmark could not run.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from generate import DEFAULT_WORKLOADS, WORKLOADS, generate
from lsp_client import our_server, tool
from timing import describe, measure, median_run

TARGET_SECONDS, TARGET_MB = 3.0, 150.0  # with a git baseline
TARGET_ONE_FILE = 0.35
REPO = Path(__file__).resolve().parent.parent
EXAMPLE_ROUTE = REPO / "examples/mason-app/packages/mason-dashboard/src/app/api/setup/migrations/route.ts"
SMOKE = {"files": 20, "tables": 5, "runs": 1, "workload": ["findings-git"]}
TOP = 8  # modules shown in the import summary


def workspace(workload: str, args: argparse.Namespace, squawk: str | None) -> bool:
    """Check one generated workspace (``args.runs`` times), print the figures; whether its targets are met."""
    kind, git = WORKLOADS[workload]
    root = Path(tempfile.mkdtemp(prefix="migration-lsp-bench-"))
    try:
        app = generate(root, args.files, args.tables, kind, git)
        load = os.getloadavg()[0]
        runs = [measure([*our_server(), "--check", ".", "--format", "json"], app) for _ in range(args.runs)]
        run = median_run(runs)
        if not run.output.startswith(b"{"):
            raise RuntimeError(f"migration-lsp --check exited {run.code}: {run.errors.decode(errors='replace').strip()}")
        report = json.loads(run.output)
        counts: dict[str, int] = {}
        for d in report["diagnostics"]:
            counts[d["rule"]] = counts.get(d["rule"], 0) + 1
        baseline = "git repository, HEAD baseline" if git else "no git"
        print(f"\n{workload}: {args.files} TypeScript files, {args.tables}-table migration, {baseline} (load average before: {load:.2f})")
        spread = f" (median of {len(runs)}: {', '.join(f'{r.seconds:.2f}' for r in runs)} s)" if len(runs) > 1 else ""
        print(f"  migration-lsp --check: {describe(run)}{spread}")
        print("  findings: " + (", ".join(f"{rule} {n}" for rule, n in sorted(counts.items())) or "none"))
        for notice in report.get("notices", [])[:3]:
            print(f"  notice: {notice.get('message', notice)}")
        if squawk is None:
            print("  squawk: not installed (pip install squawk-cli); no comparison")
        else:
            peer = median_run([measure([squawk, str(root / "migration.sql")], root) for _ in range(args.runs)])
            print(f"  squawk on the same SQL: {describe(peer)}")
            print(f"  ratio: migration-lsp takes {run.seconds / peer.seconds:.1f}x squawk's wall time, {run.cpu / peer.cpu:.1f}x its CPU time (squawk reads the SQL alone, not the code)")
        met = not git or (run.seconds < TARGET_SECONDS and run.mb < TARGET_MB)
        if git and not args.smoke:
            print(f"  target (< {TARGET_SECONDS:.0f} s, < {TARGET_MB:.0f} MB): {'met' if met else 'NOT met'}")
        if args.keep:
            print(f"  workspace kept in {root}")
        return met
    finally:
        if not args.keep:
            shutil.rmtree(root, ignore_errors=True)


def literal_sql(text: str) -> str:
    """The SQL of the file's MIGRATION_SQL literal, its escaped characters unescaped (the example has no ``${…}`` nor ``\\n``)."""
    match = re.search(r"MIGRATION_SQL\s*=\s*`((?:[^`\\]|\\.)*)`", text, re.DOTALL)
    if match is None or "${" in match.group(1).replace("\\${", ""):
        raise ValueError("no MIGRATION_SQL literal without substitutions")
    return re.sub(r"\\(.)", r"\1", match.group(1), flags=re.DOTALL)


@dataclass
class Imports:
    """What ``-X importtime`` says, in seconds."""

    total: float
    by_package: list[tuple[str, float]]  # self time summed by top-level package
    ours: list[tuple[str, float]]  # self time of each of our own modules
    outermost: list[tuple[str, float]]  # cumulative time of each import the program itself made


def imports(stderr: str) -> Imports:
    packages: dict[str, float] = {}
    ours: list[tuple[str, float]] = []
    outermost: list[tuple[str, float]] = []
    for line in stderr.splitlines():
        found = re.match(r"import time:\s+(\d+) \|\s+(\d+) \|( +)(\S+)", line)
        if found is None:
            continue
        own, cumulative, depth, name = int(found[1]) / 1e6, int(found[2]) / 1e6, len(found[3]), found[4]
        package = name.split(".")[0]
        packages[package] = packages.get(package, 0.0) + own
        if package == "migration_lsp":
            ours.append((name, own))
        if depth == 1:  # the nesting is shown by two more spaces per level
            outermost.append((name, cumulative))

    def top(pairs: Iterable[tuple[str, float]]) -> list[tuple[str, float]]:
        return sorted(pairs, key=lambda kv: -kv[1])[:TOP]

    return Imports(sum(packages.values()), top(packages.items()), top(ours), top(outermost))


def listing(pairs: list[tuple[str, float]]) -> str:
    return ", ".join(f"{name} {seconds * 1000:.0f} ms" for name, seconds in pairs)


def start_up(args: argparse.Namespace, squawk: str | None) -> bool:
    """``--check`` of the example's migration file against squawk, and the imports; whether the target is met."""
    route = EXAMPLE_ROUTE.relative_to(REPO)
    runs = [measure([*our_server(), "--check", str(route)], REPO) for _ in range(args.startup_runs)]
    run = median_run(runs)
    print(f"\nstart-up: migration-lsp --check {route}")
    print(f"  migration-lsp: {describe(run)} (median of {len(runs)}: {', '.join(f'{r.seconds:.2f}' for r in runs)} s)")
    if squawk is not None:
        with tempfile.TemporaryDirectory(prefix="migration-lsp-bench-") as folder:
            sql = Path(folder) / "migration.sql"
            sql.write_text(literal_sql(EXAMPLE_ROUTE.read_text()))
            peer = median_run([measure([squawk, str(sql)], Path(folder)) for _ in range(args.startup_runs)])
        print(f"  squawk on the same SQL: {describe(peer)}; ratio {run.seconds / peer.seconds:.1f}x")
    lsp = tool("migration-lsp")
    program = [lsp] if lsp else ["-m", "migration_lsp"]  # the console script is a Python file
    traced = measure([sys.executable, "-X", "importtime", *program, "--check", str(route)], REPO)
    found = imports(traced.errors.decode(errors="replace"))
    print(f"  imports (python -X importtime, one run, {traced.seconds:.2f} s wall with the tracing): {found.total:.2f} s")
    print(f"    self time by package: {listing(found.by_package)}")
    print(f"    our slowest modules, self time: {listing(found.ours)}")
    print(f"    outermost imports, with all they import: {listing(found.outermost)}")
    met = run.seconds < TARGET_ONE_FILE
    if not args.smoke:
        print(f"  target (< {TARGET_ONE_FILE} s): {'met' if met else 'NOT met'}")
    return met


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workload", nargs="*", choices=list(WORKLOADS), default=list(DEFAULT_WORKLOADS), help=f"workloads (default: {' '.join(DEFAULT_WORKLOADS)})")
    parser.add_argument("--files", type=int, default=10_000, help="TypeScript files to generate (default: 10000)")
    parser.add_argument("--tables", type=int, default=1_000, help="tables in the migration (default: 1000)")
    parser.add_argument("--runs", type=int, default=1, help="runs of each --check of a workspace; the median is printed (default: 1)")
    parser.add_argument("--startup-runs", type=int, default=5, help="runs of the one-file --check; the median is printed (default: 5)")
    parser.add_argument("--no-startup", action="store_true", help="skip the one-file --check")
    parser.add_argument("--keep", action="store_true", help="keep the generated workspaces and print where they are")
    parser.add_argument("--smoke", action="store_true", help="one tiny run of each part, to see that the benchmark works")
    args = parser.parse_args()
    if args.smoke:
        vars(args).update(SMOKE, startup_runs=1)
    squawk = tool("squawk")
    print(f"{os.cpu_count()} CPUs; load average before the runs: {' '.join(f'{v:.2f}' for v in os.getloadavg())} (other work on the machine stretches the wall time, not the CPU time)")
    began = time.perf_counter()
    try:
        met = all([workspace(w, args, squawk) for w in args.workload])  # noqa: C419 -- every workload runs
        if not args.no_startup:
            met &= start_up(args, squawk)
    except (OSError, RuntimeError, ValueError, subprocess.SubprocessError) as e:
        print(f"check_workspace: {e}", file=sys.stderr)
        return 2
    print(f"\nload average after the runs: {' '.join(f'{v:.2f}' for v in os.getloadavg())}; total {time.perf_counter() - began:.0f} s")
    if args.smoke:
        print("smoke run: tiny sizes, targets not judged")
        return 0
    print(f"targets: {'met' if met else 'NOT met'}")
    return 0 if met else 1


if __name__ == "__main__":
    sys.exit(main())
