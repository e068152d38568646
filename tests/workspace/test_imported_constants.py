"""`${X}` with X a constant of the file, or imported from another module of the project."""

from __future__ import annotations

from pathlib import Path

from migration_lsp.config import Config
from migration_lsp.findings import Finding
from migration_lsp.fixes.apply import apply_edits
from migration_lsp.lint.check import check_project
from migration_lsp.workspace.project import Project

ROUTE = "src/app/api/setup/route.ts"


def project(root: Path, files: dict[str, str]) -> Project:
    p = Project(Config(root=root))
    for name, text in files.items():
        p.add(root / name, text)
    return p


def findings(p: Project, *rules: str) -> list[Finding]:
    result = check_project(p, select=rules)
    assert not result.rule_errors
    return result.findings


def spans(p: Project, found: list[Finding]) -> list[tuple[str, str]]:
    return [(f.rule, p.texts[f.path][f.start : f.end]) for f in found]


def test_a_same_file_constant_is_checked_as_its_value(tmp_path: Path) -> None:
    route = (
        "const TREES = 'orchard_trees';\n"
        "export const MIGRATION_SQL = `\n"
        "ALTER TABLE ${TREES} ADD COLUMN IF NOT EXISTS height int;\n"
        "CREATE TABLE ${TREES} (id int);\n"
        "CREATE TABLE IF NOT EXISTS ${TREES}_log (id int);\n"
        "DROP TABLE ${TREES}_old;\n"
        "`;\n"
    )
    p = project(tmp_path, {ROUTE: route})
    found = findings(p, "used-before-created", "create-table-not-idempotent", "drop-table", "dynamic-sql")
    # a finding on the value points at the whole ${TREES}; others keep their exact spans;
    # the idempotent form stays silent
    assert spans(p, found) == [
        ("used-before-created", "${TREES}"),
        ("create-table-not-idempotent", "CREATE TABLE ${TREES} (id int)"),
        ("drop-table", "DROP TABLE ${TREES}_old"),
    ]
    assert "orchard_trees does not exist yet" in found[0].message and "orchard_trees_old" in found[2].message
    # IF NOT EXISTS goes before the ${…}, which is left as written
    fix = found[1].fix
    assert fix is not None
    assert "CREATE TABLE IF NOT EXISTS ${TREES} (id int);" in apply_edits(route, fix.edits)


def test_an_imported_constant_follows_its_module(tmp_path: Path) -> None:
    schema = "export const TREES = 'orchard_trees';\nexport const LOG = `${TREES}_log`;\n"
    route = "import { TREES, LOG as TREE_LOG } from '../../../lib/schema';\nexport const MIGRATION_SQL = `\nCREATE TABLE IF NOT EXISTS ${TREES} (id int);\nCREATE TABLE ${TREE_LOG} (id int);\n`;\n"
    p = project(tmp_path, {ROUTE: route, "src/lib/schema.ts": schema})
    # the route was read before its import existed: it is read again when the module arrives
    assert spans(p, findings(p, "create-table-not-idempotent", "dynamic-sql")) == [("create-table-not-idempotent", "CREATE TABLE ${TREE_LOG} (id int)")]
    # a module that changes the constant into something else changes the route's SQL
    p.add(tmp_path / "src/lib/schema.ts", "export const TREES = 'orchard_trees';\nexport let LOG = 'x';\n")
    assert [f.message.split(",")[0] for f in findings(p, "dynamic-sql")] == ["`${TREE_LOG}` is declared with let"]
    p.remove(tmp_path / "src/lib/schema.ts")
    assert [f.message.split(",")[0] for f in findings(p, "dynamic-sql")] == [
        "`${TREES}` is imported from '../../../lib/schema'",
        "`${TREE_LOG}` is imported from '../../../lib/schema'",
    ]


def test_values_known_only_at_run_time_say_which_and_why(tmp_path: Path) -> None:
    route = (
        "let SUFFIX = 'v2';\n"
        "const NAME = makeName();\n"
        "export function migration(tableName: string) {\n"
        "  const MIGRATION_SQL = `CREATE TABLE IF NOT EXISTS ${tableName}_${SUFFIX} (id int); DROP TABLE IF EXISTS ${NAME};`;\n"
        "  return MIGRATION_SQL;\n"
        "}\n"
    )
    p = project(tmp_path, {ROUTE: route})
    found = findings(p, "dynamic-sql")
    assert [(text, f.message.split(", so")[0]) for (_, text), f in zip(spans(p, found), found)] == [
        ("${tableName}", "`${tableName}` is a parameter of the function migration"),
        ("${SUFFIX}", "`${SUFFIX}` is declared with let"),
        ("${NAME}", "`${NAME}` is not a constant: its value comes from calling makeName(…)"),
    ]
    assert all("only known at run time" in f.message for f in found)


def test_a_constant_built_from_constants_is_a_constant(tmp_path: Path) -> None:
    route = (
        "const APP = 'orchard';\n"
        "const VERSION = 2;\n"
        "const TREES = `${APP}_trees_v${VERSION}`;\n"
        "let MUTABLE = 'pears';\n"
        "const FRUIT = `${APP}_${MUTABLE}`;\n"
        "export const MIGRATION_SQL = `DROP TABLE ${TREES}; DROP TABLE IF EXISTS ${FRUIT};`;\n"
    )
    p = project(tmp_path, {ROUTE: route})
    found = findings(p, "drop-table", "dynamic-sql")
    assert spans(p, found) == [("drop-table", "DROP TABLE ${TREES}"), ("drop-table", "DROP TABLE IF EXISTS ${FRUIT}"), ("dynamic-sql", "${FRUIT}")]
    assert "orchard_trees_v2" in found[0].message
    assert found[2].message.startswith("`${FRUIT}` is not a constant: its value is built from `${MUTABLE}`, which is declared with let")


def test_a_constant_table_counts_as_created(tmp_path: Path) -> None:
    route = "const TREES = 'orchard_trees';\nexport const MIGRATION_SQL = `CREATE TABLE IF NOT EXISTS ${TREES} (id int);`;\n"
    code = "import { supabase } from './db';\nexport const all = () => supabase.from('orchard_trees').select('id');\n"
    p = project(tmp_path, {ROUTE: route, "src/lib/trees.ts": code})
    assert findings(p, "table-not-in-migration", "used-before-created") == []
