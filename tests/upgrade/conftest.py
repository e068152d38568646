"""A real git repository per test, and the command line run in it."""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pytest

from migration_lsp.main import main
from migration_lsp.verify import Server

ROUTE = "src/app/api/setup/migrations/route.ts"


def literal(sql: str) -> str:
    """A route file whose MIGRATION_SQL is ``sql``."""
    body = sql.replace("\\", "\\\\").replace("`", "\\`")
    return f"export const MIGRATION_SQL = `\n{body}`;\n"


@dataclass
class Repo:
    root: Path

    def route(self, sql: str, name: str = ROUTE) -> Path:
        """Write the migration route with ``sql`` as its MIGRATION_SQL."""
        return self.write(name, literal(sql))

    def write(self, name: str, text: str) -> Path:
        path = self.root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
        return path

    def git(self, *args: str) -> str:
        command = ["git", "-c", "user.name=test", "-c", "user.email=test@example.com", "-c", "commit.gpgsign=false", *args]
        return subprocess.run(command, cwd=self.root, check=True, capture_output=True, text=True).stdout

    def commit(self, message: str = "change") -> str:
        self.git("add", "-A")
        self.git("commit", "-q", "--allow-empty", "-m", message)
        return self.git("rev-parse", "--short", "HEAD").strip()


@pytest.fixture
def repo(tmp_path: Path) -> Repo:
    root = tmp_path / "app"
    root.mkdir()
    made = Repo(root)
    made.git("init", "-q")
    return made


@dataclass
class Run:
    code: int
    out: str
    err: str


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch):
    """``migration-lsp ARGS`` in a folder, in this process."""

    def invoke(*args: str, cwd: Path) -> Run:
        monkeypatch.chdir(cwd)
        capsys.readouterr()
        code = main(list(args))
        captured = capsys.readouterr()
        return Run(code, captured.out, captured.err)

    return invoke


@pytest.fixture(scope="session")
def database_url() -> Iterator[str]:
    """One running PostgreSQL for the session; each verify run makes its scratch databases there."""
    with Server() as server:
        assert server.cluster is not None
        yield server.cluster.conninfo
