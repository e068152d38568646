"""Fixes that rewrite SQL inside a migration literal.

Each fix is a list of edits in document coordinates: :meth:`Migration.edit` maps the SQL
span and escapes the new text for the literal it goes into.
"""

from __future__ import annotations

from migration_lsp.engine import Migration
from migration_lsp.rules.base import Fix
from migration_lsp.sql.facts import Name, Statement


def insert_words(m: Migration, at: int, words: str, title: str | None = None, safe: bool = True) -> Fix:
    """Insert ``words`` (e.g. ``IF NOT EXISTS``) after the keyword ending at ``at``."""
    return Fix(title or f"Add {words}", (m.insert(at, " " + words),), safe)


def sql_string(value: str) -> str:
    """A SQL string literal."""
    return "'" + value.replace("'", "''") + "'"


def _dollar_tag(text: str) -> str:
    tag = "$$"
    n = 0
    while tag in text:
        n += 1
        tag = f"$migration{n}$"
    return tag


def _with_terminator(m: Migration, st: Statement) -> tuple[int, str]:
    """The end of the statement including its semicolon, and the statement text with one."""
    end = st.end
    if m.sql.startswith(";", end):
        end += 1
    return end, st.fact.text + ";"


def policy_guard_condition(table: Name, policy: str) -> str:
    schema = f"schemaname = {sql_string(table.schema)} AND " if table.schema else ""
    return (
        f"SELECT 1 FROM pg_policies WHERE {schema}tablename = {sql_string(table.name)}"
        f" AND policyname = {sql_string(policy)}"
    )


def guard_policy(m: Migration, st: Statement) -> Fix:
    """Wrap a ``CREATE POLICY`` in the rulebook's existence check, keeping its indentation."""
    fact = st.fact
    assert fact.table is not None and fact.name is not None
    indent = m.indentation(st.start)
    end, statement = _with_terminator(m, st)
    body = statement.replace("\n", "\n  ")
    condition = policy_guard_condition(fact.table, fact.name.name)
    if st.parent is not None:
        # Already inside a DO block: a PL/pgSQL IF is enough.
        text = f"IF NOT EXISTS ({condition}) THEN\n{indent}  {body}\n{indent}END IF;"
    else:
        body = statement.replace("\n", "\n    ")
        tag = _dollar_tag(statement)
        text = (
            f"DO {tag} BEGIN\n"
            f"{indent}  IF NOT EXISTS ({condition}) THEN\n"
            f"{indent}    {body}\n"
            f"{indent}  END IF;\n"
            f"{indent}END {tag};"
        )
    return Fix("Wrap the policy in a guarded DO block", (m.edit(st.start, end, text),))


def guard_duplicate_object(m: Migration, st: Statement, title: str) -> Fix | None:
    """Wrap a top-level statement in ``DO … EXCEPTION WHEN duplicate_object``."""
    if st.parent is not None:
        return None
    indent = m.indentation(st.start)
    end, statement = _with_terminator(m, st)
    tag = _dollar_tag(statement)
    body = statement.replace("\n", "\n  ")
    text = (
        f"DO {tag} BEGIN\n"
        f"{indent}  {body}\n"
        f"{indent}EXCEPTION WHEN duplicate_object OR duplicate_table THEN NULL;\n"
        f"{indent}END {tag};"
    )
    return Fix(title, (m.edit(st.start, end, text),))
