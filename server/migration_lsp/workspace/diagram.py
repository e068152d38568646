"""The schema as a Mermaid ``erDiagram``, and the diagram block of a rules document.

One entity per table, with its key columns (``PK``, ``FK``) and a label that says whether
row level security is on and how many policies the table has; one relationship per foreign
key. A table that a foreign key references but no migration creates (``auth.users``) is
drawn too, labelled as such. The text is what GitHub's Mermaid (11.3 and later) parses,
whatever the names hold: entities are written quoted, and attribute types and names, which
Mermaid takes only as plain ASCII words, are reduced to one, with the real name as the
attribute's comment when it had to change.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from migration_lsp.model.names import canonical
from migration_lsp.model.schema import Schema, Table
from migration_lsp.sql.facts import Name

FENCE = "```mermaid"
HEADER = "erDiagram"
COMMAND = "migration-lsp schema --format mermaid"
_INDENT = "    "
# A quoted entity name or label may not hold these (Mermaid's lexer ends the string there);
# a double quote is written as a single one.
_NOT_IN_QUOTES = re.compile(r'["%\\\x00-\x1f\x7f]')
# An attribute's type or name: an ASCII letter or underscore first, then letters, digits,
# underscores, parentheses and brackets (`numeric(10_2)`, `text[]`).
_NOT_IN_WORD = re.compile(r"[^A-Za-z0-9_()\[\]]+")
# Mermaid reads these as an attribute's key, not as its name.
_KEY_WORDS = frozenset({"pk", "fk", "uk"})


def render_diagram(schema: Schema) -> str:
    """The diagram's lines, without the fence; ``\\n`` line breaks, one at the end."""
    ids = _Ids()
    lines = [HEADER, f"{_INDENT}%% {COMMAND}"]
    for t in schema.tables.values():
        label = f"{t.name} ({_security(t)})"
        attributes = _key_attributes(t)
        head = f"{_INDENT}{ids.of(t.name)}[{_quoted(label)}]"
        if not attributes:
            lines.append(head)
            continue
        lines.append(head + " {")
        lines += [f"{_INDENT * 2}{a}" for a in attributes]
        lines.append(_INDENT + "}")
    referenced = {canonical(fk.references) for t in schema.tables.values() for fk in t.foreign_keys}
    for name in sorted(referenced - schema.tables.keys(), key=str):
        lines.append(f"{_INDENT}{ids.of(name)}[{_quoted(f'{name} (not created by the migration)')}]")
    for t in schema.tables.values():
        for fk in t.foreign_keys:
            label = _quoted(", ".join(fk.columns))
            lines.append(f"{_INDENT}{ids.of(canonical(fk.references))} {_cardinality(t, fk.columns)} {ids.of(t.name)} : {label}")
    return "\n".join(lines) + "\n"


def _security(t: Table) -> str:
    count = len(t.policies)
    policies = f"{count} {'policy' if count == 1 else 'policies'}" if count else "no policies"
    rls = ("RLS forced" if t.rls_forced else "RLS") if t.rls else "no RLS"
    return f"{rls}, {policies}"


def _key_attributes(t: Table) -> list[str]:
    """``type name PK, FK`` for each column of the primary key or of a foreign key, in table order."""
    primary = set(t.primary_key.columns) if t.primary_key else set()
    foreign = {c for fk in t.foreign_keys for c in fk.columns}
    keyed = [c for c in t.columns if c in primary | foreign]
    keyed += sorted((primary | foreign) - set(keyed))  # named by a key, not known as a column
    out = []
    for name in keyed:
        column = t.columns.get(name)
        keys = ", ".join(k for k, on in (("PK", name in primary), ("FK", name in foreign)) if on)
        word = _word(name)
        comment = f" {_quoted(name)}" if word != name else ""
        out.append(f"{_word(column.type if column else '') or 'untyped'} {word} {keys}{comment}")
    return out


def _cardinality(t: Table, columns: tuple[str, ...]) -> str:
    """Crow's foot ends: the parent is optional when a column may be NULL; a child is at most
    one per parent when the columns are its primary key or a unique key."""
    required = all(c in t.columns and t.columns[c].not_null for c in columns)
    keys = [k.columns for k in ([t.primary_key] if t.primary_key else []) + t.uniques]
    one = any(set(k) == set(columns) for k in keys)
    return ("||" if required else "|o") + "--" + ("o|" if one else "o{")


def _quoted(text: str) -> str:
    return '"' + _NOT_IN_QUOTES.sub("_", text.replace('"', "'")) + '"'


def _word(text: str) -> str:
    word = _NOT_IN_WORD.sub("_", text.strip())
    if word and not (word[0].isascii() and (word[0].isalpha() or word[0] == "_")):
        word = "_" + word
    return word + "_" if word.lower() in _KEY_WORDS else word


class _Ids:
    """A quoted entity name per table, told apart when two names reduce to one."""

    def __init__(self) -> None:
        self._ids: dict[Name, str] = {}
        self._used: set[str] = set()

    def of(self, name: Name) -> str:
        known = self._ids.get(name)
        if known is not None:
            return known
        base = _quoted(str(name))
        candidate, n = base, 1
        while candidate in self._used:
            n += 1
            candidate = f'{base[:-1]}_{n}"'
        self._used.add(candidate)
        self._ids[name] = candidate
        return candidate


@dataclass(frozen=True, slots=True)
class DiagramBlock:
    """The inside of the first ```` ```mermaid ```` fence of a document that draws an ``erDiagram``."""

    start: int  # document offsets: from the line after the opening fence to the closing fence
    end: int
    text: str
    newline: str


def find_diagram(text: str) -> DiagramBlock | None:
    newline = "\r\n" if "\r\n" in text else "\n"
    pos = 0
    opening: int | None = None  # the inside of an open ```mermaid fence starts here
    other = False  # inside another fence, whose lines are not Markdown
    for raw in text.splitlines(keepends=True):
        line = raw.strip()
        fence = line.startswith("```")
        if opening is not None and fence and not line.strip("`"):
            inside = text[opening:pos]
            if any(s.strip() == HEADER for s in inside.splitlines()):
                return DiagramBlock(opening, pos, inside, newline)
            opening = None
        elif opening is None and fence:
            if other:
                other = bool(line.strip("`"))
            elif line == FENCE:
                opening = pos + len(raw)
            else:
                other = True
        pos += len(raw)
    return None
