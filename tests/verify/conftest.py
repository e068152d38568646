"""Fixtures for the verify engine; every test talks to a real PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest

from migration_lsp.verify import Server, SqlSource


def make_source(*statements: str, label: str = "current") -> SqlSource:
    """A migration text of ``statements``, one per line, with their offsets."""
    sql, spans = "", []
    for statement in statements:
        spans.append((len(sql), len(sql) + len(statement)))
        sql += statement + "\n"
    return SqlSource(label, sql, tuple(spans))


@pytest.fixture
def source() -> Callable[..., SqlSource]:
    return make_source


@pytest.fixture(scope="package")
def server() -> Iterator[Server]:
    """One private cluster for all these tests, as an editor would keep it."""
    with Server() as running:
        yield running
