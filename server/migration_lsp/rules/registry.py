"""Every rule, registered once under its public name."""

from __future__ import annotations

from migration_lsp import DOCS_URL
from migration_lsp.rules import coverage, data_loss, idempotency, syntax, tables, transactions
from migration_lsp.rules.base import Rule
from migration_lsp.rules.upgrade import statement_order, upgraded, verified

RULE_CLASSES: tuple[type[Rule], ...] = (
    *data_loss.FAMILY,
    *idempotency.FAMILY,
    *syntax.FAMILY,
    *transactions.FAMILY,
    *statement_order.FAMILY,
    *upgraded.FAMILY,
    *verified.FAMILY,
    *coverage.FAMILY,
    *tables.FAMILY,
)

RULES: dict[str, type[Rule]] = {cls.name: cls for cls in RULE_CLASSES}


def rule_url(rule: str) -> str:
    """The rule's documentation page, which every reporter links to."""
    return f"{DOCS_URL}/{rule}.md"
