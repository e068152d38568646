"""Writing a fixed file back on real files: what is kept, what is refused, and that nothing is lost."""

from __future__ import annotations

import errno
import os
import stat
from pathlib import Path

import pytest

from migration_lsp.workspace import write
from migration_lsp.workspace.write import replace_text

OLD = "export const MIGRATION_SQL = `CREATE TABLE a (id int);`;\n"
NEW = "export const MIGRATION_SQL = `CREATE TABLE IF NOT EXISTS a (id int);`;\n"


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "app").mkdir()
    return tmp_path / "app"


def file(root: Path, name: str = "a.ts", text: str = OLD) -> Path:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name.endswith(".tmp"))


def test_the_file_is_replaced_whole_keeping_its_mode(root: Path) -> None:
    path = file(root)
    path.chmod(0o640)
    inode = path.stat().st_ino
    assert replace_text(path, OLD, NEW, root) is None
    assert path.read_text(encoding="utf-8") == NEW
    assert stat.S_IMODE(path.stat().st_mode) == 0o640
    assert path.stat().st_ino != inode  # a new file renamed over the old one, not a write in place
    assert leftovers(root) == []


@pytest.mark.skipif(os.geteuid() != 0, reason="giving a file to another user needs root")
def test_the_owner_and_group_are_kept(root: Path) -> None:
    path = file(root)
    os.chown(path, 12345, 23456)
    assert replace_text(path, OLD, NEW, root) is None
    assert (path.stat().st_uid, path.stat().st_gid) == (12345, 23456)
    assert path.read_text(encoding="utf-8") == NEW


def test_a_file_that_changed_since_it_was_read_is_left_as_it_is(root: Path) -> None:
    path = file(root, text=OLD + "// typed meanwhile\n")
    assert replace_text(path, OLD, NEW, root) == "not fixed: the file changed since it was read; run --fix again"
    assert path.read_text(encoding="utf-8") == OLD + "// typed meanwhile\n"
    assert leftovers(root) == []


def test_a_change_made_while_the_new_file_is_written_is_not_lost(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = file(root)
    write_all = write._write_all

    def typed_meanwhile(fd: int, data: bytes) -> None:
        with path.open("a", encoding="utf-8") as f:
            f.write("// typed meanwhile\n")
        write_all(fd, data)

    monkeypatch.setattr(write, "_write_all", typed_meanwhile)
    assert replace_text(path, OLD, NEW, root) == "not fixed: the file changed since it was read; run --fix again"
    assert path.read_text(encoding="utf-8") == OLD + "// typed meanwhile\n"
    assert leftovers(root) == []


def test_a_file_replaced_by_another_while_it_was_fixed_is_left_alone(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = file(root)
    write_all = write._write_all

    def saved_meanwhile(fd: int, data: bytes) -> None:
        file(root, "other.ts").replace(path)  # an editor saving the same text through a rename
        write_all(fd, data)

    monkeypatch.setattr(write, "_write_all", saved_meanwhile)
    assert replace_text(path, OLD, NEW, root) == "not fixed: the file changed since it was read; run --fix again"
    assert path.read_text(encoding="utf-8") == OLD


def test_a_failed_write_leaves_the_old_file_and_no_temporary_one(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = file(root)

    def disk_full(fd: int, data: bytes) -> None:
        raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

    monkeypatch.setattr(write, "_write_all", disk_full)
    assert replace_text(path, OLD, NEW, root) == "cannot be fixed: No space left on device"
    assert path.read_text(encoding="utf-8") == OLD
    assert leftovers(root) == []


def test_a_file_that_already_holds_the_fix_is_not_written_again(root: Path) -> None:
    path = file(root, text=NEW)
    inode = path.stat().st_ino
    assert replace_text(path, OLD, NEW, root) is None
    assert path.stat().st_ino == inode


def test_read_only_files_are_refused_even_for_root(root: Path) -> None:
    path = file(root)
    path.chmod(0o444)
    assert replace_text(path, OLD, NEW, root) == "not fixed: the file is read-only"
    assert path.read_text(encoding="utf-8") == OLD
    assert stat.S_IMODE(path.stat().st_mode) == 0o444


def test_a_symlink_inside_the_root_stays_a_symlink_and_its_target_is_fixed(root: Path) -> None:
    target = file(root, "shared/a.ts")
    link = root / "src" / "a.ts"
    link.parent.mkdir()
    link.symlink_to("../shared/a.ts")
    assert replace_text(link, OLD, NEW, root) is None
    assert link.is_symlink() and os.readlink(link) == "../shared/a.ts"
    assert target.read_text(encoding="utf-8") == NEW
    assert leftovers(root / "src") == [] and leftovers(root / "shared") == []
    # The target, read under its own name too, already holds the fix.
    assert replace_text(target, OLD, NEW, root) is None


def test_a_symlink_out_of_the_root_is_never_written_through(root: Path, tmp_path: Path) -> None:
    outside = file(tmp_path / "elsewhere")
    link = root / "a.ts"
    link.symlink_to(outside)
    assert replace_text(link, OLD, NEW, root) == f"not fixed: it resolves to {outside}, outside the project root {root}"
    assert link.is_symlink() and outside.read_text(encoding="utf-8") == OLD


def test_hard_links_are_kept_by_leaving_the_file_as_it_is(root: Path, tmp_path: Path) -> None:
    path = file(root)
    other = tmp_path / "snapshot.ts"
    os.link(path, other)
    assert replace_text(path, OLD, NEW, root) == ("not fixed: the file has 2 hard links, which replacing it would break; fix it in an editor")
    assert os.path.samefile(path, other) and path.read_text(encoding="utf-8") == OLD


def test_a_fifo_in_place_of_the_file_is_refused_at_once(root: Path) -> None:
    path = root / "a.ts"
    os.mkfifo(path)
    assert replace_text(path, OLD, NEW, root) == "not fixed: it is not a regular file"
    assert stat.S_ISFIFO(path.lstat().st_mode)


def test_a_deleted_file_is_not_recreated(root: Path) -> None:
    path = file(root)
    path.unlink()
    assert replace_text(path, OLD, NEW, root) == "not fixed: the file changed since it was read; run --fix again"
    assert not path.exists()


def test_text_that_utf8_cannot_store_is_not_written(root: Path) -> None:
    path = file(root)
    assert replace_text(path, OLD, NEW.replace("a (", "\ud800 ("), root) == ("not fixed: the fixed text holds a lone surrogate, which UTF-8 cannot store")
    assert path.read_text(encoding="utf-8") == OLD
