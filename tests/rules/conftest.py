from __future__ import annotations

import pytest

from migration_lsp.rules import data_loss, idempotency, syntax, transactions


@pytest.fixture
def sql_rules() -> list[str]:
    """The rules of the SQL families: data loss, idempotency, syntax and transactions."""
    return [cls.name for cls in (*data_loss.FAMILY, *idempotency.FAMILY, *syntax.FAMILY, *transactions.FAMILY)]
