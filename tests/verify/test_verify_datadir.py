"""The cache of initdb's output: used when whole, rebuilt when not, safe to share between runs."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg
import pytest

from migration_lsp.caches import user_cache
from migration_lsp.verify import datadir
from migration_lsp.verify.binaries import find_bin_dir
from migration_lsp.verify.cluster import _INITDB_OPTIONS, LocalCluster, _parent_folder, _service_account

REPO = Path(__file__).resolve().parents[2]
EXAMPLE = REPO / "examples" / "mason-app"


@pytest.fixture
def cache(tmp_path, monkeypatch) -> Path:
    """An empty cache of this test's own; the folder the entries go in."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    root = user_cache("initdb")
    assert root is not None
    return root


@pytest.fixture
def tmp_path():
    """A temporary folder PostgreSQL's own user can reach into, when we are root and it is not."""
    folder = Path(tempfile.mkdtemp(prefix="verify-datadir-test-", dir=_parent_folder(_service_account())))
    folder.chmod(0o755)
    yield folder
    shutil.rmtree(folder)


def _fill(folder: Path) -> Path | None:
    """A data folder made in ``folder`` as a cluster makes it; the entry it was copied from, or None."""
    account = _service_account()
    folder.mkdir()
    if account is not None:
        os.chown(folder, account.pw_uid, account.pw_gid)
    return datadir.fill(folder / "data", find_bin_dir(), _INITDB_OPTIONS, account)


def _entries(root: Path) -> list[Path]:
    return sorted(root.iterdir())


def _starts(cluster: LocalCluster) -> None:
    cluster.start()
    try:
        with psycopg.connect(cluster.conninfo) as conn:
            assert conn.execute("SELECT 1").fetchone() == (1,)
    finally:
        cluster.stop()


def test_the_first_run_runs_initdb_and_keeps_its_output_for_the_next(cache, tmp_path):
    assert _fill(tmp_path / "first") is None
    [entry] = _entries(cache)
    assert not entry.name.startswith(".")
    assert _fill(tmp_path / "second") == entry
    assert (tmp_path / "second" / "data" / "PG_VERSION").read_text() == (tmp_path / "first" / "data" / "PG_VERSION").read_text()


def test_a_copy_belongs_to_the_user_postgresql_runs_as(cache, tmp_path):
    _fill(tmp_path / "first")
    _fill(tmp_path / "second")
    account = _service_account()
    owner = os.geteuid() if account is None else account.pw_uid
    data = tmp_path / "second" / "data"
    assert {path.lstat().st_uid for path in (data, *data.rglob("*"))} == {owner}
    assert data.stat().st_mode & 0o077 == 0


@pytest.mark.parametrize("damage", ["file missing", "file truncated", "folder missing", "manifest missing", "manifest garbled"])
def test_a_partial_or_damaged_entry_is_rebuilt(cache, tmp_path, damage):
    _fill(tmp_path / "first")
    [entry] = _entries(cache)
    data = entry / "data"
    if damage == "file missing":
        (data / "global" / "pg_control").unlink()
    elif damage == "file truncated":
        relation = max((p for p in (data / "base").rglob("*") if p.is_file()), key=lambda p: p.stat().st_size)
        os.truncate(relation, relation.stat().st_size // 2)
    elif damage == "folder missing":
        (data / "pg_notify").rmdir()
    elif damage == "manifest missing":
        (entry / "migration-lsp-manifest.json").unlink()
    else:
        (entry / "migration-lsp-manifest.json").write_text("{not json")
    assert _fill(tmp_path / "second") is None  # initdb again
    [rebuilt] = _entries(cache)
    assert rebuilt == entry
    assert json.loads((entry / "migration-lsp-manifest.json").read_text())
    assert _fill(tmp_path / "third") == entry
    _starts(LocalCluster(find_bin_dir()))


def test_an_entry_that_looks_whole_but_does_not_start_is_replaced_and_the_run_goes_on(cache):
    _starts(LocalCluster(find_bin_dir()))
    [entry] = _entries(cache)
    version = entry / "data" / "PG_VERSION"
    good = version.read_text()
    version.write_text("9" * (len(good) - 1) + "\n")  # the same size: the manifest cannot tell
    _starts(LocalCluster(find_bin_dir()))
    [rebuilt] = _entries(cache)
    assert version.read_text() == good
    _starts(LocalCluster(find_bin_dir()))
    assert _entries(cache) == [rebuilt]


def test_clusters_started_at_once_on_an_empty_cache_all_start_and_leave_one_entry(cache):
    clusters = [LocalCluster(find_bin_dir()) for _ in range(3)]
    with ThreadPoolExecutor(len(clusters)) as pool:
        list(pool.map(_starts, clusters))
    assert [entry.name.startswith(".") for entry in _entries(cache)] == [False]


def test_two_cold_verify_runs_at_once_both_succeed(cache):
    command = [sys.executable, "-m", "migration_lsp", "verify", str(EXAMPLE), "--format", "json"]
    runs = [subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(2)]
    outputs = [run.communicate(timeout=120) for run in runs]
    for run, (out, err) in zip(runs, outputs):
        assert run.returncode == 1, err  # the example's two findings
        assert len(json.loads(out)["diagnostics"]) == 2
    assert outputs[0][0] == outputs[1][0]
    assert [entry.name.startswith(".") for entry in _entries(cache)] == [False]


def test_a_cache_folder_others_may_write_to_is_not_used(cache, tmp_path):
    cache.chmod(0o777)
    assert user_cache("initdb") is None
    assert _fill(tmp_path / "first") is None
    assert _entries(cache) == []
    cache.chmod(0o700)
