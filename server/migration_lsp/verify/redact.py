"""What of PostgreSQL's error text a finding may show: no value the migration got from elsewhere.

Findings end up in CI logs and SARIF files, and the migration may be someone else's. PostgreSQL
quotes the values its messages are about (``invalid input syntax for type integer: "…"``), its
DETAIL shows the values of rows (``Key (id)=(…)``, ``Failing row contains (…)``), and a RAISE or
ASSERT of the migration prints whatever it is given: any of these could be a server setting, a
file or a row the migration read. So the words of PostgreSQL's own messages stay, and a value
stays only when the migration's text holds it (it tells the reader nothing new) or, for the names
PostgreSQL makes up (``t_pkey``, ``t_email_key``), when it is made of the text's words. Everything
else becomes ``…``. A message of the migration's own RAISE or ASSERT keeps only the words of the
text.
"""

from __future__ import annotations

import re

import psycopg

from migration_lsp.verify.values import first_line

HIDDEN = "…"
_WORD = re.compile(r"\w+")
_HIDDEN_RUN = re.compile(HIDDEN + r"(?:\W*" + HIDDEN + ")+")
_QUOTED = re.compile(r'"([^"]*)"')
_LAST_VALUE = re.compile(r'(?P<head>[^"]*): "(?P<value>.*)"', re.S)
_ROW = re.compile(r"(?P<head>(?:Partition key of the failing row|Failing row) contains) \(.*\)\.", re.S)
_KEY = re.compile(
    r"Key \((?P<columns>[^()]*)\)=\(.*\) (?P<rest>already exists|is duplicated"
    r'|is (?:not present in|still referenced from) table "[^"]*")\.',
    re.S,
)
_VALUES = re.compile(r"\)=\(|row contains")
_GENERATED_NAME = re.compile(r"[a-z_][a-z0-9_]*")
# What PostgreSQL appends to the table and column names when it names a constraint or an index.
_GENERATED_SUFFIXES = frozenset({"pkey", "key", "fkey", "check", "idx", "excl", "seq", "not", "null"})
# The innermost frame of an error that PL/pgSQL raised because the migration told it to.
_RAISED = re.compile(r"PL/pgSQL function .* at (?:RAISE|ASSERT)")


def error_text(error: psycopg.Error, sql: str) -> str:
    """PostgreSQL's message for ``error``, and its DETAIL in parentheses, as far as ``sql`` allows."""
    diag = error.diag
    frames = (diag.context or "").splitlines()
    raised = bool(frames) and _RAISED.fullmatch(frames[0]) is not None
    known = sql.casefold()
    primary = diag.message_primary or first_line(error)
    message = _words_of(primary, known) if raised else _quoted_values(primary, known)
    detail = diag.message_detail
    if detail:
        detail = _words_of(detail, known) if raised else _quoted_values(_row_values(detail, known), known)
        message += f" ({detail})"
    return message


def _words_of(text: str, known: str) -> str:
    """The words that are words of the text; a run of others, and what is between them, is one ``…``."""
    words = set(_WORD.findall(known))
    shown = _WORD.sub(lambda m: m[0] if m[0].casefold() in words else HIDDEN, text)
    return _HIDDEN_RUN.sub(HIDDEN, shown)


def _quoted_values(text: str, known: str) -> str:
    """Each quoted value that is not from the text becomes ``"…"``.

    PostgreSQL does not escape quotes inside a value. Its input errors end with the value
    (``…: "value"``), which is therefore taken to the last quote; elsewhere quotes pair up, and
    when they cannot, everything from the first one is hidden.
    """
    last = _LAST_VALUE.fullmatch(text)
    if last:
        return f'{last["head"]}: "{last["value"] if _from_text(last["value"], known) else HIDDEN}"'
    if text.count('"') % 2:
        return text[: text.index('"')] + f'"{HIDDEN}"'
    return _QUOTED.sub(lambda m: f'"{m[1] if _from_text(m[1], known) else HIDDEN}"', text)


def _row_values(detail: str, known: str) -> str:
    """DETAIL's ``Key (id)=(1) …`` and ``Failing row contains (…)``: the columns stay, rows' values go.

    Values may hold parentheses and quotes of their own, so the patterns reach to the last ``)``
    before PostgreSQL's own ending; a detail with values in any other form is hidden whole.
    """
    row = _ROW.fullmatch(detail)
    if row:
        return f"{row['head']} ({HIDDEN})."
    key = _KEY.fullmatch(detail)
    if key:
        columns = key["columns"] if _from_text(key["columns"], known) else HIDDEN
        return f"Key ({columns})=({HIDDEN}) {key['rest']}."
    return HIDDEN if _VALUES.search(detail) else detail


def _from_text(value: str, known: str) -> bool:
    if value.casefold() in known:
        return True
    if _GENERATED_NAME.fullmatch(value) is None:
        return False
    parts = [part.rstrip("0123456789") for part in value.split("_")]
    return all(not part or part in known or part in _GENERATED_SUFFIXES for part in parts)
