"""Every coordinate conversion lives here.

The rest of the package speaks in *document offsets*: indices into the Python ``str`` of a
whole file. SQL rules speak in *SQL offsets* (indices into the cooked SQL of one literal)
and convert through :class:`SourceMap`. Reporters turn document offsets into LSP positions
(0-based line, UTF-16 character) or CLI positions (1-based line, 1-based code-point column)
through :class:`LineIndex`.
"""

from __future__ import annotations

import bisect
import re
import weakref
from dataclasses import dataclass

_LINE_BREAK = re.compile(r"\r\n?|\n")
_LF = re.compile("\n")  # the same where there is no \r, found twice as fast


class LineIndex:
    """Line starts of one document; LSP line breaks are ``\n``, ``\r\n`` and ``\r``.

    An index made by an edit (:meth:`replaced`) keeps the lines after the edit as those of
    the index it was made from, and how far the edit moved them, rather than a list of moved
    offsets: a keystroke in a large document costs its own lines, not all that follow.
    """

    __slots__ = ("text", "_lines", "_made_from", "__weakref__")

    def __init__(self, text: str) -> None:
        self.text = text
        breaks = _LINE_BREAK if "\r" in text else _LF
        # The starts of the first lines, those of the rest less a shift, and the shift; one
        # value, replaced whole when :attr:`starts` is asked for, as both threads read indexes.
        self._lines: tuple[list[int], list[int], int] = ([0, *(m.end() for m in breaks.finditer(text))], [], 0)
        # The index this one was derived from by :meth:`replaced`, and the lengths of the
        # start and the end the two texts share; weak, so that no chain of old texts is kept.
        self._made_from: tuple[weakref.ref[LineIndex], int, int] | None = None

    @property
    def starts(self) -> list[int]:
        """The offset where each line starts."""
        head, tail, shift = self._lines
        if tail:
            head = [*head, *map(shift.__add__, tail)]
            self._lines = (head, [], 0)
        return head

    @property
    def line_count(self) -> int:
        head, tail, _ = self._lines
        return len(head) + len(tail)

    def line_start(self, line: int) -> int:
        head, tail, shift = self._lines
        return head[line] if line < len(head) else tail[line - len(head)] + shift

    def unchanged_ends(self, old: LineIndex) -> tuple[int, int]:
        """How many characters at the start, and then at the end, this text shares with
        ``old``'s (never overlapping): what was left of it by the edit that made this index
        from ``old``'s, else all they share, which a comparison finds."""
        made = self._made_from
        if made is not None and made[0]() is old:
            return made[1], made[2]
        return unchanged_ends(old.text, self.text)

    def replaced(self, start: int, end: int, new: str) -> LineIndex:
        """The index of this text with ``[start, end)`` replaced by ``new``, read again only
        around the change: the lines before it are kept, those after it moved by the change of
        length."""
        text = self.text[:start] + new + self.text[end:]
        head, tail, shift = self._lines
        # From the start of the line that holds the character before the change: the line
        # breaks before it end before that character, and neither it nor what precedes it changed.
        first = self.line_of(max(start - 1, 0))
        # Up to the first line that starts two characters past the change: a ``\r\n`` that
        # ends before it starts after the change too, and is read as it was.
        if not tail or end + 2 <= tail[0] + shift:
            last = bisect.bisect_left(head, end + 2, first + 1)
        else:
            last = len(head) + bisect.bisect_left(tail, end + 2 - shift)
        delta = len(new) - (end - start)
        scan_end = self.line_start(last) + delta if last < self.line_count else len(text)
        found = [m.end() for m in _LINE_BREAK.finditer(text, self.line_start(first), scan_end)]
        # The lines before: those of the head, and of the tail if the change is past it.
        kept = head[: first + 1] if first < len(head) else [*head, *map(shift.__add__, tail[: first + 1 - len(head)])]
        # The lines after, as a tail: the head's that follow the change less the tail's shift.
        if last + 1 >= len(head):
            rest = tail[last + 1 - len(head) :]
        else:
            rest = [*(head[last + 1 :] if shift == 0 else map((-shift).__add__, head[last + 1 :])), *tail]
        index = LineIndex.__new__(LineIndex)
        index.text = text
        index._lines = ([*kept, *found], rest, shift + delta)
        index._made_from = (weakref.ref(self), start, len(self.text) - end)
        return index

    def line_of(self, offset: int) -> int:
        head, tail, shift = self._lines
        if not tail or offset < tail[0] + shift:
            return bisect.bisect_right(head, offset) - 1
        return len(head) + bisect.bisect_right(tail, offset - shift) - 1

    def line_text(self, line: int) -> str:
        """The text of ``line`` without its line break."""
        start = self.line_start(line)
        end = self.line_start(line + 1) if line + 1 < self.line_count else len(self.text)
        return self.text[start:end].rstrip("\r\n")

    def lsp_position(self, offset: int) -> tuple[int, int]:
        """0-based line and UTF-16 code unit column, as LSP wants them."""
        offset = max(0, min(offset, len(self.text)))
        line = self.line_of(offset)
        prefix = self.text[self.line_start(line) : offset]
        return line, len(prefix.encode("utf-16-le")) // 2

    def cli_position(self, offset: int) -> tuple[int, int]:
        """1-based line and 1-based code-point column, as compilers print them."""
        offset = max(0, min(offset, len(self.text)))
        line = self.line_of(offset)
        return line + 1, offset - self.line_start(line) + 1

    def offset_of_lsp(self, line: int, character: int) -> int:
        """Inverse of :meth:`lsp_position`, clamped to the document (bad client input is common)."""
        if line < 0:
            return 0
        if line >= self.line_count:
            return len(self.text)
        start = self.line_start(line)
        line_text = self.line_text(line)
        if line_text.isascii():
            return start + max(0, min(character, len(line_text)))
        units = 0
        for i, ch in enumerate(line_text):
            if units >= character:
                return start + i
            units += 2 if ord(ch) > 0xFFFF else 1
        return start + len(line_text)


@dataclass(frozen=True, slots=True)
class Segment:
    """``length`` SQL characters from ``sql_start`` map one to one onto the document from ``doc_start``.

    A segment with ``doc_length != length`` stands for one escape sequence or substitution:
    all its SQL characters map to the start of that source text.
    """

    sql_start: int
    doc_start: int
    length: int
    doc_length: int


class SourceMap:
    """Maps offsets in a literal's cooked SQL to offsets in the document, both ways."""

    __slots__ = ("segments", "_sql_starts", "_doc_starts", "sql_length", "doc_end")

    def __init__(self, segments: list[Segment], sql_length: int, doc_end: int) -> None:
        self.segments = segments
        self._sql_starts = [s.sql_start for s in segments]
        self._doc_starts = [s.doc_start for s in segments]
        self.sql_length = sql_length
        self.doc_end = doc_end  # where the SQL ends in the document: the closing quote

    def to_doc(self, sql_offset: int) -> int:
        if sql_offset >= self.sql_length or not self.segments:
            return self.doc_end
        i = bisect.bisect_right(self._sql_starts, sql_offset) - 1
        seg = self.segments[max(i, 0)]
        if seg.length == seg.doc_length:
            return seg.doc_start + (sql_offset - seg.sql_start)
        return seg.doc_start

    def to_doc_end(self, sql_end: int) -> int:
        """Map an exclusive end offset: the end of an escape is the end of its source text."""
        if sql_end <= 0:
            return self.to_doc(0)
        last = sql_end - 1
        i = bisect.bisect_right(self._sql_starts, last) - 1
        seg = self.segments[max(i, 0)]
        if seg.length == seg.doc_length:
            return seg.doc_start + (last - seg.sql_start) + 1
        return seg.doc_start + seg.doc_length

    def to_sql(self, doc_offset: int) -> int | None:
        """The SQL offset at a document offset, or None outside the literal's body."""
        if not self.segments or doc_offset < self.segments[0].doc_start or doc_offset > self.doc_end:
            return None
        i = bisect.bisect_right(self._doc_starts, doc_offset) - 1
        seg = self.segments[i]
        if seg.length == seg.doc_length:
            return seg.sql_start + min(doc_offset - seg.doc_start, seg.length)
        return seg.sql_start


def escape_for_template(text: str) -> str:
    """Write SQL into a template literal so that it cooks back to ``text``."""
    return text.replace("\\", "\\\\").replace("`", "\\`").replace("${", "\\${")


def escape_for_string(text: str, quote: str) -> str:
    """Write SQL into a ``'…'`` or ``"…"`` literal; line breaks become ``\\n`` escapes."""
    return text.replace("\\", "\\\\").replace(quote, "\\" + quote).replace("\r", "\\r").replace("\n", "\\n")


def unchanged_ends(a: str, b: str) -> tuple[int, int]:
    """How many characters at the start, and then at the end, ``a`` and ``b`` share (never overlapping).

    A keystroke has the same two texts compared by several layers in turn (the document's by
    the front end, the index and the rules, the literal's by the parse and the schema builds):
    the last two pairs compared are answered again without comparing them.
    """
    recent = _recent.pairs
    for x, y, ends in recent:
        if x is a and y is b:
            return ends
    start = _common_prefix(a, b)
    ends = start, _common_suffix(a, b, min(len(a), len(b)) - start)
    _recent.pairs = ((a, b, ends), *recent[:1])  # one assignment: both threads may compare
    return ends


class _Recent:
    __slots__ = ("pairs",)

    def __init__(self) -> None:
        self.pairs: tuple[tuple[str, str, tuple[int, int]], ...] = ()


_recent = _Recent()  # the last two pairs compared, the newest first: texts the parses hold anyway


def _common_prefix(a: str, b: str) -> int:
    """The length of the longest common prefix, by halving: each comparison runs in C, on the
    part not yet known to be common (a copy of both whole texts per step is what a keystroke
    would cost otherwise)."""
    low, high = 0, min(len(a), len(b))
    while low < high:
        mid = (low + high + 1) // 2
        if a.startswith(b[low:mid], low):
            low = mid
        else:
            high = mid - 1
    return low


def _common_suffix(a: str, b: str, most: int) -> int:
    """The length of the longest common suffix, up to ``most``, as :func:`_common_prefix`."""
    low, high = 0, min(len(a), len(b), most)
    while low < high:
        mid = (low + high + 1) // 2
        if a.endswith(b[len(b) - mid : len(b) - low], 0, len(a) - low):
            low = mid
        else:
            high = mid - 1
    return low
