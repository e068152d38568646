from __future__ import annotations

import pytest

from migration_lsp.rules import data_loss, idempotency, syntax


@pytest.fixture
def sql_rules() -> list[str]:
    """The rules of the SQL families: data loss, idempotency and syntax."""
    return [cls.name for cls in (*data_loss.RULES, *idempotency.RULES, *syntax.RULES)]
