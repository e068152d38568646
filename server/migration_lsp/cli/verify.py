"""``migration-lsp verify [PATH]``: the rulebook's test scenarios on a real PostgreSQL, reported like ``--check``.

The findings come from :func:`migration_lsp.lint.verify.verify_projects`; the reporters, exit
codes, levels and suppressions are those of ``--check``.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import sys
from pathlib import Path
from typing import Iterator, Sequence, TextIO

from migration_lsp.cli.main import EXIT_ERROR, Parser, add_config_option, add_report_options, add_time_limit_option, read_projects, report, say
from migration_lsp.cli.report import FORMATS, display_path
from migration_lsp.config import PLATFORMS, VERIFY_MODES
from migration_lsp.findings import Finding
from migration_lsp.lint.verify import verify_projects
from migration_lsp.verify import Step, VerifyError
from migration_lsp.workspace.project import Project


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
    findings = verify_findings(projects, args, mode=args.mode)
    if findings is None:
        return EXIT_ERROR
    return report(projects, findings, args)


def verify_findings(projects: Sequence[Project], args: argparse.Namespace, *, mode: str | None = None, select: Sequence[str] = (), ignore: Sequence[str] = ()) -> list[Finding] | None:
    """What verify finds, run with the options ``verify`` and ``check --verify`` share, its
    progress on a watching terminal; None when it could not run (said on stderr)."""
    try:
        with verify_progress(args.format) as progress:
            return verify_projects(
                projects,
                ref=args.baseline,
                database_url=args.database_url,
                platform=args.platform,
                mode=mode,
                time_limit=args.time_limit,
                select=select,
                ignore=ignore,
                progress=progress,
            )
    except VerifyError as e:
        say(str(e))
        return None


@contextlib.contextmanager
def verify_progress(output_format: str) -> Iterator[TerminalProgress | None]:
    """What verify says while it works: on stderr when someone watches it and reads text."""
    if output_format != "text" or not sys.stderr.isatty():
        yield None
        return
    progress = TerminalProgress(sys.stderr)
    try:
        yield progress
    finally:
        progress.close()


class TerminalProgress:
    """Each scenario on one line of a terminal, rewritten as it moves on, ending with its time."""

    def __init__(self, stream: TextIO) -> None:
        self._stream = stream
        self._open = False  # a line is shown without its newline yet

    def __call__(self, path: Path | None, step: Step) -> None:
        where = "" if path is None else f"{display_path(path)}: "
        if step.seconds is None:
            self._running(f"{where}{step.scenario}: {step.action} …")
            return
        count = step.problems
        outcome = f"{count} problem{'' if count == 1 else 's'}" if count else "done"
        self._write(f"{_PREFIX}{where}{step.scenario}: {outcome}, {step.seconds:.1f} s\n")
        self._open = False

    def close(self) -> None:
        """End a line left open, so that whatever comes next starts on a line of its own."""
        if self._open:
            self._stream.write("\n")
            self._stream.flush()
            self._open = False

    def _running(self, text: str) -> None:
        with contextlib.suppress(OSError, ValueError):
            # A line longer than the terminal would wrap, and the carriage return would not reach
            # back: the path gives way, from its start, to the scenario and what it does.
            room = os.get_terminal_size(self._stream.fileno()).columns - 1 - len(_PREFIX)
            if 1 < room < len(text):
                text = "…" + text[len(text) - room + 1 :]
        self._write(_PREFIX + text)
        self._open = True

    def _write(self, line: str) -> None:
        self._stream.write("\r\x1b[K" + line)  # back to the start of the line, and clear it
        self._stream.flush()


_PREFIX = "migration-lsp: "
