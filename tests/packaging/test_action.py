"""The composite GitHub Action (action.yml), its shell steps run here as a runner would run them.

Each step with ``run`` goes to ``bash --noprofile --norc -eo pipefail``, GitHub's ``shell: bash``,
with its ``env`` evaluated and a ``GITHUB_OUTPUT`` file; the step that ``uses`` upload-sarif is
not run (it talks to GitHub), but its condition and inputs are. The expressions the action
uses are evaluated by a small evaluator that refuses any other, so that a new kind of
expression fails here rather than on GitHub.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

import jsonschema
import pytest
import yaml
from distribution import REPO, Dist

from migration_lsp import __version__

ACTION = REPO / "action.yml"
EXAMPLE = REPO / "examples" / "mason-app"
SARIF_SCHEMA = REPO / "tests" / "cli" / "fixtures" / "sarif-schema-2.1.0.json"
UPLOAD = "github/codeql-action/upload-sarif@v3"
STEP_TIMEOUT = 900

REFERENCE = re.compile(r"^(inputs\.[\w-]+|github\.action_path|runner\.temp|steps\.[\w-]+\.outputs\.[\w-]+)$")
COMPARISON = re.compile(r"^(\S+) (==|!=) '([^']*)'$")


@dataclass
class Run:
    """What one run of the action did: each step's outcome, outputs and console."""

    outputs: dict[str, dict[str, str]] = field(default_factory=dict)
    console: dict[str, str] = field(default_factory=dict)
    exit_codes: dict[str, int] = field(default_factory=dict)
    skipped: list[str] = field(default_factory=list)
    uploaded: dict[str, str] | None = None
    failed_step: str | None = None


class Context:
    def __init__(self, inputs: dict[str, str], action_path: Path, temp: Path, run: Run) -> None:
        self.inputs, self.action_path, self.temp, self.run = inputs, action_path, temp, run

    def value(self, reference: str) -> str:
        if not REFERENCE.match(reference):
            raise AssertionError(f"the test's evaluator does not know {reference!r}")
        kind, _, rest = reference.partition(".")
        if kind == "inputs":
            return self.inputs[rest]
        if kind == "github":
            return str(self.action_path)
        if kind == "runner":
            return str(self.temp)
        step, _, name = rest.partition(".outputs.")
        return self.run.outputs.get(step, {}).get(name, "")

    def substitute(self, text: str) -> str:
        return re.sub(r"\$\{\{\s*(.+?)\s*\}\}", lambda m: self.value(m.group(1)), text)

    def condition(self, expression: str) -> bool:
        expression = expression.strip()
        if expression.startswith("${{"):
            expression = expression.removeprefix("${{").removesuffix("}}").strip()
        result = True
        for term in (t.strip() for t in expression.split("&&")):
            if term == "!cancelled()":
                continue
            found = COMPARISON.match(term)
            if not found:
                raise AssertionError(f"the test's evaluator does not know the condition {term!r}")
            left, operator, right = found.groups()
            result &= (self.value(left) == right) == (operator == "==")
        return result


def run_action(inputs: dict[str, str], action_path: Path, workspace: Path, temp: Path, installed: Run | None = None) -> Run:
    """Runs the action's steps in ``workspace``; after ``installed``, which ran the install step, it runs the rest."""
    action = yaml.safe_load(ACTION.read_text())
    defaults = {name: str(spec.get("default", "")) for name, spec in action["inputs"].items()}
    unknown = set(inputs) - set(defaults)
    assert not unknown, f"action.yml has no input {unknown}"
    run = Run(outputs={"install": installed.outputs["install"]} if installed else {})
    context = Context({**defaults, **inputs}, action_path, temp, run)
    for step in action["runs"]["steps"]:
        step_id = step["id"]
        if installed and step_id == "install":
            continue
        if "if" in step and not context.condition(step["if"]):
            run.skipped.append(step_id)
            continue
        if step.get("uses") == UPLOAD:
            run.uploaded = {name: context.substitute(str(value)) for name, value in step["with"].items()}
            continue
        assert "uses" not in step, f"the test cannot run {step['uses']}"
        assert step["shell"] == "bash"
        output = temp / f"output-{step_id}"
        output.write_text("")
        env = {
            "PATH": "/usr/local/bin:/usr/bin:/bin",
            "HOME": str(temp),
            "GITHUB_OUTPUT": str(output),
            **{name: context.substitute(str(value)) for name, value in step.get("env", {}).items()},
        }
        # The script's text must not hold an expression: inputs reach it through env only.
        assert "${{" not in step["run"], f"step {step_id} splices an expression into its script"
        script = temp / f"script-{step_id}.sh"
        script.write_text(step["run"])
        done = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=workspace,
            env=env,
            capture_output=True,
            text=True,
            timeout=STEP_TIMEOUT,
        )
        run.console[step_id] = done.stdout + done.stderr
        run.exit_codes[step_id] = done.returncode
        run.outputs[step_id] = dict(line.split("=", 1) for line in output.read_text().splitlines() if "=" in line)
        if done.returncode != 0:
            run.failed_step = step_id
            break
    return run


@pytest.fixture(scope="module")
def action_path(dist: Dist) -> Path:
    """The action's checkout: the repository's files, as GitHub fetches them for ``uses:``."""
    return dist.source


@dataclass
class Installed:
    temp: Path  # runner.temp, which holds the virtualenv
    run: Run


@pytest.fixture(scope="module")
def installed(action_path: Path, tmp_path_factory: pytest.TempPathFactory) -> Installed:
    """The install step, run once for the module; each test runs the steps after it."""
    temp = tmp_path_factory.mktemp("runner-temp")
    empty = tmp_path_factory.mktemp("empty")
    run = run_action({"paths": str(empty)}, action_path, empty, temp)
    assert run.exit_codes["install"] == 0, run.console["install"]
    assert f"migration-lsp {__version__}" in run.console["install"]
    assert run.outputs["install"]["executable"] == str(temp / "migration-lsp" / "bin" / "migration-lsp")
    return Installed(temp, run)


def test_install_step_and_an_empty_folder(installed: Installed) -> None:
    # The folder has no migration: nothing to report, and a valid (empty) SARIF to upload.
    assert installed.run.outputs["check"]["exit-code"] == "0"
    assert installed.run.uploaded is not None and installed.run.failed_step is None


@pytest.fixture
def example(tmp_path: Path) -> Path:
    return Path(shutil.copytree(EXAMPLE, tmp_path / "workspace"))


def test_sarif_is_written_uploaded_and_then_fails_the_job(action_path: Path, installed: Installed, example: Path) -> None:
    run = run_action({}, action_path, example, installed.temp, installed.run)
    assert run.outputs["check"]["exit-code"] == "1"
    sarif = example / "migration-lsp.sarif"
    assert run.outputs["check"]["sarif-file"] == "migration-lsp.sarif"
    doc = json.loads(sarif.read_text())
    jsonschema.Draft7Validator(json.loads(SARIF_SCHEMA.read_text())).validate(doc)
    rules = {result["ruleId"] for result in doc["runs"][0]["results"]}
    assert {"create-table-not-idempotent", "drop-table"} <= rules
    assert run.uploaded == {"sarif_file": "migration-lsp.sarif", "category": "migration-lsp"}
    # The findings fail the job, after the upload.
    assert run.failed_step == "fail" and run.exit_codes["fail"] == 1
    assert "exited with 1" in run.console["fail"]


def test_github_annotations_instead(action_path: Path, installed: Installed, example: Path) -> None:
    run = run_action({"format": "github", "args": "--strict"}, action_path, example, installed.temp, installed.run)
    assert run.outputs["check"] == {"exit-code": "1"}
    annotations = [line for line in run.console["check"].splitlines() if line.startswith("::")]
    assert any(line.startswith("::error file=packages/mason-dashboard/src/app/api/setup/migrations/route.ts,") and "title=create-table-not-idempotent::" in line for line in annotations), annotations
    assert not (example / "migration-lsp.sarif").exists()
    assert run.uploaded is None and "upload" in run.skipped
    assert run.failed_step == "fail"


def test_paths_and_a_clean_project_pass(action_path: Path, installed: Installed, tmp_path: Path) -> None:
    app = tmp_path / "app"
    (app / "src").mkdir(parents=True)
    (app / "src" / "migration.ts").write_text(
        "export const MIGRATION_SQL = `\n"
        "CREATE TABLE IF NOT EXISTS app_notes (id uuid PRIMARY KEY, body text);\n"
        "CREATE INDEX IF NOT EXISTS idx_app_notes_body ON app_notes(body);\n"
        "ALTER TABLE app_notes ENABLE ROW LEVEL SECURITY;\n"
        "DO $$ BEGIN\n"
        "  IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE tablename = 'app_notes' AND policyname = 'Allow all on notes') THEN\n"
        '    CREATE POLICY "Allow all on notes" ON app_notes FOR ALL USING (true) WITH CHECK (true);\n'
        "  END IF;\n"
        "END $$;\n"
        "`;\n"
    )
    (app / "other").mkdir()
    (app / "other" / "broken.ts").write_text("export const MIGRATION_SQL = `DROP TABLE app_notes;`;\n")
    run = run_action({"paths": "src", "format": "github"}, action_path, app, installed.temp, installed.run)
    assert run.outputs["check"] == {"exit-code": "0"}, run.console
    assert run.failed_step is None and "fail" in run.skipped


def test_an_unknown_format_is_one_clear_error(action_path: Path, installed: Installed, example: Path) -> None:
    run = run_action({"format": "junit"}, action_path, example, installed.temp, installed.run)
    assert "::error title=migration-lsp::the format input must be sarif or github, not 'junit'" in run.console["check"]
    assert run.outputs["check"] == {"exit-code": "2"}
    assert run.failed_step == "fail" and run.exit_codes["fail"] == 2
