"""Render ``docs/rules`` from the rules themselves, so that the documentation cannot drift.

``python -m migration_lsp.docs`` writes one page per registered rule (its docstring, default
severity and fix) and an index; ``--check`` only compares, and exits 1 when a page is stale.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Sequence

from migration_lsp.rules.base import Rule
from migration_lsp.rules.registry import RULE_CLASSES

SECTIONS = ("What it does", "Why is this bad?", "Example", "Use instead", "Fix safety")
DOCS_DIR = Path(__file__).resolve().parents[2] / "docs" / "rules"
COMMAND = "python -m migration_lsp.docs"
HEADER = f"<!-- Generated from the rule's docstring by `{COMMAND}`: edit the rule, not this page. -->\n\n"

_FIX = {
    "safe": "safe fix, applied by `--fix` and the editor's quick fix",
    "unsafe": "unsafe fix, offered as a quick fix but never applied by `--fix`",
    "sometimes": "safe in some cases (applied by `--fix`), unsafe in others (offered as a quick fix only)",
    "none": "no automatic fix",
}


def render_rule(cls: type[Rule]) -> str:
    doc = cls.doc()
    severity = cls.severity if cls.enabled_by_default else f"off by default ({cls.severity} when enabled)"
    parts = [
        f"{HEADER}# {cls.name}",
        doc.summary,
        f"- **Default severity:** {severity}\n- **Fix:** {_FIX[cls.fix]}\n- **Family:** {family(cls)}",
    ]
    ordered = [s for s in SECTIONS if s in doc.sections] + [s for s in doc.sections if s not in SECTIONS]
    parts += [f"## {title}\n\n{doc.sections[title]}" for title in ordered]
    parts.append(
        "## Configuration\n\n"
        "Change its severity, or switch it off, in `pyproject.toml` (or the same table, without\n"
        "the `tool.migration-lsp.` prefix, in `migration-lsp.toml`):\n\n"
        f'```toml\n[tool.migration-lsp.rules]\n{cls.name} = "{"warning" if cls.severity == "error" else "error"}"\n```\n\n'
        "Or suppress one finding where it is, with a reason:\n\n"
        f"```sql\n-- migration-lsp: ignore {cls.name} -- why this one is fine\n```"
    )
    return "\n\n".join(parts) + "\n"


def render_index(classes: Sequence[type[Rule]]) -> str:
    rows = [f"| [`{cls.name}`]({cls.name}.md) | {family(cls)} | {_cell(cls.doc().summary)} | {cls.severity if cls.enabled_by_default else 'off'} | {cls.fix} |" for cls in classes]
    return (
        f"{HEADER}# Rules\n\n"
        "Every finding names its rule. Each page says what the rule finds, why it matters, what to\n"
        "write instead and whether `--fix` can do it for you.\n\n"
        "| Rule | Family | Summary | Default severity | Fix |\n"
        "| --- | --- | --- | --- | --- |\n" + "\n".join(rows) + "\n"
    )


def family(cls: type[Rule]) -> str:
    """The rule's family: the module or package it lives in under ``rules/`` (``rules/data_loss.py``
    → "data loss", ``rules/upgrade/verified.py`` → "upgrade")."""
    return cls.__module__.removeprefix("migration_lsp.rules.").split(".")[0].replace("_", " ")


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def pages(classes: Sequence[type[Rule]]) -> dict[str, str]:
    """Every page, by file name."""
    out = {f"{cls.name}.md": render_rule(cls) for cls in classes}
    out["README.md"] = render_index(classes)
    return out


def stale(out: Path, classes: Sequence[type[Rule]]) -> list[str]:
    """Pages that are missing, differ, or belong to no rule any more."""
    wanted = pages(classes)
    problems = [name for name, text in wanted.items() if not (out / name).is_file() or (out / name).read_text(encoding="utf-8") != text]
    if out.is_dir():
        problems += sorted(p.name for p in out.glob("*.md") if p.name not in wanted)
    return problems


def write(out: Path, classes: Sequence[type[Rule]]) -> list[str]:
    """Bring the pages up to date; the names of the files changed."""
    changed = stale(out, classes)
    out.mkdir(parents=True, exist_ok=True)
    wanted = pages(classes)
    for name in changed:
        if name in wanted:
            (out / name).write_text(wanted[name], encoding="utf-8", newline="\n")
        else:
            (out / name).unlink()
    return changed


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog=COMMAND, description="Generate docs/rules from the rules' docstrings.")
    parser.add_argument("--check", action="store_true", help="only compare; exit 1 when a page is stale")
    parser.add_argument("--out", type=Path, default=DOCS_DIR, help="the folder of the pages (default: docs/rules)")
    args = parser.parse_args(argv)
    if args.check:
        problems = stale(args.out, RULE_CLASSES)
        if problems:
            print(f"{len(problems)} stale page(s) in {args.out}: {', '.join(problems)}; run: {COMMAND}", file=sys.stderr)
            return 1
        return 0
    changed = write(args.out, RULE_CLASSES)
    print(f"{len(changed)} page(s) updated in {args.out}" + (f": {', '.join(changed)}" if changed else ""))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
