"""``migration-lsp config --schema``: where the JSON Schema of the configuration is, for an editor."""

from __future__ import annotations

from typing import Sequence

from migration_lsp.cli.main import EXIT_OK, Parser
from migration_lsp.config_schema import SCHEMA_FILE


def main(argv: Sequence[str]) -> int:
    p = Parser(prog="migration-lsp config", description="About the configuration (migration-lsp.toml, or [tool.migration-lsp] in pyproject.toml).")
    p.add_argument("--schema", action="store_true", required=True, help="print the file URI of the JSON Schema shipped in the package, for #:schema or an editor's schema association")
    p.parse_args(argv)
    print(SCHEMA_FILE.as_uri())
    return EXIT_OK
