"""A document's migrations: document → literals → statements, with the edits rules make in them.

Each stage is cached by content: a document's literals by its text, a statement's facts by
the statement's dialect and text (see :mod:`migration_lsp.sql.analyze`). Each literal's dialect
is known before it is split: SQLite and MySQL end statements otherwise than PostgreSQL.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from functools import cached_property
from itertools import compress
from pathlib import Path
from typing import Callable, Generic, Iterable, Iterator, TypeVar, cast

from migration_lsp.dialect import detect_dialect, detect_platform
from migration_lsp.findings import Edit, Edits, Finding, Fix, Severity
from migration_lsp.locate.typescript import PLACEHOLDER, ImportResolver, MigrationLiteral, Notice, find_literals
from migration_lsp.positions import unchanged_ends
from migration_lsp.sql.analyze import analyze
from migration_lsp.sql.facts import Fact, Statement
from migration_lsp.sql.known import Known
from migration_lsp.sql.split import Comment, split, split_from


@dataclass(eq=False)
class Migration:
    """One literal, split and analysed."""

    path: Path
    text: str  # the whole document
    literal: MigrationLiteral
    statements: list[Statement]
    comments: list[Comment]
    # Where each semicolon that ends a statement is: after one, the SQL splits afresh.
    semicolons: list[int] = field(default_factory=list, repr=False)
    # Edits this literal cannot hold (a backtick in String.raw, a span over a `+`): never offered.
    unwritable: set[Edit] = field(default_factory=set, repr=False)
    dialect: str = "postgres"  # from the config and the evidence (see `migration_lsp.dialect`)
    platform: str = "supabase"
    # The top-level statements this parse analysed; the others are the previous parse's
    # (see :func:`parse_migration`), those after them moved.
    analysed: range = field(kw_only=True, repr=False)
    # The text of each top-level statement, in order: what is kept of a statement is kept by
    # its text, and a check looks up every one, more than once. An edit copies the texts of
    # the statements it leaves, in slices.
    texts: list[str] = field(kw_only=True, repr=False)
    # What each :class:`ByText` said of each top-level statement, once asked.
    said: dict[object, list[object]] = field(default_factory=dict, init=False, repr=False)
    # What the previous parse's ByTexts said, for the statements outside ``analysed``: those
    # are its statements, at the same place before ``analysed`` and ``shift`` places further
    # after it. Its own previous parse is not kept: no chain of versions stays alive.
    previous_said: dict[object, list[object]] | None = field(default=None, kw_only=True, repr=False)
    shift: int = field(default=0, kw_only=True, repr=False)

    @property
    def sql(self) -> str:
        return self.literal.sql

    def all_statements(self) -> Iterator[Statement]:
        """Every statement the migration executes, DO-block bodies included, in order."""
        return iter(self._listed)

    @cached_property
    def _listed(self) -> list[Statement]:
        # Listed when first asked for, not at each parse: the rules a keystroke runs go through
        # the top-level statements, and place the nested ones of the few they look into.
        return _with_nested(self.statements)

    def finding(self, rule: str, message: str, start: int, end: int, fix: Fix | None = None, severity: Severity = "error") -> Finding:
        """A finding on SQL ``[start, end)``: the one way a rule places a finding in a migration."""
        return self.doc_finding(rule, message, *self.literal.doc_span(start, end), fix, severity)

    def doc_finding(self, rule: str, message: str, doc_start: int, doc_end: int, fix: Fix | None = None, severity: Severity = "error") -> Finding:
        """A finding on the document's ``[doc_start, doc_end)``, in this literal: for a rule that
        knows the place already (where an earlier check put it, when the edit since left that
        text alone)."""
        # Users know their `${…}`, not the placeholder that stood in for it.
        return Finding(rule, self.as_written(message), self.path, doc_start, doc_end, fix, severity)

    def literal_finding(self, rule: str, message: str, fix: Fix | None = None, severity: Severity = "error") -> Finding:
        """A finding about the whole migration, on the literal's opening quote."""
        start = self.literal.doc_start
        return Finding(rule, self.as_written(message), self.path, start, start + 1, fix, severity)

    def as_written(self, text: str) -> str:
        """``text`` with each placeholder back as the ``${…}`` it stands for in this literal."""
        if not self.literal.substitutions:  # most literals: no placeholder to look for in each message
            return text
        return PLACEHOLDER.sub(lambda p: self._substitution(int(p.group(1))), text)

    def _substitution(self, n: int) -> str:
        sub = self.literal.substitutions[n]
        return self.text[self.literal.source_map.to_doc(sub.start) : self.literal.source_map.to_doc_end(sub.end)]

    def edit(self, start: int, end: int, sql: str) -> Edit:
        """Replace SQL ``[start, end)`` with ``sql``, escaped for this literal.

        Placeholders copied from the migration's own SQL go back as the `${…}` they stand for.
        """
        doc_start = self.literal.source_map.to_doc(start)
        doc_end = self.literal.source_map.to_doc_end(end) if end > start else doc_start
        parts = []
        last = 0
        # A constant's text is written where the constant is declared, not here; SQL inside
        # an EXECUTE string would need that string's quoting too.
        writable = not self.literal.spans_parts(start, end) and not self.literal.splits_constant(start, end)
        writable = writable and not any(s <= end and start <= e for s, e in self._executed)
        for p in PLACEHOLDER.finditer(sql):
            writable = writable and self.literal.can_hold(sql[last : p.start()], start)
            parts.append(self.literal.escape(sql[last : p.start()], start))
            parts.append(self._substitution(int(p.group(1))))
            last = p.end()
        writable = writable and self.literal.can_hold(sql[last:], start)
        parts.append(self.literal.escape(sql[last:], start))
        edit = Edit(self.path, doc_start, doc_end, "".join(parts))
        if not writable:
            self.unwritable.add(edit)
        return edit

    def insert(self, at: int, sql: str) -> Edit:
        return self.edit(at, at, sql)

    @cached_property
    def _executed(self) -> list[tuple[int, int]]:
        """The SQL spans of the statements DO blocks run with EXECUTE '<constant>'."""
        each = _executed.each(self)
        return [(top.start + s, top.start + e) for top, spans in zip(compress(self.statements, each), filter(None, each)) for s, e in spans]

    @cached_property
    def comment_starts(self) -> list[int]:
        """Where each comment starts, in order: for a bisect, built once per migration."""
        return [c.start for c in self.comments]

    @cached_property
    def _line_starts(self) -> list[int]:
        starts = [0]
        sql = self.sql
        i = sql.find("\n")
        while i != -1:
            starts.append(i + 1)
            i = sql.find("\n", i + 1)
        return starts

    def sql_line(self, offset: int) -> int:
        return bisect.bisect_right(self._line_starts, offset) - 1

    def line_start(self, offset: int) -> int:
        # Asked for every fix and table on every keystroke: no table of all the lines for it.
        return self.sql.rfind("\n", 0, offset) + 1

    def indentation(self, offset: int) -> str:
        """The white space that starts the SQL line holding ``offset``."""
        start = self.line_start(offset)
        end = start
        while end < len(self.sql) and self.sql[end] in " \t":
            end += 1
        return self.sql[start:end]

    def end_of(self, st: Statement) -> int:
        """Where ``st`` ends, its semicolon included."""
        return st.end + 1 if self.sql.startswith(";", st.end) else st.end

    @cached_property
    def _broken_spans(self) -> list[tuple[int, int]]:
        """The document spans of the top-level statements PostgreSQL fails to parse, semicolons
        included: found once per migration, not once per finding. One that holds a ``${…}`` is
        not judged: only the app knows its text (as for ``syntax-error``)."""
        failing = compress(self.statements, _failing.each(self))
        return [self.literal.doc_span(st.start, self.end_of(st)) for st in failing if not self.literal.has_substitution(st.start, st.end)]

    @property
    def parses(self) -> bool:
        """Does PostgreSQL parse every top-level statement (one with a ``${…}`` is not judged)?"""
        return not self._broken_spans

    def fixable_at(self, finding: Finding) -> bool:
        """A fix is never offered for a statement that does not parse: what the broken text
        means is unknown."""
        broken = self._broken_spans
        if not broken or finding.path != self.path or not self.literal.doc_start <= finding.start < self.literal.doc_end:
            return True
        return not any(finding.start <= end and start <= finding.end for start, end in broken)

    def can_make(self, edits: Edits) -> bool:
        """Can a fix make ``edits`` here? Not in a place no edit can write (see :meth:`edit`),
        nor in or right after a statement that does not parse: text added to it stays broken."""
        if any(e in self.unwritable for e in edits):
            return False
        # Inside a quoted DO body a quote would end the body; fixes do not double them.
        if any(qs < e.start and e.end < qe and ("'" in e.new_text or "\\" in e.new_text) for e in edits for qs, qe in self._quoted_bodies):
            return False
        return not any(e.path == self.path and start < e.end and e.start <= end for e in edits for start, end in self._broken_spans)

    @cached_property
    def _quoted_bodies(self) -> list[tuple[int, int]]:
        """Document spans of the DO bodies written between quotes, quotes included."""
        each = _quoted_bodies.each(self)
        return [self.literal.doc_span(top.start + s, top.start + e) for top, spans in zip(compress(self.statements, each), filter(None, each)) for s, e in spans]

    def holds(self, edit: Edit) -> bool:
        """Does ``edit`` write into this literal?"""
        return edit.path == self.path and self.literal.doc_start <= edit.start <= self.literal.doc_end

    def statement_at(self, offset: int) -> Statement | None:
        for st in self.statements:
            if st.start <= offset <= st.end:
                return st
        return None


T = TypeVar("T")


class ByText(Generic[T]):
    """What ``of`` says of a top-level statement, kept by the literal's dialect and the statement's
    text, which are all its fact follows from: a keystroke asks ``of`` again only about the
    statements it changed. What ``of`` says must not depend on where the statement is (give
    offsets relative to its start), nor on what runs before it."""

    def __init__(self, of: Callable[[Statement], T]) -> None:
        self._of = of
        self._known: dict[str, Known[str, T]] = {}  # by dialect, then by text

    def __call__(self, m: Migration, st: Statement) -> T:
        known = self._in(m.dialect)
        try:
            return known[st.fact.text]
        except KeyError:
            return known.add(st.fact.text, self._of(st))

    def each(self, m: Migration) -> list[T]:
        """What ``of`` says of each of ``m.statements``, in order (do not change the list): worked
        out once per migration, and only for the statements the parse analysed when the previous
        parse's is known; the others, those a keystroke left, are looked up in one pass."""
        found = m.said.get(self)
        if found is None:
            found = m.said[self] = self._each(m)
        return cast(list[T], found)

    def _each(self, m: Migration) -> list[object]:
        before = m.previous_said.get(self) if m.previous_said is not None else None
        if before is not None:
            start, stop = m.analysed.start, m.analysed.stop
            return before[:start] + [self(m, st) for st in m.statements[start:stop]] + before[stop - m.shift :]
        known = self._in(m.dialect)
        texts = m.texts
        found = known.get_all(texts, _UNKNOWN)
        new: dict[str, T] = {}
        at = 0
        for _ in range(found.count(_UNKNOWN)):  # found with list.index: a keystroke makes one or two
            at = found.index(_UNKNOWN, at)
            text = texts[at]
            found[at] = new[text] = new[text] if text in new else self._of(m.statements[at])
        if new:
            known.update(new)
        return found  # none is unknown now

    def _in(self, dialect: str) -> Known[str, T]:
        return self._known.get(dialect) or self._known.setdefault(dialect, Known())


_UNKNOWN = object()  # what ByText.each has not found yet: a value may be None


def _relative(top: Statement, spans: Iterable[tuple[int, int]]) -> tuple[tuple[int, int], ...]:
    return tuple((s - top.start, e - top.start) for s, e in spans)


_failing = ByText(lambda top: _fails(top.fact))
_executed = ByText(lambda top: _relative(top, (st.span() for st in (top, *top.nested()) if st.fact.executed)))
_quoted_bodies = ByText(lambda top: _relative(top, (st.span(st.fact.quoted_body) for st in (top, *top.nested()) if st.fact.quoted_body is not None)))


@dataclass(eq=False)
class Document:
    path: Path
    text: str
    migrations: list[Migration]
    notices: list[Notice]


def parse_document(
    path: Path,
    text: str,
    names: Iterable[str],
    imports: ImportResolver | None = None,
    previous: Document | None = None,
    *,
    dialect: str = "auto",
    platform: str = "auto",
    root: Path | None = None,
) -> Document:
    """The literals of ``text``, each in its dialect and platform: the config's ``dialect`` and
    ``platform`` settings, or for ``auto`` the evidence around it up to ``root`` (the file's folder
    when None). ``imports`` reads the constants other modules export, for the ``${X}`` X is
    imported as. ``previous``: the document's last parse, whose statements an edit left as they
    were are reused."""
    located = find_literals(text, path, frozenset(names), imports)
    root = path.parent if root is None else root
    before = previous.migrations if previous is not None else []
    # What the code says of the dialect is read around the literals: while a literal is typed
    # in, that text stays the same, and is read once; what the SQL holds is no import.
    code = "".join(text[start:end] for start, end in _between(len(text), [(lit.doc_start, lit.doc_end) for lit in located.literals]))
    migrations = [parse_migration(path, text, lit, detect_dialect(dialect, path, code, lit.sql, root), before[i] if i < len(before) else None) for i, lit in enumerate(located.literals)]
    sqls = [m.sql for m in migrations]
    for m in migrations:
        m.platform = detect_platform(platform, m.dialect, path, code, sqls, root)
    return Document(path, text, migrations, located.notices)


def _between(length: int, spans: list[tuple[int, int]]) -> Iterator[tuple[int, int]]:
    """The spans of ``[0, length)`` that none of ``spans`` (in order, apart) covers."""
    at = 0
    for start, end in spans:
        yield at, start
        at = end
    yield at, length


def parse_migration(path: Path, text: str, lit: MigrationLiteral, dialect: str = "postgres", previous: Migration | None = None) -> Migration:
    """One literal of the document ``text``, split and analysed in ``dialect``.

    With ``previous`` (any earlier parse in the same dialect; PostgreSQL only), the SQL is split
    again only from the statement the change starts in up to the first statement end after it
    that ends one of ``previous``'s too: the statements on either side are those of
    ``previous``, moved by the change's length.
    """
    sql = lit.sql
    if dialect != "postgres":
        pieces, comments = split(sql, dialect)
        statements = [Statement(analyze(sql[p.start : p.end], dialect), p.start, i) for i, p in enumerate(pieces)]
        return Migration(path, text, lit, statements, comments, dialect=dialect, analysed=range(len(statements)), texts=_texts(statements))
    if previous is None or previous.dialect != dialect:
        pieces, comments, semicolons = split_from(sql, 0)
        statements = [Statement(analyze(sql[p.start : p.end]), p.start, i) for i, p in enumerate(pieces)]
        return Migration(path, text, lit, statements, comments, semicolons=semicolons, analysed=range(len(statements)), texts=_texts(statements))
    old = previous.sql
    same_start, same_end = unchanged_ends(old, sql)
    delta = len(sql) - len(old)
    # Resume after the last statement end before the change; stop at one in the unchanged end.
    before = bisect.bisect_left(previous.semicolons, same_start)
    start = previous.semicolons[before - 1] + 1 if before else 0
    resume = _Moved(previous.semicolons, bisect.bisect_left(previous.semicolons, len(old) - same_end), delta)
    pieces, comments, semicolons = split_from(sql, start, resume)
    kept = bisect.bisect_left(previous.statements, start, key=_base)
    statements = previous.statements[:kept]
    statements += [Statement(analyze(sql[p.start : p.end]), p.start, kept + i) for i, p in enumerate(pieces)]
    analysed = range(kept, len(statements))
    texts = previous.texts[:kept] + _texts(statements[kept:])
    comments = previous.comments[: bisect.bisect_left(previous.comment_starts, start)] + comments
    if semicolons and semicolons[-1] in resume:  # stopped in the unchanged end: the rest is as it was
        resumed = semicolons[-1] - delta
        first_moved = bisect.bisect_right(previous.statements, resumed, key=_base)
        shift = len(statements) - first_moved
        # Each statement after the change, moved: a new object (the last parse keeps its own
        # places), made here without a call of its own, since a keystroke moves thousands. Its
        # nested statements are placed again only when asked for: a keystroke asks for few.
        statements += [Statement(st.fact, st.base + delta, i) for i, st in enumerate(previous.statements[first_moved:], first_moved + shift)]
        texts += previous.texts[first_moved:]
        comments += [Comment(c.start + delta, c.end + delta, c.line) for c in previous.comments[bisect.bisect_right(previous.comment_starts, resumed) :]]
        semicolons += [s + delta for s in previous.semicolons[bisect.bisect_right(previous.semicolons, resumed) :]]
    return Migration(
        path,
        text,
        lit,
        statements,
        comments,
        semicolons=previous.semicolons[:before] + semicolons,
        analysed=analysed,
        texts=texts,
        previous_said=previous.said,
        shift=len(statements) - len(previous.statements),
    )


def _texts(statements: Iterable[Statement]) -> list[str]:
    return [st.fact.text for st in statements]


def _base(st: Statement) -> int:
    return st.base


@dataclass(frozen=True)
class _Moved:
    """The offsets of a sorted list from ``first`` on, each ``delta`` further: asked of a few
    semicolons only, so searched rather than built, at every keystroke."""

    offsets: list[int]
    first: int
    delta: int

    def __contains__(self, offset: object) -> bool:
        if not isinstance(offset, int):
            return False
        i = bisect.bisect_left(self.offsets, offset - self.delta, self.first)
        return i < len(self.offsets) and self.offsets[i] == offset - self.delta


def _with_nested(statements: Iterable[Statement]) -> list[Statement]:
    """``statements`` and those they nest, in order."""
    found = []
    for st in statements:
        found.append(st)
        if st.fact.children:  # most nest none
            found.extend(st.nested())
    return found


def _fails(fact: Fact) -> bool:
    """Does PostgreSQL fail to parse ``fact`` or a statement it nests? Asked of every statement
    on every keystroke: most nest none, and need no walk."""
    return fact.syntax_error is not None or (bool(fact.children) and any(_fails(child) for child in fact.children))
