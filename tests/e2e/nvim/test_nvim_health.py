""":checkhealth migration_lsp in a real headless Neovim, from a file of the fixture project.

Neovim opens the file with the repository's client (init.lua), waits for the client to
attach when a server is there, runs the health check and writes the report it shows.
"""

import json
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

from migration_lsp import __version__

HERE = Path(__file__).parent
FIXTURE = HERE / "fixture"
ROUTE = FIXTURE / "src" / "app" / "api" / "setup" / "migrations" / "route.ts"
INSTALLED = [sys.executable, "-m", "migration_lsp"]
NVIM_TIMEOUT_S = 120
ATTACH_WAIT_MS = 30000


def checkhealth(
    nvim: Path,
    home: Path,
    file: Path,
    command: list[str],
    *,
    client: str = "enable",
    path: str | None = None,
    rtp: Path | None = None,
    attaches: bool = True,
) -> str:
    """The report :checkhealth migration_lsp shows for ``file``, once the client attached to it if ``attaches``."""
    report = home / "health.txt"
    env = {
        **os.environ,
        "PATH": path or os.environ["PATH"],
        "MIGRATION_LSP_CMD": json.dumps(command),
        "MIGRATION_LSP_CLIENT": client,
        **{f"XDG_{kind}_HOME": str(home / kind.lower()) for kind in ("CONFIG", "DATA", "STATE", "CACHE")},
    }
    steps = [
        *(["set runtimepath^=" + str(rtp)] if rtp else []),
        *([f"lua vim.wait({ATTACH_WAIT_MS}, function() return #vim.lsp.get_clients({{ bufnr = 0 }}) > 0 end)"] if attaches else []),
        "checkhealth migration_lsp",
        f"lua vim.fn.writefile(vim.api.nvim_buf_get_lines(0, 0, -1, false), {json.dumps(str(report))})",
        "qa!",
    ]
    command_line = [nvim, "--headless", "--clean", "-u", HERE / "init.lua", file]
    for step in steps:
        command_line += ["-c", step]
    proc = subprocess.run(command_line, cwd=file.parent, env=env, stdin=subprocess.DEVNULL, capture_output=True, text=True, timeout=NVIM_TIMEOUT_S)
    assert report.exists(), f"nvim exited with {proc.returncode} and wrote no report\n{proc.stdout}\n{proc.stderr}"
    return report.read_text()


def neovim_version(nvim: Path) -> str:
    """major.minor.patch, as ``nvim --version`` starts with it (``NVIM v0.11.4``, ``NVIM v0.12.0-dev-…``)."""
    first = subprocess.run([nvim, "--version"], capture_output=True, text=True, check=True).stdout.splitlines()[0]
    return first.removeprefix("NVIM v").split("-")[0].split("+")[0]


def test_installed_server_on_the_enable_path(nvim: Path, tmp_path: Path) -> None:
    report = checkhealth(nvim, tmp_path, ROUTE, INSTALLED)
    assert re.search(rf"OK Neovim {re.escape(neovim_version(nvim))}\S*: vim.lsp.config\(\) and vim.lsp.enable\(\) \(0.11\+\)", report), report
    assert "OK enabled by vim.lsp.enable('migration_lsp')" in report, report
    assert f"OK {' '.join(INSTALLED)}: migration-lsp {__version__} ({sys.executable})" in report, report
    assert f"OK {ROUTE}: configured by {FIXTURE / 'migration-lsp.toml'}" in report, report
    assert f"attached, root {FIXTURE}" in report, report
    # Neovim ships no sql parser, and none is installed here.
    assert "WARNING sql parser: not installed, so the SQL shows as a plain string" in report, report
    assert ":TSInstall sql" in report
    assert "no parser for typescript (not installed), tsx (not installed), javascript (not installed)" in report, report
    assert "is not on the runtimepath" not in report, report
    assert "ERROR" not in report, report


def test_setup_path(nvim: Path, tmp_path: Path) -> None:
    report = checkhealth(nvim, tmp_path, ROUTE, INSTALLED, client="setup")
    assert 'OK started by require("migration_lsp").setup()' in report, report
    assert f"migration-lsp {__version__}" in report, report
    assert "attached, root" in report, report


def test_missing_server_and_no_project(nvim: Path, tmp_path: Path) -> None:
    system_path = os.pathsep.join(d for d in ("/usr/local/bin", "/usr/bin", "/bin") if not (Path(d) / "migration-lsp").exists())
    outside = tmp_path / "scratch" / "page.ts"
    outside.parent.mkdir()
    outside.write_text("export const MIGRATION_SQL = `CREATE TABLE t (id int);`;\n")
    report = checkhealth(nvim, tmp_path, outside, ["migration-lsp"], path=system_path, attaches=False)
    assert "ERROR migration-lsp: migration-lsp is not an executable on PATH" in report, report
    assert "pipx install migration-lsp" in report and "uv tool install migration-lsp" in report, report
    assert f"{outside}: no migration-lsp.toml, nor pyproject.toml with [tool.migration-lsp], above it" in report, report
    assert "WARNING no migration_lsp client is attached to it" in report, report


def test_a_sql_parser_that_does_not_load(nvim: Path, tmp_path: Path) -> None:
    # A parser file under the name sql that holds another language: found, but unusable.
    (lua,) = (Path(nvim).parents[1] / "lib" / "nvim" / "parser").glob("lua.*")
    parsers = tmp_path / "rtp" / "parser"
    parsers.mkdir(parents=True)
    shutil.copy(lua, parsers / f"sql{lua.suffix}")
    report = checkhealth(nvim, tmp_path, ROUTE, INSTALLED, rtp=tmp_path / "rtp")
    assert f"WARNING sql parser: {parsers / f'sql{lua.suffix}'} does not load:" in report, report
