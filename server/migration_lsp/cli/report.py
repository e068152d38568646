"""The command line's reporters: text, json, sarif and github, over one list of findings."""

from __future__ import annotations

import functools
import itertools
import json
import os
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Callable
from urllib.parse import quote

from migration_lsp import DOCS_URL, SERVER_NAME, __version__
from migration_lsp.findings import Finding
from migration_lsp.positions import LineIndex
from migration_lsp.rules.base import Rule
from migration_lsp.rules.registry import RULE_CLASSES, rule_url
from migration_lsp.workspace.project import FileNotice

FORMATS = ("text", "json", "sarif", "github")


@dataclass
class Report:
    findings: list[Finding]
    notices: list[FileNotice]
    files_checked: int
    texts: dict[Path, str]
    fixed: int = 0  # findings that --fix fixed before this report

    def __post_init__(self) -> None:
        self._lines: dict[Path, LineIndex] = {}

    def lines(self, path: Path) -> LineIndex:
        index = self._lines.get(path)
        if index is None:
            index = self._lines[path] = LineIndex(self.texts.get(path, ""))
        return index

    def cli_span(self, path: Path, start: int, end: int) -> tuple[int, int, int, int]:
        """1-based line and column of both ends; the end column is just past the span."""
        lines = self.lines(path)
        return (*lines.cli_position(start), *lines.cli_position(end))

    def notice_position(self, n: FileNotice) -> tuple[int, int] | None:
        if n.offset is None or n.path not in self.texts:
            return None
        return self.lines(n.path).cli_position(n.offset)


def display_path(path: Path) -> str:
    """Relative to the working directory when below it, else absolute; by the name the file was found
    under (a symlink's own name: it may lead nowhere, or to itself)."""
    return _display(os.fspath(path), os.getcwd())


@functools.lru_cache(maxsize=4096)  # a report names the same few files again and again
def _display(path: str, cwd: str) -> str:
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(_resolved(cwd)).as_posix()
    except ValueError:
        return str(absolute)


@functools.lru_cache(maxsize=1)
def _resolved(folder: str) -> Path:
    """The working directory, its symlinks followed: once, not once per file."""
    return Path(folder).resolve()


def render(report: Report, fmt: str, color: bool = False) -> str:
    renderer: Callable[[Report], str] = {
        "json": _json,
        "sarif": _sarif,
        "github": _github,
    }.get(fmt, lambda r: _text(r, color))
    return renderer(report)


def render_statistics(findings: list[Finding], fmt: str) -> str:
    """Findings counted per rule, most frequent first, as Ruff's ``--statistics`` prints them."""
    counts: dict[str, list[Finding]] = {}
    for f in findings:
        counts.setdefault(f.rule, []).append(f)
    rows = sorted(counts.items(), key=lambda item: (-len(item[1]), item[0]))
    fixable = {rule: any((fix := f.offered_fix) is not None and fix.safe for f in group) for rule, group in rows}
    if fmt == "json":
        entries = [{"rule": rule, "count": len(group), "fixable": fixable[rule]} for rule, group in rows]
        return json.dumps(entries, indent=2) + "\n"
    width = max((len(str(len(group))) for _, group in rows), default=1)
    return "".join(f"{len(group):>{width}}\t{rule}\t{'[*]' if fixable[rule] else '[ ]'}\n" for rule, group in rows)


# -- text ------------------------------------------------------------------------------
_COLORS = {"error": "\033[31m", "warning": "\033[33m", "info": "\033[36m", "note": "\033[35m"}
_BOLD, _DIM, _RESET = "\033[1m", "\033[2m", "\033[0m"


def _text(report: Report, color: bool) -> str:
    def paint(code: str, s: str) -> str:
        return f"{code}{s}{_RESET}" if color else s

    out: list[str] = []
    for n in report.notices:
        place = display_path(n.path)
        position = report.notice_position(n)
        if position is not None:
            place += f":{position[0]}:{position[1]}"
        out.append(f"{paint(_BOLD, place)}: {paint(_COLORS['note'], 'note')}: {n.message}")
    for f in report.findings:
        line, col, end_line, end_col = report.cli_span(f.path, f.start, f.end)
        head = f"{paint(_BOLD, f'{display_path(f.path)}:{line}:{col}')}: {paint(_COLORS[f.severity], f.severity)}[{f.rule}] {f.message}"
        out.append(head)
        source = report.lines(f.path).line_text(line - 1)
        marked = source[col - 1 : end_col - 1] if end_line == line else source[col - 1 :]
        gutter = f"{line:>5} | "
        out.append(paint(_DIM, gutter) + source.expandtabs(1))
        out.append(" " * (len(gutter) + _width(source[: col - 1])) + paint(_COLORS[f.severity], "^" * max(1, _width(marked))))
        fix = f.offered_fix
        if fix is not None:
            out.append(" " * len(gutter) + paint(_DIM, f"fix{'' if fix.safe else ' (unsafe)'}: {fix.title}"))
    counts = {s: sum(1 for f in report.findings if f.severity == s) for s in ("error", "warning", "info")}
    fixable = sum(1 for f in report.findings if (fix := f.offered_fix) is not None and fix.safe)
    summary = f"{_plural(counts['error'], 'error')}, {_plural(counts['warning'], 'warning')}, {counts['info']} info in {_plural(report.files_checked, 'file')} checked"
    if report.fixed:
        summary += f"; {report.fixed} fixed"
    if fixable:
        summary += f" ({fixable} fixable with --fix)"
    if out:
        out.append("")
    out.append(summary)
    return "\n".join(out) + "\n"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}{'' if n == 1 else 's'}"


def _width(text: str) -> int:
    """Terminal columns of ``text``: wide characters (CJK, emoji) take two, tabs one (see expandtabs above)."""
    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 0 if unicodedata.combining(ch) else 1 for ch in text)


# -- json ------------------------------------------------------------------------------
def _json(report: Report) -> str:
    diagnostics = []
    for f in report.findings:
        fix = None
        offered = f.offered_fix
        if offered is not None:
            fix = {
                "title": offered.title,
                "safe": offered.safe,
                "edits": [{**_json_place(report, e.path, e.start, e.end), "new_text": e.new_text} for e in offered.edits],
            }
        diagnostics.append(
            {
                **_json_place(report, f.path, f.start, f.end),
                "rule": f.rule,
                "code": f.rule,
                "severity": f.severity,
                "message": f.message,
                "url": rule_url(f.rule),
                "fix": fix,
            }
        )
    notices = []
    for n in report.notices:
        entry: dict[str, object] = {"path": display_path(n.path), "message": n.message}
        position = report.notice_position(n)
        if position is not None:
            entry["line"], entry["column"] = position
        notices.append(entry)
    doc = {
        "version": __version__,
        "files_checked": report.files_checked,
        "diagnostics": diagnostics,
        "notices": notices,
    }
    return _indented_json(doc) + "\n"


_JSON = json.JSONEncoder(indent=2, ensure_ascii=False)
_JSON_BATCH = 8192  # pieces of the encoding joined at a time


def _indented_json(doc: object) -> str:
    """``json.dumps(doc, indent=2, ensure_ascii=False)``, without holding every small piece
    the indenting encoder yields at once: thousands of findings make hundreds of thousands."""
    pieces = _JSON.iterencode(doc)
    return "".join(["".join(batch) for batch in iter(lambda: list(itertools.islice(pieces, _JSON_BATCH)), [])])


def _json_place(report: Report, path: Path, start: int, end: int) -> dict[str, object]:
    line, col, end_line, end_col = report.cli_span(path, start, end)
    return {"path": display_path(path), "line": line, "column": col, "end_line": end_line, "end_column": end_col}


# -- sarif -----------------------------------------------------------------------------
_SARIF_LEVEL = {"error": "error", "warning": "warning", "info": "note"}
SARIF_SCHEMA = "https://json.schemastore.org/sarif-2.1.0.json"


def _sarif(report: Report) -> str:
    # Only the rules with results: the help of the others would be noise in every upload.
    used = {f.rule for f in report.findings}
    classes = [cls for cls in RULE_CLASSES if cls.name in used]
    rules = [_sarif_rule(cls) for cls in classes]
    index = {cls.name: i for i, cls in enumerate(classes)}
    results = []
    for f in report.findings:
        results.append(
            {
                "ruleId": f.rule,
                "ruleIndex": index[f.rule],
                "level": _SARIF_LEVEL[f.severity],
                "message": {"text": f.message},
                "locations": [{"physicalLocation": _sarif_location(report, f.path, f.start, f.end)}],
            }
        )
    notifications = []
    for n in report.notices:
        notification: dict[str, object] = {"level": "warning", "message": {"text": n.message}}
        offset = n.offset if report.notice_position(n) is not None else None
        location = {"artifactLocation": _sarif_artifact(n.path)} if offset is None else _sarif_location(report, n.path, offset, offset)
        notification["locations"] = [{"physicalLocation": location}]
        notifications.append(notification)
    doc = {
        "$schema": SARIF_SCHEMA,
        "version": "2.1.0",
        "runs": [
            {
                "tool": {
                    "driver": {
                        "name": SERVER_NAME,
                        "version": __version__,
                        "informationUri": DOCS_URL.rsplit("/blob/", 1)[0],
                        "rules": rules,
                    }
                },
                "invocations": [{"executionSuccessful": True, "toolExecutionNotifications": notifications}],
                "columnKind": "utf16CodeUnits",
                "results": results,
            }
        ],
    }
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def _sarif_rule(cls: type[Rule]) -> dict[str, object]:
    doc = cls.doc()
    text = "\n\n".join([doc.summary, *(f"{title}\n{body}" for title, body in doc.sections.items())])
    markdown = "\n\n".join([doc.summary, *(f"## {title}\n{body}" for title, body in doc.sections.items())])
    return {
        "id": cls.name,
        "name": "".join(part.title() for part in cls.name.split("-")),
        "shortDescription": {"text": doc.summary},
        "fullDescription": {"text": doc.sections.get("What it does", doc.summary)},
        "help": {"text": text, "markdown": markdown},
        "helpUri": rule_url(cls.name),
        "defaultConfiguration": {"level": _SARIF_LEVEL[cls.severity] if cls.enabled_by_default else "none"},
    }


def _sarif_location(report: Report, path: Path, start: int, end: int) -> dict[str, object]:
    """A region in UTF-16 columns (see ``columnKind``); SARIF end columns are exclusive, as ours."""
    lines = report.lines(path)
    line, col = lines.lsp_position(start)
    end_line, end_col = lines.lsp_position(end)
    return {
        "artifactLocation": _sarif_artifact(path),
        "region": {"startLine": line + 1, "startColumn": col + 1, "endLine": end_line + 1, "endColumn": end_col + 1},
    }


def _sarif_artifact(path: Path) -> dict[str, str]:
    """Relative to the working directory (code scanning resolves it against the checkout), else a file URI."""
    shown = display_path(path)
    if os.path.isabs(shown):
        return {"uri": Path(shown).as_uri()}
    return {"uri": quote(shown), "uriBaseId": "%SRCROOT%"}


# -- github ----------------------------------------------------------------------------
_GITHUB_LEVEL = {"error": "error", "warning": "warning", "info": "notice"}


def _escape_data(s: str) -> str:
    return s.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(s: str) -> str:
    return _escape_data(s).replace(":", "%3A").replace(",", "%2C")


def _github(report: Report) -> str:
    out = []
    for n in report.notices:
        props = [f"file={_escape_property(display_path(n.path))}"]
        position = report.notice_position(n)
        if position is not None:
            props += [f"line={position[0]}", f"col={position[1]}"]
        props.append(f"title={SERVER_NAME}")
        out.append(f"::warning {','.join(props)}::{_escape_data(n.message)}")
    for f in report.findings:
        line, col, end_line, end_col = report.cli_span(f.path, f.start, f.end)
        props = [
            f"file={_escape_property(display_path(f.path))}",
            f"line={line}",
            f"col={col}",
            f"endLine={end_line}",
            f"endColumn={end_col}",
            f"title={_escape_property(f.rule)}",
        ]
        out.append(f"::{_GITHUB_LEVEL[f.severity]} {','.join(props)}::{_escape_data(f.message)}")
    return "\n".join(out) + ("\n" if out else "")
