"""The rules: one module per family, registered in :mod:`migration_lsp.rules.registry`."""
