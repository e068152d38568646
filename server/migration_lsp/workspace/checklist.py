"""The "Required Tables" checklist of a rules document: a Markdown table under a heading.

The rulebook keeps, under a heading such as ``## Required Tables Checklist``, a table whose
first column names each table (``| `mason_users` | User accounts | ✓ |``). It is read to
know which tables are required, and rewritten when it drifts from the migration.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

_HEADING = re.compile(r"^ {0,3}(#{1,6})\s+(.*?)\s*#*\s*$")
_TABLE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*(\.[A-Za-z_][A-Za-z0-9_$]*)?$")
_SEPARATOR_CELL = re.compile(r"^:?-+:?$")
# A "Required" cell that says the table is listed but not required.
_NOT_REQUIRED = frozenset({"", "-", "—", "✗", "❌", "no", "false", "optional", "n/a"})
MARKER = "required tables"
CHECKED = "✓"  # the "Required" cell of a new row


@dataclass(frozen=True, slots=True)
class ChecklistRow:
    table: str  # as written, without backticks or emphasis
    cells: tuple[str, ...]  # every cell, as written
    start: int  # the row's line, without its line break (document offsets)
    end: int
    name_start: int  # the table name inside the first cell
    name_end: int
    required: bool


@dataclass(frozen=True)
class Checklist:
    path: Path
    heading: str
    start: int  # from the header row to the end of the last row (document offsets)
    end: int
    header_end: int  # the end of the header row
    header: tuple[str, ...]
    separator: str  # the separator row as written
    rows: tuple[ChecklistRow, ...]
    backticks: bool  # names are written as `code`
    newline: str

    @property
    def tables(self) -> list[str]:
        return [r.table for r in self.rows]

    def column(self, *words: str) -> int | None:
        """The first column whose header contains one of ``words``."""
        for i, h in enumerate(self.header):
            if any(w in h.lower() for w in words):
                return i
        return None

    def row(self, table: str) -> ChecklistRow | None:
        return next((r for r in self.rows if r.table == table), None)


def find_checklists(path: Path, text: str) -> list[Checklist]:
    """Every table that follows a heading containing "Required Tables" and names tables."""
    if MARKER not in text.lower():
        return []
    newline = "\r\n" if "\r\n" in text else "\n"
    lines = _lines(text)
    found = []
    for i, (start, line) in enumerate(lines):
        m = _HEADING.match(line)
        if m is None or MARKER not in m.group(2).lower():
            continue
        checklist = _table_after(path, lines, i + 1, len(m.group(1)), m.group(2), newline)
        if checklist is not None:
            found.append(checklist)
    return found


def _lines(text: str) -> list[tuple[int, str]]:
    out = []
    pos = 0
    for raw in text.splitlines(keepends=True):
        out.append((pos, raw.rstrip("\r\n")))
        pos += len(raw)
    return out


def _table_after(path: Path, lines: list[tuple[int, str]], first: int, level: int, heading: str, newline: str) -> Checklist | None:
    i = first
    in_fence = False
    while i < len(lines):
        line = lines[i][1]
        if line.lstrip().startswith("```"):
            in_fence = not in_fence
        elif not in_fence:
            m = _HEADING.match(line)
            if m is not None and len(m.group(1)) <= level:
                return None
            if line.lstrip().startswith("|") and i + 1 < len(lines) and _is_separator(lines[i + 1][1]):
                return _read_table(path, lines, i, heading, newline)
        i += 1
    return None


def _cells(line: str) -> list[tuple[int, str]]:
    """Cells of a table row with their offsets in the line, outer pipes dropped."""
    cells = []
    start = line.index("|") + 1
    i = start
    while i <= len(line):
        if i == len(line) or (line[i] == "|" and line[i - 1] != "\\"):
            raw = line[start:i]
            if i < len(line) or raw.strip():
                lead = len(raw) - len(raw.lstrip())
                cells.append((start + lead, raw.strip()))
            start = i + 1
        i += 1
    return cells


def _is_separator(line: str) -> bool:
    if "|" not in line or "-" not in line:
        return False
    cells = _cells(line)
    return bool(cells) and all(_SEPARATOR_CELL.match(c.replace(" ", "")) for _, c in cells)


def _bare(cell: str) -> str:
    """A cell's table name: backticks, emphasis and link syntax removed."""
    name = cell.strip()
    link = re.match(r"^\[(.*)\]\(.*\)$", name)
    if link:
        name = link.group(1)
    return name.strip("`*_ ").strip()


def _read_table(path: Path, lines: list[tuple[int, str]], header_at: int, heading: str, newline: str) -> Checklist | None:
    header = tuple(c for _, c in _cells(lines[header_at][1]))
    required_col = next((k for k, h in enumerate(header) if "required" in h.lower()), None)
    rows = []
    backticks = False
    j = header_at + 2
    while j < len(lines) and lines[j][1].lstrip().startswith("|"):
        start, line = lines[j]
        cells = _cells(line)
        j += 1
        if not cells:
            continue
        offset, first = cells[0]
        name = _bare(first)
        if not _TABLE_NAME.match(name):
            return None
        backticks = backticks or first.startswith("`")
        at = first.find(name)
        texts = tuple(c for _, c in cells)
        required = True
        if required_col is not None:
            value = texts[required_col] if required_col < len(texts) else ""
            required = value.strip().lower() not in _NOT_REQUIRED
        rows.append(ChecklistRow(name, texts, start, start + len(line), start + offset + at, start + offset + at + len(name), required))
    if not rows:
        return None
    end_start, end_line = lines[j - 1]
    return Checklist(
        path,
        heading,
        lines[header_at][0],
        end_start + len(end_line),
        lines[header_at][0] + len(lines[header_at][1]),
        header,
        lines[header_at + 1][1],
        tuple(rows),
        backticks,
        newline,
    )


def escape_cell(text: str) -> str:
    """Plain text as a table cell: a pipe would end the cell."""
    return text.replace("|", "\\|")


def render_row(cells: list[str]) -> str:
    """One row; the cells are Markdown already (see :func:`escape_cell`)."""
    return "| " + " | ".join(cells) + " |"


def render_table(header: tuple[str, ...], separator: str, rows: list[list[str]], newline: str = "\n") -> str:
    """A Markdown table, in the rulebook's unpadded style."""
    return newline.join([render_row(list(header)), separator, *(render_row(r) for r in rows)])
