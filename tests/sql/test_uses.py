"""The columns a statement needs to exist, read once per statement."""

from __future__ import annotations

from migration_lsp.sql.analyze import analyze
from migration_lsp.sql.facts import Name, Span
from migration_lsp.sql.uses import column_uses, name_span


def uses(text: str) -> list[tuple[str, str]]:
    return [(str(u.table), u.column) for u in column_uses(analyze(text))]


def test_an_index_and_a_partial_index_need_their_columns() -> None:
    assert uses("CREATE INDEX IF NOT EXISTS idx_keys_user ON app_keys(user_id) WHERE revoked_at IS NULL") == [("app_keys", "user_id"), ("app_keys", "revoked_at")]


def test_a_policy_needs_the_columns_of_its_expressions() -> None:
    assert uses("CREATE POLICY owner ON app_notes FOR ALL USING (author_id = auth.uid())") == [("app_notes", "author_id")]


def test_an_update_needs_the_columns_it_sets() -> None:
    assert uses("UPDATE app_notes SET pinned = false") == [("app_notes", "pinned")]


def test_alter_table_needs_altered_columns_constraint_columns_and_referenced_ones() -> None:
    text = "ALTER TABLE app_notes ALTER COLUMN body SET NOT NULL, ADD CONSTRAINT notes_size CHECK (length(title) < 90), ADD COLUMN folder_id UUID REFERENCES app_folders(id)"
    assert uses(text) == [("app_notes", "body"), ("app_notes", "title"), ("app_folders", "id")]


def test_adding_a_column_needs_nothing_of_its_own_table() -> None:
    assert uses("ALTER TABLE app_notes ADD COLUMN IF NOT EXISTS pinned BOOLEAN DEFAULT false") == []


def test_a_table_needs_the_columns_its_foreign_keys_reference() -> None:
    text = "CREATE TABLE IF NOT EXISTS app_notes (id UUID PRIMARY KEY, owner UUID REFERENCES app_users(id), FOREIGN KEY (owner) REFERENCES app_people(person_id))"
    assert uses(text) == [("app_users", "id"), ("app_people", "person_id")]


def test_a_view_needs_qualified_columns_and_unqualified_ones_over_one_table() -> None:
    assert uses("CREATE VIEW open_notes AS SELECT n.title, u.email FROM app_notes n JOIN app_users u ON u.id = n.owner") == [
        ("app_notes", "title"),
        ("app_users", "email"),
        ("app_users", "id"),
        ("app_notes", "owner"),
    ]
    assert uses("CREATE VIEW titles AS SELECT title FROM extra.app_notes") == [("extra.app_notes", "title")]
    # Over two tables, an unqualified column could be either's.
    assert uses("CREATE VIEW pairs AS SELECT title FROM app_notes, app_users") == []


def test_the_table_is_named_as_the_statement_names_it() -> None:
    [use] = column_uses(analyze("CREATE INDEX IF NOT EXISTS idx_p ON public.app_notes(pinned)"))
    assert use.table == Name("app_notes", "public")
    assert use.after == len("CREATE INDEX IF NOT EXISTS idx_p ON public.app_notes")


def test_other_statements_need_no_column() -> None:
    assert uses("DROP TABLE IF EXISTS app_old") == []
    assert uses("SELECT 1") == []


def test_uses_are_read_once_per_fact() -> None:
    fact = analyze("CREATE INDEX IF NOT EXISTS idx_once ON app_once(seen_at)")
    assert column_uses(fact) is column_uses(fact)


def test_where_the_text_names_a_column_past_an_offset() -> None:
    text = "CREATE INDEX IF NOT EXISTS user_id_idx ON app_keys(user_id)"
    start = text.index("(user_id") + 1
    assert name_span(text, "user_id", text.index(" ON ")) == Span(start, start + len("user_id"))
    assert name_span(text, "missing") is None
    assert name_span("SELECT 'unterminated", "x") is None
