"""The locator cooks a literal exactly as Node does, and refuses the ones Node rejects."""

from __future__ import annotations

import pytest
from fuzzing import LITERAL_PIECES, Node, examples, quoted
from hypothesis import example, given, settings
from hypothesis import strategies as st

from migration_lsp.locate.typescript import find_literals

NAMES = frozenset({"MIGRATION_SQL"})
# Each kind of literal the locator cooks, around a body.
WRAPPERS = ["`{}`", "`{}`", "String.raw`{}`", "sql`{}`", "'{}'", '"{}"']


@settings(max_examples=examples(150))
@given(st.lists(st.tuples(st.sampled_from(WRAPPERS), LITERAL_PIECES), min_size=1, max_size=10))
@example([("'{}'", ["a", "\r\n"]), ('"{}"', ["a", "\n"]), ("'{}'", ["a", "\\\r\n"]), ("String.raw`{}`", ["\\xZZ", "\\u00E"])])
def test_cooking_agrees_with_node(node: Node, literals: list[tuple[str, list[str]]]) -> None:
    for wrapper, pieces in literals:
        if wrapper[0] in "'\"":
            pieces = [p for p in pieces if p not in LEGACY]  # see the tests below
        elif wrapper[0] != "`":
            pieces = [p for p in pieces if p not in MALFORMED]
        _agree(node, quoted(wrapper, pieces))


# Escapes a quoted string forbids (in a module, strict: legacy octal, `\8` and `\9` too),
# which the locator cooks all the same.
LEGACY = ("\\0", "\\1", "\\8", "\\u{110000}")


@pytest.mark.xfail(strict=True, reason="a quoted string with an escape JavaScript forbids there is cooked, not refused")
@pytest.mark.parametrize("value", ["'\\1'", "'\\08'", "'\\8'", "'\\u{110000}'"])
def test_an_escape_a_string_forbids_is_refused(node: Node, value: str) -> None:
    _agree(node, value)


# Escapes that do not cook, valid in a tagged template: the grammar rejects them, and when
# its error recovery spreads past the escape the literal is refused, not checked.
MALFORMED = ("\\x4", "\\xZZ", "\\u00E", "\\u", "\\u{}")


@pytest.mark.xfail(strict=True, reason="tree-sitter's recovery from a malformed escape can spread over the whole tagged template")
def test_string_raw_with_a_malformed_escape_is_always_checked(node: Node) -> None:
    _agree(node, 'String.raw`\\xZZ\\udc00"中\\u{10FFFF}`')


def _agree(node: Node, value: str) -> None:
    """Node and the locator agree on ``value``: the same code points, or both refuse it."""
    judged = node.ask("cook", value)
    found = find_literals(f"export const MIGRATION_SQL = {value};\n", "a.ts", NAMES)
    if not judged["ok"]:
        assert found.literals == [] and found.notices, (value, judged["error"])
        return
    assert len(found.literals) == 1, (value, found.notices)
    assert [ord(c) for c in found.literals[0].sql] == judged["codes"], value
