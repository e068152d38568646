"""The throwaway server: found, started, reused, pointed elsewhere, and always cleaned up."""

from __future__ import annotations

import os
import re
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import psycopg
import pytest
from psycopg.conninfo import make_conninfo

import migration_lsp
from migration_lsp.verify import Server, Step, VerifyError, verify
from migration_lsp.verify.catalog import snapshot
from migration_lsp.verify.platforms import Platform

SCRATCH = "migration_lsp_verify_"


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    return True


def _children(pid: int) -> list[int]:
    found = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            found.append(int(stat.parent.name))
    return found


def _processes_mentioning(text: str) -> list[int]:
    found = []
    for cmdline in Path("/proc").glob("[0-9]*/cmdline"):
        try:
            if text in cmdline.read_bytes().decode(errors="replace"):
                found.append(int(cmdline.parent.name))
        except OSError:
            continue
    return found


@pytest.fixture
def temporary_root(monkeypatch):
    """A temporary folder of its own for the clusters a test starts, to see what is left in it."""
    folder = tempfile.mkdtemp(prefix="verify-test-")
    os.chmod(folder, 0o755)
    monkeypatch.setattr(tempfile, "tempdir", folder)
    yield Path(folder)
    os.rmdir(folder)


def _room_in_memory() -> bool:
    try:
        room = os.statvfs("/dev/shm")
    except OSError:
        return False
    return room.f_bavail * room.f_frsize >= 1 << 30 and os.access("/dev/shm", os.W_OK | os.X_OK)


@pytest.mark.skipif(not _room_in_memory(), reason="no /dev/shm with room for a cluster")
def test_the_cluster_lives_in_memory_unless_a_temporary_folder_is_chosen(monkeypatch, temporary_root):
    with Server() as server:
        assert server.cluster is not None and server.cluster.directory is not None
        assert server.cluster.directory.parent == temporary_root  # chosen by the test
    for name in ("TMPDIR", "TEMP", "TMP"):
        monkeypatch.delenv(name, raising=False)
    # None until tempfile is first used; then the default it found.
    for default in (None, "/tmp"):
        monkeypatch.setattr(tempfile, "tempdir", default)
        with Server() as server:
            assert server.cluster is not None and server.cluster.directory is not None
            directory = server.cluster.directory
            assert directory.parent == Path("/dev/shm")
        assert not directory.exists()


def test_no_postgresql_is_a_one_line_error_saying_what_to_do(tmp_path, source):
    with pytest.raises(VerifyError) as caught:
        verify(source("SELECT 1;"), server=Server(bin_search_path=[str(tmp_path)]))
    message = str(caught.value)
    assert "apt-get install postgresql" in message
    assert "brew install postgresql" in message
    assert "--database-url" in message
    assert "\n" not in message


def test_an_unreachable_database_url_is_a_one_line_error(source):
    with pytest.raises(VerifyError) as caught:
        verify(source("SELECT 1;"), database_url="postgresql://someone:secret@127.0.0.1:1/app")
    message = str(caught.value)
    assert message.startswith("cannot connect to PostgreSQL at 127.0.0.1:1/app: ")
    assert "secret" not in message and "\n" not in message


def test_a_platform_that_cannot_be_set_up_says_how_to_verify_without_it(server):
    broken = Platform(name="broken", setup_sql="SELECT no_such_function();", roles=(), search_path=None, own_schemas=())
    with pytest.raises(VerifyError) as caught:
        with server.database(broken):
            pass
    message = str(caught.value)
    assert message.startswith("cannot set up the broken platform in a scratch database: ")
    assert 'set platform = "none" in the config' in message and "--platform none" in message
    assert "\n" not in message


def test_the_cluster_is_stopped_and_removed_after_an_exception():
    with pytest.raises(RuntimeError), Server() as server:
        cluster = server.cluster
        assert cluster is not None and cluster.directory is not None and cluster.pid is not None
        directory, pid = cluster.directory, cluster.pid
        children = _children(pid)
        assert directory.is_dir() and _alive(pid) and children
        raise RuntimeError("the caller failed")
    assert not directory.exists()
    assert not any(_alive(process) for process in (pid, *children))


def test_an_interrupted_run_leaves_nothing_behind(temporary_root, source):
    def interrupt(step: Step) -> None:
        if step.scenario == "twice":
            raise KeyboardInterrupt

    with pytest.raises(KeyboardInterrupt):
        verify(source("CREATE TABLE IF NOT EXISTS t (id int);"), progress=interrupt)
    assert list(temporary_root.iterdir()) == []
    assert _processes_mentioning(str(temporary_root)) == []


@pytest.mark.parametrize("signum", [signal.SIGTERM, signal.SIGINT])
def test_a_termination_signal_still_cleans_up(signum):
    script = "import time\nfrom migration_lsp.verify import Server\nwith Server() as server:\n    print(server.cluster.directory, server.cluster.pid, flush=True)\n    time.sleep(120)\n"
    package_root = str(Path(migration_lsp.__file__).parents[1])
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([package_root, os.environ.get("PYTHONPATH", "")]),
    }
    child = subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    directory, pid = child.stdout.readline().split()
    assert Path(directory).is_dir() and _alive(int(pid))
    child.send_signal(signum)
    child.communicate(timeout=60)
    assert child.returncode != 0
    assert not Path(directory).exists()
    assert not _alive(int(pid))


def test_a_reused_server_keeps_its_cluster_and_drops_each_scratch_database(server, source):
    def databases() -> list[str]:
        assert server.cluster is not None
        with psycopg.connect(server.cluster.conninfo) as conn:
            return [name for (name,) in conn.execute("SELECT datname FROM pg_database ORDER BY 1")]

    migration = source("CREATE TABLE IF NOT EXISTS t (id int);")
    assert verify(migration, server=server) == []
    server.wait_for_clean_up()  # the run's database is dropped after it returns
    cluster, kept = server.cluster, databases()
    started = time.monotonic()
    for _ in range(2):
        assert verify(migration, [source("SELECT 1;", label="HEAD")], server=server) == []
    assert time.monotonic() - started < 10
    assert server.cluster is cluster
    server.wait_for_clean_up()
    assert databases() == kept


def test_a_database_url_gets_scratch_databases_and_nothing_else(other_cluster, source):
    admin = other_cluster.conninfo
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute("CREATE DATABASE app")
    app = make_conninfo(admin, dbname="app")
    with psycopg.connect(app, autocommit=True) as conn:
        conn.execute("CREATE TABLE keep (id int); INSERT INTO keep VALUES (1), (2);")

    def state() -> tuple:
        with psycopg.connect(app, autocommit=True) as conn:
            rows = conn.execute("SELECT id FROM keep ORDER BY id").fetchall()
            return snapshot(conn), rows

    def listed(query: str) -> list[str]:
        with psycopg.connect(admin, autocommit=True) as conn:
            return [name for (name,) in conn.execute(query)]

    databases = "SELECT datname FROM pg_database ORDER BY 1"
    roles = "SELECT rolname FROM pg_roles ORDER BY 1"
    before, databases_before, roles_before = state(), listed(databases), listed(roles)
    log = other_cluster.directory / "server.log"
    log_start = log.stat().st_size
    during: list[str] = []

    def progress(step: Step) -> None:
        if step.scenario == "fresh" and step.action == "running current":
            during.extend(listed(databases))

    current = source("CREATE TABLE IF NOT EXISTS t (id int, c text);")
    baseline = source("CREATE TABLE IF NOT EXISTS t (id int);", label="HEAD")
    [problem] = verify(current, [baseline], database_url=app, progress=progress)
    assert (problem.kind, problem.scenario) == ("upgrade-drift", "upgrade:HEAD")
    assert any(name.startswith(SCRATCH) for name in during)
    with open(log, "rb") as lines:
        lines.seek(log_start)
        in_app = [line for line in lines.read().decode().splitlines() if line.startswith("[app] ")]
    statements = [line for line in in_app if re.match(r"\[app\] LOG:  (statement|execute)", line)]
    # Creating, handing over and dropping its own databases and roles; reading the catalogue.
    name = r'"(' + SCRATCH + r'\w+|anon|authenticated|service_role)"'
    ours = r"\[app\] LOG:  (statement: ((CREATE|DROP|ALTER) (DATABASE|ROLE) (IF EXISTS )?|GRANT )"
    ours += name + r"|execute <unnamed>: SELECT (rolname|true) FROM pg_(roles|database) WHERE)"
    assert statements and all(re.match(ours, line) for line in statements), statements
    assert listed(databases) == databases_before
    assert listed(roles) == roles_before
    assert state() == before


def test_a_kept_server_on_a_url_drops_every_database_it_made_by_the_time_it_is_closed(other_cluster, source):
    def ours() -> list[str]:
        with psycopg.connect(other_cluster.conninfo, autocommit=True) as conn:
            found = conn.execute("SELECT datname FROM pg_database UNION ALL SELECT rolname FROM pg_roles")
            return [name for (name,) in found if name.startswith(SCRATCH)]

    with Server(other_cluster.conninfo) as server:
        for _ in range(2):
            # Closed at once after the second: its drops may still be waiting on the clean-up thread.
            assert verify(source("CREATE TABLE IF NOT EXISTS t (id int);"), [source("SELECT 1;", label="HEAD")], server=server) == []
    assert ours() == []
