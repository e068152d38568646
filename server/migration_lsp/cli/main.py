"""What the command line's modes share: the parser, messages, reading projects, the report."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import NoReturn, Sequence

from migration_lsp import __version__
from migration_lsp.cli.report import FORMATS, Report, render, render_statistics
from migration_lsp.config import PLATFORMS, ConfigError
from migration_lsp.findings import Finding
from migration_lsp.lint.check import load_projects
from migration_lsp.rules.registry import RULES
from migration_lsp.workspace.project import Project

EXIT_OK, EXIT_FINDINGS, EXIT_ERROR = 0, 1, 2


class Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:  # one line, exit 2, like the rest of the tool
        self.exit(EXIT_ERROR, f"migration-lsp: {message} (see --help)\n")


def say(message: str) -> None:
    """Tell the user something on one line of stderr."""
    print(f"migration-lsp: {message}", file=sys.stderr, flush=True)


def read_projects(paths: Sequence[Path], args: argparse.Namespace) -> list[Project] | None:
    """The projects under ``paths``, read with ``args.variable_name`` and ``args.config``.

    None, once said, when a path does not exist or the ``--config`` file cannot be used.
    """
    missing = next((p for p in paths if not p.exists()), None)
    if missing is not None:
        say(f"no such file or folder: {missing}")
        return None
    try:
        return load_projects(paths, tuple(args.variable_name), config_file=args.config, workers=_cores())
    except ConfigError as e:
        say(f"--config {e}")
        return None


def _cores() -> int:
    """The cores this process may run on: a large workspace is read by as many processes."""
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else 1


def report(projects: Sequence[Project], findings: list[Finding], args: argparse.Namespace, *, fixed: int = 0, failed: bool = False) -> int:
    """Print the findings and the projects' notices in ``args.format``; the exit code.

    ``failed``: the check is incomplete (a rule raised), which exits like a config error.
    """
    notices = [n for p in projects for n in (*p.config_errors, *p.notices)]
    texts = {path: text for p in projects for path, text in p.texts.items()}
    files_checked = sum(len(p.documents) for p in projects)
    if args.statistics:
        text = render_statistics(findings, args.format)
    else:
        color = not args.no_color and args.output_file is None and sys.stdout.isatty() and "NO_COLOR" not in os.environ
        text = render(Report(findings, notices, files_checked, texts, fixed), args.format, color)
    if args.output_file is None:
        sys.stdout.write(text)
    elif not write_output(args.output_file, text):
        return EXIT_ERROR
    if failed or any(p.config_errors for p in projects):
        return EXIT_ERROR
    failing = ("error", "warning") if args.strict else ("error",)
    if args.exit_zero:
        return EXIT_OK
    return EXIT_FINDINGS if any(f.severity in failing for f in findings) else EXIT_OK


def write_output(path: Path, text: str) -> bool:
    """Write the report to ``path`` whole or not at all: a reader never sees half a report.

    False, once said, when it cannot be written (the folder went away, the disk is full).
    """
    path = path.resolve()
    tmp = path.with_name(f".{path.name}.{os.getpid()}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    except OSError as e:
        say(f"cannot write the report to {path}: {e.strerror or e}")
        return False
    finally:
        tmp.unlink(missing_ok=True)
    return True


def _output_file(value: str) -> Path:
    """``--output-file``, refused before the check when the report could not be written there.

    :func:`write_output` still handles the failures no look ahead can see; this one spares the
    user a long ``verify`` that could only fail at the end.
    """
    path = Path(value)
    folder = path.resolve().parent
    if path.is_dir():
        raise argparse.ArgumentTypeError(f"{value} is a folder, not a file")
    if not folder.is_dir():
        raise argparse.ArgumentTypeError(f"cannot write {value}: no folder {folder}")
    if not os.access(folder, os.W_OK | os.X_OK):
        raise argparse.ArgumentTypeError(f"cannot write {value}: the folder {folder} is not writable")
    return path


def _rule_list(value: str) -> list[str]:
    names = [v.strip() for v in value.split(",") if v.strip()]
    unknown = [n for n in names if n not in RULES]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown rule {', '.join(unknown)}")
    return names


def add_config_option(p: argparse.ArgumentParser) -> None:
    """``--config``, for every command that reads a project."""
    p.add_argument(
        "--config",
        type=Path,
        metavar="FILE",
        help="use the settings in FILE (a migration-lsp.toml, or a pyproject.toml with [tool.migration-lsp]) instead of the nearest config file",
    )


def add_report_options(p: argparse.ArgumentParser) -> None:
    """The options of :func:`report`, shared by every command that reports findings."""
    p.add_argument("--statistics", action="store_true", help="print the number of findings per rule instead of the findings")
    p.add_argument("--exit-zero", action="store_true", help="exit 0 even when there are findings (2 still means the run failed)")
    p.add_argument("--output-file", type=_output_file, metavar="PATH", help="write the report to PATH instead of stdout")


def _seconds(value: str) -> float:
    try:
        seconds = float(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{value!r} is not a number of seconds") from None
    if not 0 < seconds < float("inf"):
        raise argparse.ArgumentTypeError(f"{value!r} is not a positive number of seconds")
    return seconds


def add_time_limit_option(p: argparse.ArgumentParser, prefix: str = "") -> None:
    """``--time-limit SECONDS``, for every command that verifies."""
    p.add_argument("--time-limit", type=_seconds, metavar="SECONDS", help=f"{prefix}stop each scenario after SECONDS of wall-clock time (default: the config's verify-time-limit, 120)")


def build_parser() -> argparse.ArgumentParser:
    p = Parser(
        prog="migration-lsp",
        description="Checks the MIGRATION_SQL literals of a TypeScript app: no data loss, every statement idempotent, every table covered.",
        epilog="Commands: 'migration-lsp check [PATH ...]' checks and exits (the same as --check); 'migration-lsp [lsp]' serves the language server; 'migration-lsp schema [PATH]' prints the schema model; 'migration-lsp verify [PATH]' runs the migration on a throwaway PostgreSQL; 'migration-lsp rule NAME' explains a rule; 'migration-lsp config --schema' prints where the config's JSON Schema is.",
    )
    p.add_argument("--version", action="version", version=f"migration-lsp {__version__}")
    p.add_argument("--check", nargs="*", metavar="PATH", type=Path, help="check the files under PATH (default: .) and exit")
    p.add_argument("paths", nargs="*", metavar="PATH", type=Path, help="with check or --check: the files and folders to check")
    p.add_argument("--format", choices=FORMATS, default="text", help="output format of the check (default: text)")
    p.add_argument("--fix", action="store_true", help="apply every safe fix in place, then report what is left")
    p.add_argument("--diff", action="store_true", help="print the safe fixes as a unified diff and change nothing; exit 1 when there is one")
    add_report_options(p)
    add_config_option(p)
    p.add_argument("--select", type=_rule_list, action="extend", default=[], metavar="RULE,...", help="run only these rules")
    p.add_argument("--ignore", type=_rule_list, action="extend", default=[], metavar="RULE,...", help="do not run these rules")
    p.add_argument("--strict", action="store_true", help="exit 1 on warnings too")
    p.add_argument("--variable-name", action="append", default=[], metavar="NAME", help="also check literals assigned to NAME")
    p.add_argument("--baseline", metavar="REF", help="git ref (or 'history') that existing databases were built from (default: HEAD)")
    p.add_argument("--verify", action="store_true", help="with --check: also run the migration on a throwaway PostgreSQL")
    p.add_argument("--database-url", metavar="URL", help="with --verify: use this server (a scratch database is created and dropped)")
    p.add_argument("--platform", choices=PLATFORMS, help="with --verify: platform the app runs on (default: the config's, supabase)")
    add_time_limit_option(p, "with --verify: ")
    p.add_argument("--no-color", action="store_true", help="never colour the text output")
    p.add_argument("--tcp", metavar="HOST:PORT", help="serve one language client over TCP instead of stdio")
    p.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    return p


# Options that only mean something to --check: given without it, they would start the server.
CHECK_ONLY = {
    "PATH": lambda a: bool(a.paths),
    "--format": lambda a: a.format != "text",
    "--fix": lambda a: a.fix,
    "--diff": lambda a: a.diff,
    "--statistics": lambda a: a.statistics,
    "--exit-zero": lambda a: a.exit_zero,
    "--output-file": lambda a: a.output_file is not None,
    "--config": lambda a: a.config is not None,
    "--select": lambda a: bool(a.select),
    "--ignore": lambda a: bool(a.ignore),
    "--strict": lambda a: a.strict,
    "--baseline": lambda a: a.baseline is not None,
    "--verify": lambda a: a.verify,
    "--database-url": lambda a: a.database_url is not None,
    "--platform": lambda a: a.platform is not None,
    "--time-limit": lambda a: a.time_limit is not None,
}
