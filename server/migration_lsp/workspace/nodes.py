"""Reading tree-sitter nodes of one file: their text, their spans and their string values."""

from __future__ import annotations

import tree_sitter as ts

from migration_lsp.locate.typescript import ByteToChar

# Wrappers that leave a value as it is: `x as T`, `x satisfies T`, `(x)`, `x!`.
UNWRAP = frozenset({"as_expression", "satisfies_expression", "parenthesized_expression", "non_null_expression"})


class NodeText:
    """The text of one file, read through its nodes; offsets are ``str`` offsets, never bytes."""

    def __init__(self, text: str, to_char: ByteToChar) -> None:
        self.text = text
        self.to_char = to_char
        # Most files are ASCII, where a byte offset is a character offset: the few hundred
        # thousand nodes a large workspace reads need no conversion then.
        self._ascii = text.isascii()

    def src(self, node: ts.Node) -> str:
        if self._ascii:
            return self.text[node.start_byte : node.end_byte]
        return self.text[self.to_char(node.start_byte) : self.to_char(node.end_byte)]

    def span(self, node: ts.Node) -> tuple[int, int]:
        if self._ascii:
            return node.start_byte, node.end_byte
        return self.to_char(node.start_byte), self.to_char(node.end_byte)

    def string_value(self, node: ts.Node | None) -> str | None:
        """The value of a string literal, or of a backtick string without substitutions."""
        while node is not None and node.type in UNWRAP:
            node = node.named_children[0] if node.named_children else None
        if node is None or node.type not in ("string", "template_string"):
            return None
        if node.type == "template_string" and any(c.type == "template_substitution" for c in node.children):
            return None
        inner = self.src(node)[1:-1]
        return None if "\\" in inner else inner
