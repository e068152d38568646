"""Turn the text of one statement into a :class:`Fact`: the entry point, its cache, and the
databases' own verdict on the statement.

The first word says which grammar reads the rest: :mod:`~migration_lsp.sql.ddl` reads the
statements that change the schema from their tokens, :mod:`~migration_lsp.sql.dml` the ones
that change rows, with sqlglot, and a ``DO`` block's body is walked by
:mod:`~migration_lsp.sql.plpgsql`. PostgreSQL's own parser (pglast) decides whether a
statement is valid; for a SQLite literal, SQLite itself does (it compiles the statement,
never runs it); MySQL's statements are not judged. Facts are cached by dialect and statement
text: an edit re-analyses only the statements it touched.
"""

from __future__ import annotations

import re
import threading
from functools import cache
from typing import TYPE_CHECKING, Iterable

from pglast import parser as pg_parser

from migration_lsp.dialect import DIALECTS
from migration_lsp.sql.ddl import alter, comment, create, drop, truncate
from migration_lsp.sql.dml import dml
from migration_lsp.sql.facts import Fact, Kind
from migration_lsp.sql.known import Known
from migration_lsp.sql.plpgsql import read_do_block
from migration_lsp.sql.reader import TokenReader
from migration_lsp.sql.tokens import TokenError, tokenize

if TYPE_CHECKING:
    import sqlite3

# Facts by dialect and statement text, oldest first. Each keystroke in a statement gives it a
# new text, so the one it replaces is forgotten (see :func:`forget`) rather than kept until evicted.
_facts: Known[tuple[str, str], Fact] = Known()


def analyze(text: str, dialect: str = "postgres") -> Fact:
    """Facts of one statement (no trailing semicolon) in ``dialect``, cached. Never raises on bad SQL."""
    key = (dialect, text)
    fact = _facts.get(key)
    return fact if fact is not None else _facts.add(key, _analyze(text, dialect))


def forget(texts: Iterable[str]) -> None:
    """Drop the facts, in every dialect, of statement texts that an edit replaced."""
    _facts.forget((dialect, text) for text in texts for dialect in DIALECTS)


def _analyze(text: str, dialect: str) -> Fact:
    error = _syntax_error(text) if dialect == "postgres" else _sqlite_syntax_error(text) if dialect == "sqlite" else None
    try:
        tokens = tokenize(text, dialect)
    except TokenError:
        return Fact(Kind.UNKNOWN, text, syntax_error=error or ("unterminated quoted string", 0, 1))
    if not tokens:
        return Fact(Kind.EMPTY, text, syntax_error=error)
    fact = _statement(TokenReader(text, tokens, dialect))
    fact.syntax_error = error or fact.syntax_error
    return fact


# The token PostgreSQL reports an error at: a word, a quoted name or string up to its
# closing quote, a comment's opening, or one character.
_ERROR_TOKEN = re.compile(r"""[\w$]+|"(?:[^"]|"")*"|'(?:[^'\\]|''|\\.)*'|/\*|\S""")
_LAST_TOKEN = re.compile(r"[\w$]+$|\S$")


# A lone surrogate (a `\uD800` escape in the literal) cannot be encoded for PostgreSQL's
# parser; U+FFFD takes its place, one character for one, so every offset still holds.
_LONE_SURROGATE = re.compile("[\ud800-\udfff]")


def _encodable(text: str) -> str:
    return _LONE_SURROGATE.sub("\ufffd", text)


def _syntax_error(text: str) -> tuple[str, int, int] | None:
    """PostgreSQL's parse error and the span of the token it names, or None."""
    try:
        pg_parser.parse_sql_json(_encodable(text))  # the JSON form skips building Python objects: 20x faster
    except pg_parser.ParseError as e:
        message = str(e.args[0]) if e.args else str(e)
        location = e.args[1] if len(e.args) > 1 and isinstance(e.args[1], int) else None
        if location is None:
            # "at end of input": the statement stops too early; its last token is the place.
            body = text.rstrip()
            last = _LAST_TOKEN.search(body)
            return message, last.start() if last is not None else 0, max(len(body), 1)
        location = min(location, max(len(text) - 1, 0))
        token = _ERROR_TOKEN.match(text, location)
        end = token.end() if token is not None and "\n" not in token.group() else location + 1
        return message, location, end
    return None


# SQLite's complaints about the text itself, as against the names in it ("no such table").
_SQLITE_SYNTAX = re.compile(r"syntax error|incomplete input|unrecognized token")
_sqlite_lock = threading.Lock()


@cache
def _sqlite() -> sqlite3.Connection:
    """The empty in-memory database statements are compiled on, opened for the first SQLite
    literal: the module does not load at every start."""
    import sqlite3

    return sqlite3.connect(":memory:", check_same_thread=False)


def _sqlite_syntax_error(text: str) -> tuple[str, int, int] | None:
    """SQLite's parse error of a statement, at its first token, or None. ``EXPLAIN`` compiles
    the statement on an empty in-memory database and runs nothing."""
    db = _sqlite()
    try:
        with _sqlite_lock:
            db.execute("EXPLAIN " + _encodable(text)).close()
    except db.Error as e:
        message = str(e)
        if _SQLITE_SYNTAX.search(message):
            first = _ERROR_TOKEN.match(text)
            return message, 0, first.end() if first is not None else 1
    except ValueError:  # a NUL character
        return "the statement holds a NUL character", 0, 1
    return None


def _do_parts(text: str) -> tuple[int, int, str] | None:
    """The span of a DO statement's body (quotes included) and its language, lower case.

    Read with PostgreSQL's own lexer: sqlglot takes everything after ``DO`` for one string.
    """
    try:
        tokens = [t for t in pg_parser.scan(_encodable(text)) if t.name not in ("C_COMMENT", "SQL_COMMENT")]
    except pg_parser.ParseError:
        return None
    body = None
    language = "plpgsql"
    for k, t in enumerate(tokens[1:], 1):
        if t.name == "LANGUAGE" and k + 1 < len(tokens):
            language = text[tokens[k + 1].start : tokens[k + 1].end + 1].strip("'\"").lower()
        elif t.name == "SCONST" and tokens[k - 1].name != "LANGUAGE" and body is None:
            body = (t.start, t.end + 1)
    return (*body, language) if body is not None else None


def _plpgsql_error(body: str) -> str | None:
    """PostgreSQL's complaint about a DO block's body (a quoted string), or None."""
    try:
        pg_parser.parse_plpgsql_json(f"CREATE FUNCTION migration_lsp_do() RETURNS void LANGUAGE plpgsql AS {_encodable(body)}")
    except pg_parser.ParseError as e:
        return str(e.args[0]) if e.args else str(e)
    return None


# The kind of a statement that its first word alone tells; the words with a grammar of
# their own are read by :func:`_statement`.
_WORD_KINDS = {
    "GRANT": Kind.GRANT,
    "REVOKE": Kind.REVOKE,
    "SELECT": Kind.SELECT,
    "BEGIN": Kind.BEGIN,
    "START": Kind.START,
    "COMMIT": Kind.COMMIT,
    "END": Kind.END,
    "ROLLBACK": Kind.ROLLBACK,
    "ABORT": Kind.ABORT,
    "SAVEPOINT": Kind.SAVEPOINT,
    "RELEASE": Kind.RELEASE,
}


def _statement(r: TokenReader) -> Fact:
    """Read a statement with the grammar its first word names."""
    w = r.word()
    if w == "CREATE":
        return create(r)
    if w == "ALTER":
        return alter(r)
    if w == "DROP":
        return drop(r)
    if w == "DO":
        return _do(r)
    if w in ("DELETE", "UPDATE", "INSERT", "WITH", "MERGE"):
        return dml(r)
    if w == "TRUNCATE":
        return truncate(r)
    if w == "COMMENT":
        return comment(r)
    fact = Fact(_WORD_KINDS.get(w or "", Kind.UNKNOWN), r.text)
    if w in ("VACUUM", "REINDEX") and r.dialect == "postgres":
        fact.refused_in_transaction = _maintenance(r, w)
    return fact


def _maintenance(r: TokenReader, w: str) -> str | None:
    """What PostgreSQL's error calls a ``VACUUM`` or ``REINDEX`` it refuses inside a transaction
    block: every VACUUM; a REINDEX of a whole database or its catalogs, or CONCURRENTLY. The
    tokenizer keeps what follows these words as one string: their grammar is read off the text."""
    if w == "VACUUM":
        return w
    found = _REINDEX.match(r.text)
    if found is None:
        return None
    options, target, concurrently = found.groups()
    if concurrently or (options and _CONCURRENTLY.search(options)):
        return "REINDEX CONCURRENTLY"
    return f"REINDEX {target.upper()}" if target.upper() in ("DATABASE", "SYSTEM") else None


_REINDEX = re.compile(r"\s*REINDEX\s*(\([^)]*\))?\s*(\w+)(\s+CONCURRENTLY\b)?", re.I)
_CONCURRENTLY = re.compile(r"\bCONCURRENTLY\b", re.I)


def _do(r: TokenReader) -> Fact:
    """A ``DO`` block, with the statements its PL/pgSQL body runs (read with :func:`analyze`)."""
    fact = Fact(Kind.DO, r.text)
    parts = _do_parts(r.text) if r.dialect == "postgres" else None  # MySQL's DO evaluates expressions
    if parts is None or parts[2] != "plpgsql":
        return fact
    start, end, _ = parts
    read_do_block(fact, r.text, start, end, analyze)
    # PostgreSQL compiles the body only when it runs the block; a nested statement's own
    # error is reported at its token, anything else at the DO.
    if not any(child.syntax_error for child in fact.walk()):
        error = _plpgsql_error(r.text[start:end])
        if error is not None:
            fact.syntax_error = (f"{error} (in the PL/pgSQL body of this DO block)", 0, r.toks[0].end)
    return fact
