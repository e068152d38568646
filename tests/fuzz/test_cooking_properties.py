"""The locator cooks a literal exactly as Node does, and refuses the ones Node rejects."""

from __future__ import annotations

from fuzzing import LITERAL_PIECES, Node, examples, quoted
from hypothesis import example, given, settings
from hypothesis import strategies as st

from migration_lsp.locate.typescript import find_literals

NAMES = frozenset({"MIGRATION_SQL"})
# Each kind of literal the locator cooks, around a body.
WRAPPERS = ["`{}`", "`{}`", "String.raw`{}`", "sql`{}`", "'{}'", '"{}"']


@settings(max_examples=examples(150))
@given(st.lists(st.tuples(st.sampled_from(WRAPPERS), LITERAL_PIECES), min_size=1, max_size=10))
@example([("'{}'", ["a", "\r\n"]), ('"{}"', ["\n", '"', " ", '\\"']), ('"{}"', ["a", "\n"]), ("'{}'", ["a", "\\\r\n"]), ("String.raw`{}`", ["\\xZZ", "\\u00E"])])
# Escapes a quoted string forbids in strict mode code, as a module's is: refused, not cooked.
@example([("'{}'", ["\\1"]), ("'{}'", ["\\0", "8"]), ("'{}'", ["\\8"]), ('"{}"', ["\\u{110000}"]), ("'{}'", ["a", "\\xZZ"])])
# tree-sitter's recovery from `\xZZ` once read the `"` as opening a string that swallowed the
# closing backtick: no node of the tree was the template.
@example([("String.raw`{}`", ["\\xZZ", "\\udc00", '"', "中", "\\u{10FFFF}"]), ("sql`{}`", ["\\u", "'", "\\x4"])])
# A high surrogate and a low one are one character, however each is written.
@example([("`{}`", ["\\u{D800}", "\\udc00"]), ("'{}'", ["\\ud83d", "\\\n", "\\u{DC64}"])])
def test_cooking_agrees_with_node(node: Node, literals: list[tuple[str, list[str]]]) -> None:
    for wrapper, pieces in literals:
        _agree(node, quoted(wrapper, pieces))


def _agree(node: Node, value: str) -> None:
    """Node and the locator agree on ``value``: the same code points, or both refuse it."""
    judged = node.ask("cook", value)
    found = find_literals(f"export const MIGRATION_SQL = {value};\n", "a.ts", NAMES)
    if not judged["ok"]:
        assert found.literals == [] and found.notices, (value, judged["error"])
        return
    assert len(found.literals) == 1, (value, found.notices)
    assert [ord(c) for c in found.literals[0].sql] == judged["codes"], value
