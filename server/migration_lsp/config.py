"""Project configuration: ``[tool.migration-lsp]`` in ``pyproject.toml`` or ``migration-lsp.toml``.

The nearest file above a checked file wins. The editor and ``--check`` read the same files,
so they report the same findings.
"""

from __future__ import annotations

import math
import tomllib
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any

CONFIG_FILES = ("migration-lsp.toml", "pyproject.toml")
LEVELS = ("off", "info", "warning", "error")


class ConfigError(Exception):
    """A config file that cannot be used; the message names the file and key."""

    def __init__(self, path: Path, detail: str) -> None:
        super().__init__(f"{path}: {detail}")
        self.path = path
        self.detail = detail  # the message without the file, for reporters that show it apart


@dataclass(frozen=True)
class Config:
    root: Path  # the folder of the config file, or the checked folder when there is none
    source: Path | None = None
    variable_names: tuple[str, ...] = ("MIGRATION_SQL",)
    include: tuple[str, ...] = ()
    exclude: tuple[str, ...] = ()
    rules: dict[str, str] = field(default_factory=dict)  # rule name → level
    # The constant that names the app's tables, and where it is declared (a glob, optional).
    tables_constant: str = "TABLES"
    tables_file: str | None = None
    required_tables: tuple[str, ...] = ()
    checklist: str | None = None  # the rules document whose "Required Tables" table is read
    external_schemas: tuple[str, ...] = ("auth", "storage", "extensions", "realtime", "graphql", "vault", "pg_catalog", "information_schema")
    policy_template: str = 'CREATE POLICY "Allow all on {short}" ON {table} FOR ALL USING (true) WITH CHECK (true);'
    baseline: str | None = "HEAD"
    baseline_sql: tuple[str, ...] = ()
    dialect: str = "auto"  # auto: from the file's imports, package.json, then the SQL
    platform: str = "auto"  # auto: plain PostgreSQL ("none") only on positive evidence
    verify_mode: str = "transaction"
    verify_time_limit: float | None = None  # seconds per scenario; None: verify's own default

    def level(self, rule: str, default: str) -> str:
        return self.rules.get(rule, default)

    def with_variable_names(self, extra: tuple[str, ...]) -> Config:
        names = tuple(dict.fromkeys(self.variable_names + extra))
        return replace(self, variable_names=names)


PLATFORMS = ("supabase", "none")  # what verify recreates in a scratch database
VERIFY_MODES = ("transaction", "statements")
DIALECT_SETTINGS = ("auto", "postgres", "sqlite", "mysql")


@dataclass(frozen=True)
class Setting:
    """What one key of the config may hold; both the check of a file and its JSON Schema read it."""

    description: str
    many: bool = False  # a list of strings, not one string
    number: bool = False  # a positive number of seconds, not a string
    choices: tuple[str, ...] = ()
    non_empty: bool = False

    def problem(self, value: Any) -> str | None:
        """What is wrong with ``value`` for this setting, or None."""
        if self.number:
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 < value < math.inf:
                return "expected a positive number"
            return None
        if self.many:
            if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
                return "expected a list of strings"
            if self.non_empty and not value:
                return "needs at least one name"
            return None
        if not isinstance(value, str):
            return "expected a string"
        if self.choices and value not in self.choices:
            return f"{value!r} is not one of {', '.join(self.choices)}"
        return None

    def json_schema(self, default: Any) -> dict[str, Any]:
        schema: dict[str, Any] = {"description": self.description}
        if self.number:
            schema.update(type="number", exclusiveMinimum=0)
        elif self.many:
            schema.update(type="array", items={"type": "string"})
            if self.non_empty:
                schema["minItems"] = 1
        else:
            schema["type"] = "string"
            if self.choices:
                schema["enum"] = list(self.choices)
        if default is not None:
            schema["default"] = list(default) if self.many else default
        return schema


# Every key a config may hold besides ``[rules]``; the Config field of each is its name with _.
SETTINGS: dict[str, Setting] = {
    "variable-names": Setting("The names of the variables whose template literal holds the migration SQL.", many=True, non_empty=True),
    "include": Setting("Globs, relative to the config's folder, of the files to read; every code file when empty.", many=True),
    "exclude": Setting("Globs, relative to the config's folder, of files not to read (.gitignore and node_modules are skipped anyway).", many=True),
    "tables-constant": Setting("The constant that names the app's tables (TABLES.KEY)."),
    "tables-file": Setting("A glob, inside the project, of the file that declares the tables constant; looked for when unset."),
    "required-tables": Setting("Tables the migration must create, besides those the checklist requires.", many=True),
    "checklist": Setting('The rules document whose "Required Tables" table is read; found automatically when unset.'),
    "external-schemas": Setting("Schemas whose tables belong to the platform, not to the app: they need no CREATE TABLE, RLS or policy here.", many=True),
    "policy-template": Setting("The policy the fix for table-missing-policy writes; {table}, {schema}, {name} and {short} are replaced."),
    "baseline": Setting('What existing databases were built from: a git ref, "history" for each table\'s first definition, or "" for none.'),
    "baseline-sql": Setting("Globs, inside the project, of legacy SQL files that older databases were built from, replayed in order.", many=True),
    "dialect": Setting("The SQL dialect of the literals; auto reads the file's imports, package.json, then the SQL.", choices=DIALECT_SETTINGS),
    "platform": Setting("The platform the app runs on; auto means plain PostgreSQL (none) only on positive evidence.", choices=("auto", *PLATFORMS)),
    "verify-mode": Setting("How verify sends the literal: as one transaction, as the app does, or statement by statement.", choices=VERIFY_MODES),
    "verify-time-limit": Setting("Seconds of wall-clock time verify gives each scenario before it stops the migration.", number=True),
}
RULES_DESCRIPTION = "The level of each rule: off, or the severity of its findings."


class ConfigFinder:
    """Finds and reads the config files for one reading of a workspace.

    Each folder is looked in and each file read once: a reading of thousands of files asks
    for the same few folders over and over. What it found holds as long as it is kept; a
    reading after files changed takes a new one, so nothing has to be forgotten by hand.
    """

    def __init__(self, rule_names: frozenset[str]) -> None:
        self.rule_names = rule_names  # the rules a config may set levels for (the registry's, given from above)
        self._found: dict[Path, Path | None] = {}
        self._read: dict[Path, Config] = {}

    def find(self, start: Path) -> Path | None:
        """The nearest config file at or above ``start`` (a file or folder)."""
        folder = start if start.is_dir() else start.parent
        for d in (folder, *folder.parents):
            if d not in self._found:
                self._found[d] = _config_in(d)
            hit = self._found[d]
            if hit is not None:
                return hit
        return None

    def load(self, start: Path, fallback_root: Path | None = None) -> Config:
        """The config that applies to ``start``; defaults when no file is found."""
        path = self.find(start)
        if path is None:
            root = fallback_root or (start if start.is_dir() else start.parent)
            return Config(root=root.resolve())
        path = path.resolve()
        if path not in self._read:
            self._read[path] = _load(path, self.rule_names)
        return self._read[path]


def _config_in(folder: Path) -> Path | None:
    for name in CONFIG_FILES:
        candidate = folder / name
        if candidate.is_file():
            if name == "pyproject.toml" and not _has_table(_read_toml(candidate)):
                continue
            return candidate
    return None


def _has_table(pyproject: dict[str, Any]) -> bool:
    tool = pyproject.get("tool")
    return isinstance(tool, dict) and "migration-lsp" in tool


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as f:
            return tomllib.load(f)
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as e:
        raise ConfigError(path, f"not valid TOML: {e}") from None
    except OSError as e:
        raise ConfigError(path, f"cannot be read: {e.strerror}") from None


def load_config(start: Path, fallback_root: Path | None = None, *, rule_names: frozenset[str]) -> Config:
    """The config that applies to ``start``, read now; :class:`ConfigFinder` for many files."""
    return ConfigFinder(rule_names).load(start, fallback_root)


def load_config_file(path: Path, *, root: Path, rule_names: frozenset[str]) -> Config:
    """Exactly the config in ``path``, found by no search (``--config``).

    A ``pyproject.toml`` must hold the ``[tool.migration-lsp]`` table; a file of any other name
    is read as a ``migration-lsp.toml``. ``root`` is the folder its paths are relative to: as in
    Ruff, the working directory, so that a config kept in ``ci/`` still describes the project.
    """
    path = path.resolve()
    data = _read_toml(path)  # a missing or unreadable file is a ConfigError too
    if path.name == "pyproject.toml" and not _has_table(data):
        raise ConfigError(path, "has no [tool.migration-lsp] table")
    return replace(_load(path, rule_names), root=root.resolve())


def _load(path: Path, rule_names: frozenset[str]) -> Config:
    data = _read_toml(path)
    if path.name == "pyproject.toml":
        table = data["tool"]["migration-lsp"] if _has_table(data) else {}
    else:
        table = data
    prefix = "[tool.migration-lsp]" if path.name == "pyproject.toml" else ""
    if not isinstance(table, dict):
        raise ConfigError(path, f"{prefix}: expected a table of settings")
    return parse_config(table, path, prefix, rule_names=rule_names)


def parse_config(table: dict[str, Any], path: Path, prefix: str = "", *, rule_names: frozenset[str]) -> Config:
    def error(key: str, problem: str) -> ConfigError:
        return ConfigError(path, f"{prefix + '.' if prefix else ''}{key}: {problem}")

    kwargs: dict[str, Any] = {}
    for key, value in table.items():
        if key == "rules":
            if not isinstance(value, dict):
                raise error(key, "expected a table of rule = level")
            levels = {}
            for rule, level in value.items():
                if rule not in rule_names:
                    raise error("rules." + rule, f"unknown rule {rule!r}")
                if level not in LEVELS:
                    raise error("rules." + rule, f"{level!r} is not one of {', '.join(LEVELS)}")
                levels[rule] = level
            kwargs["rules"] = levels
            continue
        setting = SETTINGS.get(key)
        if setting is None:
            raise error(key, "unknown setting")
        problem = setting.problem(value)
        if problem is not None:
            raise error(key, problem)
        kwargs[key.replace("-", "_")] = tuple(value) if setting.many else float(value) if setting.number else value
    return Config(root=path.parent, source=path, **kwargs)


def json_schema(rules: dict[str, str]) -> dict[str, Any]:
    """The JSON Schema of a ``migration-lsp.toml``, and of the ``[tool.migration-lsp]`` table.

    ``rules``: each rule a config may set a level for, with its description (the registry's,
    given from above, as to :func:`load_config`).
    """
    defaults = {f.name: f.default for f in fields(Config)}
    properties: dict[str, Any] = {key: s.json_schema(defaults[key.replace("-", "_")]) for key, s in SETTINGS.items()}
    properties["rules"] = {
        "description": RULES_DESCRIPTION,
        "type": "object",
        "properties": {name: {"description": text, "enum": list(LEVELS)} for name, text in rules.items()},
        "additionalProperties": False,
    }
    return {
        "$schema": "http://json-schema.org/draft-07/schema#",  # draft 7: what Even Better TOML (taplo) and VS Code read
        "title": "migration-lsp configuration",
        "description": "migration-lsp.toml, or the [tool.migration-lsp] table of pyproject.toml.",
        "type": "object",
        "properties": properties,
        "additionalProperties": False,
    }
