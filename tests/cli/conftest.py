"""Running the real console script on copies of the fixture workspace."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any, Callable, Iterator

import pytest

FIXTURES = Path(__file__).parent / "fixtures"
SNAPSHOTS = Path(__file__).parent / "snapshots"


class Cli:
    """The console script installed beside this interpreter; `python -m` would skip its wrapper."""

    script = shutil.which("migration-lsp", path=str(Path(sys.executable).parent)) or "migration-lsp"

    @staticmethod
    def env() -> dict[str, str]:
        return {k: v for k, v in os.environ.items() if k not in ("NO_COLOR", "FORCE_COLOR")}

    def __call__(self, *args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
        return subprocess.run([self.script, *map(str, args)], cwd=cwd, env=self.env(), capture_output=True, text=True, encoding="utf-8", timeout=120)

    def unprivileged(self, *args: str | Path, cwd: Path) -> subprocess.CompletedProcess[str]:
        """The console script as a user that file permissions apply to: this one, or nobody for root."""
        drop = ["setpriv", f"--reuid={NOBODY}", f"--regid={NOBODY}", "--clear-groups"] if os.geteuid() == 0 else []
        if drop and shutil.which("setpriv") is None:
            pytest.skip("root reads every file; dropping to an unprivileged user needs setpriv (util-linux)")
        env = {**self.env(), "HOME": str(cwd)}
        probe = subprocess.run([*drop, sys.executable, "-c", "import migration_lsp"], env=env, capture_output=True, text=True)
        if probe.returncode != 0:
            pytest.skip(f"the package cannot be imported by an unprivileged user: {probe.stderr.strip()}")
        return subprocess.run([*drop, self.script, *map(str, args)], cwd=cwd, env=env, capture_output=True, text=True, encoding="utf-8", timeout=120)


NOBODY = 65534


@pytest.fixture
def cli() -> Cli:
    return Cli()


@pytest.fixture
def shared_dir() -> Iterator[Path]:
    """A folder outside pytest's private temporary folder, which another user can reach."""
    folder = Path(tempfile.mkdtemp(prefix="migration-lsp-test-")).resolve()
    folder.chmod(0o755)
    yield folder
    for path in [folder, *folder.rglob("*")]:
        if not path.is_symlink():
            path.chmod(0o755)  # so that the clean-up may enter and remove everything
    shutil.rmtree(folder)


@pytest.fixture
def snapshot() -> Callable[[str, str], None]:
    def compare(name: str, actual: str) -> None:
        """Compare with ``snapshots/<name>``; ``UPDATE_SNAPSHOTS=1 pytest tests/cli`` rewrites it."""
        path = SNAPSHOTS / name
        if os.environ.get("UPDATE_SNAPSHOTS") == "1":
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(actual.encode("utf-8"))
            return
        assert path.is_file(), f"no snapshot {name}; run: UPDATE_SNAPSHOTS=1 pytest tests/cli"
        expected = path.read_bytes().decode("utf-8")
        assert actual == expected, f"{name} differs; if the change is intended, run: UPDATE_SNAPSHOTS=1 pytest tests/cli"

    return compare


@pytest.fixture(scope="session")
def sarif_schema() -> dict[str, Any]:
    """The OASIS SARIF 2.1.0 schema, vendored: tests do not download."""
    return json.loads((FIXTURES / "sarif-schema-2.1.0.json").read_text(encoding="utf-8"))


def commit(root: Path) -> Path:
    """Make ``root`` a git repository with everything committed, as a CI checkout is.

    Baseline rules read the migration at HEAD; outside a repository they say so in a notice.
    """
    git = ["git", "-c", "user.name=test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false"]
    for args in (["init", "-q"], ["add", "-A"], ["commit", "-q", "--allow-empty", "-m", "fixture"]):
        subprocess.run([*git, *args], cwd=root, check=True, capture_output=True)
    return root


@pytest.fixture
def workspace(tmp_path: Path) -> Path:
    """A private, committed copy of the fixture workspace, so that --fix may change it."""
    target = tmp_path / "workspace"
    shutil.copytree(FIXTURES / "workspace", target)
    return commit(target)


@pytest.fixture
def project(tmp_path: Path) -> Callable[[dict[str, str | bytes]], Path]:
    """A committed folder holding the given files."""

    def make(files: dict[str, str | bytes]) -> Path:
        root = tmp_path / "project"
        for name, content in files.items():
            path = root / name
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        return commit(root)

    return make


def tree_bytes(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.fixture
def files_of() -> Callable[[Path], dict[str, bytes]]:
    """Every file under a folder, byte for byte, to show what a run changed."""
    return tree_bytes
