"""The values the verify engine takes and gives back."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class SqlSource:
    """One migration text, e.g. the current literal or a baseline."""

    label: str  # "current", "HEAD", "db/migrations/001.sql", …
    sql: str
    statements: tuple[tuple[int, int], ...]  # (start, end) of each top-level statement in sql


@dataclass(frozen=True)
class VerifyProblem:
    """Something a scenario proved wrong; offsets point into the current source's sql."""

    kind: str  # "verify-failed" | "upgrade-drift" | "data-lost"
    scenario: str  # "fresh" | "twice" | "upgrade:<label>" | "baseline:<label>"
    message: str
    sqlstate: str | None
    offset: int | None
    end: int | None


@dataclass(frozen=True)
class Step:
    """Where verify is, for a progress display: what a scenario is doing, or that it ended.

    Scenarios come one after the other: a step of another scenario means the last one moved on.
    ``cluster`` is the start of the private PostgreSQL.
    """

    scenario: str  # "cluster" | "fresh" | "twice" | "upgrade:<label>"
    action: str = ""  # what it is doing now, e.g. "running current"; "" once it ended
    seconds: float | None = None  # once it ended: how long it took
    problems: int = 0  # once it ended: how many problems it found


class Steps:
    """Tells a progress observer what each scenario does, and how it went once it ends.

    ``problems`` is the list the scenarios add their problems to, to count each one's.
    """

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


class VerifyError(Exception):
    """The environment cannot run the check (no PostgreSQL, no connection, no privilege)."""


def first_line(error: BaseException) -> str:
    """The first line of an error, for one-line messages."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
