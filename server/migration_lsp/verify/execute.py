"""Running migration SQL the way the application does, and pinning a failure to its place.

``transaction`` mode sends the whole text as one simple-protocol query, as ``pg`` or
``supabase.rpc`` do with the literal: PostgreSQL runs it as one implicit transaction, so a failure
leaves nothing behind. ``statements`` mode sends each statement on its own, in autocommit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import psycopg
from psycopg.errors import Diagnostic
from psycopg.pq import TransactionStatus

from migration_lsp.verify.redact import error_text
from migration_lsp.verify.values import SqlSource

MODES = ("transaction", "statements")

_SKIPPABLE = r"(?:\s+|--[^\n]*|/\*.*?\*/)*"
# The whole-text run is replayed inside a transaction of our own, which these would end.
_TRANSACTION_CONTROL = re.compile(_SKIPPABLE + r"(?:begin|start|commit|end|rollback|abort)\b", re.I | re.S)
_OPENING = re.compile(_SKIPPABLE + r"(?:begin|start)\b", re.I | re.S)
_DO_BODY = re.compile(_SKIPPABLE + r"do\s*(?:language\s+\w+\s*)?(?:\$\w*\$|')", re.I | re.S)
_INLINE_FRAME = re.compile(r"PL/pgSQL function inline_code_block line (\d+)")
_CONTEXT_STATEMENT = 'SQL statement "'
_TOKEN = re.compile(r"""'(?:[^']|'')*'|"(?:[^"]|"")*"|\w+|\S""")


@dataclass(frozen=True)
class Failure:
    sqlstate: str | None
    message: str
    offset: int | None  # into the source's sql
    end: int | None


def run(conn: psycopg.Connection, source: SqlSource, mode: str) -> Failure | None:
    """Run ``source`` on ``conn`` (an autocommit connection); the first failure, if any."""
    try:
        failure = _run_whole(conn, source) if mode == "transaction" else _run_each(conn, source)
    except psycopg.Error as error:
        if not (conn.broken or conn.closed):
            raise
        # The session was ended: by the migration itself, or from outside at the time limit.
        return _failure(error, source, None, None)
    if failure is None and conn.info.transaction_status != TransactionStatus.IDLE:
        # The app's connection would close without a COMMIT, and its changes would go with it.
        conn.execute("ROLLBACK")
        return left_open(source)
    return failure


def left_open(source: SqlSource) -> Failure:
    """Points at the last BEGIN, the one never committed."""
    begins = [span for span in source.statements if _OPENING.match(source.sql, *span)]
    offset, end = begins[-1] if begins else (None, None)
    return Failure(None, "leaves a transaction open, so nothing it does is committed", offset, end)


def _run_each(conn: psycopg.Connection, source: SqlSource) -> Failure | None:
    for start, end in source.statements:
        try:
            conn.execute(source.sql[start:end])
        except psycopg.Error as error:
            _recover(conn, error)
            return _failure(error, source, *_position(error.diag, source.sql, start, end))
    return None


def _run_whole(conn: psycopg.Connection, source: SqlSource) -> Failure | None:
    try:
        # Without parameters psycopg sends a simple query, which may hold many statements.
        conn.execute(source.sql)
    except psycopg.Error as error:
        _recover(conn, error)
        cursor = error.diag.statement_position
        if cursor:
            offset = min(int(cursor) - 1, len(source.sql))
            return _failure(error, source, offset, _token_end(source.sql, offset))
        replayed = _replay(conn, source)
        if replayed is None:
            return _failure(error, source, None, None)
        index, replay_error = replayed
        return _failure(error, source, *_position(replay_error.diag, source.sql, *source.statements[index]))
    return None


def _replay(conn: psycopg.Connection, source: SqlSource) -> tuple[int, psycopg.Error] | None:
    """Which statement fails, found by running them one by one from the same (rolled back) state.

    Errors without a cursor ("column already exists", errors inside DO blocks) name no place.
    """
    with conn.transaction(force_rollback=True):
        for index, (start, end) in enumerate(source.statements):
            text = source.sql[start:end]
            if _TRANSACTION_CONTROL.match(text):
                continue
            try:
                conn.execute(text)
            except psycopg.Error as error:
                _raise_if_broken(conn, error)
                return index, error
    return None


def _position(diag: Diagnostic, sql: str, start: int, end: int) -> tuple[int, int]:
    """Where in ``sql`` an error of the statement ``sql[start:end]``, run on its own, happened."""
    cursor = diag.statement_position
    if cursor:
        offset = min(start + int(cursor) - 1, end)
        return offset, _token_end(sql, offset)
    return _in_do_block(diag, sql, start, end) or (start, end)


def _in_do_block(diag: Diagnostic, sql: str, start: int, end: int) -> tuple[int, int] | None:
    """The failing line of a DO block, from PL/pgSQL's "line N" and the query it quotes."""
    context = diag.context or ""
    frame = _INLINE_FRAME.search(context)
    body = _DO_BODY.match(sql, start, end)
    if frame is None or body is None:
        return None
    line_start = body.end()  # PL/pgSQL counts the line the body opens on as line 1
    for _ in range(int(frame.group(1)) - 1):
        line_start = sql.find("\n", line_start, end) + 1
        if line_start == 0:
            return None
    if diag.internal_query:
        found = sql.find(diag.internal_query, line_start, end)
        if found >= 0:
            offset = found + int(diag.internal_position or 1) - 1
            return offset, _token_end(sql, offset)
    quoted = _quoted_statement(context[: frame.start()])
    if quoted:
        found = sql.find(quoted, line_start, end)
        if found >= 0:
            return found, found + len(quoted)
    line_end = sql.find("\n", line_start, end)
    line_end = end if line_end < 0 else line_end
    line = sql[line_start:line_end]
    return line_start + len(line) - len(line.lstrip()), line_end


def _quoted_statement(frames_before: str) -> str | None:
    """The query in the frame just before the DO block's own frame: ``SQL statement "…"``."""
    if not frames_before.endswith('"\n'):
        return None
    opening = frames_before.rfind(_CONTEXT_STATEMENT)
    if opening < 0:
        return None
    return frames_before[opening + len(_CONTEXT_STATEMENT) : -2]


def _token_end(sql: str, offset: int) -> int:
    token = _TOKEN.match(sql, offset)
    return offset if token is None else token.end()


def _failure(error: psycopg.Error, source: SqlSource, offset: int | None, end: int | None) -> Failure:
    return Failure(error.sqlstate, error_text(error, source.sql), offset, end)


def _recover(conn: psycopg.Connection, error: psycopg.Error) -> None:
    """Make ``conn`` usable again, e.g. after the error aborted a BEGIN of the migration's own."""
    _raise_if_broken(conn, error)
    if conn.info.transaction_status != TransactionStatus.IDLE:
        conn.execute("ROLLBACK")


def _raise_if_broken(conn: psycopg.Connection, error: psycopg.Error) -> None:
    if conn.broken or conn.closed:
        raise error
