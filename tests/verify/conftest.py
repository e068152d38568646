"""Fixtures for the verify engine; every test talks to a real PostgreSQL."""

from __future__ import annotations

from collections.abc import Callable

import psycopg
import pytest

from migration_lsp.verify import SqlSource
from migration_lsp.verify.binaries import find_bin_dir
from migration_lsp.verify.cluster import LocalCluster


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


@pytest.fixture
def other_cluster():
    """A PostgreSQL the test starts itself, standing in for a server given by URL.

    It logs every statement with the name of its database.
    """
    cluster = LocalCluster(find_bin_dir())
    cluster.start()
    try:
        with psycopg.connect(cluster.conninfo, autocommit=True) as conn:
            conn.execute("ALTER SYSTEM SET log_statement = 'all'")
            conn.execute("ALTER SYSTEM SET log_line_prefix = '[%d] '")
            conn.execute("SELECT pg_reload_conf()")
        yield cluster
    finally:
        cluster.stop()
