"""The JSON Schema of the configuration: up to date, and every config the repository shows fits it."""

from __future__ import annotations

import json
import re
import textwrap
import tomllib
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from migration_lsp import config_schema
from migration_lsp.config import SETTINGS
from migration_lsp.rules.registry import RULES

REPO = Path(__file__).resolve().parents[1]
SKIPPED = {".venv", "node_modules", ".git", "build", "dist"}


def schema() -> dict[str, Any]:
    return json.loads(config_schema.SCHEMA_FILE.read_text(encoding="utf-8"))


def test_the_shipped_schema_is_up_to_date() -> None:
    assert config_schema.is_current(), f"{config_schema.SCHEMA_FILE.name} is out of date; run: {config_schema.COMMAND}"


def test_it_is_a_draft_7_schema_that_names_every_setting_and_rule() -> None:
    shipped = schema()
    jsonschema.Draft7Validator.check_schema(shipped)
    assert set(shipped["properties"]) == {*SETTINGS, "rules"}
    assert list(shipped["properties"]["rules"]["properties"]) == list(RULES)


def repository_files(name: str) -> list[Path]:
    return sorted(p for p in REPO.rglob(name) if not SKIPPED & set(p.relative_to(REPO).parts))


def markdown_configs() -> list[tuple[str, dict[str, Any]]]:
    """Each TOML block of the README and docs/ that sets something of migration-lsp's."""
    found = []
    for md in [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]:
        text = md.read_text(encoding="utf-8")
        # A block may be indented, inside a list item.
        for n, (_, block) in enumerate(re.findall(r"^( *)```toml\n(.*?)^\1```", text, re.M | re.S)):
            data = tomllib.loads(textwrap.dedent(block))
            table = data.get("tool", {}).get("migration-lsp")
            if table is None and ({*SETTINGS, "rules"} & set(data)):
                table = data
            if table is not None:
                found.append((f"{md.relative_to(REPO)}#{n}", table))
    return found


def example_configs() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in repository_files("migration-lsp.toml"):
        found.append((str(path.relative_to(REPO)), tomllib.loads(path.read_text(encoding="utf-8"))))
    for path in repository_files("pyproject.toml"):
        table = tomllib.loads(path.read_text(encoding="utf-8")).get("tool", {}).get("migration-lsp")
        if table is not None:
            found.append((str(path.relative_to(REPO)), table))
    return found


CONFIGS = example_configs() + markdown_configs()


def test_the_configs_shown_are_found() -> None:
    names = [name for name, _ in CONFIGS]
    assert "examples/mason-app/migration-lsp.toml" in names and "examples/sqlite-app/migration-lsp.toml" in names
    assert any(name.startswith("README.md#") for name in names)
    assert sum(name.startswith("docs/rules/") for name in names) == len(RULES)  # each rule page's [tool.migration-lsp.rules]
    assert any(name.startswith("docs/editors.md#") for name in names)  # the #:schema example


@pytest.mark.parametrize(("name", "table"), CONFIGS, ids=[name for name, _ in CONFIGS])
def test_every_config_in_the_repository_fits_the_schema(name: str, table: dict[str, Any]) -> None:
    jsonschema.Draft7Validator(schema()).validate(table)
