"""Each benchmark the README quotes runs once, tiny, so that it cannot stop working unseen.

The figures of a smoke run mean nothing (tiny sizes, a shared machine); what is checked is that
the script runs to its end and prints every figure it exists for.
"""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"

# script → what its output must show
FIGURES = {
    "lsp_latency.py": [
        r"cold open to first diagnostics: migration-lsp [\d.]+ m?s, CPU [\d.]+ m?s, squawk [\d.]+ m?s",
        r"first +typing +migration-lsp p50 [\d.]+ ms, p95 [\d.]+ ms, max [\d.]+ ms \(\d+\); squawk p50",
        r"middle +deleting +migration-lsp p50",
        r"last +typing +migration-lsp p50",
        r"p95 ratio migration-lsp / squawk: \d+\.\d\d",
        r"memory: \d+ MB after 10 edits",
        r"\| findings-git \| 4 \| \d",
        r"smoke run: tiny sizes",
    ],
    "check_workspace.py": [
        r"findings-git: 20 TypeScript files, 5-table migration, git repository, HEAD baseline",
        r"migration-lsp --check: [\d.]+ s wall, [\d.]+ s CPU, \d+ MB peak RSS, exit 0",
        r"findings: .*table-missing-index 5",
        r"squawk on the same SQL: [\d.]+ s wall",
        r"start-up: migration-lsp --check examples/mason-app/\S+/route\.ts",
        r"imports \(python -X importtime.*\): [\d.]+ s",
        r"self time by package: \w+ \d+ ms",
    ],
    "server_startup.py": [
        r"start to first diagnostics of examples/mason-app/\S+/route\.ts, 1 runs each",
        r"installed \(PATH\) +median [\d.]+ s, min [\d.]+ s, max [\d.]+ s",
        r"python -m migration_lsp +median [\d.]+ s",
    ],
    "verify_time.py": [
        r"example \(\d+ problems found\)\n  cold, command line: [\d.]+ s wall, [\d.]+ s CPU",
        r"3 tables, git baseline\n.*\n  in the editor: first run [\d.]+ s wall, [\d.]+ s CPU, then warm [\d.]+ s wall, [\d.]+ s CPU",
    ],
}


@pytest.mark.bench
@pytest.mark.parametrize("script", [pytest.param(s, marks=pytest.mark.postgres) if s == "verify_time.py" else s for s in sorted(FIGURES)])
def test_smoke_run_prints_its_figures(script: str) -> None:
    # The scripts find migration-lsp and squawk beside this interpreter, as the test extra installs them.
    env = {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}
    done = subprocess.run([sys.executable, str(BENCH / script), "--smoke"], cwd=BENCH.parent, env=env, capture_output=True, text=True, timeout=600, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr, done.stderr
    for figure in FIGURES[script]:
        assert re.search(figure, done.stdout), f"{figure!r} not in:\n{done.stdout}"
