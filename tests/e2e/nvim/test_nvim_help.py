"""The help file generates its tags without duplicates or errors."""

import shutil
import subprocess
from pathlib import Path

DOC = Path(__file__).resolve().parents[3] / "editors" / "nvim" / "doc"


def test_helptags(nvim: Path, tmp_path: Path) -> None:
    # :helptags writes a tags file next to the help; a copy keeps it out of the repository.
    doc = shutil.copytree(DOC, tmp_path / "doc")
    helptags = f"try | helptags {doc} | catch | echo v:exception | cquit | endtry"
    proc = subprocess.run(
        [nvim, "--clean", "--headless", "-c", helptags, "-c", "qa"],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert proc.returncode == 0, proc.stderr
    tags = [line.split("\t")[0] for line in (doc / "tags").read_text().splitlines()]
    assert {"migration_lsp", "migration_lsp-setup", "migration_lsp-settings", "migration_lsp-health"} <= set(tags)
