"""Command line entry point, above both reporters.

``migration-lsp`` alone (or ``migration-lsp lsp``) serves the language server on stdio;
``migration-lsp check`` (or ``--check``, the same path) is the headless mode. Imports are lazy
so that a check never loads pygls.
"""

from __future__ import annotations

import gc
import sys
import traceback
from typing import Sequence

from migration_lsp.codecache import compiled_once
from migration_lsp.collector import uncollected

# Every start loads the command line's modules, which is most of what a check loads: the
# methods of their dataclasses are compiled once, not at every start, and the collector waits
# (about a tenth of a check's start-up).
with uncollected(), compiled_once("cli"):
    from migration_lsp.cli import check, config, rule, schema
    from migration_lsp.cli.main import CHECK_ONLY, EXIT_ERROR, EXIT_OK, build_parser, say


def main(argv: Sequence[str] | None = None) -> int:
    args_list = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args_list
    try:
        return _dispatch(args_list)
    except KeyboardInterrupt:
        say("interrupted")
        return 130
    except BrokenPipeError:
        return EXIT_OK
    except Exception as e:  # the user gets one line, never a traceback, unless asked
        if debug:
            traceback.print_exc()
        say(f"internal error: {type(e).__name__}: {e}" + ("" if debug else " (run with --debug for details)"))
        return EXIT_ERROR


def _dispatch(argv: list[str]) -> int:
    if argv and argv[0] == "schema":
        return schema.main(argv[1:])
    if argv and argv[0] == "verify":
        from migration_lsp.cli import verify  # lazy: psycopg loads only to verify

        return verify.main(argv[1:])
    if argv and argv[0] == "rule":
        return rule.main(argv[1:])
    if argv and argv[0] == "config":
        return config.main(argv[1:])
    command = argv[0] if argv and argv[0] in ("check", "lsp") else None
    if command is not None:
        argv = argv[1:]
    parser = build_parser()
    # Intermixed: paths and flags in any order (`--check --fix PATH`, `check PATH --fix`).
    args = parser.parse_intermixed_args(argv)
    if command == "check" and args.check is None:
        args.check = []
    if args.check is None:
        given = [flag for flag, on in CHECK_ONLY.items() if on(args)]
        if given:
            parser.error(f"{given[0]} needs check (or --check)")
        # The cyclic collector runs between checks only (the server's state runs it, after its
        # first check: start-up makes much that lives and little garbage).
        gc.disable()
        from attr import _make as attrs_make  # lazy, as all of the server

        with compiled_once("server", attrs_make):
            from migration_lsp.lsp.serve import serve  # lazy: pygls and lsprotocol load only for the server
        return serve(tcp=args.tcp)
    if args.fix and args.diff:
        parser.error("--fix and --diff exclude each other: --diff changes nothing")
    args.check = [*args.check, *args.paths]
    return check.run_check(args)
