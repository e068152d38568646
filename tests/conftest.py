"""The suite leaves nothing running: a process it started that outlives it fails the run.

Every process started during the session inherits a marker in its environment, even when it is
re-parented to init or runs as another user (PostgreSQL under its service account), so what the
suite started is told apart from what runs beside it, such as another checkout's test run.

Markers split the suite: ``-m "not e2e and not postgres"`` is the fast part.

- ``e2e``: through a real client (pytest-lsp over stdio, Neovim, VS Code), under ``tests/e2e``;
  the console script as a process (every test given the ``cli`` fixture); the package as a
  user installs it (``tests/packaging``); the benchmarks' smoke runs (``tests/bench``), which
  drive the server and squawk as their clients do;
- ``postgres``: runs a real PostgreSQL (the verify tests, and every test given a database).
"""

from __future__ import annotations

import os
import secrets
import signal
import sys
import tempfile
import time
from pathlib import Path
from typing import Iterator

import pytest

from migration_lsp.verify import Server, VerifyError
from migration_lsp.verify.binaries import find_bin_dir

_MARKER = "MIGRATION_LSP_TEST_SESSION"
# What the suite starts: clusters, editors, browsers, language servers.
_WATCHED = ("postgres", "code-server", "chrom", "migration_lsp", "migration-lsp", "nvim")
# Shutdown signals take a moment to land.
_GRACE_SECONDS = 5.0

TESTS = Path(__file__).resolve().parent
_E2E = (TESTS / "e2e", TESTS / "packaging", TESTS / "bench")
# Tests that start a PostgreSQL of their own, besides those that take a database fixture.
_POSTGRES = (TESTS / "verify", TESTS / "upgrade" / "test_verify_cli.py", TESTS / "e2e" / "lsp" / "test_verify.py")
_POSTGRES_FIXTURES = {"database_url", "server"}
_E2E_FIXTURES = {"cli"}
_NOT_POSTGRES = (TESTS / "verify" / "test_sqlite.py",)


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        path = Path(str(item.path))
        if any(p in path.parents for p in _E2E) or _E2E_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.e2e)
        if path in _NOT_POSTGRES:
            continue
        if any(path == p or p in path.parents for p in _POSTGRES) or _POSTGRES_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.postgres)


@pytest.fixture(scope="session")
def server() -> Iterator[Server]:
    """One private PostgreSQL for the whole session, kept as an editor keeps it; skips without one."""
    try:
        find_bin_dir()
    except VerifyError as e:
        pytest.skip(str(e))
    with Server() as running:
        yield running


_token = secrets.token_hex(8)
_cache = tempfile.TemporaryDirectory(prefix="migration-lsp-test-cache-")
_before: set[int] = set()


def pytest_sessionstart(session: pytest.Session) -> None:
    os.environ[_MARKER] = _token
    # The cache of initdb's output (verify) starts empty and goes with the session.
    os.environ["XDG_CACHE_HOME"] = _cache.name
    _before.update(pid for pid, _ in _watched())


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    if not sys.platform.startswith("linux"):
        return
    deadline = time.monotonic() + _GRACE_SECONDS
    left = _left_behind()
    while left and time.monotonic() < deadline:
        time.sleep(0.2)
        left = _left_behind()
    if not left:
        return
    lines = "\n".join(f"  {pid}: {command}" for pid, command in left)
    reporter = session.config.pluginmanager.get_plugin("terminalreporter")
    message = f"the test suite left {len(left)} process(es) running:\n{lines}"
    if reporter is not None:
        reporter.write_line(message, red=True)
    else:
        print(message, file=sys.stderr)
    for pid, _ in left:
        # Reported above; not left for the next run to trip over.
        try:
            os.kill(pid, signal.SIGKILL)
        except OSError:
            pass
    session.exitstatus = pytest.ExitCode.TESTS_FAILED


def _left_behind() -> list[tuple[int, str]]:
    mark = f"{_MARKER}={_token}".encode()
    left = []
    for pid, command in _watched():
        if pid in _before or pid == os.getpid():
            continue
        try:
            environ = Path(f"/proc/{pid}/environ").read_bytes()
        except OSError:
            continue
        if mark in environ.split(b"\0"):
            left.append((pid, command))
    return left


def _watched() -> list[tuple[int, str]]:
    found = []
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            command = (entry / "cmdline").read_bytes().replace(b"\0", b" ").decode(errors="replace").strip()
            state = (entry / "stat").read_text().rsplit(")", 1)[1].split()[0]
        except (OSError, IndexError):
            continue
        if state != "Z" and any(name in command for name in _WATCHED):
            found.append((int(entry.name), command))
    return found
