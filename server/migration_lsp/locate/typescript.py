"""Find migration literals in TypeScript and JavaScript with tree-sitter, and cook them.

Cooking follows ECMAScript exactly (escapes, line continuations, CRLF normalisation in
templates) so that the SQL the rules read is the SQL the app sends, and every SQL character
keeps a map back to its source text.
"""

from __future__ import annotations

import bisect
import functools
import re
import threading
from dataclasses import dataclass, field
from pathlib import PurePath
from typing import Callable, Literal, Sequence

import tree_sitter as ts
import tree_sitter_typescript as tst

from migration_lsp.positions import (
    Segment,
    SourceMap,
    escape_for_string,
    escape_for_template,
    unchanged_ends,
)

CODE_SUFFIXES = frozenset({".ts", ".tsx", ".mts", ".cts", ".js", ".jsx", ".mjs", ".cjs"})

# Placeholder text that stands for a ${…} substitution: an identifier, so that a statement
# such as `CREATE INDEX ON ${table} (id)` still parses, and easy to recognise later.
PLACEHOLDER_PREFIX = "__migration_lsp_sub"
PLACEHOLDER = re.compile(re.escape(PLACEHOLDER_PREFIX) + r"(\d+)")  # group 1: which substitution

LiteralKind = Literal["template", "raw", "string"]
# A part is a literal, or the separator that `.join(…)` puts between an array's literals:
# code, not SQL in the document, so nothing can be written there.
PartKind = Literal["template", "raw", "string", "separator"]


@dataclass(frozen=True)
class Unknown:
    """Why a value is only known when the app runs, said of the expression: "is a parameter of
    the function f"."""

    why: str


# What an import brings: (module specifier, exported name) → the constant's value, or why not.
ImportResolver = Callable[[str, str], "str | Unknown"]


@dataclass(frozen=True)
class Substitution:
    """A ``${…}`` whose value only the app knows: a placeholder stands for it in the SQL."""

    start: int  # the placeholder's SQL span
    end: int
    why: str  # "`${t}` is a parameter of the function f"


@dataclass(frozen=True)
class LiteralPart:
    """One quoted literal of a migration's SQL: a concatenation has several."""

    sql_start: int  # where its cooked text starts in the migration's SQL
    kind: PartKind
    quote: str  # "" for a separator


@dataclass(eq=False)
class MigrationLiteral:
    """One migration SQL literal: its cooked text and where each character came from."""

    name: str
    parts: list[LiteralPart]  # by sql_start; one unless literals are joined with `+` or `.join(…)`
    sql: str
    source_map: SourceMap
    doc_start: int  # opening quote of the first part
    doc_end: int  # just after the closing quote of the last part
    declaration_start: int  # start of the declaring statement, for `//` suppressions above it
    newline: str = "\n"  # the document's line break, used in inserted text
    substitutions: list[Substitution] = field(default_factory=list)
    # SQL spans of the values of `${X}` substitutions whose X is a constant: checked as SQL,
    # mapped to the whole `${X}`, and never edited (the text is the constant's, elsewhere).
    constants: list[tuple[int, int]] = field(default_factory=list)

    def doc_span(self, start: int, end: int) -> tuple[int, int]:
        return self.source_map.to_doc(start), self.source_map.to_doc_end(end)

    def part_at(self, at: int) -> LiteralPart:
        """The part that text inserted at SQL offset ``at`` lands in: the one ``to_doc`` maps to."""
        i = bisect.bisect_right([p.sql_start for p in self.parts], at) - 1
        return self.parts[max(i, 0)]

    def spans_parts(self, start: int, end: int) -> bool:
        """Does SQL ``[start, end)`` reach from one part into another? No edit can replace it:
        the text between the parts (`` ` + ` ``) is code, not SQL."""
        return end > start and self.part_at(start) is not self.part_at(end - 1)

    def escape(self, sql: str, at: int) -> str:
        """Write SQL text so that, inserted at SQL offset ``at``, it cooks to ``sql``."""
        part = self.part_at(at)
        if part.kind == "string":
            return escape_for_string(sql, part.quote)
        # String.raw cannot escape anything; SQL written into it needs no escaping.
        escaped = escape_for_template(sql) if part.kind == "template" else sql
        return escaped.replace("\n", self.newline) if self.newline != "\n" else escaped

    def can_hold(self, sql: str, at: int) -> bool:
        """Can :meth:`escape` write ``sql`` at ``at``? ``String.raw`` escapes nothing:
        a backtick would end it, ``${`` open a substitution, and a backslash at the end of
        inserted text would escape whatever follows."""
        kind = self.part_at(at).kind
        return kind != "separator" and (kind != "raw" or not ("`" in sql or "${" in sql or sql.endswith("\\") or sql.endswith("$")))

    def has_substitution(self, start: int, end: int) -> bool:
        """Does SQL ``[start, end)`` hold a placeholder, text only the app knows?"""
        return any(s.start < end and s.end > start for s in self.substitutions)

    def from_code(self, start: int, end: int) -> bool:
        """Does SQL ``[start, end)`` hold text that a ``${…}`` writes, a constant's or the app's?
        A fix that copies it would spell out what the code keeps in one place."""
        return self.has_substitution(start, end) or any(s < end and e > start for s, e in self.constants)

    def splits_constant(self, start: int, end: int) -> bool:
        """Would replacing SQL ``[start, end)`` (inserting, when empty) change a constant's text?"""
        if start == end:
            return any(s < start < e for s, e in self.constants)
        return any(s < end and e > start for s, e in self.constants)


@dataclass(frozen=True)
class Notice:
    """Input the checker could not read fully; reported, never raised."""

    message: str
    offset: int | None = None


@dataclass
class LocateResult:
    literals: list[MigrationLiteral]
    notices: list[Notice]


@functools.cache
def _language(suffix: str) -> ts.Language:
    if suffix in (".tsx", ".jsx"):
        return ts.Language(tst.language_tsx())
    # The TypeScript grammar is a superset of JavaScript's for everything we look at.
    return ts.Language(tst.language_typescript())


@functools.cache
def _parser(suffix: str) -> ts.Parser:
    return ts.Parser(_language(suffix))


def _grammar_key(path: str | PurePath) -> str:
    suffix = (path if isinstance(path, PurePath) else PurePath(path)).suffix.lower()
    return ".tsx" if suffix in (".tsx", ".jsx") else ".ts"


def parse(text: str, path: str | PurePath) -> tuple[ts.Tree, bytes]:
    """The syntax tree of ``text``, with every malformed ``\\x`` or ``\\u`` escape read as an escape.

    A text is parsed once for everyone who reads its tree: the locator, the code index and
    completion each ask for it in turn, so the latest few trees are kept.
    """
    return _trees.get(text, _grammar_key(path))


def parse_alone(text: str, path: str | PurePath) -> ts.Tree:
    """:func:`parse` for a text no one else reads the tree of (a worker process reading a
    workspace's files one after the other): parsed whole, not kept."""
    return _parsed(text.encode("utf-8", "surrogatepass"), _grammar_key(path))


class _Trees:
    """The latest few trees, by text and grammar; a text typed into a string of the newest one
    moves that tree instead of parsing the text again.

    A migration literal is one string token of the TypeScript grammar, which tree-sitter lexes
    again whole when a character changes in it, incremental parse or not: the whole file, for
    a file that is mostly SQL. When the change lies inside one run of a string's characters
    and neither the change nor the characters around it can end the run (a closing quote, an
    escape, a ``${``), every token is as it was but that run's length, so the old tree with
    its positions moved (``Tree.edit``) is the tree of the new text.
    """

    SIZE = 4

    def __init__(self) -> None:
        # By text and grammar, oldest first: the tree, the text's bytes, and a line the tree was
        # last moved at (its byte offset and its row; (0, 0) for a tree parsed whole). The next
        # keystroke is most often near it: its rows are counted from there.
        self._kept: dict[tuple[str, str], tuple[ts.Tree, bytes, tuple[int, int]]] = {}
        self._lock = threading.Lock()  # --check reads files on several threads

    def get(self, text: str, grammar: str) -> tuple[ts.Tree, bytes]:
        key = (text, grammar)
        with self._lock:
            found = self._kept.get(key)
            newest = next((k for k in reversed(self._kept) if k[1] == grammar), None)
            last = self._kept[newest] if newest is not None else None
        if found is None:
            data = text.encode("utf-8", "surrogatepass")
            moved = _moved(newest[0], last[0], last[1], text, data, last[2]) if newest is not None and last is not None else None
            tree, mark = moved if moved is not None else (_parsed(data, grammar), (0, 0))
            found = (tree, data, mark)
            with self._lock:
                self._kept[key] = found
                while len(self._kept) > self.SIZE:
                    del self._kept[next(iter(self._kept))]
        return found[0], found[1]


_trees = _Trees()

# What can end or split a run of a string's characters, by the kind of string holding it.
_RUN_ENDS = {"template_string": "`$\\{", "string": "'\"\\\r\n\u2028\u2029"}


def _moved(old: str, tree: ts.Tree, old_data: bytes, text: str, data: bytes, mark: tuple[int, int]) -> tuple[ts.Tree, tuple[int, int]] | None:
    """``tree`` (of ``old``) with its positions moved for ``text``, if the change from ``old``
    lies inside one run of a string's characters and cannot end it, with where the change
    starts in ``text`` (its byte offset and row); else None. ``mark``: a byte offset of
    ``old_data`` and its row, which the rows are counted from."""
    if tree.root_node.has_error:
        return None  # error recovery weighs the length of what it skips: parse again
    start, same_end = unchanged_ends(old, text)
    old_end, new_end = len(old) - same_end, len(text) - same_end
    if len(old) == len(old_data) and len(text) == len(data):  # ASCII: bytes are characters
        b_start, b_old_end, b_new_end = start, old_end, new_end
    else:
        b_start = len(text[:start].encode("utf-8", "surrogatepass"))
        b_old_end = len(old_data) - len(old[old_end:].encode("utf-8", "surrogatepass"))
        b_new_end = len(data) - len(text[new_end:].encode("utf-8", "surrogatepass"))
    run = tree.root_node.descendant_for_byte_range(b_start, b_old_end)
    if run is None or run.type != "string_fragment" or run.parent is None or not run.start_byte < b_start <= b_old_end < run.end_byte:
        return None
    ends = _RUN_ENDS.get(run.parent.type)
    if ends is None or any(c in ends for c in old[start - 1 : old_end + 1] + text[start - 1 : new_end + 1]):
        return None
    # Counting the lines from the start of a large file, at every keystroke, costs more than the rest.
    marked, marked_row = mark
    row = marked_row + old_data.count(b"\n", marked, b_start) if marked <= b_start else marked_row - old_data.count(b"\n", b_start, marked)
    old_end_row = row + old_data.count(b"\n", b_start, b_old_end)
    new_end_row = row + data.count(b"\n", b_start, b_new_end)
    moved = tree.copy()
    moved.edit(b_start, b_old_end, b_new_end, _point(old_data, b_start, row), _point(old_data, b_old_end, old_end_row), _point(data, b_new_end, new_end_row))
    return moved, (b_start, row)  # the text before the change is as it was: so is its row


def _point(data: bytes, at: int, row: int) -> tuple[int, int]:
    """tree-sitter's (row, byte column) of a byte offset, on row ``row``."""
    return row, at - (data.rfind(b"\n", 0, at) + 1)


def _parsed(data: bytes, grammar: str) -> ts.Tree:
    parser = _parser(grammar)
    tree = parser.parse(data)
    if tree.root_node.has_error and (letters := _bad_escape_letters(data)):
        patched = bytearray(data)
        for at in letters:
            patched[at] = ord("q")
        tree = parser.parse(bytes(patched))
    return tree


# tree-sitter reads `\x` and `\u` only as well-formed escapes, but a tagged template may hold
# any (ECMAScript's NotEscapeSequence: String.raw gets the raw text, another tag no cooked
# text for that part). Its error recovery from one is not confined to the literal: a quote
# after it can open a string that swallows the closing backtick, and then no node of the
# tree is the template. So every such escape of the file is parsed again with its letter
# replaced by one the grammar takes as an escape of its own, the same width, so that every
# offset stays the text's. Where JavaScript forbids it (a quoted string, an untagged
# template) cooking refuses the literal and names the escape; in a comment, a regular
# expression or JSX text the letter changes nothing the locator reads. Outside those, a
# backslash is an error with either letter.
_BACKSLASH_PAIR = re.compile(rb"\\(?:x[0-9a-fA-F]{2}|u[0-9a-fA-F]{4}|u\{[0-9a-fA-F]+\}|([xu])|[\s\S])")


def _bad_escape_letters(data: bytes) -> list[int]:
    """Byte offsets of the ``x`` or ``u`` of each escape in ``data`` that tree-sitter rejects;
    a backslash escapes the character after it (``\\\\x`` is not an escape of ``x``)."""
    return [m.start(1) for m in _BACKSLASH_PAIR.finditer(data) if m.start(1) != -1]


class ByteToChar:
    """Converts tree-sitter byte offsets to ``str`` offsets; identity for ASCII text."""

    __slots__ = ("_bytes", "_extra")

    def __init__(self, text: str) -> None:
        self._bytes: list[int] = []
        self._extra: list[int] = []
        if text.isascii():
            return
        extra = 0
        for m in re.finditer(r"[^\x00-\x7f]", text):
            width = len(m.group().encode("utf-8", "surrogatepass"))
            # byte offset just after this character, and the surplus bytes so far
            extra += width - 1
            self._bytes.append(m.start() + extra + 1)
            self._extra.append(extra)

    def __call__(self, byte_offset: int) -> int:
        if not self._bytes:
            return byte_offset
        i = bisect.bisect_right(self._bytes, byte_offset) - 1
        return byte_offset - (self._extra[i] if i >= 0 else 0)


_UNWRAP = frozenset({"as_expression", "satisfies_expression", "parenthesized_expression", "non_null_expression"})


def find_literals(text: str, path: str | PurePath, names: frozenset[str], imports: ImportResolver | None = None) -> LocateResult:
    """Find every declaration of one of ``names`` whose value is a string or template literal.

    A ``${X}`` whose X is a constant is checked with its value: a ``const`` of this file, or
    one ``imports`` finds in the module it is imported from (without it, imports are not read).
    """
    if not any(name in text for name in names):
        return LocateResult([], [])
    tree, _ = parse(text, path)
    to_char = ByteToChar(text)
    literals: list[MigrationLiteral] = []
    notices: list[Notice] = []
    _walk(tree.root_node, text, names, to_char, literals, notices, _Values(text, to_char, imports))
    if tree.root_node.has_error and not notices:
        first = _first_error(tree.root_node)
        offset = to_char(first.start_byte) if first is not None else None
        notices.append(Notice("the file has TypeScript syntax errors; findings may be incomplete", offset))
    return LocateResult(literals, notices)


def _first_error(node: ts.Node) -> ts.Node | None:
    if node.is_error or node.is_missing:
        return node
    for child in node.children:
        if child.has_error or child.is_missing:
            found = _first_error(child)
            if found is not None:
                return found
    return None


def _walk(node: ts.Node, text: str, names: frozenset[str], to_char: ByteToChar, out: list[MigrationLiteral], notices: list[Notice], values: _Values) -> None:
    declared: list[ts.Node] = []  # names in declaring position, to tell an unreadable literal
    stack = [node]
    while stack:
        n = stack.pop()
        kind = n.type
        if kind in ("variable_declarator", "public_field_definition"):
            name_node = n.child_by_field_name("name")
            value = n.child_by_field_name("value")
            if name_node is not None and _node_text(name_node, text, to_char) in names:
                # Error recovery inside the declarator can hand over a later piece of the
                # broken literal as its value (`"<LF>\" \""` yields `""`): not the SQL that runs.
                lit = _literal(value, _node_text(name_node, text, to_char), _statement_start(n), text, to_char, values) if value is not None and not n.has_error else None
                if isinstance(lit, Notice):
                    notices.append(lit)
                    continue
                if lit is not None:
                    out.append(lit)
                    continue
                if (n.parent or n).has_error:
                    declared.append(name_node)
                elif value is not None:
                    name = _node_text(name_node, text, to_char)
                    notices.append(Notice(f"{name} was not checked: {_why_unread(value, text, to_char)}", to_char(name_node.start_byte)))
        elif kind == "ERROR":
            declared.extend(c for c in n.children if c.type == "identifier" and _node_text(c, text, to_char) in names)
        stack.extend(reversed(n.children))
    out.sort(key=lambda lit: lit.doc_start)
    _unreadable(declared, text, to_char, out, notices)


def _why_unread(value: ts.Node, text: str, to_char: ByteToChar) -> str:
    """Why a configured name's value is not SQL the checker can read, in a few words."""
    found = _unwrap(value, text, to_char) or value
    if found.type == "call_expression":
        fn = found.child_by_field_name("function")
        args = found.child_by_field_name("arguments")
        callee = _snippet(fn, text, to_char) if fn is not None else "a function"
        if args is not None and args.type == "template_string":
            return f"the tag {callee} may change the template, so its text is not the SQL that runs"
        # A template passed in is most likely SQL; a string most likely a file name or a key.
        if args is not None and any(a.type == "template_string" for a in args.named_children):
            return f"{callee}(…) may change the literal passed to it, so its text is not the SQL that runs"
        return f"its value comes from calling {callee}(…), known only at run time"
    if found.type == "array":
        return "its value is an array; only one joined into a text with .join(…) is read"
    return f"its value ({_snippet(found, text, to_char)}) cannot be read statically"


def _snippet(node: ts.Node, text: str, to_char: ByteToChar) -> str:
    """The node's source on one line, shortened: notices are one line each."""
    one_line = " ".join(_node_text(node, text, to_char).split())
    return one_line if len(one_line) <= 40 else one_line[:39] + "…"


def _node_text(node: ts.Node, text: str, to_char: ByteToChar) -> str:
    return text[to_char(node.start_byte) : to_char(node.end_byte)]


def _statement_start(declarator: ts.Node) -> int:
    """Byte offset of the statement that declares, so `// migration-lsp: ignore` above it applies."""
    n = declarator
    while n.parent is not None and n.parent.type in (
        "lexical_declaration",
        "variable_declaration",
        "export_statement",
    ):
        n = n.parent
    return n.start_byte


def _unreadable(declared: list[ts.Node], text: str, to_char: ByteToChar, found: list[MigrationLiteral], notices: list[Notice]) -> None:
    """A notice for each declared name whose literal tree-sitter could not read.

    Error recovery scatters a broken literal over ERROR nodes in no fixed shape, so the
    opening quote is looked for in the text after the name instead.
    """
    opened = {lit.doc_start for lit in found}
    reported: set[int] = set()
    for name_node in declared:
        quote = _opening_quote(text, to_char(name_node.end_byte))
        if quote is None or quote in opened or quote in reported:
            continue
        reported.add(quote)
        name = _node_text(name_node, text, to_char)
        what = "template" if text[quote] == "`" else "string"
        problem = "has syntax errors" if _closes(text, quote) else "is not terminated"
        notices.append(Notice(f"the {what} literal of {name} {problem}; it was not checked", to_char(name_node.start_byte)))


def _opening_quote(text: str, i: int) -> int | None:
    """The quote that opens the value in ``NAME[: type] = [(][String.raw]`…``, if any."""
    n = len(text)
    i = _skip_space(text, i)
    if i < n and text[i] == ":":
        while i < n and text[i] != ";" and not (text[i] == "=" and text[i + 1 : i + 2] not in ("=", ">")):
            i += 1
    if i >= n or text[i] != "=" or text[i + 1 : i + 2] in ("=", ">"):
        return None
    i = _skip_space(text, i + 1)
    while i < n and text[i] == "(":
        i = _skip_space(text, i + 1)
    if text.startswith("String.raw", i):
        i = _skip_space(text, i + len("String.raw"))
    return i if i < n and text[i] in "`'\"" else None


def _skip_space(text: str, i: int) -> int:
    while i < len(text) and text[i].isspace():
        i += 1
    return i


def _closes(text: str, quote: int) -> bool:
    """Whether the literal opened at ``quote`` has a closing quote (substitutions aside)."""
    q = text[quote]
    i = quote + 1
    while i < len(text):
        c = text[i]
        if c == "\\":
            i += 2
            continue
        if c == q:
            return True
        if q != "`" and c in "\r\n":
            return False
        i += 1
    return False


# Calls after the literal that leave its SQL as written (white space aside); the SQL is
# checked before them, so positions stay those of the literal.
_TRAILING_CALLS = frozenset({"trim", "trimStart", "trimEnd", "toString", "replace"})
# Tags that hand the template's cooked text through, give or take indentation: SQL does not
# care about white space, so the literal is checked as written, at its own positions.
_COOKED_TAGS = frozenset({"sql", "dedent", "outdent"})


def _unwrap(value: ts.Node, text: str, to_char: ByteToChar) -> ts.Node | None:
    """The literal inside parentheses, type assertions and trailing calls such as ``.trim()``."""
    while True:
        if value.type in _UNWRAP:
            inner = value.named_children
            if not inner:
                return None
            value = inner[0]
            continue
        fn = value.child_by_field_name("function") if value.type == "call_expression" else None
        if fn is not None and fn.type == "member_expression":
            prop = fn.child_by_field_name("property")
            obj = fn.child_by_field_name("object")
            if prop is not None and obj is not None and _node_text(prop, text, to_char) in _TRAILING_CALLS:
                value = obj
                continue
        return value


def _literal(value: ts.Node, name: str, decl_start_byte: int, text: str, to_char: ByteToChar, values: _Values) -> MigrationLiteral | Notice | None:
    """The migration literal that ``value`` is: one quoted literal, or several joined with ``+``;
    a notice when one holds an escape that JavaScript does not cook."""
    quoted = _quoted(value, text, to_char)
    if quoted is None:
        return None
    cooker = _Cooker()
    parts = []
    for piece in quoted:
        if isinstance(piece, _Separator):
            parts.append(LiteralPart(cooker.length, "separator", ""))
            cooker.replaced(piece.sql, piece.doc_start, piece.doc_end - piece.doc_start)
            continue
        kind, node = piece
        if node.child_count < 2 or node.children[-1].is_missing or node.has_error:
            return None
        start = to_char(node.start_byte)
        end = to_char(node.end_byte)
        broken = _line_break(text, start + 1, end - 1) if kind == "string" else None
        if broken is not None:
            # The grammar takes one just before the closing quote; JavaScript does not.
            return Notice(f"the string literal of {name} is not terminated: a line break ends it; it was not checked", broken)
        parts.append(LiteralPart(cooker.length, kind, text[start]))
        subs = [(to_char(c.start_byte), to_char(c.end_byte), values.substitution(c)) for c in node.children if c.type == "template_substitution"]
        try:
            _cook(cooker, text, start + 1, end - 1, kind, subs)
        except _NoCookedValue as e:
            # A tag still runs and receives undefined for that part; untagged, the file does not parse.
            tagged = node.parent is not None and node.parent.type == "call_expression"
            problem = "has no cooked text for the tag" if tagged else "is not valid JavaScript"
            what = "template" if kind == "template" else "string"
            # Sloppy mode code (a script, not a module) still takes `\1` and `\08` in a string.
            where = f"a {what}" + (" in strict mode" if what == "string" and e.escape[1].isdigit() else "")
            return Notice(f"the {what} literal of {name} {problem}: {e.escape} is not allowed in {where}; it was not checked", e.offset)
    nodes = [piece[1] for piece in quoted if not isinstance(piece, _Separator)]
    start = to_char(nodes[0].start_byte)
    end = to_char(nodes[-1].end_byte)
    sql = "".join(cooker.parts)
    return MigrationLiteral(
        name=name,
        parts=parts,
        sql=sql,
        source_map=SourceMap(cooker.segments, len(sql), end - 1),
        doc_start=start,
        doc_end=end,
        declaration_start=to_char(decl_start_byte),
        newline=_newline(text, start, end),
        substitutions=cooker.substitutions,
        constants=cooker.constants,
    )


def _newline(text: str, start: int, end: int) -> str:
    """The line break inserted lines take: the literal's own (``text[start:end]``), or the
    document's if it has none."""
    if text.find("\n", start, end) == -1:
        start, end = 0, len(text)
    # A search for "\r" runs a hundred times faster than one for "\r\n", which most texts hold none of.
    return "\r\n" if text.find("\r", start, end) != -1 and text.find("\r\n", start, end) != -1 else "\n"


# In a quoted string: an escape (a line continuation is one), or a line break that ends it.
_STRING_BREAK = re.compile(r"\\(?:\r\n|[\s\S])|[\r\n]")


def _line_break(text: str, start: int, end: int) -> int | None:
    """Where a line break that no backslash continues stands in ``text[start:end]``, if one does."""
    for m in _STRING_BREAK.finditer(text, start, end):
        if text[m.start()] != "\\":
            return m.start()
    return None


@dataclass(frozen=True)
class _Separator:
    """What ``.join(…)`` puts between two array elements, and the code between them."""

    sql: str
    doc_start: int
    doc_end: int


_Piece = tuple[LiteralKind, ts.Node] | _Separator


def _quoted(value: ts.Node, text: str, to_char: ByteToChar) -> list[_Piece] | None:
    """The quoted literals that make up ``value``, in order, or None if anything else does."""
    found = _unwrap(value, text, to_char)
    if found is None:
        return None
    value = found
    joined = _joined(value, text, to_char)
    if joined is not None:
        return joined
    if value.type == "binary_expression":
        op = value.child_by_field_name("operator")
        left = value.child_by_field_name("left")
        right = value.child_by_field_name("right")
        if op is None or op.type != "+" or left is None or right is None:
            return None
        lefts = _quoted(left, text, to_char)
        rights = _quoted(right, text, to_char) if lefts is not None else None
        return lefts + rights if lefts is not None and rights is not None else None
    kind: LiteralKind
    if value.type == "template_string":
        kind = "template"
        node = value
    elif value.type == "call_expression" and ((raw := _is_string_raw(value, text, to_char)) or _is_cooked_tag(value, text, to_char)):
        tagged = value.child_by_field_name("arguments")
        if tagged is None or tagged.type != "template_string":
            return None
        node = tagged
        kind = "raw" if raw else "template"
    elif value.type == "string":
        kind = "string"
        node = value
    else:
        return None
    return [(kind, node)]


def _joined(call: ts.Node, text: str, to_char: ByteToChar) -> list[_Piece] | None:
    """The literals of ``[…].join(sep)`` with the separator between them, or None."""
    fn = call.child_by_field_name("function") if call.type == "call_expression" else None
    if fn is None or fn.type != "member_expression":
        return None
    prop = fn.child_by_field_name("property")
    array = fn.child_by_field_name("object")
    args = call.child_by_field_name("arguments")
    if prop is None or array is None or args is None or array.type != "array" or _node_text(prop, text, to_char) != "join":
        return None
    given = [a for a in args.named_children if a.type != "comment"]
    if given:
        sep = _quoted(given[0], text, to_char) if len(given) == 1 else None
        if sep is None or len(sep) != 1 or isinstance(sep[0], _Separator) or any(c.type == "template_substitution" for c in sep[0][1].children):
            return None
        kind, node = sep[0]
        sep_cooker = _Cooker()
        try:
            _cook(sep_cooker, text, to_char(node.start_byte) + 1, to_char(node.end_byte) - 1, kind, [])
        except _NoCookedValue:
            return None
        separator = "".join(sep_cooker.parts)
    else:
        separator = ","  # JavaScript's default
    elements = [e for e in array.named_children if e.type != "comment"]
    pieces: list[_Piece] = []
    for before, element in zip([None, *elements], elements):
        quoted = _quoted(element, text, to_char)
        if quoted is None:
            return None
        if before is not None:
            pieces.append(_Separator(separator, to_char(before.end_byte), to_char(element.start_byte)))
        pieces.extend(quoted)
    return pieces or None


def _is_string_raw(call: ts.Node, text: str, to_char: ByteToChar) -> bool:
    fn = call.child_by_field_name("function")
    return fn is not None and _node_text(fn, text, to_char).replace(" ", "") == "String.raw"


def _is_cooked_tag(call: ts.Node, text: str, to_char: ByteToChar) -> bool:
    fn = call.child_by_field_name("function")
    return fn is not None and fn.type == "identifier" and _node_text(fn, text, to_char) in _COOKED_TAGS


# -- the values of ${…} -------------------------------------------------------------------------
_FUNCTIONS = frozenset({"function_declaration", "function_expression", "function", "arrow_function", "method_definition", "generator_function_declaration", "generator_function"})
_DECLARATIONS = frozenset({"lexical_declaration", "variable_declaration"})
_MAX_SAFE_INTEGER = 2**53 - 1


class _Values:
    """The value of a ``${X}``: X a constant (a ``const`` string, backtick string or number,
    found the way JavaScript scopes names), or why the app alone knows it."""

    def __init__(self, text: str, to_char: ByteToChar, imports: ImportResolver | None, module: str | None = None) -> None:
        self.text = text
        self.to_char = to_char
        self.imports = imports
        self.module = module  # set when this file is read for an export: its imports are not followed
        self.reading: set[int] = set()  # declarators being read, so that a cycle ends

    def src(self, node: ts.Node) -> str:
        return _node_text(node, self.text, self.to_char)

    def substitution(self, sub: ts.Node) -> str | Unknown:
        """The value of one ``${…}`` of a migration literal; its Unknown speaks of the ``${…}``."""
        inner = [c for c in sub.named_children if c.type != "comment"]
        value = self.of(inner[0]) if len(inner) == 1 else Unknown("is not a constant")
        return Unknown(f"`{_snippet(sub, self.text, self.to_char)}` {value.why}") if isinstance(value, Unknown) else value

    def of(self, node: ts.Node) -> str | Unknown:
        """The value of an expression, as JavaScript turns it into text in a template."""
        while node.type in _UNWRAP and node.named_children:
            node = node.named_children[0]
        kind = node.type
        if kind in ("string", "template_string"):
            return self.quoted(node)
        if kind == "number":
            return _number(self.src(node))
        if kind == "identifier":
            return self.named(node)
        if kind == "call_expression":
            fn = node.child_by_field_name("function")
            callee = _snippet(fn, self.text, self.to_char) if fn is not None else "a function"
            return Unknown(f"comes from calling {callee}(…)")
        return Unknown("is not a constant")

    def quoted(self, node: ts.Node) -> str | Unknown:
        subs = []
        for c in node.children:
            if c.type == "template_substitution":
                inner = [x for x in c.named_children if x.type != "comment"]
                value = self.of(inner[0]) if len(inner) == 1 else Unknown("is not a constant")
                if isinstance(value, Unknown):
                    return Unknown(f"is built from `{_snippet(c, self.text, self.to_char)}`, which {value.why}")
                subs.append((self.to_char(c.start_byte), self.to_char(c.end_byte), value))
        cooker = _Cooker()
        try:
            _cook(cooker, self.text, self.to_char(node.start_byte) + 1, self.to_char(node.end_byte) - 1, "template" if node.type == "template_string" else "string", subs)
        except _NoCookedValue as e:
            return Unknown(f"holds {e.escape}, which JavaScript does not allow in a template")
        return "".join(cooker.parts)

    def named(self, ident: ts.Node) -> str | Unknown:
        name = self.src(ident)
        found = _binding(ident, name, self.src)
        if found is None:
            return Unknown("is not declared in this file")
        what, node = found
        if what == "parameter":
            return Unknown(f"is a parameter of {_function_name(node, self.src)}")
        if what == "import":
            spec, imported = _import_of(node, name, self.src)
            if self.module is not None:
                return Unknown(f"is imported into {self.module}; only one import is followed")
            if self.imports is None:
                return Unknown(f"is imported from '{spec}', which is not read here")
            return self.imports(spec, imported)
        if what == "declarator":
            keyword = node.parent.children[0].type if node.parent is not None else ""
            if keyword != "const":
                return Unknown(f"is declared with {keyword}, so it may change")
            value = node.child_by_field_name("value")
            if value is None:
                return Unknown("has no value in this file")
            if node.start_byte in self.reading:
                return Unknown("is defined through itself")
            self.reading.add(node.start_byte)
            try:
                got = self.of(value)
            finally:
                self.reading.discard(node.start_byte)
            if not isinstance(got, Unknown):
                return got
            while value.type in _UNWRAP and value.named_children:
                value = value.named_children[0]
            if value.type == "identifier":
                return Unknown(f"is not a constant: it is {self.src(value)}, which {got.why}")
            if got.why == "is not a constant":
                return Unknown(f"is not a constant: its value ({_snippet(value, self.text, self.to_char)}) cannot be read statically")
            return Unknown(f"is not a constant: its value {got.why}")
        return Unknown(f"is {what}, not a constant")

    def exported(self, root: ts.Node, name: str) -> str | Unknown:
        """The value of the module's export ``name``, if it is a constant declared there."""
        for node in root.named_children:
            if node.type != "export_statement" or node.child_by_field_name("source") is not None:
                continue
            declaration = node.child_by_field_name("declaration")
            if declaration is not None and declaration.type in _DECLARATIONS:
                for d in declaration.named_children:
                    target = d.child_by_field_name("name") if d.type == "variable_declarator" else None
                    if target is not None and target.type == "identifier" and self.src(target) == name:
                        return self.named(target)
            clause = next((c for c in node.named_children if c.type == "export_clause"), None)
            for spec in clause.named_children if clause is not None else ():
                local = spec.child_by_field_name("name")
                alias = spec.child_by_field_name("alias")
                if local is not None and self.src(alias if alias is not None else local) == name:
                    return self.named(local)
        return Unknown(f"is not exported as a constant by {self.module}")


def exported_constant(text: str, path: str | PurePath, name: str) -> str | Unknown:
    """The value of the constant ``name`` that the module ``text`` exports; its own imports
    are not followed (one level of imports is read)."""
    if name not in text:
        return Unknown(f"is not exported by {PurePath(path).name}")
    tree, _ = parse(text, path)
    return _Values(text, ByteToChar(text), None, PurePath(path).name).exported(tree.root_node, name)


def _binding(ident: ts.Node, name: str, src: Callable[[ts.Node], str]) -> tuple[str, ts.Node] | None:
    """What declares ``name`` where ``ident`` uses it, innermost scope first: ("parameter",
    function), ("declarator", variable_declarator), ("import", import_statement), or a few
    words for any other binding ("a loop variable", "a function")."""
    scope = ident.parent
    while scope is not None:
        kind = scope.type
        if kind in _FUNCTIONS:
            params = scope.child_by_field_name("parameters") or scope.child_by_field_name("parameter")
            if params is not None and _binds(params, name, src):
                return "parameter", scope
        elif kind == "for_in_statement" or kind == "for_statement":
            left = scope.child_by_field_name("left") or scope.child_by_field_name("initializer")
            if left is not None and _binds(left, name, src):
                return "a loop variable", scope
        elif kind == "catch_clause":
            param = scope.child_by_field_name("parameter")
            if param is not None and _binds(param, name, src):
                return "the error of a catch clause", scope
        elif kind in ("statement_block", "program"):
            for node in scope.named_children:
                found = _declares(node, name, src)
                if found is not None:
                    return found
        scope = scope.parent
    return None


def _declares(node: ts.Node, name: str, src: Callable[[ts.Node], str]) -> tuple[str, ts.Node] | None:
    """The binding of ``name`` that the statement ``node`` of a block declares, if any."""
    if node.type == "export_statement":
        node = node.child_by_field_name("declaration") or node
    if node.type in _DECLARATIONS:
        for d in node.named_children:
            target = d.child_by_field_name("name") if d.type == "variable_declarator" else None
            if target is not None and target.type == "identifier" and src(target) == name:
                return "declarator", d
            if target is not None and target.type != "identifier" and _binds(target, name, src):
                return "destructured from another value", d
    elif node.type in ("function_declaration", "generator_function_declaration", "class_declaration"):
        declared = node.child_by_field_name("name")
        if declared is not None and src(declared) == name:
            return ("a class" if node.type == "class_declaration" else "a function"), node
    elif node.type == "import_statement" and _import_of(node, name, src)[1]:
        return "import", node
    return None


def _binds(pattern: ts.Node, name: str, src: Callable[[ts.Node], str]) -> bool:
    """Does the parameter list or binding pattern declare ``name``? Defaults and types do not."""
    stack = [pattern]
    while stack:
        n = stack.pop()
        if n.type in ("identifier", "shorthand_property_identifier_pattern"):
            if src(n) == name:
                return True
            continue
        field_name = {"required_parameter": "pattern", "optional_parameter": "pattern", "pair_pattern": "value"}.get(n.type)
        if field_name is not None:
            kept = n.child_by_field_name(field_name)
            stack.extend([kept] if kept is not None else [])
        elif n.type in ("assignment_pattern", "object_assignment_pattern"):
            left = n.child_by_field_name("left")
            stack.extend([left] if left is not None else [])
        elif n.type != "type_annotation":
            stack.extend(n.named_children)
    return False


def _import_of(node: ts.Node, local: str, src: Callable[[ts.Node], str]) -> tuple[str, str]:
    """(specifier, imported name) of the local name ``local`` in an import statement; the
    name is "" when it does not bind ``local``, "default" or "*" for those imports."""
    source = node.child_by_field_name("source")
    spec = src(source)[1:-1] if source is not None else ""
    clause = next((c for c in node.named_children if c.type == "import_clause"), None)
    for part in clause.named_children if clause is not None else ():
        if part.type == "identifier" and src(part) == local:
            return spec, "default"
        if part.type == "namespace_import" and any(src(c) == local for c in part.named_children):
            return spec, "*"
        for s in part.named_children if part.type == "named_imports" else ():
            imported = s.child_by_field_name("name")
            alias = s.child_by_field_name("alias")
            if imported is not None and src(alias if alias is not None else imported) == local:
                return spec, src(imported)
    return spec, ""


def _function_name(fn: ts.Node, src: Callable[[ts.Node], str]) -> str:
    named = fn.child_by_field_name("name")
    if named is None and fn.parent is not None and fn.parent.type == "variable_declarator":
        named = fn.parent.child_by_field_name("name")
    return f"the function {src(named)}" if named is not None else "a function"


def _number(literal: str) -> str | Unknown:
    """A number literal as JavaScript writes it in a template, for the forms whose text is
    certain: integers, and decimals without an exponent."""
    digits = literal.replace("_", "").lower()
    bigint = digits.endswith("n")
    digits = digits.removesuffix("n")
    base = {"0x": 16, "0o": 8, "0b": 2}.get(digits[:2], 10)
    if base != 10 or digits.isdigit():
        if base == 10 and len(digits) > 1 and digits.startswith("0"):
            return Unknown("is a legacy octal number")
        value = int(digits[2:] if base != 10 else digits, base)
        return str(value) if bigint or value <= _MAX_SAFE_INTEGER else Unknown("is a number too large to write exactly")
    whole, dot, fraction = digits.partition(".")
    if dot and whole.isdigit() and fraction.isdigit() and len(whole + fraction) <= 15:
        fraction = fraction.rstrip("0")
        return str(int(whole)) + ("." + fraction if fraction else "")
    return Unknown("is a number whose text is not certain")


_SIMPLE_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "b": "\b", "f": "\f", "v": "\v"}
_LINE_TERMINATORS = ("\r\n", "\n", "\r", "\u2028", "\u2029")


class _Cooker:
    """Accumulates cooked text and its segments, and where its substitutions went."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.segments: list[Segment] = []
        self.length = 0
        self.substitutions: list[Substitution] = []
        self.constants: list[tuple[int, int]] = []

    def verbatim(self, text: str, doc_start: int) -> None:
        if not text:
            return
        last = self.segments[-1] if self.segments else None
        if last is not None and last.length == last.doc_length and last.doc_start + last.length == doc_start and last.sql_start + last.length == self.length:
            self.segments[-1] = Segment(last.sql_start, last.doc_start, last.length + len(text), last.doc_length + len(text))
        else:
            self.segments.append(Segment(self.length, doc_start, len(text), len(text)))
        self.parts.append(text)
        self.length += len(text)

    def replaced(self, cooked: str, doc_start: int, doc_length: int) -> None:
        if not cooked:
            return
        self.segments.append(Segment(self.length, doc_start, len(cooked), doc_length))
        self.parts.append(cooked)
        self.length += len(cooked)

    def escaped(self, cooked: str, doc_start: int, doc_length: int) -> None:
        """An escape's text. JavaScript strings are UTF-16: a low surrogate right after a high
        one makes one character with it, however each is written (``\\ud83d\\u{dc64}``, a line
        continuation between, one in each literal of a concatenation), as it is in a Python str."""
        last = self.segments[-1] if self.segments else None
        if last is not None and last.length == 1 and "\udc00" <= cooked <= "\udfff" and "\ud800" <= self.parts[-1] <= "\udbff":
            self.parts[-1] = chr(0x10000 + ((ord(self.parts[-1]) - 0xD800) << 10) + (ord(cooked) - 0xDC00))
            self.segments[-1] = Segment(last.sql_start, last.doc_start, 1, doc_start + doc_length - last.doc_start)
        else:
            self.replaced(cooked, doc_start, doc_length)


# What does not cook to itself: escapes (not in String.raw), and line breaks that templates
# (raw ones too) normalise from CRLF and CR to LF.
_COOKED = {"template": "\\\r", "raw": "\r", "string": "\\"}


class _Next:
    """Where the next of a few characters is, with ``str.find``: a literal of a whole schema
    is read on every keystroke, and a regular expression's character class is many times
    slower than a search for one character. Each character's next place is found once, not
    once per stop before it."""

    def __init__(self, text: str, chars: str, end: int) -> None:
        self._text = text
        self._end = end
        self._at = dict.fromkeys(chars, -1)  # where each is next, from where it was last looked for; ``end``: nowhere

    def after(self, start: int, stop: int) -> int | None:
        """The first place in ``[start, stop)`` that holds one of the characters."""
        best = stop
        for c, at in self._at.items():
            if at < start:
                found = self._text.find(c, start, self._end)
                at = self._at[c] = found if found != -1 else self._end
            best = min(best, at)
        return best if best < stop else None


class _NoCookedValue(Exception):
    """An escape that a template, and a string in strict mode code (a module's), cannot cook:
    an octal or decimal one, a code point past U+10FFFF, ``\\x`` or ``\\u`` without their digits."""

    def __init__(self, escape: str, offset: int) -> None:
        super().__init__(escape)
        self.escape = escape
        self.offset = offset


def _cook(cooker: _Cooker, text: str, body_start: int, body_end: int, kind: LiteralKind, subs: Sequence[tuple[int, int, str | Unknown]]) -> None:
    """Cook one literal's body onto ``cooker``. ``subs``: the doc span of each ``${…}``, and
    its value or why it is unknown (``Unknown.why`` says it of the whole ``${…}`` here)."""
    special = _Next(text, _COOKED[kind], body_end)
    run_start = body_start
    # Each stretch of text up to the next substitution, then the substitution; the last
    # stretch runs to the closing quote.
    for sub_start, sub_end, value in [*sorted(subs, key=lambda sub: sub[0]), (body_end, body_end, "")]:
        while (i := special.after(run_start, sub_start)) is not None:
            cooker.verbatim(text[run_start:i], run_start)
            if text[i] == "\\":  # never in String.raw, which cooks no escape
                cooked, length = _escape(text, i, body_end)
                cooker.escaped(cooked, i, length)
            else:
                length = 2 if text.startswith("\r\n", i) else 1
                cooker.replaced("\n", i, length)
            run_start = i + length
        cooker.verbatim(text[run_start:sub_start], run_start)
        if sub_start == body_end:
            break
        if isinstance(value, Unknown):
            placeholder = f"{PLACEHOLDER_PREFIX}{len(cooker.substitutions)}"
            cooker.substitutions.append(Substitution(cooker.length, cooker.length + len(placeholder), value.why))
            value = placeholder
        elif value:
            cooker.constants.append((cooker.length, cooker.length + len(value)))
        # Every character of the value maps to the whole `${…}`: that is what the user wrote.
        cooker.replaced(value, sub_start, sub_end - sub_start)
        run_start = sub_end


def _escape(text: str, i: int, end: int) -> tuple[str, int]:
    """Cook the escape at ``text[i] == '\\'``: returns the cooked text and the source length.
    Raises :class:`_NoCookedValue` for one that templates and strict mode strings forbid
    (``\\1``, ``\\08``, ``\\u{110000}``, ``\\u`` or ``\\x`` without their hex digits)."""
    if i + 1 >= end:
        return "\\", 1
    c = text[i + 1]
    for term in _LINE_TERMINATORS:
        if text.startswith(term, i + 1):
            return "", 1 + len(term)  # line continuation
    if c in _SIMPLE_ESCAPES:
        return _SIMPLE_ESCAPES[c], 2
    if "1" <= c <= "9":
        raise _NoCookedValue(text[i : i + 2], i)
    if c == "0":
        if _digit_at(text, i + 2, end):
            raise _NoCookedValue(text[i : i + 3], i)
        return "\0", 2
    if c == "x":
        digits = text[i + 2 : min(i + 4, end)]
        if len(digits) < 2 or not _is_hex(digits):
            raise _NoCookedValue(text[i : i + 2], i)
        return chr(int(digits, 16)), 4
    if c == "u" and text.startswith("{", i + 2):
        close = text.find("}", i + 3, end)
        digits = text[i + 3 : close] if close != -1 else ""
        if not (digits and _is_hex(digits)):
            raise _NoCookedValue(text[i : i + 2], i)
        if int(digits, 16) > 0x10FFFF:
            raise _NoCookedValue(text[i : close + 1], i)
        return chr(int(digits, 16)), close + 1 - i
    if c == "u":
        digits = text[i + 2 : min(i + 6, end)]
        if len(digits) < 4 or not _is_hex(digits):
            raise _NoCookedValue(text[i : i + 2], i)
        return chr(int(digits, 16)), 6
    return c, 2


def _digit_at(text: str, i: int, end: int) -> bool:
    """An ASCII digit (JavaScript's DecimalDigit; ``str.isdigit`` takes others too)."""
    return i < end and "0" <= text[i] <= "9"


def _is_hex(s: str) -> bool:
    return all(ch in "0123456789abcdefABCDEF" for ch in s)
