"""sqlglot's tokens in the shape the statement reader matches on."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

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


def test_threads_tokenizing_at_once_each_get_their_own_tokens() -> None:
    # A tokenizer is kept per thread and dialect; a text read in one thread never mixes with another's.
    texts = [f"CREATE TABLE IF NOT EXISTS t{i} (id INT PRIMARY KEY, name_{i} TEXT DEFAULT 'x{i}')" for i in range(40)]
    alone = [tokenize(t) for t in texts]
    with ThreadPoolExecutor(max_workers=4) as pool:
        together = list(pool.map(tokenize, texts * 5))
    assert together == alone * 5
    assert tokenize("SELECT 1") == tokenize("SELECT 1")  # read again by the same tokenizer


def test_a_text_that_fails_to_tokenize_leaves_nothing_behind_for_the_next() -> None:
    with pytest.raises(TokenError):
        tokenize("SELECT 'unterminated")
    assert kinds("SELECT 1") == [(WORD, "SELECT"), (NUMBER, "1")]
