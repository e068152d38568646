"""``migration-lsp rule NAME``: a rule's page in the terminal; ``rule --all``: every rule."""

from __future__ import annotations

import difflib
import json
import sys
from typing import Sequence

from migration_lsp.cli.main import EXIT_ERROR, EXIT_OK, Parser, say
from migration_lsp.docs import HEADER, family, render_rule
from migration_lsp.rules.base import Rule
from migration_lsp.rules.registry import RULE_CLASSES, RULES


def main(argv: Sequence[str]) -> int:
    p = Parser(prog="migration-lsp rule", description="Explain a rule: what it finds, why, what to write instead, its fix.")
    p.add_argument("name", nargs="?", metavar="NAME", help="the rule's name, as findings show it")
    p.add_argument("--all", action="store_true", help="list every rule")
    p.add_argument("--format", choices=("text", "json"), default="text", help="output format (default: text)")
    args = p.parse_args(argv)
    if args.all == (args.name is not None):
        p.error("give a rule's NAME, or --all")
    if args.all:
        sys.stdout.write(_listing(args.format))
        return EXIT_OK
    cls = RULES.get(args.name)
    if cls is None:
        close = difflib.get_close_matches(args.name, RULES, n=3)
        say(f"no rule named {args.name!r}" + (f"; did you mean {', '.join(close)}?" if close else " (see: migration-lsp rule --all)"))
        return EXIT_ERROR
    if args.format == "json":
        sys.stdout.write(json.dumps(_entry(cls) | {"page": render_rule(cls).removeprefix(HEADER)}, indent=2) + "\n")
    else:
        sys.stdout.write(render_rule(cls).removeprefix(HEADER))
    return EXIT_OK


def _entry(cls: type[Rule]) -> dict[str, object]:
    return {
        "name": cls.name,
        "family": family(cls),
        "severity": cls.severity,
        "enabled_by_default": cls.enabled_by_default,
        "fix": cls.fix,
        "summary": " ".join(cls.doc().summary.split()),
    }


def _listing(fmt: str) -> str:
    if fmt == "json":
        return json.dumps([_entry(cls) for cls in RULE_CLASSES], indent=2) + "\n"
    width = max(len(cls.name) for cls in RULE_CLASSES)
    return "".join(f"{cls.name:<{width}}  {cls.severity if cls.enabled_by_default else 'off':<7}  {cls.fix:<6}  {family(cls)}\n" for cls in RULE_CLASSES)
