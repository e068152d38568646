"""The values the verify engine takes and gives back."""

from __future__ import annotations

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


class VerifyError(Exception):
    """The environment cannot run the check (no PostgreSQL, no connection, no privilege)."""


def first_line(error: BaseException) -> str:
    """The first line of an error, for one-line messages."""
    text = str(error).strip()
    return text.splitlines()[0] if text else type(error).__name__
