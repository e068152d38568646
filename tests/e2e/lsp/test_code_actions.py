"""Every code action, applied through the client and checked again by the server."""

from __future__ import annotations

from collections import Counter

import pytest
from lsp_editor import DB, ROUTE, Editor, codes
from lsprotocol import types

pytestmark = pytest.mark.asyncio

# One statement for each rule with a fix, after the fixture's clean migration.
BROKEN = """
CREATE TABLE mason_settings (key text PRIMARY KEY, value text);
ALTER TABLE mason_settings ENABLE ROW LEVEL SECURITY;
CREATE INDEX idx_mason_settings_value ON mason_settings (value);
ALTER TABLE mason_users ADD COLUMN avatar_url text;
CREATE POLICY "Allow all on settings" ON mason_settings FOR ALL USING (true) WITH CHECK (true);
DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE tablename = 'mason_users' AND policyname = 'Users read') THEN
    CREATE POLICY "Users read own" ON mason_users FOR SELECT USING (id = auth.uid());
  END IF;
END $$;
CREATE FUNCTION touch_updated_at() RETURNS trigger LANGUAGE plpgsql AS $t$ BEGIN RETURN NEW; END $t$;
DROP POLICY "Old policy" ON mason_users;
INSERT INTO mason_settings (key, value) VALUES ('theme', 'dark');
"""
FIXABLE = {
    "create-table-not-idempotent",
    "create-index-not-idempotent",
    "add-column-not-idempotent",
    "policy-not-guarded",
    "policy-guard-mismatch",
    "create-not-idempotent",
    "drop-not-idempotent",
    "insert-not-idempotent",
}


def broken_route(editor: Editor) -> str:
    text = (editor.root / ROUTE).read_text()
    return text.replace("\n`;\n", BROKEN + "`;\n", 1)


def key(d: types.Diagnostic) -> tuple[str, str]:
    return str(d.code), d.message


async def test_each_quick_fix_removes_its_finding_and_adds_none(editor: Editor) -> None:
    uri = editor.open(ROUTE, broken_route(editor))
    diagnostics = await editor.diagnostics(uri, version=1)
    assert FIXABLE <= set(codes(diagnostics))
    fixed: set[str] = set()
    tried: set[tuple[str, str]] = set()
    while True:
        todo = [d for d in diagnostics if d.data is not None and key(d) not in tried]
        if not todo:
            break
        target = todo[0]
        tried.add(key(target))
        actions = await editor.code_actions(uri, target, only=[types.CodeActionKind.QuickFix])
        preferred = [a for a in actions if a.is_preferred]
        assert len(preferred) == 1, actions
        (action,) = preferred
        assert action.kind == types.CodeActionKind.QuickFix and action.title == target.data["title"]
        assert action.edit is not None
        editor.apply_workspace_edit(action.edit)
        after = await editor.settle(uri)
        expected = Counter(map(key, diagnostics))
        expected[key(target)] -= 1
        assert Counter(map(key, after)) <= expected, f"{target.code}: {Counter(map(key, after)) - expected}"
        fixed.add(str(target.code))
        diagnostics = after
    assert FIXABLE <= fixed


async def test_ignore_comment_hides_the_finding_without_an_unused_suppression(editor: Editor) -> None:
    uri = editor.open(ROUTE, broken_route(editor))
    diagnostics = await editor.diagnostics(uri, version=1)
    target = next(d for d in diagnostics if d.code == "add-column-not-idempotent")
    actions = await editor.code_actions(uri, target)
    (ignore,) = [a for a in actions if a.title == "Ignore add-column-not-idempotent for this statement"]
    assert ignore.kind == types.CodeActionKind.QuickFix and not ignore.is_preferred
    editor.apply_workspace_edit(ignore.edit)
    after = await editor.diagnostics(uri, version=editor.versions[uri])
    assert "add-column-not-idempotent" not in codes(after)
    assert "unused-suppression" not in codes(after)
    assert "-- migration-lsp: ignore add-column-not-idempotent -- reason\nALTER TABLE mason_users ADD COLUMN" in editor.texts[uri]


async def test_ignore_in_code_uses_a_line_comment(editor: Editor) -> None:
    db = editor.open(DB)
    await editor.diagnostics(db, version=1)
    version = editor.replace(db, ".from(TABLES.USERS)", '.from("mason_audit_log")')
    target = next(d for d in await editor.diagnostics(db, version=version) if d.code == "table-not-in-migration")
    (ignore,) = [a for a in await editor.code_actions(db, target) if a.title.startswith("Ignore ")]
    editor.apply_workspace_edit(ignore.edit)
    after = await editor.diagnostics(db, version=editor.versions[db])
    assert "table-not-in-migration" not in codes(after) and "unused-suppression" not in codes(after)
    assert '  // migration-lsp: ignore table-not-in-migration -- reason\n  const { data } = await supabase.from("mason_audit_log")' in editor.texts[db]


async def test_fix_all_applies_every_safe_fix(editor: Editor) -> None:
    uri = editor.open(ROUTE, broken_route(editor))
    diagnostics = await editor.diagnostics(uri, version=1)
    (fix_all,) = await editor.code_actions(uri, diagnostics[0], only=[types.CodeActionKind.SourceFixAll])
    assert fix_all.kind == "source.fixAll.migration-lsp"
    editor.apply_workspace_edit(fix_all.edit)
    after = await editor.settle(uri)
    safe = {str(d.code) for d in diagnostics if d.data is not None and d.data["safe"]}
    assert safe and not safe & set(codes(after))
    # The unsafe fix is left for the author to choose.
    assert "insert-not-idempotent" in codes(after)


async def test_fix_all_converges_when_fixes_insert_at_one_point(editor: Editor) -> None:
    # Both tables lack RLS and a policy; both fixes go after the last CREATE TABLE.
    tables = "CREATE TABLE IF NOT EXISTS mason_a (id uuid PRIMARY KEY);\nCREATE TABLE IF NOT EXISTS mason_b (id uuid PRIMARY KEY);\n"
    text = (editor.root / ROUTE).read_text().replace("\n`;\n", "\n" + tables + "`;\n", 1)
    uri = editor.open(ROUTE, text)
    diagnostics = await editor.diagnostics(uri, version=1)
    assert [d for d in diagnostics if d.code == "table-missing-rls"], diagnostics
    (fix_all,) = await editor.code_actions(uri, diagnostics[0], only=[types.CodeActionKind.SourceFixAll])
    editor.apply_workspace_edit(fix_all.edit)
    after = await editor.settle(uri)
    assert [(d.code, d.message) for d in after if d.data is not None and d.data["safe"]] == []
    assert "table-missing-rls" not in codes(after) and "table-missing-policy" not in codes(after)


async def test_only_is_honoured(editor: Editor) -> None:
    uri = editor.open(ROUTE, broken_route(editor))
    target = next(d for d in await editor.diagnostics(uri, version=1) if d.code == "create-table-not-idempotent")
    assert {a.kind for a in await editor.code_actions(uri, target, only=[types.CodeActionKind.QuickFix])} == {"quickfix"}
    assert {a.kind for a in await editor.code_actions(uri, target, only=["source"])} == {"source.fixAll.migration-lsp"}
    assert await editor.code_actions(uri, target, only=[types.CodeActionKind.Refactor]) == []
    everything = await editor.code_actions(uri, target)
    assert {a.kind for a in everything} == {"quickfix", "source.fixAll.migration-lsp"}


async def test_cross_file_fix_is_one_workspace_edit(editor: Editor) -> None:
    route = editor.open(ROUTE)
    await editor.diagnostics(route, version=1)
    version = editor.replace(route, "ALTER TABLE mason_users ENABLE", "CREATE TABLE IF NOT EXISTS mason_audit_log (id uuid PRIMARY KEY);\nALTER TABLE mason_users ENABLE")
    target = next(d for d in await editor.diagnostics(route, version=version) if d.code == "table-not-in-constants")
    (action,) = [a for a in await editor.code_actions(route, target) if a.is_preferred]
    edit = action.edit
    uris = {c.text_document.uri for c in edit.document_changes or []} | set(edit.changes or {})
    assert editor.uri("src/lib/tables.ts") in uris
    editor.apply_workspace_edit(edit)
    assert "table-not-in-constants" not in codes(await editor.settle(route))
    assert '"mason_audit_log"' in (editor.root / "src/lib/tables.ts").read_text()
