"""The comment above a table, which the schema model shows as the table's purpose.

It is read here rather than in ``sql/``: the analyser sees one statement's text, and the
comment lies outside it, between statements. What is read is the migration's comments
(:attr:`Migration.comments`) and the blank lines around them, never a statement's SQL.
"""

from __future__ import annotations

import bisect
import re

from migration_lsp.migration import Migration
from migration_lsp.sql.facts import Statement

# A `--` line right above a CREATE TABLE that heads a section ("-- 1. Core tables",
# "-- ====") rather than describing the table.
_SECTION_HEADING = re.compile(r"^(\d+[.)]|#|=+$|-+$|\*+$)")


def purpose(m: Migration, st: Statement) -> str | None:
    """The `--` lines directly above the statement (no blank line between), minus section headings."""
    top = st.top
    comments = m.comments
    i = bisect.bisect_left(m.comment_starts, top.start) - 1
    lines: list[str] = []
    boundary = top.start
    while i >= 0:
        c = comments[i]
        between = m.sql[c.end : boundary]
        if not c.line or between.strip() or between.count("\n") > 1:
            break
        lines.append(m.sql[c.start + 2 : c.end].strip())
        boundary = c.start
        # Only a comment alone on its line describes what follows.
        if m.sql[m.line_start(c.start) : c.start].strip():
            lines.pop()
            break
        i -= 1
    kept = [t for t in reversed(lines) if t and not _SECTION_HEADING.match(t) and "migration-lsp:" not in t]
    return " ".join(kept) or None
