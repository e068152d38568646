"""What the SQL before the cursor asks for next: the statement being typed is unfinished, so
it is read from its end backwards with patterns rather than into facts."""

from __future__ import annotations

import re

from migration_lsp.sql.facts import Name
from migration_lsp.sql.reader import TokenReader
from migration_lsp.sql.tokens import TokenError, tokenize

# A word a table's name follows, then what is typed of the name.
_TABLE = re.compile(
    r"""\b(?:ON(?:\s+ONLY)?|REFERENCES|ALTER\s+TABLE(?:\s+IF\s+EXISTS)?(?:\s+ONLY)?|TABLE(?:\s+IF\s+(?:NOT\s+)?EXISTS)?|INTO|FROM|JOIN|UPDATE)\s+[\w."]*$""",
    re.IGNORECASE,
)
# Inside the column list of ``ON table (`` (an index) or ``REFERENCES table (``.
_COLUMNS = re.compile(
    r"""\b(?:ON(?:\s+ONLY)?|REFERENCES)\s+((?:"?\w+"?\.)?"?\w+"?)\s*(?:USING\s+\w+\s*)?\(([^()]*)$""",
    re.IGNORECASE,
)

TABLES = "tables"
COLUMNS = "columns"


def expects(before: str) -> tuple[str, Name | None] | None:
    """(:data:`COLUMNS`, the table) in a column list of a table; (:data:`TABLES`, None) where a
    table's name goes; None elsewhere. ``before``: the statement's text up to the cursor."""
    columns = _COLUMNS.search(before)
    if columns is not None:
        try:
            named = TokenReader(columns.group(1), tokenize(columns.group(1)), "postgres").name()
        except TokenError:  # a quoted name not closed yet
            return None
        return (COLUMNS, named[0]) if named is not None else None
    if _TABLE.search(before):
        return TABLES, None
    return None
