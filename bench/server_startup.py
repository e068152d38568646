"""How long the language server takes from its start to the first diagnostics, installed or bundled.

The same plain stdio client as ``lsp_latency.py`` starts a server, initializes it on the
example app, opens its migration file and waits for that file's diagnostics: what a user waits
for after opening the editor. Measured, alternately, for:

- the server as installed today: ``migration-lsp`` on ``PATH`` (a virtualenv's entry point);
- ``python -m migration_lsp`` with the same interpreter (what the Python extension path runs);
- the frozen server that the VS Code extension carries (``editors/vscode/bundled/server``,
  built by ``editors/vscode/scripts/bundle-server.py``), when it has been built.

Usage: python bench/server_startup.py [--runs 7] [--smoke]
Target: the bundled server's median at most that of the installed one.
Exit: 0 the target met (or no bundled server, or --smoke), 1 missed, 2 the benchmark could not run.
"""

from __future__ import annotations

import argparse
import os
import platform
import shutil
import statistics
import sys
import time
from pathlib import Path

from lsp_client import Connection

REPO = Path(__file__).resolve().parents[1]
APP = REPO / "examples" / "mason-app"
ROUTE = APP / "packages" / "mason-dashboard" / "src" / "app" / "api" / "setup" / "migrations" / "route.ts"
BUNDLED = REPO / "editors" / "vscode" / "bundled" / "server" / ("migration-lsp.exe" if os.name == "nt" else "migration-lsp")


def first_diagnostics(command: list[str]) -> float:
    """Seconds from starting ``command`` to the diagnostics of the opened migration."""
    start = time.perf_counter()
    with Connection(command, APP) as conn:
        conn.initialize(APP)
        conn.published(conn.open(ROUTE, "typescript", ROUTE.read_text()), 1)
        return time.perf_counter() - start


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=7, help="timed starts of each server (default: 7)")
    parser.add_argument("--smoke", action="store_true", help="one timed start of each server, to see that the benchmark works")
    args = parser.parse_args()
    if args.smoke:
        args.runs = 1
    installed = shutil.which("migration-lsp", path=os.pathsep.join([str(Path(sys.executable).parent), os.environ.get("PATH", "")]))
    if installed is None:
        print("server_startup: no migration-lsp installed (pip install -e .)", file=sys.stderr)
        return 2
    servers = {"installed (PATH)": [installed], "python -m migration_lsp": [sys.executable, "-m", "migration_lsp"]}
    if BUNDLED.is_file():
        servers["bundled (frozen)"] = [str(BUNDLED)]
    else:
        print(f"no bundled server at {BUNDLED.relative_to(REPO)}; build it with editors/vscode/scripts/bundle-server.py")

    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(f"load average before the runs: {os.getloadavg()[0]:.1f}")
    for command in servers.values():  # once untimed, so that every server starts from a warm disk cache
        first_diagnostics(command)
    times: dict[str, list[float]] = {name: [] for name in servers}
    for _ in range(args.runs):
        for name, command in servers.items():
            times[name].append(first_diagnostics(command))

    print(f"\nstart to first diagnostics of {ROUTE.relative_to(REPO)}, {args.runs} runs each:")
    for name, values in times.items():
        print(f"  {name:26} median {statistics.median(values):.2f} s, min {min(values):.2f} s, max {max(values):.2f} s")
    if "bundled (frozen)" not in times:
        return 0
    ratio = statistics.median(times["bundled (frozen)"]) / statistics.median(times["installed (PATH)"])
    print(f"\nratio bundled / installed: {ratio:.2f} (target at most 1)")
    return 0 if ratio <= 1 or args.smoke else 1


if __name__ == "__main__":
    sys.exit(main())
