"""The data folder of a throwaway cluster: initdb once per installation, then a copy of its output.

initdb takes most of a cold run (it bootstraps the catalogs in single-user PostgreSQL several
times over), and its output only depends on the programs and the options. So the first run saves
what initdb made, before the server ever touches it, in the user's cache folder, under a key of the
PostgreSQL installation and the options; later runs copy it, which takes a tenth of the time.

The cache is private to the user (a folder of mode 0700 that must be theirs) and never trusted
blindly: an entry is created under a temporary name and renamed into place whole, so a concurrent
run sees it complete or not at all (two runs that both build one keep the first, and the second
throws its own away); every file of an entry is checked against the list of names and sizes saved
with it; an entry that does not match, or whose copy does not start (see
:func:`forget`), is removed and built again. Whatever goes wrong with the cache, the run itself
falls back to initdb.
"""

from __future__ import annotations

import hashlib
import json
import os
import pwd
import secrets
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

from migration_lsp.caches import user_cache
from migration_lsp.verify.values import VerifyError

# Part of the key: a change to what an entry holds, or to how it is checked, gets new entries.
_FORMAT = "1"
_MANIFEST = "migration-lsp-manifest.json"  # beside the data folder in an entry, written last
_DATA = "data"
# A temporary entry this old belongs to no run still building it (that takes a second or two).
_ABANDONED_AFTER = 3600.0


def fill(data: Path, bin_dir: Path, options: tuple[str, ...], account: pwd.struct_passwd | None) -> Path | None:
    """Make ``data`` (not there yet) a new cluster's data folder; the cache entry it came from, or None.

    ``account``: the user PostgreSQL runs as, who must own it, when that is not us (we are root).
    """
    entry = _entry(bin_dir, options)
    if entry is not None and _copy(entry, data, account):
        return entry
    initdb = [str(bin_dir / "initdb"), "-D", str(data), *options]
    done = subprocess.run(initdb, cwd=data.parent, capture_output=True, text=True, **run_as(account))
    if done.returncode != 0:
        raise VerifyError(f"initdb failed: {last_line(done.stderr or done.stdout)}")
    if entry is not None:
        _save(data, entry)
    return None


def forget(entry: Path) -> None:
    """Remove a cache entry that proved unusable, so that the next run builds it again.

    It is taken out of use at once (a rename), then deleted.
    """
    doomed = entry.with_name(f".{entry.name}.{secrets.token_hex(6)}")
    try:
        os.rename(entry, doomed)
    except OSError:  # gone already, or never there
        return
    shutil.rmtree(doomed, ignore_errors=True)


def run_as(account: pwd.struct_passwd | None) -> dict[str, Any]:
    """The arguments of :mod:`subprocess` that start a program as ``account`` (None: as we are)."""
    if account is None:
        return {}
    return {"user": account.pw_uid, "group": account.pw_gid, "extra_groups": []}


def last_line(output: str) -> str:
    lines = [line.strip() for line in output.splitlines() if line.strip()]
    return lines[-1] if lines else "no output"


def _entry(bin_dir: Path, options: tuple[str, ...]) -> Path | None:
    """Where initdb's output for these programs and options is kept; None without a cache."""
    root = user_cache("initdb")
    if root is None:
        return None
    # The programs' identity stands for the PostgreSQL version: an upgrade replaces them.
    key = [_FORMAT, *options]
    for program in ("initdb", "postgres"):
        path = (bin_dir / program).resolve()
        try:
            status = path.stat()
        except OSError:
            return None
        key += [str(path), str(status.st_size), str(status.st_mtime_ns)]
    return root / hashlib.sha256("\0".join(key).encode()).hexdigest()[:24]


def _copy(entry: Path, data: Path, account: pwd.struct_passwd | None) -> bool:
    """Copy the entry's data folder to ``data``; False (``data`` removed, a bad entry too) when that fails."""
    if not entry.exists():
        return False
    try:
        manifest = json.loads((entry / _MANIFEST).read_text())
        if not isinstance(manifest, dict) or _sizes(entry / _DATA) != manifest:
            raise ValueError("the entry does not match its manifest")
        _copy_tree(entry / _DATA, data)
        if account is not None:
            # PostgreSQL refuses a data folder that is not its own user's.
            for path in (data, *data.rglob("*")):
                os.chown(path, account.pw_uid, account.pw_gid, follow_symlinks=False)
    except (OSError, ValueError):
        shutil.rmtree(data, ignore_errors=True)
        # A copy may fail because a concurrent run just removed the entry: rebuilt either way.
        forget(entry)
        return False
    return True


def _save(data: Path, entry: Path) -> None:
    """Keep a copy of ``data`` as ``entry``, unless another run was first; never fails the run."""
    _remove_abandoned(entry)
    building = entry.with_name(f".{entry.name}.{secrets.token_hex(6)}")
    try:
        building.mkdir(mode=0o700)
        _copy_tree(data, building / _DATA)
        (building / _MANIFEST).write_text(json.dumps(_sizes(building / _DATA)))
        # Whole or not at all; a directory that is there already (another run's) is not replaced.
        os.rename(building, entry)
    except OSError:
        shutil.rmtree(building, ignore_errors=True)


def _copy_tree(source: Path, target: Path) -> None:
    """``cp -R -p``, which copies with the kernel's copy_file_range: several times faster than
    :func:`shutil.copytree` (a sendfile per file and Python between them)."""
    done = subprocess.run(["cp", "-R", "-p", str(source), str(target)], capture_output=True, text=True)
    if done.returncode != 0:
        raise OSError(f"cp failed: {last_line(done.stderr)}")


def _remove_abandoned(entry: Path) -> None:
    """What runs killed while building or removing this entry left behind."""
    for left in entry.parent.glob(f".{entry.name}.*"):
        try:
            if time.time() - left.stat().st_mtime > _ABANDONED_AFTER:
                shutil.rmtree(left, ignore_errors=True)
        except OSError:
            continue


def _sizes(folder: Path) -> dict[str, int]:
    """Every file under ``folder`` (relative, with ``/``) and its size; each folder (ending in ``/``) with -1."""
    sizes = {}
    for directory, folders, files in os.walk(folder):
        for name in folders:
            sizes[Path(directory, name).relative_to(folder).as_posix() + "/"] = -1
        for name in files:
            path = Path(directory, name)
            sizes[path.relative_to(folder).as_posix()] = path.lstat().st_size
    return sizes
