"""The VS Code extension, installed from its .vsix into a real VS Code (code-server) and used
through Chromium: findings, a quick fix, a table hover, SQL highlighting, and a clear error
when the server is missing.

The platform-specific .vsix runs once with the server that the test's Python has installed
(through ``migration-lsp.server.command``) and once with the server it carries, on a ``PATH``
whose Python has no migration-lsp; the universal .vsix, which carries none, shows the error.

``editors/vscode/scripts/setup-e2e.sh`` installs code-server, the Node.js it needs, Chromium
and playwright-core; ``scripts/bundle-server.py`` freezes the server the .vsix carries;
``run.mjs`` drives the browser and reports what it saw.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import IO

import pytest

from migration_lsp import __version__

HERE = Path(__file__).resolve().parent
REPO = HERE.parents[2]
EXTENSION = REPO / "editors" / "vscode"
ARTIFACTS = REPO / "test-artifacts" / "vscode"

# Installing code-server compiles native modules: minutes on a fresh machine.
SETUP_TIMEOUT = 1800
# Freezing the server installs its dependencies into a virtualenv first.
BUNDLE_TIMEOUT = 1200
STARTUP_TIMEOUT = 120
SCENARIO_TIMEOUT = 900
# code-server writes the output channel to its log file a moment after the extension writes to it.
LOG_TIMEOUT = 30


@pytest.fixture(scope="module")
def tools() -> dict[str, str]:
    """Paths printed by the setup script as NAME=path lines."""
    done = subprocess.run(
        ["bash", str(EXTENSION / "scripts" / "setup-e2e.sh")],
        capture_output=True,
        text=True,
        timeout=SETUP_TIMEOUT,
    )
    assert done.returncode == 0, f"setup-e2e.sh failed:\n{done.stdout}\n{done.stderr}"
    return dict(line.split("=", 1) for line in done.stdout.splitlines())


@pytest.fixture(scope="module")
def npm() -> str:
    npm = shutil.which("npm")
    assert npm, "npm is needed to build the extension"
    if not (EXTENSION / "node_modules").is_dir():
        subprocess.run([npm, "ci", "--no-audit", "--no-fund"], cwd=EXTENSION, check=True, timeout=600)
    return npm


@pytest.fixture(scope="module")
def vsix(npm: str) -> Path:
    """The .vsix of this platform, with the frozen server (rebuilt only when its sources changed)."""
    subprocess.run([npm, "run", "bundle-server"], cwd=EXTENSION, check=True, timeout=BUNDLE_TIMEOUT)
    subprocess.run([npm, "run", "package"], cwd=EXTENSION, check=True, timeout=600)
    (built,) = (EXTENSION / "out").glob("migration-lsp-*-*.vsix")
    return built


@pytest.fixture(scope="module")
def universal_vsix(npm: str) -> Path:
    subprocess.run([npm, "run", "package", "--", "--universal"], cwd=EXTENSION, check=True, timeout=600)
    return EXTENSION / "out" / "migration-lsp-universal.vsix"


class ServerOutput(threading.Thread):
    """Copies code-server's output to a log and catches the address it listens on."""

    LISTENING = re.compile(r"HTTP server listening on (http://\S+?)/?$")

    def __init__(self, stream: IO[bytes], log: Path) -> None:
        super().__init__(daemon=True)
        self.stream, self.log = stream, log
        self.url: str | None = None
        self.ready = threading.Event()  # set once listening, or once code-server has exited

    def run(self) -> None:
        with self.log.open("wb") as out:
            for line in self.stream:
                out.write(line)
                out.flush()
                found = self.LISTENING.search(line.decode(errors="replace").strip())
                if found and self.url is None:
                    self.url = found.group(1)
                    self.ready.set()
        self.ready.set()


@contextmanager
def code_server(tools: dict[str, str], vsix: Path, root: Path, settings: dict, path_env: str) -> Iterator[tuple[str, Path]]:
    """code-server on a free loopback port with the extension installed and a copy of the fixture open."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    workspace = root / "workspace"
    shutil.copytree(HERE / "fixture", workspace)
    user_data, extensions = root / "user-data", root / "extensions"
    (user_data / "User").mkdir(parents=True)
    (user_data / "User" / "settings.json").write_text(json.dumps(settings, indent=2))
    # Without a config file of its own, code-server writes one into the home folder.
    config = root / "config.yaml"
    config.write_text("")
    common = [
        tools["NODE"],
        tools["CODE_SERVER"],
        "--config",
        str(config),
        "--user-data-dir",
        str(user_data),
        "--extensions-dir",
        str(extensions),
    ]
    env = {**os.environ, "PATH": path_env}
    install = [*common, "--install-extension", str(vsix), "--force"]
    subprocess.run(install, check=True, env=env, timeout=300, capture_output=True)

    log = root / "code-server.log"
    server = subprocess.Popen(
        [
            *common,
            "--bind-addr",
            "127.0.0.1:0",
            "--auth",
            "none",
            "--disable-telemetry",
            "--disable-update-check",
            "--disable-workspace-trust",
            "--disable-getting-started-override",
            "--ignore-last-opened",
            str(workspace),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        env=env,
        process_group=0,
    )
    output = ServerOutput(server.stdout, log)
    output.start()
    try:
        output.ready.wait(STARTUP_TIMEOUT)
        assert output.url, f"code-server did not listen within {STARTUP_TIMEOUT}s:\n{log.read_text()}"
        yield output.url, workspace
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()
        for channel in user_data.glob("logs/**/migration-lsp*.log"):
            shutil.copy(channel, ARTIFACTS / f"{root.name}-{channel.name}")


def output_channel(root: Path) -> str:
    """What the extension wrote to its output channel in the code-server run under ``root``."""
    return "".join(log.read_text() for log in (root / "user-data").glob("logs/**/migration-lsp.log"))


def output_channel_once_it_holds(root: Path, text: str) -> str:
    """The output channel of the code-server still running under ``root``, once its log holds
    ``text``, or as it is after ``LOG_TIMEOUT`` seconds: stopped at once, code-server may not
    write what the extension wrote last."""
    deadline = time.monotonic() + LOG_TIMEOUT
    log = output_channel(root)
    while text not in log and time.monotonic() < deadline:
        time.sleep(0.2)
        log = output_channel(root)
    return log


def path_without_migration_lsp() -> str:
    """The system's own folders, except any that holds a migration-lsp (the test's virtualenv is not among them)."""
    system_dirs = ("/usr/local/bin", "/usr/bin", "/bin")
    return os.pathsep.join(d for d in system_dirs if not (Path(d) / "migration-lsp").exists())


def user_settings(**extra: object) -> dict:
    return {
        "workbench.colorTheme": "Dark Modern",
        "workbench.startupEditor": "none",
        "workbench.tips.enabled": False,
        "workbench.welcomePage.walkthroughs.openOnInstall": False,
        "telemetry.telemetryLevel": "off",
        "update.mode": "none",
        "extensions.autoCheckUpdates": False,
        "extensions.autoUpdate": "off",
        "extensions.ignoreRecommendations": True,
        "workbench.secondarySideBar.defaultVisibility": "hidden",
        "security.workspace.trust.enabled": False,
        "git.enabled": False,
        **extra,
    }


def run_scenario(tools: dict[str, str], url: str, workspace: Path, scenario: str, results: Path) -> dict:
    done = subprocess.run(
        [tools["NODE"], str(HERE / "run.mjs")],
        env={
            **os.environ,
            "CODE_SERVER_URL": url,
            "WORKSPACE": str(workspace),
            "SCENARIO": scenario,
            "ARTIFACTS": str(ARTIFACTS),
            "RESULTS": str(results),
            "PLAYWRIGHT_CORE": tools["PLAYWRIGHT_CORE"],
            "CHROMIUM": tools["CHROMIUM"],
        },
        capture_output=True,
        text=True,
        timeout=SCENARIO_TIMEOUT,
    )
    assert done.returncode == 0, f"run.mjs failed:\n{done.stdout}\n{done.stderr}"
    shutil.copy(results, ARTIFACTS / f"results-{scenario}.json")
    return json.loads(results.read_text())


def failed(results: dict, step: str, log: str = "") -> str:
    """The step's error and all results, with the end of the extension's output channel,
    where the server's own log of a failed request shows."""
    tail = f"\nextension output (end):\n{log[-6000:]}" if log else ""
    return f"step {step!r} failed: {results[step].get('error')}\nall results: {json.dumps(results, indent=2)}{tail}"


def assert_full_scenario(results: dict, log: str) -> None:
    assert results["workbench"]["ok"], failed(results, "workbench", log)

    assert results["highlighting"]["ok"], failed(results, "highlighting", log)
    colours = results["highlighting"]["colours"]
    assert colours["sqlKeyword"] and colours["sqlKeyword"] != colours["plainString"], colours
    assert colours["sqlKeyword"] == colours["tsKeyword"], colours
    assert "meta.embedded.block.sql" in results["highlighting"]["scopes"]

    assert results["findings"]["ok"], failed(results, "findings", log)
    assert any("create-table-not-idempotent" in row for row in results["findings"]["problems"])
    assert results["findings"]["status"].startswith("migration-lsp: running, ")
    assert not results["findings"]["status"].endswith(", 0 findings")

    assert results["quickFix"]["ok"], failed(results, "quickFix", log)
    assert not any("create-table-not-idempotent" in row for row in results["quickFix"]["problems"])

    assert results["hover"]["ok"], failed(results, "hover", log)
    assert "mason_users" in results["hover"]["text"]
    assert {"id", "uuid"} <= set(results["hover"]["text"].split())

    assert results["commands"]["ok"], failed(results, "commands", log)
    assert "migration-lsp: Verify Migration against PostgreSQL" in results["commands"]["listed"]
    assert "with findings" in results["commands"]["report"]


def test_installed_server(tools: dict[str, str], vsix: Path, tmp_path: Path) -> None:
    # The setting wins over the server the .vsix carries.
    command = [sys.executable, "-m", "migration_lsp"]
    settings = user_settings(**{"migration-lsp.server.command": command})
    started = f"Started migration-lsp {__version__}: {' '.join(command)} (set in migration-lsp.server.command)"
    with code_server(tools, vsix, tmp_path / "installed", settings, os.environ["PATH"]) as (url, workspace):
        results = run_scenario(tools, url, workspace, "full", tmp_path / "results.json")
        log = output_channel_once_it_holds(tmp_path / "installed", started)

    assert_full_scenario(results, log)
    assert started in log


def test_bundled_server(tools: dict[str, str], vsix: Path, tmp_path: Path) -> None:
    # No setting, no migration-lsp on PATH, a Python there without the package, no Python
    # extension: only the server in the .vsix can give these findings.
    path = path_without_migration_lsp()
    python = shutil.which("python3", path=path)
    if python:
        probe = subprocess.run([python, "-c", "import migration_lsp"], capture_output=True, env={"PATH": path})
        assert probe.returncode != 0, f"{python} has migration_lsp installed; the test needs one without it"
    with code_server(tools, vsix, tmp_path / "bundled", user_settings(), path) as (url, workspace):
        results = run_scenario(tools, url, workspace, "full", tmp_path / "results.json")
        log = output_channel_once_it_holds(tmp_path / "bundled", "(bundled with the extension)")

    assert_full_scenario(results, log)
    assert re.search(rf"Started migration-lsp {re.escape(__version__)}: \S+/bundled/server/migration-lsp \(bundled with the extension\)", log), log


NO_BUNDLED_SERVER = "bundled server: this build of the extension carries none"


def test_missing_server_is_reported(tools: dict[str, str], universal_vsix: Path, tmp_path: Path) -> None:
    # The universal .vsix carries no server; no setting, no migration-lsp on PATH, no Python
    # extension: nothing to start.
    with code_server(tools, universal_vsix, tmp_path / "missing", user_settings(), path_without_migration_lsp()) as (
        url,
        workspace,
    ):
        results = run_scenario(tools, url, workspace, "missing-server", tmp_path / "results.json")
        log = output_channel_once_it_holds(tmp_path / "missing", NO_BUNDLED_SERVER)

    assert results["workbench"]["ok"], failed(results, "workbench")
    assert results["missingServer"]["ok"], failed(results, "missingServer")
    assert "Open documentation" in results["missingServer"]["buttons"]
    assert results["missingServer"]["status"].startswith("migration-lsp: error")
    assert NO_BUNDLED_SERVER in log
