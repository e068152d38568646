"""Command line entry point, above both reporters.

``migration-lsp`` alone (or ``migration-lsp lsp``) serves the language server on stdio;
``--check`` is the headless mode. Imports are lazy so that ``--check`` never loads pygls.
"""

from __future__ import annotations

import sys
import traceback
from typing import Sequence

from migration_lsp.cli import check, schema
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
    if argv and argv[0] == "lsp":
        argv = argv[1:]
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.check is None:
        given = [flag for flag, on in CHECK_ONLY.items() if on(args)]
        if given:
            parser.error(f"{given[0]} needs --check")
        from migration_lsp.lsp.serve import serve  # lazy: pygls and lsprotocol load only for the server

        return serve(tcp=args.tcp)
    return check.run_check(args)
