"""A build that follows an edit equals a build from scratch: tables, order, definitions and
the places they point at, after random single-statement edits of real migrations."""

from __future__ import annotations

import dataclasses
import random
import sys
from pathlib import Path
from typing import Iterator

import pytest

from migration_lsp.lint.check import load_projects
from migration_lsp.migration import Migration, parse_document
from migration_lsp.model.build import Schemas, build_schema
from migration_lsp.model.schema import Definition, Schema
from migration_lsp.positions import escape_for_template
from migration_lsp.sql.facts import Name
from migration_lsp.workspace.project import Project

TESTS = Path(__file__).parents[1]
sys.path.insert(0, str(TESTS.parent / "bench"))
import generate  # noqa: E402

FIXTURES = [TESTS / "fixtures" / "real", TESTS.parent / "examples"]


def shape(obj: object) -> object:
    """Everything a schema holds, as plain values; a definition as the objects it points at and its span."""
    if isinstance(obj, Definition):
        return ("defined", id(obj.migration), id(obj.statement), obj.start, obj.end)
    if isinstance(obj, dict):
        return [(k, shape(v)) for k, v in obj.items()]
    if isinstance(obj, (list, tuple)):
        return [shape(v) for v in obj]
    if dataclasses.is_dataclass(obj) and not isinstance(obj, type):
        return (type(obj).__name__, [(f.name, shape(getattr(obj, f.name))) for f in dataclasses.fields(obj)])
    return obj


def migrations_of(project: Project) -> list[Migration]:
    return [m for d in project.documents.values() for m in d.migrations]


def projects(tmp: Path) -> Iterator[Project]:
    """The real-world fixtures, and the benchmark's migration (with findings, and clean) as a route file."""
    for kind in ("findings", "clean"):
        app = tmp / kind
        (app / "src").mkdir(parents=True)
        (app / "src" / "route.ts").write_text(generate.route_text(generate.migration(12, kind).sql))
    large = tmp / "large" / "src"
    large.mkdir(parents=True)
    sql = (TESTS / "fixtures" / "large_correct_migration.sql").read_text(encoding="utf-8")
    (large / "route.ts").write_text(f"export const MIGRATION_SQL = `{escape_for_template(sql)}`;\n")
    for p in load_projects([*FIXTURES, tmp]):
        if p.documents:
            yield p


def edit(rng: random.Random, m: Migration, names: list[str]) -> str:
    """The document ``m`` is in, with one of its statements (or what surrounds it) edited."""
    st = rng.choice(m.statements)
    start, end = m.literal.doc_span(st.start, st.end)
    after = m.literal.doc_span(m.end_of(st), m.end_of(st))[0]
    text = m.text
    body = text[start:end]
    other = rng.choice(names) if names else "other_table"
    choices = [
        lambda: text[:start] + text[after:],  # deleted
        lambda: text[:after] + "\n" + body + ";" + text[after:],  # twice
        lambda: text[:start] + "-- what it is for\n" + text[start:],  # a comment above it
        lambda: text[:after] + " -- x" + text[after:],  # a comment after it
        lambda: text[:start] + f"DROP TABLE IF EXISTS {other};\n" + text[start:],  # a drop before it
        lambda: text[:start] + f"ALTER TABLE {other} ADD COLUMN extra_x TEXT;\n" + text[start:],
        lambda: text[:start] + f"CREATE INDEX IF NOT EXISTS idx_x ON {other}(id);\n" + text[start:],
        lambda: text[:start] + f"ALTER TABLE {other} RENAME TO renamed_x;\n" + text[start:],
        lambda: text[:end] + text[after:],  # its semicolon gone: it joins the next one
    ]
    if end - start > 2:
        cut = rng.randrange(start + 1, end - 1)
        choices += [
            lambda: text[:cut] + ";" + text[cut:],  # split in two
            lambda: text[:cut] + "x" + text[cut:],  # a keystroke
            lambda: text[:cut] + text[cut + 1 :],  # a character deleted
        ]
    for name in names:
        if name in body:
            choices.append(lambda: text[:start] + body.replace(name, other, 1) + text[end:])  # on another table
            break
    return rng.choice(choices)()


def check_follows(rng: random.Random, project: Project, edits: int) -> None:
    if not project.documents:
        return  # the edits left no literal
    path = rng.choice(list(project.documents))
    base = build_schema(migrations_of(project))  # the baseline: the same file, as committed
    schemas = Schemas()
    schemas.build(migrations_of(project))
    schemas.build(migrations_of(project), over=base)
    for _ in range(edits):
        doc = project.documents.get(path)
        written = [m for m in doc.migrations if m.statements] if doc is not None else []
        if not written:
            return  # the edits left no statement in the file
        m = rng.choice(written)
        names = [t.name.name for t in build_schema([m]).tables.values()]
        project.add(path, edit(rng, m, names))
        ms = migrations_of(project)
        assert shape(schemas.build(ms)) == shape(build_schema(ms))
        assert shape(schemas.build(ms, over=base)) == shape(build_schema(ms, over=base))


@pytest.mark.parametrize("seed", range(6))
def test_a_build_after_edits_equals_one_from_scratch(tmp_path: Path, seed: int) -> None:
    rng = random.Random(seed)
    for project in projects(tmp_path):
        for _ in range(3):
            check_follows(rng, project, 4)


def test_a_build_of_the_same_migrations_reuses_everything() -> None:
    sql = generate.migration(5, "findings").sql
    ms = parse_document(Path("route.ts"), generate.route_text(sql), ["MIGRATION_SQL"]).migrations
    schemas = Schemas()
    first = schemas.build(ms)
    again = schemas.build(ms)
    assert shape(again) == shape(first) == shape(build_schema(ms))
    assert list(again.tables.values()) == list(first.tables.values())


def test_schema_equality_sees_a_moved_definition() -> None:
    """The comparison the tests above make tells a definition at another place apart."""
    ms = parse_document(Path("route.ts"), "export const MIGRATION_SQL = `CREATE TABLE IF NOT EXISTS a (id int);`;\n", ["MIGRATION_SQL"]).migrations
    moved = parse_document(Path("route.ts"), "export const MIGRATION_SQL = ` CREATE TABLE IF NOT EXISTS a (id int);`;\n", ["MIGRATION_SQL"]).migrations
    a: Schema = build_schema(ms)
    b: Schema = build_schema(moved)
    assert shape(a) != shape(b)


def test_an_edit_replays_only_the_tables_it_touches() -> None:
    sql = generate.migration(20, "findings").sql
    text = generate.route_text(sql)
    before = parse_document(Path("route.ts"), text, ["MIGRATION_SQL"])
    schemas = Schemas()
    old = schemas.build(before.migrations)
    kept = {name: t for name, t in old.tables.items()}
    at = text.index("CREATE INDEX IF NOT EXISTS idx_app_table_7_")
    after = parse_document(Path("route.ts"), text[:at] + "-- x\n" + text[at:], ["MIGRATION_SQL"], previous=before)
    new = schemas.build(after.migrations)
    assert shape(new) == shape(build_schema(after.migrations))
    again = [name.name for name, t in new.tables.items() if t is not kept[name]]
    assert again == ["app_table_7"]


def test_a_definition_in_a_do_block_follows_the_block() -> None:
    """A policy that a guarded DO block creates, kept from the last build, names the nested
    statement of the block where it now is, and the span of that statement there."""
    sql = generate.migration(3, "findings").sql
    text = generate.route_text(sql)
    before = parse_document(Path("route.ts"), text, ["MIGRATION_SQL"])
    schemas = Schemas()
    old = schemas.build(before.migrations)
    at = text.index("CREATE INDEX IF NOT EXISTS idx_app_table_1_")
    after = parse_document(Path("route.ts"), text[:at] + "-- more words\n" + text[at:], ["MIGRATION_SQL"], previous=before)
    new = schemas.build(after.migrations)
    assert shape(new) == shape(build_schema(after.migrations))
    (policy,) = new.tables[Name("app_table_0")].policies
    assert policy is old.tables[Name("app_table_0")].policies[0]  # kept, not replayed
    (m,) = after.migrations
    assert policy.defined.statement.parent is policy.defined.top
    assert policy.defined.top in m.statements
    assert m.sql[policy.defined.start : policy.defined.end].startswith("CREATE POLICY")
