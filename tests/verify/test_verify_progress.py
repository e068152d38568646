"""What ``verify`` shows while it works: each scenario on a terminal's stderr, nothing anywhere else.

The console script runs as a user starts it, its stderr a pseudo-terminal or a pipe.
"""

from __future__ import annotations

import fcntl
import os
import re
import shutil
import struct
import subprocess
import sys
import termios
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = "examples/mason-app"
ROUTE = "examples/mason-app/packages/mason-dashboard/src/app/api/setup/migrations/route.ts"
SCRIPT = shutil.which("migration-lsp", path=str(Path(sys.executable).parent)) or "migration-lsp"
COLUMNS = 100
# The line a scenario ends with: what it found, and how long it took.
ENDED = re.compile(r"migration-lsp: (?:(?P<path>\S+): )?(?P<scenario>[^:]+(?::[^:]+)?): (?P<outcome>done|\d+ problems?), (?P<seconds>\d+\.\d) s")


def _on_terminal(*args: str, tmp_path: Path) -> tuple[int, str, str]:
    """Run the console script with stderr on a pseudo-terminal; exit code, stdout, what the terminal got."""
    master, slave = os.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 24, COLUMNS, 0, 0))
    stdout = tmp_path / "stdout"
    with stdout.open("wb") as out:
        process = subprocess.Popen([SCRIPT, *args], cwd=ROOT, stdin=subprocess.DEVNULL, stdout=out, stderr=slave)
    os.close(slave)
    seen = b""
    try:
        while True:
            try:
                chunk = os.read(master, 4096)
            except OSError:  # EIO: the script closed the terminal's last open end
                break
            if not chunk:
                break
            seen += chunk
        code = process.wait(timeout=120)
    finally:
        os.close(master)
        if process.poll() is None:
            process.kill()
            process.wait()
    return code, stdout.read_text(encoding="utf-8"), seen.decode("utf-8")


def _ended(terminal: str) -> list[tuple[str | None, str, str]]:
    """(path, scenario, outcome) of every line a scenario ended with, in order."""
    lines = [part for line in terminal.split("\r\n") for part in line.split("\r\x1b[K") if part]
    return [(m["path"], m["scenario"], m["outcome"]) for m in map(ENDED.fullmatch, lines) if m]


def test_a_terminal_sees_each_scenario_as_it_runs_with_its_time(tmp_path):
    code, out, terminal = _on_terminal("verify", EXAMPLE, tmp_path=tmp_path)
    assert code == 1 and out.endswith("2 errors, 0 warnings, 0 info in 2 files checked\n")
    ended = _ended(terminal)
    # The example fails on a fresh database, so there is no second run; its legacy files are a baseline.
    assert ended[0] == (None, "cluster", "done")
    assert (ROUTE, "fresh", "1 problem") in ended
    assert (ROUTE, "upgrade:db/migrations/*.sql", "1 problem") in ended
    assert ended.index((ROUTE, "fresh", "1 problem")) < ended.index((ROUTE, "upgrade:db/migrations/*.sql", "1 problem"))
    assert "migration-lsp: cluster: starting a throwaway PostgreSQL from " in terminal
    # What is running now is rewritten in place, short enough not to wrap: the path gives way.
    running = [part for part in terminal.split("\r\x1b[K") if part.endswith(" …")]
    assert any(part.startswith("migration-lsp: …") and part.endswith("/route.ts: fresh: running current …") for part in running)
    assert all(len(part) < COLUMNS for part in running)
    assert terminal.endswith("\r\n")


def test_check_verify_shows_the_scenarios_too(server, tmp_path):
    url = server.cluster.conninfo
    code, _, terminal = _on_terminal("check", EXAMPLE, "--verify", "--database-url", url, "--select", "verify-failed", tmp_path=tmp_path)
    assert code == 1
    assert [scenario for _, scenario, _ in _ended(terminal)][:2] == ["fresh", "upgrade:db/migrations/*.sql"]


@pytest.fixture
def small(tmp_path: Path) -> Path:
    """A project of one literal that fails its second run."""
    project = tmp_path / "app"
    project.mkdir()
    (project / "route.ts").write_text("export const MIGRATION_SQL = `CREATE TABLE t (id int);`;\n", encoding="utf-8")
    return project


@pytest.mark.parametrize("output_format", ["json", "sarif", "github"])
def test_machine_formats_stay_quiet_on_a_terminal(server, small, tmp_path, output_format):
    args = ("verify", str(small), "--platform", "none", "--database-url", server.cluster.conninfo, "--format", output_format)
    code, out, terminal = _on_terminal(*args, tmp_path=tmp_path)
    assert (code, terminal) == (1, "")
    assert "verify-failed" in out


@pytest.mark.parametrize("command", [("verify",), ("check", "--verify")])
def test_stderr_that_is_not_a_terminal_stays_empty(server, small, command):
    args = [SCRIPT, *command, str(small), "--platform", "none", "--database-url", server.cluster.conninfo]
    done = subprocess.run(args, capture_output=True, text=True, timeout=120)
    assert (done.returncode, done.stderr) == (1, "")
    assert "error[verify-failed] twice:" in done.stdout
