"""A tree moved for an edit inside a string (instead of parsed again) is the tree a parse of
the new text gives: same nodes, same kinds, same places."""

from __future__ import annotations

import tree_sitter as ts
import tree_sitter_typescript as tst
from fuzzing import Source, edit, examples, typescript
from hypothesis import given, settings
from hypothesis import strategies as st

from migration_lsp.locate.typescript import parse

_FRESH = ts.Parser(ts.Language(tst.language_typescript()))


def _nodes(tree: ts.Tree) -> list[tuple[str, int, int, tuple[int, int], tuple[int, int]]]:
    found = []
    stack = [tree.root_node]
    while stack:
        n = stack.pop()
        found.append((n.type, n.start_byte, n.end_byte, n.start_point, n.end_point))
        stack.extend(n.children)
    return found


def _fresh(text: str) -> ts.Tree:
    return _FRESH.parse(text.encode("utf-8", "surrogatepass"))


@settings(max_examples=examples(300))
@given(typescript(), st.data())
def test_the_tree_of_an_edited_text_is_that_of_a_fresh_parse(source: Source, data: st.DataObject) -> None:
    text = source.text
    parse(text, "a.ts")
    for _ in range(data.draw(st.integers(1, 6))):
        start, end, typed = data.draw(edit(text))
        text = text[:start] + typed + text[end:]
        tree, _ = parse(text, "a.ts")
        fresh = _fresh(text)
        if not fresh.root_node.has_error:  # a text with errors is parsed again, with its escapes patched
            assert _nodes(tree) == _nodes(fresh)


LITERAL = "const MIGRATION_SQL = `\nCREATE TABLE a (id int);\n${X}\nCREATE TABLE é (id int);\n`;\nconst s = 'abc def';\nexport {};\n"


def test_typing_anywhere_in_a_literal_gives_the_fresh_tree() -> None:
    # Every character that can end a run of a string, or start an escape or a substitution,
    # typed at every place of the file, and deleting each character.
    for typed in ("x", "\n", "é", "$", "{", "`", "\\", "'", '"', "}", "${"):
        for at in range(len(LITERAL) + 1):
            parse(LITERAL, "a.ts")
            text = LITERAL[:at] + typed + LITERAL[at:]
            if not _fresh(text).root_node.has_error:
                assert _nodes(parse(text, "a.ts")[0]) == _nodes(_fresh(text)), (typed, at)
    for at in range(len(LITERAL)):
        parse(LITERAL, "a.ts")
        text = LITERAL[:at] + LITERAL[at + 1 :]
        if not _fresh(text).root_node.has_error:
            assert _nodes(parse(text, "a.ts")[0]) == _nodes(_fresh(text)), at


def test_deleting_what_keeps_a_dollar_and_a_brace_apart_parses_again() -> None:
    before = "const MIGRATION_SQL = `a $x{b} c`;\n"
    parse(before, "a.ts")
    after = before.replace("$x{", "${")
    assert _nodes(parse(after, "a.ts")[0]) == _nodes(_fresh(after))
    assert any(n[0] == "template_substitution" for n in _nodes(parse(after, "a.ts")[0]))


def test_rows_counted_from_the_last_edit_hold_wherever_the_next_one_is() -> None:
    # Each edit's rows are counted from where the one before it was: after it, before it, on
    # its line, and across lines it added or removed.
    lines = "".join(f"CREATE TABLE t{i} (id int);\n" for i in range(80))
    text = f"const MIGRATION_SQL = `\n{lines}`;\nexport {{}};\n"
    parse(text, "a.ts")
    for at, typed, removed in ((900, "x", 0), (100, "y\nz", 0), (101, "", 3), (1900, "\n\n", 0), (1901, "w", 1), (30, "v", 0), (1200, "", 30)):
        text = text[:at] + typed + text[at + removed :]
        assert _nodes(parse(text, "a.ts")[0]) == _nodes(_fresh(text)), (at, typed)
