"""The `workspace` fixture: a workspace written into the test's temporary folder."""

from __future__ import annotations

from pathlib import Path
from typing import Callable

import pytest
from workspace_on_disk import Workspace


@pytest.fixture
def workspace(tmp_path: Path) -> Callable[[dict[str, str]], Workspace]:
    def make(files: dict[str, str]) -> Workspace:
        ws = Workspace(tmp_path / "app")
        ws.write(files)
        return ws

    return make
