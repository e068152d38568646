"""Walking and reading what a hostile or careless tree holds: symlink loops, FIFOs, devices,
unreadable .gitignore files, trees too big to read, paths in the config that leave the root.

Each case uses real files. Reads that could hang (a FIFO) run on a daemon thread with a
deadline, so that a regression fails the test instead of stopping the suite.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Callable, TypeVar

import pytest

from migration_lsp.lint.check import load_projects
from migration_lsp.workspace import files
from migration_lsp.workspace.files import MAX_BYTES, WALK_STOPPED, Unreadable, checkable_text, inside_root, read_source, walk, within

T = TypeVar("T")
MIGRATION = "export const MIGRATION_SQL = `CREATE TABLE IF NOT EXISTS a (id int);`;\n"


def finishes(fn: Callable[[], T], seconds: float = 20) -> T:
    """``fn()``, which must return within ``seconds``: a read that blocks fails, it does not hang."""
    result: list[T] = []
    worker = threading.Thread(target=lambda: result.append(fn()), daemon=True)
    worker.start()
    worker.join(seconds)
    assert result, f"did not return within {seconds} s"
    return result[0]


def walked(root: Path) -> tuple[list[str], list[Unreadable]]:
    items = finishes(lambda: list(walk(root)))
    paths = [p.relative_to(root.resolve()).as_posix() for p in items if isinstance(p, Path)]
    return paths, [u for u in items if isinstance(u, Unreadable)]


def reasons(root: Path) -> dict[str, str]:
    """Every notice of the projects under ``root``, by path relative to it."""
    projects = finishes(lambda: load_projects([root]))
    return {n.path.relative_to(root.resolve()).as_posix(): n.message for p in projects for n in p.notices}


def test_symlink_loops_are_a_notice_each_and_the_walk_goes_on(tmp_path: Path) -> None:
    (tmp_path / "a.ts").write_text(MIGRATION)
    (tmp_path / "self.ts").symlink_to("self.ts")
    (tmp_path / "ping.ts").symlink_to("pong.ts")
    (tmp_path / "pong.ts").symlink_to("ping.ts")
    (tmp_path / "sub").mkdir()
    (tmp_path / "sub" / "up").symlink_to("..")  # a folder symlink: never followed
    (tmp_path / "sub" / "b.ts").write_text(MIGRATION)
    paths, problems = walked(tmp_path)
    assert paths == ["a.ts", "ping.ts", "pong.ts", "self.ts", "sub/b.ts"] and problems == []
    assert reasons(tmp_path) == {
        "ping.ts": "cannot be read: Too many levels of symbolic links",
        "pong.ts": "cannot be read: Too many levels of symbolic links",
        "self.ts": "cannot be read: Too many levels of symbolic links",
    }
    projects = load_projects([tmp_path])
    assert sorted(p.name for project in projects for p in project.documents) == ["a.ts", "b.ts"]


def test_only_regular_files_are_read(tmp_path: Path) -> None:
    os.mkfifo(tmp_path / "pipe.ts")
    (tmp_path / "zero.ts").symlink_to("/dev/zero")
    (tmp_path / "dir.ts").symlink_to(tmp_path)
    (tmp_path / "gone.ts").symlink_to("nowhere.ts")
    (tmp_path / "a.ts").write_text(MIGRATION)
    assert reasons(tmp_path) == {
        "dir.ts": "skipped: not a regular file (a folder)",
        "gone.ts": "cannot be read: No such file or directory",
        "pipe.ts": "skipped: not a regular file (a FIFO)",
        "zero.ts": "skipped: not a regular file (a device)",
    }
    # Named outright, or read again later (a file watcher's event), the same.
    assert finishes(lambda: read_source(Path("/dev/zero"))) == Unreadable(Path("/dev/zero"), "skipped: not a regular file (a device)")
    assert finishes(lambda: read_source(tmp_path / "pipe.ts")) == Unreadable(tmp_path / "pipe.ts", "skipped: not a regular file (a FIFO)")
    assert finishes(lambda: list(walk(tmp_path / "pipe.ts"))) == [tmp_path / "pipe.ts"]


def test_a_fifo_with_a_writer_is_not_read_either(tmp_path: Path) -> None:
    fifo = tmp_path / "pipe.ts"
    os.mkfifo(fifo)
    writer = os.open(fifo, os.O_RDWR | os.O_NONBLOCK)  # holds it open, as a process writing to it would
    try:
        assert finishes(lambda: read_source(fifo)) == Unreadable(fifo, "skipped: not a regular file (a FIFO)")
    finally:
        os.close(writer)


def test_the_byte_cap_holds_when_the_size_says_nothing(monkeypatch: pytest.MonkeyPatch) -> None:
    # /proc files are regular files with a size of 0 and content all the same.
    status = Path("/proc/self/status")
    if not status.is_file() or status.stat().st_size != 0:
        pytest.skip("needs Linux's /proc, whose files report a size of 0")
    monkeypatch.setattr(files, "MAX_BYTES", 16)
    result = read_source(status)
    assert isinstance(result, Unreadable) and result.reason.startswith("skipped: ") and " is over the " in result.reason


def test_an_unreadable_gitignore_is_a_notice_and_its_folder_is_still_walked(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    os.mkfifo(tmp_path / "app" / ".gitignore")
    (tmp_path / "app" / "a.ts").write_text(MIGRATION)
    (tmp_path / "lib").mkdir()
    (tmp_path / "lib" / ".gitignore").symlink_to(".gitignore")
    (tmp_path / "lib" / "b.ts").write_text(MIGRATION)
    paths, problems = walked(tmp_path)
    assert paths == ["app/a.ts", "lib/b.ts"]
    assert problems == [
        Unreadable(tmp_path / "app" / ".gitignore", "skipped: not a regular file (a FIFO); its folder is read without it"),
        Unreadable(tmp_path / "lib" / ".gitignore", "cannot be read: Too many levels of symbolic links; its folder is read without it"),
    ]
    assert set(reasons(tmp_path)) == {"app/.gitignore", "lib/.gitignore"}


def test_a_folder_that_vanishes_during_the_walk_is_no_notice(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    (tmp_path / "gone").mkdir()
    (tmp_path / "gone" / "a.ts").write_text(MIGRATION)
    scandir = os.scandir

    def vanishing(path: str | os.PathLike[str]) -> object:
        if Path(path).name == "gone":
            (tmp_path / "gone" / "a.ts").unlink()
            (tmp_path / "gone").rmdir()
        return scandir(path)

    monkeypatch.setattr(files.os, "scandir", vanishing)
    assert walked(tmp_path) == ([], [])


def test_the_walk_is_bounded_and_says_where_it_stopped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    for folder in ("a", "b", "c"):
        (tmp_path / folder).mkdir()
        for i in range(20):
            (tmp_path / folder / f"{i:02}.ts").write_text(MIGRATION)
    monkeypatch.setattr(files, "MAX_ENTRIES", 50)  # 3 folders, then 20 + 20 files: c is over the limit
    paths, problems = walked(tmp_path)
    assert len(paths) == 40 and paths[0] == "a/00.ts" and paths[-1] == "b/19.ts"
    assert problems == [Unreadable(tmp_path / "c", f"{WALK_STOPPED} 50 files and folders: this folder and what follows were left out")]
    assert reasons(tmp_path) == {"c": problems[0].reason}


def test_a_walk_of_the_filesystem_root_is_bounded_and_never_raises() -> None:
    """``/`` holds /proc and /sys: unreadable folders, special files, and more than the limit allows."""
    visited = finishes(lambda: list(walk(Path("/"))), seconds=300)
    problems = [u for u in visited if isinstance(u, Unreadable)]
    assert len(visited) - len(problems) <= files.MAX_ENTRIES
    assert all(u.reason.startswith(("cannot be read: ", WALK_STOPPED)) or u.path.name == ".gitignore" for u in problems)
    assert len({u.path for u in problems}) == len(problems)  # one notice per path


def test_an_editor_text_over_the_limit_is_not_checked(tmp_path: Path) -> None:
    small = "x" * 1000
    assert checkable_text(tmp_path / "a.ts", small) is small
    assert checkable_text(tmp_path / "a.ts", "é" * (MAX_BYTES // 2)) == "é" * (MAX_BYTES // 2)  # exactly 5 MB
    assert checkable_text(tmp_path / "a.ts", "é" * (MAX_BYTES // 2 + 1)) == Unreadable(tmp_path / "a.ts", "skipped: 5.0 MB is over the 5 MB limit")
    assert checkable_text(tmp_path / "a.ts", "/" * 6 * 1024 * 1024) == Unreadable(tmp_path / "a.ts", "skipped: 6.0 MB is over the 5 MB limit")


# -- paths the config names --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("pattern", "expected"),
    [
        ("db/*.sql", "db/*.sql"),
        ("./db/**/*.sql", "./db/**/*.sql"),
        ("db/../other/*.sql", "db/../other/*.sql"),
        ("/app/db/*.sql", "db/*.sql"),
        ("/app/lib/", "lib/"),
        ("../../etc/*.sql", None),
        ("db/../../x.sql", None),
        ("**/../..", None),
        ("..", None),
        ("/etc/*.sql", None),
        ("/application/x.ts", None),
    ],
)
def test_config_paths_inside_the_root(pattern: str, expected: str | None) -> None:
    assert inside_root(Path("/app"), pattern) == expected


def test_within_follows_symlinks(tmp_path: Path) -> None:
    (tmp_path / "root").mkdir()
    (tmp_path / "root" / "in.sql").write_text("")
    (tmp_path / "root" / "link.sql").symlink_to(tmp_path / "root" / "in.sql")
    (tmp_path / "root" / "out.sql").symlink_to("/etc/hostname")
    (tmp_path / "root" / "loop.sql").symlink_to("loop.sql")
    root = tmp_path / "root"
    assert within(root, root / "in.sql") and within(root, root / "link.sql") and within(root, root)
    assert not within(root, root / "out.sql") and not within(root, tmp_path)
    assert within(root, root / "loop.sql")  # a loop resolves to itself: inside, and unreadable


def test_a_tables_file_outside_the_root_is_a_notice_and_is_not_used(tmp_path: Path) -> None:
    (tmp_path / "app").mkdir()
    (tmp_path / "app" / "migration-lsp.toml").write_text('tables-file = "../shared/tables.ts"\n')
    (tmp_path / "app" / "tables.ts").write_text('export const TABLES = { USERS: "users" };\n')
    [project] = load_projects([tmp_path / "app"])
    assert [(n.path, n.message) for n in project.notices] == [(project.config.source, f"tables-file ../shared/tables.ts is outside the project root {tmp_path / 'app'}: the setting is not used")]
    # Not used: the constant the code declares is found as if the setting were not there.
    assert [c.path.name for c in project.index.constants()] == ["tables.ts"]


def test_a_tables_file_given_as_an_absolute_path_inside_the_root_is_used(tmp_path: Path) -> None:
    for name in ("a", "b"):
        (tmp_path / name).mkdir()
        (tmp_path / name / "tables.ts").write_text('export const TABLES = { USERS: "users" };\n')
    (tmp_path / "migration-lsp.toml").write_text(f'tables-file = "{tmp_path / "b" / "tables.ts"}"\n')
    [project] = load_projects([tmp_path])
    assert project.notices == []
    assert [c.path.parent.name for c in project.index.constants()] == ["b"]
