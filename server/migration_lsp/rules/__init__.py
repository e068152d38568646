"""The rules: one module (or package of modules) per family, registered in :mod:`migration_lsp.rules.registry`."""
