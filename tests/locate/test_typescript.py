"""Finding migration literals in TypeScript and JavaScript, and cooking them as JavaScript does."""

from __future__ import annotations

import pytest

from migration_lsp.locate import typescript
from migration_lsp.locate.typescript import CODE_SUFFIXES, MigrationLiteral, find_literals
from migration_lsp.positions import LineIndex

NAMES = frozenset({"MIGRATION_SQL"})


def only(text: str, path: str = "route.ts", names: frozenset[str] = NAMES) -> MigrationLiteral:
    result = find_literals(text, path, names)
    assert len(result.literals) == 1, result
    return result.literals[0]


def assert_maps_back(text: str, lit: MigrationLiteral) -> None:
    """Every SQL character maps to its own source text: itself, its escape, its `${`, or CRLF."""
    for i, ch in enumerate(lit.sql):
        d = lit.source_map.to_doc(i)
        assert lit.doc_start < d < lit.doc_end, (i, d)
        source = text[d]
        if source == ch:
            assert lit.source_map.to_sql(d) == i
        elif lit.part_at(i).kind == "raw" and ch == "\n":
            assert source == "\r"
        else:
            assert source in "\\$\r", (i, ch, source)


@pytest.mark.parametrize("suffix", sorted(CODE_SUFFIXES))
def test_every_code_suffix(suffix: str) -> None:
    text = "export const MIGRATION_SQL = `CREATE TABLE IF NOT EXISTS a (id int);`;\n"
    assert only(text, "m" + suffix).sql == "CREATE TABLE IF NOT EXISTS a (id int);"


def test_jsx_around_the_literal() -> None:
    text = 'export const MIGRATION_SQL = `SELECT 1;`;\nexport const Page = () => <div className="x">{MIGRATION_SQL}</div>;\n'
    for suffix in (".tsx", ".jsx"):
        assert only(text, "page" + suffix).sql == "SELECT 1;"


@pytest.mark.parametrize(
    "declaration",
    [
        "const MIGRATION_SQL = `SELECT 1;`;",
        "let MIGRATION_SQL = `SELECT 1;`;",
        "var MIGRATION_SQL = `SELECT 1;`;",
        "export const MIGRATION_SQL = `SELECT 1;`;",
        "export let MIGRATION_SQL = `SELECT 1;`",
        "const MIGRATION_SQL: string = `SELECT 1;`;",
        "export const MIGRATION_SQL = `SELECT 1;` as const;",
        "export const MIGRATION_SQL = `SELECT 1;` satisfies string;",
        "export const MIGRATION_SQL: Readonly<string> = (`SELECT 1;`) as const satisfies string;",
        "const MIGRATION_SQL = 'SELECT 1;';",
        'const MIGRATION_SQL = "SELECT 1;";',
        "const MIGRATION_SQL = String.raw`SELECT 1;`;",
        "const a = 1, MIGRATION_SQL = `SELECT 1;`;",
    ],
)
def test_declaration_forms(declaration: str) -> None:
    text = f"import x from 'y';\n{declaration}\n"
    lit = only(text)
    assert lit.sql == "SELECT 1;"
    assert text[lit.doc_start] in "`'\""
    assert text[lit.doc_end - 1] == text[lit.doc_start]
    assert lit.declaration_start == text.index(declaration)


def test_kinds() -> None:
    assert only("const MIGRATION_SQL = `x`;").parts[0].kind == "template"
    assert only("const MIGRATION_SQL = 'x';").parts[0].kind == "string"
    assert only("const MIGRATION_SQL = String.raw`x`;").parts[0].kind == "raw"


def test_other_names_and_values_are_not_found() -> None:
    text = (
        "const OTHER_SQL = `DROP TABLE a;`;\n"
        "const MIGRATION_SQL_OLD = `DROP TABLE a;`;\n"
        "const MIGRATION_SQL = build();\n"
        "runSql(`DROP TABLE a;`);\n"
        "const s = { MIGRATION_SQL: `DROP TABLE a;` };\n"
        "const MIGRATION_SQL = 'DROP TABLE a;' + suffix;\n"
        "const MIGRATION_SQL = 'DROP TABLE a;' - `x`;\n"
    )
    result = find_literals(text, "a.ts", NAMES)
    assert result.literals == []
    # The two declarations of the name whose value is no literal are not skipped silently.
    assert [(n.offset, n.message.split(":")[0]) for n in result.notices] == [
        (text.index("MIGRATION_SQL = build"), "MIGRATION_SQL was not checked"),
        (text.index("MIGRATION_SQL = 'DROP"), "MIGRATION_SQL was not checked"),
        (text.index("MIGRATION_SQL = 'DROP TABLE a;' -"), "MIGRATION_SQL was not checked"),
    ]


def test_several_names_and_declarations_in_one_file() -> None:
    text = (
        "export const MIGRATION_SQL = `SELECT 1;`;\n"
        "export const AUDIT_SQL = 'SELECT 2;', MIGRATION_SQL_2 = String.raw`SELECT 3;`;\n"
        "function f() { const MIGRATION_SQL = `SELECT 4;`; return MIGRATION_SQL; }\n"
    )
    found = find_literals(text, "a.ts", frozenset({"MIGRATION_SQL", "AUDIT_SQL", "MIGRATION_SQL_2"})).literals
    assert [(lit.name, lit.sql) for lit in found] == [
        ("MIGRATION_SQL", "SELECT 1;"),
        ("AUDIT_SQL", "SELECT 2;"),
        ("MIGRATION_SQL_2", "SELECT 3;"),
        ("MIGRATION_SQL", "SELECT 4;"),
    ]


# -- cooking ---------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("body", "cooked"),
    [
        (r"a\`b", "a`b"),
        (r"a\\b", "a\\b"),
        (r"a\${b}", "a${b}"),
        (r"a\$b", "a$b"),
        (r"a\nb\tc\rd", "a\nb\tc\rd"),
        (r"\b\f\v\0", "\b\f\v\0"),
        (r"\u{1F600}\u{41}", "\U0001f600A"),
        (r"\u00e9\uD83D\uDE00", "é\U0001f600"),
        (r"\x41\x7e", "A~"),
        (r"\'\"\q", "'\"q"),
        ("a\\\nb", "ab"),
        ("a\\\r\nb", "ab"),
        ("a\\\u2028b", "ab"),
        ("a\r\nb\rc\nd", "a\nb\nc\nd"),
        ("é😀 x", "é😀 x"),
    ],
)
def test_template_escapes_cook_as_javascript(body: str, cooked: str) -> None:
    text = f"// 😀 before\nconst MIGRATION_SQL = `{body}`;\n"
    lit = only(text)
    assert lit.sql == cooked
    assert_maps_back(text, lit)


@pytest.mark.parametrize(
    ("body", "cooked"),
    [
        (r"it\'s", "it's"),
        (r"a\nb", "a\nb"),
        (r"\x41\u{42}", "AB"),
        ("a\\\r\nb", "ab"),
        ('say \\"hi\\"', 'say "hi"'),
    ],
)
def test_string_escapes_cook_as_javascript(body: str, cooked: str) -> None:
    quote = '"' if '\\"' in body else "'"
    text = f"const MIGRATION_SQL = {quote}{body}{quote};\r\n"
    lit = only(text)
    assert lit.sql == cooked
    assert_maps_back(text, lit)


def test_string_raw_is_not_cooked_but_line_breaks_are_normalised() -> None:
    text = "const MIGRATION_SQL = String.raw`a\\nb\\`c\\u{41}\r\nd\re`;"
    lit = only(text)
    assert lit.sql == "a\\nb\\`c\\u{41}\nd\ne"
    assert_maps_back(text, lit)


def test_escape_spans_map_to_the_whole_escape() -> None:
    text = "const MIGRATION_SQL = `a\\u{1F600}b`;"
    lit = only(text)
    assert lit.sql == "a\U0001f600b"
    esc = text.index("\\u")
    assert lit.doc_span(1, 2) == (esc, esc + len("\\u{1F600}"))
    assert lit.doc_span(0, 3) == (esc - 1, esc + len("\\u{1F600}") + 1)


def test_substitutions_become_placeholders_with_exact_positions() -> None:
    text = "const MIGRATION_SQL = `CREATE INDEX ON ${table} (id);\nSELECT ${a}${b};`;"
    lit = only(text)
    assert lit.sql == "CREATE INDEX ON __migration_lsp_sub0 (id);\nSELECT __migration_lsp_sub1__migration_lsp_sub2;"
    assert len(lit.substitutions) == 3
    for sub, source in zip(lit.substitutions, ("${table}", "${a}", "${b}")):
        assert lit.sql[sub.start : sub.end].startswith("__migration_lsp_sub")
        doc_start, doc_end = lit.doc_span(sub.start, sub.end)
        assert text[doc_start:doc_end] == source
    after = lit.sql.index(" (id)")
    assert text[lit.source_map.to_doc(after) :].startswith(" (id)")
    assert lit.has_substitution(0, len(lit.sql))
    assert not lit.has_substitution(0, 10)


def test_substitution_holding_a_template() -> None:
    text = "const MIGRATION_SQL = `SELECT ${`x${y}`} FROM t;`;"
    lit = only(text)
    assert lit.sql == "SELECT __migration_lsp_sub0 FROM t;"
    assert text[lit.source_map.to_doc(lit.sql.index(" FROM")) :].startswith(" FROM t;`")


# -- positions -------------------------------------------------------------------------
def test_positions_with_non_ascii_before_and_inside() -> None:
    text = "// café 😀 ☃\nexport const MIGRATION_SQL = `\n  -- 😀😀 é\n  DROP TABLE users;\n`;\n"
    lit = only(text)
    sql_offset = lit.sql.index("users")
    doc = lit.source_map.to_doc(sql_offset)
    assert text[doc : doc + 5] == "users"
    lines = LineIndex(text)
    assert lines.cli_position(doc) == (4, 14)
    assert lines.lsp_position(doc) == (3, 13)
    emoji = lit.source_map.to_doc(lit.sql.index("😀"))
    after = lit.source_map.to_doc(lit.sql.index(" é"))
    assert lines.lsp_position(emoji) == (2, 5)
    assert lines.lsp_position(after) == (2, 9)  # two astral characters: four UTF-16 units
    assert lines.cli_position(after) == (3, 8)  # and two code points
    assert lines.offset_of_lsp(2, 9) == after


def test_positions_in_crlf_file() -> None:
    text = "import x from 'y';\r\n\r\nexport const MIGRATION_SQL = `\r\nCREATE TABLE é (id int);\r\n  DROP TABLE users;\r\n`;\r\n"
    lit = only(text)
    assert lit.sql == "\nCREATE TABLE é (id int);\n  DROP TABLE users;\n"
    assert lit.newline == "\r\n"
    assert_maps_back(text, lit)
    doc = lit.source_map.to_doc(lit.sql.index("DROP"))
    assert LineIndex(text).cli_position(doc) == (5, 3)
    assert LineIndex(text).lsp_position(doc) == (4, 2)
    # the SQL line break that stands for CRLF spans both characters
    nl = lit.sql.index("\n", 1)
    assert text[slice(*lit.doc_span(nl, nl + 1))] == "\r\n"


def test_escape_writes_text_that_cooks_back() -> None:
    sql = "DO $$ BEGIN\n  RAISE NOTICE 'a`b\\c ${x}';\nEND $$;"
    for declaration in ("`x`", "'x'", '"x"'):
        lit = only(f"const MIGRATION_SQL = {declaration};\r\n")
        quote = lit.parts[0].quote
        rewritten = f"const MIGRATION_SQL = {quote}{lit.escape(sql, 0)}{quote};\r\n"
        assert only(rewritten).sql == sql


def test_escape_keeps_the_documents_line_breaks() -> None:
    crlf = only("const MIGRATION_SQL = `\r\nSELECT 1;\r\n`;\r\n")
    assert crlf.escape("a\nb", 0) == "a\r\nb"
    lf = only("const MIGRATION_SQL = `\nSELECT 1;\n`;\n")
    assert lf.escape("a\nb", 0) == "a\nb"


# -- concatenations -------------------------------------------------------------------
def test_concatenation_is_one_sql_text_mapped_part_by_part() -> None:
    text = 'export const MIGRATION_SQL =\n  `\nCREATE TABLE IF NOT EXISTS a (id int);\n` +\n  \'CREATE INDEX i ON a (id);\\n\' +\n  ("DROP TABLE \\"b\\";") + String.raw`\nDROP TABLE c;`;\n'
    lit = only(text)
    assert lit.sql == '\nCREATE TABLE IF NOT EXISTS a (id int);\nCREATE INDEX i ON a (id);\nDROP TABLE "b";\nDROP TABLE c;'
    assert [(p.kind, p.quote) for p in lit.parts] == [("template", "`"), ("string", "'"), ("string", '"'), ("raw", "`")]
    assert_maps_back(text, lit)
    index = LineIndex(text)
    for needle, line in (("CREATE TABLE", 3), ("CREATE INDEX", 5), ('DROP TABLE "b"', 6), ("DROP TABLE c", 7)):
        start = lit.sql.index(needle)
        doc_start, doc_end = lit.doc_span(start, start + len(needle))
        assert index.cli_position(doc_start)[0] == line
        assert text[doc_start:doc_end].replace('\\"', '"') == needle
    assert (lit.doc_start, lit.doc_end) == (text.index("`"), text.rindex("`") + 1)


def test_concatenation_escapes_for_the_part_an_edit_lands_in() -> None:
    text = "const MIGRATION_SQL = `CREATE TABLE a (id int);` + 'CREATE INDEX i ON a (id);';\n"
    lit = only(text)
    second = lit.sql.index("CREATE INDEX")
    assert lit.part_at(second).kind == "string" and lit.part_at(second - 1).kind == "template"
    assert lit.escape("x 'y' `z`", second) == "x \\'y\\' `z`"
    assert lit.escape("x 'y' `z`", 0) == "x 'y' \\`z\\`"
    assert lit.spans_parts(second - 2, second + 2) and not lit.spans_parts(second, len(lit.sql))
    assert not lit.spans_parts(second, second)


def test_concatenated_substitutions_are_numbered_across_parts() -> None:
    text = "const MIGRATION_SQL = `DROP TABLE ${a};` + `DROP TABLE ${b};`;\n"
    lit = only(text)
    assert lit.sql == "DROP TABLE __migration_lsp_sub0;DROP TABLE __migration_lsp_sub1;"
    assert [text[slice(*lit.doc_span(s.start, s.end))] for s in lit.substitutions] == ["${a}", "${b}"]


def test_concatenation_behind_trim_and_parentheses() -> None:
    assert only("const MIGRATION_SQL = (`SELECT 1;` + ' SELECT 2;').trim() as string;\n").sql == "SELECT 1; SELECT 2;"


# -- arrays joined with .join(…) --------------------------------------------------------
def test_joined_array_is_one_sql_text_with_the_separator_between() -> None:
    text = (
        "export const MIGRATION_SQL = [\n"
        "  `CREATE TABLE IF NOT EXISTS a (id int)`,\n"
        "  // a comment between the elements\n"
        "  'CREATE INDEX i ON a (id)',\n"
        '  "DROP TABLE b" + ` CASCADE`,\n'
        '].join(";\\n");\n'
    )
    lit = only(text)
    assert lit.sql == "CREATE TABLE IF NOT EXISTS a (id int);\nCREATE INDEX i ON a (id);\nDROP TABLE b CASCADE"
    assert [p.kind for p in lit.parts] == ["template", "separator", "string", "separator", "string", "template"]
    index = LineIndex(text)
    for needle, line in (("CREATE TABLE", 2), ("CREATE INDEX i ON a (id)", 4), ("DROP TABLE b", 5), ("CASCADE", 5)):
        start = lit.sql.index(needle)
        doc_start, doc_end = lit.doc_span(start, start + len(needle))
        assert index.cli_position(doc_start)[0] == line and text[doc_start:doc_end] == needle
    # The separator is code between the elements: nothing is written there.
    semicolon = lit.sql.index(";")
    assert lit.part_at(semicolon).kind == "separator" and not lit.can_hold(" ", semicolon)
    assert lit.spans_parts(0, semicolon + 1)


@pytest.mark.parametrize(("join", "sql"), [(".join()", "SELECT 1,SELECT 2"), (".join('')", "SELECT 1SELECT 2"), (".join(`\\n`)", "SELECT 1\nSELECT 2")])
def test_join_separators(join: str, sql: str) -> None:
    assert only(f"const MIGRATION_SQL = [`SELECT 1`, 'SELECT 2']{join};\n").sql == sql


@pytest.mark.parametrize("value", ["[`SELECT 1`, other].join('\\n')", "[`SELECT 1`].join(sep)", "[`SELECT 1`].join(`${sep}`)", "[].join('')", "[`SELECT 1`]"])
def test_join_of_what_cannot_be_read_gets_a_notice(value: str) -> None:
    result = find_literals(f"const MIGRATION_SQL = {value};\n", "a.ts", NAMES)
    assert result.literals == [] and len(result.notices) == 1 and "was not checked" in result.notices[0].message


# -- bad input -------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("export const MIGRATION_SQL = `\nCREATE TABLE a (id int);\n", "template literal of MIGRATION_SQL is not terminated"),
        ("export const MIGRATION_SQL = `\nCREATE TABLE a (id int);\n\nexport function f() { return 1 }\n", "is not terminated"),
        ("const MIGRATION_SQL = 'CREATE TABLE a (id int);\nconst x = 1;\n", "string literal of MIGRATION_SQL is not terminated"),
        ("const MIGRATION_SQL: string = String.raw`SELECT 1;\n", "is not terminated"),
        ("const MIGRATION_SQL = `SELECT ${a;`;\n", "template literal of MIGRATION_SQL has syntax errors"),
        # The grammar's recovery makes the `""` at the end the declarator's value.
        ('export const MIGRATION_SQL = "\n\\" \\"";\n', "string literal of MIGRATION_SQL is not terminated"),
    ],
)
def test_unreadable_literal_gets_one_notice(text: str, problem: str) -> None:
    result = find_literals(text, "a.ts", NAMES)
    assert result.literals == []
    assert len(result.notices) == 1, result.notices
    notice = result.notices[0]
    assert problem in notice.message and "not checked" in notice.message
    assert "\n" not in notice.message
    assert notice.offset == text.index("MIGRATION_SQL")


@pytest.mark.parametrize(
    ("value", "why"),
    [
        ("loadSql()", "comes from calling loadSql(…), known only at run time"),
        ('fs.readFileSync("schema.sql", "utf8")', "comes from calling fs.readFileSync(…)"),
        ("process.env.MIGRATION_SQL", "its value (process.env.MIGRATION_SQL) cannot be read statically"),
        ("`SELECT 1;`.trim() + suffix", "cannot be read statically"),
        ("minify(`SELECT 1;`)", "minify(…) may change the literal passed to it"),
        ("unknownTag`SELECT 1;`", "the tag unknownTag may change the template"),
        ("[`SELECT 1;`, `SELECT 2;`]", "its value is an array; only one joined into a text with .join(…) is read"),
        ("(build as any)(`SELECT 1;`).trim()", "may change the literal passed to it"),
    ],
)
def test_value_that_cannot_be_read_gets_a_notice(value: str, why: str) -> None:
    text = f"import fs from 'node:fs';\nexport const MIGRATION_SQL = {value};\n"
    result = find_literals(text, "a.ts", NAMES)
    assert result.literals == []
    assert len(result.notices) == 1, result.notices
    notice = result.notices[0]
    assert notice.message.startswith("MIGRATION_SQL was not checked: ") and why in notice.message, notice.message
    assert notice.offset == text.index("MIGRATION_SQL")


def test_long_value_is_shortened_in_the_notice() -> None:
    text = "const MIGRATION_SQL = a ??\n   bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb;\n"
    (notice,) = find_literals(text, "a.ts", NAMES).notices
    assert "\n" not in notice.message and "(a ?? bbbb" in notice.message and "…)" in notice.message


def test_readable_literal_and_other_names_get_no_notice() -> None:
    text = "const MIGRATION_SQL = `SELECT 1;`.trim();\nconst OTHER = loadSql();\nlet MIGRATION_SQL_2 = x;\n"
    result = find_literals(text, "a.ts", NAMES)
    assert len(result.literals) == 1 and result.notices == []


def test_syntax_error_elsewhere_still_finds_the_literal() -> None:
    text = "export const MIGRATION_SQL = `SELECT 1;`;\nfunction broken( {\n"
    result = find_literals(text, "a.ts", NAMES)
    assert [lit.sql for lit in result.literals] == ["SELECT 1;"]
    assert len(result.notices) == 1
    assert "syntax error" in result.notices[0].message
    assert result.notices[0].offset is not None and result.notices[0].offset >= text.index("function")


def test_file_without_the_name_is_not_parsed(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(typescript, "_parser", lambda grammar: pytest.fail("parsed"))
    result = find_literals("this is not TypeScript at all (", "a.ts", NAMES)
    assert result.literals == [] and result.notices == []


@pytest.mark.parametrize(
    "declaration",
    [
        "const MIGRATION_SQL = `SELECT 1;`.trim();",
        "const MIGRATION_SQL = `SELECT 1;`.trimStart();",
        "const MIGRATION_SQL = `SELECT 1;`.trimEnd();",
        "const MIGRATION_SQL = `SELECT 1;`.toString();",
        'const MIGRATION_SQL = `SELECT 1;`.replace(/^\\s+/gm, "");',
        "const MIGRATION_SQL = (`SELECT 1;`).trim() as string;",
        "const MIGRATION_SQL = sql`SELECT 1;`;",
        "const MIGRATION_SQL = dedent`SELECT 1;`.trim();",
        "const MIGRATION_SQL = outdent`SELECT 1;`;",
        "const MIGRATION_SQL = String.raw`SELECT 1;`.trim();",
    ],
)
def test_literal_behind_trailing_calls_and_tags(declaration: str) -> None:
    text = "// header\n" + declaration + "\n"
    lit = only(text)
    assert lit.sql == "SELECT 1;"
    assert text[lit.source_map.to_doc(0) :].startswith("SELECT 1;")


@pytest.mark.parametrize(
    "declaration",
    [
        "const MIGRATION_SQL = minify(`SELECT 1;`);",  # an unknown function may rewrite anything
        "const MIGRATION_SQL = `SELECT 1;`.toUpperCase();",
        "const MIGRATION_SQL = other`SELECT 1;`;",
    ],
)
def test_unknown_calls_and_tags_are_not_read(declaration: str) -> None:
    assert find_literals(declaration, "a.ts", NAMES).literals == []


def test_string_raw_keeps_escapes_a_cooked_template_refuses() -> None:
    # Valid JavaScript: String.raw never cooks, so `\x` and `\u` need no digits.
    text = "const MIGRATION_SQL = String.raw`SELECT '\\xZZ ${x} \\u00E';`;\n"
    found = find_literals(text, "a.ts", NAMES)
    assert [lit.sql for lit in found.literals] == ["SELECT '\\xZZ __migration_lsp_sub0 \\u00E';"]
    assert found.notices == []


def test_malformed_escapes_elsewhere_leave_string_raw_readable() -> None:
    # A regular expression, a comment and other literals with `\x` or `\u` escapes the grammar
    # rejects, before and after: the literal is read, at its own offsets.
    text = 'const re = /\\xZ"/;\n// \\u" in a comment\nconst a = String.raw`\\u"`;\nexport const MIGRATION_SQL = String.raw`SELECT \'\\x"中\';`;\nconst b = String.raw`\\x\'`;\n'
    found = find_literals(text, "a.ts", NAMES)
    assert found.notices == []
    [lit] = found.literals
    assert lit.sql == "SELECT '\\x\"中';"
    assert lit.source_map.to_doc(lit.sql.index("\\")) == text.index('\\x"中')


def test_a_tag_gets_no_cooked_text_for_a_malformed_escape() -> None:
    text = "const MIGRATION_SQL = sql`SELECT '\\u{zz}';`;\n"
    found = find_literals(text, "a.ts", NAMES)
    assert found.literals == []
    assert [(n.message, n.offset) for n in found.notices] == [
        ("the template literal of MIGRATION_SQL has no cooked text for the tag: \\u is not allowed in a template; it was not checked", text.index("\\u"))
    ]


def test_a_line_break_before_the_closing_quote_ends_a_string() -> None:
    # The grammar reads the string to its quote; JavaScript does not load the file.
    text = "const MIGRATION_SQL = 'SELECT 1;\r\n';\n"
    found = find_literals(text, "a.ts", NAMES)
    assert found.literals == []
    assert [(n.message, n.offset) for n in found.notices] == [("the string literal of MIGRATION_SQL is not terminated: a line break ends it; it was not checked", text.index("\r"))]
    continued = find_literals("const MIGRATION_SQL = 'SELECT 1;\\\r\n';\n", "a.ts", NAMES)
    assert [lit.sql for lit in continued.literals] == ["SELECT 1;"]
