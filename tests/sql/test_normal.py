"""Expressions compared in a normal form: white space and outer parentheses do not count."""

from __future__ import annotations

from migration_lsp.sql.normal import normal, unwrap


def test_white_space_and_outer_parentheses_do_not_count() -> None:
    assert normal("(price  >\n 0)") == normal("price > 0")
    assert normal("((price > 0))") == normal("price > 0")


def test_what_differs_in_tokens_still_differs() -> None:
    assert normal("price > 0") != normal("price >= 0")
    assert normal("NUMERIC(10, 2)") != normal("NUMERIC(12, 2)")


def test_none_is_the_empty_expression() -> None:
    assert normal(None) == ""


def test_a_string_is_told_apart_from_no_expression_and_from_a_name() -> None:
    assert normal("''") != normal(None)
    assert normal("'active'") != normal('"active"')
    assert normal("'it''s'") == normal("$$it's$$") == normal("E'it\\'s'")


def test_text_that_cannot_be_tokenised_compares_by_its_words() -> None:
    assert normal("'open  quote") == "'open quote"


def test_unwrap_keeps_parentheses_that_do_not_hold_all_of_it() -> None:
    assert unwrap(" (a > 0) ") == "a > 0"
    assert unwrap("((a > 0))") == "a > 0"
    assert unwrap("(a > 0) AND (b > 0)") == "(a > 0) AND (b > 0)"
    assert unwrap("(a))(") == "(a))("
