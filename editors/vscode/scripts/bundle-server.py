#!/usr/bin/env python3
"""Freezes the language server into bundled/server/ for the extension to carry.

A virtualenv in .bundle/ (gitignored, kept between runs) gets migration-lsp from this
repository and PyInstaller; PyInstaller then builds the folder that the platform-specific
.vsix ships: an executable with its own Python, which needs nothing installed by the user.
It is built for the machine it runs on: PyInstaller cannot build for another platform, so
each target of package.mjs is built on a machine of that target. When none of the inputs
changed since the last build, it does nothing.

Usage: python3 scripts/bundle-server.py [--python PYTHON] [--force]
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

PYINSTALLER = "pyinstaller==6.22.3"

EXTENSION = Path(__file__).resolve().parents[1]
REPO = EXTENSION.parents[1]
CACHE = EXTENSION / ".bundle"
VENV = CACHE / "venv"
STAMP = CACHE / "stamp"
BUNDLED = EXTENSION / "bundled"
SERVER = BUNDLED / "server"
SPEC = EXTENSION / "scripts" / "server.spec"
EXECUTABLE = SERVER / ("migration-lsp.exe" if os.name == "nt" else "migration-lsp")


def venv_python() -> Path:
    return VENV / ("Scripts/python.exe" if os.name == "nt" else "bin/python")


def interpreter(python: str | Path) -> str:
    """Which Python installation ``python`` runs, the same for it and for a virtualenv made from it."""
    script = "import sys; print(sys.version, sys.base_prefix)"
    return subprocess.run([str(python), "-c", script], capture_output=True, text=True, check=True).stdout


def inputs_digest(python: str) -> str:
    """What the bundle is made of: the package's sources, its metadata, this build and the Python."""
    digest = hashlib.sha256()
    digest.update(interpreter(python).encode())
    files = [REPO / "pyproject.toml", SPEC, Path(__file__).resolve()]
    files += sorted(p for p in (REPO / "server").rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    for path in files:
        digest.update(str(path.relative_to(REPO)).encode())
        digest.update(path.read_bytes())
    digest.update(PYINSTALLER.encode())
    return digest.hexdigest()


def run(*command: str | Path) -> None:
    subprocess.run([str(part) for part in command], check=True)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--python", default=sys.executable, help="the Python to freeze (default: the one running this)")
    parser.add_argument("--force", action="store_true", help="build even when nothing changed")
    args = parser.parse_args()

    digest = inputs_digest(args.python)
    if not args.force and EXECUTABLE.is_file() and STAMP.is_file() and STAMP.read_text() == digest:
        print(f"bundle-server: {SERVER.relative_to(REPO)} is up to date", file=sys.stderr)
        return 0
    started = time.monotonic()
    STAMP.unlink(missing_ok=True)
    # A virtualenv kept from another Python (--python changed) would freeze the wrong one.
    if not venv_python().is_file() or interpreter(venv_python()) != interpreter(args.python):
        run(args.python, "-m", "venv", "--clear", VENV)
        run(venv_python(), "-m", "pip", "install", "--quiet", "--upgrade", "pip")
    run(venv_python(), "-m", "pip", "install", "--quiet", PYINSTALLER, REPO)
    shutil.rmtree(SERVER, ignore_errors=True)
    run(
        venv_python(),
        "-m",
        "PyInstaller",
        "--noconfirm",
        "--log-level",
        "WARN",
        "--distpath",
        BUNDLED,
        "--workpath",
        CACHE / "work",
        SPEC,
    )
    version = subprocess.run([EXECUTABLE, "--version"], capture_output=True, text=True, check=True).stdout.strip()
    STAMP.write_text(digest)
    size = sum(p.stat().st_size for p in SERVER.rglob("*") if p.is_file()) / 2**20
    print(
        f"bundle-server: {version} frozen into {SERVER.relative_to(REPO)} ({size:.0f} MB) in {time.monotonic() - started:.0f} s",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
