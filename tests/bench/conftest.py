"""The benchmarks' smoke runs: ``-m "not bench"`` leaves them out."""

from __future__ import annotations

import pytest


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line("markers", "bench: runs a benchmark script in its smoke mode")
