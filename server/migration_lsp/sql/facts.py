"""Typed facts about one SQL statement: what the rules read instead of raw text.

Offsets in a fact are relative to the start of the statement's own text, so a fact can be
cached by that text and reused wherever the statement moves. :class:`Statement` places a
fact in its literal.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum
from typing import TYPE_CHECKING, Iterator, NamedTuple

if TYPE_CHECKING:
    from sqlglot import exp


class Kind(StrEnum):
    """What a statement is: the closed set of kinds the analyzer gives, so that a misspelt
    kind is an error where it is written rather than a comparison that is never true.

    A ``CREATE`` or ``ALTER`` of an object that no rule tells apart is :attr:`CREATE` or
    :attr:`ALTER`, and every ``DROP`` is :attr:`DROP`: ``Fact.object_type`` says which object.
    A statement whose first word names no kind here (``SET``, ``VACUUM``, a typo such as
    ``target``), or whose text cannot be read into tokens, is :attr:`UNKNOWN`.
    """

    UNKNOWN = "unknown"
    EMPTY = "empty"  # nothing but comments
    UNREAD = "unread"  # a DO block's construct nested too deep to read (see sql.plpgsql)
    CREATE = "create"
    CREATE_TABLE = "create_table"
    CREATE_FOREIGN_TABLE = "create_foreign_table"
    CREATE_INDEX = "create_index"
    CREATE_POLICY = "create_policy"
    CREATE_TRIGGER = "create_trigger"  # CONSTRAINT TRIGGER too
    CREATE_VIEW = "create_view"
    CREATE_MATERIALIZED_VIEW = "create_materialized_view"
    CREATE_FUNCTION = "create_function"
    CREATE_PROCEDURE = "create_procedure"
    CREATE_PUBLICATION = "create_publication"
    CREATE_EXTENSION = "create_extension"
    CREATE_SCHEMA = "create_schema"
    CREATE_SEQUENCE = "create_sequence"
    CREATE_TYPE = "create_type"
    CREATE_DOMAIN = "create_domain"
    ALTER = "alter"
    ALTER_TABLE = "alter_table"
    ALTER_PUBLICATION = "alter_publication"
    DROP = "drop"
    COMMENT = "comment"
    TRUNCATE = "truncate"
    GRANT = "grant"
    REVOKE = "revoke"
    DO = "do"
    SELECT = "select"
    INSERT = "insert"
    UPDATE = "update"
    DELETE = "delete"
    MERGE = "merge"
    DML = "dml"  # a WITH query in which sqlglot finds no DELETE, UPDATE or INSERT
    # transaction control
    BEGIN = "begin"
    START = "start"
    COMMIT = "commit"
    END = "end"
    ROLLBACK = "rollback"
    ABORT = "abort"
    SAVEPOINT = "savepoint"
    RELEASE = "release"

    @property
    def creates(self) -> bool:
        """A ``CREATE`` of any object."""
        return self is Kind.CREATE or self.name.startswith("CREATE_")


class Name(NamedTuple):
    """A schema-qualified name, normalised as PostgreSQL does (unquoted names fold to lower case).

    A tuple: the schema model keys its tables, indexes and functions by name, and a build
    hashes thousands of them at every keystroke, in C rather than in a dataclass's ``__hash__``."""

    name: str
    schema: str | None = None

    @property
    def qualified(self) -> str:
        return f"{self.schema or 'public'}.{self.name}"

    def key(self) -> tuple[str, str]:
        return (self.schema or "public", self.name)

    def __str__(self) -> str:
        return f"{self.schema}.{self.name}" if self.schema else self.name


@dataclass(frozen=True, slots=True)
class Span:
    start: int
    end: int


@dataclass(slots=True)
class Column:
    name: str
    span: Span
    type: str = ""
    not_null: bool = False
    default: str | None = None
    generated: bool = False
    primary_key: bool = False
    unique: bool = False
    references: Name | None = None
    references_span: Span | None = None
    references_columns: tuple[str, ...] = ()
    check: str | None = None
    definition: str = ""  # the column's own text, e.g. "email text NOT NULL DEFAULT ''"


@dataclass(slots=True)
class Constraint:
    """A table constraint, inline or in ``ADD CONSTRAINT``."""

    kind: str  # "primary_key" | "unique" | "foreign_key" | "check" | "exclude" | "index" (MySQL's KEY, INDEX) | "other"
    span: Span
    name: str | None = None
    columns: tuple[str, ...] = ()
    references: Name | None = None
    references_span: Span | None = None
    references_columns: tuple[str, ...] = ()
    expression: str | None = None
    definition: str = ""


@dataclass(slots=True)
class Action:
    """One action of an ``ALTER TABLE``."""

    kind: str  # add_column | drop_column | alter_type | set_default | drop_default | set_not_null | drop_not_null | rename | rename_column | add_constraint | add_index (MySQL) | drop_constraint | drop_index (MySQL) | enable_rls | disable_rls | force_rls | replica_identity | other
    span: Span
    column: str | None = None
    column_span: Span | None = None
    if_not_exists: bool = False
    if_exists: bool = False
    cascade: bool = False
    insert_guard_at: int | None = None  # where IF [NOT] EXISTS goes
    column_def: Column | None = None
    constraint: Constraint | None = None
    new_name: str | None = None
    new_type: str | None = None  # alter_type: the type, without its USING or COLLATE
    new_default: str | None = None  # set_default: the expression


@dataclass(frozen=True, slots=True)
class Signature:
    """What a ``CREATE FUNCTION`` or ``CREATE PROCEDURE`` says of the routine besides its name."""

    arguments: str = ""  # the text between the parentheses after the name
    returns: str | None = None  # the type after RETURNS, up to the first option
    language: str | None = None


# The SQLSTATE of each condition name the rules ask about, for `EXCEPTION WHEN SQLSTATE '…'`.
SQLSTATES = {
    "duplicate_object": "42710",
    "duplicate_table": "42P07",
    "duplicate_column": "42701",
    "duplicate_schema": "42P06",
    "duplicate_function": "42723",
    "invalid_table_definition": "42P16",
    "unique_violation": "23505",
    "undefined_object": "42704",
    "undefined_table": "42P01",
    "undefined_column": "42703",
    "undefined_function": "42883",
}


@dataclass(frozen=True, slots=True)
class Guard:
    """Why a statement nested in a DO block may be skipped or may fail harmlessly."""

    # "not_exists": runs only when IF NOT EXISTS (SELECT …) holds (or in the ELSE of an
    # IF EXISTS); "exists": the reverse; "exception": an EXCEPTION WHEN … handler.
    kind: str
    span: Span
    catalog: str | None = None  # pg_policies, pg_indexes, pg_constraint, information_schema.columns …
    conditions: tuple[tuple[str, str, Span], ...] = ()  # (column, literal value, span of the literal)
    exceptions: tuple[str, ...] = ()  # condition names of the handler (lower case) and SQLSTATEs

    def value(self, column: str) -> tuple[str, Span] | None:
        for col, val, span in self.conditions:
            if col == column:
                return val, span
        return None

    def catches(self, *conditions: str) -> bool:
        """Does the handler catch every one of ``conditions`` (by name or by SQLSTATE)?"""
        if "others" in self.exceptions:
            return True
        return all(c in self.exceptions or SQLSTATES.get(c) in self.exceptions for c in conditions)


@dataclass(slots=True)
class Fact:
    """What one statement does. ``kind`` names the statement; the other fields fill as it applies."""

    kind: Kind
    text: str
    start: int = 0  # relative to the enclosing top-level statement (0 for that statement itself)
    object_type: str | None = None  # TABLE, INDEX, POLICY, FUNCTION …
    name: Name | None = None
    name_span: Span | None = None
    table: Name | None = None
    table_span: Span | None = None
    if_not_exists: bool = False
    if_exists: bool = False
    or_replace: bool = False
    unique: bool = False
    temporary: bool = False
    cascade: bool = False
    has_where: bool = False
    on_conflict: bool = False  # an INSERT that says what a duplicate does: ON CONFLICT, INSERT OR IGNORE, ON DUPLICATE KEY …
    conflict_at: int | None = None  # for an INSERT: where ON CONFLICT goes (before RETURNING), if it can
    not_exists_guard: bool = False
    keyword_end: int | None = None  # where IF NOT EXISTS / IF EXISTS goes
    create_end: int | None = None  # just after CREATE, where OR REPLACE goes
    columns: list[Column] = field(default_factory=list)
    constraints: list[Constraint] = field(default_factory=list)
    actions: list[Action] = field(default_factory=list)
    index_columns: tuple[str, ...] = ()
    index_expressions: tuple[str, ...] = ()
    predicate: str | None = None
    policy_command: str = "ALL"
    policy_roles: tuple[str, ...] = ()
    policy_using: str | None = None
    policy_check: str | None = None
    referenced_columns: tuple[str, ...] = ()  # columns an expression of the statement reads
    set_columns: tuple[str, ...] = ()
    signature: Signature | None = None  # for a CREATE FUNCTION or PROCEDURE
    executes: Name | None = None  # for a CREATE TRIGGER: the function after EXECUTE FUNCTION
    # For a CREATE or ALTER PUBLICATION: the tables after its (first) TABLE word, and whether
    # it publishes ALL TABLES; for an ALTER, the word after the publication's name (ADD, SET, DROP …).
    publication_tables: tuple[Name, ...] = ()
    all_tables: bool = False
    publication_verb: str = ""
    children: list[Fact] = field(default_factory=list)  # statements a DO block executes
    # A DO block's body between quotes ('…', E'…') rather than dollars: what is written there
    # is inside a string, where a quote or a backslash stands for other text.
    quoted_body: Span | None = None
    guards: tuple[Guard, ...] = ()  # for a statement nested in a DO block
    syntax_error: tuple[str, int, int] | None = None  # the database's parse error, span of the token
    expression: exp.Expression | None = None
    # A statement a DO block runs with EXECUTE '<constant>': its text is the string's value.
    executed: bool = False
    # Where each character of ``text`` (and its end) is, from ``start``, when the string
    # spells it otherwise (a doubled quote, an E'' escape, a format() argument); None: as is.
    offsets: tuple[int, ...] | None = None
    # For a CREATE TABLE whose indexes come from another table: a partition's (PARTITION OF),
    # or a copy's (LIKE … INCLUDING INDEXES or ALL; MySQL's CREATE TABLE … LIKE).
    indexes_from: Name | None = None
    # PostgreSQL's words for a statement it refuses inside a transaction block, as its error
    # names them ("CREATE INDEX CONCURRENTLY", "VACUUM" …); None for every other statement.
    refused_in_transaction: str | None = None

    @property
    def end(self) -> int:
        return self.start + len(self.text)

    def walk(self) -> Iterator[Fact]:
        """This fact and every statement nested in it, in execution order."""
        yield self
        for child in self.children:
            yield from child.walk()


@dataclass(slots=True, eq=False)
class Statement:
    """A fact placed in its literal: ``base`` is the SQL offset where the fact's text starts."""

    fact: Fact
    base: int
    index: int  # position among the literal's top-level statements
    parent: Statement | None = None
    # Every rule walks the nested statements: place them once.
    _nested: list[Statement] | None = field(default=None, init=False, repr=False)

    @property
    def kind(self) -> Kind:
        return self.fact.kind

    @property
    def start(self) -> int:
        return self.base

    @property
    def end(self) -> int:
        return self.at(len(self.fact.text))

    def span(self, rel: Span | None = None) -> tuple[int, int]:
        """An absolute SQL span: the statement's own, or one of its parts."""
        if rel is None:
            return self.start, self.end
        return self.at(rel.start), self.at(rel.end)

    def at(self, rel: int) -> int:
        """The SQL offset of the fact's offset ``rel`` (an end offset maps to the end of its text)."""
        offsets = self.fact.offsets
        if offsets is None:
            return self.base + rel
        return self.base + offsets[max(0, min(rel, len(offsets) - 1))]

    @property
    def top(self) -> Statement:
        """The top-level statement that executes it: the ``DO`` block of a nested statement."""
        st = self
        while st.parent is not None:
            st = st.parent
        return st

    def nested(self) -> Iterator[Statement]:
        """Statements a DO block executes, recursively."""
        return iter(self._placed_nested())

    def nested_at(self, n: int) -> Statement:
        """The ``n``-th of :meth:`nested`."""
        return self._placed_nested()[n]

    def _placed_nested(self) -> list[Statement]:
        placed = self._nested
        if placed is None:
            placed = []
            for child in self.fact.children:
                st = Statement(child, self.at(child.start), self.index, self)
                placed.append(st)
                if child.children:  # most nest none
                    placed.extend(st.nested())
            # Set once whole: another thread (verify's) may ask for them at the same time.
            self._nested = placed
        return placed

    def held_guards(self) -> Iterator[tuple[Guard, int]]:
        """Guards of this statement and of every enclosing block, innermost first, each with
        the SQL offset of the block that holds it: its spans are relative to that block. Most
        questions read no span (which kind, which catalog, what a handler catches), and a rule
        places only the guard it reports: the statements an edit moved are not placed again
        on every keystroke."""
        st: Statement = self
        while st.parent is not None:
            base = st.parent.base
            for g in st.fact.guards:
                yield g, base
            st = st.parent

    def catches(self, *conditions: str) -> bool:
        """Does an enclosing ``EXCEPTION`` handler catch every one of ``conditions``?"""
        return any(g.kind == "exception" and g.catches(*conditions) for g, _ in self.held_guards())

    def guarded(self, check: str, condition: str) -> bool:
        """Is it inside an ``IF`` ``check`` (``not_exists`` or ``exists``), or a handler that catches ``condition``?"""
        return any(g.kind == check for g, _ in self.held_guards()) or self.catches(condition)
