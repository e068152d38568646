"""The user's cache folder: what one run saves so that the next does the same work faster.

Each use has a folder of its own in it (``initdb``: a throwaway cluster's data folder;
``code``: the server's compiled start-up code). The folder is private to the user: made with
mode 0700, and not used unless it is theirs and nobody else may write to it. What is saved
there is only ever a shortcut: a run without it does the same, slower.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def user_cache(name: str) -> Path | None:
    """This user's cache folder ``name`` (made if missing), or None when there is none to trust."""
    try:
        if os.environ.get("XDG_CACHE_HOME"):
            base = Path(os.environ["XDG_CACHE_HOME"])
        elif sys.platform == "win32":
            base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
        elif sys.platform == "darwin":
            base = Path.home() / "Library" / "Caches"
        else:
            base = Path.home() / ".cache"
        root = base / "migration-lsp" / name
        root.mkdir(mode=0o700, parents=True, exist_ok=True)
        status = root.stat()
    except (OSError, RuntimeError):  # RuntimeError: no home folder to find
        return None
    # Someone else's folder (sudo keeping HOME), or one others may write to, is not ours to
    # trust. Windows has neither owner ids nor these mode bits: its per-user folder is private.
    owner = getattr(os, "geteuid", None)
    if owner is not None and (status.st_uid != owner() or status.st_mode & 0o077):
        return None
    return root
