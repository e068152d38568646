"""A cursor over one statement's tokens: the words, names and brackets every statement's grammar reads."""

from __future__ import annotations

from migration_lsp.sql.facts import Fact, Name, Span
from migration_lsp.sql.tokens import PUNCT, WORD, Tok


class TokenReader:
    """The tokens of one statement and a position ``i`` in them, which the grammars move on."""

    def __init__(self, text: str, tokens: list[Tok], dialect: str) -> None:
        self.text = text
        self.toks = tokens
        self.dialect = dialect
        self.i = 0

    def peek(self, k: int = 0) -> Tok | None:
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else None

    def word(self, k: int = 0) -> str | None:
        # peek()'s lookup, written out: every grammar asks for words at each token, and the call
        # of peek() each time cost more than reading the token.
        j = self.i + k
        if j < len(self.toks):
            t = self.toks[j]
            if t.kind == WORD:
                return t.value
        return None

    def at(self, *words: str) -> bool:
        # Asked before every clause of every statement: the tokens are read here, not through
        # a call of word() for each.
        toks, i = self.toks, self.i
        if i + len(words) > len(toks):
            return False
        for k, w in enumerate(words):
            t = toks[i + k]
            if t.kind != WORD or t.value != w:
                return False
        return True

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

    def paren_names(self) -> tuple[str, ...]:
        inner = self.skip_parens()
        if inner is None:
            return ()
        return tuple(self.toks[k].ident for k in range(*inner) if self.toks[k].is_name)

    def named(self, fact: Fact) -> None:
        named = self.name()
        if named is not None:
            fact.name, fact.name_span = named

    def target(self, fact: Fact) -> None:
        self.accept("ONLY")
        named = self.name()
        if named is not None:
            fact.table, fact.table_span = named
