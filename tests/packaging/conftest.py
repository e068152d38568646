"""The package as a release ships it: an sdist and a wheel built by ``python -m build`` from the
repository's files (tracked, or new and not ignored), and that wheel installed into a fresh
virtualenv. Built once per run, outside the working tree, so that the build leaves nothing in it.
"""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from distribution import REPO, Dist

# The isolated build installs setuptools; the fresh virtualenv installs every dependency.
BUILD_TIMEOUT = 600
INSTALL_TIMEOUT = 900


def repository_files() -> list[str]:
    done = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=REPO,
        capture_output=True,
        check=True,
        timeout=60,
    )
    return [name for name in done.stdout.decode().split("\0") if name and (REPO / name).is_file()]


@pytest.fixture(scope="session")
def dist(tmp_path_factory: pytest.TempPathFactory) -> Dist:
    source = tmp_path_factory.mktemp("source")
    for name in repository_files():
        (source / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(REPO / name, source / name)
    out = tmp_path_factory.mktemp("dist")
    done = subprocess.run(
        [sys.executable, "-m", "build", "--outdir", str(out), str(source)],
        capture_output=True,
        text=True,
        timeout=BUILD_TIMEOUT,
    )
    assert done.returncode == 0, f"python -m build failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    (sdist,) = out.glob("*.tar.gz")
    (wheel,) = out.glob("*.whl")
    return Dist(source, sdist, wheel)


@pytest.fixture(scope="session")
def installed(dist: Dist, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The bin folder of a fresh virtualenv that has the built wheel and nothing else of the repository."""
    venv = tmp_path_factory.mktemp("venv")
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=120)
    bin_dir = venv / ("Scripts" if sys.platform == "win32" else "bin")
    done = subprocess.run(
        [str(bin_dir / "python"), "-m", "pip", "install", "--quiet", "--disable-pip-version-check", str(dist.wheel)],
        capture_output=True,
        text=True,
        timeout=INSTALL_TIMEOUT,
    )
    assert done.returncode == 0, f"installing the wheel failed:\n{done.stdout[-4000:]}\n{done.stderr[-4000:]}"
    return bin_dir
