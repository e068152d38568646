"""``--fix`` against the filesystem, through the console script: what it keeps, what it refuses.

The rule's level is lowered to a warning, so that a refused fix, not the finding it leaves,
is what makes the run exit 1.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path
from typing import Any, Callable

import pytest

OLD = "export const MIGRATION_SQL = `CREATE TABLE a (id int);`;\n"
NEW = "export const MIGRATION_SQL = `CREATE TABLE IF NOT EXISTS a (id int);`;\n"
CONFIG = '[rules]\ncreate-table-not-idempotent = "warning"\n'
FIX = ("--check", "--fix", "--select", "create-table-not-idempotent")

Project = Callable[[dict[str, "str | bytes"]], Path]


def fixed(result: subprocess.CompletedProcess[str]) -> bool:
    return "1 fixed" in result.stdout.splitlines()[-1]


def notes(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in result.stdout.splitlines() if ": note: " in line]


def temporary_files(root: Path) -> list[Path]:
    return [p for p in root.rglob("*.tmp")]


def test_a_fixed_file_keeps_its_mode_and_no_temporary_file_is_left(cli: Any, project: Project) -> None:
    root = project({"migration-lsp.toml": CONFIG, "a.ts": OLD})
    (root / "a.ts").chmod(0o604)
    result = cli(*FIX, cwd=root)
    assert (result.returncode, fixed(result)) == (0, True), result.stdout
    assert (root / "a.ts").read_text(encoding="utf-8") == NEW
    assert stat.S_IMODE((root / "a.ts").stat().st_mode) == 0o604
    assert temporary_files(root) == []


@pytest.mark.skipif(os.geteuid() != 0, reason="a file of another user can only be made by root")
def test_a_fixed_file_keeps_its_owner_and_group(cli: Any, project: Project) -> None:
    root = project({"migration-lsp.toml": CONFIG, "a.ts": OLD})
    os.chown(root / "a.ts", 12345, 23456)
    assert cli(*FIX, cwd=root).returncode == 0
    info = (root / "a.ts").stat()
    assert (info.st_uid, info.st_gid) == (12345, 23456)
    assert (root / "a.ts").read_text(encoding="utf-8") == NEW


def test_a_read_only_file_is_refused(cli: Any, project: Project) -> None:
    root = project({"migration-lsp.toml": CONFIG, "a.ts": OLD, "b.ts": OLD.replace(" a ", " b ")})
    (root / "a.ts").chmod(0o444)  # root may write it all the same: the mode bits say no
    result = cli(*FIX, cwd=root)
    assert result.returncode == 1
    assert notes(result) == ["a.ts: note: not fixed: the file is read-only"]
    assert (root / "a.ts").read_text(encoding="utf-8") == OLD
    assert "IF NOT EXISTS b" in (root / "b.ts").read_text(encoding="utf-8")  # the other file is fixed
    assert "warning[create-table-not-idempotent]" in result.stdout  # what was not fixed is still reported


def test_a_file_on_a_read_only_mount_is_refused(cli: Any, project: Project) -> None:
    root = project({"migration-lsp.toml": CONFIG, "a.ts": OLD})
    # A private mount namespace: the read-only bind mount is seen by this command only.
    unshare = ["unshare", "--mount"] if os.geteuid() == 0 else ["unshare", "--map-root-user", "--mount"]
    script = 'mount --bind -o ro "$1" "$1" || exit 97; shift; exec "$@"'
    if shutil.which("unshare") is None or subprocess.run([*unshare, "sh", "-c", script, "sh", str(root), "true"]).returncode != 0:
        pytest.skip("needs unshare and the right to mount in a private mount namespace")
    result = subprocess.run(
        [*unshare, "sh", "-c", script, "sh", str(root), cli.script, *FIX],
        cwd=root, env=cli.env(), capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert result.returncode == 1, result.stdout + result.stderr
    assert notes(result) == ["a.ts: note: not fixed: the file is read-only"]
    assert (root / "a.ts").read_text(encoding="utf-8") == OLD


def test_a_symlink_inside_the_root_is_kept_and_its_target_fixed(cli: Any, project: Project) -> None:
    root = project({"migration-lsp.toml": CONFIG, "shared/a.ts": OLD})
    (root / "src").mkdir()
    (root / "src" / "a.ts").symlink_to("../shared/a.ts")
    result = cli(*FIX, cwd=root)
    assert result.returncode == 0 and notes(result) == [], result.stdout
    assert (root / "src" / "a.ts").is_symlink() and os.readlink(root / "src" / "a.ts") == "../shared/a.ts"
    assert (root / "shared" / "a.ts").read_text(encoding="utf-8") == NEW
    assert cli("--check", "--select", "create-table-not-idempotent", cwd=root).stdout.startswith("0 errors, 0 warnings")


def test_a_symlink_out_of_the_root_is_never_written_through(cli: Any, project: Project, tmp_path: Path) -> None:
    outside = tmp_path / "elsewhere" / "a.ts"
    outside.parent.mkdir()
    outside.write_text(OLD, encoding="utf-8")
    root = project({"migration-lsp.toml": CONFIG})
    (root / "a.ts").symlink_to(outside)
    result = cli(*FIX, cwd=root)
    assert result.returncode == 1
    assert notes(result) == [f"a.ts: note: not fixed: it resolves to {outside}, outside the project root {root}"]
    assert (root / "a.ts").is_symlink() and outside.read_text(encoding="utf-8") == OLD


def test_a_hard_linked_file_is_left_as_it_is(cli: Any, project: Project, tmp_path: Path) -> None:
    root = project({"migration-lsp.toml": CONFIG, "a.ts": OLD})
    os.link(root / "a.ts", tmp_path / "snapshot.ts")
    result = cli(*FIX, cwd=root)
    assert result.returncode == 1
    assert notes(result) == ["a.ts: note: not fixed: the file has 2 hard links, which replacing it would break; fix it in an editor"]
    assert os.path.samefile(root / "a.ts", tmp_path / "snapshot.ts")
    assert (root / "a.ts").read_text(encoding="utf-8") == OLD


# Loaded by the console script through PYTHONPATH: the user types into the file while --fix
# writes the fixed text, after the file was read and checked.
TYPED_MEANWHILE = """
import os

from migration_lsp.workspace import write

_write_all = write._write_all


def _typed_meanwhile(fd, data):
    with open(os.environ["TYPED_INTO"], "a", encoding="utf-8") as f:
        f.write("// typed while --fix ran\\n")
    _write_all(fd, data)


write._write_all = _typed_meanwhile
"""


def test_a_file_changed_while_fix_runs_is_not_overwritten(cli: Any, project: Project, tmp_path: Path) -> None:
    root = project({"migration-lsp.toml": CONFIG, "a.ts": OLD})
    hook = tmp_path / "hook"
    hook.mkdir()
    (hook / "sitecustomize.py").write_text(TYPED_MEANWHILE, encoding="utf-8")
    env = {**cli.env(), "PYTHONPATH": str(hook), "TYPED_INTO": str(root / "a.ts")}
    result = subprocess.run([cli.script, *FIX], cwd=root, env=env, capture_output=True, text=True, timeout=120)
    assert result.returncode == 1, result.stdout + result.stderr
    assert notes(result) == ["a.ts: note: not fixed: the file changed since it was read; run --fix again"]
    assert (root / "a.ts").read_text(encoding="utf-8") == OLD + "// typed while --fix ran\n"
    assert temporary_files(root) == []
