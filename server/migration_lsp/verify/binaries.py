"""Finding the PostgreSQL server programs a throwaway cluster needs."""

from __future__ import annotations

import glob
import os
import re
import shutil
import subprocess
from collections.abc import Sequence
from pathlib import Path

from migration_lsp.verify.values import VerifyError

INSTALL_COMMANDS = "install PostgreSQL (apt-get install postgresql, or brew install postgresql)"
INSTALL_HINT = f"{INSTALL_COMMANDS} or pass --database-url"

# Distribution layouts keep one folder per major version; the newest one is preferred.
_VERSIONED_DIRS = (
    "/usr/lib/postgresql/*/bin",
    "/usr/pgsql-*/bin",
    "/opt/homebrew/opt/postgresql@*/bin",
    "/usr/local/opt/postgresql@*/bin",
    "/Applications/Postgres.app/Contents/Versions/*/bin",
)
_PROGRAMS = ("initdb", "postgres")


def default_search_path() -> list[str]:
    """Folders to look in: PATH, ``pg_config --bindir``, then versioned install folders."""
    folders = [os.path.dirname(found) for found in map(shutil.which, _PROGRAMS) if found]
    configured = _pg_config_bindir()
    if configured:
        folders.append(configured)
    versioned = [folder for pattern in _VERSIONED_DIRS for folder in glob.glob(pattern)]
    folders.extend(sorted(versioned, key=_version_key, reverse=True))
    return folders


def find_bin_dir(search_path: Sequence[str] | None = None) -> Path:
    """The first folder holding both ``initdb`` and ``postgres``."""
    for folder in default_search_path() if search_path is None else search_path:
        if all(os.access(os.path.join(folder, name), os.X_OK) for name in _PROGRAMS):
            return Path(folder)
    raise VerifyError(f"no PostgreSQL server programs (initdb, postgres) found; {INSTALL_HINT}")


def _pg_config_bindir() -> str | None:
    pg_config = shutil.which("pg_config")
    if pg_config is None:
        return None
    try:
        done = subprocess.run([pg_config, "--bindir"], capture_output=True, text=True, timeout=10, check=True)
    except (OSError, subprocess.SubprocessError):
        return None
    return done.stdout.strip() or None


def _version_key(folder: str) -> tuple[int, ...]:
    return tuple(int(part) for part in re.findall(r"\d+", folder))
