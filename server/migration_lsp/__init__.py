"""migration-lsp: checks idempotent MIGRATION_SQL literals in TypeScript apps."""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("migration-lsp")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0"

SERVER_NAME = "migration-lsp"
DOCS_URL = "https://github.com/migration-lsp/migration-lsp/blob/main/docs/rules"
