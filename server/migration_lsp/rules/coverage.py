"""Rulebook section 3, "Complete Schema Coverage", and its "Audit Process", done exactly.

The rulebook's audit greps the code for `.from('mason_…')` and `TABLES.`, reads the `TABLES`
constant, and compares by hand with `MIGRATION_SQL` and the "Required Tables" checklist.
These rules join the schema model with the workspace index instead, on every edit.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Callable, Iterable
from weakref import WeakKeyDictionary

from migration_lsp.config import Config
from migration_lsp.findings import Edit, Edits, Finding, Fix
from migration_lsp.fixes.scaffold import insert_pieces, place_new_table, scaffold
from migration_lsp.fixes.typescript import add_entry, import_constant, is_commonjs, reference
from migration_lsp.migration import Migration
from migration_lsp.model.names import canonical, parse_name, system_catalog
from migration_lsp.model.schema import Table
from migration_lsp.rules.base import Context, Rule
from migration_lsp.sql.facts import Name
from migration_lsp.workspace.checklist import CHECKED, Checklist, escape_cell, render_table
from migration_lsp.workspace.diagram import find_diagram, render_diagram
from migration_lsp.workspace.index import WorkspaceIndex, relative, shared_depth
from migration_lsp.workspace.references import ConstantEntry, TableRef, TablesConstant


def app_owned(ctx: Context, name: Name) -> bool:
    """Tables in the platform's schemas (``auth.users``, ``storage.objects``) and PostgreSQL's
    catalogs are not the app's to create."""
    return name.schema not in ctx.config.external_schemas and not system_catalog(name)


def covered(ctx: Context) -> WorkspaceIndex | None:
    """The index, when there is a migration to compare it with."""
    return ctx.workspace if ctx.migrations else None


def nearest(migrations: Iterable[Migration], path: Path) -> Migration:
    """The migration closest to ``path`` in the folder tree: its own package's."""
    return max(migrations, key=lambda m: shared_depth(m.path, path))


def first_migration(ctx: Context) -> Migration:
    """The migration a finding about all of them goes to: the first by path and place, so that
    it stays put whichever documents an editor has opened."""
    return min(ctx.migrations, key=lambda m: (m.path.as_posix(), m.literal.doc_start))


@dataclass(eq=False)
class _FileUses:
    """What these rules read of one code file's table references, from the index alone."""

    refs: list[TableRef]  # what it is read from: the index hands out the same list while it holds
    by_table: dict[Name, list[TableRef]]  # in the file's order, first use first
    # The strings naming a table that the constant the file sees lacks, with that constant.
    unlisted: list[tuple[TableRef, TablesConstant]]
    # The strings naming a table that it has, outside its own file: hardcoded-table-name's
    # findings, with what to write instead and the fix that writes it (kept with the file,
    # and judged again by each check that offers it).
    hardcoded: list[tuple[TableRef, TablesConstant, str, Fix]]


def _file_uses(index: WorkspaceIndex, refs: list[TableRef]) -> _FileUses:
    by_table: dict[Name, list[TableRef]] = {}
    unlisted: list[tuple[TableRef, TablesConstant]] = []
    hardcoded: list[tuple[TableRef, TablesConstant, str, Fix]] = []
    for ref in refs:
        by_table.setdefault(ref.table, []).append(ref)
        if ref.via != "string":
            continue
        constant = index.constant_for(ref.path)
        if constant is None:
            continue
        key = constant.key_for(ref.table)
        if key is None:
            if ref.table.schema is None:
                unlisted.append((ref, constant))
        elif ref.path != constant.path:
            hardcoded.append((ref, constant, *_use_constant(index, ref, constant, key)))
    return _FileUses(refs, by_table, unlisted, hardcoded)


@dataclass(eq=False)
class _Uses:
    """What these rules read of the workspace index, file by file and constant by constant.

    While a user types in a migration, the other files stay as they are: what was read of
    them is read again only when their list of references is a new one, or when a change
    elsewhere (see :attr:`WorkspaceIndex.generation`) may have changed what they resolve to.
    """

    generation: int
    # Each tables constant's entries, by the table they name.
    entries: list[tuple[TablesConstant, dict[Name, list[tuple[str, ConstantEntry]]]]]
    files: dict[int, _FileUses] = field(default_factory=dict)  # by the id of its list of references
    _named: set[Name] | None = None
    # What the last checks derived from the names above and the schema's, with what they derived
    # it from: a keystroke seldom changes the schema's names, and the names it keeps are the
    # same objects, so comparing them is a comparison of identities, in C.
    _derived: dict[str, tuple[tuple[object, ...], set[Name]]] = field(default_factory=dict)

    @property
    def named(self) -> set[Name]:
        """Every table the code names, through a reference or a constant's entry."""
        if self._named is None:
            self._named = set().union(*(f.by_table for f in self.files.values()), *(tables for _, tables in self.entries))
        return self._named

    def derived(self, what: str, source: tuple[object, ...], derive: Callable[[], set[Name]]) -> set[Name]:
        """``derive()``, or what it gave the last time ``what`` was derived from the same ``source``."""
        last = self._derived.get(what)
        if last is not None and last[0] == source:
            return last[1]
        found = derive()
        self._derived[what] = (source, found)
        return found


def _uses(ctx: Context, index: WorkspaceIndex) -> _Uses:
    """What the rules of this check read of ``index``, brought up to date once a check."""
    uses = _this_check.get(ctx)
    if uses is not None:
        return uses
    kept = _kept.get(index)
    if kept is None or kept.generation != index.generation:
        kept = _Uses(index.generation, [(c, _entries_by_table(c)) for c in index.constants()])
    uses = _Uses(kept.generation, kept.entries)
    read: list[_FileUses] = []
    for refs in index.file_table_refs():
        known = kept.files.get(id(refs))
        if known is None or known.refs is not refs:
            known = _file_uses(index, refs)
            read.append(known)
        uses.files[id(refs)] = known
    gone = [f for key, f in kept.files.items() if uses.files.get(key) is not f]
    # The files read again name the tables the files they replace named (the one typed in
    # names none, or the same): so does the workspace, and what was derived from that holds.
    if set().union(*(f.by_table for f in read)) == set().union(*(f.by_table for f in gone)):
        uses._named, uses._derived = kept._named, kept._derived
    _kept[index] = _this_check[ctx] = uses
    return uses


def _entries_by_table(constant: TablesConstant) -> dict[Name, list[tuple[str, ConstantEntry]]]:
    found: dict[Name, list[tuple[str, ConstantEntry]]] = {}
    for key, entry in constant.entries.items():
        found.setdefault(parse_name(entry.value), []).append((key, entry))
    return found


_kept: WeakKeyDictionary[WorkspaceIndex, _Uses] = WeakKeyDictionary()  # by the last check of each index
_this_check: WeakKeyDictionary[Context, _Uses] = WeakKeyDictionary()


class TableNotInMigration(Rule):
    """Finds tables the code uses that no migration creates.

    ## What it does
    Collects every table the code names: `.from('name')`, `.from(TABLES.KEY)` (also
    through an import alias or `.schema('s')`), the `table` of a realtime
    `postgres_changes` filter, and every entry of the `TABLES` constant. A table that no
    migration literal creates (as a table or a view) is reported at each reference, at its
    `TABLES` entry, and once at the migration literal, which names all of them.

    ## Why is this bad?
    The migration is what builds a new user's database. A table it does not create exists
    only on the databases of the developers who made it by hand; for everyone else each
    query on it fails with "relation does not exist" (`database-migrations.md`, section 3,
    "Complete Schema Coverage": the migration "MUST include ALL tables used by the codebase").

    ## Example
    ```typescript
    const { data } = await supabase.from(TABLES.NEW_TABLE).select("id, name");
    // MIGRATION_SQL has no CREATE TABLE mason_new_table
    ```

    ## Use instead
    ```sql
    CREATE TABLE IF NOT EXISTS mason_new_table (
      id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
      name TEXT, -- TODO: the code uses this column; choose its type
      created_at TIMESTAMPTZ DEFAULT NOW()
    );
    CREATE INDEX IF NOT EXISTS idx_mason_new_table_created_at ON mason_new_table(created_at);
    ALTER TABLE mason_new_table ENABLE ROW LEVEL SECURITY;
    DO $$ BEGIN
      IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE tablename = 'mason_new_table' AND policyname = 'Allow all on new_table') THEN
        CREATE POLICY "Allow all on new_table" ON mason_new_table FOR ALL USING (true) WITH CHECK (true);
      END IF;
    END $$;
    ```

    ## Fix safety
    Safe: the fix only adds statements, following "Adding New Tables": the table with `id`,
    `created_at` and the columns the code visibly uses (`.select`, `.insert`, `.eq`, …;
    typed from the inserted values, else `TEXT` with a TODO), an index, `ENABLE ROW LEVEL
    SECURITY` and the guarded policy of the `policy-template` setting. In a migration grouped
    into the rulebook's sections each statement goes into its section; otherwise they go
    together at the end. Review the column types before shipping. A table in another schema
    (`.schema('s')`) needs that schema first, so its fix is unsafe.
    """

    name = "table-not-in-migration"
    severity = "error"
    fix = "sometimes"
    needs_workspace = True

    def check(self, ctx: Context) -> Iterable[Finding]:
        index = covered(ctx)
        if index is None:
            return
        schema = ctx.schema
        uses = _uses(ctx, index)
        source = (uses.named, ctx.config, tuple(schema.tables), tuple(schema.views), tuple(schema.dynamic_relations))
        absent = uses.derived(self.name, source, lambda: {t for t in uses.named.difference(schema.tables, schema.views) if app_owned(ctx, t) and not schema.may_have_relation(t)})
        if not absent:
            return
        missing: dict[Name, list[tuple[Path, int, int, str]]] = {}
        for file in uses.files.values():
            if absent.isdisjoint(file.by_table):
                continue
            for table, refs in file.by_table.items():
                if table in absent:
                    places = missing.setdefault(table, [])
                    places += [(ref.path, ref.start, ref.end, f"table {table} is used here, but no migration creates it") for ref in refs]
        for constant, tables in uses.entries:
            if absent.isdisjoint(tables):
                continue
            for table, entries in tables.items():
                if table in absent:
                    places = missing.setdefault(table, [])
                    places += [(constant.path, entry.start, entry.end, f"{constant.name}.{key} names table {table}, which no migration creates") for key, entry in entries]
        if not missing:
            return
        others = [t.name for t in (*schema.tables, *missing)]
        fixes: dict[tuple[Name, Path], Fix] = {}
        for table, places in missing.items():
            for path, start, end, message in places:
                target = nearest(ctx.migrations, path)
                fix = fixes.get((table, target.path))
                if fix is None:
                    fix = fixes[(table, target.path)] = self._fix(ctx, index, target, [table], others)
                yield Finding(self.name, message, path, start, end, fix)
        first = first_migration(ctx)
        names = ", ".join(str(t) for t in missing)
        count = f"{len(missing)} tables" if len(missing) > 1 else "a table"
        yield first.literal_finding(
            self.name,
            f"the code uses {count} that no migration creates: {names}",
            self._fix(ctx, index, first, list(missing), others),
        )

    def _fix(self, ctx: Context, index: WorkspaceIndex, m: Migration, tables: list[Name], others: list[str]) -> Fix:
        title = f"Add table {tables[0]} to the migration" if len(tables) == 1 else f"Add the {len(tables)} missing tables to the migration"
        safe = all(t.schema is None for t in tables)
        # Built for the fix the user asks for: while a table's name is typed, every keystroke finds it missing.
        return Fix(title, partial(_scaffolded, ctx.config, index, m, tables, others), safe)


def _scaffolded(config: Config, index: WorkspaceIndex, m: Migration, tables: list[Name], others: list[str]) -> Edits:
    """The edits that add ``tables`` to ``m``, each with the columns the code uses."""
    purposes = _checklist_purposes(index)
    pieces = [p for t in tables for p in scaffold(config, t, index.columns_used(t), others, purposes.get(t))]
    return insert_pieces(m, place_new_table(m, pieces))


def _checklist_purposes(index: WorkspaceIndex) -> dict[Name, str]:
    """The purpose the checklists give each table, for the comment above a new table."""
    purposes: dict[Name, str] = {}
    for checklist in index.checklists():
        column = checklist.column("purpose", "description")
        if column is None or column == 0:
            continue
        for row in checklist.rows:
            if column < len(row.cells) and row.cells[column]:
                purposes.setdefault(parse_name(row.table), row.cells[column].replace("\\|", "|"))
    return purposes


class FunctionNotInMigration(Rule):
    """Finds `.rpc('fn')` calls to functions that no migration creates.

    ## What it does
    Reports each `.rpc('name')` (also after `.schema('s')`) whose function has no
    `CREATE [OR REPLACE] FUNCTION` in a migration literal.

    ## Why is this bad?
    Like a missing table, a function that only exists on the developers' databases makes
    the call fail for every new user with "Could not find the function"
    (`database-migrations.md`, section 3, "Complete Schema Coverage").

    ## Example
    ```typescript
    await supabase.rpc("increment_usage", { key_id: id });
    // MIGRATION_SQL has no CREATE FUNCTION increment_usage
    ```

    ## Use instead
    ```sql
    CREATE OR REPLACE FUNCTION increment_usage(key_id UUID) RETURNS void
    LANGUAGE sql AS $$ UPDATE mason_api_keys SET uses = uses + 1 WHERE id = key_id $$;
    ```

    ## Fix safety
    No automatic fix: the function's body cannot be guessed.
    """

    name = "function-not-in-migration"
    severity = "warning"
    needs_workspace = True

    def check(self, ctx: Context) -> Iterable[Finding]:
        index = covered(ctx)
        if index is None:
            return
        for ref in index.function_refs():
            if app_owned(ctx, ref.function) and not ctx.schema.may_have_function(ref.function):
                yield Finding(
                    self.name,
                    f"function {ref.function} is called here, but no migration creates it",
                    ref.path,
                    ref.start,
                    ref.end,
                )


class RequiredTableMissing(Rule):
    """Finds required tables that no migration creates.

    ## What it does
    Required tables come from the `required-tables` setting and from the rules document's
    "Required Tables" checklist: the Markdown table under a heading that contains "Required
    Tables" (the `checklist` setting names the document; without it, every Markdown file of
    the workspace is searched). A row whose "Required" cell is empty, `-`, `✗` or "no" is
    listed but not required. Each required table that no migration creates is reported at its
    checklist row, or at the migration literal for the setting.

    ## Why is this bad?
    The checklist is the rulebook's list of what the migration "MUST" include
    (`database-migrations.md`, "Required Tables Checklist"). A table on it that the
    migration lacks was lost in an edit, or the checklist names a table that no longer exists.

    ## Example
    ```markdown
    | `mason_execution_logs` | Execution logs | ✓ |
    ```
    with no `CREATE TABLE IF NOT EXISTS mason_execution_logs` in `MIGRATION_SQL`.

    ## Use instead
    Create the table in the migration (see `table-not-in-migration`), or, if it is gone on
    purpose, remove it from the checklist (see `checklist-out-of-date`).

    ## Fix safety
    No automatic fix: either side may be the one that is wrong.
    """

    name = "required-table-missing"
    severity = "error"
    needs_workspace = True

    def check(self, ctx: Context) -> Iterable[Finding]:
        if not ctx.migrations:
            return
        schema = ctx.schema
        first = first_migration(ctx)
        for required in ctx.config.required_tables:
            if not schema.may_have_relation(parse_name(required)):
                yield first.literal_finding(self.name, f"required table {required} (setting required-tables) is not created by the migration")
        index = covered(ctx)
        for checklist in index.checklists() if index is not None else ():
            for row in checklist.rows:
                if row.required and not schema.may_have_relation(parse_name(row.table)):
                    yield Finding(
                        self.name,
                        f"{row.table} is a required table of the checklist, but no migration creates it",
                        checklist.path,
                        row.name_start,
                        row.name_end,
                    )


class TableNotInConstants(Rule):
    """Finds tables missing from the `TABLES` constant.

    ## What it does
    When the workspace declares the tables constant (`tables-constant`, `TABLES` by
    default), reports each table that the migration creates, or that the code names by a
    string, but that constant lacks. In a monorepo the constant is the one the file imports
    (for the migration: the one closest to it).

    ## Why is this bad?
    "Adding New Tables" begins with adding the table to `TABLES`; the audit's second `grep`
    (`TABLES\\.`) only finds what the constant holds (`database-migrations.md`, "Audit
    Process"). A table missing from it is invisible to that audit and invites hard-coded
    names.

    ## Example
    ```sql
    CREATE TABLE IF NOT EXISTS mason_new_table (id UUID PRIMARY KEY DEFAULT gen_random_uuid());
    ```
    ```typescript
    export const TABLES = { USERS: "mason_users" } as const;
    ```

    ## Use instead
    ```typescript
    export const TABLES = { USERS: "mason_users", NEW_TABLE: "mason_new_table" } as const;
    ```

    ## Fix safety
    Safe: it adds `KEY: 'name',` after the constant's last entry, in the file that declares
    it. The key is spelled the way the existing keys are (here `mason_` dropped, upper case).
    Where the code names the table by a string, the fix writes `TABLES.KEY` there too (as
    `hardcoded-table-name`'s fix does, with the import), so that no name it makes hard-coded
    is left behind; a CommonJS file that would need an `import` keeps its string, for
    `hardcoded-table-name`'s unsafe fix.
    """

    name = "table-not-in-constants"
    severity = "warning"
    fix = "safe"
    needs_workspace = True

    def check(self, ctx: Context) -> Iterable[Finding]:
        index = covered(ctx)
        if index is None or not index.constants():
            return
        sees = {m.path: index.constant_for(m.path) for m in ctx.migrations}  # the constant each migration file sees
        seen = [c for c in dict.fromkeys(sees.values()) if c is not None]
        tables = ctx.schema.tables
        lacking = _uses(ctx, index).derived(self.name, (*seen, tuple(tables)), lambda: set().union(*(tables.keys() - c.named for c in seen)))  # a superset
        for table in (t for name, t in ctx.schema.tables.items() if name in lacking) if lacking else ():
            if not app_owned(ctx, table.name) or table.name.schema is not None:
                continue
            m = table.defined.migration
            constant = sees[m.path]
            if constant is None or constant.key_for(table.name) is not None:
                continue
            st = table.defined.statement
            name_span = st.fact.name_span
            start, end = st.span(name_span) if name_span is not None else (table.defined.start, table.defined.end)
            yield m.finding(
                self.name,
                f"{table.name} is created by the migration but missing from {constant.name} ({relative(constant.path, ctx.config.root)})",
                start,
                end,
                self._fix(index, constant, table.name),
            )
        for file in _uses(ctx, index).files.values():
            for ref, constant in file.unlisted:
                if not app_owned(ctx, ref.table) or ctx.schema.view(ref.table) is not None:
                    continue
                yield Finding(
                    self.name,
                    f"{ref.table} is missing from {constant.name} ({relative(constant.path, ctx.config.root)})",
                    ref.path,
                    ref.start,
                    ref.end,
                    self._fix(index, constant, ref.table),
                )

    def _fix(self, index: WorkspaceIndex, constant: TablesConstant, table: Name) -> Fix | None:
        added = add_entry(index, constant, table)
        if added is None:
            return None
        key, entry = added
        # Once the constant has the entry, every string naming the table is a hard-coded name:
        # write the constant there too, or the same pass would leave hardcoded-table-name's
        # findings behind. The fix is the same from every finding of the table, so it is made once.
        edits = list(entry)
        for ref in index.table_refs():
            if ref.via == "string" and ref.table == canonical(table) and ref.path != constant.path and index.constant_for(ref.path) is constant:
                _, use = _use_constant(index, ref, constant, key)
                if use.safe:
                    edits += [e for e in use.edits if e not in edits]
        title = f"Add {key}: '{table.name}' to {constant.name}"
        return Fix(title + (" and use it where the code names the table" if len(edits) > len(entry) else ""), tuple(edits))


def _use_constant(index: WorkspaceIndex, ref: TableRef, constant: TablesConstant, key: str) -> tuple[str, Fix]:
    """What to write for ``constant``'s entry ``key`` in place of the string ``ref``, and the fix
    that writes it, importing the constant when the file lacks it."""
    binding, import_edits = import_constant(index, ref.path, constant)
    written = reference(binding, key)
    # An import statement in a CommonJS file would break it: offer, never apply.
    safe = not (import_edits and is_commonjs(index, ref.path))
    return written, Fix(f"Use {written}", (Edit(ref.path, ref.start, ref.end, written), *import_edits), safe)


class HardcodedTableName(Rule):
    """Finds table names written as strings where `TABLES` has them.

    ## What it does
    Reports `.from('name')` (and a realtime filter's `table: 'name'`) when the `TABLES`
    constant the file sees has an entry for that table.

    ## Why is this bad?
    The rulebook's audit searches `TABLES.` to find every use of a table (`database-migrations.md`,
    "Audit Process"); a hard-coded name escapes it, and a rename of the table misses it.

    ## Example
    ```typescript
    const { data } = await supabase.from("mason_users").select("id");
    ```

    ## Use instead
    ```typescript
    import { TABLES } from "@/lib/constants";

    const { data } = await supabase.from(TABLES.USERS).select("id");
    ```

    ## Fix safety
    Safe: it writes `TABLES.KEY` (or the alias the file imports it under) and adds the import
    when the file lacks it, with the specifier other files use. In a CommonJS file (one that
    uses `require()`) an added `import` would break the file, so there the fix is unsafe.
    """

    name = "hardcoded-table-name"
    severity = "info"
    fix = "sometimes"
    needs_workspace = True

    def check(self, ctx: Context) -> Iterable[Finding]:
        index = covered(ctx)
        if index is None:
            return
        for file in _uses(ctx, index).files.values():
            for ref, constant, written, fix in file.hardcoded:
                yield Finding(self.name, f"{ref.table} has an entry in {constant.name}: write {written}", ref.path, ref.start, ref.end, fix)


class ChecklistOutOfDate(Rule):
    """Finds a "Required Tables" checklist or schema diagram that disagrees with the migration.

    ## What it does
    Compares the tables listed in each "Required Tables" checklist (see
    `required-table-missing`) with the tables the migration creates, in both directions,
    and reports the checklist once, naming what it lacks and what it lists in excess. When
    the document also holds a schema diagram (its first ```` ```mermaid ```` block that
    draws an `erDiagram`), the diagram is compared with the one
    `migration-lsp schema --format mermaid` draws of the migration, and reported when it
    differs. A document without a diagram gets none.

    ## Why is this bad?
    "Adding New Tables" ends with "Update this checklist". A stale checklist, or a picture
    of tables, keys and policies that are no longer so, misleads the next person who audits
    the migration with it (`database-migrations.md`, "Required Tables Checklist").

    ## Example
    A migration that creates `mason_ai_provider_keys`, and a checklist without its row.

    ## Use instead
    ```markdown
    | `mason_ai_provider_keys` | AI provider keys | ✓ |
    ```

    ## Fix safety
    The fix rewrites the table from the schema model: rows it already has keep their text,
    new tables get a row with the purpose comment written above their `CREATE TABLE`; and
    it redraws the document's diagram, when it has one, in place. It is safe when it only
    adds rows or redraws the diagram; when it also drops the rows of tables the migration
    does not create, it is unsafe, since the migration may be what is wrong.
    """

    name = "checklist-out-of-date"
    severity = "info"
    fix = "sometimes"
    needs_workspace = True

    def check(self, ctx: Context) -> Iterable[Finding]:
        index = covered(ctx)
        checklists = index.checklists() if index is not None else []
        if index is None or not checklists:
            return
        tables = [t for t in ctx.schema.tables.values() if app_owned(ctx, t.name)]
        created = {str(t.name): t for t in tables}
        drawn: str | None = None  # drawn when a document has a diagram to compare it with
        documents: set[Path] = set()
        for checklist in checklists:
            listed = {parse_name(name): name for name in checklist.tables}
            lacking = [name for name, t in created.items() if t.name not in listed]
            extra = [name for key, name in listed.items() if not ctx.schema.may_have_relation(key)]
            # One diagram a document, refreshed with its first checklist.
            diagram = None if checklist.path in documents else find_diagram(index.text(checklist.path) or "")
            documents.add(checklist.path)
            edits = []
            if diagram is not None:
                drawn = render_diagram(ctx.schema) if drawn is None else drawn
                if _lines(diagram.text) == _lines(drawn):
                    diagram = None
                else:
                    edits.append(Edit(checklist.path, diagram.start, diagram.end, drawn.replace("\n", diagram.newline)))
            if not lacking and not extra and diagram is None:
                continue
            if lacking or extra:
                parts = []
                if lacking:
                    parts.append(f"lacks {', '.join(lacking)}")
                if extra:
                    parts.append(f"lists {', '.join(extra)}, which the migration does not create")
                message = f"the Required Tables checklist {' and '.join(parts)}" + ("; its schema diagram differs too" if diagram else "")
                title = "Rewrite the checklist from the migration" + (f" (drops {', '.join(extra)})" if extra else "")
                edits.append(self._rewrite(checklist, created, extra))
                start, end = checklist.start, checklist.header_end
            elif diagram is not None:
                message = "the schema diagram beside the Required Tables checklist differs from the migration"
                title = "Redraw the schema diagram from the migration"
                start, end = diagram.start, diagram.start + len(diagram.text.splitlines()[0])
            yield Finding(self.name, message, checklist.path, start, end, Fix(title, tuple(edits), safe=not extra))

    def _rewrite(self, checklist: Checklist, created: dict[str, Table], extra: list[str]) -> Edit:
        purpose = checklist.column("purpose", "description")
        required = checklist.column("required")
        marks = [r.cells[required] for r in checklist.rows if required is not None and required < len(r.cells) and r.required]
        mark = max(set(marks), key=marks.count) if marks else CHECKED
        rows = [list(r.cells) for r in checklist.rows if r.table not in extra]
        listed = {parse_name(r.table) for r in checklist.rows}
        for name, table in created.items():
            if table.name in listed:
                continue
            cells = [""] * len(checklist.header)
            cells[0] = f"`{name}`" if checklist.backticks else name
            if purpose is not None and purpose > 0:
                cells[purpose] = escape_cell(table.purpose or "")
            if required is not None and required > 0:
                cells[required] = mark
            rows.append(cells)
        text = render_table(checklist.header, checklist.separator, rows, checklist.newline)
        return Edit(checklist.path, checklist.start, checklist.end, text)


def _lines(diagram: str) -> list[str]:
    """A diagram's lines as compared: trailing spaces and blank lines at the end do not count."""
    lines = [line.rstrip() for line in diagram.splitlines()]
    while lines and not lines[-1]:
        lines.pop()
    return lines


FAMILY = (
    TableNotInMigration,
    FunctionNotInMigration,
    RequiredTableMissing,
    TableNotInConstants,
    HardcodedTableName,
    ChecklistOutOfDate,
)
