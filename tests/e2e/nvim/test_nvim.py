"""The Neovim client in a real headless Neovim, against the fixture workspace.

driver.lua does the editing and writes what it saw to a JSON file; the tests
here assert on it. Both ways of starting the client are covered: `enable`
(vim.lsp.enable, Neovim 0.11+) and `setup` (require('migration_lsp').setup,
the path for 0.10).
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

HERE = Path(__file__).parent
FIXTURE = HERE / "fixture"
ROUTE = FIXTURE / "src" / "app" / "api" / "setup" / "migrations" / "route.ts"
TABLE = "mason_users"
CODE = "create-table-not-idempotent"
# The driver gives up on each wait after 30 s; this only stops a Neovim that hangs.
NVIM_TIMEOUT_S = 300

CREATE_LINE, CREATE_TEXT = next((i, line) for i, line in enumerate(ROUTE.read_text().splitlines()) if line.startswith(f"CREATE TABLE {TABLE} "))


class NvimRun:
    """What one Neovim run recorded, step by step."""

    def __init__(self, results: dict, context: str) -> None:
        self.results = results
        self.context = context

    def step(self, name: str):
        if name in self.results["errors"]:
            pytest.fail(f"{name} failed in Neovim: {self.results['errors'][name]}\n{self.context}")
        return self.results[name]


@pytest.fixture(scope="module", params=["enable", "setup"])
def nvim_run(request: pytest.FixtureRequest, nvim: Path, tmp_path_factory: pytest.TempPathFactory) -> NvimRun:
    home = tmp_path_factory.mktemp(f"nvim-{request.param}")
    results = home / "results.json"
    env = {
        **os.environ,
        "MIGRATION_LSP_CMD": json.dumps([sys.executable, "-m", "migration_lsp"]),
        "MIGRATION_LSP_CLIENT": request.param,
        "MIGRATION_LSP_RESULTS": str(results),
        # Keeps the user's Neovim state, and its lsp.log, out of the test.
        **{f"XDG_{kind}_HOME": str(home / kind.lower()) for kind in ("CONFIG", "DATA", "STATE", "CACHE")},
    }
    command = [nvim, "--headless", "--clean", "-u", HERE / "init.lua", "-S", HERE / "driver.lua"]
    try:
        proc = subprocess.run(
            command,
            cwd=FIXTURE,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=NVIM_TIMEOUT_S,
        )
        output = f"nvim exited with {proc.returncode}\n--- stdout ---\n{proc.stdout}\n--- stderr ---\n{proc.stderr}"
    except subprocess.TimeoutExpired as timeout:
        output = f"nvim still running after {NVIM_TIMEOUT_S} s\n--- stderr ---\n{os.fsdecode(timeout.stderr or b'')}"
    lsp_log = home / "state" / "nvim" / "lsp.log"
    context = f"{output}\n--- lsp.log ---\n{lsp_log.read_text()[-8000:] if lsp_log.exists() else '(none)'}"
    if not results.exists():
        pytest.fail(f"the driver wrote no results\n{context}")
    return NvimRun(json.loads(results.read_text()), context)


def test_diagnostic_code_and_position(nvim_run: NvimRun) -> None:
    diagnostics = nvim_run.step("diagnostics")
    assert [d["code"] for d in diagnostics] == [CODE], diagnostics
    (diagnostic,) = diagnostics
    assert diagnostic["source"] == "migration-lsp"
    assert (diagnostic["line"], diagnostic["character"]) == (CREATE_LINE, 0)


def test_quick_fix_removes_the_finding(nvim_run: NvimRun) -> None:
    fix = nvim_run.step("fix")
    assert fix["fixed_line"] == CREATE_TEXT.replace("CREATE TABLE", "CREATE TABLE IF NOT EXISTS", 1)
    assert fix["diagnostics_after"] == []


def test_hover_names_the_table(nvim_run: NvimRun) -> None:
    assert TABLE in nvim_run.step("hover")


def test_definition_from_the_query_builder(nvim_run: NvimRun) -> None:
    (location, *_) = nvim_run.step("definition")
    assert Path(location["path"]).resolve() == ROUTE.resolve()
    assert location["range"]["start"]["line"] == CREATE_LINE


def test_settings_reach_the_server(nvim_run: NvimRun) -> None:
    # init.lua adds SEED_SQL to variableNames; without that setting its file has no findings.
    assert [d["code"] for d in nvim_run.step("settings")] == ["insert-not-idempotent"]
