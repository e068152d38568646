"""``--check`` on generated migrations: it never crashes, and every finding points into its statement."""

from __future__ import annotations

import contextlib
import io
import json
import subprocess
import sys
import tempfile
from pathlib import Path

from fuzzing import ROUTE, Source, examples, typescript, write_project
from hypothesis import given, settings

from migration_lsp.main import main
from migration_lsp.migration import Migration, parse_document
from migration_lsp.positions import LineIndex

SCRIPT = Path(sys.executable).with_name("migration-lsp")


def _run(root: Path) -> tuple[int, str, str]:
    """The command line in this process: exit code, stdout, stderr."""
    out, err = io.StringIO(), io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
        code = main(["--check", str(root), "--format", "json"])
    return code, out.getvalue(), err.getvalue()


def _statement_spans(m: Migration) -> list[tuple[int, int]]:
    return [m.literal.doc_span(st.start, m.end_of(st)) for st in m.statements]


def _assert_report(source: Source, code: int, stdout: str, stderr: str, root: Path) -> None:
    assert code in (0, 1), stderr
    assert "Traceback" not in stderr and "internal error" not in stderr, stderr
    report = json.loads(stdout)
    text = source.text
    document = parse_document(root / ROUTE, text, ["MIGRATION_SQL"])
    [migration] = document.migrations
    # What the app sends is what the checker reads.
    assert migration.sql == source.sql
    lines = LineIndex(text)
    spans = _statement_spans(migration)
    lit = migration.literal
    for d in report["diagnostics"]:
        assert d["path"].endswith(ROUTE), d
        for line, column in ((d["line"], d["column"]), (d["end_line"], d["end_column"])):
            assert 1 <= line <= len(lines.starts), d
            assert 1 <= column <= len(lines.line_text(line - 1)) + 1, d
        start = lines.starts[d["line"] - 1] + d["column"] - 1
        end = lines.starts[d["end_line"] - 1] + d["end_column"] - 1
        assert 0 <= start <= end <= len(text), d
        if lit.doc_start <= start < lit.doc_end:
            assert end <= lit.doc_end, d
            assert any(s <= start and end <= e for s, e in spans), (d, [text[s:e] for s, e in spans])


@settings(max_examples=examples(200))
@given(typescript())
def test_check_never_crashes_and_points_into_the_statement(source: Source) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_project(root, source)
        code, stdout, stderr = _run(root)
        _assert_report(source, code, stdout, stderr, root)


@settings(max_examples=examples(4))
@given(typescript())
def test_the_console_script_agrees(source: Source) -> None:
    """A few through the installed script: its wrapper, real stdout encoding, a fresh process."""
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        write_project(root, source)
        run = subprocess.run([str(SCRIPT), "--check", ".", "--format", "json"], cwd=root, capture_output=True, text=True, encoding="utf-8", timeout=120)
        _assert_report(source, run.returncode, run.stdout, run.stderr, root)
        code, stdout, _ = _run(root)
        assert (run.returncode, _places(run.stdout)) == (code, _places(stdout))


def _places(stdout: str) -> list[tuple[object, ...]]:
    return [(d["rule"], d["line"], d["column"], d["end_line"], d["end_column"], d["message"]) for d in json.loads(stdout)["diagnostics"]]
