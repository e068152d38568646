"""The sdist and the wheel hold what the package needs, and the installed wheel checks the example."""

from __future__ import annotations

import json
import os
import subprocess
import tarfile
import zipfile
from pathlib import Path
from urllib.parse import urlparse
from urllib.request import url2pathname

from distribution import REPO, Dist

from migration_lsp import __version__

EXAMPLE = REPO / "examples" / "mason-app"
PACKAGE = "migration_lsp"


def package_files(root: Path) -> set[str]:
    """Every file of the package under ``root``, as a path inside the wheel."""
    base = root / "server"
    return {path.relative_to(base).as_posix() for path in (base / PACKAGE).rglob("*") if path.is_file() and "__pycache__" not in path.parts}


def test_names_carry_the_version(dist: Dist) -> None:
    assert dist.sdist.name == f"migration_lsp-{__version__}.tar.gz"
    assert dist.wheel.name == f"migration_lsp-{__version__}-py3-none-any.whl"


def test_wheel_holds_every_file_of_the_package(dist: Dist) -> None:
    # Data files (py.typed, and anything the package reads at run time) need package-data in pyproject.toml.
    with zipfile.ZipFile(dist.wheel) as wheel:
        shipped = {name for name in wheel.namelist() if name.startswith(f"{PACKAGE}/")}
    assert shipped == package_files(dist.source)


def test_wheel_declares_the_entry_point_and_dependencies(dist: Dist) -> None:
    with zipfile.ZipFile(dist.wheel) as wheel:
        info = f"migration_lsp-{__version__}.dist-info"
        entry_points = wheel.read(f"{info}/entry_points.txt").decode()
        metadata = wheel.read(f"{info}/METADATA").decode()
    assert "migration-lsp = migration_lsp.main:main" in entry_points
    for dependency in ("pygls", "lsprotocol", "sqlglot", "pglast", "tree-sitter-typescript", "psycopg"):
        assert f"Requires-Dist: {dependency}" in metadata, dependency


def test_sdist_rebuilds_the_package(dist: Dist) -> None:
    # build makes the wheel from the sdist, so the wheel's contents already prove the sources
    # are there; the license and the README, which the metadata points at, must be too.
    with tarfile.open(dist.sdist) as sdist:
        names = {name.split("/", 1)[1] for name in sdist.getnames() if "/" in name}
    assert {"pyproject.toml", "README.md", "LICENSE"} <= names
    assert {f"server/{name}" for name in package_files(dist.source)} <= names


def run(installed: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    # Only the virtualenv's own folder on PATH, and a folder outside the repository as the
    # working directory: nothing can import the package from the source tree.
    env = {**os.environ, "PATH": os.pathsep.join([str(installed), "/usr/bin", "/bin"])}
    env.pop("PYTHONPATH", None)
    return subprocess.run([str(installed / "migration-lsp"), *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300)


def test_installed_wheel_checks_the_example(installed: Path, tmp_path: Path) -> None:
    version = run(installed, "--version", cwd=tmp_path)
    assert version.stdout.strip() == f"migration-lsp {__version__}", version

    done = run(installed, "--check", str(EXAMPLE), "--format", "github", cwd=tmp_path)
    assert done.returncode == 1, done.stderr
    assert done.stderr == ""
    rules = {line.split("title=", 1)[1].split("::", 1)[0] for line in done.stdout.splitlines() if "title=" in line}
    assert {"create-table-not-idempotent", "policy-not-guarded", "drop-table", "syntax-error"} <= rules, done.stdout


def test_installed_wheel_ships_the_config_schema(installed: Path, tmp_path: Path) -> None:
    done = run(installed, "config", "--schema", cwd=tmp_path)
    path = Path(url2pathname(urlparse(done.stdout.strip()).path))
    assert installed.parent in path.parents, done  # inside the virtualenv, not the source tree
    assert json.loads(path.read_text(encoding="utf-8"))["title"] == "migration-lsp configuration"


def test_installed_wheel_runs_as_a_module(installed: Path, tmp_path: Path) -> None:
    done = subprocess.run([str(installed / "python"), "-m", PACKAGE, "--version"], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    assert done.stdout.strip() == f"migration-lsp {__version__}", done
