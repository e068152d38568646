"""A private PostgreSQL cluster in a temporary folder (in memory when it can be), reachable only by a Unix socket in it.

Its data folder is a copy of initdb's output kept in the user's cache (see
:mod:`migration_lsp.verify.datadir`); initdb runs only when there is none yet.
"""

from __future__ import annotations

import os
import pwd
import shutil
import signal
import subprocess
import tempfile
import time
from pathlib import Path
from typing import Any

import psycopg
from psycopg.conninfo import make_conninfo

from migration_lsp.verify import datadir
from migration_lsp.verify.values import VerifyError

# The socket lives in a folder of its own, so the usual port number cannot clash with anything.
_PORT = "5432"
_SUPERUSER = "postgres"
_START_TIMEOUT = 30.0
_STOP_TIMEOUT = 15.0
_INITDB_OPTIONS = (
    "--auth=trust",
    f"--username={_SUPERUSER}",
    "--encoding=UTF8",
    "--locale=C",
    "--no-sync",
)
# The data is thrown away, so durability is traded for speed.
_SETTINGS = {
    "listen_addresses": "",
    "fsync": "off",
    "synchronous_commit": "off",
    "full_page_writes": "off",
    "autovacuum": "off",
    "max_connections": "40",
    # Checkpoints often enough that the WAL of many runs (each copy of a database is logged)
    # stays small: the cluster may live in memory.
    "min_wal_size": "32MB",
    "max_wal_size": "64MB",
}
_IN_MEMORY = "/dev/shm"
# Where tempfile looks when nothing was chosen; the first use leaves the one found in tempfile.tempdir.
_DEFAULT_TEMPORARY = ("/tmp", "/var/tmp", "/usr/tmp")
_IN_MEMORY_ROOM = 1 << 30  # bytes free it needs: a cluster, its WAL and the scratch databases, many times over


class LocalCluster:
    """A data folder + ``postgres`` in a temporary folder that :meth:`stop` removes again."""

    def __init__(self, bin_dir: Path) -> None:
        self.bin_dir = bin_dir
        self.directory: Path | None = None
        self.conninfo = ""  # of the postgres database, once started
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def pid(self) -> int | None:
        return None if self._process is None else self._process.pid

    def start(self) -> str:
        """Create and start the cluster; returns the conninfo of its ``postgres`` database."""
        try:
            return self._start()
        except BaseException:
            self.stop()
            raise

    def _start(self) -> str:
        account = _service_account()
        self.directory = Path(tempfile.mkdtemp(prefix="migration-lsp-", dir=_parent_folder(account)))
        if account is not None:
            # PostgreSQL refuses to run as root; everything it touches must belong to its user.
            os.chown(self.directory, account.pw_uid, account.pw_gid)
        as_account = datadir.run_as(account)
        data = self.directory / "data"
        entry = datadir.fill(data, self.bin_dir, _INITDB_OPTIONS, account)
        self.conninfo = make_conninfo(host=str(self.directory), port=_PORT, user=_SUPERUSER, dbname="postgres")
        try:
            self._run_server(data, as_account)
        except VerifyError:
            if entry is None:
                raise
            # A copy of a cache entry that looked whole but does not start: initdb, and a new entry.
            self._end_server()
            datadir.forget(entry)
            shutil.rmtree(data)
            datadir.fill(data, self.bin_dir, _INITDB_OPTIONS, account)
            self._run_server(data, as_account)
        return self.conninfo

    def _run_server(self, data: Path, as_account: dict[str, Any]) -> None:
        assert self.directory is not None
        command = [str(self.bin_dir / "postgres"), "-D", str(data), "-p", _PORT]
        command += ["-k", str(self.directory)]
        for name, value in _SETTINGS.items():
            command += ["-c", f"{name}={value}"]
        with open(self.directory / "server.log", "wb") as log:
            # A process group of its own keeps the terminal's Ctrl-C away: cleanup stops it.
            self._process = subprocess.Popen(
                command,
                cwd=self.directory,
                stdin=subprocess.DEVNULL,
                stdout=log,
                stderr=subprocess.STDOUT,
                process_group=0,
                **as_account,
            )
        self._wait_until_ready(self.conninfo)

    def stop(self) -> None:
        """Stop the server and remove its folder; safe to call more than once."""
        self._end_server()
        directory, self.directory = self.directory, None
        if directory is not None:
            shutil.rmtree(directory, ignore_errors=True)

    def _end_server(self) -> None:
        process, self._process = self._process, None
        if process is not None and process.poll() is None:
            # Immediate shutdown: there is nothing worth a checkpoint.
            process.send_signal(signal.SIGQUIT)
            try:
                process.wait(timeout=_STOP_TIMEOUT)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()
        if process is not None:
            _kill_group(process.pid)

    def _wait_until_ready(self, conninfo: str) -> None:
        assert self._process is not None and self.directory is not None
        deadline = time.monotonic() + _START_TIMEOUT
        while True:
            try:
                psycopg.connect(conninfo, connect_timeout=5).close()
                return
            except psycopg.OperationalError:
                pass
            if self._process.poll() is not None or time.monotonic() > deadline:
                log = (self.directory / "server.log").read_text(errors="replace")
                raise VerifyError(f"PostgreSQL did not start: {datadir.last_line(log)}")
            time.sleep(0.01)


def _kill_group(pgid: int) -> None:
    """Whatever the server started and left in its process group goes with it."""
    try:
        os.killpg(pgid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


def _service_account() -> pwd.struct_passwd | None:
    """The unprivileged account to run PostgreSQL as when we are root, else None."""
    if os.geteuid() != 0:
        return None
    try:
        return pwd.getpwnam("postgres")
    except KeyError:
        return pwd.getpwnam("nobody")


def _parent_folder(account: pwd.struct_passwd | None) -> str:
    """Where the cluster's folder goes: in memory when it can, else the temporary folder.

    A folder the service account cannot reach into (root's TMPDIR) is passed over for ``/tmp``.
    """
    folder = _in_memory() or Path(tempfile.gettempdir()).resolve()
    if account is None or all(part.stat().st_mode & 0o001 for part in (folder, *folder.parents)):
        return str(folder)
    return "/tmp"


def _in_memory() -> Path | None:
    """``/dev/shm`` when no temporary folder was chosen (TMPDIR) and it has room to spare, else None.

    A cluster is a thousand files and each database a few hundred more, and creating a file
    costs a journalled disk many times what it costs memory; the data is thrown away anyway.
    A small ``/dev/shm`` (a container's 64 MB) is left alone.
    """
    chosen = tempfile.tempdir not in (None, *_DEFAULT_TEMPORARY)
    if chosen or any(os.environ.get(name) for name in ("TMPDIR", "TEMP", "TMP")):
        return None
    folder = Path(_IN_MEMORY)
    try:
        room = os.statvfs(folder)
    except OSError:  # not Linux, or no /dev/shm
        return None
    if room.f_bavail * room.f_frsize < _IN_MEMORY_ROOM or not os.access(folder, os.W_OK | os.X_OK):
        return None
    return folder
