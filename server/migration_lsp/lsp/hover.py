"""Hover: a Markdown card for the table or function under the cursor, and the rule behind a diagnostic."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Callable

from lsprotocol import types

from migration_lsp.dialect import describe
from migration_lsp.lsp import convert
from migration_lsp.migration import Migration
from migration_lsp.model.schema import Definition, Function, Table
from migration_lsp.query import lookup
from migration_lsp.rules.registry import RULES, rule_url
from migration_lsp.sql.facts import Name

if TYPE_CHECKING:
    from migration_lsp.lsp.server import MigrationServer

Link = Callable[[Definition], str]  # a Markdown link to where something is defined


def register(server: MigrationServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_HOVER)
    async def hover(ls: MigrationServer, params: types.HoverParams) -> types.Hover | None:
        path = ls.uris.to_path(params.text_document.uri)
        if path is None:
            return None
        return await ls.state.run(lambda: _hover(ls, path, params.position))


def _hover(ls: MigrationServer, path: Path, position: types.Position) -> types.Hover | None:
    state = ls.state
    project = state.project(path)
    text = state.text_of(path)
    if project is None or text is None:
        return None
    index = convert.lines(text)
    offset = convert.offset(index, position)
    parts: list[str] = []
    span: tuple[int, int] | None = None
    symbol = lookup.symbol_at(project, path, offset)
    if symbol is not None:
        schema = project.schema()
        link = _linker(ls)
        if symbol.kind == lookup.TABLE:
            parts.append(table_card(symbol.name, schema.table(symbol.name), link))
        else:
            parts.append(function_card(symbol.name, schema.function(symbol.name), link))
        span = symbol.place.start, symbol.place.end
    declared = lookup.declaration_at(project, path, offset)
    if declared is not None:
        m, place = declared
        parts.append(literal_card(m))
        span = span or (place.start, place.end)
    for f in state.shown(path):
        if f.start <= offset <= f.end and f.rule in RULES:
            parts.append(rule_card(f.rule))
            span = span or (f.start, f.end)
    if not parts or span is None:
        return None
    return types.Hover(
        contents=types.MarkupContent(kind=types.MarkupKind.Markdown, value="\n\n---\n\n".join(dict.fromkeys(parts))),
        range=convert.to_range(index, *span),
    )


def _linker(ls: MigrationServer) -> Link:
    def link(defined: Definition) -> str:
        text = ls.state.text_of(defined.path) or ""
        start, _ = defined.doc_span()
        line, _ = convert.lines(text).lsp_position(start)
        return f"[{defined.path.name}:{line + 1}]({ls.uris.to_uri(defined.path)}#L{line + 1})"

    return link


def _cell(text: str | None) -> str:
    return "" if not text else "`" + text.replace("|", "\\|").replace("`", "'").replace("\n", " ") + "`"


def table_card(name: Name, table: Table | None, link: Link) -> str:
    if table is None:
        return f"**table** `{name}`\n\nNo migration literal creates this table."
    lines = [f"**table** `{table.name}`"]
    if table.purpose:
        lines += ["", table.purpose]
    lines += ["", "| column | type | null | default |", "| --- | --- | --- | --- |"]
    for col in table.columns.values():
        flags = ["not null" if col.not_null or col.primary_key else "null"]
        if col.primary_key:
            flags.append("primary key")
        elif col.unique:
            flags.append("unique")
        if col.generated:
            flags.append("generated")
        lines.append(f"| `{col.name}` | {_cell(col.type)} | {', '.join(flags)} | {_cell(col.default)} |")
    rls = "on" + (" (forced)" if table.rls_forced else "") if table.rls else "off"
    lines += ["", f"**Row level security:** {rls}"]
    if table.policies:
        lines += ["", "**Policies:**"]
        for p in table.policies:
            roles = f" TO {', '.join(p.roles)}" if p.roles else ""
            using = f" USING {_cell(p.using)}" if p.using else ""
            check = f" WITH CHECK {_cell(p.check)}" if p.check else ""
            lines.append(f"- `{p.name}` FOR {p.command}{roles}{using}{check}")
    if table.indexes:
        lines += ["", "**Indexes:**"]
        for i in table.indexes:
            what = ", ".join(i.columns or i.expressions)
            unique = "unique " if i.unique else ""
            where = f" WHERE {_cell(i.predicate)}" if i.predicate else ""
            lines.append(f"- `{i.name or 'unnamed'}`: {unique}({what}){where}")
    lines += ["", f"Created in {link(table.defined)}"]
    return "\n".join(lines)


def function_card(name: Name, function: Function | None, link: Link) -> str:
    if function is None:
        return f"**function** `{name}`\n\nNo migration literal creates this function."
    returns = f" RETURNS {function.returns}" if function.returns else ""
    language = f" LANGUAGE {function.language}" if function.language else ""
    kind = "procedure" if function.procedure else "function"
    return f"**{kind}** `{function.name}({function.arguments})`{returns}{language}\n\nCreated in {link(function.defined)}"


def literal_card(m: Migration) -> str:
    """How the literal is checked: its dialect and platform, from the config or the evidence."""
    return f"**migration** `{m.literal.name}`: {describe(m.dialect, m.platform)}\n\nDialect `{m.dialect}`, platform `{m.platform}`."


def rule_card(rule: str) -> str:
    doc = RULES[rule].doc()
    why = doc.sections.get("Why is this bad?", "").split("\n\n")[0]
    return f"**{rule}**: {doc.summary}\n\n{why}\n\n[Documentation]({rule_url(rule)})".replace("\n\n\n\n", "\n\n")
