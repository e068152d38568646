"""Core values to LSP values and back: URIs, ranges, diagnostics, edits.

Offsets become positions only through :class:`migration_lsp.positions.LineIndex`, so the
server speaks UTF-16 columns and the line breaks LSP defines, like every other reporter.
"""

from __future__ import annotations

import json
import threading
from pathlib import Path
from typing import Any, Callable, Iterable, Sequence

from lsprotocol import types
from pygls.protocol import default_converter
from pygls.uris import from_fs_path, to_fs_path

from migration_lsp import SERVER_NAME
from migration_lsp.findings import Edit, Finding, Fix
from migration_lsp.lint.suppress import UNUSED
from migration_lsp.positions import LineIndex
from migration_lsp.rules.registry import rule_url

SEVERITY = {
    "error": types.DiagnosticSeverity.Error,
    "warning": types.DiagnosticSeverity.Warning,
    "info": types.DiagnosticSeverity.Information,
}

# The server's converter too: one, as building one takes tens of milliseconds of start-up.
CONVERTER = default_converter()


class _Indexes:
    """The line indexes of the last few texts, found by the text itself: texts are immutable,
    so each is indexed once, and the one an edit makes is derived from its predecessor's.
    Compared, not hashed: a new text of a large document would cost a pass over it to hash,
    where a comparison with a text of another length costs nothing, and with the same text
    object nothing either."""

    SIZE = 8

    def __init__(self) -> None:
        self._recent: list[LineIndex] = []  # newest last
        self._lock = threading.Lock()  # the event loop and the worker both ask

    def of(self, text: str) -> LineIndex:
        with self._lock:
            for index in reversed(self._recent):
                if index.text == text:
                    return index
        return self.keep(LineIndex(text))

    def keep(self, index: LineIndex) -> LineIndex:
        with self._lock:
            self._recent = [*self._recent[1 - self.SIZE :], index]
        return index


_INDEXES = _Indexes()


def lines(text: str) -> LineIndex:
    """The line index of a text."""
    return _INDEXES.of(text)


def to_range(index: LineIndex, start: int, end: int) -> types.Range:
    return types.Range(position(index, start), position(index, end))


def position(index: LineIndex, offset: int) -> types.Position:
    line, character = index.lsp_position(offset)
    return types.Position(line, character)


def offset(index: LineIndex, pos: types.Position) -> int:
    return index.offset_of_lsp(pos.line, pos.character)


def apply_changes(text: str, changes: Sequence[types.TextDocumentContentChangeEvent]) -> tuple[str, list[str]]:
    """The text after ``didChange``'s changes, and each range that reached past the end.

    A character past the end of its line is clamped to it, as the specification says; a
    line past the end of the document is clamped the same way, and reported. A range that
    ends before it starts makes no text: :class:`ValueError`.
    """
    clamped = []
    index: LineIndex | None = None  # the index of ``text``, once it is the result of a change
    for change in changes:
        if isinstance(change, types.TextDocumentContentChangePartial):
            start, end = change.range.start, change.range.end
            if (end.line, end.character) < (start.line, start.character):
                raise ValueError(f"the range {_spell(change.range)} ends before it starts")
            if index is None:
                index = lines(text)  # indexed already when its diagnostics were published
            if end.line >= index.line_count:
                clamped.append(f"the range {_spell(change.range)} reaches past the last line ({index.line_count - 1}); clamped to the end")
            index = index.replaced(offset(index, start), offset(index, end), change.text)
            text = index.text
        else:
            text, index = change.text, None
    if index is not None:
        _INDEXES.keep(index)  # the diagnostics of the new text are published with it
    return text, clamped


def _spell(r: types.Range) -> str:
    return f"{r.start.line}:{r.start.character}-{r.end.line}:{r.end.character}"


class Uris:
    """Paths and URIs as the client spells them.

    The core works with resolved paths; the client may reach the same files through a
    symlinked folder, and must get its own spelling back.
    """

    def __init__(self) -> None:
        self._spelled: dict[Path, str] = {}
        self._folders: dict[Path, Path] = {}  # resolved folder → the client's folder
        self._lock = threading.Lock()

    def add_folder(self, uri: str) -> Path | None:
        fs = to_fs_path(uri)
        if fs is None:
            return None
        resolved = Path(fs).resolve()
        with self._lock:
            self._folders[resolved] = Path(fs)
        return resolved

    def remove_folder(self, path: Path) -> None:
        with self._lock:
            self._folders.pop(path, None)

    def to_path(self, uri: str) -> Path | None:
        """The resolved path of a ``file:`` URI; None for other schemes (``untitled:`` …)."""
        fs = to_fs_path(uri) if isinstance(uri, str) else None
        if not fs:
            return None
        try:
            path = Path(fs).resolve()
        except (OSError, RuntimeError, ValueError):
            return None
        with self._lock:
            self._spelled[path] = uri
        return path

    def to_uri(self, path: Path) -> str:
        with self._lock:
            spelled = self._spelled.get(path)
            if spelled is not None:
                return spelled
            for resolved, client in self._folders.items():
                if resolved in path.parents:
                    path = client / path.relative_to(resolved)
                    break
        return from_fs_path(str(path))


def diagnostic(f: Finding, index: LineIndex) -> types.Diagnostic:
    return types.Diagnostic(
        range=to_range(index, f.start, f.end),
        message=f.message,
        severity=SEVERITY[f.severity],
        code=f.rule,
        code_description=types.CodeDescription(href=rule_url(f.rule)),
        source=SERVER_NAME,
        tags=[types.DiagnosticTag.Unnecessary] if f.rule == UNUSED else None,
        data=fix_data(f.fix) if f.fix is not None else None,
    )


class _Form:
    """One diagnostic as the JSON text ``json.dumps`` writes of it, its range kept apart: a
    diagnostic that an edit moved by whole lines only changes two numbers."""

    __slots__ = ("start", "end", "tail", "json")

    def __init__(self, start: tuple[int, int], end: tuple[int, int], tail: str) -> None:
        self.start, self.end, self.tail = start, end, tail  # tail: what follows the range
        self.json = f'{{"range": {{"start": {{"line": {start[0]}, "character": {start[1]}}}, "end": {{"line": {end[0]}, "character": {end[1]}}}}}, {tail}'

    def moved(self, lines: int) -> _Form:
        return _Form((self.start[0] + lines, self.start[1]), (self.end[0] + lines, self.end[1]), self.tail)


def _form(f: Finding, index: LineIndex) -> _Form:
    unstructured = CONVERTER.unstructure(diagnostic(f, index))
    r = unstructured.pop("range")
    start, end = r["start"], r["end"]
    # The range is the diagnostic's first field; ``json.dumps`` of the rest, after its brace, follows it.
    return _Form((start["line"], start["character"]), (end["line"], end["character"]), json.dumps(unstructured)[1:])


_Key = tuple[str, str, str, int, int, tuple[str, bool] | None]


class Converted:
    """The LSP form of each file's findings as last published: JSON text, ready to send.

    A keystroke changes few of a file's diagnostics, and none before the place it changed:
    a finding whose rule, message, severity, offsets and fix title are what they were, in
    the text before the change, is neither converted nor written again. Past the change,
    one whose offsets moved by its length is taken over, its lines moved by the lines it
    added, if its line starts after the change. Only what the last publish of each file
    held is kept.
    """

    def __init__(self) -> None:
        self._last: dict[Path, tuple[LineIndex, dict[_Key, _Form]]] = {}

    def diagnostics(self, path: Path, index: LineIndex, findings: Iterable[Finding]) -> list[str]:
        """The JSON text of each finding's diagnostic, in order."""
        old_index, before = self._last.get(path, (index, {}))
        old, text = old_index.text, index.text
        same_start, same_end = index.unchanged_ends(old_index)
        # Offsets below ``kept`` have the same position in both texts; below ``same_start``
        # only, as a line break ``\r`` there depends on the character after it.
        kept = len(text) + 1 if same_start == len(old) == len(text) else same_start
        delta = len(text) - len(old)
        after = len(text) - same_end  # offsets from here on are in the unchanged end
        # Lines that start in the unchanged end (past its first character) are the same lines,
        # moved by the lines the change added.
        first_moved_line = old_index.line_of(len(old) - same_end) + 1
        lines = index.line_count - old_index.line_count
        now: dict[_Key, _Form] = {}
        out = []
        for f in findings:
            fix = (f.fix.title, f.fix.safe) if f.fix is not None else None
            key = (f.rule, f.message, f.severity, f.start, f.end, fix)
            form = None
            if f.end < kept:
                form = before.get(key)
            elif f.start >= after:
                form = before.get((f.rule, f.message, f.severity, f.start - delta, f.end - delta, fix))
                if form is not None and form.start[0] < first_moved_line:
                    form = None  # on the line the change is on: its column may have moved
                elif form is not None and lines:
                    form = form.moved(lines)
            if form is None:
                form = _form(f, index)
            now[key] = form
            out.append(form.json)
        if now:
            self._last[path] = (index, now)
        else:
            self._last.pop(path, None)
        return out


def notification_params(uri: str, version: int | None, diagnostics: list[str]) -> str:
    """The params of ``textDocument/publishDiagnostics`` as the JSON text ``json.dumps`` writes
    of them, from the diagnostics' JSON text (:meth:`Converted.diagnostics`)."""
    version_field = "" if version is None else f', "version": {version}'
    return f'{{"uri": {json.dumps(uri)}, "diagnostics": [{", ".join(diagnostics)}]{version_field}}}'


def fix_for(d: types.Diagnostic, findings: Iterable[Finding], index: LineIndex) -> Fix | None:
    """The fix of the finding a diagnostic of ours shows, if the newest check still has it
    where the diagnostic says: one from an older text, whose place now holds something
    else, gets none, rather than another finding's fix.

    ``index`` is the newest text's; the client moves its diagnostics with its edits, so
    the range it sends back is in that text.
    """
    shown = fix_of(d.data)
    if shown is None:
        return None
    start, end = offset(index, d.range.start), offset(index, d.range.end)
    for f in findings:
        if f.fix is not None and (f.rule, f.start, f.end, f.message, f.fix.title) == (d.code, start, end, d.message, shown[0]):
            return f.fix
    return None


def document_edits(edits: Iterable[Edit], uris: Uris, text_of: Callable[[Path], str | None], version_of: Callable[[Path], int | None]) -> list[types.TextDocumentEdit] | None:
    """Edits grouped by file, each file's ranges computed on the text they were made for.

    None when a file cannot be read: half an edit is worse than none.
    """
    by_path: dict[Path, list[Edit]] = {}
    for e in edits:
        by_path.setdefault(e.path, []).append(e)
    out = []
    for path, group in by_path.items():
        text = text_of(path)
        if text is None:
            return None
        index = lines(text)
        out.append(
            types.TextDocumentEdit(
                text_document=types.OptionalVersionedTextDocumentIdentifier(uri=uris.to_uri(path), version=version_of(path)),
                edits=[types.TextEdit(to_range(index, e.start, e.end), e.new_text) for e in sorted(group, key=lambda e: (e.start, e.end))],
            )
        )
    return out


def fix_data(fix: Fix) -> dict[str, Any]:
    """What a diagnostic carries in ``data``: its fix's title and safety. The edits are made
    when the client asks for the fix, from the finding the diagnostic shows (:func:`fix_for`)."""
    return {"title": fix.title, "safe": fix.safe}


def fix_of(data: object) -> tuple[str, bool] | None:
    """Read back :func:`fix_data`: (title, safe); None for data this server did not write."""
    if not isinstance(data, dict) or not isinstance(data.get("title"), str):
        return None
    return data["title"], data.get("safe") is True


def workspace_edit(changes: Sequence[types.TextDocumentEdit], document_changes: bool) -> types.WorkspaceEdit:
    """Versioned document changes when the client takes them, else a plain map by URI."""
    if document_changes:
        return types.WorkspaceEdit(document_changes=list(changes))
    by_uri: dict[str, list[types.TextEdit]] = {}
    for change in changes:
        by_uri.setdefault(change.text_document.uri, []).extend(e for e in change.edits if isinstance(e, types.TextEdit))
    return types.WorkspaceEdit(changes=by_uri)
