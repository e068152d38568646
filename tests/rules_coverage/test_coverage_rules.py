"""The coverage and table rules in larger apps than a case holds: where fixes go, which spellings
they follow, names made of substitutions. Each rule's plain cases are in tests/rules/cases/."""

from __future__ import annotations

from typing import Callable

import pytest
from workspace_on_disk import CHECKED, ROUTE, Workspace, route

from migration_lsp.findings import Finding
from migration_lsp.fixes.apply import apply_edits

Make = Callable[[dict[str, str]], Workspace]

POLICY = """DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE tablename = '{table}' AND policyname = 'Allow all on {short}') THEN
    CREATE POLICY "Allow all on {short}" ON {table} FOR ALL USING (true) WITH CHECK (true);
  END IF;
END $$;"""


def policy(table: str) -> str:
    return POLICY.format(table=table, short=table.removeprefix("mason_"))


SQL = f"""
-- 1. Core tables

-- User accounts
CREATE TABLE IF NOT EXISTS mason_users (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  email TEXT UNIQUE,
  created_at TIMESTAMPTZ DEFAULT NOW()
);

-- CLI authentication
CREATE TABLE IF NOT EXISTS mason_api_keys (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id UUID NOT NULL REFERENCES mason_users(id) ON DELETE CASCADE,
  key_hash TEXT NOT NULL
);

-- 2. Indexes
CREATE INDEX IF NOT EXISTS idx_mason_api_keys_user_id ON mason_api_keys(user_id);

-- 3. Enable RLS
ALTER TABLE mason_users ENABLE ROW LEVEL SECURITY;
ALTER TABLE mason_api_keys ENABLE ROW LEVEL SECURITY;

-- 4. Policies
{policy("mason_users")}

{policy("mason_api_keys")}
"""

CONSTANTS = """\
export const TABLES = {
  USERS: 'mason_users',
  API_KEYS: 'mason_api_keys',
} as const;

export const STORAGE_KEYS = { THEME: 'mason_theme' } as const;
"""

USERS_TS = """\
import { TABLES } from '@/lib/constants';
import { supabase } from '@/lib/supabase';

export const users = () => supabase.from(TABLES.USERS).select('id, email');
export const keys = (id: string) => supabase.from(TABLES.API_KEYS).select('id').eq('user_id', id);
"""

CHECKLIST = """\
# Rules

## Required Tables

| Table | Purpose | Required |
|-------|---------|----------|
| `mason_users` | User accounts | ✓ |
| `mason_api_keys` | CLI authentication | ✓ |
"""


def app(sql: str = SQL, **files: str | None) -> dict[str, str]:
    """The base app, silent as it is. Keyword arguments replace, add or (with None) remove files:
    `src__lib__x_ts` is `src/lib/x.ts`."""
    base = {
        "tsconfig.json": '{ "compilerOptions": { "paths": { "@/*": ["./src/*"] } } }\n',
        ROUTE: route(sql),
        "src/lib/constants.ts": CONSTANTS,
        "src/lib/supabase.ts": "export const supabase = createClient('url', 'key');\n",
        "src/lib/users.ts": USERS_TS,
        "docs/rules.md": CHECKLIST,
    }
    for key, text in files.items():
        stem, suffix = key.replace("__", "/").rsplit("_", 1)
        base[f"{stem}.{suffix}"] = text
    return {k: v for k, v in base.items() if v is not None}


def only(ws: Workspace, rule: str) -> list[Finding]:
    return [f for f in ws.check() if f.rule == rule]


def test_the_base_app_is_silent(workspace: Make) -> None:
    assert workspace(app()).found() == []


# -- table-not-in-migration ----------------------------------------------------------------------

WIDGETS_TS = """\
import { TABLES } from '@/lib/constants';
import { supabase } from '@/lib/supabase';

export const widgets = (owner: string) =>
  supabase.from(TABLES.WIDGETS).select('id, title').eq('owner_id', owner);
export const addWidget = (title: string) =>
  supabase.from('mason_widgets').insert({ title, pinned: false, weight: 2 });
"""


def test_table_not_in_migration(workspace: Make) -> None:
    constants = CONSTANTS.replace("  API_KEYS: 'mason_api_keys',\n", "  API_KEYS: 'mason_api_keys',\n  WIDGETS: 'mason_widgets',\n")
    checklist = CHECKLIST + "| `mason_widgets` | Dashboard widgets | ✓ |\n"
    ws = workspace(app(src__lib__constants_ts=constants, src__lib__widgets_ts=WIDGETS_TS, docs__rules_md=checklist))
    found = [f for f in ws.found() if f[0] == "table-not-in-migration"]
    assert found == [
        ("table-not-in-migration", ROUTE, "`"),
        ("table-not-in-migration", "src/lib/constants.ts", "WIDGETS: 'mason_widgets'"),
        ("table-not-in-migration", "src/lib/widgets.ts", "TABLES.WIDGETS"),
        ("table-not-in-migration", "src/lib/widgets.ts", "'mason_widgets'"),
    ]
    (at_literal,) = [f for f in only(ws, "table-not-in-migration") if f.path.name == "route.ts"]
    assert at_literal.message == "the code uses a table that no migration creates: mason_widgets"
    reference = [f for f in only(ws, "table-not-in-migration") if f.path.name == "widgets.ts"][0]
    ws.fix_and_recheck(reference)
    sql = ws.read(ROUTE)
    # Each piece in its section: table, index, RLS, policy.
    table_at = sql.index("-- Dashboard widgets\nCREATE TABLE IF NOT EXISTS mason_widgets (\n")
    assert sql.index("CREATE TABLE IF NOT EXISTS mason_api_keys") < table_at < sql.index("-- 2. Indexes")
    assert (
        "  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),\n"
        "  title TEXT, -- TODO: the code uses this column; choose its type\n"
        "  owner_id TEXT, -- TODO: the code uses this column; choose its type\n"
        "  pinned BOOLEAN,\n"
        "  weight INTEGER,\n"
        "  created_at TIMESTAMPTZ DEFAULT NOW()\n);"
    ) in sql
    assert "idx_mason_api_keys_user_id ON mason_api_keys(user_id);\nCREATE INDEX IF NOT EXISTS idx_mason_widgets_owner_id ON mason_widgets(owner_id);\n" in sql
    assert "ALTER TABLE mason_api_keys ENABLE ROW LEVEL SECURITY;\nALTER TABLE mason_widgets ENABLE ROW LEVEL SECURITY;\n" in sql
    assert sql.rstrip().endswith(policy("mason_widgets") + "\n`;")
    # What is left is the string that TABLES now covers.
    assert ws.found() == [("hardcoded-table-name", "src/lib/widgets.ts", "'mason_widgets'")]


def test_table_not_in_migration_scaffolds_at_the_end_of_an_ungrouped_migration(workspace: Make) -> None:
    sql = """
    CREATE TABLE IF NOT EXISTS mason_users (id UUID PRIMARY KEY, email TEXT UNIQUE);
    ALTER TABLE mason_users ENABLE ROW LEVEL SECURITY;
    CREATE POLICY "Allow all on users" ON mason_users USING (true);
    CREATE TABLE IF NOT EXISTS mason_api_keys (id UUID PRIMARY KEY, user_id UUID REFERENCES mason_users(id));
    CREATE INDEX IF NOT EXISTS idx_mason_api_keys_user_id ON mason_api_keys(user_id);
    ALTER TABLE mason_api_keys ENABLE ROW LEVEL SECURITY;
    DROP POLICY IF EXISTS "Allow all on api_keys" ON mason_api_keys;
    CREATE POLICY "Allow all on api_keys" ON mason_api_keys USING (true);
    """
    ws = workspace(app(sql, src__lib__teams_ts="supabase.from('mason_teams').select('id');\n", docs__rules_md=None))
    (finding,) = [f for f in only(ws, "table-not-in-migration") if f.path.name == "teams.ts"]
    ws.fix_and_recheck(finding, follow_up=["table-not-in-constants"])
    text = ws.read(ROUTE)
    assert text.index('CREATE POLICY "Allow all on api_keys"') < text.index("CREATE TABLE IF NOT EXISTS mason_teams (")
    assert "\n    CREATE INDEX IF NOT EXISTS idx_mason_teams_created_at ON mason_teams(created_at);" in text  # the literal's indentation


@pytest.mark.parametrize("name", ["page_stats", "information_schema_notes", "pgx_events"])
def test_a_table_that_only_looks_like_a_catalog_is_the_apps(workspace: Make, name: str) -> None:
    ws = workspace(app(src__lib__x_ts=f"supabase.from('{name}').select('id');\n"))
    assert [f.message for f in only(ws, "table-not-in-migration") if f.path.name == "x.ts"] == [f"table {name} is used here, but no migration creates it"]


def test_coverage_rules_are_silent_without_a_migration(workspace: Make) -> None:
    ws = workspace(app(src__lib__x_ts="supabase.from('mason_anything'); supabase.rpc('nothing');\n", src__app__api__setup__migrations__route_ts=None))
    assert ws.found() == []


# -- table-not-in-constants ----------------------------------------------------------------------

TEAMS_SQL = (
    SQL.replace(
        "-- 2. Indexes",
        "-- Teams\nCREATE TABLE IF NOT EXISTS mason_teams (id UUID PRIMARY KEY DEFAULT gen_random_uuid(), name TEXT UNIQUE);\n\n-- 2. Indexes",
    ).replace("-- 4. Policies", "ALTER TABLE mason_teams ENABLE ROW LEVEL SECURITY;\n\n-- 4. Policies")
    + "\n"
    + policy("mason_teams")
    + "\n"
)
TEAMS_CHECKLIST = CHECKLIST + "| `mason_teams` | Teams | ✓ |\n"


def test_table_not_in_constants(workspace: Make) -> None:
    ws = workspace(app(TEAMS_SQL, docs__rules_md=TEAMS_CHECKLIST))
    assert ws.found() == [("table-not-in-constants", ROUTE, "mason_teams")]
    (finding,) = only(ws, "table-not-in-constants")
    assert finding.offered_fix is not None and finding.fix.title == "Add TEAMS: 'mason_teams' to TABLES"
    ws.fix_and_recheck(finding)
    assert ws.read("src/lib/constants.ts").startswith("export const TABLES = {\n  USERS: 'mason_users',\n  API_KEYS: 'mason_api_keys',\n  TEAMS: 'mason_teams',\n} as const;")


def test_table_not_in_constants_for_a_string_reference(workspace: Make) -> None:
    code = "import { supabase } from './supabase';\n\nexport const teams = () => supabase.from('mason_teams').select('id');\n"
    ws = workspace(app(TEAMS_SQL, docs__rules_md=TEAMS_CHECKLIST, src__lib__teams_ts=code))
    findings = only(ws, "table-not-in-constants")
    assert sorted(f.path.name for f in findings) == ["route.ts", "teams.ts"]
    # Both offer the same edit; once it is made, the string is a hard-coded name.
    assert findings[0].offered_fix is not None and findings[1].offered_fix is not None and findings[0].fix.edits == findings[1].fix.edits
    ws.fix_and_recheck(findings[1], follow_up=["hardcoded-table-name"])


@pytest.mark.parametrize(
    ("entries", "expected"),
    [
        ("  USERS: 'mason_users',\n  API_KEYS: 'mason_api_keys',\n", "  TEAMS: 'mason_teams',\n"),
        ('  users: "mason_users",\n  apiKeys: "mason_api_keys"\n', '  apiKeys: "mason_api_keys",\n  teams: "mason_teams"\n'),
        (
            "  MASON_USERS: 'mason_users',\n  MASON_API_KEYS: 'mason_api_keys',\n",
            "  MASON_API_KEYS: 'mason_api_keys',\n  MASON_TEAMS: 'mason_teams',\n",
        ),
        (
            "  Users: 'mason_users',\n  ApiKeys: 'mason_api_keys', // for the CLI\n",
            "  ApiKeys: 'mason_api_keys', // for the CLI\n  Teams: 'mason_teams',\n",
        ),
    ],
)
def test_table_not_in_constants_keys_follow_the_existing_ones(workspace: Make, entries: str, expected: str) -> None:
    constants = "export const TABLES = {\n" + entries + "} as const;\n"
    ws = workspace(app(TEAMS_SQL, docs__rules_md=TEAMS_CHECKLIST, src__lib__constants_ts=constants, src__lib__users_ts=None))
    (finding,) = only(ws, "table-not-in-constants")
    ws.fix_and_recheck(finding)
    assert expected in ws.read("src/lib/constants.ts")


# -- checklist-out-of-date -----------------------------------------------------------------------


DIAGRAM = """\
erDiagram
    %% migration-lsp schema --format mermaid
    "mason_users"["mason_users (RLS, 1 policy)"] {
        UUID id PK
    }
    "mason_api_keys"["mason_api_keys (RLS, 1 policy)"] {
        UUID id PK
        UUID user_id FK
    }
    "mason_users" ||--o{ "mason_api_keys" : "user_id"
"""


def with_diagram(checklist: str, diagram: str) -> str:
    return checklist + "\n## Schema\n\n```mermaid\n" + diagram + "```\n\nMore text.\n"


def test_checklist_silent_with_a_current_diagram(workspace: Make) -> None:
    ws = workspace(app(docs__rules_md=with_diagram(CHECKLIST, DIAGRAM)))
    assert ws.found() == []


def test_checklist_without_a_diagram_gets_none(workspace: Make) -> None:
    constants = CONSTANTS.replace("} as const;", "  TEAMS: 'mason_teams',\n} as const;", 1)
    ws = workspace(app(TEAMS_SQL, src__lib__constants_ts=constants))
    (finding,) = only(ws, "checklist-out-of-date")
    ws.fix_and_recheck(finding)
    assert "```" not in ws.read("docs/rules.md")


def test_stale_diagram_beside_a_current_checklist(workspace: Make) -> None:
    stale = DIAGRAM.replace("(RLS, 1 policy)", "(no RLS, no policies)")
    ws = workspace(app(docs__rules_md=with_diagram(CHECKLIST, stale)))
    assert ws.found() == [("checklist-out-of-date", "docs/rules.md", "erDiagram")]
    (finding,) = only(ws, "checklist-out-of-date")
    assert finding.message == "the schema diagram beside the Required Tables checklist differs from the migration"
    assert finding.offered_fix is not None and finding.fix.safe and finding.fix.title == "Redraw the schema diagram from the migration"
    ws.fix_and_recheck(finding)
    assert ws.read("docs/rules.md") == with_diagram(CHECKLIST, DIAGRAM)


def test_checklist_and_diagram_refreshed_together(workspace: Make) -> None:
    constants = CONSTANTS.replace("} as const;", "  TEAMS: 'mason_teams',\n} as const;", 1)
    ws = workspace(app(TEAMS_SQL, src__lib__constants_ts=constants, docs__rules_md=with_diagram(CHECKLIST, DIAGRAM)))
    (finding,) = only(ws, "checklist-out-of-date")
    assert finding.message == "the Required Tables checklist lacks mason_teams; its schema diagram differs too"
    ws.fix_and_recheck(finding)
    teams = DIAGRAM.replace('    "mason_users" ||', '    "mason_teams"["mason_teams (RLS, 1 policy)"] {\n        UUID id PK\n    }\n    "mason_users" ||')
    assert ws.read("docs/rules.md") == with_diagram(TEAMS_CHECKLIST, teams)


def test_diagram_redrawn_with_the_documents_line_breaks(workspace: Make) -> None:
    stale = DIAGRAM.replace("        UUID user_id FK\n", "")
    ws = workspace(app(docs__rules_md=with_diagram(CHECKLIST, stale).replace("\n", "\r\n")))
    (finding,) = only(ws, "checklist-out-of-date")
    assert finding.offered_fix is not None
    text = (ws.root / "docs/rules.md").read_bytes().decode("utf-8")  # as written, CRLF kept
    assert apply_edits(text, finding.fix.edits) == with_diagram(CHECKLIST, DIAGRAM).replace("\n", "\r\n")


# -- table-missing-rls, table-missing-policy, table-missing-index ---------------------------------


PER_TABLE = f"""
CREATE TABLE IF NOT EXISTS mason_users (id UUID PRIMARY KEY DEFAULT gen_random_uuid(), email TEXT UNIQUE);
ALTER TABLE mason_users ENABLE ROW LEVEL SECURITY;
{policy("mason_users")}

CREATE TABLE IF NOT EXISTS mason_api_keys (
  id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
  user_id UUID NOT NULL REFERENCES mason_users(id)
);
CREATE INDEX IF NOT EXISTS idx_mason_api_keys_user_id ON mason_api_keys(user_id);
{policy("mason_api_keys")}
"""


def test_table_missing_rls_after_the_tables_indexes(workspace: Make) -> None:
    ws = workspace(app(PER_TABLE))
    (finding,) = only(ws, "table-missing-rls")
    ws.fix_and_recheck(finding)
    # The table's statements stand together without blank lines; so does the new one.
    assert "ON mason_api_keys(user_id);\nALTER TABLE mason_api_keys ENABLE ROW LEVEL SECURITY;\nDO $$" in ws.read(ROUTE)


@pytest.mark.parametrize("end", ["", " -- the last one"])
def test_table_missing_rls_after_a_last_statement_without_semicolon(workspace: Make, end: str) -> None:
    sql = "\nCREATE TABLE IF NOT EXISTS mason_notes (id UUID PRIMARY KEY);\nCREATE INDEX IF NOT EXISTS idx_mason_notes_id ON mason_notes(id)" + end + "\n"
    ws = workspace(app(sql, src__lib__users_ts=None, src__lib__constants_ts=None, docs__rules_md=None))
    (finding,) = only(ws, "table-missing-rls")
    ws.fix_and_recheck(finding, follow_up=["table-missing-policy"])
    assert "ON mason_notes(id);\n\nALTER TABLE mason_notes ENABLE ROW LEVEL SECURITY;" in ws.read(ROUTE)
    assert only(ws, "table-missing-rls") == []


def test_no_fix_goes_after_a_statement_that_does_not_parse(workspace: Make) -> None:
    sql = "\nCREATE TABLE IF NOT EXISTS mason_notes (id UUID PRIMARY KEY);\nCREATE INDEX IF NOT EXISTS idx_mason_notes_id ON mason_notes(id;\n"
    ws = workspace(app(sql, src__lib__users_ts=None, src__lib__constants_ts=None, docs__rules_md=None))
    (finding,) = only(ws, "table-missing-rls")
    assert finding.offered_fix is None


def test_table_missing_policy_uses_the_configured_template(workspace: Make) -> None:
    files = app(PER_TABLE.replace(policy("mason_users"), ""))
    files["migration-lsp.toml"] = 'policy-template = "CREATE POLICY \\"Owner of {short}\\" ON {table} FOR ALL TO authenticated USING (true);"\n'
    ws = workspace(files)
    (finding,) = only(ws, "table-missing-policy")
    ws.fix_and_recheck(finding, follow_up=["table-missing-rls"])
    text = ws.read(ROUTE)
    assert (
        "ALTER TABLE mason_users ENABLE ROW LEVEL SECURITY;\n\nDO $$ BEGIN\n"
        "  IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE tablename = 'mason_users' AND policyname = 'Owner of users') THEN\n"
        '    CREATE POLICY "Owner of users" ON mason_users FOR ALL TO authenticated USING (true);\n'
        "  END IF;\nEND $$;\n"
    ) in text


def test_table_missing_index_without_an_index_section(workspace: Make) -> None:
    ws = workspace(app(SQL.replace("CREATE INDEX IF NOT EXISTS idx_mason_api_keys_user_id ON mason_api_keys(user_id);\n", "")))
    (finding,) = only(ws, "table-missing-index")
    ws.fix_and_recheck(finding)
    # At the end of the tables, where the index section would start.
    assert "  key_hash TEXT NOT NULL\n);\n\nCREATE INDEX IF NOT EXISTS idx_mason_api_keys_user_id ON mason_api_keys(user_id);\n\n-- 2. Indexes" in ws.read(ROUTE)


# -- used-before-created -------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("statement", "spans"),
    [
        ("CREATE TABLE IF NOT EXISTS early (id UUID PRIMARY KEY, team UUID REFERENCES mason_teams(id));", "mason_teams"),
        ("CREATE INDEX IF NOT EXISTS idx_t ON mason_teams(id);", "mason_teams"),
        ("ALTER TABLE mason_teams ADD COLUMN IF NOT EXISTS slug TEXT;", "mason_teams"),
        ('CREATE POLICY "p" ON mason_teams USING (true);', "mason_teams"),
        ("CREATE OR REPLACE TRIGGER trg BEFORE UPDATE ON mason_teams FOR EACH ROW EXECUTE FUNCTION f();", "mason_teams"),
        ("COMMENT ON TABLE mason_teams IS 'Teams';", "mason_teams"),
        ("DO $$ BEGIN ALTER PUBLICATION supabase_realtime ADD TABLE mason_teams; EXCEPTION WHEN duplicate_object THEN NULL; END $$;", "mason_teams"),
    ],
)
def test_used_before_created(workspace: Make, statement: str, spans: str) -> None:
    sql = SQL.replace("-- 1. Core tables", f"-- 0. Too early\n{statement}\n\n-- 1. Core tables") + "\nCREATE TABLE IF NOT EXISTS mason_teams (id UUID PRIMARY KEY);\n"
    found = workspace(app(sql)).found(["used-before-created"])
    assert found == [("used-before-created", ROUTE, spans)]


# -- names with a ${…}: only the app knows them --------------------------------------------------

BY_THE_APP = """
CREATE TABLE IF NOT EXISTS ${t} (id int);
ALTER TABLE ${t} ENABLE ROW LEVEL SECURITY;
CREATE POLICY "Allow all" ON ${t} FOR ALL USING (true);
"""


def with_substitutions(sql: str) -> dict[str, str]:
    """The base app with ``sql`` as its migration, each ``${…}`` a substitution."""
    return app(src__app__api__setup__migrations__route_ts=route(sql, substitutions=True))


def test_a_table_named_by_the_app_is_not_checked(workspace: Make) -> None:
    files = with_substitutions(SQL + BY_THE_APP)
    files["migration-lsp.toml"] = '[rules]\nsection-order = "info"\n'
    assert workspace(files).found(CHECKED) == [
        ("dynamic-sql", ROUTE, "${t}"),
        ("dynamic-sql", ROUTE, "${t}"),
        ("policy-not-guarded", ROUTE, 'CREATE POLICY "Allow all" ON ${t} FOR ALL USING (true)'),
        ("dynamic-sql", ROUTE, "${t}"),
    ]


def test_a_table_named_by_the_app_leaves_the_others_checked(workspace: Make) -> None:
    sql = SQL.replace("ALTER TABLE mason_users ENABLE ROW LEVEL SECURITY;\n", "") + BY_THE_APP
    assert workspace(with_substitutions(sql)).found() == [("table-missing-rls", ROUTE, "mason_users")]


def test_a_statement_on_a_table_named_by_the_app_may_be_on_any_table(workspace: Make) -> None:
    sql = SQL.replace("ALTER TABLE mason_users ENABLE ROW LEVEL SECURITY;\n", "ALTER TABLE ${usersTable} ENABLE ROW LEVEL SECURITY;\n")
    assert workspace(with_substitutions(sql)).found() == []


def test_the_code_may_use_what_is_created_under_a_name_with_a_substitution(workspace: Make) -> None:
    sql = SQL + ("CREATE TABLE IF NOT EXISTS mason_${kind}_events (id UUID PRIMARY KEY);\nCREATE OR REPLACE FUNCTION mason_${kind}_count() RETURNS int LANGUAGE sql AS $fn$ SELECT 1 $fn$;\n")
    files = with_substitutions(sql)
    files["src/lib/x.ts"] = "import { TABLES } from '@/lib/constants';\nsupabase.from(TABLES.EVENTS);\nsupabase.from(TABLES.OTHER);\nsupabase.rpc('mason_audit_count');\n"
    files["src/lib/constants.ts"] = CONSTANTS.replace("} as const;", "  EVENTS: 'mason_audit_events',\n  OTHER: 'other_events',\n} as const;", 1)
    files["docs/rules.md"] = CHECKLIST + "| `mason_audit_events` | Audit trail | ✓ |\n"
    assert workspace(files).found() == [
        ("table-not-in-migration", ROUTE, "`"),
        ("table-not-in-migration", "src/lib/constants.ts", "OTHER: 'other_events'"),
        ("table-not-in-migration", "src/lib/x.ts", "TABLES.OTHER"),
    ]


# -- used-before-created -------------------------------------------------------------------------

DELTA = """
ALTER TABLE mason_profiles ADD COLUMN IF NOT EXISTS bio TEXT;
ALTER TABLE mason_profiles ADD COLUMN IF NOT EXISTS locale TEXT;
CREATE INDEX IF NOT EXISTS idx_mason_profiles_locale ON mason_profiles(locale);
ALTER TABLE mason_invoices ADD COLUMN IF NOT EXISTS paid_at TIMESTAMPTZ;
"""


def test_used_before_created_once_per_table_at_its_first_use(workspace: Make) -> None:
    ws = workspace(app(SQL + DELTA, docs__rules_md=None))
    found = [f for f in ws.check() if f.rule == "used-before-created"]
    text = ws.read(ROUTE)
    assert [(text[f.start : f.end], f.message) for f in found] == [
        ("mason_profiles", "mason_profiles does not exist yet on a fresh database: it is created nowhere in the migration; 3 statements use it"),
        ("mason_invoices", "mason_invoices does not exist yet on a fresh database: it is created nowhere in the migration"),
    ]
    assert found[0].start == text.index("mason_profiles")


def test_used_before_created_silent_once_the_migration_creates_the_table_first(workspace: Make) -> None:
    created = "CREATE TABLE IF NOT EXISTS mason_profiles (id UUID PRIMARY KEY);\nCREATE TABLE IF NOT EXISTS mason_invoices (id UUID PRIMARY KEY);\n"
    ws = workspace(app(SQL + created + DELTA, docs__rules_md=None))
    assert [f for f in ws.check() if f.rule == "used-before-created"] == []
