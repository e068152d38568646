"""The schema model: what a fresh database holds after one run, and where each object is defined."""

from __future__ import annotations

from pathlib import Path

from migration_lsp.config import Config
from migration_lsp.lint.check import check
from migration_lsp.migration import Migration, parse_document
from migration_lsp.model.build import build_schema
from migration_lsp.model.names import canonical, dynamic, parse_name
from migration_lsp.model.schema import Schema
from migration_lsp.positions import escape_for_template
from migration_lsp.sql.facts import Name


def migrations(*sqls: str, substitutions: bool = False) -> list[Migration]:
    """A literal of each SQL, in a file of its own; with ``substitutions`` each ``${…}`` is one."""
    out = []
    for i, sql in enumerate(sqls):
        text = f"export const MIGRATION_SQL = `{sql if substitutions else escape_for_template(sql)}`;\n"
        out.extend(parse_document(Path(f"m{i}/route.ts"), text, ["MIGRATION_SQL"]).migrations)
    return out


def schema(*sqls: str, substitutions: bool = False) -> Schema:
    return build_schema(migrations(*sqls, substitutions=substitutions))


def test_tables_and_columns() -> None:
    s = schema(
        """
        CREATE TABLE IF NOT EXISTS mason_users (
          id UUID PRIMARY KEY DEFAULT gen_random_uuid(),
          email TEXT NOT NULL,
          "DisplayName" TEXT,
          score INTEGER GENERATED ALWAYS AS (1) STORED,
          created_at TIMESTAMPTZ DEFAULT NOW()
        );
        """
    )
    users = s.table("mason_users")
    assert users is not None
    assert list(users.columns) == ["id", "email", "DisplayName", "score", "created_at"]
    email = users.columns["email"]
    assert (email.type, email.not_null, email.default) == ("TEXT", True, None)
    assert users.columns["id"].default == "gen_random_uuid()"
    assert users.columns["id"].primary_key and users.columns["id"].not_null
    assert users.columns["score"].generated
    assert not users.columns["created_at"].not_null


def test_names_are_schema_aware() -> None:
    s = schema('CREATE TABLE IF NOT EXISTS public.a (id int); CREATE TABLE IF NOT EXISTS billing."Invoices" (id int);')
    assert list(s.tables) == [Name("a"), Name("Invoices", "billing")]
    assert s.table(Name("a", "public")) is s.table("a") is s.table("public.a")
    assert s.table("billing.Invoices") is not None
    assert s.table("billing.invoices") is None  # a quoted name keeps its case
    assert s.table("Invoices") is None  # and its schema
    assert canonical(Name("a", "public")) == Name("a") == parse_name("public.a")


def test_keys() -> None:
    s = schema(
        """
        CREATE TABLE IF NOT EXISTS mason_users (id UUID PRIMARY KEY, email TEXT UNIQUE);
        CREATE TABLE IF NOT EXISTS mason_api_keys (
          id UUID,
          user_id UUID REFERENCES mason_users(id) ON DELETE CASCADE,
          owner UUID,
          key_hash TEXT,
          CONSTRAINT pk PRIMARY KEY (id),
          CONSTRAINT uq_hash UNIQUE (key_hash, user_id),
          FOREIGN KEY (owner) REFERENCES public.mason_users (id)
        );
        ALTER TABLE mason_api_keys ADD CONSTRAINT fk_again FOREIGN KEY (owner) REFERENCES mason_users(id);
        """
    )
    users, keys = s.table("mason_users"), s.table("mason_api_keys")
    assert users is not None and keys is not None
    assert users.primary_key is not None and users.primary_key.columns == ("id",)
    assert [u.columns for u in users.uniques] == [("email",)]
    assert keys.primary_key is not None and (keys.primary_key.columns, keys.primary_key.name) == (("id",), "pk")
    assert keys.columns["id"].primary_key
    assert [(u.columns, u.name) for u in keys.uniques] == [(("key_hash", "user_id"), "uq_hash")]
    assert [(f.columns, f.references, f.references_columns, f.name) for f in keys.foreign_keys] == [
        (("user_id",), Name("mason_users"), ("id",), None),
        (("owner",), Name("mason_users"), ("id",), None),
        (("owner",), Name("mason_users"), ("id",), "fk_again"),
    ]


def test_check_constraints() -> None:
    (m,) = migrations(
        """
        CREATE TABLE IF NOT EXISTS t (
          id INT PRIMARY KEY,
          status TEXT CHECK (status IN ('a', 'b')),
          lo INT,
          hi INT,
          CONSTRAINT t_range CHECK (lo <= hi),
          CHECK (hi < 100)
        );
        ALTER TABLE t ADD CONSTRAINT t_lo_positive CHECK (lo > 0);
        DO $$ BEGIN
          ALTER TABLE t ADD CONSTRAINT t_range CHECK (lo < hi);
        EXCEPTION WHEN duplicate_object THEN NULL;
        END $$;
        ALTER TABLE t ADD COLUMN IF NOT EXISTS n INT CHECK (n <> 0);
        """
    )
    t = build_schema([m]).table("t")
    assert t is not None
    assert [(c.name, c.expression) for c in t.checks] == [
        ("t_status_check", "(status IN ('a', 'b'))"),
        ("t_range", "lo <= hi"),  # the second ADD CONSTRAINT of that name fails: the first stays
        (None, "hi < 100"),
        ("t_lo_positive", "lo > 0"),
        ("t_n_check", "(n <> 0)"),
    ]
    assert t.check_constraint("t_range") is t.checks[1]
    defined = [m.text[slice(*c.defined.doc_span())] for c in t.checks]
    assert defined[0] == "status TEXT CHECK (status IN ('a', 'b'))"
    assert defined[1] == "CONSTRAINT t_range CHECK (lo <= hi)"
    assert defined[3] == "ADD CONSTRAINT t_lo_positive CHECK (lo > 0)"


def test_check_constraints_go_with_their_name_or_column() -> None:
    s = schema(
        """
        CREATE TABLE IF NOT EXISTS t (id INT PRIMARY KEY, a INT CHECK (a > 0), b INT, c INT, CHECK (b > c), CONSTRAINT t_c CHECK (c > 0));
        ALTER TABLE t DROP CONSTRAINT IF EXISTS t_c;
        ALTER TABLE t RENAME COLUMN a TO aa;
        ALTER TABLE t DROP COLUMN b;
        ALTER TABLE t ADD CONSTRAINT t_c CHECK (c > 1);
        """
    )
    t = s.table("t")
    assert t is not None
    assert [(c.name, c.columns, c.expression) for c in t.checks] == [("t_a_check", ("aa",), "(a > 0)"), ("t_c", (), "c > 1")]


def test_indexes() -> None:
    s = schema(
        """
        CREATE TABLE IF NOT EXISTS t (id UUID PRIMARY KEY, user_id UUID, status TEXT, code TEXT);
        CREATE INDEX IF NOT EXISTS idx_t_user ON t(user_id) WHERE status <> 'done';
        CREATE UNIQUE INDEX IF NOT EXISTS idx_t_code ON t (lower(code));
        CREATE INDEX IF NOT EXISTS idx_t_user ON t(status);
        """
    )
    t = s.table("t")
    assert t is not None
    assert [(i.name, i.columns, i.predicate, i.unique) for i in t.indexes] == [
        (Name("idx_t_user"), ("user_id",), "status <> 'done'", False),
        (Name("idx_t_code"), ("code",), None, True),
    ]
    assert t.indexes[1].expressions == ("lower(code)",)
    assert s.indexes[Name("idx_t_code")] is t.indexes[1]
    assert {"user_id", "code", "id"} == t.leading_columns()


def test_alter_table_replays_in_order() -> None:
    s = schema(
        """
        CREATE TABLE IF NOT EXISTS t (id UUID PRIMARY KEY, a TEXT, b TEXT, c TEXT);
        CREATE INDEX IF NOT EXISTS idx_t_b ON t(b);
        ALTER TABLE t ADD COLUMN IF NOT EXISTS d INTEGER NOT NULL DEFAULT 0;
        ALTER TABLE t ADD COLUMN IF NOT EXISTS a INTEGER;
        ALTER TABLE t ALTER COLUMN a TYPE VARCHAR(20) USING a::varchar;
        ALTER TABLE t ALTER COLUMN a SET DEFAULT 'x', ALTER COLUMN a SET NOT NULL;
        ALTER TABLE t ALTER COLUMN d DROP DEFAULT;
        ALTER TABLE t DROP COLUMN IF EXISTS b;
        ALTER TABLE t RENAME COLUMN c TO see;
        ALTER TABLE t RENAME TO tee;
        """
    )
    assert s.table("t") is None
    tee = s.table("tee")
    assert tee is not None and tee.name == Name("tee")
    assert list(tee.columns) == ["id", "a", "see", "d"]
    a = tee.columns["a"]
    assert (a.type, a.default, a.not_null) == ("VARCHAR(20)", "'x'", True)
    assert tee.columns["d"].default is None and tee.columns["d"].not_null
    assert tee.indexes == [] and Name("idx_t_b") not in s.indexes  # dropped with its column


def test_rls_and_policies() -> None:
    s = schema(
        """
        CREATE TABLE IF NOT EXISTS t (id UUID PRIMARY KEY, user_id UUID);
        CREATE TABLE IF NOT EXISTS off (id UUID PRIMARY KEY);
        ALTER TABLE t ENABLE ROW LEVEL SECURITY;
        ALTER TABLE t FORCE ROW LEVEL SECURITY;
        ALTER TABLE off ENABLE ROW LEVEL SECURITY;
        ALTER TABLE off DISABLE ROW LEVEL SECURITY;
        DROP POLICY IF EXISTS "Owner" ON t;
        CREATE POLICY "Owner" ON t FOR SELECT TO authenticated, service_role USING (user_id = auth.uid());
        DO $$ BEGIN
          IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE tablename = 't' AND policyname = 'Insert own') THEN
            CREATE POLICY "Insert own" ON t FOR INSERT WITH CHECK (user_id = auth.uid());
          END IF;
        END $$;
        """
    )
    t, off = s.table("t"), s.table("off")
    assert t is not None and off is not None
    assert t.rls and t.rls_forced and not off.rls
    assert t.rls_defined is not None and t.rls_defined.statement.fact.kind == "alter_table"
    assert [(p.name, p.command, p.roles, p.using, p.check) for p in t.policies] == [
        ("Owner", "SELECT", ("authenticated", "service_role"), "user_id = auth.uid()", None),
        ("Insert own", "INSERT", (), None, "user_id = auth.uid()"),
    ]
    nested = t.policy("Insert own")
    assert nested is not None and nested.defined.statement.parent is not None
    assert nested.defined.top.fact.kind == "do"


def test_drop_policy_trigger_function_and_table() -> None:
    s = schema(
        """
        CREATE TABLE IF NOT EXISTS t (id UUID PRIMARY KEY);
        CREATE TABLE IF NOT EXISTS gone (id UUID PRIMARY KEY);
        CREATE INDEX IF NOT EXISTS idx_gone ON gone(id);
        CREATE POLICY "p" ON t USING (true);
        DROP POLICY IF EXISTS "p" ON t;
        CREATE OR REPLACE FUNCTION f() RETURNS trigger LANGUAGE plpgsql AS $fn$ BEGIN RETURN NEW; END $fn$;
        CREATE TRIGGER trg BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION f();
        DROP TRIGGER IF EXISTS trg ON t;
        DROP FUNCTION IF EXISTS f();
        DROP TABLE IF EXISTS gone;
        """
    )
    t = s.table("t")
    assert t is not None and t.policies == [] and t.triggers == []
    assert s.function("f") is None
    assert s.table("gone") is None and Name("idx_gone") not in s.indexes


def test_functions_triggers_views_publications() -> None:
    s = schema(
        """
        CREATE TABLE IF NOT EXISTS t (id UUID PRIMARY KEY, updated_at TIMESTAMPTZ);
        CREATE TABLE IF NOT EXISTS u (id UUID PRIMARY KEY);
        CREATE OR REPLACE FUNCTION app.touch(row_id UUID, n INT DEFAULT 1) RETURNS SETOF t
          LANGUAGE sql STABLE AS $fn$ SELECT * FROM t WHERE id = row_id $fn$;
        CREATE OR REPLACE FUNCTION set_updated_at() RETURNS trigger LANGUAGE plpgsql AS $fn$
        BEGIN NEW.updated_at = NOW(); RETURN NEW; END $fn$;
        CREATE OR REPLACE TRIGGER trg_t BEFORE UPDATE ON t FOR EACH ROW EXECUTE FUNCTION set_updated_at();
        CREATE OR REPLACE VIEW t_ids AS SELECT id FROM t;
        CREATE MATERIALIZED VIEW IF NOT EXISTS t_count AS SELECT count(*) FROM t;
        CREATE PUBLICATION mine FOR TABLE t, TABLE u;
        ALTER PUBLICATION mine DROP TABLE u;
        DO $$ BEGIN
          ALTER PUBLICATION supabase_realtime ADD TABLE t, u;
        EXCEPTION WHEN duplicate_object THEN NULL;
        END $$;
        CREATE PUBLICATION everything FOR ALL TABLES;
        """
    )
    touch = s.function("app.touch")
    assert touch is not None
    assert (touch.arguments, touch.returns, touch.language) == ("row_id UUID, n INT DEFAULT 1", "SETOF t", "sql")
    trigger_fn = s.function("set_updated_at")
    assert trigger_fn is not None and trigger_fn.returns == "trigger" and trigger_fn.language == "plpgsql"
    t = s.table("t")
    assert t is not None
    assert [(tr.name, tr.function) for tr in t.triggers] == [("trg_t", Name("set_updated_at"))]
    assert list(s.triggers()) == t.triggers
    view, matview = s.view("t_ids"), s.view("t_count")
    assert view is not None and not view.materialized
    assert matview is not None and matview.materialized
    assert s.may_have_relation("t_ids") and not s.may_have_relation("nope")
    assert s.publications["mine"].tables == [Name("t")]
    assert s.publications["supabase_realtime"].tables == [Name("t"), Name("u")]
    assert s.publications["everything"].all_tables
    assert [p.name for p in s.published("u")] == ["supabase_realtime", "everything"]


def test_if_not_exists_keeps_the_first_definition() -> None:
    s = schema(
        """
        CREATE TABLE IF NOT EXISTS t (id UUID PRIMARY KEY, a TEXT);
        CREATE TABLE IF NOT EXISTS t (id UUID PRIMARY KEY, b TEXT);
        """
    )
    t = s.table("t")
    assert t is not None and list(t.columns) == ["id", "a"]


def test_definitions_point_at_the_source() -> None:
    (m,) = migrations(
        """
        CREATE TABLE IF NOT EXISTS t (
          id UUID PRIMARY KEY,
          email TEXT NOT NULL
        );
        CREATE INDEX IF NOT EXISTS idx_t_email ON t(email);
        """
    )
    s = build_schema([m])
    t = s.table("t")
    assert t is not None
    start, end = t.defined.doc_span()
    assert m.text[start:end].startswith("CREATE TABLE IF NOT EXISTS t (") and m.text[start:end].endswith(")")
    assert t.defined.path == m.path and t.defined.migration is m
    column = t.columns["email"].defined
    assert m.text[slice(*column.doc_span())] == "email TEXT NOT NULL"
    assert m.text[slice(*t.indexes[0].defined.doc_span())] == "CREATE INDEX IF NOT EXISTS idx_t_email ON t(email)"


def test_purpose_comes_from_the_comment_right_above() -> None:
    s = schema(
        """
        -- =========================
        -- 1. Core tables
        -- =========================

        -- User accounts
        CREATE TABLE IF NOT EXISTS a (id int);
        -- API keys for the CLI,
        -- hashed
        CREATE TABLE IF NOT EXISTS b (id int); -- not about c
        CREATE TABLE IF NOT EXISTS c (id int);
        -- far away

        CREATE TABLE IF NOT EXISTS d (id int);
        -- 2. Feature tables
        CREATE TABLE IF NOT EXISTS e (id int);
        -- migration-lsp: ignore table-missing-rls
        CREATE TABLE IF NOT EXISTS f (id int);
        """
    )
    assert {str(n): t.purpose for n, t in s.tables.items()} == {
        "a": "User accounts",
        "b": "API keys for the CLI, hashed",
        "c": None,
        "d": None,
        "e": None,
        "f": None,
    }


def test_migrations_replay_in_order() -> None:
    s = schema(
        "CREATE TABLE IF NOT EXISTS a (id int);",
        "ALTER TABLE a ADD COLUMN IF NOT EXISTS b TEXT; CREATE TABLE IF NOT EXISTS c (id int);",
    )
    a = s.table("a")
    assert a is not None and list(a.columns) == ["id", "b"]
    assert a.defined.path == Path("m0/route.ts")
    c = s.table("c")
    assert c is not None and c.defined.path == Path("m1/route.ts")


def test_statements_the_model_cannot_place_are_ignored() -> None:
    s = schema(
        """
        ALTER TABLE missing ADD COLUMN IF NOT EXISTS a TEXT;
        CREATE INDEX IF NOT EXISTS idx_missing ON missing(a);
        CREATE POLICY "p" ON missing USING (true);
        CREATE TEMP TABLE scratch (id int);
        CREATE TABLE IF NOT EXISTS copy AS SELECT 1 AS id;
        """
    )
    assert list(s.tables) == [Name("copy")]
    assert s.indexes == {}


def test_names_with_a_substitution_are_patterns() -> None:
    s = schema(
        """
        CREATE TABLE IF NOT EXISTS mason_${kind}_events (id int);
        CREATE OR REPLACE VIEW ${schema}.summary AS SELECT 1 AS n;
        CREATE OR REPLACE FUNCTION count_${kind}() RETURNS int LANGUAGE sql AS $fn$ SELECT 1 $fn$;
        """,
        substitutions=True,
    )
    assert s.tables == {} and s.views == {} and s.functions == {}
    assert dynamic(s.dynamic_relations[0]) and not dynamic(Name("mason_events"))
    assert s.may_have_relation("mason_audit_events") and not s.may_have_relation("mason_audit")
    assert s.may_have_relation("reports.summary") and s.may_have_relation("summary") and not s.may_have_relation("summaries")
    assert s.may_have_function("count_audit") and not s.may_have_function("counts")
    assert not s.may_have_changed("mason_audit_events")


def test_a_statement_on_a_name_with_a_substitution_changes_no_known_table() -> None:
    s = schema(
        """
        CREATE TABLE IF NOT EXISTS ${t} (id int);
        ALTER TABLE ${t} ENABLE ROW LEVEL SECURITY;
        CREATE TABLE IF NOT EXISTS mason_a (id int);
        CREATE TABLE IF NOT EXISTS other (id int);
        """,
        """
        ALTER TABLE ${t} ENABLE ROW LEVEL SECURITY;
        CREATE POLICY "p" ON mason_${name} USING (true);
        """,
        substitutions=True,
    )
    a, other = s.table("mason_a"), s.table("other")
    assert a is not None and other is not None and not a.rls and not a.policies
    # In the first literal `${t}` is the table it created; in the second it may be any table.
    assert [str(n) for n in s.unplaced] == ["__migration_lsp_sub0", "mason___migration_lsp_sub1"]
    assert s.may_have_changed("mason_a") and s.may_have_changed("other")


def test_objects_named_with_a_substitution_match_no_other() -> None:
    s = schema(
        """
        CREATE TABLE IF NOT EXISTS t (id int, n int, CONSTRAINT ${check} CHECK (n > 0));
        CREATE INDEX IF NOT EXISTS idx_${a} ON t (n);
        CREATE POLICY "${policy}" ON t USING (true);
        DROP INDEX IF EXISTS idx_${b};
        DROP POLICY IF EXISTS "${policy}" ON t;
        ALTER TABLE t DROP CONSTRAINT IF EXISTS ${check};
        """,
        "CREATE INDEX IF NOT EXISTS idx_${a} ON t (id);",
        substitutions=True,
    )
    t = s.table("t")
    assert t is not None
    assert [i.columns for i in t.indexes] == [("n",), ("id",)] and s.indexes == {}
    assert len(t.policies) == 1 and len(t.checks) == 1
    assert s.may_have_changed("t")  # the policy or the constraint dropped: only the app knows which


def test_a_table_renamed_to_a_name_with_a_substitution_leaves_the_model() -> None:
    s = schema("CREATE TABLE IF NOT EXISTS t (id int); CREATE INDEX IF NOT EXISTS idx_t ON t (id); ALTER TABLE t RENAME TO t_${suffix};", substitutions=True)
    assert s.tables == {} and s.indexes == {}
    assert s.may_have_relation("t_old") and not s.may_have_relation("t")


def test_an_unknown_statement_word_is_no_statement_kind() -> None:
    # `target` is no SQL word: the model skips it, and no rule that reads the model raises.
    s = schema("CREATE TABLE IF NOT EXISTS mason_users (id uuid PRIMARY KEY);\ntarget mason_users;\ndrop mason_users;")
    assert list(s.tables) == [canonical(parse_name("mason_users"))]


def test_rules_never_crash_on_an_unknown_statement_word() -> None:
    text = "export const MIGRATION_SQL = `\nCREATE TABLE IF NOT EXISTS mason_users (id uuid PRIMARY KEY);\ntarget mason_users;\n`;\n"
    doc = parse_document(Path("route.ts"), text, ["MIGRATION_SQL"])
    result = check([doc], Config(root=Path(".")))
    assert result.rule_errors == []
    assert [f.rule for f in result.findings if f.rule == "syntax-error"] == ["syntax-error"]


BASE = """
CREATE TABLE IF NOT EXISTS teams (id uuid PRIMARY KEY, name text CHECK (name <> ''));
CREATE TABLE IF NOT EXISTS members (
  id uuid PRIMARY KEY,
  team_id uuid REFERENCES teams (id),
  email text UNIQUE,
  role text DEFAULT 'member'
);
CREATE INDEX IF NOT EXISTS members_team_idx ON members (team_id);
ALTER TABLE members ENABLE ROW LEVEL SECURITY;
CREATE POLICY members_read ON members FOR SELECT USING (true);
CREATE OR REPLACE FUNCTION touch() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RETURN NEW; END $$;
CREATE TRIGGER members_touch BEFORE UPDATE ON members FOR EACH ROW EXECUTE FUNCTION touch();
CREATE PUBLICATION feed FOR TABLE teams;
"""
# Every kind of change the replay makes in place: renames, drops, changed columns, publications.
UPGRADE = """
ALTER TABLE members RENAME COLUMN email TO address;
ALTER TABLE members ALTER COLUMN role TYPE varchar(20), ALTER COLUMN role SET DEFAULT 'guest', ALTER COLUMN role SET NOT NULL;
ALTER TABLE members DROP COLUMN team_id;
DROP POLICY IF EXISTS members_read ON members;
CREATE POLICY members_read ON members FOR SELECT USING (address IS NOT NULL);
DROP TRIGGER IF EXISTS members_touch ON members;
ALTER TABLE teams RENAME TO squads;
ALTER TABLE squads ADD CONSTRAINT squads_name_key UNIQUE (name);
ALTER PUBLICATION feed ADD TABLE members;
CREATE INDEX IF NOT EXISTS members_address_idx ON members (address);
"""


def test_a_replay_over_a_schema_is_a_replay_of_both_and_leaves_it_as_it_was() -> None:
    base, upgrade = migrations(BASE, UPGRADE)
    over = build_schema([base])
    before = repr(over)
    layered = build_schema([upgrade], over=over)
    assert repr(layered) == repr(build_schema([base, upgrade]))
    assert repr(over) == before
    assert over.table("teams") is not None and over.table("squads") is None
    members = layered.table("members")
    assert members is not None and layered.indexes[Name("members_address_idx")] in members.indexes


def test_exclusion_constraints_lead_with_their_first_plain_columns() -> None:
    s = schema(
        """
        CREATE TABLE b (id int PRIMARY KEY, room int, seat int, during tstzrange,
          CONSTRAINT b_no_overlap EXCLUDE USING gist (room WITH =, seat WITH =, during WITH &&));
        CREATE TABLE h (id int PRIMARY KEY, during tstzrange, EXCLUDE USING gist ((lower(during)) WITH =, id WITH =));
        ALTER TABLE h ADD CONSTRAINT h_no_overlap EXCLUDE USING gist (during WITH &&) WHERE (id > 0);
        ALTER TABLE b RENAME COLUMN room TO hall;
        ALTER TABLE b DROP COLUMN seat;
        """
    )
    b, h = s.table("b"), s.table("h")
    assert b is not None and h is not None
    # A dropped column takes its constraints with it, as in PostgreSQL; an expression leads nothing.
    assert [(k.name, k.columns) for k in b.exclusions] == []
    assert [(k.name, k.columns) for k in h.exclusions] == [(None, ()), ("h_no_overlap", ("during",))]
    assert h.leading_columns() == {"id", "during"}
    renamed = schema("CREATE TABLE b (id int PRIMARY KEY, room int, EXCLUDE USING gist (room WITH =));\nALTER TABLE b RENAME COLUMN room TO hall;").table("b")
    assert renamed is not None and renamed.leading_columns() == {"id", "hall"}
    dropped = schema("CREATE TABLE b (id int PRIMARY KEY, room int, EXCLUDE USING gist (room WITH =));\nALTER TABLE b DROP CONSTRAINT b_room_excl;").table("b")
    assert dropped is not None and dropped.exclusions == []


def test_sqlite_triggers_are_kept_by_if_not_exists_and_dropped_by_name() -> None:
    [m] = parse_document(
        Path("db.ts"),
        "export const MIGRATION_SQL = `\n"
        "CREATE TABLE IF NOT EXISTS notes (id INTEGER PRIMARY KEY);\n"
        "CREATE TRIGGER IF NOT EXISTS kept AFTER INSERT ON notes BEGIN SELECT 1; END;\n"
        "CREATE TRIGGER IF NOT EXISTS kept AFTER DELETE ON notes BEGIN SELECT 2; END;\n"
        "CREATE TRIGGER IF NOT EXISTS gone AFTER UPDATE ON notes BEGIN SELECT 3; END;\n"
        "DROP TRIGGER IF EXISTS gone;\n"
        "`;\n",
        ["MIGRATION_SQL"],
        dialect="sqlite",
    ).migrations
    notes = build_schema([m]).table("notes")
    assert notes is not None
    assert [(t.name, "INSERT" in t.defined.statement.fact.text) for t in notes.triggers] == [("kept", True)]
