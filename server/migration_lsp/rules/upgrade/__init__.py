"""Rulebook "Testing Migrations": the migration must also work on existing databases.

The static rules find, while typing, the upgrade bugs that a fresh database never shows:
:mod:`~migration_lsp.rules.upgrade.statement_order` from the migration alone,
:mod:`~migration_lsp.rules.upgrade.upgraded` by comparing with a baseline. The rules of
:mod:`~migration_lsp.rules.upgrade.verified` are reported by ``migration-lsp verify``, which
proves the rulebook's scenarios on a real PostgreSQL.
"""
