"""Writing a fixed file back: atomically, as the same file, and never over what the check did not read.

:func:`replace_text` writes the new text to a temporary file in the same folder, syncs it and
renames it over the old one, so that a reader (a build, an editor, a crash) sees the old file
or the new one, never half of either. A rename makes a new file, so everything that would not
survive it is checked first, and the file is left as it is, with the reason, when:

* it is read-only (no write permission bit, a read-only mount, or not writable by this user);
* it is not a regular file, or it is a symlink whose target is outside the project root (a
  symlink inside the root is kept, and its target is written);
* it has several hard links (see :func:`_check_writable`);
* its owner or group cannot be kept (the rename would hand the file to this user);
* it changed since it was read: its content is compared once more just before the rename,
  so that an edit made while ``--fix`` ran is never lost.

Everything is done relative to an open descriptor of the file's folder, and the file's last
component is never followed, so the folder checked is the folder written.
"""

from __future__ import annotations

import errno
import os
import secrets
import stat
from pathlib import Path

from migration_lsp.workspace.files import within

_DIR_FLAGS = os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC
_READ_FLAGS = os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | os.O_NOCTTY | os.O_CLOEXEC
_TEMP_FLAGS = os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW | os.O_CLOEXEC
_CHANGED = "the file changed since it was read; run --fix again"


class _Refused(Exception):
    """Why the file is left as it is: a notice, not an error."""


def replace_text(path: Path, old: str, new: str, root: Path) -> str | None:
    """Replace ``path``, which held ``old`` when it was read, with ``new``; why it was not, or None.

    ``root`` is the project's root: a symlink is written through only to a file inside it.
    A file that already holds ``new`` (the target of a symlink, written through another
    name) is left as it is.
    """
    target = Path(os.path.realpath(path))
    if not within(root, target):
        return f"not fixed: it resolves to {target}, outside the project root {root}"
    try:
        expected, data = old.encode("utf-8"), new.encode("utf-8")
    except UnicodeEncodeError:
        return "not fixed: the fixed text holds a lone surrogate, which UTF-8 cannot store"
    try:
        folder = os.open(target.parent, _DIR_FLAGS)
    except OSError as e:
        return f"cannot be fixed: {e.strerror or e}"
    try:
        _replace(folder, target.name, expected, data)
    except _Refused as e:
        return f"not fixed: {e}"
    except OSError as e:
        return f"cannot be fixed: {e.strerror or e}"
    finally:
        os.close(folder)
    return None


def _replace(folder: int, name: str, expected: bytes, data: bytes) -> None:
    enough = max(len(expected), len(data))
    info, current = _current(folder, name, enough)
    if current == data:
        return
    _check_writable(folder, name, info)
    if current != expected:
        raise _Refused(_CHANGED)
    temp = f".{name}.{secrets.token_hex(4)}.tmp"
    fd = os.open(temp, _TEMP_FLAGS, 0o600, dir_fd=folder)
    try:
        try:
            _write_all(fd, data)
            _keep_owner(fd, info)
            os.fchmod(fd, stat.S_IMODE(info.st_mode))  # after the owner: chown clears set-id bits
            os.fsync(fd)
        finally:
            os.close(fd)
        # The comparison that counts: the new file is ready, only the rename is left.
        again, current = _current(folder, name, enough)
        if (again.st_dev, again.st_ino) != (info.st_dev, info.st_ino) or current != expected:
            raise _Refused(_CHANGED)
        os.replace(temp, name, src_dir_fd=folder, dst_dir_fd=folder)
    except BaseException:
        try:
            os.unlink(temp, dir_fd=folder)
        except FileNotFoundError:
            pass
        raise
    os.fsync(folder)  # so that the rename itself survives a crash


def _current(folder: int, name: str, enough: int) -> tuple[os.stat_result, bytes]:
    """The file's status and up to ``enough + 1`` of its bytes: enough to compare it with a text that long."""
    try:
        fd = os.open(name, _READ_FLAGS, dir_fd=folder)
    except OSError as e:
        if e.errno in (errno.ELOOP, errno.ENOENT):  # replaced by a symlink, or deleted
            raise _Refused(_CHANGED) from None
        raise
    with os.fdopen(fd, "rb") as f:
        info = os.fstat(fd)
        if not stat.S_ISREG(info.st_mode):
            raise _Refused("it is not a regular file")
        return info, f.read(enough + 1)


def _check_writable(folder: int, name: str, info: os.stat_result) -> None:
    """Refuse what a rename would not keep."""
    if not info.st_mode & 0o222 or not os.access(name, os.W_OK, dir_fd=folder, follow_symlinks=False):
        # A rename needs only the folder's permission, and root may write anything: the mode
        # bits say what the owner meant, and access() also catches a read-only mount.
        raise _Refused("the file is read-only")
    if info.st_nlink > 1:
        # A hard link shares one file between several names (a package store, a snapshot made
        # with `cp -al`, a file shared between checkouts). The rename would cut this name off
        # from the others, which would silently keep the old text; writing in place would
        # change every name, but not atomically: a crash or a full disk midway leaves half a
        # file under all of them. Neither is safe to do unasked, so the user decides.
        raise _Refused(f"the file has {info.st_nlink} hard links, which replacing it would break; fix it in an editor")
    euid = os.geteuid()
    if euid != 0 and info.st_uid != euid:
        raise _Refused(f"the file belongs to user {info.st_uid}, and the fixed file would belong to this user")


def _keep_owner(fd: int, info: os.stat_result) -> None:
    mine = os.fstat(fd)
    if (mine.st_uid, mine.st_gid) == (info.st_uid, info.st_gid):
        return
    try:
        os.fchown(fd, info.st_uid, info.st_gid)
    except PermissionError:
        raise _Refused(f"the file's group {info.st_gid} cannot be kept by this user") from None


def _write_all(fd: int, data: bytes) -> None:
    view = memoryview(data)
    while view:
        view = view[os.write(fd, view) :]
