"""`${X}` where X is a constant: the SQL holds the value, mapped back to the whole `${X}`."""

from __future__ import annotations

import pytest

from migration_lsp.locate.typescript import MigrationLiteral, Unknown, exported_constant, find_literals

NAMES = frozenset({"MIGRATION_SQL"})


def only(text: str, imports: dict[tuple[str, str], str] | None = None) -> MigrationLiteral:
    def resolve(spec: str, name: str) -> str | Unknown:
        return (imports or {}).get((spec, name)) or Unknown(f"is imported from '{spec}', which was not found")

    (lit,) = find_literals(text, "route.ts", NAMES, resolve).literals
    return lit


def test_a_const_string_is_checked_as_its_value_at_the_whole_placeholder() -> None:
    text = "const TABLE = 'orchard_trees';\nexport const MIGRATION_SQL = `DROP TABLE ${TABLE};`;\n"
    lit = only(text)
    assert lit.sql == "DROP TABLE orchard_trees;"
    assert lit.substitutions == []
    start = lit.sql.index("orchard")
    assert lit.constants == [(start, start + len("orchard_trees"))]
    # inside the value: the whole `${TABLE}`; around it: exact
    assert text[slice(*lit.doc_span(start + 3, start + 5))] == "${TABLE}"
    assert text[slice(*lit.doc_span(0, len(lit.sql)))] == "DROP TABLE ${TABLE};"
    assert text[slice(*lit.doc_span(0, 4))] == "DROP"


@pytest.mark.parametrize(
    ("declaration", "value"),
    [
        ('const X = "orchard";', "orchard"),
        ("const X = `orchard`;", "orchard"),
        ("const X = 'or\\'chard' as const;", "or'chard"),
        ("const X = 42;", "42"),
        ("const X = 1_000;", "1000"),
        ("const X = 0x10;", "16"),
        ("const X = 2.50;", "2.5"),
        ("const P = 'or'; const X = `${P}chard_${2}`;", "orchard_2"),
        ("export const X = ('orchard') satisfies string;", "orchard"),
    ],
)
def test_constant_forms(declaration: str, value: str) -> None:
    assert only(f"{declaration}\nconst MIGRATION_SQL = `SELECT '${{X}}';`;\n").sql == f"SELECT '{value}';"


@pytest.mark.parametrize(
    ("code", "why"),
    [
        ("let X = 'orchard';", "`${X}` is declared with let, so it may change"),
        ("var X = 'orchard';", "`${X}` is declared with var, so it may change"),
        ("const X = tableName();", "`${X}` is not a constant: its value comes from calling tableName(…)"),
        ("const X = process.env.T;", "`${X}` is not a constant: its value (process.env.T) cannot be read statically"),
        ("let P = 'or'; const X = `${P}chard`;", "`${X}` is not a constant: its value is built from `${P}`, which is declared with let, so it may change"),
        ("const X = Y; const Y = X;", "`${X}` is not a constant: it is Y, which is not a constant: it is X, which is defined through itself"),
        ("const X = 1e3;", "`${X}` is not a constant: its value is a number whose text is not certain"),
        ("", "`${X}` is not declared in this file"),
        ("function X() {}", "`${X}` is a function, not a constant"),
        ("const { X } = config;", "`${X}` is destructured from another value, not a constant"),
        ("import { X } from 'some-package';", "`${X}` is imported from 'some-package', which was not found"),
    ],
)
def test_values_only_the_app_knows_say_why(code: str, why: str) -> None:
    lit = only(f"{code}\nconst MIGRATION_SQL = `SELECT '${{X}}';`;\n")
    assert [s.why for s in lit.substitutions] == [why]
    assert lit.constants == []


def test_scopes_decide_which_declaration_a_name_means() -> None:
    text = (
        "const table = 'orchard_trees';\n"
        "export function migrate(table: string) {\n"
        "  const MIGRATION_SQL = `DROP TABLE ${table};`;\n"
        "}\n"
        "const build = (suffix) => { const MIGRATION_SQL = `DROP TABLE t_${suffix};`; };\n"
        "for (const kind of kinds) { const MIGRATION_SQL = `DROP TABLE ${kind};`; }\n"
        "function local() { const name = 'pears'; const MIGRATION_SQL = `DROP TABLE ${name} ${table};`; }\n"
    )
    lits = find_literals(text, "route.ts", NAMES).literals
    assert [s.why for lit in lits for s in lit.substitutions] == [
        "`${table}` is a parameter of the function migrate",
        "`${suffix}` is a parameter of the function build",
        "`${kind}` is a loop variable, not a constant",
    ]
    assert lits[3].sql == "DROP TABLE pears orchard_trees;"


def test_imported_constant_through_the_resolver() -> None:
    text = "import { TREES as T } from './schema';\nconst MIGRATION_SQL = `DROP TABLE ${T};`;\n"
    assert only(text, {("./schema", "TREES"): "orchard_trees"}).sql == "DROP TABLE orchard_trees;"
    # without a resolver, imports are not read
    (lit,) = find_literals(text, "route.ts", NAMES).literals
    assert [s.why for s in lit.substitutions] == ["`${T}` is imported from './schema', which is not read here"]


def test_exported_constant_reads_one_module_and_not_its_imports() -> None:
    module = (
        "import { OTHER } from './other';\n"
        "const PREFIX = 'orchard';\n"
        "export const TREES = `${PREFIX}_trees`;\n"
        "const FRUIT = 'orchard_fruit';\n"
        "export { FRUIT as FRUITS, OTHER };\n"
        "export let MUTABLE = 'x';\n"
    )
    assert exported_constant(module, "schema.ts", "TREES") == "orchard_trees"
    assert exported_constant(module, "schema.ts", "FRUITS") == "orchard_fruit"
    assert exported_constant(module, "schema.ts", "OTHER") == Unknown("is imported into schema.ts; only one import is followed")
    assert exported_constant(module, "schema.ts", "MUTABLE") == Unknown("is declared with let, so it may change")
    assert exported_constant(module, "schema.ts", "PREFIX") == Unknown("is not exported as a constant by schema.ts")


def test_edits_never_change_a_constants_text() -> None:
    lit = only("const T = 'orchard_trees';\nconst MIGRATION_SQL = `DROP TABLE ${T};`;\n")
    start, end = lit.constants[0]
    assert lit.splits_constant(start + 1, start + 1) and lit.splits_constant(start, end) and lit.splits_constant(0, start + 1)
    assert not lit.splits_constant(start, start) and not lit.splits_constant(end, end) and not lit.splits_constant(0, start)
    assert lit.from_code(start, end) and not lit.has_substitution(start, end)
