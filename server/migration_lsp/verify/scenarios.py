"""The three scenarios of the rulebook: a fresh database, a second run, an upgrade per baseline."""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass

import psycopg

from migration_lsp.verify.catalog import Snapshot, diff, snapshot
from migration_lsp.verify.execute import MODES, Failure, run
from migration_lsp.verify.platforms import Platform, platform_named
from migration_lsp.verify.problems import TWICE, baseline_failed, drift, failed, lost, over_time, upgrade_comparison
from migration_lsp.verify.redact import error_text
from migration_lsp.verify.seed import Table, column_names, count_rows, seed, user_tables
from migration_lsp.verify.server import DEFAULT_TIME_LIMIT, Scratch, Server
from migration_lsp.verify.values import SqlSource, Step, Steps, VerifyError, VerifyProblem


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
    with Server(database_url, progress=report, one_run=True) as own:
        return _scenarios(own, current, baselines, chosen, mode, time_limit, report)


@dataclass(frozen=True)
class _Run:
    """What every scenario of one verify() shares."""

    current: SqlSource
    platform: Platform
    mode: str
    time_limit: float
    steps: Steps

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
    """The fresh and second runs here, the upgrades meanwhile on a thread of their own.

    Most of a scenario's time is PostgreSQL's (copying the template, running the SQL), so the
    upgrades' databases are made and filled while the fresh one runs: two at a time, one per
    core of a small machine. Their steps are passed on here, after the second run's, so that a
    progress display still sees the scenarios one after the other, in the same order.
    """
    problems: list[VerifyProblem] = []
    run = _Run(current, platform, mode, time_limit, Steps(report, problems))
    fresh = _Shared()
    upgrades = _Upgrades(server, run, baselines, fresh) if baselines else None
    try:
        run.steps.doing("fresh", "creating a database")
        with server.database(platform) as database, _stopped(database, current, problems):
            _fresh_and_twice(database, run, problems, fresh)
        run.steps.end()
    finally:
        fresh.set(None)  # a no-op once set: the upgrades never wait for a fresh run that failed
    if upgrades is not None:
        problems += upgrades.relay(report)
    return problems


class _Shared:
    """The fresh schema, handed from the fresh run to the upgrades that compare with it."""

    def __init__(self) -> None:
        self._ready = threading.Event()
        self._value: Snapshot | None = None

    def set(self, value: Snapshot | None) -> None:
        if not self._ready.is_set():
            self._value = value
            self._ready.set()

    def get(self) -> Snapshot | None:
        self._ready.wait()
        return self._value


class _Upgrades:
    """Every upgrade scenario, one after the other on a thread of its own (see :func:`_scenarios`)."""

    def __init__(self, server: Server, run: _Run, baselines: Sequence[SqlSource], fresh: _Shared) -> None:
        self._steps: queue.SimpleQueue[Step | None] = queue.SimpleQueue()  # None: all of them ended
        self._problems: list[VerifyProblem] = []
        self._error: BaseException | None = None
        own = _Run(run.current, run.platform, run.mode, run.time_limit, Steps(self._steps.put, self._problems))
        # A daemon: interrupted, the caller closes a server of its own, which ends these sessions.
        self._thread = threading.Thread(target=self._work, args=(server, own, baselines, fresh), name="verify upgrades", daemon=True)
        self._thread.start()

    def _work(self, server: Server, run: _Run, baselines: Sequence[SqlSource], fresh: _Shared) -> None:
        try:
            for baseline in baselines:
                run.steps.doing(f"upgrade:{baseline.label}", "creating a database")
                with server.database(run.platform) as database, _stopped(database, run.current, self._problems):
                    self._problems += _upgrade(database, run, baseline, fresh)
            run.steps.end()
        except BaseException as error:  # raised again by relay(), in the caller's thread
            self._error = error
        finally:
            self._steps.put(None)

    def relay(self, report: Callable[[Step], None]) -> list[VerifyProblem]:
        """Pass on the upgrades' steps as they come, until they end; their problems."""
        while (step := self._steps.get()) is not None:
            report(step)
        self._thread.join()
        if self._error is not None:
            raise self._error
        return self._problems


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
        problems.append(failed(scenario, _timed_out(database)))


def _timed_out(database: Scratch) -> Failure:
    return Failure("57014", over_time(database.deadline.limit), None, None)


def _fresh_and_twice(database: Scratch, run: _Run, problems: list[VerifyProblem], fresh: _Shared) -> None:
    """Run current twice on a fresh database; ``fresh`` gets the schema of the first run, or None when it fails."""
    current, mode = run.current, run.mode
    run.begin(database, "fresh", "running current")
    failure = _run(database, current, mode)
    if failure is not None:
        problems.append(failed("fresh", failure))
        return
    first = _snapshot(database)
    fresh.set(first)
    run.begin(database, "twice", "running current again")
    failure = _run(database, current, mode)
    if failure is not None:
        problems.append(failed("twice", failure))
    else:
        differences = diff(first, _snapshot(database))
        problems += [drift(TWICE, difference, current) for difference in differences]


def _upgrade(database: Scratch, run: _Run, baseline: SqlSource, fresh_schema: _Shared) -> list[VerifyProblem]:
    current, mode = run.current, run.mode
    label = baseline.label
    scenario = f"upgrade:{label}"
    run.begin(database, scenario, "building the baseline")
    failure = _run(database, baseline, mode)
    if failure is not None:
        return [baseline_failed(baseline, failure)]
    run.steps.doing(scenario, "filling tables")
    with database.connect() as conn:
        tables = user_tables(conn, database.platform.own_schemas)
        seed(conn, tables)
        rows, columns = count_rows(conn, tables), column_names(conn, tables)
    run.steps.doing(scenario, "running current")
    failure = _run(database, current, mode)
    if failure is not None:
        return [failed(scenario, failure)]
    with database.connect() as conn:
        problems = _lost(conn, current, label, tables, rows, columns)
        upgraded = snapshot(conn)
    fresh = fresh_schema.get()
    if fresh is not None:
        upgrade = upgrade_comparison(label)
        problems += [drift(upgrade, difference, current) for difference in diff(fresh, upgraded)]
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
        before, after = columns_before.get(table.oid, {}), columns_after.get(table.oid, {})
        problems += lost(current, label, (table.display, table.name), had, left, before, after)
    return problems
