"""Quick fixes for the diagnostics' findings, "fix all", and "ignore RULE for this statement"."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Sequence

from lsprotocol import types

from migration_lsp import SERVER_NAME
from migration_lsp.findings import Edit
from migration_lsp.fixes.apply import plan_safe_fixes
from migration_lsp.lint.suppress import MARKER, UNUSED
from migration_lsp.lsp import convert
from migration_lsp.migration import Document
from migration_lsp.positions import LineIndex
from migration_lsp.rules.registry import RULES

if TYPE_CHECKING:
    from migration_lsp.lsp.server import MigrationServer

FIX_ALL = f"{types.CodeActionKind.SourceFixAll.value}.{SERVER_NAME}"
KINDS = [types.CodeActionKind.QuickFix, FIX_ALL]


def register(server: MigrationServer) -> None:
    @server.feature(types.TEXT_DOCUMENT_CODE_ACTION, types.CodeActionOptions(code_action_kinds=KINDS, resolve_provider=False))
    async def code_action(ls: MigrationServer, params: types.CodeActionParams) -> list[types.CodeAction] | None:
        path = ls.uris.to_path(params.text_document.uri)
        if path is None:
            return None
        only = params.context.only
        ours = [d for d in params.context.diagnostics if d.source == SERVER_NAME and isinstance(d.code, str)]
        document_changes = ls.client_supports("workspace.workspace_edit.document_changes")
        actions: list[types.CodeAction] = []
        if _wanted(only, types.CodeActionKind.QuickFix):
            fixable = [d for d in ours if convert.fix_of(d.data) is not None]
            if fixable:
                for d, (title, changes) in await ls.state.run(lambda: _fixes(ls, path, fixable)):
                    edit = convert.workspace_edit(changes, document_changes)
                    actions.append(types.CodeAction(title, kind=types.CodeActionKind.QuickFix, diagnostics=[d], is_preferred=True, edit=edit))
            ignorable = [d for d in ours if d.code in RULES and d.code != UNUSED]
            if ignorable:
                edits = await ls.state.run(lambda: _ignore_edits(ls, path, ignorable))
                for d, ignore in zip(ignorable, edits):
                    if ignore:
                        edit = convert.workspace_edit(ignore, document_changes)
                        actions.append(types.CodeAction(f"Ignore {d.code} for this statement", kind=types.CodeActionKind.QuickFix, diagnostics=[d], edit=edit))
        # Asked for by name (on save), or offered next to a safe fix.
        if _wanted(only, FIX_ALL) and (only is not None or any(fix is not None and fix[1] for fix in map(convert.fix_of, (d.data for d in ours)))):
            every = await ls.state.run(lambda: _fix_all(ls, path))
            if every:
                edit = convert.workspace_edit(every, document_changes)
                actions.append(types.CodeAction(f"Fix all safe {SERVER_NAME} findings", kind=FIX_ALL, edit=edit))
        return actions


def _wanted(only: Sequence[str] | None, kind: str) -> bool:
    """``context.only`` holds kinds and their parents: ``source`` asks for ``source.fixAll.x``."""
    return only is None or any(kind == k or kind.startswith(f"{k}.") for k in only)


def _fixes(ls: MigrationServer, path: Path, diagnostics: list[types.Diagnostic]) -> list[tuple[types.Diagnostic, tuple[str, list[types.TextDocumentEdit]]]]:
    """Each diagnostic's fix, its edits made now on the newest texts; none for a diagnostic
    whose finding the newest check no longer has where it says."""
    state = ls.state
    text = state.text_of(path)
    if text is None:
        return []
    findings = state.findings(path)
    index = convert.lines(text)
    out = []
    for d in diagnostics:
        fix = convert.fix_for(d, findings, index)
        changes = convert.document_edits(fix.edits, ls.uris, state.text_of, state.version_of) if fix is not None else None
        if fix is not None and changes:
            out.append((d, (fix.title, changes)))
    return out


def _fix_all(ls: MigrationServer, path: Path) -> list[types.TextDocumentEdit] | None:
    state = ls.state
    plan = plan_safe_fixes(f for f in state.findings(path) if f.path == path)
    edits = [e for group in plan.values() for e in group]
    return convert.document_edits(edits, ls.uris, state.text_of, state.version_of)


def _ignore_edits(ls: MigrationServer, path: Path, diagnostics: list[types.Diagnostic]) -> list[list[types.TextDocumentEdit] | None]:
    state = ls.state
    text = state.text_of(path)
    project = state.project(path)
    if text is None or project is None:
        return [None for _ in diagnostics]
    index = convert.lines(text)
    out = []
    for d in diagnostics:
        edit = ignore_edit(project.documents.get(path), path, text, convert.offset(index, d.range.start), str(d.code))
        out.append(convert.document_edits([edit], ls.uris, state.text_of, state.version_of) if edit else None)
    return out


def ignore_edit(doc: Document | None, path: Path, text: str, offset: int, rule: str) -> Edit | None:
    """Insert a suppression comment for ``rule`` above what holds ``offset``.

    In SQL the comment goes on its own line above the statement; in the code, a ``//``
    comment above the line. Its ``reason`` is a placeholder for the author to replace.
    """
    comment = f"{MARKER} ignore {rule} -- reason"
    for m in doc.migrations if doc is not None else ():
        at = m.literal.source_map.to_sql(offset)
        if at is None:
            continue
        st = m.statement_at(at)
        if st is None:
            return None
        indent = m.indentation(st.start)
        line_start = m.line_start(st.start)
        if m.sql[line_start : st.start].strip():
            # Another statement ends on this line: the comment would belong to it.
            return m.insert(st.start, f"\n{indent}-- {comment}\n{indent}")
        return m.insert(line_start, f"{indent}-- {comment}\n")
    lines = LineIndex(text)
    line = lines.line_of(offset)
    line_text = lines.line_text(line)
    indent = line_text[: len(line_text) - len(line_text.lstrip())]
    newline = "\r\n" if "\r\n" in text else "\n"
    start = lines.starts[line]
    return Edit(path, start, start, f"{indent}// {comment}{newline}")
