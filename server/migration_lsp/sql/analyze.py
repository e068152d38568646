"""Turn the text of one statement into a :class:`Fact`.

sqlglot parses what it models (CREATE TABLE bodies, DML, expressions). Much of what a
migration holds (``CREATE POLICY``, ``DO`` blocks, ``ENABLE ROW LEVEL SECURITY``) is only an
``exp.Command`` to sqlglot, so statement headers are read from sqlglot's tokens, one grammar
for all of them. PostgreSQL's own parser (pglast) decides whether a statement is valid; for a SQLite literal,
SQLite itself does (it compiles the statement, never runs it); MySQL's statements are not
judged. sqlglot parses with the literal's dialect. Facts are cached by dialect and statement
text: an edit re-analyses only the statements it touched.
"""

from __future__ import annotations

import functools
import logging
import re
import sqlite3
import threading
from typing import Iterable, cast

import sqlglot
from pglast import parser as pg_parser
from sqlglot import exp

from migration_lsp.dialect import DIALECTS
from migration_lsp.sql.facts import Action, Column, Constraint, Fact, Kind, Name, Span
from migration_lsp.sql.plpgsql import read_do_block
from migration_lsp.sql.tokens import PUNCT, WORD, Tok, TokenError, tokenize

logging.getLogger("sqlglot").setLevel(logging.ERROR)

CACHE_SIZE = 20_000

# Facts by dialect and statement text, oldest first. Each keystroke in a statement gives it a
# new text, so the one it replaces is forgotten (see :func:`forget`) rather than kept until evicted.
_facts: dict[tuple[str, str], Fact] = {}
_facts_lock = threading.Lock()


def analyze(text: str, dialect: str = "postgres") -> Fact:
    """Facts of one statement (no trailing semicolon) in ``dialect``, cached. Never raises on bad SQL."""
    key = (dialect, text)
    fact = _facts.get(key)
    if fact is None:
        fact = _analyze(text, dialect)
        with _facts_lock:
            _facts[key] = fact
            if len(_facts) > CACHE_SIZE:
                del _facts[next(iter(_facts))]
    return fact


def forget(texts: Iterable[str]) -> None:
    """Drop the facts, in every dialect, of statement texts that an edit replaced."""
    with _facts_lock:
        for text in texts:
            for dialect in DIALECTS:
                _facts.pop((dialect, text), None)


def _analyze(text: str, dialect: str) -> Fact:
    error = _syntax_error(text) if dialect == "postgres" else _sqlite_syntax_error(text) if dialect == "sqlite" else None
    try:
        tokens = tokenize(text, dialect)
    except TokenError:
        return Fact(Kind.UNKNOWN, text, syntax_error=error or ("unterminated quoted string", 0, 1))
    if not tokens:
        return Fact(Kind.EMPTY, text, syntax_error=error)
    fact = _TokenReader(text, tokens, dialect).statement()
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
_sqlite = sqlite3.connect(":memory:", check_same_thread=False)
_sqlite_lock = threading.Lock()


def _sqlite_syntax_error(text: str) -> tuple[str, int, int] | None:
    """SQLite's parse error of a statement, at its first token, or None. ``EXPLAIN`` compiles
    the statement on an empty in-memory database and runs nothing."""
    try:
        with _sqlite_lock:
            _sqlite.execute("EXPLAIN " + _encodable(text)).close()
    except sqlite3.Error as e:
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


# Words that end a column's type and start one of its constraints.
_COLUMN_CONSTRAINT_WORDS = frozenset({"NOT", "NULL", "DEFAULT", "PRIMARY", "UNIQUE", "REFERENCES", "CHECK", "CONSTRAINT", "GENERATED", "COLLATE"})
_TABLE_CONSTRAINT_WORDS = frozenset({"CONSTRAINT", "PRIMARY", "UNIQUE", "FOREIGN", "CHECK", "EXCLUDE", "LIKE"})
_CREATE_MODIFIERS = frozenset({"TEMP", "TEMPORARY", "UNLOGGED", "GLOBAL", "LOCAL", "UNIQUE", "TRUSTED", "PROCEDURAL", "RECURSIVE"})
_OBJECT_WORDS: dict[tuple[str, str | None], str] = {
    ("FOREIGN", "TABLE"): "FOREIGN TABLE",
    ("MATERIALIZED", "VIEW"): "MATERIALIZED VIEW",
    ("EVENT", "TRIGGER"): "EVENT TRIGGER",
    ("ACCESS", "METHOD"): "ACCESS METHOD",
    ("FOREIGN", "DATA"): "FOREIGN DATA WRAPPER",
    ("TEXT", "SEARCH"): "TEXT SEARCH",
    ("CONSTRAINT", "TRIGGER"): "CONSTRAINT TRIGGER",
}


# The kind of a statement that its first word alone tells; the words with a grammar of
# their own (CREATE, ALTER, DROP, DO, the DML verbs, TRUNCATE, COMMENT) are read below.
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
# The objects whose CREATE has a kind of its own; any other is Kind.CREATE.
_CREATE_KINDS = {
    "TABLE": Kind.CREATE_TABLE,
    "FOREIGN TABLE": Kind.CREATE_FOREIGN_TABLE,
    "INDEX": Kind.CREATE_INDEX,
    "POLICY": Kind.CREATE_POLICY,
    "TRIGGER": Kind.CREATE_TRIGGER,
    "CONSTRAINT TRIGGER": Kind.CREATE_TRIGGER,
    "VIEW": Kind.CREATE_VIEW,
    "MATERIALIZED VIEW": Kind.CREATE_MATERIALIZED_VIEW,
    "FUNCTION": Kind.CREATE_FUNCTION,
    "PROCEDURE": Kind.CREATE_PROCEDURE,
    "PUBLICATION": Kind.CREATE_PUBLICATION,
    "EXTENSION": Kind.CREATE_EXTENSION,
    "SCHEMA": Kind.CREATE_SCHEMA,
    "SEQUENCE": Kind.CREATE_SEQUENCE,
    "TYPE": Kind.CREATE_TYPE,
    "DOMAIN": Kind.CREATE_DOMAIN,
}


class _TokenReader:
    def __init__(self, text: str, tokens: list[Tok], dialect: str) -> None:
        self.text = text
        self.toks = tokens
        self.dialect = dialect
        self.i = 0

    # -- token helpers -------------------------------------------------------------------
    def peek(self, k: int = 0) -> Tok | None:
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else None

    def word(self, k: int = 0) -> str | None:
        t = self.peek(k)
        return t.value if t is not None and t.kind == WORD else None

    def at(self, *words: str) -> bool:
        return all(self.word(k) == w for k, w in enumerate(words))

    def accept(self, *words: str) -> bool:
        if self.at(*words):
            self.i += len(words)
            return True
        return False

    def accept_punct(self, p: str) -> bool:
        t = self.peek()
        if t is not None and t.kind == PUNCT and t.value == p:
            self.i += 1
            return True
        return False

    def last_end(self) -> int:
        return self.toks[min(self.i, len(self.toks)) - 1].end if self.i > 0 else 0

    def name(self) -> tuple[Name, Span] | None:
        """``ident [. ident [. ident]]``: the last two parts are schema and name."""
        t = self.peek()
        if t is None or not t.is_name:
            return None
        parts = [t]
        self.i += 1
        while self.accept_punct("."):
            nxt = self.peek()
            if nxt is None or not nxt.is_name:
                break
            parts.append(nxt)
            self.i += 1
        name = Name(parts[-1].ident, parts[-2].ident if len(parts) > 1 else None)
        return name, Span(parts[0].start, parts[-1].end)

    def skip_parens(self) -> tuple[int, int] | None:
        """Skip a balanced ``( … )``; returns the token index range inside it."""
        if not self.accept_punct("("):
            return None
        first = self.i
        depth = 1
        while self.i < len(self.toks):
            t = self.toks[self.i]
            if t.kind == PUNCT and t.value == "(":
                depth += 1
            elif t.kind == PUNCT and t.value == ")":
                depth -= 1
                if depth == 0:
                    self.i += 1
                    return first, self.i - 1
            self.i += 1
        return first, self.i

    def split_commas(self, first: int, last: int) -> list[tuple[int, int]]:
        """Token ranges between top-level commas of ``toks[first:last]``."""
        parts = []
        depth = 0
        start = first
        for j in range(first, last):
            t = self.toks[j]
            if t.kind == PUNCT:
                if t.value in ("(", "["):
                    depth += 1
                elif t.value in (")", "]"):
                    depth -= 1
                elif t.value == "," and depth == 0:
                    parts.append((start, j))
                    start = j + 1
        if start < last:
            parts.append((start, last))
        return parts

    def src(self, first: int, last: int) -> str:
        """Source text of tokens ``first`` up to (not including) ``last``."""
        if first >= last:
            return ""
        return self.text[self.toks[first].start : self.toks[last - 1].end]

    def find_word(self, word: str, first: int, last: int) -> int | None:
        depth = 0
        for j in range(first, last):
            t = self.toks[j]
            if t.kind == PUNCT and t.value == "(":
                depth += 1
            elif t.kind == PUNCT and t.value == ")":
                depth -= 1
            elif depth == 0 and t.kind == WORD and t.value == word:
                return j
        return None

    # -- statements --------------------------------------------------------------------
    def statement(self) -> Fact:
        w = self.word()
        if w == "CREATE":
            return self.create()
        if w == "ALTER":
            return self.alter()
        if w == "DROP":
            return self.drop()
        if w == "DO":
            return self.do()
        if w in ("DELETE", "UPDATE", "INSERT", "WITH", "MERGE"):
            return self.dml()
        if w == "TRUNCATE":
            self.i += 1
            self.accept("TABLE")
            self.accept("ONLY")
            named = self.name()
            return Fact(Kind.TRUNCATE, self.text, table=named[0] if named else None, table_span=named[1] if named else None)
        if w == "COMMENT":
            return self.comment()
        return Fact(_WORD_KINDS.get(w or "", Kind.UNKNOWN), self.text)

    def create(self) -> Fact:
        create_tok = self.peek()
        assert create_tok is not None
        self.i += 1
        fact = Fact(Kind.CREATE, self.text, create_end=create_tok.end)
        if self.accept("OR", "REPLACE"):
            fact.or_replace = True
        while self.word() in _CREATE_MODIFIERS:
            w = self.word()
            if w == "UNIQUE":
                fact.unique = True
            elif w in ("TEMP", "TEMPORARY"):
                fact.temporary = True
            self.i += 1
        obj = self.object_type()
        fact.object_type = obj
        fact.kind = _CREATE_KINDS.get(obj, Kind.CREATE)
        if obj == "INDEX":
            self.accept("CONCURRENTLY")
        fact.keyword_end = self.last_end()
        if self.accept("IF", "NOT", "EXISTS"):
            fact.if_not_exists = True
        if obj == "TABLE":
            self.create_table(fact)
        elif obj == "INDEX":
            self.create_index(fact)
        elif obj == "POLICY":
            self.create_policy(fact)
        elif obj in ("TRIGGER", "CONSTRAINT TRIGGER"):
            self.named(fact)
            on = self.find_word("ON", self.i, len(self.toks))
            if on is not None:
                self.i = on + 1
                self.target(fact)
        else:
            self.named(fact)
            if obj in ("VIEW", "MATERIALIZED VIEW"):
                as_at = self.find_word("AS", self.i, len(self.toks))
                if as_at is not None:
                    fact.expression = _parse(self.src(as_at + 1, len(self.toks)), self.dialect)
        return fact

    def object_type(self) -> str:
        if self.peek() is None:
            return ""
        w = self.word() or ""
        w2 = self.word(1)
        if (w, w2) in _OBJECT_WORDS:
            obj = _OBJECT_WORDS[(w, w2)]
            self.i += len(obj.split())
            if obj == "TEXT SEARCH":  # CONFIGURATION, DICTIONARY, PARSER or TEMPLATE
                obj = f"{obj} {self.word() or ''}".strip()
                self.i += 1
            return obj
        self.i += 1
        return w

    def named(self, fact: Fact) -> None:
        named = self.name()
        if named is not None:
            fact.name, fact.name_span = named

    def target(self, fact: Fact) -> None:
        self.accept("ONLY")
        named = self.name()
        if named is not None:
            fact.table, fact.table_span = named

    def create_table(self, fact: Fact) -> None:
        self.named(fact)
        fact.table, fact.table_span = fact.name, fact.name_span
        body = self.skip_parens()
        if body is None:
            return  # CREATE TABLE … AS / PARTITION OF: no column list to read
        for first, last in self.split_commas(*body):
            head = self.toks[first]
            if head.kind == WORD and head.value in _TABLE_CONSTRAINT_WORDS:
                fact.constraints.append(self.table_constraint(first, last))
            elif head.is_name:
                fact.columns.append(self.column(first, last))

    def column(self, first: int, last: int) -> Column:
        head = self.toks[first]
        col = Column(head.ident, Span(head.start, head.end), definition=self.src(first, last))
        j = first + 1
        type_start = j
        while j < last and not (self.toks[j].kind == WORD and self.toks[j].value in _COLUMN_CONSTRAINT_WORDS):
            if self.toks[j].kind == PUNCT and self.toks[j].value == "(":
                j = self.matching(j, last)
            j += 1
        col.type = self.src(type_start, j)
        while j < last:
            t = self.toks[j]
            w = t.value if t.kind == WORD else None
            if w == "NOT" and j + 1 < last and self.toks[j + 1].is_word("NULL"):
                col.not_null = True
                j += 2
            elif w == "PRIMARY":
                col.primary_key = True
                col.not_null = True
                j += 2
            elif w == "UNIQUE":
                col.unique = True
                j += 1
            elif w == "DEFAULT":
                end = self.next_constraint(j + 1, last)
                col.default = self.src(j + 1, end)
                j = end
            elif w == "GENERATED":
                col.generated = True
                j = self.next_constraint(j + 1, last)
            elif w == "CHECK":
                end = self.next_constraint(j + 1, last)
                col.check = self.src(j + 1, end)
                j = end
            elif w == "REFERENCES":
                self.i = j + 1
                named = self.name()
                if named is not None:
                    col.references, col.references_span = named
                inner = self.skip_parens()
                if inner is not None:
                    col.references_columns = tuple(self.toks[k].ident for k in range(*inner) if self.toks[k].is_name)
                j = self.next_constraint(self.i, last)
            else:
                j += 1
        return col

    def matching(self, j: int, last: int) -> int:
        """Index of the ``)`` closing the ``(`` at ``j``."""
        depth = 0
        for k in range(j, last):
            t = self.toks[k]
            if t.kind == PUNCT and t.value == "(":
                depth += 1
            elif t.kind == PUNCT and t.value == ")":
                depth -= 1
                if depth == 0:
                    return k
        return last - 1

    def next_constraint(self, j: int, last: int) -> int:
        while j < last:
            t = self.toks[j]
            if t.kind == PUNCT and t.value == "(":
                j = self.matching(j, last) + 1
                continue
            if t.kind == WORD and t.value in _COLUMN_CONSTRAINT_WORDS and not (t.value == "NULL" and j > 0 and self.toks[j - 1].is_word("NOT", "IS")):
                return j
            j += 1
        return last

    def paren_names(self) -> tuple[str, ...]:
        inner = self.skip_parens()
        if inner is None:
            return ()
        return tuple(self.toks[k].ident for k in range(*inner) if self.toks[k].is_name)

    def table_constraint(self, first: int, last: int) -> Constraint:
        span = Span(self.toks[first].start, self.toks[last - 1].end)
        con = Constraint("other", span, definition=self.src(first, last))
        self.i = first
        if self.accept("CONSTRAINT"):
            t = self.peek()
            if t is not None and t.is_name:
                con.name = t.ident
                self.i += 1
        w = self.word()
        if self.accept("PRIMARY", "KEY"):
            con.kind = "primary_key"
            con.columns = self.paren_names()
        elif self.accept("UNIQUE"):
            con.kind = "unique"
            self.accept("NULLS", "NOT", "DISTINCT")
            con.columns = self.paren_names()
        elif self.accept("FOREIGN", "KEY"):
            con.kind = "foreign_key"
            con.columns = self.paren_names()
            if self.accept("REFERENCES"):
                named = self.name()
                if named is not None:
                    con.references, con.references_span = named
                con.references_columns = self.paren_names()
        elif self.accept("CHECK"):
            con.kind = "check"
            inner = self.skip_parens()
            if inner is not None:
                con.expression = self.src(*inner)
        elif w == "EXCLUDE":
            con.kind = "exclude"
        return con

    def create_index(self, fact: Fact) -> None:
        if not self.at("ON"):
            self.named(fact)
        if self.accept("ON"):
            self.target(fact)
        if self.accept("USING"):
            self.i += 1
        inner = self.skip_parens()
        if inner is not None:
            cols, exprs = [], []
            for first, last in self.split_commas(*inner):
                t = self.toks[first]
                if t.is_name and (last - first == 1 or self.toks[first + 1].kind == WORD):
                    cols.append(t.ident)
                else:
                    exprs.append(self.src(first, last))
                    cols.extend(columns_of(self.src(first, last)))
            fact.index_columns = tuple(cols)
            fact.index_expressions = tuple(exprs)
        where = self.find_word("WHERE", self.i, len(self.toks))
        if where is not None:
            fact.predicate = self.src(where + 1, len(self.toks))
        fact.referenced_columns = tuple(dict.fromkeys(fact.index_columns + columns_of(fact.predicate)))

    def create_policy(self, fact: Fact) -> None:
        self.named(fact)
        if self.accept("ON"):
            self.target(fact)
        if self.accept("AS"):
            self.i += 1
        if self.accept("FOR"):
            fact.policy_command = self.word() or "ALL"
            self.i += 1
        if self.accept("TO"):
            roles = []
            while (t := self.peek()) is not None and t.is_name and not t.is_word("USING", "WITH"):
                roles.append(t.ident)
                self.i += 1
                if not self.accept_punct(","):
                    break
            fact.policy_roles = tuple(roles)
        if self.accept("USING"):
            inner = self.skip_parens()
            if inner is not None:
                fact.policy_using = self.src(*inner)
        if self.accept("WITH", "CHECK"):
            inner = self.skip_parens()
            if inner is not None:
                fact.policy_check = self.src(*inner)
        fact.referenced_columns = tuple(dict.fromkeys(columns_of(fact.policy_using) + columns_of(fact.policy_check)))

    def alter(self) -> Fact:
        self.i += 1
        if not self.at("TABLE"):
            obj = self.object_type() if self.peek() is not None else "UNKNOWN"
            fact = Fact(Kind.ALTER_PUBLICATION if obj == "PUBLICATION" else Kind.ALTER, self.text, object_type=obj)
            if obj == "PUBLICATION":
                self.named(fact)
                first = self.i
                verb = self.word()
                if self.accept("ADD", "TABLE") or self.accept("SET", "TABLE"):
                    self.accept("ONLY")
                    named = self.name()
                    if named is not None:
                        fact.table, fact.table_span = named
                    # ADD fails for a table already published; SET replaces the list.
                    kind = "add_table" if verb == "ADD" else "set_table"
                    fact.actions.append(Action(kind, Span(self.toks[first].start, self.last_end())))
                return fact
            self.accept("IF", "EXISTS")
            self.named(fact)
            rename = self.find_word("RENAME", self.i, len(self.toks))
            if rename is not None:
                fact.actions.append(Action("rename", Span(self.toks[rename].start, len(self.text))))
            return fact
        self.i += 1
        fact = Fact(Kind.ALTER_TABLE, self.text, object_type="TABLE")
        if self.accept("IF", "EXISTS"):
            fact.if_exists = True
        self.target(fact)
        for first, last in self.split_commas(self.i, len(self.toks)):
            fact.actions.append(self.alter_action(first, last))
        return fact

    def alter_action(self, first: int, last: int) -> Action:
        self.i = first
        span = Span(self.toks[first].start, self.toks[last - 1].end)
        act = Action("other", span)
        if self.accept("ADD"):
            head_end = self.last_end()
            if self.accept("COLUMN"):
                head_end = self.last_end()
            elif self.word() in _TABLE_CONSTRAINT_WORDS:
                act.kind = "add_constraint"
                act.constraint = self.table_constraint(self.i, last)
                return act
            act.kind = "add_column"
            act.insert_guard_at = head_end
            if self.accept("IF", "NOT", "EXISTS"):
                act.if_not_exists = True
            if self.i < last:
                act.column_def = self.column(self.i, last)
                act.column = act.column_def.name
                act.column_span = act.column_def.span
            return act
        if self.accept("DROP"):
            if self.accept("CONSTRAINT"):
                act.kind = "drop_constraint"
            elif self.at("DEFAULT") or self.at("NOT", "NULL") or self.at("IDENTITY") or self.at("EXPRESSION"):
                return act
            else:
                self.accept("COLUMN")
                act.kind = "drop_column"
            act.insert_guard_at = self.last_end()
            if self.accept("IF", "EXISTS"):
                act.if_exists = True
            t = self.peek()
            if t is not None and self.i < last and t.is_name:
                act.column, act.column_span = t.ident, Span(t.start, t.end)
                self.i += 1
            act.cascade = self.find_word("CASCADE", self.i, last) is not None
            return act
        if self.accept("ALTER"):
            self.accept("COLUMN")
            t = self.peek()
            if t is not None and t.is_name:
                act.column, act.column_span = t.ident, Span(t.start, t.end)
                self.i += 1
            if self.accept("TYPE") or self.accept("SET", "DATA", "TYPE"):
                act.kind = "alter_type"
            elif self.accept("SET", "DEFAULT"):
                act.kind = "set_default"
            elif self.accept("DROP", "DEFAULT"):
                act.kind = "drop_default"
            elif self.accept("SET", "NOT", "NULL"):
                act.kind = "set_not_null"
            elif self.accept("DROP", "NOT", "NULL"):
                act.kind = "drop_not_null"
            return act
        if self.accept("RENAME"):
            if self.accept("TO"):
                act.kind = "rename"
            else:
                act.kind = "rename_column"
                if not self.accept("COLUMN"):
                    self.accept("CONSTRAINT")
                t = self.peek()
                if t is not None and t.is_name:
                    act.column, act.column_span = t.ident, Span(t.start, t.end)
            t = self.toks[last - 1]
            act.new_name = t.ident if t.is_name else None
            return act
        for words, kind in (
            (("ENABLE", "ROW", "LEVEL", "SECURITY"), "enable_rls"),
            (("DISABLE", "ROW", "LEVEL", "SECURITY"), "disable_rls"),
            (("FORCE", "ROW", "LEVEL", "SECURITY"), "force_rls"),
            (("REPLICA", "IDENTITY"), "replica_identity"),
        ):
            if self.accept(*words):
                act.kind = kind
                return act
        return act

    def drop(self) -> Fact:
        self.i += 1
        obj = self.object_type()
        fact = Fact(Kind.DROP, self.text, object_type=obj)
        if obj == "INDEX":
            self.accept("CONCURRENTLY")
        fact.keyword_end = self.last_end()
        if self.accept("IF", "EXISTS"):
            fact.if_exists = True
        if obj == "OWNED":
            self.accept("BY")
        self.named(fact)
        if obj in ("TABLE", "VIEW", "MATERIALIZED VIEW", "FOREIGN TABLE", "SEQUENCE"):
            fact.table, fact.table_span = fact.name, fact.name_span
        if self.accept("ON"):
            self.target(fact)
        fact.cascade = self.find_word("CASCADE", self.i, len(self.toks)) is not None
        return fact

    def do(self) -> Fact:
        fact = Fact(Kind.DO, self.text)
        parts = _do_parts(self.text) if self.dialect == "postgres" else None  # MySQL's DO evaluates expressions
        if parts is None or parts[2] != "plpgsql":
            return fact
        start, end, _ = parts
        read_do_block(fact, self.text, start, end, analyze)
        # PostgreSQL compiles the body only when it runs the block; a nested statement's own
        # error is reported at its token, anything else at the DO.
        if not any(child.syntax_error for child in fact.walk()):
            error = _plpgsql_error(self.text[start:end])
            if error is not None:
                fact.syntax_error = (f"{error} (in the PL/pgSQL body of this DO block)", 0, self.toks[0].end)
        return fact

    def comment(self) -> Fact:
        self.i += 1
        self.accept("ON")
        obj = self.object_type() if self.peek() is not None else ""
        fact = Fact(Kind.COMMENT, self.text, object_type=obj)
        named = self.name()
        if named is not None:
            if obj in ("TABLE", "VIEW", "MATERIALIZED VIEW"):
                fact.table, fact.table_span = named
            elif obj == "COLUMN" and named[0].schema is not None:
                # COLUMN t.c: the table is the qualifier
                fact.table = Name(named[0].schema)
                fact.table_span = named[1]
            else:
                fact.name, fact.name_span = named
        return fact

    def dml(self) -> Fact:
        expression = _parse(self.text, self.dialect)
        verb = self.word() or ""
        kind = {"DELETE": Kind.DELETE, "UPDATE": Kind.UPDATE, "INSERT": Kind.INSERT, "MERGE": Kind.MERGE}.get(verb, Kind.DML)
        fact = Fact(kind, self.text, expression=expression)
        if isinstance(expression, exp.Expression):
            # A data-modifying WITH query runs its DELETE or UPDATE whatever its main
            # statement is; what can destroy data decides the kind.
            deletes = list(expression.find_all(exp.Delete))
            updates = list(expression.find_all(exp.Update))
            if deletes:
                kind, verb = Kind.DELETE, "DELETE"
                fact.has_where = all(d.args.get("where") is not None for d in deletes)
            elif updates:
                kind, verb = Kind.UPDATE, "UPDATE"
                fact.has_where = all(u.args.get("where") is not None for u in updates)
                fact.set_columns = tuple(e.this.name.lower() if isinstance(e.this, exp.Column) else e.this.sql().lower() for e in updates[0].expressions if isinstance(e, exp.EQ))
            elif inserts := list(expression.find_all(exp.Insert)):
                kind, verb = Kind.INSERT, "INSERT"
                fact.on_conflict = all(_meets_duplicates(i) for i in inserts)
                fact.not_exists_guard = all(_not_exists_guard(i) for i in inserts)
                if isinstance(expression, exp.Insert) and (self.dialect != "sqlite" or _upsert_can_follow(expression)):
                    returning = self.find_word("RETURNING", 0, len(self.toks))
                    fact.conflict_at = self.toks[(returning or len(self.toks)) - 1].end
            fact.kind = kind
        # the target table: after FROM (DELETE), the verb (UPDATE), INTO (INSERT, MERGE)
        at = next((j for j, t in enumerate(self.toks) if t.is_word(verb)), None)
        anchor = {"DELETE": "FROM", "INSERT": "INTO", "MERGE": "INTO"}.get(verb)
        if at is not None and anchor is not None:
            at = next((j for j in range(at, len(self.toks)) if self.toks[j].is_word(anchor)), None)
        if at is not None:
            self.i = at + 1
            self.target(fact)
        return fact


def _meets_duplicates(insert: exp.Insert) -> bool:
    """Does the INSERT say what a duplicate row does? ``ON CONFLICT`` (PostgreSQL, SQLite),
    ``ON DUPLICATE KEY UPDATE`` and ``INSERT IGNORE`` (MySQL), ``INSERT OR IGNORE``/``OR REPLACE``
    (SQLite). ``OR ABORT``, ``OR FAIL`` and ``OR ROLLBACK`` fail on one like a plain INSERT."""
    alternative = str(insert.args.get("alternative") or "").upper()
    return insert.args.get("conflict") is not None or bool(insert.args.get("ignore")) or alternative in ("IGNORE", "REPLACE")


def _upsert_can_follow(insert: exp.Insert) -> bool:
    """Can SQLite take ``ON CONFLICT`` at the end of this INSERT? After ``VALUES`` it can; after
    a SELECT only with a WHERE, or SQLite reads the ON as a join's (its parsing ambiguity)."""
    source = insert.expression
    return isinstance(source, exp.Values) or (isinstance(source, exp.Select) and source.args.get("where") is not None)


def _not_exists_guard(insert: exp.Insert) -> bool:
    """``INSERT … SELECT … WHERE NOT EXISTS (…)``."""
    select = insert.expression
    where = select.args.get("where") if isinstance(select, exp.Select) else None
    return where is not None and any(isinstance(n.this, exp.Exists) for n in where.find_all(exp.Not))


def _parse(text: str, dialect: str = "postgres") -> exp.Expression | None:
    try:
        return cast(exp.Expression, sqlglot.parse_one(text, read=dialect))
    except (sqlglot.errors.ParseError, sqlglot.errors.TokenError, ValueError, RecursionError):
        return None


@functools.lru_cache(maxsize=CACHE_SIZE)
def columns_of(expression: str | None) -> tuple[str, ...]:
    """Column names an expression reads, via sqlglot; function names and literals are not columns."""
    if not expression:
        return ()
    parsed = _parse(f"SELECT {expression}")
    if parsed is None:
        return ()
    names = []
    for col in parsed.find_all(exp.Column):
        if not col.table or col.table.lower() in ("new", "old"):
            names.append(col.name if col.this.quoted else col.name.lower())
    # Identifiers inside subqueries belong to other tables.
    sub_cols = {c.name.lower() for s in parsed.find_all(exp.Subquery, exp.Exists) for c in s.find_all(exp.Column)}
    return tuple(dict.fromkeys(n for n in names if n not in sub_cols))
