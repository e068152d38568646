"""Project configuration: where it is found, what it may say, and how it says what is wrong."""

from __future__ import annotations

from pathlib import Path

import pytest

from migration_lsp import verify
from migration_lsp.config import PLATFORMS, VERIFY_MODES, Config, ConfigError, load_config
from migration_lsp.lint.check import RULE_NAMES


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def test_defaults_without_a_file(tmp_path: Path) -> None:
    config = load_config(tmp_path, rule_names=RULE_NAMES)
    assert config.source is None
    assert config.root == tmp_path.resolve()
    assert config.variable_names == ("MIGRATION_SQL",)
    assert config.rules == {}


def test_pyproject_table(tmp_path: Path) -> None:
    write(
        tmp_path / "pyproject.toml",
        """
[project]
name = "app"

[tool.migration-lsp]
variable-names = ["MIGRATION_SQL", "SEED_SQL"]
include = ["src/**"]
exclude = ["src/legacy/**"]

[tool.migration-lsp.rules]
rename = "off"
insert-not-idempotent = "error"
drop-table = "info"
""",
    )
    config = load_config(tmp_path / "src" / "app" / "route.ts", rule_names=RULE_NAMES)
    assert config.source == (tmp_path / "pyproject.toml").resolve()
    assert config.root == tmp_path.resolve()
    assert config.variable_names == ("MIGRATION_SQL", "SEED_SQL")
    assert config.include == ("src/**",) and config.exclude == ("src/legacy/**",)
    assert config.rules == {"rename": "off", "insert-not-idempotent": "error", "drop-table": "info"}
    assert config.level("rename", "warning") == "off"
    assert config.level("truncate", "error") == "error"


def test_migration_lsp_toml(tmp_path: Path) -> None:
    write(tmp_path / "migration-lsp.toml", 'variable-names = ["SQL"]\n[rules]\ntruncate = "warning"\n')
    config = load_config(tmp_path / "a.ts", rule_names=RULE_NAMES)
    assert config.variable_names == ("SQL",)
    assert config.rules == {"truncate": "warning"}


def test_nearest_file_upward_wins(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.migration-lsp]\nvariable-names = ["OUTER"]\n')
    write(tmp_path / "apps" / "web" / "migration-lsp.toml", 'variable-names = ["INNER"]\n')
    write(tmp_path / "apps" / "api" / "pyproject.toml", '[project]\nname = "api"\n')  # no table: not a config
    assert load_config(tmp_path / "apps" / "web" / "src" / "a.ts", rule_names=RULE_NAMES).variable_names == ("INNER",)
    assert load_config(tmp_path / "apps" / "api" / "a.ts", rule_names=RULE_NAMES).variable_names == ("OUTER",)
    assert load_config(tmp_path / "a.ts", rule_names=RULE_NAMES).variable_names == ("OUTER",)


def test_migration_lsp_toml_beats_pyproject_in_the_same_folder(tmp_path: Path) -> None:
    write(tmp_path / "pyproject.toml", '[tool.migration-lsp]\nvariable-names = ["PY"]\n')
    write(tmp_path / "migration-lsp.toml", 'variable-names = ["TOML"]\n')
    assert load_config(tmp_path, rule_names=RULE_NAMES).variable_names == ("TOML",)


def test_the_verify_choices_are_what_verify_knows() -> None:
    # The command line offers these without loading the verify engine.
    assert PLATFORMS == tuple(verify.PLATFORMS)
    assert VERIFY_MODES == verify.MODES


def test_the_verify_time_limit_is_seconds_per_scenario(tmp_path: Path) -> None:
    assert Config(root=tmp_path).verify_time_limit is None  # verify's own default
    write(tmp_path / "migration-lsp.toml", "verify-time-limit = 1.5\n")
    assert load_config(tmp_path / "a.ts", rule_names=RULE_NAMES).verify_time_limit == 1.5


def test_extra_variable_names_are_added_once() -> None:
    config = Config(root=Path("."), variable_names=("A", "B"))
    assert config.with_variable_names(("B", "C")).variable_names == ("A", "B", "C")


@pytest.mark.parametrize(
    ("text", "key", "problem"),
    [
        ('[rules]\nno-such-rule = "error"\n', "rules.no-such-rule", "unknown rule 'no-such-rule'"),
        ('[rules]\ntruncate = "fatal"\n', "rules.truncate", "'fatal' is not one of off, info, warning, error"),
        ("[rules]\ntruncate = 2\n", "rules.truncate", "2 is not one of off, info, warning, error"),
        ('rules = "all"\n', "rules", "expected a table of rule = level"),
        ('variable-names = "MIGRATION_SQL"\n', "variable-names", "expected a list of strings"),
        ("variable-names = []\n", "variable-names", "needs at least one name"),
        ('include = ["a", 1]\n', "include", "expected a list of strings"),
        ('colour = "blue"\n', "colour", "unknown setting"),
        ('verify-time-limit = "60"\n', "verify-time-limit", "expected a positive number"),
        ("verify-time-limit = 0\n", "verify-time-limit", "expected a positive number"),
        ("verify-time-limit = inf\n", "verify-time-limit", "expected a positive number"),
        ("verify-time-limit = true\n", "verify-time-limit", "expected a positive number"),
    ],
)
def test_bad_values_name_file_and_key(tmp_path: Path, text: str, key: str, problem: str) -> None:
    path = write(tmp_path / "migration-lsp.toml", text)
    with pytest.raises(ConfigError) as e:
        load_config(tmp_path / "a.ts", rule_names=RULE_NAMES)
    message = str(e.value)
    assert message == f"{path.resolve()}: {key}: {problem}"


def test_bad_values_in_pyproject_name_the_table(tmp_path: Path) -> None:
    path = write(tmp_path / "pyproject.toml", '[tool.migration-lsp.rules]\ndrop-tabel = "off"\n')
    with pytest.raises(ConfigError, match=r"pyproject\.toml: \[tool\.migration-lsp\]\.rules\.drop-tabel: unknown rule 'drop-tabel'"):
        load_config(path, rule_names=RULE_NAMES)


def test_settings_that_are_not_a_table(tmp_path: Path) -> None:
    path = write(tmp_path / "pyproject.toml", '[tool]\nmigration-lsp = "yes"\n')
    with pytest.raises(ConfigError, match=r"pyproject\.toml: \[tool\.migration-lsp\]: expected a table of settings$"):
        load_config(path, rule_names=RULE_NAMES)


@pytest.mark.parametrize("name", ["migration-lsp.toml", "pyproject.toml"])
@pytest.mark.parametrize("data", [b"[tool.migration-lsp\nvariable-names = \n", b"rules = '\xff'\n"])
def test_file_that_does_not_parse(tmp_path: Path, name: str, data: bytes) -> None:
    (tmp_path / name).write_bytes(data)
    with pytest.raises(ConfigError) as e:
        load_config(tmp_path / "a.ts", rule_names=RULE_NAMES)
    message = str(e.value)
    assert message.startswith(f"{tmp_path / name}: not valid TOML: ")
    assert "\n" not in message
