"""Diagnostics on open, change, save, close and files changed on disk."""

from __future__ import annotations

from typing import Any

import pytest
from lsp_editor import DB, ROUTE, TABLES, Editor, codes
from lsprotocol import types

pytestmark = pytest.mark.asyncio

CREATE_USERS = "CREATE TABLE IF NOT EXISTS mason_users"
DOCS = "https://github.com/migration-lsp/migration-lsp/blob/main/docs/rules"


async def test_open_publishes_every_field(editor: Editor) -> None:
    uri = editor.open(ROUTE)
    assert await editor.diagnostics(uri, version=1) == []
    version = editor.replace(uri, CREATE_USERS, "CREATE TABLE mason_users")
    (d,) = [d for d in await editor.diagnostics(uri, version=version) if d.code == "create-table-not-idempotent"]
    assert d.source == "migration-lsp"
    assert d.severity == types.DiagnosticSeverity.Error
    assert d.code_description is not None and d.code_description.href == f"{DOCS}/create-table-not-idempotent.md"
    assert d.range == editor.range_of(uri, "CREATE TABLE mason_users (\n  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),\n  email text NOT NULL,\n  created_at timestamptz DEFAULT now()\n)")
    assert d.data["title"] == "Add IF NOT EXISTS" and d.data["safe"] is True


async def test_every_checked_version_is_published(editor: Editor) -> None:
    uri = editor.open(ROUTE)
    await editor.diagnostics(uri, version=1)
    # The same finding-free text again and again: each version still gets its notification.
    first = editor.replace(uri, "-- People who sign in.", "-- People who sign in!")
    assert await editor.diagnostics(uri, version=first) == []
    second = editor.replace(uri, "-- People who sign in!", "-- People who sign in.")
    assert await editor.diagnostics(uri, version=second) == []


async def test_a_burst_of_changes_ends_with_the_last_version(editor: Editor) -> None:
    uri = editor.open(ROUTE)
    await editor.diagnostics(uri, version=1)
    for letter in "abcdefghij":
        last = editor.replace(uri, "key_hash", f"key_hash{letter}")
    diagnostics = await editor.diagnostics(uri, version=last)
    assert diagnostics == []
    versions = [p.version for p in editor.client.published if p.uri == uri]
    assert versions == sorted(versions), "a newer version was published before an older one"


async def test_close_clears_the_document_findings(editor: Editor) -> None:
    uri = editor.open(ROUTE)
    await editor.diagnostics(uri, version=1)
    version = editor.replace(uri, CREATE_USERS, "CREATE TABLE mason_users")
    assert "create-table-not-idempotent" in codes(await editor.diagnostics(uri, version=version))
    editor.close(uri)
    assert await editor.diagnostics(uri, version=None, until=lambda ds: not ds) == []


async def test_a_file_changed_on_disk_is_read_again(editor: Editor) -> None:
    await editor.check_workspace()
    uri = editor.uri(ROUTE)
    text = (editor.root / ROUTE).read_text()
    editor.write(ROUTE, text.replace(CREATE_USERS, "CREATE TABLE mason_users"))
    found = await editor.diagnostics(uri, until=lambda ds: "create-table-not-idempotent" in codes(ds))
    assert found


async def test_cross_file_findings_follow_every_edit(editor: Editor) -> None:
    db = editor.open(DB)
    await editor.diagnostics(db, version=1)
    route = editor.open(ROUTE)
    await editor.diagnostics(route, version=1)
    # The code uses a table no migration creates: reported where it is used.
    version = editor.replace(db, ".from(TABLES.USERS)", '.from("mason_audit_log")')
    assert "table-not-in-migration" in codes(await editor.diagnostics(db, version=version))
    # Creating it in the migration clears the finding in the other file at once.
    created = editor.replace(route, "ALTER TABLE mason_users ENABLE", "CREATE TABLE IF NOT EXISTS mason_audit_log (id uuid PRIMARY KEY);\nALTER TABLE mason_users ENABLE")
    await editor.diagnostics(route, version=created)
    assert "table-not-in-migration" not in codes(await editor.diagnostics(db, until=lambda ds: "table-not-in-migration" not in codes(ds)))


async def test_cross_file_findings_reach_closed_files(editor: Editor) -> None:
    route = editor.open(ROUTE)
    await editor.diagnostics(route, version=1)
    db_uri = editor.uri(DB)
    # Dropping the table from the migration breaks db.ts, which is not open.
    version = editor.replace(route, "CREATE TABLE IF NOT EXISTS mason_api_keys", "CREATE TABLE IF NOT EXISTS mason_api_tokens")
    await editor.diagnostics(route, version=version)
    broken = await editor.diagnostics(db_uri, until=lambda ds: "table-not-in-migration" in codes(ds))
    assert {d.code for d in broken} >= {"table-not-in-migration"}
    restored = editor.replace(route, "mason_api_tokens", "mason_api_keys")
    await editor.diagnostics(route, version=restored)
    assert await editor.diagnostics(db_uri, until=lambda ds: not ds) == []


async def test_a_new_file_on_disk_joins_the_index(editor: Editor) -> None:
    route = editor.open(ROUTE)
    await editor.diagnostics(route, version=1)
    editor.write("src/lib/audit.ts", 'import { supabase } from "./db";\nexport const log = () => supabase.from("mason_audit_log").select("id");\n', types.FileChangeType.Created)
    found = await editor.diagnostics(editor.uri("src/lib/audit.ts"), until=lambda ds: "table-not-in-migration" in codes(ds))
    assert found


async def test_a_deleted_file_takes_its_findings_along(editor: Editor) -> None:
    editor.write("src/lib/audit.ts", 'import { supabase } from "./db";\nexport const log = () => supabase.from("mason_audit_log").select("id");\n', types.FileChangeType.Created)
    audit = editor.uri("src/lib/audit.ts")
    await editor.diagnostics(audit, until=lambda ds: "table-not-in-migration" in codes(ds))
    (editor.root / "src/lib/audit.ts").unlink()
    editor.client.workspace_did_change_watched_files(types.DidChangeWatchedFilesParams([types.FileEvent(audit, types.FileChangeType.Deleted)]))
    assert await editor.diagnostics(audit, until=lambda ds: not ds) == []


async def test_tables_file_edits_are_cross_file(editor: Editor) -> None:
    tables = editor.open(TABLES)
    await editor.diagnostics(tables, version=1)
    db_uri = editor.uri(DB)
    version = editor.replace(tables, '"mason_api_keys"', '"mason_api_tokens"')
    await editor.diagnostics(tables, version=version)
    assert "table-not-in-migration" in codes(await editor.diagnostics(db_uri, until=lambda ds: bool(ds)))


class TestCheckOnSave:
    @pytest.fixture
    def settings(self) -> dict[str, Any]:
        return {"checkOn": "save"}

    async def test_typing_does_not_check_saving_does(self, editor: Editor) -> None:
        uri = editor.open(ROUTE)
        await editor.diagnostics(uri, version=1)
        version = editor.replace(uri, CREATE_USERS, "CREATE TABLE mason_users")
        # A request runs after any check the change would have queued, and answers after it.
        await editor.request(editor.client.text_document_hover_async(types.HoverParams(types.TextDocumentIdentifier(uri), types.Position(0, 0))))
        assert all(p.version != version for p in editor.client.published if p.uri == uri)
        editor.client.text_document_did_save(types.DidSaveTextDocumentParams(types.TextDocumentIdentifier(uri)))
        assert "create-table-not-idempotent" in codes(await editor.diagnostics(uri, version=version))


async def test_a_finding_inside_an_imported_constant_is_at_its_placeholder(editor: Editor) -> None:
    editor.write("src/lib/names.ts", 'export const KEYS = "mason_api_keys";\n', types.FileChangeType.Created)
    text = (editor.root / ROUTE).read_text()
    text = text.replace('import { runSql } from "@/lib/db";', 'import { runSql } from "@/lib/db";\nimport { KEYS } from "../../../../lib/names";')
    text = text.replace("CREATE TABLE IF NOT EXISTS mason_api_keys (", "ALTER TABLE ${KEYS} ADD COLUMN IF NOT EXISTS note text;\nCREATE TABLE IF NOT EXISTS ${KEYS} (")
    uri = editor.open(ROUTE, text)
    found = await editor.diagnostics(uri, until=lambda ds: "used-before-created" in codes(ds))
    (d,) = [d for d in found if d.code == "used-before-created"]
    assert d.range == editor.range_of(uri, "${KEYS}")
    assert "mason_api_keys" in d.message and "dynamic-sql" not in codes(found)
    # the module changes on disk: the constant is no longer one, and the route says so
    editor.write("src/lib/names.ts", 'export let KEYS = "mason_api_keys";\n')
    found = await editor.diagnostics(uri, until=lambda ds: "dynamic-sql" in codes(ds))
    assert [d.message.split(",")[0] for d in found if d.code == "dynamic-sql"] == ["`${KEYS}` is declared with let"] * 2
