"""Which files a check reads, and reading them without ever raising on bad input.

Nothing here raises on what the disk holds: a file or folder that cannot be read, a symlink
loop, a FIFO or a device comes back as an :class:`Unreadable`, reported once for that path,
and the walk goes on. Only regular files are read, and never more than :data:`MAX_BYTES`
of one: a device such as ``/dev/zero`` reports a size of 0 and never ends, and opening a
FIFO waits for a writer that may never come.
"""

from __future__ import annotations

import os
import stat
from dataclasses import dataclass
from pathlib import Path
from typing import Iterator

import pathspec

from migration_lsp.locate.typescript import CODE_SUFFIXES

MAX_BYTES = 5 * 1024 * 1024
# The files and folders one walk visits at most: far more than an app's repository holds once
# node_modules and .gitignore are left out, and few enough that a workspace folder of `/` is
# indexed in seconds and fits in memory. What lies beyond is reported, never read.
MAX_ENTRIES = 100_000
SKIPPED_DIRS = frozenset({"node_modules", ".next", "dist", "build", ".git", ".venv", "__pycache__", ".turbo", ".vercel", "coverage"})
# How the notice of a walk that reached MAX_ENTRIES begins; the editor shows it, not only logs it.
WALK_STOPPED = "not read: the walk stopped after"

_OPEN_FLAGS = os.O_RDONLY | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC  # never wait for a FIFO's writer
_KINDS = ((stat.S_ISDIR, "a folder"), (stat.S_ISFIFO, "a FIFO"), (stat.S_ISSOCK, "a socket"), (stat.S_ISCHR, "a device"), (stat.S_ISBLK, "a device"))


@dataclass(frozen=True)
class Unreadable:
    path: Path
    reason: str


def read_source(path: Path) -> str | Unreadable:
    """The file's text exactly as stored (no newline translation), or why it cannot be read."""
    data = _read_regular(path)
    if isinstance(data, Unreadable):
        return data
    if b"\0" in data[:8192]:
        return Unreadable(path, "skipped: binary file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as e:
        return Unreadable(path, f"skipped: not UTF-8 (invalid byte at offset {e.start})")


def checkable_text(path: Path, text: str) -> str | Unreadable:
    """An editor's text of ``path``, unless it is over the size limit a file on disk has."""
    if len(text) * 4 <= MAX_BYTES:  # no character takes more than 4 bytes
        return text
    size = len(text.encode("utf-8", "surrogatepass"))
    return Unreadable(path, _over_limit(size)) if size > MAX_BYTES else text


def _over_limit(size: int) -> str:
    return f"skipped: {size / 1024 / 1024:.1f} MB is over the {MAX_BYTES // 1024 // 1024} MB limit"


def _read_regular(path: Path) -> bytes | Unreadable:
    """The bytes of a regular file, at most MAX_BYTES of them."""
    try:
        info = os.stat(path)  # before opening: opening a device can have effects of its own
        if not stat.S_ISREG(info.st_mode):
            return Unreadable(path, f"skipped: not a regular file ({_kind(info.st_mode)})")
        if info.st_size > MAX_BYTES:
            return Unreadable(path, _over_limit(info.st_size))
        fd = os.open(path, _OPEN_FLAGS)
        try:
            info = os.fstat(fd)  # it may have been replaced since the stat above
            if not stat.S_ISREG(info.st_mode):
                return Unreadable(path, f"skipped: not a regular file ({_kind(info.st_mode)})")
            # A hard cap: the file may grow while it is read. Read from the descriptor itself,
            # with no file object around it: a check reads thousands of small files.
            data = b""
            while len(data) <= MAX_BYTES and (more := os.read(fd, MAX_BYTES + 1 - len(data))):
                data += more
        finally:
            os.close(fd)
    except OSError as e:
        return Unreadable(path, f"cannot be read: {e.strerror or e}")
    if len(data) > MAX_BYTES:
        return Unreadable(path, _over_limit(max(info.st_size, len(data))))
    return data


def _kind(mode: int) -> str:
    return next((name for test, name in _KINDS if test(mode)), "not a file")


def is_code_file(path: Path) -> bool:
    return path.suffix.lower() in CODE_SUFFIXES


def walk(root: Path, include: tuple[str, ...] = (), exclude: tuple[str, ...] = (), suffixes: frozenset[str] = CODE_SUFFIXES) -> Iterator[Path | Unreadable]:
    """Files with one of ``suffixes`` (code files by default) under ``root``, honouring
    ``.gitignore`` files and the skipped folders; and what could not be walked.

    A file named outright is always read: asking for it overrides every ignore rule. Files
    are yielded by name, whatever they turn out to be (a symlink loop, a FIFO):
    :func:`read_source` says why one cannot be read. A folder that cannot be listed, and
    where the walk stopped after MAX_ENTRIES files and folders, come as :class:`Unreadable`.
    Symlinks to folders are not followed, so the walk never loops.
    """
    root = Path(os.path.realpath(root))  # unlike Path.resolve, never raises on a symlink loop
    if not _is_dir(root):
        yield root
        return
    includes = pathspec.GitIgnoreSpec.from_lines(include) if include else None
    excludes = pathspec.GitIgnoreSpec.from_lines(exclude) if exclude else None
    # Each .gitignore applies to its own folder and below, relative to that folder; those
    # above ``root`` count too, up to the top of its git repository.
    above: list[tuple[Path, pathspec.GitIgnoreSpec]] = []
    for folder in _folders_above(root):
        spec = _gitignore(folder)
        if isinstance(spec, Unreadable):
            yield spec
        elif spec is not None:
            above.append((folder, spec))
    budget = MAX_ENTRIES
    stack: list[tuple[Path, list[tuple[Path, pathspec.GitIgnoreSpec]]]] = [(root, above)]
    while stack:
        folder, ignores = stack.pop()
        spec = _gitignore(folder)
        if isinstance(spec, Unreadable):
            yield spec
            if spec.path == folder:
                continue  # the folder itself cannot be searched
        elif spec is not None:
            ignores = [*ignores, (folder, spec)]
        entries = []
        try:
            with os.scandir(folder) as listing:
                for entry in listing:
                    budget -= 1
                    if budget < 0:
                        break
                    entries.append(entry)
        except FileNotFoundError:
            continue  # gone since its parent was listed: nothing is left to read
        except OSError as e:
            yield Unreadable(folder, f"cannot be read: {e.strerror or e}")
            continue
        if budget < 0:
            yield Unreadable(folder, f"{WALK_STOPPED} {MAX_ENTRIES:,} files and folders: this folder and what follows were left out")
            return
        subfolders = []
        for entry in sorted(entries, key=lambda e: e.name):
            try:
                is_dir = entry.is_dir(follow_symlinks=False)  # no system call where the folder listing tells
            except OSError as e:
                yield Unreadable(Path(entry.path), f"cannot be read: {e.strerror or e}")
                continue
            if is_dir and entry.name in SKIPPED_DIRS:
                continue
            if not is_dir and os.path.splitext(entry.name)[1].lower() not in suffixes:
                continue  # most entries end here: before the costlier checks
            path = Path(entry.path)
            if _ignored(path, is_dir, ignores):
                continue
            if is_dir:
                subfolders.append((path, ignores))
                continue
            if includes is not None or excludes is not None:  # most configs have neither
                rel = path.relative_to(root).as_posix()
                if includes is not None and not includes.match_file(rel):
                    continue
                if excludes is not None and excludes.match_file(rel):
                    continue
            yield path
        stack.extend(reversed(subfolders))


def _is_dir(path: Path) -> bool:
    try:
        return stat.S_ISDIR(os.stat(path).st_mode)
    except OSError:
        return False  # read_source says why


def _gitignore(folder: Path) -> pathspec.GitIgnoreSpec | Unreadable | None:
    """The folder's .gitignore, if it has one; Unreadable for the folder when it cannot be searched."""
    ignore = folder / ".gitignore"
    try:
        os.lstat(ignore)  # needs only the right to search the folder
    except (FileNotFoundError, NotADirectoryError):
        return None
    except OSError as e:
        return Unreadable(folder, f"cannot be read: {e.strerror or e}")
    data = _read_regular(ignore)
    if isinstance(data, Unreadable):
        # Walk on without it: its files are read rather than lost.
        return Unreadable(ignore, f"{data.reason}; its folder is read without it")
    return pathspec.GitIgnoreSpec.from_lines(data.decode("utf-8", errors="replace").splitlines())


def _folders_above(root: Path) -> list[Path]:
    """The folders above ``root`` up to the top of its git repository, top first."""
    if os.path.exists(root / ".git"):
        return []
    above: list[Path] = []
    for folder in root.parents:
        above.append(folder)
        if os.path.exists(folder / ".git"):
            return above[::-1]
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


# -- paths named in the config ----------------------------------------------------------------


def inside_root(root: Path, pattern: str) -> str | None:
    """A path or glob of the config, relative to ``root``; None when it reaches outside it."""
    if os.path.isabs(pattern):
        normal = Path(os.path.normpath(pattern))
        if normal != root and root not in normal.parents:
            return None
        return normal.relative_to(root).as_posix() + ("/" if pattern.endswith("/") else "")
    normal_rel = os.path.normpath(pattern)
    return None if normal_rel == ".." or normal_rel.startswith("../") else pattern


def within(root: Path, path: Path) -> bool:
    """Is ``path``, once every symlink is followed, inside ``root``?"""
    real, top = Path(os.path.realpath(path)), Path(os.path.realpath(root))
    return real == top or top in real.parents


def outside_root(setting: str, value: str, root: Path, resolved: Path | None = None) -> str:
    """The notice for a config path or glob that reaches outside the project root (``resolved``: through a symlink)."""
    where = f"resolves to {resolved}, outside" if resolved is not None else "is outside"
    return f"{setting} {value} {where} the project root {root}: the setting is not used"
