"""Timing one child process: wall time, CPU time, peak memory, exit code and output."""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path


@dataclass
class Run:
    seconds: float  # wall clock
    cpu: float  # user + system, its finished children included: what the wall time would be on an idle machine, one core
    mb: float  # peak resident set size
    code: int
    output: bytes
    errors: bytes


def measure(command: list[str], cwd: Path) -> Run:
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        proc = subprocess.Popen(command, cwd=cwd, stdout=out, stderr=err)
        try:
            _, status, usage = os.wait4(proc.pid, 0)
        except BaseException:  # interrupted: the child goes too
            proc.kill()
            proc.wait()
            raise
        elapsed = time.perf_counter() - start
        proc.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        # ru_maxrss is in kilobytes on Linux, in bytes on macOS
        peak = usage.ru_maxrss / (1024 * 1024 if sys.platform == "darwin" else 1024)
        return Run(elapsed, usage.ru_utime + usage.ru_stime, peak, proc.returncode, out.read(), err.read())


def median_run(runs: list[Run]) -> Run:
    """The run of median wall time (its CPU time and memory with it)."""
    return sorted(runs, key=lambda r: r.seconds)[len(runs) // 2]


def describe(run: Run) -> str:
    return f"{run.seconds:.2f} s wall, {run.cpu:.2f} s CPU, {run.mb:.0f} MB peak RSS, exit {run.code}"
