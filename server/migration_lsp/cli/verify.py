"""``migration-lsp verify [PATH]``: the rulebook's test scenarios on a real PostgreSQL, reported like ``--check``.

The findings come from :func:`migration_lsp.lint.verify.verify_projects`; the reporters, exit
codes, levels and suppressions are those of ``--check``.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Callable, Sequence

from migration_lsp.cli.main import EXIT_ERROR, Parser, add_config_option, add_report_options, add_time_limit_option, read_projects, report, say
from migration_lsp.cli.report import FORMATS, display_path
from migration_lsp.config import PLATFORMS, VERIFY_MODES
from migration_lsp.lint.verify import verify_projects
from migration_lsp.verify import VerifyError


def build_parser() -> argparse.ArgumentParser:
    p = Parser(
        prog="migration-lsp verify",
        description=(
            "Runs each migration literal on a throwaway PostgreSQL: on a fresh database, a second time, "
            "and as an upgrade of a database built from each baseline. Never touches a database it did not create."
        ),
    )
    p.add_argument("paths", nargs="*", metavar="PATH", type=Path, help="files or folders to verify (default: .)")
    p.add_argument("--database-url", metavar="URL", help="use this server: a scratch database is created there and dropped (default: a private local server)")
    p.add_argument("--format", choices=FORMATS, default="text", help="output format (default: text)")
    p.add_argument("--baseline", metavar="REF", help="git ref (or 'history') that existing databases were built from (default: the config's, HEAD)")
    p.add_argument("--platform", choices=PLATFORMS, help="platform the app runs on (default: the config's, supabase)")
    p.add_argument("--mode", choices=VERIFY_MODES, help="send the literal as one transaction, or statement by statement (default: the config's)")
    add_time_limit_option(p)
    p.add_argument("--strict", action="store_true", help="exit 1 on warnings too")
    p.add_argument("--variable-name", action="append", default=[], metavar="NAME", help="also verify literals assigned to NAME")
    p.add_argument("--no-color", action="store_true", help="never colour the text output")
    add_report_options(p)
    add_config_option(p)
    p.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    return p


def main(argv: Sequence[str]) -> int:
    args = build_parser().parse_args(argv)
    projects = read_projects(args.paths or [Path(".")], args)
    if projects is None:
        return EXIT_ERROR
    try:
        findings = verify_projects(
            projects,
            ref=args.baseline,
            database_url=args.database_url,
            platform=args.platform,
            mode=args.mode,
            time_limit=args.time_limit,
            progress=verify_progress(),
        )
    except VerifyError as e:
        say(str(e))
        return EXIT_ERROR
    return report(projects, findings, args)




def verify_progress() -> Callable[[Path | None, str], None] | None:
    """What verify says while it works, on stderr when someone watches it."""
    if not sys.stderr.isatty():
        return None
    return lambda path, message: say(message if path is None else f"{display_path(path)}: {message}")
