"""What a scenario found, worded the same for every database engine verify runs on."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass

from migration_lsp.verify.catalog import Difference
from migration_lsp.verify.definitions import Hints, find_definition
from migration_lsp.verify.execute import Failure
from migration_lsp.verify.values import SqlSource, VerifyProblem

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
class Comparison:
    scenario: str
    after: str  # "after a second run"
    reference: str  # "after the first run"


TWICE = Comparison("twice", "after a second run", "after the first run")


def upgrade_comparison(label: str) -> Comparison:
    return Comparison(f"upgrade:{label}", f"after upgrading from {label}", "on a fresh database")


def over_time(limit: float) -> str:
    return f"did not finish within the time limit of {limit:g} s per scenario (verify-time-limit in the config, --time-limit on the command line)"


def where(scenario: str) -> str:
    """Where a scenario runs the migration, for its messages."""
    if scenario == "fresh":
        return "on a fresh database"
    if scenario == "twice":
        return "when run a second time"
    return "when upgrading a database built by " + scenario.removeprefix("upgrade:")


def failed(scenario: str, failure: Failure) -> VerifyProblem:
    message = failure.message
    if failure.sqlstate == _INSUFFICIENT_PRIVILEGE:
        message += f" ({_UNPRIVILEGED})"
    return VerifyProblem(
        "verify-failed",
        scenario,
        f"fails {where(scenario)}: {message}",
        failure.sqlstate,
        failure.offset,
        failure.end,
    )


def baseline_failed(baseline: SqlSource, failure: Failure) -> VerifyProblem:
    """The baseline itself fails: there is no older database to upgrade."""
    label = baseline.label
    at = "" if failure.offset is None else " at " + _line_column(baseline.sql, failure.offset)
    message = f"baseline {label} fails on a fresh database{at}: {failure.message}"
    return VerifyProblem("verify-failed", f"baseline:{label}", message, failure.sqlstate, None, None)


def lost(
    current: SqlSource,
    label: str,
    table: tuple[str, str],
    had: int,
    left: int | None,
    columns_before: dict[int, str],
    columns_after: dict[int, str],
) -> list[VerifyProblem]:
    """The rows and columns of a filled ``table`` (shown, bare name) that an upgrade lost.

    ``left`` is None when the table is gone; columns are keyed by what survives a rename.
    """
    problems = []
    for what, hints in _losses(table, had, left, columns_before, columns_after):
        span = find_definition(current, hints)
        offset, end = span if span else (None, None)
        message = f"{what} when upgrading from {label}"
        problems.append(VerifyProblem("data-lost", f"upgrade:{label}", message, None, offset, end))
    return problems


def _losses(
    table: tuple[str, str],
    had: int,
    left: int | None,
    columns_before: dict[int, str],
    columns_after: dict[int, str],
) -> Iterator[tuple[str, Hints]]:
    """What of a filled table is gone, each with hints to the statement that likely did it."""
    shown, name = table
    if left is None:
        yield f"table {shown} is dropped with its {had} rows", (("drop", name),)
    elif left < had:
        deleting = (("delete", name), ("truncate", name), ("drop", name))
        yield f"{had - left} of {had} rows of table {shown} are deleted", deleting
    else:
        for number, column in columns_before.items():
            if number not in columns_after:
                dropping = (("drop", name, column), ("drop", column))
                yield f"column {shown}.{column} is dropped with its data", dropping


def drift(comparison: Comparison, difference: Difference, current: SqlSource) -> VerifyProblem:
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
