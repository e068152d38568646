"""Statements the coverage rules add to a migration, and where in it they go.

The rulebook orders a migration as tables, then indexes, then RLS, then policies
("Migration SQL Structure"). In a migration grouped that way, each new statement goes at
the end of its own section; in one written table by table, the statements for a table go
after that table, and a new table's statements go together at the end.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable
from weakref import WeakKeyDictionary

from migration_lsp.config import Config
from migration_lsp.findings import Edit
from migration_lsp.fixes.sql import guarded_policy, sql_name
from migration_lsp.migration import ByText, Migration
from migration_lsp.model.names import dynamic
from migration_lsp.model.schema import Table
from migration_lsp.sql.analyze import analyze
from migration_lsp.sql.facts import Kind, Name, Statement
from migration_lsp.sql.quote import sql_ident
from migration_lsp.workspace.references import ColumnUse

SECTIONS = ("table", "index", "rls", "policy")
_TIGHT = re.compile(r"[ \t]*\n[ \t]*[^\s]")  # the next line holds the next statement
MAX_IDENT = 63  # PostgreSQL truncates longer names


def section_of(st: Statement) -> str | None:
    """The rulebook section a top-level statement belongs to, if any: none for a statement on
    a table whose name holds a ``${…}``, which only the app knows."""
    f = st.fact
    table = f.name if f.kind == Kind.CREATE_TABLE else f.table
    if table is not None and dynamic(table):
        return None
    if f.kind == Kind.CREATE_TABLE:
        return "table"
    if f.kind == Kind.CREATE_INDEX:
        return "index"
    if f.kind == Kind.ALTER_TABLE and f.actions and all(a.kind in ("enable_rls", "force_rls") for a in f.actions):
        return "rls"
    if f.kind == Kind.CREATE_POLICY:
        return "policy"
    if f.kind == Kind.DO and any(c.kind == Kind.CREATE_POLICY and not (c.table is not None and dynamic(c.table)) for c in f.walk()):
        return "policy"
    return None


_sections = ByText(section_of)


class Layout:
    """How one migration is laid out: its sections, if its statements are grouped by them.

    It keeps no reference to the migration, so that the cache of :func:`layout` can drop it.
    """

    def __init__(self, m: Migration) -> None:
        self.last = m.statements[-1] if m.statements else None
        self.kinds = _sections.each(m)
        self.sections: dict[str, list[Statement]] = {}
        for st, kind in zip(m.statements, self.kinds):
            if kind is not None:
                self.sections.setdefault(kind, []).append(st)
        structural = [k for k in self.kinds if k is not None]
        runs = [k for i, k in enumerate(structural) if i == 0 or k != structural[i - 1]]
        # Grouped: each section is one uninterrupted run, and the runs follow the rulebook's order.
        self.grouped = len(runs) == len(set(runs)) and runs == sorted(runs, key=SECTIONS.index)

    def section_end(self, kind: str) -> Statement | None:
        """Where a ``kind`` statement goes in a grouped migration: after the last statement of
        its section, or, if the migration lacks that section, of the nearest one before it."""
        if not self.grouped:
            return None
        for earlier in reversed(SECTIONS[: SECTIONS.index(kind) + 1]):
            found = self.sections.get(earlier)
            if found:
                return found[-1]
        return None


# Every finding of a migration asks where its fix goes: classify the statements once per
# migration, not once per finding. A parsed migration never changes, so it is the key.
_layouts: WeakKeyDictionary[Migration, Layout] = WeakKeyDictionary()


def layout(m: Migration) -> Layout:
    found = _layouts.get(m)
    if found is None:
        found = _layouts[m] = Layout(m)
    return found


@dataclass(frozen=True)
class Piece:
    """One statement to add, with the section it belongs to."""

    section: str
    sql: str


def insert_pieces(m: Migration, placed: Iterable[tuple[Statement | None, Piece]]) -> tuple[Edit, ...]:
    """Edits that add each piece after its anchor statement (the end of the SQL for None).

    Pieces with the same anchor become one edit, in the order given.
    """
    by_anchor: dict[int, tuple[Statement | None, list[Piece]]] = {}
    for anchor, piece in placed:
        # After the anchor and its semicolon; for None, the end of the SQL without trailing space.
        at = m.end_of(anchor) if anchor is not None else len(m.sql.rstrip())
        by_anchor.setdefault(at, (anchor, []))[1].append(piece)
    edits = []
    for at, (anchor, group) in by_anchor.items():
        indent = m.indentation(anchor.start) if anchor is not None else ""
        previous = section_of(anchor) if anchor is not None else None
        one_line = anchor is not None and "\n" not in anchor.fact.text
        # Statements written without blank lines between them get none either.
        tight = _TIGHT.match(m.sql, at) is not None
        text = []
        for piece in group:
            # A one-line statement joins a list of its own kind; anything else stands apart.
            joins = tight or (previous == piece.section and one_line and "\n" not in piece.sql)
            text.append("\n" if joins else "\n\n")
            text.append(indent + piece.sql.replace("\n", "\n" + indent))
            previous, one_line = piece.section, "\n" not in piece.sql
        open_end = _unterminated(m, anchor)
        if open_end is not None:
            # Its own edit, before a comment that may follow the statement: the fixes that
            # add statements after the same one share it, and it is made once.
            edits.append(m.insert(open_end.end, ";"))
        edits.append(m.insert(at, "".join(text)))
    return tuple(edits)


def _unterminated(m: Migration, anchor: Statement | None) -> Statement | None:
    """The statement new text goes after (the last one for None), if no ``;`` ends it."""
    st = anchor if anchor is not None else (m.statements[-1] if m.statements else None)
    return st if st is not None and m.end_of(st) == st.end else None


# -- the statements -------------------------------------------------------------------------------


def short_name(table: Name, others: Iterable[str]) -> str:
    """The table's name without the app's prefix (``mason_api_keys`` → ``api_keys``), for policy names."""
    prefix, sep, rest = table.name.partition("_")
    if sep and rest and any(n != table.name and n.startswith(prefix + "_") for n in others):
        return rest
    return table.name


def index_name(table: Name, column: str) -> str:
    return f"idx_{table.name}_{column}"[:MAX_IDENT]


def create_index(table: Name, column: str) -> Piece:
    name = index_name(table, column)
    return Piece("index", f"CREATE INDEX IF NOT EXISTS {sql_ident(name)} ON {sql_name(table)}({sql_ident(column)});")


def enable_rls(table: Name) -> Piece:
    return Piece("rls", f"ALTER TABLE {sql_name(table)} ENABLE ROW LEVEL SECURITY;")


def policy(config: Config, table: Name, others: Iterable[str]) -> Piece | None:
    """The configured policy (the rulebook's "Allow all") in its guarded DO block."""
    try:
        # The names go inside the template's quoted identifiers: a `"` in them is doubled.
        statement = config.policy_template.format(
            table=sql_name(table),
            name=table.name.replace('"', '""'),
            schema=(table.schema or "public").replace('"', '""'),
            short=short_name(table, others).replace('"', '""'),
        )
    except (KeyError, IndexError, ValueError):
        return None  # a template with unknown placeholders: no fix rather than a wrong one
    statement = statement.strip().rstrip(";") + ";"
    fact = analyze(statement.rstrip(";"))
    if fact.kind != Kind.CREATE_POLICY or fact.name is None:
        return None
    return Piece("policy", guarded_policy(table, fact.name.name, statement))


def create_table(table: Name, columns: Iterable[ColumnUse], purpose: str | None = None) -> Piece:
    """A table with the rulebook's ``id`` and ``created_at``, and the columns the code uses,
    under its purpose comment."""
    lines = ["id UUID PRIMARY KEY DEFAULT gen_random_uuid(),"]
    for col in columns:
        if col.name in ("id", "created_at"):
            continue
        if col.type_hint is not None:
            lines.append(f"{sql_ident(col.name)} {col.type_hint},")
        else:
            lines.append(f"{sql_ident(col.name)} TEXT, -- TODO: the code uses this column; choose its type")
    lines.append("created_at TIMESTAMPTZ DEFAULT NOW()")
    body = "\n  ".join(lines)
    comment = f"-- {' '.join(purpose.split())}\n" if purpose else ""
    return Piece("table", f"{comment}CREATE TABLE IF NOT EXISTS {sql_name(table)} (\n  {body}\n);")


def scaffold(config: Config, table: Name, columns: list[ColumnUse], others: Iterable[str], purpose: str | None = None) -> list[Piece]:
    """Everything "Adding New Tables" asks for: the table, an index, RLS and a guarded policy."""
    used = [c.name for c in columns if c.name not in ("id", "created_at")]
    indexed = next((c for c in used if c.endswith("_id")), "created_at")
    pieces = [create_table(table, columns, purpose), create_index(table, indexed), enable_rls(table)]
    guarded = policy(config, table, others)
    if guarded is not None:
        pieces.append(guarded)
    return pieces


def place_new_table(m: Migration, pieces: list[Piece]) -> list[tuple[Statement | None, Piece]]:
    """Each piece in its section of a grouped migration, else all together at the end."""
    laid = layout(m)
    if not laid.grouped or "table" not in laid.sections:
        return [(laid.last, p) for p in pieces]
    return [(laid.section_end(p.section), p) for p in pieces]


def place_for_table(table: Table, section: str) -> Statement:
    """Where a statement of ``section`` for an existing ``table`` goes, in the table's migration.

    In a grouped migration: the end of that section, when it comes after the table.
    Otherwise right after what the table already has that comes before ``section``: its
    RLS statement (for a policy), its last index, or the table itself.
    """
    m = table.defined.migration
    created = table.defined.top
    end = layout(m).section_end(section)
    if end is not None and end.start >= created.start:
        return end
    anchor = created
    candidates = [i.defined.top for i in table.indexes if i.defined.migration is m]
    if section == "policy" and table.rls_defined is not None and table.rls_defined.migration is m:
        candidates.append(table.rls_defined.top)
    for st in candidates:
        if st.start > anchor.start:
            anchor = st
    return anchor
