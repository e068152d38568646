"""Markers that split the suite: ``-m "not e2e and not postgres"`` is the fast part.

- ``e2e``: through a real client (pytest-lsp over stdio, Neovim, VS Code), under ``tests/e2e``;
- ``postgres``: runs a real PostgreSQL (the verify tests, and every test given a database).
"""

from __future__ import annotations

from pathlib import Path

import pytest

TESTS = Path(__file__).resolve().parent
_E2E = TESTS / "e2e"
# Tests that start a PostgreSQL of their own, besides those that take a database fixture.
_POSTGRES = (TESTS / "verify", TESTS / "upgrade" / "test_verify_cli.py", TESTS / "e2e" / "lsp" / "test_verify.py")
_POSTGRES_FIXTURES = {"database_url", "server"}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        path = Path(str(item.path))
        if _E2E in path.parents:
            item.add_marker(pytest.mark.e2e)
        if any(path == p or p in path.parents for p in _POSTGRES) or _POSTGRES_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.postgres)
