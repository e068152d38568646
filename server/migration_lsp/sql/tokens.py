"""sqlglot's tokens of the literal's dialect, in the shape the statement reader needs.

sqlglot folds some keyword pairs into one token (``PRIMARY KEY``, ``ORDER BY``); they are
split back into words here so that the reader matches one word at a time.
"""

from __future__ import annotations

import threading
from dataclasses import dataclass

from sqlglot.dialects.dialect import Dialect
from sqlglot.errors import TokenError
from sqlglot.tokens import Tokenizer, TokenType

WORD, IDENT, STRING, NUMBER, PUNCT = "word", "ident", "string", "number", "punct"

_STRINGS = frozenset(
    {
        TokenType.STRING,
        TokenType.BIT_STRING,
        TokenType.HEX_STRING,
        TokenType.BYTE_STRING,
        TokenType.NATIONAL_STRING,
        TokenType.RAW_STRING,
        TokenType.HEREDOC_STRING,
        TokenType.UNICODE_STRING,
    }
)
_KINDS = {TokenType.IDENTIFIER: IDENT, TokenType.NUMBER: NUMBER, **dict.fromkeys(_STRINGS, STRING)}


# Not frozen: a frozen dataclass's __init__ sets each field through object.__setattr__, which made
# building the tokens cost more than sqlglot's tokenizing them. Nothing changes a token.
@dataclass(slots=True)
class Tok:
    kind: str
    value: str  # words upper-cased, unquoted identifiers lower-cased, strings unquoted
    start: int
    end: int  # exclusive

    def is_word(self, *words: str) -> bool:
        return self.kind == WORD and self.value in words

    @property
    def is_name(self) -> bool:
        return self.kind in (WORD, IDENT)

    @property
    def ident(self) -> str:
        """The identifier this token spells: unquoted names fold to lower case."""
        return self.value if self.kind == IDENT else self.value.lower()


# Each thread's tokenizer of each dialect: sqlglot's Dialect.tokenize makes a new one for every
# text, which costs a third as much as the tokenizing itself; a tokenizer holds the state of the
# text it reads, so threads do not share one.
_tokenizers = threading.local()


def _tokenizer(dialect: str) -> Tokenizer:
    found: Tokenizer | None = getattr(_tokenizers, dialect, None)
    if found is None:
        found = Dialect.get_or_raise(dialect).tokenizer()
        setattr(_tokenizers, dialect, found)
    return found


def tokenize(text: str, dialect: str = "postgres") -> list[Tok]:
    """Tokens of ``text`` in ``dialect``; raises :class:`TokenError` on an unterminated quote."""
    out: list[Tok] = []
    add = out.append
    kind_of = _KINDS.get
    for t in _tokenizer(dialect).tokenize(text):
        value, start, end = t.text, t.start, t.end + 1
        kind = kind_of(t.token_type)
        if kind is not None:
            add(Tok(kind, value, start, end))
            continue
        first = value[:1]
        if not (first.isalpha() or first == "_" or first > "\x7f"):  # PostgreSQL takes any non-ASCII character as a letter
            add(Tok(PUNCT, value, start, end))
            continue
        raw = text[start:end]
        if " " in raw or "\n" in raw or "\t" in raw:
            pos = start
            for part in raw.split():
                at = text.index(part, pos)
                add(Tok(WORD, part.upper(), at, at + len(part)))
                pos = at + len(part)
        else:
            add(Tok(WORD, value.upper(), start, end))
    return out


__all__ = ["Tok", "TokenError", "tokenize", "WORD", "IDENT", "STRING", "NUMBER", "PUNCT"]
