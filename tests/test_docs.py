"""docs/rules is generated from the rules: it must be complete and up to date."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from migration_lsp import DOCS_URL, docs
from migration_lsp.rules.base import Rule
from migration_lsp.rules.registry import RULE_CLASSES

DOCS = Path(__file__).resolve().parents[1] / "docs" / "rules"


def test_generated_pages_are_up_to_date() -> None:
    problems = docs.stale(DOCS, RULE_CLASSES)
    assert not problems, f"docs/rules is stale ({', '.join(problems)}); run: {docs.COMMAND}"


def test_the_generator_writes_into_the_repository() -> None:
    assert docs.DOCS_DIR == DOCS
    assert DOCS_URL.endswith("/docs/rules")


@pytest.mark.parametrize("cls", RULE_CLASSES, ids=lambda cls: cls.name)
def test_every_rule_documents_every_section(cls: type[Rule]) -> None:
    doc = cls.doc()
    assert doc.summary and "\n" not in doc.summary.strip()
    missing = [s for s in docs.SECTIONS if not doc.sections.get(s)]
    assert not missing, f"{cls.__name__}'s docstring lacks the sections {missing}"


def test_page_shows_severity_fix_and_sections() -> None:
    class Sample(Rule):
        """Finds samples.

        ## What it does
        Reports them.

        ## Why is this bad?
        They are samples.

        ## Example
        ```sql
        SELECT 'sample';
        ```

        ## Use instead
        Nothing.

        ## Fix safety
        Safe.
        """

        name = "sample-rule"
        severity = "warning"
        fix = "safe"

    page = docs.render_rule(Sample)
    assert page.startswith("<!-- Generated from the rule's docstring by `python -m migration_lsp.docs`")
    assert "# sample-rule\n\nFinds samples.\n\n- **Default severity:** warning\n- **Fix:** safe fix" in page
    assert page.index("## What it does\n\nReports them.") < page.index("## Example\n\n```sql\nSELECT 'sample';\n```") < page.index("## Fix safety")
    assert 'sample-rule = "error"' in page
    index = docs.render_index([Sample])
    assert "| [`sample-rule`](sample-rule.md) | test docs | Finds samples. | warning | safe |" in index


def test_check_and_write(tmp_path: Path) -> None:
    out = tmp_path / "rules"
    command = [sys.executable, "-m", "migration_lsp.docs", "--out", str(out)]

    def check() -> subprocess.CompletedProcess[str]:
        return subprocess.run([*command, "--check"], capture_output=True, text=True, timeout=120)

    stale = check()
    assert stale.returncode == 1
    assert stale.stderr.strip().endswith(f"; run: {docs.COMMAND}") and stale.stderr.count("\n") == 1
    assert subprocess.run(command, capture_output=True, timeout=120).returncode == 0
    assert sorted(p.name for p in out.iterdir()) == sorted([f"{cls.name}.md" for cls in RULE_CLASSES] + ["README.md"])
    assert check().returncode == 0
    (out / "retired-rule.md").write_text("old\n", encoding="utf-8")
    (out / "drop-table.md").write_text("edited by hand\n", encoding="utf-8")
    stale = check()
    assert stale.returncode == 1 and stale.stderr.startswith(f"2 stale page(s) in {out}: drop-table.md, retired-rule.md;")
    assert subprocess.run(command, capture_output=True, timeout=120).returncode == 0
    assert not (out / "retired-rule.md").exists()
    assert check().returncode == 0
