"""A config the check refuses, the JSON Schema refuses too, at the key the check's error names."""

from __future__ import annotations

import json
import tomllib
from pathlib import Path
from typing import Any

import jsonschema
import pytest

from migration_lsp.config_schema import SCHEMA_FILE

BAD = [
    'colour = "blue"\n',
    '[rules]\ndrop-tabel = "off"\n',
    '[rules]\ntruncate = "fatal"\n',
    "[rules]\ntruncate = 2\n",
    'rules = "all"\n',
    'variable-names = "MIGRATION_SQL"\n',
    "variable-names = []\n",
    'include = ["src/**", 3]\n',
    "tables-file = 7\n",
    'dialect = "oracle"\n',
    'platform = "heroku"\n',
    'verify-mode = "each"\n',
    "baseline = false\n",
]


def schema_keys(table: dict[str, Any]) -> set[str]:
    """The dotted key of each place the schema refuses in ``table`` (a list's, not its item's)."""
    keys = set()
    for error in jsonschema.Draft7Validator(json.loads(SCHEMA_FILE.read_text(encoding="utf-8"))).iter_errors(table):
        path = [p for p in error.absolute_path if isinstance(p, str)]
        if error.validator == "additionalProperties":  # the error sits on the table; the key is the extra one
            keys |= {".".join([*path, extra]) for extra in set(error.instance) - set(error.schema["properties"])}
        else:
            keys.add(".".join(path))
    return keys


def cli_key(cli: Any, root: Path, config: Path, prefix: str) -> str:
    result = cli("check", "--config", config, cwd=root)
    assert result.returncode == 2, result.stdout
    head = f"migration-lsp: --config {config}: {prefix}"
    assert result.stderr.startswith(head), result.stderr
    return result.stderr.removeprefix(head).split(": ", 1)[0]


@pytest.mark.parametrize("text", BAD)
def test_a_bad_migration_lsp_toml(cli: Any, tmp_path: Path, text: str) -> None:
    config = tmp_path / "migration-lsp.toml"
    config.write_text(text, encoding="utf-8")
    assert schema_keys(tomllib.loads(text)) == {cli_key(cli, tmp_path, config, "")}


@pytest.mark.parametrize("text", BAD[:3])
def test_a_bad_pyproject_table(cli: Any, tmp_path: Path, text: str) -> None:
    config = tmp_path / "pyproject.toml"
    nested = text.replace("[rules]", "[tool.migration-lsp.rules]") if text.startswith("[rules]") else "[tool.migration-lsp]\n" + text
    config.write_text('[project]\nname = "app"\n\n' + nested, encoding="utf-8")
    table = tomllib.loads(nested)["tool"]["migration-lsp"]
    assert schema_keys(table) == {cli_key(cli, tmp_path, config, "[tool.migration-lsp].")}
