"""Which files a check reads, and reading them without ever raising on bad input."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pathspec

from migration_lsp.locate.typescript import CODE_SUFFIXES

MAX_BYTES = 5 * 1024 * 1024
SKIPPED_DIRS = frozenset({"node_modules", ".next", "dist", "build", ".git", ".venv", "__pycache__", ".turbo", ".vercel", "coverage"})


@dataclass(frozen=True)
class Unreadable:
    path: Path
    reason: str


def read_source(path: Path) -> str | Unreadable:
    """The file's text exactly as stored (no newline translation), or why it cannot be read."""
    try:
        size = path.stat().st_size
        if size > MAX_BYTES:
            return Unreadable(path, f"skipped: {size / 1024 / 1024:.1f} MB is over the {MAX_BYTES // 1024 // 1024} MB limit")
        data = path.read_bytes()
    except OSError as e:
        return Unreadable(path, f"cannot be read: {e.strerror or e}")
    if b"\0" in data[:8192]:
        return Unreadable(path, "skipped: binary file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        return Unreadable(path, f"skipped: not UTF-8 (invalid byte at offset {e.start})")


def is_code_file(path: Path) -> bool:
    return path.suffix.lower() in CODE_SUFFIXES


def _gitignore(folder: Path) -> pathspec.GitIgnoreSpec | None:
    ignore = folder / ".gitignore"
    if not ignore.is_file():
        return None
    try:
        lines = ignore.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError:
        return None
    return pathspec.GitIgnoreSpec.from_lines(lines)


def walk(
    root: Path, include: tuple[str, ...] = (), exclude: tuple[str, ...] = (), suffixes: frozenset[str] = CODE_SUFFIXES
) -> Iterator[Path]:
    """Files with one of ``suffixes`` (code files by default) under ``root``, honouring
    ``.gitignore`` files and the skipped folders.

    A file named outright is always read: asking for it overrides every ignore rule.
    """
    root = root.resolve()
    if root.is_file():
        yield root
        return
    includes = pathspec.GitIgnoreSpec.from_lines(include) if include else None
    excludes = pathspec.GitIgnoreSpec.from_lines(exclude) if exclude else None
    # Each .gitignore applies to its own folder and below, relative to that folder; those
    # above ``root`` count too, up to the top of its git repository.
    stack: list[tuple[Path, list[tuple[Path, pathspec.GitIgnoreSpec]]]] = [(root, _ignores_above(root))]
    while stack:
        folder, ignores = stack.pop()
        spec = _gitignore(folder)
        if spec is not None:
            ignores = [*ignores, (folder, spec)]
        try:
            entries = sorted(os.scandir(folder), key=lambda e: e.name)
        except OSError:
            continue
        subfolders = []
        for entry in entries:
            path = Path(entry.path)
            is_dir = entry.is_dir(follow_symlinks=False)
            if is_dir and entry.name in SKIPPED_DIRS:
                continue
            if _ignored(path, is_dir, ignores):
                continue
            if is_dir:
                subfolders.append((path, ignores))
                continue
            if not entry.is_file() or path.suffix.lower() not in suffixes:
                continue
            rel = path.relative_to(root).as_posix()
            if includes is not None and not includes.match_file(rel):
                continue
            if excludes is not None and excludes.match_file(rel):
                continue
            yield path
        stack.extend(reversed(subfolders))


def _ignores_above(root: Path) -> list[tuple[Path, pathspec.GitIgnoreSpec]]:
    """The .gitignore files of the folders above ``root``, up to the top of its git repository."""
    if (root / ".git").exists():
        return []
    above: list[Path] = []
    for folder in root.parents:
        above.append(folder)
        if (folder / ".git").exists():
            specs = ((f, _gitignore(f)) for f in reversed(above))
            return [(f, spec) for f, spec in specs if spec is not None]
    return []  # not in a git repository: only the .gitignore files from root down apply


def _ignored(path: Path, is_dir: bool, ignores: list[tuple[Path, pathspec.GitIgnoreSpec]]) -> bool:
    # As in git, the deepest .gitignore with a matching pattern decides, so that a nested
    # file can re-include (`!name`) what a parent ignores.
    for base, spec in reversed(ignores):
        rel = path.relative_to(base).as_posix() + ("/" if is_dir else "")
        verdict = spec.check_file(rel).include
        if verdict is not None:
            return verdict
    return False
