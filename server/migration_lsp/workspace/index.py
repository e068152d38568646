"""The code's table references, found with tree-sitter: which tables and functions the app uses.

Forms read (``supabase`` stands for any receiver):

- ``supabase.from('t')`` (quotes, double quotes, or a backtick string without ``${}``);
- ``supabase.from(TABLES.KEY)`` and ``supabase.from(TABLES['KEY'])``, also through an
  import alias (``import { TABLES as T }``) or a namespace import (``C.TABLES.KEY``);
- ``supabase.schema('s').from(…)`` for a table outside ``public``;
- realtime filters: ``.on('postgres_changes', { schema: 's', table: … }, …)``;
- ``supabase.rpc('fn')`` for functions.

Only the configured constant (``TABLES``) names tables; other constants are not read. A
reference through it is resolved by the import that the referencing file itself has
(relative paths, ``tsconfig.json`` ``paths``, workspace packages, re-exports), so two
packages that each declare a ``TABLES`` never mix. A reference that cannot be resolved
statically (``.from(name)``) is skipped, never guessed.

Each file is indexed on its own, its facts kept with its latest text;
:meth:`WorkspaceIndex.update` re-indexes one file. Files that cannot hold a reference are never parsed.
"""

from __future__ import annotations

import os.path
import re
from dataclasses import dataclass, field
from pathlib import Path, PurePath
from typing import Iterator

import pathspec

from migration_lsp.config import Config
from migration_lsp.locate.typescript import CODE_SUFFIXES, ByteToChar, parse, parse_alone
from migration_lsp.model.names import canonical, parse_name
from migration_lsp.positions import unchanged_ends
from migration_lsp.sql.analyze import analyze
from migration_lsp.sql.facts import Kind, Name
from migration_lsp.sql.split import split
from migration_lsp.workspace.checklist import Checklist, find_checklists
from migration_lsp.workspace.declarations import DeclarationReader, Declarations
from migration_lsp.workspace.files import Unreadable, inside_root, read_source
from migration_lsp.workspace.modules import ModuleResolver
from migration_lsp.workspace.references import ColumnUse, FunctionRef, ImportDecl, TableRef, TablesConstant
from migration_lsp.workspace.supabase_calls import CallReader, RawRef

MARKDOWN_SUFFIXES = frozenset({".md", ".markdown"})
SQL_SUFFIXES = frozenset({".sql"})  # legacy schema files: read for the tables they create
_CREATES_TABLE = re.compile(r"\s*create\s+(?:(?:global\s+|local\s+)?(?:temp|temporary|unlogged)\s+)?table\b", re.IGNORECASE)
MAX_REEXPORT_DEPTH = 8


# -- one file, without its path: cached by content -----------------------------------------------


@dataclass(frozen=True, slots=True)
class CodeFacts:
    refs: tuple[RawRef, ...] = ()
    declarations: Declarations = Declarations()


_NOTHING = CodeFacts()


def _may_reference(text: str, constant: str) -> bool:
    """A cheap test that keeps tree-sitter away from files that cannot hold a reference."""
    return any(word in text for word in (*_REFERENCE_WORDS, constant))


_REFERENCE_WORDS = (".from(", ".rpc(", "postgres_changes", "export *")


def _still_nothing(old: str, text: str, constant: str) -> bool:
    """Does ``text``, made from ``old`` that cannot hold a reference, still not? A word it
    holds that ``old`` did not overlaps the change: only the change and a word's length around
    it are read, not the whole file (a migration's, at every keystroke)."""
    same_start, same_end = unchanged_ends(old, text)
    reach = max(len(word) for word in (*_REFERENCE_WORDS, constant)) - 1
    return not _may_reference(text[max(0, same_start - reach) : len(text) - same_end + reach], constant)


def code_facts(path: Path, text: str, constant: str, *, alone: bool = False) -> CodeFacts:
    """What :meth:`WorkspaceIndex.update` reads from a code file's text; also computed in
    another process, whose results :meth:`FileFacts.remember` takes in. ``alone``: no one
    else reads the file's tree (see :func:`parse_alone`)."""
    if not _may_reference(text, constant):
        return _NOTHING
    tree = parse_alone(text, path) if alone else parse(text, path)[0]
    to_char = ByteToChar(text)
    return CodeFacts(CallReader(text, to_char).read(tree), DeclarationReader(text, to_char, constant).read(tree.root_node))


class FileFacts:
    """The facts of each file's latest text, kept by whoever builds indexes of the same files
    again (the server, for a folder read again after a config change), so that a new index
    parses only what changed. Only the latest text: an editor sends every version of the file
    being typed in. Dropped with its keeper."""

    def __init__(self) -> None:
        self._latest: dict[tuple[Path, str], tuple[str, CodeFacts]] = {}

    def read(self, path: Path, text: str, constant: str) -> CodeFacts:
        cached = self._latest.get((path, constant))
        if cached is not None and cached[0] == text:
            return cached[1]
        facts = _NOTHING if cached is not None and cached[1] is _NOTHING and _still_nothing(cached[0], text, constant) else code_facts(path, text, constant)
        self._latest[(path, constant)] = (text, facts)
        return facts

    def remember(self, path: Path, text: str, constant: str, facts: CodeFacts) -> None:
        """Facts :func:`code_facts` computed elsewhere: indexing the same text reads them, not the file."""
        self._latest[(path, constant)] = (text, facts)


# -- the workspace -------------------------------------------------------------------------------


@dataclass(eq=False)
class WorkspaceIndex:
    """Every code file's references, resolved against the tables constant it imports."""

    config: Config
    facts: FileFacts = field(default_factory=FileFacts, repr=False)  # shared with the indexes built before
    _files: dict[Path, CodeFacts] = field(default_factory=dict, init=False, repr=False)
    _texts: dict[Path, str] = field(default_factory=dict, init=False, repr=False)
    _checklists: dict[Path, list[Checklist]] = field(default_factory=dict, init=False, repr=False)
    _sql_tables: dict[Path, frozenset[Name]] = field(default_factory=dict, init=False, repr=False)
    _resolved: dict[Path, tuple[list[TableRef], list[FunctionRef]]] = field(default_factory=dict, init=False, repr=False)
    _constants: dict[Path, TablesConstant] | None = field(default=None, init=False, repr=False)
    modules: ModuleResolver = field(init=False, repr=False)  # imports, resolved among the indexed files
    # how often each import specifier brings the constant
    _specifiers: dict[str, int] | None = field(default=None, init=False, repr=False)
    # Counts the changes that can change what some file's references resolve to, or how a file
    # would import the constant: a file added or removed, a constant, re-exports or imports
    # changed. Between two, :meth:`file_table_refs` hands out the same list for a file as long
    # as that file stays as it is, so what is derived from the lists can be kept.
    generation: int = field(default=0, init=False)

    def __post_init__(self) -> None:
        self.modules = ModuleResolver(self._files.keys())

    # -- keeping it current ----------------------------------------------------------------
    def update(self, path: Path, text: str) -> None:
        """Index ``path`` anew (a code or Markdown file); only that file is read again."""
        if self._texts.get(path) == text:
            return
        known = path in self._texts
        self._texts[path] = text
        if path.suffix.lower() in MARKDOWN_SUFFIXES:
            self._checklists[path] = find_checklists(path, text)
            return
        if path.suffix.lower() in SQL_SUFFIXES:
            self._sql_tables[path] = _tables_created(text)
            return
        if path.suffix.lower() not in CODE_SUFFIXES:
            return
        old = self._files.get(path)
        facts = self.facts.read(path, text, self.config.tables_constant)
        self._files[path] = facts
        self._resolved.pop(path, None)
        # What other files resolve through: the constant, re-exports, the set of modules.
        before, now = old.declarations if old is not None else None, facts.declarations
        if not known or (before is not None and (before.constant, before.reexports) != (now.constant, now.reexports)):
            self._invalidate()
        elif before is None or before.imports != now.imports:
            self._specifiers = None
            self.generation += 1

    def remove(self, path: Path) -> None:
        self._texts.pop(path, None)
        self._checklists.pop(path, None)
        self._sql_tables.pop(path, None)
        if self._files.pop(path, None) is not None:
            self._invalidate()

    def _invalidate(self) -> None:
        self._resolved.clear()
        self._constants = None
        self.modules.invalidate()
        self._specifiers = None
        self.generation += 1

    def text(self, path: Path) -> str | None:
        return self._texts.get(path)

    # -- what rules read ------------------------------------------------------------------
    def table_refs(self) -> Iterator[TableRef]:
        for refs in self.file_table_refs():
            yield from refs

    def file_table_refs(self) -> Iterator[list[TableRef]]:
        """:meth:`table_refs`, one list a code file (see :attr:`generation`); not to be changed."""
        for path in self._files:
            yield self._resolve(path)[0]

    def function_refs(self) -> Iterator[FunctionRef]:
        for path in self._files:
            yield from self._resolve(path)[1]

    def refs_in(self, path: Path) -> list[TableRef]:
        return self._resolve(path)[0] if path in self._files else []

    def columns_used(self, table: Name) -> list[ColumnUse]:
        """Columns the code names for ``table``, first use first, with the first type hint seen."""
        key = canonical(table)
        seen: dict[str, ColumnUse] = {}
        for ref in self.table_refs():
            if ref.table != key:
                continue
            for col in ref.columns:
                if col.name not in seen or (seen[col.name].type_hint is None and col.type_hint is not None):
                    seen[col.name] = col
        return list(seen.values())

    def constants(self) -> list[TablesConstant]:
        """Every declaration of the tables constant (in the configured file, if one is set)."""
        if self._constants is None:
            # A tables-file outside the root is not used (the project says so in a notice).
            tables_file = inside_root(self.config.root, self.config.tables_file) if self.config.tables_file else None
            spec = pathspec.GitIgnoreSpec.from_lines([tables_file]) if tables_file else None
            found = {}
            for path, facts in self._files.items():
                if facts.declarations.constant is None:
                    continue
                if spec is not None and not spec.match_file(relative(path, self.config.root)):
                    continue
                d = facts.declarations.constant
                found[path] = TablesConstant(path, self.config.tables_constant, {e.key: e for e in d.entries}, d.start, d.end)
            self._constants = found
        return list(self._constants.values())

    def constant_for(self, path: Path) -> TablesConstant | None:
        """The tables constant ``path`` sees: the one it imports, else the nearest one."""
        facts = self._files.get(path)
        if facts is not None:
            name = self.config.tables_constant
            bindings: list[tuple[str, str | None]] = [(name, None)]
            bindings += [(local, None) for imp in facts.declarations.imports for imported, local in imp.names if imported == name]
            bindings += [(imp.namespace, name) for imp in facts.declarations.imports if imp.namespace is not None]
            for local, member in bindings:
                found = self._binding(path, local, member)
                if found is not None:
                    return found
        return self.nearest_constant(path)

    def nearest_constant(self, path: Path) -> TablesConstant | None:
        """The constant declared closest to ``path`` in the folder tree (its own package's)."""
        constants = self.constants()
        if not constants:
            return None
        return max(constants, key=lambda c: (shared_depth(c.path, path), -len(c.path.parts), str(c.path)))

    def imports(self, path: Path) -> tuple[ImportDecl, ...]:
        facts = self._files.get(path)
        return facts.declarations.imports if facts is not None else ()

    def prologue_end(self, path: Path) -> int:
        facts = self._files.get(path)
        return facts.declarations.prologue_end if facts is not None else 0

    def import_binding(self, path: Path, constant: TablesConstant) -> str | None:
        """The name under which ``path`` already reaches ``constant`` (``TABLES``, an alias, ``ns.TABLES``)."""
        facts = self._files.get(path)
        if facts is None:
            return None
        if path == constant.path:
            return constant.name
        for imp in facts.declarations.imports:
            for imported, local in imp.names:
                if imported == constant.name and self._binding(path, local, None) is constant:
                    return local
            if imp.namespace is not None and self._binding(path, imp.namespace, constant.name) is constant:
                return f"{imp.namespace}.{constant.name}"
        return None

    def import_specifier(self, path: Path, constant: TablesConstant) -> str:
        """How ``path`` should import ``constant``: as other files do, else by a relative path."""
        if self._specifiers is None:
            self._specifiers = {}
            for facts in self._files.values():
                for imp in facts.declarations.imports:
                    if any(imported == self.config.tables_constant for imported, _ in imp.names):
                        self._specifiers[imp.specifier] = self._specifiers.get(imp.specifier, 0) + 1
        # Only a specifier that reaches this very constant from this file will do.
        self.constants()
        counts = {s: n for s, n in self._specifiers.items() if self._exports(self.modules.resolve(path, s), constant.name, 0) is constant}
        if counts:
            return max(counts, key=lambda s: (counts[s], not s.startswith("."), s))
        rel = _relpath(constant.path.with_suffix(""), path.parent)
        return rel if rel.startswith(".") else "./" + rel

    def sql_files_creating(self, table: Name) -> list[Path]:
        """The workspace's ``.sql`` files that create ``table``, by path."""
        return sorted(path for path, tables in self._sql_tables.items() if canonical(table) in tables)

    def checklists(self) -> list[Checklist]:
        """The "Required Tables" checklists: the configured document's, else every one found."""
        if self.config.checklist:
            path = (self.config.root / self.config.checklist).resolve()
            if path not in self._texts:
                text = read_source(path)
                self._texts[path] = "" if isinstance(text, Unreadable) else text
                self._checklists[path] = [] if isinstance(text, Unreadable) else find_checklists(path, text)
            return list(self._checklists.get(path, []))
        return [c for path in sorted(self._checklists) for c in self._checklists[path]]

    # -- resolution -------------------------------------------------------------------------
    def _resolve(self, path: Path) -> tuple[list[TableRef], list[FunctionRef]]:
        cached = self._resolved.get(path)
        if cached is not None:
            return cached
        tables: list[TableRef] = []
        functions: list[FunctionRef] = []
        for raw in self._files[path].refs:
            if raw.kind == "function":
                functions.append(FunctionRef(path, raw.start, raw.end, canonical(Name(raw.value or "", raw.schema))))
            elif raw.value is not None:
                table = canonical(Name(raw.value, raw.schema))
                tables.append(TableRef(path, raw.start, raw.end, table, "string", raw.context, columns=raw.columns))
            elif raw.binding is not None and raw.key is not None:
                constant = self._binding(path, raw.binding, raw.member)
                entry = constant.entries.get(raw.key) if constant is not None else None
                if constant is None or entry is None:
                    continue
                named = parse_name(entry.value)
                table = canonical(Name(named.name, raw.schema or named.schema))
                tables.append(TableRef(path, raw.start, raw.end, table, "constant", raw.context, constant, raw.key, raw.columns))
        result = (tables, functions)
        self._resolved[path] = result
        return result

    def _binding(self, path: Path, local: str, member: str | None) -> TablesConstant | None:
        """The tables constant that ``local`` (or ``local.member``) names in ``path``."""
        self.constants()
        assert self._constants is not None
        facts = self._files.get(path)
        if facts is None:
            return None
        name = self.config.tables_constant
        if member is None and local == name and facts.declarations.constant is not None:
            return self._constants.get(path)
        imported = facts.declarations.imported(local)
        if imported is None:
            return None
        spec, what = imported
        if (what == "*" and member != name) or (what != "*" and (member is not None or what != name)):
            return None
        module = self.modules.resolve(path, spec)
        if module is None:
            # An import we cannot follow (a package outside the workspace): its own package's constant.
            return self.nearest_constant(path)
        return self._exports(module, name, 0)

    def _exports(self, module: Path | None, name: str, depth: int) -> TablesConstant | None:
        assert self._constants is not None
        if module is None or depth > MAX_REEXPORT_DEPTH:
            return None
        facts = self._files.get(module)
        if facts is None:
            return None
        if facts.declarations.constant is not None and name == self.config.tables_constant and module in self._constants:
            return self._constants[module]
        for spec, imported, exported in facts.declarations.reexports:
            if exported == name or exported == "*":
                found = self._exports(self.modules.resolve(module, spec), imported if imported != "*" else name, depth + 1)
                if found is not None:
                    return found
        return None


def _relpath(target: Path, start: Path) -> str:
    return PurePath(os.path.relpath(target, start)).as_posix()


def _tables_created(sql: str) -> frozenset[Name]:
    """The tables the statements of a SQL file create; only ``CREATE … TABLE`` is analysed."""
    pieces, _ = split(sql)
    facts = (analyze(sql[p.start : p.end]) for p in pieces if _CREATES_TABLE.match(sql, p.start))
    return frozenset(canonical(f.name) for f in facts if f.kind == Kind.CREATE_TABLE and f.name is not None)


def relative(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` when below it, else as it is; with forward slashes."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return path.as_posix()


def shared_depth(a: Path, b: Path) -> int:
    """How many folders two files share from the root: the larger, the closer they are."""
    n = 0
    for x, y in zip(a.parent.parts, b.parent.parts):
        if x != y:
            break
        n += 1
    return n
