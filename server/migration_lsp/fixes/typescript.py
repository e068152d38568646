"""Fixes that edit the app's TypeScript: a new entry in ``TABLES``, a name through it, its import.

Edits follow the file's own style: the key is derived the way the existing keys are, and
indentation, quotes, trailing commas and semicolons are copied from what is there.
"""

from __future__ import annotations

import re
from pathlib import Path
from weakref import WeakKeyDictionary

from migration_lsp.findings import Edit
from migration_lsp.sql.facts import Name
from migration_lsp.workspace.index import WorkspaceIndex
from migration_lsp.workspace.references import TablesConstant

_IDENTIFIER = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")


def _words(value: str) -> list[str]:
    return [w for w in re.split(r"[^A-Za-z0-9]+", value) if w]


# How a key is spelled from the words of a table name.
_CASES = {
    "upper": lambda ws: "_".join(w.upper() for w in ws),
    "snake": lambda ws: "_".join(w.lower() for w in ws),
    "camel": lambda ws: ws[0].lower() + "".join(w.capitalize() for w in ws[1:]),
    "pascal": lambda ws: "".join(w.capitalize() for w in ws),
}
_MAX_PREFIX = 2  # words of an app prefix (`mason_`, `app_core_`) a key may leave out


def derive_key(constant: TablesConstant, table: str) -> str:
    """The key for ``table``, spelled as most existing keys are (``mason_new_table`` → ``NEW_TABLE``)."""
    words = _words(table) or [table]
    for case, dropped in [*_spellings(constant), ("upper", 0)]:
        key = _CASES[case](words[min(dropped, len(words) - 1) :])
        if _IDENTIFIER.match(key) and key not in constant.entries:
            return key
    return "_" + _CASES["upper"](words)


def _spellings(constant: TablesConstant) -> list[tuple[str, int]]:
    """The (case, words dropped) that spell the constant's keys from their tables, most used first."""
    ranked = _ranked.get(constant)
    if ranked is None:
        votes: dict[tuple[str, int], int] = {}
        for entry in constant.entries.values():
            words = _words(entry.value)
            for case, spell in _CASES.items():
                for dropped in range(min(_MAX_PREFIX, len(words) - 1) + 1):
                    if spell(words[dropped:]) == entry.key:
                        votes[(case, dropped)] = votes.get((case, dropped), 0) + 1
        ranked = _ranked[constant] = sorted(votes, key=lambda v: (-votes[v], v[1]))
    return ranked


# By constant: while a table's name is typed, each keystroke's fix asks again of the same one.
_ranked: WeakKeyDictionary[TablesConstant, list[tuple[str, int]]] = WeakKeyDictionary()


def add_entry(index: WorkspaceIndex, constant: TablesConstant, table: Name) -> tuple[str, tuple[Edit, ...]] | None:
    """The key and the edits that add ``KEY: 'table',`` after the constant's last entry."""
    text = index.text(constant.path)
    if text is None:
        return None
    key = derive_key(constant, table.name)
    value = table.name if table.schema is None else f"{table.schema}.{table.name}"
    entries = list(constant.entries.values())
    if not entries:
        open_end = constant.start + 1
        indent = _indent_of(text, constant.start) + "  "
        return key, (Edit(constant.path, open_end, open_end, f"\n{indent}{key}: '{value}',\n{_indent_of(text, constant.start)}"),)
    last = entries[-1]
    quote = text[last.value_start] if text[last.value_start] in "'\"`" else "'"
    pair = f"{key}: {quote}{value}{quote}"
    single_line = "\n" not in text[constant.start : constant.end]
    if single_line:
        at = last.comma_end if last.comma_end is not None else last.end
        new = f" {pair}," if last.comma_end is not None else f", {pair}"
        return key, (Edit(constant.path, at, at, new),)
    indent = _indent_of(text, last.start)
    line_end = text.find("\n", last.end)
    line_end = len(text) if line_end == -1 else line_end
    if text[line_end - 1 : line_end] == "\r":
        line_end -= 1
    newline = "\r\n" if "\r\n" in text else "\n"
    if last.comma_end is not None:
        return key, (Edit(constant.path, line_end, line_end, f"{newline}{indent}{pair},"),)
    # The last entry had no trailing comma: give it one, and leave the new last one without.
    rest = text[last.end : line_end]
    return key, (Edit(constant.path, last.end, line_end, f",{rest}{newline}{indent}{pair}"),)


def is_commonjs(index: WorkspaceIndex, path: Path) -> bool:
    """A file that loads modules with ``require()``: an ``import`` statement would break it."""
    text = index.text(path) or ""
    return path.suffix == ".cjs" or (not index.imports(path) and "require(" in text)


def reference(binding: str, key: str) -> str:
    return f"{binding}.{key}" if _IDENTIFIER.match(key) else f"{binding}[{key!r}]"


def import_constant(index: WorkspaceIndex, path: Path, constant: TablesConstant) -> tuple[str, tuple[Edit, ...]]:
    """The name ``path`` reaches ``constant`` by, and the edit that imports it if it does not yet."""
    binding = index.import_binding(path, constant)
    if binding is not None:
        return binding, ()
    text = index.text(path) or ""
    name = constant.name
    specifier = index.import_specifier(path, constant)
    imports = index.imports(path)
    same = next(
        (
            imp
            for imp in imports
            # a type-only import cannot bring a value
            if imp.specifier == specifier and imp.named_end is not None and not re.match(r"import\s+type\b", text[imp.start : imp.end])
        ),
        None,
    )
    if same is not None and same.named_end is not None:
        # `import { A } from 'x'` → `import { A, TABLES } from 'x'`
        separator = ", " if same.names else " "
        return name, (Edit(path, same.named_end, same.named_end, f"{separator}{name}"),)
    quote = imports[-1].quote if imports else "'"
    semicolon = ";" if not imports or text[: imports[-1].end].rstrip().endswith(";") else ""
    statement = f"import {{ {name} }} from {quote}{specifier}{quote}{semicolon}"
    newline = "\r\n" if "\r\n" in text else "\n"
    if imports:
        at = imports[-1].end
        return name, (Edit(path, at, at, f"{newline}{statement}"),)
    at = index.prologue_end(path)
    if at:
        return name, (Edit(path, at, at, f"{newline}{newline}{statement}"),)
    return name, (Edit(path, 0, 0, f"{statement}{newline}{newline}"),)


def _indent_of(text: str, offset: int) -> str:
    start = text.rfind("\n", 0, offset) + 1
    end = start
    while end < len(text) and text[end] in " \t":
        end += 1
    return text[start:end]
