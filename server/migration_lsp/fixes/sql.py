"""Fixes that rewrite SQL inside a migration literal.

Each fix is a list of edits in document coordinates: :meth:`Migration.edit` maps the SQL
span and escapes the new text for the literal it goes into.
"""

from __future__ import annotations

from typing import Sequence

from migration_lsp.findings import Edit, Fix
from migration_lsp.migration import Migration
from migration_lsp.sql.facts import Name, Statement
from migration_lsp.sql.quote import sql_ident, sql_string
from migration_lsp.sql.tokens import STRING, TokenError, tokenize


def insert_words(m: Migration, at: int, words: str, title: str | None = None, safe: bool = True) -> Fix:
    """Insert ``words`` (e.g. ``IF NOT EXISTS``) after the keyword ending at ``at``."""
    return Fix(title or f"Add {words}", (m.insert(at, " " + words),), safe)


def sql_name(name: Name) -> str:
    """A possibly schema-qualified name, each part quoted as it must be."""
    return f"{sql_ident(name.schema)}.{sql_ident(name.name)}" if name.schema else sql_ident(name.name)


def dollar_tag(text: str) -> str:
    """A dollar-quote tag that does not occur in ``text``: ``$$`` when it can be."""
    tag = "$$"
    n = 0
    while tag in text:
        n += 1
        tag = f"$migration{n}$"
    return tag


def policy_guard_condition(table: Name, policy: str) -> str:
    schema = f"schemaname = {sql_string(table.schema)} AND " if table.schema else ""
    return f"SELECT 1 FROM pg_policies WHERE {schema}tablename = {sql_string(table.name)} AND policyname = {sql_string(policy)}"


def _policy_block(table: Name, policy: str, indent: str, tag: str) -> tuple[str, str]:
    """What goes before and after a ``CREATE POLICY`` in the rulebook's guarded ``DO`` block."""
    head = f"DO {tag} BEGIN\n{indent}  IF NOT EXISTS ({policy_guard_condition(table, policy)}) THEN\n{indent}    "
    return head, f"\n{indent}  END IF;\n{indent}END {tag};"


def guarded_policy(table: Name, policy: str, statement: str, indent: str = "") -> str:
    """The rulebook's ``DO`` block that creates a policy only when ``pg_policies`` lacks it.

    ``statement`` is the ``CREATE POLICY`` with its semicolon; every line after the first
    starts with ``indent``.
    """
    head, tail = _policy_block(table, policy, indent, dollar_tag(statement))
    return head + statement.replace("\n", "\n    ") + tail


def guard_policy(m: Migration, st: Statement) -> Fix | None:
    """Wrap a ``CREATE POLICY`` in the rulebook's existence check, keeping its indentation.

    None when the policy's name or table holds a ``${…}``: the check would have to repeat
    it, and the SQL checked here only has a placeholder for it, or the constant's value,
    which the code spells in one place.
    """
    fact = st.fact
    assert fact.table is not None and fact.name is not None
    if any(span is not None and m.literal.from_code(*st.span(span)) for span in (fact.name_span, fact.table_span)):
        return None
    indent = m.indentation(st.start)
    if st.parent is not None:
        # Already inside a DO block: a PL/pgSQL IF is enough.
        head = f"IF NOT EXISTS ({policy_guard_condition(fact.table, fact.name.name)}) THEN\n{indent}  "
        edits = _wrap(m, st, head, f"\n{indent}END IF;", "  ")
    else:
        edits = _wrap(m, st, *_policy_block(fact.table, fact.name.name, indent, dollar_tag(st.fact.text)), "    ")
    return Fix("Wrap the policy in a guarded DO block", edits)


def guard_with_handler(m: Migration, st: Statement, conditions: Sequence[str], title: str) -> Fix | None:
    """Let ``st`` fail harmlessly with ``conditions``: a ``DO`` block with that handler, or,
    inside a DO block already, a nested ``BEGIN … EXCEPTION … END``. None outside PostgreSQL,
    which alone has DO blocks."""
    if m.dialect != "postgres":
        return None
    indent = m.indentation(st.start)
    handler = f"\n{indent}EXCEPTION WHEN {' OR '.join(conditions)} THEN NULL;\n{indent}END"
    if st.parent is not None:
        edits = _wrap(m, st, f"BEGIN\n{indent}  ", f"{handler};", "  ")
    else:
        tag = dollar_tag(st.fact.text)
        edits = _wrap(m, st, f"DO {tag} BEGIN\n{indent}  ", f"{handler} {tag};", "  ")
    return Fix(title, edits)


def insert_before(m: Migration, st: Statement, sql: str, title: str) -> Fix:
    """Put the statement ``sql`` on its own line just before ``st``, at the same indentation."""
    return Fix(title, (m.insert(st.start, f"{sql}\n{m.indentation(st.start)}"),))


def _wrap(m: Migration, st: Statement, head: str, tail: str, indent_by: str) -> tuple[Edit, ...]:
    """Edits that put ``head`` before ``st``, ``tail`` after its semicolon, and indent its
    other lines by ``indent_by``.

    The statement itself is not rewritten, so a ``${…}`` in it stays what it is.
    """
    edits = [m.insert(st.start, head)]
    edits.extend(m.insert(st.at(i), indent_by) for i in _inner_line_starts(st.fact.text))
    edits.append(m.edit(st.end, m.end_of(st), ";" + tail))
    return tuple(edits)


def _inner_line_starts(text: str) -> list[int]:
    """Where the lines after the first start, but not inside a string, whose text would change."""
    try:
        strings = [(t.start, t.end) for t in tokenize(text) if t.kind == STRING]
    except TokenError:
        return []
    return [i + 1 for i, c in enumerate(text) if c == "\n" and text[i + 1 : i + 2] not in ("", "\n") and not any(s <= i < e for s, e in strings)]
