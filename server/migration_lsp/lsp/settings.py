"""Editor settings: how the client wants the server to behave, never which rules run.

The project's config file decides the rules, so that the editor reports what ``--check``
reports. Editor settings cover only editor matters. They arrive in two shapes:

- one object (Neovim): ``{"checkOn": "save", "variableNames": [...], ...}``;
- per workspace folder (VS Code):
  ``{"settings": [{"workspace": URI, ...keys}], "globalSettings": {...keys}}``.

``workspace/configuration`` answers, section ``migration-lsp``, use the object shape.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, Callable

log = logging.getLogger(__name__)

SECTION = "migration-lsp"
CHECK_ON = ("type", "save")
LOG_LEVELS = {"error": logging.ERROR, "warning": logging.WARNING, "info": logging.INFO, "debug": logging.DEBUG}
_IDENTIFIER = re.compile(r"^[A-Za-z_$][\w$]*$")


@dataclass(frozen=True)
class Settings:
    check_on: str = "type"
    variable_names: tuple[str, ...] = ()  # checked besides the config's names
    verify_on_save: bool = False
    log_level: str = "info"


def _check_on(value: object) -> str:
    if value not in CHECK_ON:
        raise ValueError(f"expected one of {', '.join(CHECK_ON)}")
    return str(value)


def _names(value: object) -> tuple[str, ...]:
    if not isinstance(value, list) or not all(isinstance(v, str) and _IDENTIFIER.match(v) for v in value):
        raise ValueError("expected a list of identifiers")
    return tuple(dict.fromkeys(value))


def _bool(value: object) -> bool:
    if not isinstance(value, bool):
        raise ValueError("expected true or false")
    return value


def _level(value: object) -> str:
    if value not in LOG_LEVELS:
        raise ValueError(f"expected one of {', '.join(LOG_LEVELS)}")
    return str(value)


# key sent by the client → (field, validator)
_KEYS: dict[str, tuple[str, Callable[[object], Any]]] = {
    "checkOn": ("check_on", _check_on),
    "variableNames": ("variable_names", _names),
    "verifyOnSave": ("verify_on_save", _bool),
    "logLevel": ("log_level", _level),
}


def merge(base: Settings, value: object) -> Settings:
    """``base`` updated with the keys of ``value``; bad values are logged and keep ``base``'s."""
    if value is None:
        return base
    if not isinstance(value, dict):
        log.warning("ignoring %s settings: expected an object, got %s", SECTION, type(value).__name__)
        return base
    changes: dict[str, Any] = {}
    for key, raw in value.items():
        if key not in _KEYS or raw is None:
            continue  # other editors' keys (e.g. the VS Code client's own) are not ours
        attr, validate = _KEYS[key]
        try:
            changes[attr] = validate(raw)
        except ValueError as e:
            log.warning("ignoring %s.%s = %r: %s", SECTION, key, raw, e)
    return replace(base, **changes)


@dataclass(frozen=True)
class EditorSettings:
    """The window's settings and each workspace folder's."""

    global_: Settings = Settings()
    folders: tuple[tuple[Path, Settings], ...] = ()  # deepest folder first

    def for_path(self, path: Path) -> Settings:
        for folder, settings in self.folders:
            if path == folder or folder in path.parents:
                return settings
        return self.global_

    def same_for_every_path(self, other: EditorSettings) -> bool:
        """Do both give every path the same settings? A path takes those of its deepest folder of
        either set, so comparing the window's and each such folder's is enough. The answer to
        ``workspace/configuration`` at start-up lists each folder even when it repeats the window's."""
        folders = {f for f, _ in self.folders} | {f for f, _ in other.folders}
        return self.global_ == other.global_ and all(self.for_path(f) == other.for_path(f) for f in folders)

    def with_folder(self, folder: Path, settings: Settings) -> EditorSettings:
        folders = {f: s for f, s in self.folders}
        folders[folder] = settings
        ordered = sorted(folders.items(), key=lambda item: len(item[0].parts), reverse=True)
        return replace(self, folders=tuple(ordered))


def from_initialization_options(options: object, folder_path: Callable[[str], Path | None]) -> EditorSettings:
    """Read either shape; ``folder_path`` turns a folder URI into its path."""
    if not isinstance(options, dict):
        if options is not None:
            log.warning("ignoring initializationOptions: expected an object, got %s", type(options).__name__)
        return EditorSettings()
    if "settings" not in options and "globalSettings" not in options:
        return EditorSettings(merge(Settings(), options))
    result = EditorSettings(merge(Settings(), options.get("globalSettings")))
    per_folder = options.get("settings")
    if per_folder is None:
        return result
    if not isinstance(per_folder, list):
        log.warning("ignoring initializationOptions.settings: expected a list of folder settings")
        return result
    for entry in per_folder:
        uri = entry.get("workspace") if isinstance(entry, dict) else None
        path = folder_path(uri) if isinstance(uri, str) else None
        if path is None:
            log.warning("ignoring folder settings without a usable 'workspace' URI: %r", entry)
            continue
        result = result.with_folder(path, merge(result.global_, entry))
    return result
