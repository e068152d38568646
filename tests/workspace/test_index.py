"""The workspace index: every form of table reference, resolved through the file's own imports."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from migration_lsp.config import Config
from migration_lsp.sql.facts import Name
from migration_lsp.workspace import index as index_module
from migration_lsp.workspace.index import FileFacts, WorkspaceIndex
from migration_lsp.workspace.project import Project
from migration_lsp.workspace.references import ColumnUse, TableRef

CONSTANTS = """\
export const TABLES = {
  USERS: 'mason_users',
  API_KEYS: "mason_api_keys",
  'LOGS': 'mason_logs',
} as const;

export const STORAGE_KEYS = { THEME: 'mason_theme', USERS: 'mason_users_cache' } as const;
export const REALTIME_CHANNELS = { LOGS: 'mason_logs_changes' };
"""
TSCONFIG = '{\n  // the app imports its modules as @/…\n  "compilerOptions": { "paths": { "@/*": ["./src/*"], }, },\n}\n'


def build(root: Path, files: dict[str, str], config: Config | None = None, facts: FileFacts | None = None) -> WorkspaceIndex:
    index = WorkspaceIndex(config or Config(root=root), facts or FileFacts())
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    for name, text in files.items():
        index.update(root / name, text)
    return index


def refs(index: WorkspaceIndex, root: Path, name: str) -> list[tuple[str, str, str]]:
    """(table, how it is named, the text the reference spans) of each reference in one file."""
    path = root / name
    text = index.text(path) or ""
    return [(str(r.table), r.via, text[r.start : r.end]) for r in index.refs_in(path)]


def app(root: Path, code: str, name: str = "src/lib/code.ts") -> WorkspaceIndex:
    return build(root, {"tsconfig.json": TSCONFIG, "src/lib/constants.ts": CONSTANTS, name: code})


def test_string_forms(tmp_path: Path) -> None:
    code = """
    supabase.from('mason_a');
    supabase.from("mason_b");
    supabase.from(`mason_c`);
    supabase?.from('mason_d');
    supabase.from('mason_e' as const);
    """
    assert refs(app(tmp_path, code), tmp_path, "src/lib/code.ts") == [
        ("mason_a", "string", "'mason_a'"),
        ("mason_b", "string", '"mason_b"'),
        ("mason_c", "string", "`mason_c`"),
        ("mason_d", "string", "'mason_d'"),
        ("mason_e", "string", "'mason_e'"),
    ]


def test_constant_forms(tmp_path: Path) -> None:
    code = """
    import { TABLES } from '@/lib/constants';
    supabase.from(TABLES.USERS);
    supabase.from(TABLES['API_KEYS']);
    supabase.from(TABLES.LOGS);
    """
    found = app(tmp_path, code).refs_in(tmp_path / "src/lib/code.ts")
    assert [(str(r.table), r.via, r.key) for r in found] == [
        ("mason_users", "constant", "USERS"),
        ("mason_api_keys", "constant", "API_KEYS"),
        ("mason_logs", "constant", "LOGS"),
    ]
    assert all(r.constant is not None and r.constant.path == tmp_path / "src/lib/constants.ts" for r in found)
    assert refs(app(tmp_path, code), tmp_path, "src/lib/code.ts")[1][2] == "TABLES['API_KEYS']"


def test_alias_and_namespace_imports(tmp_path: Path) -> None:
    code = """
    import { TABLES as T } from '@/lib/constants';
    import * as C from './constants';
    supabase.from(T.USERS);
    supabase.from(C.TABLES.API_KEYS);
    supabase.from(TABLES.LOGS);
    """
    # TABLES itself is not imported here: that last reference names nothing.
    assert refs(app(tmp_path, code), tmp_path, "src/lib/code.ts") == [
        ("mason_users", "constant", "T.USERS"),
        ("mason_api_keys", "constant", "C.TABLES.API_KEYS"),
    ]


def test_schema_and_realtime(tmp_path: Path) -> None:
    code = """
    import { TABLES } from '@/lib/constants';
    supabase.schema('billing').from('invoices').select('id');
    supabase.channel('x').on('postgres_changes', { event: '*', schema: 'public', table: 'mason_events', filter: 'user_id=eq.1' }, cb);
    supabase.channel('y').on('postgres_changes', { event: 'INSERT', schema: 'audit', table: TABLES.LOGS }, cb);
    supabase.channel('z').on('broadcast', { event: 'cursor', table: 'not_a_table' }, cb);
    """
    index = app(tmp_path, code)
    found = index.refs_in(tmp_path / "src/lib/code.ts")
    assert [(r.table, r.context) for r in found] == [
        (Name("invoices", "billing"), "from"),
        (Name("mason_events"), "realtime"),
        (Name("mason_logs", "audit"), "realtime"),
    ]
    assert found[1].columns == (ColumnUse("user_id"),)


def test_rpc(tmp_path: Path) -> None:
    code = """
    supabase.rpc('increment', { id: 1 });
    supabase.schema('admin').rpc("purge");
    supabase.rpc(name);
    """
    index = app(tmp_path, code)
    text = index.text(tmp_path / "src/lib/code.ts") or ""
    assert [(r.function, text[r.start : r.end]) for r in index.function_refs()] == [
        (Name("increment"), "'increment'"),
        (Name("purge", "admin"), '"purge"'),
    ]


def test_what_is_not_a_table_reference(tmp_path: Path) -> None:
    code = """
    import { STORAGE_KEYS, REALTIME_CHANNELS, TABLES } from '@/lib/constants';
    const name = 'mason_users';
    supabase.from(name);
    supabase.from(`mason_${kind}`);
    supabase.from(STORAGE_KEYS.USERS);
    supabase.from(REALTIME_CHANNELS.LOGS);
    supabase.from(TABLES.MISSING);
    supabase.from(tables[0]);
    supabase.from();
    supabase.storage.from('avatars').upload('a', b);
    storage.from('avatars');
    Array.from('abc');
    Buffer.from('mason_users');
    from('mason_users');
    localStorage.setItem(STORAGE_KEYS.THEME, 'dark');
    """
    assert app(tmp_path, code).refs_in(tmp_path / "src/lib/code.ts") == []


def test_only_the_tables_constant_names_tables(tmp_path: Path) -> None:
    index = app(tmp_path, "")
    (constant,) = index.constants()
    assert list(constant.entries) == ["USERS", "API_KEYS", "LOGS"]
    assert constant.key_for(Name("mason_users")) == "USERS"
    assert constant.key_for(Name("mason_theme")) is None
    assert constant.table("LOGS") == Name("mason_logs")


@pytest.mark.parametrize(
    "declaration",
    [
        "export const TABLES = { USERS: 'mason_users' } as const;",
        "export const TABLES = { USERS: 'mason_users' } satisfies Record<string, string>;",
        "export const TABLES: Record<string, string> = { USERS: 'mason_users' };",
        "export const TABLES = Object.freeze({ USERS: 'mason_users' });",
        "const TABLES = { USERS: 'mason_users', NESTED: { A: 'b' }, COUNT: 3 } as const;\nexport { TABLES };",
    ],
)
def test_declaration_forms(tmp_path: Path, declaration: str) -> None:
    index = build(tmp_path, {"constants.ts": declaration})
    (constant,) = index.constants()
    assert {k: e.value for k, e in constant.entries.items()} == {"USERS": "mason_users"}


def test_spans_are_document_offsets_after_non_ascii_text(tmp_path: Path) -> None:
    code = "// Größe 🚀 — naïve\nconst label = '→';\nsupabase.from('mason_users');\n"
    index = app(tmp_path, code)
    (ref,) = index.refs_in(tmp_path / "src/lib/code.ts")
    assert code[ref.start : ref.end] == "'mason_users'"


def test_columns_the_code_uses(tmp_path: Path) -> None:
    code = """
    supabase.from('t').select('id, name:display_name, data->>theme, created_at::date, owner:mason_users(id, email), *');
    supabase.from('t').insert({ title: 'x', done: false, n: 2, ratio: 0.5, meta: {}, tags: [], owner_id: id, 'quoted': null, [computed]: 1 });
    supabase.from('t').upsert([{ slug }, { other: 1 }]);
    supabase.from('t').update({ status: 'done' }).eq('user_id', u).neq('kind', 'x').order('position', { ascending: true });
    supabase.from('t').delete().match({ team_id: 1 }).in('state', states).is('deleted_at', null);
    """
    index = app(tmp_path, code)
    assert [(c.name, c.type_hint) for c in index.columns_used(Name("t"))] == [
        ("id", None),
        ("display_name", None),
        ("data", None),
        ("created_at", None),
        ("title", "TEXT"),
        ("done", "BOOLEAN"),
        ("n", "INTEGER"),
        ("ratio", "NUMERIC"),
        ("meta", "JSONB"),
        ("tags", "JSONB"),
        ("owner_id", None),
        ("quoted", None),
        ("slug", None),
        ("status", "TEXT"),
        ("user_id", None),
        ("kind", None),
        ("position", None),
        ("team_id", "INTEGER"),
        ("state", None),
        ("deleted_at", None),
    ]


MONOREPO = {
    "packages/admin/tsconfig.json": TSCONFIG,
    "packages/admin/src/lib/constants.ts": "export const TABLES = { USERS: 'admin_users', AUDIT: 'admin_audit' } as const;\n",
    "packages/admin/src/pages/users.ts": "import { TABLES } from '@/lib/constants';\nsupabase.from(TABLES.USERS);\nsupabase.from(TABLES.AUDIT);\n",
    "packages/dashboard/tsconfig.json": TSCONFIG,
    "packages/dashboard/src/lib/constants.ts": "export const TABLES = { USERS: 'mason_users' } as const;\n",
    "packages/dashboard/src/pages/users.ts": "import { TABLES } from '@/lib/constants';\nsupabase.from(TABLES.USERS);\nsupabase.from(TABLES.AUDIT);\n",
}


def test_monorepo_packages_resolve_their_own_constant(tmp_path: Path) -> None:
    index = build(tmp_path, MONOREPO)
    assert refs(index, tmp_path, "packages/admin/src/pages/users.ts") == [
        ("admin_users", "constant", "TABLES.USERS"),
        ("admin_audit", "constant", "TABLES.AUDIT"),
    ]
    # The dashboard's TABLES has no AUDIT: that reference resolves to nothing, not to admin's.
    assert refs(index, tmp_path, "packages/dashboard/src/pages/users.ts") == [("mason_users", "constant", "TABLES.USERS")]
    dashboard = index.constant_for(tmp_path / "packages/dashboard/src/pages/users.ts")
    assert dashboard is not None and dashboard.path == tmp_path / "packages/dashboard/src/lib/constants.ts"


def test_workspace_package_imports(tmp_path: Path) -> None:
    files = {
        "packages/shared/package.json": '{ "name": "@mason/shared" }',
        "packages/shared/src/index.ts": "export * from './tables';\n",
        "packages/shared/src/tables.ts": "export const TABLES = { USERS: 'mason_users' } as const;\n",
        "packages/web/src/a.ts": "import { TABLES } from '@mason/shared';\nsupabase.from(TABLES.USERS);\n",
        "packages/web/src/b.ts": "import { TABLES } from '@mason/shared/tables';\nsupabase.from(TABLES.USERS);\n",
    }
    index = build(tmp_path, files)
    assert refs(index, tmp_path, "packages/web/src/a.ts") == [("mason_users", "constant", "TABLES.USERS")]
    assert refs(index, tmp_path, "packages/web/src/b.ts") == [("mason_users", "constant", "TABLES.USERS")]


def test_relative_imports_and_reexports(tmp_path: Path) -> None:
    files = {
        "lib/db/tables.ts": "export const TABLES = { USERS: 'mason_users' } as const;\n",
        "lib/db/index.ts": "export { TABLES as DB_TABLES } from './tables';\nexport { TABLES } from './tables';\n",
        "lib/index.ts": "export * from './db';\n",
        "app/a.ts": "import { TABLES } from '../lib';\nsupabase.from(TABLES.USERS);\n",
        "app/b.ts": "import { TABLES } from '../lib/db/tables.js';\nsupabase.from(TABLES.USERS);\n",
        "app/c.ts": "import { DB_TABLES } from '../lib/db';\nsupabase.from(DB_TABLES.USERS);\n",
    }
    index = build(tmp_path, files)
    for name in ("app/a.ts", "app/b.ts"):
        assert refs(index, tmp_path, name) == [("mason_users", "constant", "TABLES.USERS")], name
    # DB_TABLES is an alias made by a re-export, not the tables constant's name.
    assert refs(index, tmp_path, "app/c.ts") == []


def test_an_import_that_cannot_be_followed_uses_the_nearest_constant(tmp_path: Path) -> None:
    files = {
        "one/constants.ts": "export const TABLES = { USERS: 'one_users' } as const;\n",
        "two/constants.ts": "export const TABLES = { USERS: 'two_users' } as const;\n",
        "two/deep/code.ts": "import { TABLES } from 'some-published-package';\nsupabase.from(TABLES.USERS);\n",
    }
    index = build(tmp_path, files)
    assert refs(index, tmp_path, "two/deep/code.ts") == [("two_users", "constant", "TABLES.USERS")]


def test_configured_constant_name_and_file(tmp_path: Path) -> None:
    files = {
        "src/db.ts": "export const DB = { USERS: 'mason_users' } as const;\nexport const TABLES = { X: 'not_this' };\n",
        "src/test/fixtures.ts": "export const DB = { USERS: 'fixture_users' } as const;\n",
        "src/a.ts": "import { DB } from './db';\nimport { TABLES } from './db';\nsupabase.from(DB.USERS);\nsupabase.from(TABLES.X);\n",
    }
    config = Config(root=tmp_path, tables_constant="DB", tables_file="src/db.ts")
    index = build(tmp_path, files, config)
    assert [c.path for c in index.constants()] == [tmp_path / "src/db.ts"]
    assert refs(index, tmp_path, "src/a.ts") == [("mason_users", "constant", "DB.USERS")]


@pytest.fixture
def parsed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The texts the index parses from now on."""
    texts: list[str] = []
    original = index_module.parse

    def counting(text: str, path: str) -> object:
        texts.append(text)
        return original(text, path)

    monkeypatch.setattr(index_module, "parse", counting)
    return texts


def test_updates_are_incremental(tmp_path: Path, parsed: list[str]) -> None:
    index = app(tmp_path, "import { TABLES } from '@/lib/constants';\nsupabase.from(TABLES.USERS);\n")
    parsed.clear()
    code = tmp_path / "src/lib/code.ts"
    before = list(index.table_refs())
    index.update(code, "import { TABLES } from '@/lib/constants';\nsupabase.from(TABLES.API_KEYS);\n")
    assert len(parsed) == 1  # only the edited file is read again
    assert [str(r.table) for r in index.table_refs()] == ["mason_api_keys"]
    assert before != list(index.table_refs())
    index.update(code, index.text(code) or "")
    assert len(parsed) == 1  # the same text: nothing to do
    # Editing the constant re-resolves the references of the files that import it.
    constants = tmp_path / "src/lib/constants.ts"
    index.update(constants, "export const TABLES = { API_KEYS: 'renamed_keys' } as const;\n")
    assert [str(r.table) for r in index.table_refs()] == ["renamed_keys"]
    index.remove(code)
    assert list(index.table_refs()) == []


def test_a_folder_read_again_parses_only_what_changed(tmp_path: Path, parsed: list[str]) -> None:
    files = {"a.ts": "supabase.from('one');\n", "b.ts": "supabase.from('two');\n"}
    facts = FileFacts()  # kept with the folder, across its readings
    build(tmp_path, files, facts=facts)
    parsed.clear()
    again = build(tmp_path, {**files, "b.ts": "supabase.from('three');\n"}, facts=facts)
    assert parsed == ["supabase.from('three');\n"]
    assert [str(r.table) for r in again.table_refs()] == ["one", "three"]
    parsed.clear()
    build(tmp_path, files)  # another folder's reading keeps nothing of this one
    assert sorted(parsed) == sorted(files.values())


def test_files_without_a_reference_are_not_parsed(tmp_path: Path, parsed: list[str]) -> None:
    files = {
        "component.tsx": "export const Button = () => <button>{label}</button>;\n",
        "query.ts": "supabase.from('mason_only_here');\n",
    }
    index = build(tmp_path, files)
    assert parsed == [files["query.ts"]]
    assert [str(r.table) for r in index.table_refs()] == ["mason_only_here"]


def test_project_keeps_its_index_current(tmp_path: Path) -> None:
    project = Project(Config(root=tmp_path), texts={tmp_path / "a.ts": "supabase.from('one');\n"})
    assert [str(r.table) for r in project.index.table_refs()] == ["one"]
    project.add(tmp_path / "a.ts", "supabase.from('two');\n")
    project.add(tmp_path / "b.ts", "supabase.rpc('fn');\n")
    project.add(tmp_path / "docs/rules.md", "## Required Tables\n\n| Table |\n|---|\n| `one` |\n")
    assert [str(r.table) for r in project.index.table_refs()] == ["two"]
    assert [str(r.function) for r in project.index.function_refs()] == ["fn"]
    assert [c.tables for c in project.index.checklists()] == [["one"]]
    assert tmp_path / "docs/rules.md" not in project.documents
    project.remove(tmp_path / "a.ts")
    project.remove(tmp_path / "docs/rules.md")
    assert list(project.index.table_refs()) == [] and project.index.checklists() == []
    assert tmp_path / "a.ts" not in project.texts


def test_table_refs_carry_their_path(tmp_path: Path) -> None:
    index = app(tmp_path, "supabase.from('x');\n", name="src/app/page.tsx")
    (ref,) = index.table_refs()
    assert isinstance(ref, TableRef) and ref.path == tmp_path / "src/app/page.tsx"


def test_a_file_without_a_reference_edited_into_one_is_read_as_a_fresh_one(tmp_path: Path) -> None:
    # Words split by edits, and made by an edit at either end of the change.
    pieces = ["supabase", ".fro", "m(", "'t')", ".rp", "c('f')", "TABLE", "S.A", "export ", "* from './x'", "postgres_", "changes", "\n", " "]
    rng = random.Random(3)
    facts = FileFacts()
    path = tmp_path / "a.ts"
    text = "const a = 1;\n"
    for _ in range(400):
        at = rng.randrange(len(text) + 1)
        end = min(len(text), at + rng.choice([0, 0, 1, 4, 12]))
        text = text[:at] + "".join(rng.choice(pieces) for _ in range(rng.choice([0, 1, 1, 2]))) + text[end:]
        assert facts.read(path, text, "TABLES") == index_module.code_facts(path, text, "TABLES"), repr(text)
