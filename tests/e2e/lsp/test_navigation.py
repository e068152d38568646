"""Hover, go to definition, find references, document symbols and completion."""

from __future__ import annotations

from pathlib import Path

import pytest
import pytest_lsp
from lsp_editor import DB, ROUTE, SECTION, SERVER, TABLES, Client, Editor, make_client
from lsprotocol import types
from pytest_lsp import ClientServerConfig, client_capabilities

pytestmark = pytest.mark.asyncio

# (file, a unique piece of text around the name, the name itself, the reference as a whole)
TABLE_REFERENCES = [
    (ROUTE, "CREATE TABLE IF NOT EXISTS mason_api_keys", "mason_api_keys", "mason_api_keys"),
    (ROUTE, "ALTER TABLE mason_api_keys ENABLE", "mason_api_keys", "mason_api_keys"),
    (ROUTE, "ON mason_api_keys (user_id)", "mason_api_keys", "mason_api_keys"),
    (ROUTE, "ON mason_api_keys FOR ALL", "mason_api_keys", "mason_api_keys"),
    (DB, ".from(TABLES.API_KEYS)", "API_KEYS", "TABLES.API_KEYS"),
    (TABLES, 'API_KEYS: "mason_api_keys"', "mason_api_keys", '"mason_api_keys"'),
]


async def _hover(editor: Editor, uri: str, position: types.Position) -> types.Hover | None:
    params = types.HoverParams(types.TextDocumentIdentifier(uri), position)
    return await editor.request(editor.client.text_document_hover_async(params))


async def _definition(editor: Editor, uri: str, position: types.Position) -> list[types.Location]:
    params = types.DefinitionParams(types.TextDocumentIdentifier(uri), position)
    result = await editor.request(editor.client.text_document_definition_async(params))
    locations = result if isinstance(result, list) else [result]
    return [types.Location(loc.target_uri, loc.target_selection_range) if isinstance(loc, types.LocationLink) else loc for loc in locations]


@pytest.mark.parametrize(("rel", "around", "name", "reference"), TABLE_REFERENCES)
async def test_hover_shows_the_table_card(editor: Editor, rel: str, around: str, name: str, reference: str) -> None:
    uri = editor.open(rel)
    hover = await _hover(editor, uri, editor.position_of(uri, name, within=around, offset=1))
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert hover.contents.kind == types.MarkupKind.Markdown
    assert hover.range == editor.range_of(uri, reference, within=around)
    card = hover.contents.value
    assert card.startswith("**table** `mason_api_keys`")
    for column in ("| `id` | `uuid` | not null, primary key | `gen_random_uuid()` |", "| `user_id` | `uuid` | not null |", "| `key_hash` | `text` | not null |"):
        assert column in card
    assert "**Row level security:** on" in card
    assert "- `Allow all on api_keys` FOR ALL USING `true` WITH CHECK `true`" in card
    assert "- `idx_mason_api_keys_user_id`: (user_id)" in card
    line = editor.position_of(editor.uri(ROUTE), "CREATE TABLE IF NOT EXISTS mason_api_keys").line
    assert f"Created in [route.ts:{line + 1}]({editor.uri(ROUTE)}#L{line + 1})" in card


async def test_hover_on_references_and_on_a_string_table_name(editor: Editor) -> None:
    route = editor.open(ROUTE)
    hover = await _hover(editor, route, editor.position_of(route, "mason_users", within="REFERENCES", offset=1))
    assert hover is not None and hover.contents.value.startswith("**table** `mason_users`")
    assert "People who sign in." in hover.contents.value
    assert "| `created_at` | `timestamptz` | null | `now()` |" in hover.contents.value
    db = editor.open(DB)
    version = editor.replace(db, ".from(TABLES.USERS)", '.from("mason_users")')
    await editor.diagnostics(db, version=version)
    hover = await _hover(editor, db, editor.position_of(db, '"mason_users"', offset=2))
    assert hover is not None and hover.contents.value.startswith("**table** `mason_users`")
    assert hover.range == editor.range_of(db, '"mason_users"')


async def test_hover_on_a_table_no_migration_creates(editor: Editor) -> None:
    db = editor.open(DB)
    version = editor.replace(db, ".from(TABLES.USERS)", '.from("mason_audit_log")')
    await editor.diagnostics(db, version=version)
    hover = await _hover(editor, db, editor.position_of(db, "mason_audit_log", offset=2))
    assert hover is not None
    assert "No migration literal creates this table." in hover.contents.value
    assert "**table-not-in-migration**" in hover.contents.value


async def test_no_hover_on_plain_code(editor: Editor) -> None:
    db = editor.open(DB)
    assert await _hover(editor, db, editor.position_of(db, "createClient", offset=2)) is None


async def test_hover_over_a_diagnostic_explains_the_rule(editor: Editor) -> None:
    uri = editor.open(ROUTE)
    await editor.diagnostics(uri, version=1)
    version = editor.replace(uri, "ALTER TABLE mason_users ENABLE", "TRUNCATE mason_users;\nALTER TABLE mason_users ENABLE")
    await editor.diagnostics(uri, version=version)
    hover = await _hover(editor, uri, editor.position_of(uri, "TRUNCATE", offset=2))
    assert hover is not None
    assert "**truncate**" in hover.contents.value
    assert "docs/rules/truncate.md" in hover.contents.value


@pytest.mark.parametrize(("rel", "around", "name", "reference"), [r for r in TABLE_REFERENCES if "CREATE" not in r[1]])
async def test_definition_goes_to_create_table(editor: Editor, rel: str, around: str, name: str, reference: str) -> None:
    uri = editor.open(rel)
    (location,) = await _definition(editor, uri, editor.position_of(uri, name, within=around, offset=1))
    assert location.uri == editor.uri(ROUTE)
    assert location.range == editor.range_of(location.uri, "mason_api_keys", within="CREATE TABLE IF NOT EXISTS mason_api_keys")


async def test_definition_of_an_rpc_goes_to_create_function(editor: Editor) -> None:
    uri = editor.open(DB)
    (location,) = await _definition(editor, uri, editor.position_of(uri, "exec_sql", offset=2))
    assert location.uri == editor.uri(ROUTE)
    assert location.range == editor.range_of(location.uri, "exec_sql", within="CREATE OR REPLACE FUNCTION")


async def test_references_find_code_and_sql(editor: Editor) -> None:
    uri = editor.open(ROUTE)
    params = types.ReferenceParams(
        text_document=types.TextDocumentIdentifier(uri),
        position=editor.position_of(uri, "mason_api_keys", within="CREATE TABLE IF NOT EXISTS", offset=1),
        context=types.ReferenceContext(include_declaration=True),
    )
    found = await editor.request(editor.client.text_document_references_async(params))
    places = sorted((loc.uri.rsplit("/", 1)[-1], loc.range.start.line) for loc in found)
    route_lines = [i for i, line in enumerate(editor.texts[uri].splitlines()) if "mason_api_keys" in line and "policyname" not in line]
    db_line = next(i for i, line in enumerate((editor.root / DB).read_text().splitlines()) if "TABLES.API_KEYS" in line)
    tables_line = next(i for i, line in enumerate((editor.root / TABLES).read_text().splitlines()) if "mason_api_keys" in line)
    assert places == sorted([("db.ts", db_line), ("tables.ts", tables_line)] + [("route.ts", line) for line in route_lines])
    params.context.include_declaration = False
    without = await editor.request(editor.client.text_document_references_async(params))
    assert len(without) == len(found) - 1


async def test_document_symbols_outline_the_migration(editor: Editor) -> None:
    uri = editor.open(ROUTE)
    result = await editor.request(editor.client.text_document_document_symbol_async(types.DocumentSymbolParams(types.TextDocumentIdentifier(uri))))
    (literal,) = result
    assert literal.name == "MIGRATION_SQL"
    outline = [(s.name, s.kind) for s in literal.children]
    assert outline == [
        ("mason_users", types.SymbolKind.Class),
        ("idx_mason_users_email", types.SymbolKind.Key),
        ("mason_api_keys", types.SymbolKind.Class),
        ("idx_mason_api_keys_user_id", types.SymbolKind.Key),
        ("DO: policy Allow all on users", types.SymbolKind.Namespace),
        ("DO: policy Allow all on api_keys", types.SymbolKind.Namespace),
        ("exec_sql", types.SymbolKind.Function),
    ]
    users = literal.children[0]
    assert [(c.name, c.detail) for c in users.children] == [("id", "uuid"), ("email", "text"), ("created_at", "timestamptz")]
    (policy,) = literal.children[4].children
    assert (policy.name, policy.kind, policy.detail) == ("Allow all on users", types.SymbolKind.Property, "on mason_users for all")
    assert users.selection_range == editor.range_of(uri, "mason_users", within="CREATE TABLE IF NOT EXISTS mason_users")


async def _complete(editor: Editor, uri: str, position: types.Position) -> list[str]:
    params = types.CompletionParams(types.TextDocumentIdentifier(uri), position)
    result = await editor.request(editor.client.text_document_completion_async(params))
    items = result.items if isinstance(result, types.CompletionList) else result or []
    return [item.label for item in items]


async def test_completion_of_tables_in_from(editor: Editor) -> None:
    uri = editor.open(DB)
    version = editor.replace(uri, ".from(TABLES.USERS)", '.from("mas")')
    await editor.diagnostics(uri, version=version)
    labels = await _complete(editor, uri, editor.position_of(uri, '"mas")', offset=4))
    assert labels == ["mason_users", "mason_api_keys"]


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("CREATE INDEX IF NOT EXISTS idx_x ON ", ["mason_users", "mason_api_keys"]),
        ("ALTER TABLE ", ["mason_users", "mason_api_keys"]),
        ("CREATE INDEX IF NOT EXISTS idx_x ON mason_api_keys (", ["id", "user_id", "key_hash"]),
        ("CREATE TABLE IF NOT EXISTS mason_x (id uuid, user_id uuid REFERENCES mason_users(", ["id", "email", "created_at"]),
    ],
)
async def test_completion_in_sql(editor: Editor, typed: str, expected: list[str]) -> None:
    uri = editor.open(ROUTE)
    anchor = "\nALTER TABLE mason_users ENABLE"
    version = editor.replace(uri, anchor, f"\n{typed}\nALTER TABLE mason_users ENABLE")
    await editor.diagnostics(uri, version=version)
    labels = await _complete(editor, uri, editor.position_of(uri, typed, offset=len(typed)))
    assert labels == expected


@pytest.mark.parametrize(
    ("call", "expected"),
    [
        ('.select("id, key_hash")', ["id", "user_id", "key_hash"]),
        ('.eq("user_id", userId)', ["id", "user_id", "key_hash"]),
        ('.order("created_at")', ["id", "email", "created_at"]),
    ],
)
async def test_completion_of_columns_in_the_query_builder(editor: Editor, call: str, expected: list[str]) -> None:
    uri = editor.open(DB)
    labels = await _complete(editor, uri, editor.position_of(uri, call, offset=len(call.split('"')[0]) + 1))
    assert labels == expected


async def test_nothing_to_complete_elsewhere(editor: Editor) -> None:
    uri = editor.open(DB)
    assert await _complete(editor, uri, editor.position_of(uri, "createClient", offset=3)) == []


@pytest_lsp.fixture(config=ClientServerConfig(server_command=SERVER, client_factory=make_client))
async def flat_client(lsp_client: Client, root: Path):
    """A client that takes document symbols only as a flat list."""
    lsp_client.kind = "neovim"
    capabilities = client_capabilities("neovim")
    assert capabilities.text_document is not None
    capabilities.text_document.document_symbol = types.DocumentSymbolClientCapabilities(hierarchical_document_symbol_support=False)
    lsp_client.set_configuration({}, section=SECTION)
    await lsp_client.initialize_session(types.InitializeParams(capabilities=capabilities, workspace_folders=[types.WorkspaceFolder(root.as_uri(), root.name)]))
    yield
    await lsp_client.shutdown_session()


async def test_document_symbols_flat_for_a_client_without_hierarchy(flat_client: Client, root: Path) -> None:
    editor = Editor(flat_client, root, "neovim")
    uri = editor.open(ROUTE)
    result = await editor.request(editor.client.text_document_document_symbol_async(types.DocumentSymbolParams(types.TextDocumentIdentifier(uri))))
    assert all(isinstance(s, types.SymbolInformation) for s in result)
    by_name = {s.name: s for s in result}
    assert by_name["MIGRATION_SQL"].container_name is None
    users = by_name["mason_users"]
    assert (users.kind, users.container_name, users.location.uri) == (types.SymbolKind.Class, "MIGRATION_SQL", uri)
    assert users.location.range == editor.range_of(uri, "mason_users", within="CREATE TABLE IF NOT EXISTS mason_users")
    assert by_name["email"].container_name == "mason_users"


async def test_hover_on_the_declaration_shows_the_dialect_and_platform(editor: Editor) -> None:
    route = editor.open(ROUTE)
    hover = await _hover(editor, route, editor.position_of(route, "MIGRATION_SQL", within="export const MIGRATION_SQL", offset=3))
    assert hover is not None and isinstance(hover.contents, types.MarkupContent)
    assert hover.contents.value == "**migration** `MIGRATION_SQL`: PostgreSQL on Supabase\n\nDialect `postgres`, platform `supabase`."
    assert hover.range == editor.range_of(route, "MIGRATION_SQL", within="export const MIGRATION_SQL")
    # A use of the name is not its declaration.
    assert await _hover(editor, route, editor.position_of(route, "MIGRATION_SQL", within="runSql(MIGRATION_SQL)", offset=3)) is None
    text = 'import Database from "better-sqlite3";\n\nexport const MIGRATION_SQL = `CREATE TABLE IF NOT EXISTS drafts (id INTEGER PRIMARY KEY AUTOINCREMENT);`;\n'
    local = editor.open("src/local.ts", text)
    await editor.diagnostics(local)
    hover = await _hover(editor, local, editor.position_of(local, "MIGRATION_SQL", offset=1))
    assert hover is not None
    assert hover.contents.value == "**migration** `MIGRATION_SQL`: SQLite\n\nDialect `sqlite`, platform `none`."
