"""migration-lsp: checks idempotent MIGRATION_SQL literals in TypeScript apps."""

# The one place the version is written: the build reads it from here (pyproject.toml's
# dynamic version), so that the server and the CLI need not search the installed
# distributions for it at every start.
__version__ = "0.1.0"

SERVER_NAME = "migration-lsp"
DOCS_URL = "https://github.com/migration-lsp/migration-lsp/blob/main/docs/rules"
