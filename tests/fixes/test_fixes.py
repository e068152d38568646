"""The fix builders on their own: quoting, the pieces a new table gets, where they go, and how
edits are planned and applied.

Rule cases (tests/rules/cases) hold each rule's fixes end to end; these hold the builders'
edge cases, where a wrong quote or a clashing edit would break the user's code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pglast
import pytest

from migration_lsp.config import Config
from migration_lsp.findings import Edit, Finding, Fix
from migration_lsp.fixes.apply import apply_edits, plan_safe_fixes
from migration_lsp.fixes.scaffold import create_index, enable_rls, index_name, place_new_table, policy, scaffold, short_name
from migration_lsp.fixes.sql import dollar_tag, guarded_policy, sql_ident, sql_name, sql_string
from migration_lsp.lint.check import check
from migration_lsp.migration import Migration, parse_document
from migration_lsp.rules import tables
from migration_lsp.sql.facts import Name
from migration_lsp.workspace.references import ColumnUse

PATH = Path("route.ts")


def migration(sql: str) -> Migration:
    (m,) = parse_document(PATH, f"export const MIGRATION_SQL = `{sql}`;\n", ["MIGRATION_SQL"]).migrations
    return m


def parses(sql: str) -> bool:
    try:
        pglast.parse_sql(sql)
    except pglast.parser.ParseError:
        return False
    return True


@pytest.mark.parametrize(
    ("name", "written"),
    [
        ("users", "users"),
        ("Users", '"Users"'),
        ("user", '"user"'),  # a reserved word
        ("order_items", "order_items"),
        ('a"b', '"a""b"'),
        ("2fa", '"2fa"'),
        ("naïve", '"naïve"'),
    ],
)
def test_identifiers_are_quoted_only_when_they_must_be(name: str, written: str) -> None:
    assert sql_ident(name) == written
    assert parses(f"SELECT 1 AS {written}")


def test_names_and_strings() -> None:
    assert sql_name(Name("notes", "app")) == "app.notes"
    assert sql_name(Name("Notes", "My App")) == '"My App"."Notes"'
    assert sql_string("it's") == "'it''s'"


def test_a_dollar_tag_never_occurs_in_the_body() -> None:
    assert dollar_tag("SELECT 1") == "$$"
    assert dollar_tag("SELECT $$x$$") == "$migration1$"
    assert dollar_tag("$$ $migration1$") == "$migration2$"


@pytest.mark.parametrize("table", [Name("notes"), Name("notes", "app"), Name('a"b'), Name("it's")])
def test_a_guarded_policy_is_valid_sql_for_any_table_name(table: Name) -> None:
    statement = f'CREATE POLICY "Allow all" ON {sql_name(table)} FOR ALL USING (true);'
    block = guarded_policy(table, "Allow all", statement)
    assert parses(block), block
    assert sql_string(table.name) in block  # the guard looks the table up by its name


def test_the_policy_template_and_its_failures() -> None:
    piece = policy(Config(root=Path(".")), Name("mason_notes"), ["mason_notes", "mason_users"])
    assert piece is not None and piece.section == "policy" and parses(piece.sql)
    assert '"Allow all on notes"' in piece.sql  # the app's prefix is left out of the name
    unknown = Config(root=Path("."), policy_template="CREATE POLICY {nope} ON {table} USING (true)")
    assert policy(unknown, Name("t"), []) is None
    not_a_policy = Config(root=Path("."), policy_template="SELECT 1")
    assert policy(not_a_policy, Name("t"), []) is None


def test_short_names_drop_a_prefix_only_the_app_shares() -> None:
    assert short_name(Name("mason_notes"), ["mason_users"]) == "notes"
    assert short_name(Name("mason_notes"), ["other"]) == "mason_notes"
    assert short_name(Name("notes"), ["mason_users"]) == "notes"


def test_index_names_fit_postgresql() -> None:
    name = index_name(Name("t" * 60), "column_id")
    assert len(name) == 63 and name.startswith("idx_")


def test_a_scaffold_is_everything_a_new_table_needs_and_parses() -> None:
    columns = [ColumnUse("user_id", "UUID"), ColumnUse("title", None), ColumnUse("id", None)]
    pieces = scaffold(Config(root=Path(".")), Name("mason_widgets"), columns, ["mason_users"], purpose="Widgets\n  on the board")
    assert [p.section for p in pieces] == ["table", "index", "rls", "policy"]
    sql = "\n".join(p.sql for p in pieces)
    assert parses(sql), sql
    assert sql.startswith("-- Widgets on the board\nCREATE TABLE IF NOT EXISTS mason_widgets (")
    assert "user_id UUID," in sql and "title TEXT, -- TODO" in sql and sql.count(" id UUID") == 1
    assert "idx_mason_widgets_user_id ON mason_widgets(user_id)" in sql


def test_pieces_quote_what_must_be_quoted() -> None:
    assert create_index(Name("Order"), "user id").sql == 'CREATE INDEX IF NOT EXISTS "idx_Order_user id" ON "Order"("user id");'
    assert enable_rls(Name("notes", "app")).sql == "ALTER TABLE app.notes ENABLE ROW LEVEL SECURITY;"


def test_new_table_pieces_go_into_the_sections_of_a_grouped_migration() -> None:
    m = migration(
        "\n-- 1. Tables\nCREATE TABLE IF NOT EXISTS a (id int PRIMARY KEY);\n-- 2. Indexes\nCREATE INDEX IF NOT EXISTS idx_a ON a(id);\n-- 3. RLS\nALTER TABLE a ENABLE ROW LEVEL SECURITY;\n"
    )
    pieces = scaffold(Config(root=Path(".")), Name("b"), [], [])
    placed = place_new_table(m, pieces)
    anchors = {piece.section: (m.sql[st.start : st.end] if st is not None else None) for st, piece in placed}
    assert anchors["table"] == "CREATE TABLE IF NOT EXISTS a (id int PRIMARY KEY)"
    assert anchors["index"] == "CREATE INDEX IF NOT EXISTS idx_a ON a(id)"
    assert anchors["rls"] == anchors["policy"] == "ALTER TABLE a ENABLE ROW LEVEL SECURITY"


def test_an_ungrouped_migration_gets_everything_at_its_end() -> None:
    m = migration("\nCREATE TABLE IF NOT EXISTS a (id int);\nCREATE TABLE IF NOT EXISTS c (id int);\n")
    placed = place_new_table(m, scaffold(Config(root=Path(".")), Name("b"), [], []))
    assert {m.sql[st.start : st.end] for st, _ in placed if st is not None} == {"CREATE TABLE IF NOT EXISTS c (id int)"}


def edit(start: int, end: int, text: str = "x", path: Path = PATH) -> Edit:
    return Edit(path, start, end, text)


def finding(*edits: Edit, safe: bool = True) -> Finding:
    return Finding("rule", "message", PATH, 0, 0, fix=Fix("fix", tuple(edits), safe))


def test_edits_apply_last_first() -> None:
    assert apply_edits("abcdef", [edit(0, 1, "A"), edit(3, 3, "-"), edit(4, 6, "")]) == "Abc-d"


def test_a_fix_goes_in_whole_or_waits_for_the_next_pass() -> None:
    first = finding(edit(0, 2), edit(10, 12))
    clashing = finding(edit(11, 13), edit(20, 21))  # its second edit alone would fit
    unsafe = finding(edit(30, 31), safe=False)
    later = finding(edit(40, 40, "y"))
    assert plan_safe_fixes([first, clashing, unsafe, later]) == {PATH: [edit(0, 2), edit(10, 12), edit(40, 40, "y")]}


def test_the_same_edit_from_several_findings_is_made_once() -> None:
    shared = edit(5, 5, "CREATE TABLE b ();")
    assert plan_safe_fixes([finding(shared), finding(shared)]) == {PATH: [shared]}


def test_two_insertions_at_one_point_do_not_go_in_the_same_pass() -> None:
    # Their order would be a guess; the next pass places the second after the first.
    planned = plan_safe_fixes([finding(edit(5, 5, "a")), finding(edit(5, 5, "b"))])
    assert planned == {PATH: [edit(5, 5, "a")]}


def test_an_insertion_inside_a_replaced_span_clashes() -> None:
    assert plan_safe_fixes([finding(edit(2, 8)), finding(edit(5, 5))]) == {PATH: [edit(2, 8)]}
    assert plan_safe_fixes([finding(edit(2, 8)), finding(edit(8, 8))]) == {PATH: [edit(2, 8), edit(8, 8)]}


def test_edits_of_other_files_never_clash() -> None:
    other = Path("other.ts")
    assert plan_safe_fixes([finding(edit(0, 5)), finding(edit(0, 5, path=other))]) == {PATH: [edit(0, 5)], other: [edit(0, 5, path=other)]}


# -- fixes built when asked --------------------------------------------------------------------


def test_a_fix_builds_its_edits_once_and_only_when_read() -> None:
    calls = []

    def build() -> tuple[Edit, ...]:
        calls.append(1)
        return (Edit(PATH, 3, 3, " IF NOT EXISTS"),)

    fix = Fix("Add IF NOT EXISTS", build)
    assert (fix.title, fix.safe, calls) == ("Add IF NOT EXISTS", True, [])
    assert fix.edits == fix.edits == (Edit(PATH, 3, 3, " IF NOT EXISTS"),)
    assert calls == [1]
    assert fix == Fix("Add IF NOT EXISTS", (Edit(PATH, 3, 3, " IF NOT EXISTS"),))


def test_a_refused_fix_offers_nothing() -> None:
    edits = (Edit(PATH, 3, 3, " IF NOT EXISTS"),)
    refused, kept = Fix("Add IF NOT EXISTS", edits), Fix("Add IF NOT EXISTS", edits)
    refused.refuse_if(lambda edits: edits[0].start == 3)
    kept.refuse_if(lambda edits: False)
    assert refused.edits == () and Finding("rule", "message", PATH, 0, 0, fix=refused).offered_fix is None
    assert Finding("rule", "message", PATH, 0, 0, fix=kept).offered_fix is kept and kept.edits == edits


def test_a_fix_is_judged_once_its_edits_are_built() -> None:
    judged: list[tuple[Edit, ...]] = []
    fix = Fix("Add it", lambda: (Edit(PATH, 0, 0, "x"),))
    fix.refuse_if(lambda edits: judged.append(edits) is not None)
    assert judged == []
    assert fix.edits == fix.edits == (Edit(PATH, 0, 0, "x"),)
    assert judged == [(Edit(PATH, 0, 0, "x"),)]


def test_a_fix_kept_from_one_check_to_the_next_is_judged_again() -> None:
    fix = Fix("Add it", (Edit(PATH, 0, 0, "x"),))
    fix.refuse_if(lambda edits: True)
    assert fix.edits == ()
    fix.refuse_if(lambda edits: False)
    assert fix.edits == (Edit(PATH, 0, 0, "x"),)


def test_a_fix_that_cannot_be_built_offers_nothing() -> None:
    def broken() -> tuple[Edit, ...]:
        raise ValueError("no place for it")

    fix = Fix("Add it", broken)
    fix.refuse_if(lambda edits: False)
    assert Finding("rule", "message", PATH, 0, 0, fix=fix).offered_fix is None


def test_a_check_places_no_fix_until_one_is_read(monkeypatch: pytest.MonkeyPatch) -> None:
    # While typing, every finding of a large migration is found again on each keystroke; the
    # place and text of its fix are worked out only for the fix the user asks for.
    placed = []
    real = tables.insert_pieces

    def counted(*args: Any, **kwargs: Any) -> tuple[Edit, ...]:
        placed.append(1)
        return real(*args, **kwargs)

    monkeypatch.setattr(tables, "insert_pieces", counted)
    parents = "".join(f"CREATE TABLE IF NOT EXISTS t{i} (id INT PRIMARY KEY, parent_id INT REFERENCES t0 (id));\n" for i in range(1, 6))
    doc = parse_document(PATH, f"export const MIGRATION_SQL = `\nCREATE TABLE IF NOT EXISTS t0 (id INT PRIMARY KEY);\n{parents}`;\n", ["MIGRATION_SQL"])
    found = [f for f in check([doc], Config(root=Path("."))).findings if f.rule == "table-missing-index" and f.fix is not None]
    assert len(found) == 5 and placed == []
    fix = found[2].offered_fix
    assert fix is not None and "CREATE INDEX IF NOT EXISTS idx_t3_parent_id ON t3(parent_id);" in fix.edits[0].new_text
    assert placed == [1]
