"""``--check`` over trees that hold what no source tree should, through the console script:
each path that cannot be read is one notice, the run goes on, and nothing hangs or exits 2.
"""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path
from typing import Any, Callable

CLEAN = "export const MIGRATION_SQL = `CREATE TABLE IF NOT EXISTS a (id int);`;\n"
DROP = "export const MIGRATION_SQL = `DROP TABLE legacy;`;\n"
SELECT = ("--select", "drop-table")

Project = Callable[[dict[str, "str | bytes"]], Path]


def notes(result: subprocess.CompletedProcess[str]) -> list[str]:
    return [line for line in result.stdout.splitlines() if ": note: " in line]


def test_symlink_loops_fifos_and_devices_are_a_notice_each(cli: Any, project: Project) -> None:
    root = project({"a.ts": DROP, "lib/b.ts": CLEAN})
    (root / "self.ts").symlink_to("self.ts")
    (root / "lib" / "up").symlink_to("..")
    os.mkfifo(root / "pipe.ts")
    (root / "zero.js").symlink_to("/dev/zero")
    result = cli("--check", *SELECT, cwd=root)
    assert (result.returncode, result.stderr) == (1, ""), result.stdout
    assert notes(result) == [
        "pipe.ts: note: skipped: not a regular file (a FIFO)",
        "self.ts: note: cannot be read: Too many levels of symbolic links",
        "zero.js: note: skipped: not a regular file (a device)",
    ]
    assert "a.ts:1:31: error[drop-table]" in result.stdout
    assert result.stdout.splitlines()[-1] == "1 error, 0 warnings, 0 info in 2 files checked"


def test_a_device_or_fifo_named_outright_is_a_notice(cli: Any, project: Project) -> None:
    root = project({"a.ts": DROP})
    os.mkfifo(root / "pipe.ts")
    for named in ("/dev/zero", "pipe.ts"):
        result = cli("--check", named, *SELECT, cwd=root)
        assert (result.returncode, result.stderr) == (0, ""), result.stdout
        kind = "a device" if named.startswith("/dev") else "a FIFO"
        assert notes(result) == [f"{named}: note: skipped: not a regular file ({kind})"]


def test_baseline_sql_outside_the_root_is_a_notice(cli: Any, project: Project, tmp_path: Path) -> None:
    (tmp_path / "etc").mkdir()
    (tmp_path / "etc" / "secret.sql").write_text("CREATE TABLE stolen (id int);\n")
    cases = {
        '"../../etc/*.sql"': "baseline-sql ../../etc/*.sql is outside the project root {root}: the setting is not used",
        f'"{tmp_path}/etc/*.sql"': f"baseline-sql {tmp_path}/etc/*.sql is outside the project root {{root}}: the setting is not used",
        '"db/*.sql"': f"baseline-sql db/leak.sql resolves to {tmp_path}/etc/secret.sql, outside the project root {{root}}: the setting is not used",
    }
    for setting, notice in cases.items():
        root = tmp_path / "project"
        shutil.rmtree(root, ignore_errors=True)
        root = project({"migration-lsp.toml": f"baseline-sql = [{setting}]\n", "a.ts": CLEAN})
        (root / "db").mkdir()
        (root / "db" / "leak.sql").symlink_to(tmp_path / "etc" / "secret.sql")
        result = cli("--check", "--select", "column-missing-on-upgrade", cwd=root)
        assert result.returncode == 0, result.stdout
        assert notes(result) == [f"migration-lsp.toml: note: {notice.format(root=root)}"]
        assert "stolen" not in result.stdout


def test_a_tables_file_outside_the_root_is_a_notice(cli: Any, project: Project) -> None:
    root = project({"migration-lsp.toml": 'tables-file = "/etc/tables.ts"\n', "a.ts": CLEAN})
    result = cli("--check", *SELECT, cwd=root)
    assert result.returncode == 0
    assert notes(result) == [f"migration-lsp.toml: note: tables-file /etc/tables.ts is outside the project root {root}: the setting is not used"]


# -- permissions: run as a user they apply to ---------------------------------------------------


def test_unreadable_files_and_folders_are_a_notice_each(cli: Any, shared_dir: Path) -> None:
    root = shared_dir / "app"
    for name, text in {"a.ts": DROP, "secret.ts": CLEAN, "locked/b.ts": CLEAN, "blind/c.ts": CLEAN, "vault/d.ts": CLEAN}.items():
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text(text)
    (root / "via.ts").symlink_to("vault/d.ts")  # a symlink into a folder that cannot be searched
    (root / "secret.ts").chmod(0o000)
    (root / "locked").chmod(0o000)  # neither listed nor searched
    (root / "blind").chmod(0o644)  # listed, not searched
    (root / "vault").chmod(0o600)
    for path in [shared_dir, *(p for p in shared_dir.rglob("*") if p.parent == shared_dir)]:
        assert stat.S_IMODE(path.stat().st_mode) & 0o005 or path.name in ("locked", "blind", "vault")
    result = cli.unprivileged("--check", *SELECT, cwd=root)
    assert (result.returncode, result.stderr) == (1, ""), result.stdout + result.stderr
    assert sorted(notes(result)) == [
        "blind: note: cannot be read: Permission denied",
        "locked: note: cannot be read: Permission denied",
        "secret.ts: note: cannot be read: Permission denied",
        "vault: note: cannot be read: Permission denied",
        "via.ts: note: cannot be read: Permission denied",
    ]
    assert "a.ts:1:31: error[drop-table]" in result.stdout
