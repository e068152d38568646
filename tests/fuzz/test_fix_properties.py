"""``--fix`` on generated migrations: it converges, touches only its edits, and writes valid code."""

from __future__ import annotations

import collections
import contextlib
import io
import os
import tempfile
from pathlib import Path

from fuzzing import ROUTE, Node, Source, examples, typescript, write_project
from hypothesis import given, settings
from hypothesis import strategies as st

from migration_lsp.findings import Finding
from migration_lsp.fixes.apply import apply_edits, plan_safe_fixes
from migration_lsp.lint.check import check_project, load_projects
from migration_lsp.locate.typescript import find_literals
from migration_lsp.main import main


def _findings(root: Path) -> list[Finding]:
    (project,) = load_projects([root])
    result = check_project(project)
    assert not result.rule_errors
    return result.findings


def _fix(root: Path) -> int:
    with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()) as err:
        code = main(["--check", str(root), "--fix"])
    assert code in (0, 1), err.getvalue()
    return code


def _kinds(findings: list[Finding]) -> collections.Counter[tuple[str, str]]:
    return collections.Counter((f.rule, f.message) for f in findings)


@settings(max_examples=examples(100))
@given(typescript(), st.sampled_from([0o644, 0o600, 0o755]))
def test_fix_converges_and_changes_only_what_it_fixes(node: Node, source: Source, mode: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp)
        path = write_project(root, source)
        path.chmod(mode)
        before = _findings(root)
        fixable = [f for f in before if f.offered_fix is not None and f.fix.safe]
        old = source.text
        first_pass = apply_edits(old, plan_safe_fixes(before).get(path, []))
        _fix(root)
        new = path.read_bytes().decode("utf-8")
        # What the file keeps: its mode, its line endings, its BOM, the code around the literal.
        assert os.stat(path).st_mode & 0o7777 == mode
        assert "\n" not in new.replace("\r\n", "") if source.crlf else "\r" not in new
        assert new.startswith("\ufeff") == old.startswith("\ufeff")
        if not fixable:
            assert new == old
            return
        (lit_old,) = find_literals(old, ROUTE, frozenset({"MIGRATION_SQL"})).literals
        found = find_literals(new, ROUTE, frozenset({"MIGRATION_SQL"})).literals
        assert len(found) == 1, "the fixed literal is found again"
        (lit_new,) = found
        assert new[: lit_new.doc_start] == old[: lit_old.doc_start]
        assert new[lit_new.doc_end :] == old[lit_old.doc_end :]
        # JavaScript still accepts the literal as written.
        start = lit_new.doc_start - len("String.raw") if lit_new.parts[0].kind == "raw" else lit_new.doc_start
        compiled = node.ask("compile", new[start : lit_new.doc_end])
        assert compiled["ok"], compiled
        after = _findings(root)
        # Converged: nothing a safe fix could remove is left, and nothing new appeared.
        assert [f.rule for f in after if f.offered_fix is not None and f.fix.safe] == []
        assert _kinds(after) - _kinds(before) == collections.Counter(), _kinds(after) - _kinds(before)
        if first_pass != old and not plan_safe_fixes(_findings_of(root, first_pass, path)).get(path):
            assert new == first_pass  # one pass was enough: the command wrote exactly its edits
        # A second run changes nothing.
        _fix(root)
        assert path.read_bytes().decode("utf-8") == new


def _findings_of(root: Path, text: str, path: Path) -> list[Finding]:
    """The findings ``path`` would have with ``text``; the file is put back as it was."""
    kept = path.read_bytes()
    path.write_bytes(text.encode("utf-8"))
    try:
        return _findings(root)
    finally:
        path.write_bytes(kept)
