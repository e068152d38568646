"""sqlglot's tokens in the shape the statement reader matches on."""

from __future__ import annotations

import pytest

from migration_lsp.sql.tokens import IDENT, NUMBER, PUNCT, STRING, WORD, TokenError, tokenize


def kinds(text: str) -> list[tuple[str, str]]:
    return [(t.kind, t.value) for t in tokenize(text)]


def test_keyword_pairs_are_split_into_words_with_their_own_spans() -> None:
    text = "id int PRIMARY   KEY, ORDER\nBY x"
    toks = tokenize(text)
    assert [(t.value, text[t.start : t.end]) for t in toks if t.kind == WORD] == [
        ("ID", "id"),
        ("INT", "int"),
        ("PRIMARY", "PRIMARY"),
        ("KEY", "KEY"),
        ("ORDER", "ORDER"),
        ("BY", "BY"),
        ("X", "x"),
    ]


def test_words_and_identifiers() -> None:
    toks = tokenize('Mason_Users "Mason Users" "a""b"')
    assert [(t.kind, t.value, t.ident) for t in toks] == [
        (WORD, "MASON_USERS", "mason_users"),
        (IDENT, "Mason Users", "Mason Users"),
        (IDENT, 'a"b', 'a"b'),
    ]


@pytest.mark.parametrize(
    ("text", "value"),
    [
        ("'it''s'", "it's"),
        (r"E'it\'s'", "it's"),
        ("$$ a; 'b' $$", " a; 'b' "),
        ("$fn$ $$ $fn$", " $$ "),
    ],
)
def test_strings_are_unquoted(text: str, value: str) -> None:
    (tok,) = tokenize(text)
    assert (tok.kind, tok.value, tok.start, tok.end) == (STRING, value, 0, len(text))


def test_numbers_and_punctuation() -> None:
    assert kinds("x := 1.5::numeric;") == [
        (WORD, "X"),
        (PUNCT, ":="),
        (NUMBER, "1.5"),
        (PUNCT, "::"),
        (WORD, "NUMERIC"),
        (PUNCT, ";"),
    ]


@pytest.mark.parametrize("text", ["SELECT 'open", "SELECT $$ open"])
def test_unterminated_quotes_raise(text: str) -> None:
    with pytest.raises(TokenError):
        tokenize(text)


def test_non_ascii_letters_start_unquoted_identifiers() -> None:
    toks = tokenize("CREATE TABLE 😀items (id int)")
    assert (toks[2].kind, toks[2].ident) == (WORD, "😀items")
