"""`migration-lsp schema --format mermaid`: the schema as an entity-relationship diagram that
GitHub renders, checked with Mermaid's own parser where Node.js is installed."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
from pathlib import Path
from typing import Any, Callable

import pytest

from migration_lsp.migration import parse_document
from migration_lsp.model.build import build_schema
from migration_lsp.positions import escape_for_template
from migration_lsp.workspace.diagram import find_diagram, render_diagram

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "mason-app"
MERMAID = ROOT / "tests" / "mermaid"
NODE = shutil.which("node")

TRICKY = """
CREATE TABLE IF NOT EXISTS orgs (id uuid PRIMARY KEY, created_at timestamp with time zone);
CREATE TABLE IF NOT EXISTS "Weird ""Name"" 100%" (
  "1st id" numeric(10, 2) PRIMARY KEY,
  tags text[],
  "pk" uuid NOT NULL REFERENCES orgs(id),
  "naïve col" timestamp(3) with time zone REFERENCES orgs
);
CREATE TABLE IF NOT EXISTS members (
  org_id uuid NOT NULL REFERENCES orgs(id),
  user_id uuid NOT NULL REFERENCES auth.users(id),
  PRIMARY KEY (org_id, user_id)
);
CREATE TABLE IF NOT EXISTS "end" (id int PRIMARY KEY, parent int REFERENCES "end"(id));
CREATE TABLE IF NOT EXISTS grants (
  org_id uuid NOT NULL,
  user_id uuid NOT NULL,
  granted_by uuid REFERENCES missing_people,
  FOREIGN KEY (org_id, user_id) REFERENCES members(org_id, user_id)
);
CREATE TABLE IF NOT EXISTS profiles (user_id uuid PRIMARY KEY REFERENCES auth.users(id));
CREATE TABLE IF NOT EXISTS "app"."Audit" (note text);
ALTER TABLE members ENABLE ROW LEVEL SECURITY;
ALTER TABLE members FORCE ROW LEVEL SECURITY;
CREATE POLICY "members: read" ON members FOR SELECT USING (true);
"""

TRICKY_DIAGRAM = """erDiagram
    %% migration-lsp schema --format mermaid
    "orgs"["orgs (no RLS, no policies)"] {
        uuid id PK
    }
    "Weird 'Name' 100_"["Weird 'Name' 100_ (no RLS, no policies)"] {
        numeric(10_2) _1st_id PK "1st id"
        uuid pk_ FK "pk"
        timestamp(3)_with_time_zone na_ve_col FK "naïve col"
    }
    "members"["members (RLS forced, 1 policy)"] {
        uuid org_id PK, FK
        uuid user_id PK, FK
    }
    "end"["end (no RLS, no policies)"] {
        int id PK
        int parent FK
    }
    "grants"["grants (no RLS, no policies)"] {
        uuid org_id FK
        uuid user_id FK
        uuid granted_by FK
    }
    "profiles"["profiles (no RLS, no policies)"] {
        uuid user_id PK, FK
    }
    "app.Audit"["app.Audit (no RLS, no policies)"]
    "auth.users"["auth.users (not created by the migration)"]
    "missing_people"["missing_people (not created by the migration)"]
    "orgs" ||--o{ "Weird 'Name' 100_" : "pk"
    "orgs" |o--o{ "Weird 'Name' 100_" : "naïve col"
    "orgs" ||--o{ "members" : "org_id"
    "auth.users" ||--o{ "members" : "user_id"
    "end" |o--o{ "end" : "parent"
    "missing_people" |o--o{ "grants" : "granted_by"
    "members" ||--o{ "grants" : "org_id, user_id"
    "auth.users" ||--o| "profiles" : "user_id"
"""


def diagram(sql: str) -> str:
    text = f"export const MIGRATION_SQL = `{escape_for_template(sql)}`;\n"
    return render_diagram(build_schema(parse_document(Path("route.ts"), text, ["MIGRATION_SQL"]).migrations))


# -- Mermaid's grammar, as far as this output uses it ---------------------------------------------
# Checked without Node too: every line is one of these, and the braces pair up.
_QUOTED = r'"[^"%\\\x00-\x1f]+"'
_WORD = r"[A-Za-z_][A-Za-z0-9_()\[\]]*"
_LINE = {
    "comment": re.compile(r" {4}%% .*"),
    "entity": re.compile(rf" {{4}}{_QUOTED}\[{_QUOTED}\]( \{{)?"),
    "attribute": re.compile(rf" {{8}}{_WORD} ({_WORD}) (PK|FK|PK, FK)( {_QUOTED})?"),
    "close": re.compile(r" {4}\}"),
    "relationship": re.compile(rf" {{4}}{_QUOTED} (\|\||\|o)--(o\{{|o\|) {_QUOTED} : {_QUOTED}"),
}


def grammar_check(text: str) -> None:
    assert text.endswith("\n")
    lines = text.splitlines()
    assert lines[0] == "erDiagram"
    in_block = False
    for line in lines[1:]:
        kind, match = next(((k, m) for k, r in _LINE.items() if (m := r.fullmatch(line))), (None, None))
        assert match is not None, f"not Mermaid: {line!r}"
        assert (kind in ("attribute", "close")) == in_block, f"{line!r} {'inside' if in_block else 'outside'} an entity's block"
        if kind == "attribute":
            assert match.group(1).lower() not in ("pk", "fk", "uk"), f"Mermaid reads {line!r}'s name as a key"
        in_block = kind == "attribute" or (kind == "entity" and line.endswith("{"))
    assert not in_block


def mermaid_parse(text: str) -> dict[str, Any]:
    """What Mermaid's parser (at GitHub's version, from tests/mermaid) understands of ``text``."""
    if NODE is None:
        pytest.skip("node is not installed")
    if not (MERMAID / "node_modules" / "mermaid").is_dir():
        if os.environ.get("CI"):
            pytest.fail("tests/mermaid has no node_modules: tests/run.sh runs npm ci there")
        pytest.skip("Mermaid's parser is not installed: run npm ci in tests/mermaid")
    run = subprocess.run([NODE, str(MERMAID / "parse.mjs")], input=text, capture_output=True, text=True, encoding="utf-8", timeout=120)
    assert run.returncode == 0, run.stderr
    parsed: dict[str, Any] = json.loads(run.stdout)
    return parsed


# -- the command ----------------------------------------------------------------------------------


def test_snapshot_of_the_example(cli: Any, snapshot: Callable[[str, str], None]) -> None:
    result = cli("schema", "--format", "mermaid", cwd=EXAMPLE)
    assert (result.returncode, result.stderr) == (0, "")
    snapshot("schema.mermaid", result.stdout)
    grammar_check(result.stdout)


def test_tricky_names_make_valid_mermaid() -> None:
    text = diagram(TRICKY)
    assert text == TRICKY_DIAGRAM
    grammar_check(text)


def test_order_follows_the_migration_not_the_run() -> None:
    assert diagram(TRICKY) == diagram(TRICKY)
    two = "CREATE TABLE IF NOT EXISTS b (id int PRIMARY KEY);\nCREATE TABLE IF NOT EXISTS a (id int PRIMARY KEY, b int REFERENCES b);\n"
    assert [line.split("[")[0].strip() for line in diagram(two).splitlines() if "[" in line] == ['"b"', '"a"']


def test_names_that_reduce_to_one_are_told_apart() -> None:
    text = diagram('CREATE TABLE IF NOT EXISTS "a%b" (id int);\nCREATE TABLE IF NOT EXISTS "a_b" (id int);\n')
    assert '"a_b"["a_b (no RLS, no policies)"]' in text and '"a_b_2"["a_b (no RLS, no policies)"]' in text
    grammar_check(text)


def test_a_schema_without_tables_is_an_empty_diagram() -> None:
    text = diagram("CREATE EXTENSION IF NOT EXISTS pgcrypto;\n")
    assert text == "erDiagram\n    %% migration-lsp schema --format mermaid\n"
    grammar_check(text)


# -- Mermaid's own parser -------------------------------------------------------------------------


def test_mermaid_parses_the_tricky_names_as_written() -> None:
    parsed = mermaid_parse(diagram(TRICKY))
    entities = {e["name"]: e for e in parsed["entities"]}
    assert list(entities) == [
        "orgs", "Weird 'Name' 100_", "members", "end", "grants", "profiles", "app.Audit", "auth.users", "missing_people",
    ]  # fmt: skip
    assert entities["members"]["alias"] == "members (RLS forced, 1 policy)"
    assert [(a["type"], a["name"], a["keys"], a["comment"]) for a in entities["Weird 'Name' 100_"]["attributes"]] == [
        ("numeric(10_2)", "_1st_id", ["PK"], "1st id"),
        ("uuid", "pk_", ["FK"], "pk"),
        ("timestamp(3)_with_time_zone", "na_ve_col", ["FK"], "naïve col"),
    ]
    assert [(r["parent"], r["child"], r["label"], r["parentEnd"], r["childEnd"]) for r in parsed["relationships"]][-4:] == [
        ("end", "end", "parent", "ZERO_OR_ONE", "ZERO_OR_MORE"),
        ("missing_people", "grants", "granted_by", "ZERO_OR_ONE", "ZERO_OR_MORE"),
        ("members", "grants", "org_id, user_id", "ONLY_ONE", "ZERO_OR_MORE"),
        ("auth.users", "profiles", "user_id", "ONLY_ONE", "ZERO_OR_ONE"),
    ]


KEYWORDS = ("end", "one", "u", "to", "style", "class", "classDef", "subgraph", "direction", "erDiagram", "many", "only")


def test_mermaid_keywords_as_table_names() -> None:
    text = diagram("".join(f'CREATE TABLE IF NOT EXISTS "{n}" (id int PRIMARY KEY, up int REFERENCES "{n}");\n' for n in KEYWORDS))
    grammar_check(text)
    parsed = mermaid_parse(text)
    assert [e["name"] for e in parsed["entities"]] == list(KEYWORDS)
    assert [(r["parent"], r["child"]) for r in parsed["relationships"]] == [(n, n) for n in KEYWORDS]


def test_mermaid_parses_the_example(cli: Any) -> None:
    result = cli("schema", "--format", "mermaid", cwd=EXAMPLE)
    parsed = mermaid_parse(result.stdout)
    assert len(parsed["entities"]) == 11
    assert ("mason_users", "mason_api_keys", "user_id") in [(r["parent"], r["child"], r["label"]) for r in parsed["relationships"]]


# -- the README -----------------------------------------------------------------------------------


def test_the_readme_shows_the_examples_diagram(cli: Any) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = find_diagram(readme)
    assert block is not None, "README.md has no ```mermaid erDiagram block"
    result = cli("schema", "--format", "mermaid", cwd=EXAMPLE)
    assert block.text == result.stdout, "README.md's diagram is stale: paste `migration-lsp schema --format mermaid` run in examples/mason-app"
