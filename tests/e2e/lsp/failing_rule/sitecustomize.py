"""Loaded by the server under test (through PYTHONPATH): one rule raises on every check."""

from migration_lsp.rules.registry import RULES


def _broken(self, ctx):
    raise RuntimeError("this rule is broken on purpose")


RULES["drop-table"].check = _broken
