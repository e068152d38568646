"""Read a ``DO`` block's PL/pgSQL body: the statements it executes and what guards them.

A migration runs its DO blocks, so their statements are checked like top-level ones. The
walker follows the block structure (labels, ``DECLARE``, ``BEGIN … EXCEPTION WHEN … END``,
``IF … THEN … ELSIF … ELSE … END IF``, ``CASE``, loops) and records, for each SQL
statement, the guards around it: an ``IF [NOT] EXISTS (SELECT … FROM catalog WHERE col =
'value' …)`` condition or an exception handler. PL/pgSQL's own statements (assignments,
``RAISE``, ``PERFORM``) are not SQL the migration runs directly and are skipped.

``EXECUTE`` of a constant runs SQL the migration holds as a string: ``'…'`` (doubled quotes),
``E'…'`` (backslash escapes), ``$tag$…$tag$``, or ``format('…', 'arg', …)`` whose arguments
are string literals and whose format has only ``%I``, ``%L``, ``%s`` and ``%%``. Its
statements are read as the string's value, each character mapped back to where the
string spells it (an argument's text to its ``%I``). Any other ``EXECUTE`` (a variable,
``'…' || x``) is only known when the block runs, and is skipped.

Blocks, branches, loops and ``DO`` blocks nested more than :data:`MAX_NESTING` deep, counted
together, are not read: the construct past the limit becomes one ``unread`` statement that
says so, and the reader stays within Python's stack however deep the input goes.
"""

from __future__ import annotations

import dataclasses
import threading
from typing import Callable

from migration_lsp.sql.facts import Fact, Guard, Kind, Span
from migration_lsp.sql.quote import sql_ident, sql_string
from migration_lsp.sql.split import split
from migration_lsp.sql.tokens import PUNCT, STRING, WORD, Tok, TokenError, tokenize

_PLPGSQL_STATEMENTS = frozenset({"RAISE", "PERFORM", "RETURN", "NULL", "GET", "EXIT", "CONTINUE", "OPEN", "CLOSE", "FETCH", "MOVE", "ASSERT", "CALL", "COMMIT", "ROLLBACK"})
_BLOCK_END = frozenset({"END", "EXCEPTION", "ELSIF", "ELSEIF", "ELSE", "WHEN"})
_SQL_VERBS = frozenset({"UPDATE", "DELETE", "INSERT", "SELECT", "WITH", "MERGE"})
_DML = frozenset({Kind.SELECT, Kind.INSERT, Kind.UPDATE, Kind.DELETE, Kind.MERGE, Kind.DML})
_OPENS = frozenset({"BEGIN", "IF", "LOOP", "WHILE", "FOR", "FOREACH", "CASE"})

MAX_NESTING = 64
# Levels open on this thread: a nested DO block is read by a walker of its own, inside the
# walker of the block that holds it, so the count spans them all.
_open = threading.local()


def _depth() -> int:
    return getattr(_open, "depth", 0)


def _set_depth(depth: int) -> None:
    _open.depth = depth


def read_do_block(fact: Fact, text: str, start: int, end: int, analyze: Callable[[str], Fact]) -> None:
    """Fill ``fact.children`` from the quoted body at ``text[start:end]``."""
    raw = text[start:end]
    if raw.startswith("$"):
        tag = raw[: raw.index("$", 1) + 1]
        body_start, body_end = start + len(tag), end - len(tag)
    else:
        body_start, body_end = start + raw.index("'") + 1, end - 1
        fact.quoted_body = Span(start, end)
    body = text[body_start:body_end]
    try:
        tokens = tokenize(body)
    except TokenError:
        return
    # In a quoted body, doubled quotes and backslashes stand for other text: the nested
    # statements PostgreSQL sees are not the ones written, so only the block's compilation
    # may judge their syntax.
    exact = raw.startswith("$") or not ("''" in body or "\\" in body)
    walker = _Walker(body, tokens, body_start, analyze, exact)
    depth = _depth()
    _set_depth(depth + 1)
    try:
        walker.block_list(())
    finally:
        _set_depth(depth)
    fact.children = walker.children


class _Walker:
    def __init__(self, body: str, toks: list[Tok], offset: int, analyze: Callable[[str], Fact], exact: bool) -> None:
        self.body = body
        self.toks = toks
        self.offset = offset
        self.analyze = analyze
        self.exact = exact
        self.i = 0
        self.children: list[Fact] = []

    def word(self, k: int = 0) -> str | None:
        j = self.i + k
        if j < len(self.toks) and self.toks[j].kind == WORD:
            return self.toks[j].value
        return None

    def punct(self, value: str, j: int | None = None) -> bool:
        j = self.i if j is None else j
        return j < len(self.toks) and self.toks[j].kind == PUNCT and self.toks[j].value == value

    def skip_to(self, kind: str, value: str) -> None:
        """Advance to the next token ``(kind, value)`` outside brackets (``;``, ``THEN``, ``LOOP``)."""
        depth = 0
        while self.i < len(self.toks):
            t = self.toks[self.i]
            if t.kind == PUNCT and t.value in ("(", "["):
                depth += 1
            elif t.kind == PUNCT and t.value in (")", "]"):
                depth -= 1
            elif depth <= 0 and t.kind == kind and t.value == value:
                return
            self.i += 1

    def skip_to_semicolon(self) -> int:
        """Advance past the next top-level semicolon; returns the index of that semicolon."""
        self.skip_to(PUNCT, ";")
        at = self.i
        self.i = min(at + 1, len(self.toks))
        return at

    def block_list(self, guards: tuple[Guard, ...]) -> None:
        """Statements until a word that closes the enclosing construct."""
        while self.i < len(self.toks):
            if self.word() in _BLOCK_END:
                return
            self.one(guards)

    def one(self, guards: tuple[Guard, ...]) -> None:
        w = self.word()
        if w in _OPENS:
            depth = _depth()
            if depth >= MAX_NESTING:
                self.unread()
                return
            _set_depth(depth + 1)
            try:
                self.construct(w, guards)
            finally:
                _set_depth(depth)
            return
        if self.punct("<") and self.punct("<", self.i + 1):  # <<label>>
            self.i += 2
            while self.i < len(self.toks) and not (self.punct(">") and self.punct(">", self.i + 1)):
                self.i += 1
            self.i += 2
            return
        if w == "DECLARE":
            self.i += 1
            while self.i < len(self.toks) and self.word() != "BEGIN":
                self.skip_to_semicolon()
            return
        if w == "EXECUTE":
            self.execute(guards)
            return
        if w in _PLPGSQL_STATEMENTS or self.is_assignment():
            self.skip_to_semicolon()
            return
        self.sql_statement(guards)

    def execute(self, guards: tuple[Guard, ...]) -> None:
        """``EXECUTE <constant> [INTO …] [USING …];``: the string's statements, where it spells them."""
        keyword = self.toks[self.i]
        semicolon = self.skip_to_semicolon()
        # In a quoted body the string is quoted twice over: its text is not read.
        if not self.exact:
            return
        end = self.toks[semicolon].start if semicolon < len(self.toks) else len(self.body)
        found = _command(self.body, keyword.end, end)
        if found is None:
            return
        text, where = found
        pieces, _ = split(text)
        for p in pieces:
            fact = self.analyze(text[p.start : p.end])
            offsets = tuple(o - where[p.start] for o in where[p.start : p.end + 1])
            exact = offsets == tuple(range(p.end - p.start + 1))
            # A DO block run by EXECUTE is read only where its text is the string's own: the
            # offsets of its statements would not map through the string's quoting.
            self.children.append(
                dataclasses.replace(
                    fact,
                    start=self.offset + where[p.start],
                    guards=guards,
                    executed=True,
                    offsets=None if exact else offsets,
                    children=fact.children if exact else [],
                )
            )

    def construct(self, w: str, guards: tuple[Guard, ...]) -> None:
        if w == "BEGIN":
            self.block(guards)
        elif w == "IF":
            self.if_statement(guards)
        elif w == "CASE":
            self.case(guards)
        else:
            # The loop header is not SQL the migration runs; the body is.
            self.skip_to(WORD, "LOOP")
            self.i += 1
            self.block_list(guards)
            self.accept_end("LOOP")

    def unread(self) -> None:
        """Stop at a construct past :data:`MAX_NESTING`: one statement says so, at its first word."""
        t = self.toks[self.i]
        message = f"blocks nested more than {MAX_NESTING} deep (counting DO blocks, IF, CASE and loops) are not read"
        self.children.append(Fact(Kind.UNREAD, self.body[t.start : t.end], start=self.offset + t.start, syntax_error=(message, 0, t.end - t.start)))
        self.i = len(self.toks)

    def is_assignment(self) -> bool:
        """``target := …`` or ``target = …``, where target is ``name[.name][[…]]…``."""
        t = self.toks[self.i]
        if not t.is_name or t.value in _SQL_VERBS:
            return False
        j = self.i + 1
        while j < len(self.toks):
            if self.punct(".", j) and j + 1 < len(self.toks) and self.toks[j + 1].is_name:
                j += 2
            elif self.punct("[", j):
                depth = 0
                while j < len(self.toks):
                    depth += self.punct("[", j) - self.punct("]", j)
                    j += 1
                    if depth == 0:
                        break
            else:
                break
        return self.punct(":=", j) or self.punct("=", j)

    def accept_end(self, what: str) -> None:
        """``END [IF | LOOP | CASE] [label];``"""
        if self.word() != "END":
            return
        self.i += 1
        if what and self.word() == what:
            self.i += 1
        if self.i < len(self.toks) and self.toks[self.i].is_name and not self.punct(";", self.i):
            self.i += 1  # the label of a loop or block
        if self.punct(";"):
            self.i += 1

    def block(self, guards: tuple[Guard, ...]) -> None:
        self.i += 1
        # The handler guards the statements of the block body, but comes after them: they
        # are recorded with a stand-in, replaced once the handler is read.
        pending = Guard("pending", Span(self.i, self.i))
        recorded = len(self.children)
        self.block_list((pending, *guards))
        in_body = len(self.children)
        handler: Guard | None = None
        if self.word() == "EXCEPTION":
            handler_start = self.i
            self.i += 1
            names: list[str] = []
            while self.word() == "WHEN":
                self.i += 1
                while self.i < len(self.toks) and self.word() != "THEN":
                    t = self.toks[self.i]
                    if t.kind == WORD and t.value not in ("OR", "SQLSTATE"):
                        names.append(t.value.lower())
                    elif t.kind == STRING:
                        names.append(t.value.upper())
                    self.i += 1
                self.i += 1
                self.block_list(guards)  # a handler's own statements are not guarded by it
            handler = Guard("exception", self._span(handler_start, self.i), exceptions=tuple(names))
        for child in self.children[recorded:in_body]:
            kept: list[Guard] = []
            for g in child.guards:
                if g is not pending:
                    kept.append(g)
                elif handler is not None:
                    kept.append(handler)
            child.guards = tuple(kept)
        self.accept_end("")

    def if_statement(self, guards: tuple[Guard, ...]) -> None:
        # A branch runs only when every condition before it was false: the ELSE of an
        # `IF EXISTS (…)` is as guarded as the THEN of an `IF NOT EXISTS (…)`.
        otherwise = guards
        while True:
            self.i += 1
            first = self.i
            self.skip_to(WORD, "THEN")
            guard = self.condition_guard(first, self.i)
            self.i += 1
            self.block_list((guard, *otherwise) if guard is not None else otherwise)
            if guard is not None:
                otherwise = (dataclasses.replace(guard, kind=_NEGATED[guard.kind]), *otherwise)
            if self.word() not in ("ELSIF", "ELSEIF"):
                break
        if self.word() == "ELSE":
            self.i += 1
            self.block_list(otherwise)
        self.accept_end("IF")

    def case(self, guards: tuple[Guard, ...]) -> None:
        self.i += 1
        while self.i < len(self.toks) and self.word() not in ("WHEN", "END"):
            self.i += 1
        while self.word() in ("WHEN", "ELSE"):
            if self.word() == "WHEN":
                self.skip_to(WORD, "THEN")
            self.i += 1
            self.block_list(guards)
        self.accept_end("CASE")

    def condition_guard(self, first: int, last: int) -> Guard | None:
        """``[NOT] EXISTS (SELECT … FROM catalog WHERE col = 'value' AND …)`` as a guard.

        ``(SELECT count(*) …) = 0`` is a ``NOT EXISTS`` written the long way round.
        """
        toks = self.toks[first:last]
        words = [t.value for t in toks if t.kind == WORD]
        if not words:
            return None
        if words[:2] == ["NOT", "EXISTS"]:
            kind = "not_exists"
        elif words[0] == "EXISTS":
            kind = "exists"
        elif "COUNT" in words and len(toks) >= 2 and toks[-1].value == "0" and toks[-2].kind == PUNCT:
            kind = {"=": "not_exists", ">": "exists", "<>": "exists", "!=": "exists"}.get(toks[-2].value, "")
            if not kind:
                return None
        else:
            return None
        catalog = None
        conditions = []
        for k, t in enumerate(toks):
            if t.is_word("FROM") and catalog is None and k + 1 < len(toks) and toks[k + 1].is_name:
                catalog, _ = _dotted(toks, k + 1)
            if t.kind == PUNCT and t.value == "=" and 0 < k < len(toks) - 1:
                left, right = toks[k - 1], toks[k + 1]
                if left.is_name and right.kind == STRING:
                    conditions.append((left.ident, right.value, self._tok_span(right)))
                elif right.is_name and left.kind == STRING:
                    column = _dotted(toks, k + 1)[0].rsplit(".", 1)[-1]
                    conditions.append((column, left.value, self._tok_span(left)))
        return Guard(kind, self._span(first, last), catalog=catalog, conditions=tuple(conditions))

    def sql_statement(self, guards: tuple[Guard, ...]) -> None:
        first = self.i
        semicolon = self.skip_to_semicolon()
        last = min(semicolon, len(self.toks))
        if last <= first:
            return
        start = self.toks[first].start
        end = self.toks[last - 1].end
        fact = self.analyze(self.body[start:end])
        # PL/pgSQL gives DML clauses of its own (`SELECT … INTO STRICT var`, `RETURNING …
        # INTO var`) that plain SQL rejects; the body's compilation judges those.
        error = None if fact.kind in _DML or not self.exact else fact.syntax_error
        # The analysis is cached by text and shared: place a copy, not the original.
        self.children.append(dataclasses.replace(fact, start=self.offset + start, guards=guards, syntax_error=error))

    def _span(self, first: int, last: int) -> Span:
        if first >= len(self.toks):
            return Span(self.offset + len(self.body), self.offset + len(self.body))
        last_tok = self.toks[min(last, len(self.toks)) - 1]
        return Span(self.offset + self.toks[first].start, self.offset + last_tok.end)

    def _tok_span(self, t: Tok) -> Span:
        return Span(self.offset + t.start, self.offset + t.end)


_NEGATED = {"exists": "not_exists", "not_exists": "exists"}


def _dotted(toks: list[Tok], k: int) -> tuple[str, int]:
    """The dotted name starting at ``toks[k]``, and the index just after it."""
    parts = [toks[k].ident]
    k += 1
    while k + 1 < len(toks) and toks[k].kind == PUNCT and toks[k].value == "." and toks[k + 1].is_name:
        parts.append(toks[k + 1].ident)
        k += 2
    return ".".join(parts), k


def _command(body: str, start: int, end: int) -> tuple[str, list[int]] | None:
    """The SQL a constant ``EXECUTE`` expression at ``body[start:end]`` runs, and where each of
    its characters (and its end) is in ``body``; None unless the expression is a constant."""
    try:
        toks = tokenize(body[start:end])
    except TokenError:
        return None
    # The dynamic command ends where INTO or USING begins.
    depth = 0
    for k, t in enumerate(toks):
        depth += t.kind == PUNCT and t.value == "("
        depth -= t.kind == PUNCT and t.value == ")"
        if depth == 0 and t.is_word("INTO", "USING"):
            toks = toks[:k]
            break
    if len(toks) == 1 and toks[0].kind == STRING:
        found = _string(body[start + toks[0].start : start + toks[0].end])
        return None if found is None else (found[0], [start + toks[0].start + o for o in found[1]])
    if len(toks) >= 4 and toks[0].is_word("FORMAT") and toks[1].kind == PUNCT and toks[1].value == "(" and toks[-1].kind == PUNCT and toks[-1].value == ")":
        inside = toks[2:-1]
        strings = inside[::2]
        if any(t.kind != STRING for t in strings) or any(t.kind != PUNCT or t.value != "," for t in inside[1::2]) or len(inside) % 2 == 0:
            return None
        values = [v for t in strings if (v := _string(body[start + t.start : start + t.end])) is not None]
        if len(values) != len(strings):
            return None
        fmt, fmt_at = values[0]
        return _format(fmt, [start + strings[0].start + o for o in fmt_at], [value for value, _ in values[1:]])
    return None


def _string(raw: str) -> tuple[str, list[int]] | None:
    """The value of the string constant ``raw``, and where each of its characters (and its end)
    is in ``raw``; None for a form whose value is not read (``U&'…'``, ``B'…'``)."""
    if raw.startswith("$"):
        tag = raw[: raw.index("$", 1) + 1]
        value = raw[len(tag) : len(raw) - len(tag)]
        return value, list(range(len(tag), len(tag) + len(value) + 1))
    escapes = raw[:1] in ("e", "E")
    first = 2 if escapes else 1
    if raw[first - 1 : first] != "'" or not raw.endswith("'"):
        return None
    last = len(raw) - 1
    chars: list[str] = []
    at: list[int] = []
    i = first
    while i < last:
        at.append(i)
        if raw[i] == "'":  # doubled
            chars.append("'")
            i += 2
        elif escapes and raw[i] == "\\":
            cooked, length = _escape(raw, i, last)
            if cooked is None:
                return None
            chars.append(cooked)
            i += length
        else:
            chars.append(raw[i])
            i += 1
    at.append(last)
    return "".join(chars), at


_E_ESCAPES = {"b": "\b", "f": "\f", "n": "\n", "r": "\r", "t": "\t"}


def _escape(raw: str, i: int, last: int) -> tuple[str | None, int]:
    """The character an ``E'…'`` escape at ``raw[i] == '\\'`` stands for, and its length."""
    c = raw[i + 1] if i + 1 < last else ""
    if c in _E_ESCAPES:
        return _E_ESCAPES[c], 2
    for lead, width, digits in (("x", 2, "0123456789abcdefABCDEF"), ("u", 4, "0123456789abcdefABCDEF"), ("U", 8, "0123456789abcdefABCDEF"), ("", 3, "01234567")):
        if c and (c == lead or (not lead and c in digits)):
            skip = len(lead)
            j = i + 1 + skip
            while j < min(last, i + 1 + skip + width) and raw[j] in digits:
                j += 1
            code = raw[i + 1 + skip : j]
            if not code or (lead in ("u", "U") and len(code) != width) or int(code, 16 if lead else 8) > 0x10FFFF:
                return None, 0
            return chr(int(code, 16 if lead else 8)), j - i
    return (c, 2) if c else (None, 0)


def _format(fmt: str, at: list[int], args: list[str]) -> tuple[str, list[int]] | None:
    """What ``format(fmt, args…)`` returns, for ``%I``, ``%L``, ``%s`` and ``%%``; each character
    of an argument is placed at its ``%``. None for anything else (positions, widths, nulls)."""
    chars: list[str] = []
    where: list[int] = []
    i = 0
    used = 0
    while i < len(fmt):
        if fmt[i] != "%":
            chars.append(fmt[i])
            where.append(at[i])
            i += 1
            continue
        spec = fmt[i + 1 : i + 2]
        if spec == "%":
            value = "%"
        elif spec in ("I", "L", "s") and used < len(args):
            arg = args[used]
            used += 1
            if spec == "L" and "\\" in arg:
                return None  # quote_literal writes E'…' then: not the text sql_string writes
            value = sql_ident(arg) if spec == "I" else sql_string(arg) if spec == "L" else arg
        else:
            return None
        chars.extend(value)
        where.extend([at[i]] * len(value))
        i += 2
    where.append(at[len(fmt)])
    return "".join(chars), where
