"""Names as the model keys them, and names only the app knows.

Keys are canonical :class:`Name` values: unquoted names are already folded to lower case by
the analyser, quoted names keep their case, and the ``public`` schema is written as
``schema=None``, so ``Name("mason_users")`` finds ``public.mason_users``.

A name that holds a ``${…}`` (see :func:`dynamic`) is only known when the app runs.
"""

from __future__ import annotations

import re

from migration_lsp.locate.typescript import PLACEHOLDER
from migration_lsp.sql.facts import Name


def canonical(name: Name) -> Name:
    """The key of ``name``: ``public`` is the default schema and is left out."""
    if name.schema == "public":
        return Name(name.name)
    return name


def parse_name(text: str) -> Name:
    """``"schema.name"`` or ``"name"`` as a canonical :class:`Name`, spelled as stored (no folding)."""
    schema, dot, name = text.rpartition(".")
    return canonical(Name(name, schema if dot else None))


SYSTEM_SCHEMAS = ("pg_catalog", "information_schema")


def system_catalog(name: Name) -> bool:
    """Is it one of PostgreSQL's own catalogs, never an app's table: ``information_schema.*``,
    ``pg_catalog.*``, or ``pg_*`` (``pg_stat_statements``)? A name the code wrote with its
    schema in one string (``.from('information_schema.columns')``) counts too."""
    if name.schema is None and "." not in name.name:  # most names: asked of every table on every keystroke
        return name.name.startswith("pg_")
    schema, _, rest = name.name.rpartition(".") if name.schema is None else (name.schema, ".", name.name)
    return schema in SYSTEM_SCHEMAS or schema.startswith("pg_") or rest.startswith("pg_")


def dynamic(name: Name | str) -> bool:
    """Does the name hold a ``${…}``? Only the app knows it, so it is the same as no other name."""
    return PLACEHOLDER.search(str(name)) is not None


def could_be(pattern: Name, name: Name) -> bool:
    """Could ``pattern``, whose every ``${…}`` may stand for any text, be ``name``?"""
    return all(re.fullmatch("".join(".*" if i % 2 else re.escape(part) for i, part in enumerate(PLACEHOLDER.split(p))), n, re.DOTALL) for p, n in zip(pattern.key(), name.key()))
