"""The JSON Schema of the configuration, shipped in the package for editors to complete it with.

It is generated from the definitions that check a config (:data:`migration_lsp.config.SETTINGS`)
and from the rule registry, so that what the editor accepts and what the check accepts cannot
drift. ``python -m migration_lsp.config_schema`` writes it; ``--check`` only compares.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Sequence

from migration_lsp.config import json_schema
from migration_lsp.rules.registry import RULES

SCHEMA_FILE = Path(__file__).with_name("migration-lsp.schema.json")
COMMAND = "python -m migration_lsp.config_schema"


def render() -> str:
    rules = {name: f"{cls.doc().summary} Default: {cls.severity if cls.enabled_by_default else 'off'}." for name, cls in RULES.items()}
    return json.dumps(json_schema(rules), indent=2, ensure_ascii=False) + "\n"


def is_current(path: Path = SCHEMA_FILE) -> bool:
    return path.is_file() and path.read_text(encoding="utf-8") == render()


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=COMMAND, description="Generate the JSON Schema of migration-lsp.toml from the config's definitions and the rules.")
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 when the file is out of date")
    args = parser.parse_args(argv)
    if args.check:
        if not is_current():
            print(f"{SCHEMA_FILE.name} is out of date; run: {COMMAND}", file=sys.stderr)
            return 1
        return 0
    SCHEMA_FILE.write_text(render(), encoding="utf-8", newline="\n")
    print(f"wrote {SCHEMA_FILE.name}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
