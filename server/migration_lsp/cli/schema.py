"""``migration-lsp schema [PATH]``: the schema the migration literals build, as JSON, Markdown or
a Mermaid diagram.

The Markdown form starts with a "Required Tables" table in the rulebook's format (table,
purpose from the ``--`` comment above each ``CREATE TABLE``, required), so a rules
document's checklist can be regenerated from it; a section per table follows. The Mermaid
form is the ``erDiagram`` that ``checklist-out-of-date`` keeps in a rules document that
holds one.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any, Sequence

from migration_lsp.cli.main import EXIT_ERROR, EXIT_FINDINGS, EXIT_OK, Parser, add_config_option, read_projects, say
from migration_lsp.cli.report import display_path
from migration_lsp.config import Config
from migration_lsp.migration import Migration
from migration_lsp.model.build import build_schema
from migration_lsp.model.schema import Definition, Schema, Table
from migration_lsp.positions import LineIndex
from migration_lsp.workspace.checklist import CHECKED, escape_cell, render_table
from migration_lsp.workspace.diagram import render_diagram

FORMATS = ("markdown", "json", "mermaid")
CHECKLIST_HEADER = ("Table", "Purpose", "Required")
CHECKLIST_SEPARATOR = "|-------|---------|----------|"


def build_parser() -> argparse.ArgumentParser:
    p = Parser(
        prog="migration-lsp schema",
        description="Prints the schema the migration literals under PATH build on a fresh database: tables, columns, keys, indexes, RLS, policies, functions, triggers and publications, or (--format mermaid) its entity-relationship diagram.",
    )
    p.add_argument("paths", nargs="*", metavar="PATH", type=Path, help="files or folders to read (default: .)")
    p.add_argument("--format", choices=FORMATS, default="markdown", help="output format (default: markdown)")
    p.add_argument("--variable-name", action="append", default=[], metavar="NAME", help="also read literals assigned to NAME")
    add_config_option(p)
    p.add_argument("--debug", action="store_true", help="show tracebacks of internal errors")
    return p


def main(argv: Sequence[str]) -> int:
    args = build_parser().parse_args(argv)
    paths = args.paths or [Path(".")]
    projects = read_projects(paths, args)
    if projects is None:
        return EXIT_ERROR
    errors = [n for p in projects for n in p.config_errors]
    if errors:
        say(f"{errors[0].path}: {errors[0].message}")
        return EXIT_ERROR
    with_sql = [p for p in projects if p.documents]
    migrations = [m for p in with_sql for path in sorted(p.documents) for m in p.documents[path].migrations]
    if not migrations:
        names = ", ".join(dict.fromkeys(n for p in projects for n in p.config.variable_names)) or "MIGRATION_SQL"
        say(f"no migration literal ({names}) found under {', '.join(map(str, paths))}")
        return EXIT_FINDINGS
    schema = build_schema(migrations)
    config = with_sql[0].config
    if args.format == "json":
        sys.stdout.write(json.dumps(to_json(schema, migrations), indent=2, ensure_ascii=False) + "\n")
    elif args.format == "mermaid":
        sys.stdout.write(render_diagram(schema))
    else:
        sys.stdout.write(to_markdown(schema, config))
    return EXIT_OK


class _Lines:
    """1-based lines of definitions, one line index per document."""

    def __init__(self) -> None:
        self._indexes: dict[Path, LineIndex] = {}

    def where(self, d: Definition) -> dict[str, Any]:
        index = self._indexes.get(d.path)
        if index is None:
            index = self._indexes[d.path] = LineIndex(d.migration.text)
        return {"path": display_path(d.path), "line": index.cli_position(d.doc_span()[0])[0]}


def to_json(schema: Schema, migrations: list[Migration]) -> dict[str, Any]:
    lines = _Lines()

    def table(t: Table) -> dict[str, Any]:
        return {
            "name": t.name.name,
            "schema": t.name.schema or "public",
            "purpose": t.purpose,
            "defined": lines.where(t.defined),
            "columns": [
                {
                    "name": c.name,
                    "type": c.type,
                    "nullable": not c.not_null,
                    "default": c.default,
                    "generated": c.generated,
                    "primary_key": c.primary_key,
                    "unique": c.unique,
                }
                for c in t.columns.values()
            ],
            "primary_key": list(t.primary_key.columns) if t.primary_key else None,
            "unique": [list(k.columns) for k in t.uniques],
            "exclusions": [{"columns": list(k.columns), "name": k.name} for k in t.exclusions],
            "foreign_keys": [{"columns": list(k.columns), "references": str(k.references), "references_columns": list(k.references_columns), "name": k.name} for k in t.foreign_keys],
            "indexes": [
                {
                    "name": i.name.name if i.name else None,
                    "columns": list(i.columns),
                    "expressions": list(i.expressions),
                    "predicate": i.predicate,
                    "unique": i.unique,
                    "defined": lines.where(i.defined),
                }
                for i in t.indexes
            ],
            "rls": {"enabled": t.rls, "forced": t.rls_forced},
            "policies": [{"name": p.name, "command": p.command, "roles": list(p.roles), "using": p.using, "check": p.check, "defined": lines.where(p.defined)} for p in t.policies],
            "triggers": [{"name": tr.name, "function": str(tr.function) if tr.function else None} for tr in t.triggers],
            "publications": [p.name for p in schema.published(t.name)],
        }

    return {
        "migrations": [{"path": display_path(m.path), "name": m.literal.name, "line": LineIndex(m.text).cli_position(m.literal.doc_start)[0]} for m in migrations],
        "tables": [table(t) for t in schema.tables.values()],
        "views": [{"name": v.name.name, "schema": v.name.schema or "public", "materialized": v.materialized, "defined": lines.where(v.defined)} for v in schema.views.values()],
        "functions": [
            {
                "name": f.name.name,
                "schema": f.name.schema or "public",
                "arguments": f.arguments,
                "returns": f.returns,
                "language": f.language,
                "procedure": f.procedure,
                "defined": lines.where(f.defined),
            }
            for f in schema.functions.values()
        ],
        "publications": [{"name": p.name, "all_tables": p.all_tables, "tables": [str(t) for t in p.tables]} for p in schema.publications.values()],
    }


def checklist_rows(schema: Schema, config: Config) -> list[list[str]]:
    """The rulebook's checklist rows for the app's tables: name, purpose, required."""
    return [[f"`{t.name}`", escape_cell(t.purpose or ""), CHECKED] for t in schema.tables.values() if t.name.schema not in config.external_schemas]


def to_markdown(schema: Schema, config: Config) -> str:
    out = ["# Schema", "", "## Required Tables", ""]
    out.append(render_table(CHECKLIST_HEADER, CHECKLIST_SEPARATOR, checklist_rows(schema, config)))
    out += ["", "## Tables"]
    for t in schema.tables.values():
        out += ["", f"### `{t.name}`", ""]
        if t.purpose:
            out += [escape_cell(t.purpose), ""]
        rows = [[f"`{c.name}`", escape_cell(c.type), "yes" if not c.not_null else "no", f"`{escape_cell(c.default)}`" if c.default else ""] for c in t.columns.values()]
        out.append(render_table(("Column", "Type", "Null", "Default"), "|--------|------|------|---------|", rows))
        out.append("")
        out += [f"- {line}" for line in _table_facts(schema, t)]
    if schema.views:
        out += ["", "## Views", ""]
        out += [f"- `{v.name}`{' (materialized)' if v.materialized else ''}" for v in schema.views.values()]
    if schema.functions:
        out += ["", "## Functions", ""]
        for f in schema.functions.values():
            returns = f" → {f.returns}" if f.returns else ""
            language = f" ({f.language})" if f.language else ""
            out.append(f"- `{f.name}({f.arguments})`{returns}{language}")
    if schema.publications:
        out += ["", "## Publications", ""]
        for p in schema.publications.values():
            tables = "all tables" if p.all_tables else ", ".join(f"`{t}`" for t in p.tables) or "no tables"
            out.append(f"- `{p.name}`: {tables}")
    return "\n".join(out) + "\n"


def _cols(columns: Sequence[str]) -> str:
    return ", ".join(f"`{c}`" for c in columns)


def _table_facts(schema: Schema, t: Table) -> list[str]:
    facts = []
    if t.primary_key is not None:
        facts.append(f"Primary key: {_cols(t.primary_key.columns)}")
    for k in t.uniques:
        facts.append(f"Unique: {_cols(k.columns)}")
    for k in t.exclusions:
        facts.append(f"Exclusion constraint: {f'`{k.name}` ' if k.name else ''}on {_cols(k.columns) or '(expression)'}")
    for fk in t.foreign_keys:
        target = f"{fk.references}({', '.join(fk.references_columns)})" if fk.references_columns else str(fk.references)
        facts.append(f"Foreign key: {_cols(fk.columns)} → `{target}`")
    for i in t.indexes:
        name = f"`{i.name.name}` " if i.name else ""
        where = f" WHERE `{i.predicate}`" if i.predicate else ""
        facts.append(f"{'Unique index' if i.unique else 'Index'}: {name}on {_cols(i.columns) or '(expression)'}{where}")
    facts.append(f"RLS: {'enabled' if t.rls else 'disabled'}{' (forced)' if t.rls_forced else ''}")
    for p in t.policies:
        roles = ", ".join(p.roles) or "public"
        clauses = "".join(f" {word} `{escape_cell(expr)}`" for word, expr in (("USING", p.using), ("WITH CHECK", p.check)) if expr)
        facts.append(f'Policy "{escape_cell(p.name)}": {p.command} to {roles}{clauses}')
    for tr in t.triggers:
        facts.append(f"Trigger `{tr.name}`" + (f" → `{tr.function}()`" if tr.function else ""))
    published = schema.published(t.name)
    if published:
        facts.append("Realtime: " + ", ".join(f"`{p.name}`" for p in published))
    return facts
