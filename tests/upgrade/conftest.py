"""A real git repository per test, and the command line run in it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest
from workspace_on_disk import git

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
        return git(self.root, *args)

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


@pytest.fixture
def database_url(server: Server) -> str:
    """The session's PostgreSQL as a URL; each verify run makes its scratch databases there."""
    assert server.cluster is not None
    return server.cluster.conninfo
