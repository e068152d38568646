"""The three scenarios of the rulebook: a fresh database, a second run, an upgrade per baseline."""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg

from migration_lsp.verify.catalog import Difference, Snapshot, diff, snapshot
from migration_lsp.verify.definitions import Hints, find_definition
from migration_lsp.verify.execute import MODES, Failure, run
from migration_lsp.verify.platforms import Platform, platform_named
from migration_lsp.verify.redact import error_text
from migration_lsp.verify.seed import Table, column_names, count_rows, seed, user_tables
from migration_lsp.verify.server import DEFAULT_TIME_LIMIT, Scratch, Server
from migration_lsp.verify.values import SqlSource, Step, VerifyError, VerifyProblem

_SHORT = 160
_INSUFFICIENT_PRIVILEGE = "42501"
_UNPRIVILEGED = (
    "migrations are verified as an unprivileged role, as a hosted database such as Supabase runs"
    " them: superuser-only features such as COPY PROGRAM, file access functions, ALTER SYSTEM,"
    " untrusted extensions (dblink), SUPERUSER roles and other databases are refused"
)
_CONTEXT_BEFORE = 40
_EXCERPT = 120


@dataclass(frozen=True)
class _Comparison:
    scenario: str
    after: str  # "after a second run"
    reference: str  # "after the first run"


def verify(
    current: SqlSource,
    baselines: Sequence[SqlSource] = (),
    *,
    database_url: str | None = None,
    platform: str = "supabase",
    mode: str = "transaction",
    progress: Callable[[Step], None] | None = None,
    server: Server | None = None,
    time_limit: float = DEFAULT_TIME_LIMIT,
) -> list[VerifyProblem]:
    """Run every scenario; see the package docstring."""
    chosen = platform_named(platform)
    if mode not in MODES:
        raise VerifyError(f"unknown mode {mode!r}; expected one of: {', '.join(MODES)}")
    if not time_limit > 0:
        raise VerifyError(f"the time limit must be a positive number of seconds, not {time_limit:g}")
    report = progress or (lambda _step: None)
    if server is not None:
        if database_url is not None:
            raise ValueError("give the database URL to the Server, not to verify()")
        return _scenarios(server, current, baselines, chosen, mode, time_limit, report)
    with Server(database_url, progress=report) as own:
        return _scenarios(own, current, baselines, chosen, mode, time_limit, report)


class _Steps:
    """Tells the progress observer what each scenario does, and how it went once it ends."""

    def __init__(self, report: Callable[[Step], None], problems: list[VerifyProblem]) -> None:
        self._report = report
        self._problems = problems
        self._scenario: str | None = None
        self._started = 0.0
        self._problems_before = 0

    def doing(self, scenario: str, action: str) -> None:
        if scenario != self._scenario:
            self.end()
            self._scenario, self._started = scenario, time.monotonic()
            self._problems_before = len(self._problems)
        self._report(Step(scenario, action))

    def end(self) -> None:
        if self._scenario is not None:
            seconds = time.monotonic() - self._started
            found = len(self._problems) - self._problems_before
            self._report(Step(self._scenario, seconds=seconds, problems=found))
            self._scenario = None


@dataclass(frozen=True)
class _Run:
    """What every scenario of one verify() shares."""

    current: SqlSource
    platform: Platform
    mode: str
    time_limit: float
    steps: _Steps

    def begin(self, database: Scratch, scenario: str, action: str) -> None:
        """Start ``scenario``'s clock on ``database``, and say what it does first."""
        database.begin(scenario, self.time_limit)
        self.steps.doing(scenario, action)


def _scenarios(
    server: Server,
    current: SqlSource,
    baselines: Sequence[SqlSource],
    platform: Platform,
    mode: str,
    time_limit: float,
    report: Callable[[Step], None],
) -> list[VerifyProblem]:
    problems: list[VerifyProblem] = []
    run = _Run(current, platform, mode, time_limit, _Steps(report, problems))
    fresh = None
    run.steps.doing("fresh", "creating a database")
    with server.database(platform) as database, _stopped(database, current, problems):
        fresh = _fresh_and_twice(database, run, problems)
    for baseline in baselines:
        run.steps.doing(f"upgrade:{baseline.label}", "creating a database")
        with server.database(platform) as database, _stopped(database, current, problems):
            problems += _upgrade(database, run, baseline, fresh)
    run.steps.end()
    return problems


@contextmanager
def _stopped(database: Scratch, current: SqlSource, problems: list[VerifyProblem]) -> Iterator[None]:
    """A scenario past its time limit is a problem; other errors of ours are the environment's."""
    try:
        yield
    except psycopg.Error as error:
        if not database.expired:
            # Our queries can run the migration's code too (a trigger, a policy's function).
            raise VerifyError(f"PostgreSQL failed while verifying: {error_text(error, current.sql)}") from error
        scenario = database.deadline.scenario
        problems.append(_failed(scenario, _timed_out(database)))


def _where(scenario: str) -> str:
    """Where a scenario runs the migration, for its messages."""
    if scenario == "fresh":
        return "on a fresh database"
    if scenario == "twice":
        return "when run a second time"
    return "when upgrading a database built by " + scenario.removeprefix("upgrade:")


def _timed_out(database: Scratch) -> Failure:
    limit = database.deadline.limit
    message = (
        f"did not finish within the time limit of {limit:g} s per scenario"
        " (verify-time-limit in the config, --time-limit on the command line)"
    )
    return Failure("57014", message, None, None)


def _fresh_and_twice(
    database: Scratch, run: _Run, problems: list[VerifyProblem]
) -> Snapshot | None:
    """The schema a fresh database ends up with, or None when current fails there."""
    current, mode = run.current, run.mode
    run.begin(database, "fresh", "running current")
    failure = _run(database, current, mode)
    if failure is not None:
        problems.append(_failed("fresh", failure))
        return None
    first = _snapshot(database)
    run.begin(database, "twice", "running current again")
    failure = _run(database, current, mode)
    if failure is not None:
        problems.append(_failed("twice", failure))
    else:
        twice = _Comparison("twice", "after a second run", "after the first run")
        differences = diff(first, _snapshot(database))
        problems += [_drift(twice, difference, current) for difference in differences]
    return first


def _upgrade(
    database: Scratch, run: _Run, baseline: SqlSource, fresh: Snapshot | None
) -> list[VerifyProblem]:
    current, mode = run.current, run.mode
    label = baseline.label
    scenario = f"upgrade:{label}"
    run.begin(database, scenario, "building the baseline")
    failure = _run(database, baseline, mode)
    if failure is not None:
        at = "" if failure.offset is None else " at " + _line_column(baseline.sql, failure.offset)
        message = f"baseline {label} fails on a fresh database{at}: {failure.message}"
        failed = VerifyProblem(
            "verify-failed", f"baseline:{label}", message, failure.sqlstate, None, None
        )
        return [failed]
    run.steps.doing(scenario, "filling tables")
    with database.connect() as conn:
        tables = user_tables(conn, database.platform.own_schemas)
        seed(conn, tables)
        rows, columns = count_rows(conn, tables), column_names(conn, tables)
    run.steps.doing(scenario, "running current")
    failure = _run(database, current, mode)
    if failure is not None:
        return [_failed(scenario, failure)]
    with database.connect() as conn:
        problems = _lost(conn, current, scenario, label, tables, rows, columns)
        upgraded = snapshot(conn)
    if fresh is not None:
        upgrade = _Comparison(scenario, f"after upgrading from {label}", "on a fresh database")
        problems += [_drift(upgrade, difference, current) for difference in diff(fresh, upgraded)]
    return problems


def _run(database: Scratch, source: SqlSource, mode: str) -> Failure | None:
    # A connection of its own, as each run of the app's migration gets.
    with database.connect() as conn:
        failure = run(conn, source, mode)
    return _timed_out(database) if database.expired else failure


def _snapshot(database: Scratch) -> Snapshot:
    with database.connect() as conn:
        return snapshot(conn)


def _lost(
    conn: psycopg.Connection,
    current: SqlSource,
    scenario: str,
    label: str,
    tables: list[Table],
    rows_before: dict[int, int | None],
    columns_before: dict[int, dict[int, str]],
) -> list[VerifyProblem]:
    rows_after, columns_after = count_rows(conn, tables), column_names(conn, tables)
    problems = []
    for table in tables:
        had, left = rows_before[table.oid], rows_after[table.oid]
        if not had:
            continue
        lost = _losses(
            table, had, left, columns_before.get(table.oid, {}), columns_after.get(table.oid, {})
        )
        for what, hints in lost:
            span = find_definition(current, hints)
            offset, end = span if span else (None, None)
            message = f"{what} when upgrading from {label}"
            problems.append(VerifyProblem("data-lost", scenario, message, None, offset, end))
    return problems


def _losses(
    table: Table,
    had: int,
    left: int | None,
    columns_before: dict[int, str],
    columns_after: dict[int, str],
) -> Iterator[tuple[str, Hints]]:
    """What of a filled table is gone, each with hints to the statement that likely did it."""
    name = table.display
    if left is None:
        yield f"table {name} is dropped with its {had} rows", (("drop", table.name),)
    elif left < had:
        deleting = (("delete", table.name), ("truncate", table.name), ("drop", table.name))
        yield f"{had - left} of {had} rows of table {name} are deleted", deleting
    else:
        for number, column in columns_before.items():
            if number not in columns_after:
                dropping = (("drop", table.name, column), ("drop", column))
                yield f"column {name}.{column} is dropped with its data", dropping


def _failed(scenario: str, failure: Failure) -> VerifyProblem:
    message = failure.message
    if failure.sqlstate == _INSUFFICIENT_PRIVILEGE:
        message += f" ({_UNPRIVILEGED})"
    return VerifyProblem(
        "verify-failed",
        scenario,
        f"fails {_where(scenario)}: {message}",
        failure.sqlstate,
        failure.offset,
        failure.end,
    )


def _drift(comparison: _Comparison, difference: Difference, current: SqlSource) -> VerifyProblem:
    what = f"{difference.kind} {difference.name}"
    after, reference = comparison.after, comparison.reference
    expected, actual = difference.expected, difference.actual
    if actual is None:
        message = f"{what} is missing {after}"
        if expected:
            message += f" ({reference}: {_shorten(expected)})"
    elif expected is None:
        message = f"{what} exists {after} but not {reference}"
        if actual:
            message += f" ({_shorten(actual)})"
    else:
        actual_shown, expected_shown = _contrast(actual, expected)
        message = f"{what} differs {after}: {actual_shown} ({reference}: {expected_shown})"
    span = find_definition(current, difference.hints)
    offset, end = span if span else (None, None)
    return VerifyProblem("upgrade-drift", comparison.scenario, message, None, offset, end)


def _shorten(definition: str) -> str:
    return _cut(_one_line(definition), 0, _SHORT)


def _contrast(first: str, second: str) -> tuple[str, str]:
    """Both definitions on one line each; long ones cut to the stretch where they part."""
    first, second = _one_line(first), _one_line(second)
    if len(first) <= _SHORT and len(second) <= _SHORT:
        return first, second
    parting = next(
        (i for i, (a, b) in enumerate(zip(first, second, strict=False)) if a != b),
        min(len(first), len(second)),
    )
    start = max(0, parting - _CONTEXT_BEFORE)
    return _cut(first, start, _EXCERPT), _cut(second, start, _EXCERPT)


def _cut(text: str, start: int, length: int) -> str:
    excerpt = text[start : start + length]
    return ("…" if start else "") + excerpt + ("…" if start + length < len(text) else "")


def _one_line(text: str) -> str:
    return re.sub(r"\s+", " ", text).strip()


def _line_column(sql: str, offset: int) -> str:
    line = sql.count("\n", 0, offset) + 1
    column = offset - (sql.rfind("\n", 0, offset) + 1) + 1
    return f"line {line}, column {column}"
