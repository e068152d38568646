"""Escapes a template literal, or a string in strict mode code, forbids: Node rejects exactly
the ones the locator refuses to cook."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest

from migration_lsp.locate.typescript import find_literals

NODE = shutil.which("node")
NAMES = frozenset({"MIGRATION_SQL"})

# As written between the quotes, and the escape the locator names when it refuses the
# literal ("" when it cooks it). Whether Node agrees is what the test asks.
ESCAPES = {
    r"\1": r"\1", r"\7": r"\7", r"\8": r"\8", r"\9": r"\9", r"\00": r"\00", r"\01": r"\01",
    r"\07": r"\07", r"\08": r"\08", r"a\08b": r"\08", r"\u{110000}": r"\u{110000}",
    r"\0": "", r"\0a": "", "\\0\u0663": "", r"\0\n": "", r"\u{10FFFF}": "", r"\u{0000000061}": "",
    r"\\1": "", r"\x41": "", r"\u0041": "", r"\n": "",
    r"\xZ": r"\x", r"\x4": r"\x", r"\u": r"\u", r"\u00E": r"\u", r"\u{": r"\u", r"\u{}": r"\u", r"\u{g}": r"\u",
    r"\u{zz}\x": r"\u", r"a\x\u b": r"\x",
}  # fmt: skip

# Node compiles each text as a whole literal, strict as a module's code is; a SyntaxError
# means the file would not load.
SCRIPT = """
const [quote, bodies] = JSON.parse(process.argv[1]);
const out = {};
for (const body of bodies) {
  try { out[body] = Array.from(new Function('"use strict"; return ' + quote + body + quote + ";")(), (c) => c.codePointAt(0)); }
  catch (e) { if (!(e instanceof SyntaxError)) throw e; out[body] = null; }
}
console.log(JSON.stringify(out));
"""


@pytest.mark.skipif(NODE is None, reason="node is not installed")
@pytest.mark.parametrize(("quote", "what"), [("`", "template"), ("'", "string"), ('"', "string")])
def test_cooking_accepts_and_rejects_what_node_does(quote: str, what: str) -> None:
    run = subprocess.run([NODE or "node", "-e", SCRIPT, json.dumps([quote, list(ESCAPES)])], capture_output=True, text=True, timeout=60, check=True)
    node = json.loads(run.stdout)
    for body, refused in ESCAPES.items():
        assert (node[body] is None) == bool(refused), body
        # In a concatenation too: the part that holds the escape is named, at its offset.
        for value in (f"{quote}{body}{quote}", f"{quote}SELECT 1;{quote} + {quote}{body}{quote}"):
            source = f"export const MIGRATION_SQL = {value};\n"
            found = find_literals(source, "a.ts", NAMES)
            if refused:
                # Sloppy mode code (a script) takes a legacy octal escape in a string, never in a template.
                where = f"a {what}" + (" in strict mode" if what == "string" and refused[1].isdigit() else "")
                assert found.literals == [], body
                assert [(n.message, n.offset) for n in found.notices] == [
                    (f"the {what} literal of MIGRATION_SQL is not valid JavaScript: {refused} is not allowed in {where}; it was not checked", source.index(refused))
                ]
            else:
                [literal] = found.literals
                before = [ord(c) for c in "SELECT 1;"] if " + " in value else []
                assert ([ord(c) for c in literal.sql], found.notices) == (before + node[body], []), body


def test_a_tag_gets_no_cooked_text_for_a_forbidden_escape() -> None:
    # Valid JavaScript: the tag receives undefined for that part, so there is no SQL to check.
    source = "export const MIGRATION_SQL = sql`SELECT 1; -- \\1`;\n"
    found = find_literals(source, "a.ts", NAMES)
    assert found.literals == []
    assert [n.message for n in found.notices] == ["the template literal of MIGRATION_SQL has no cooked text for the tag: \\1 is not allowed in a template; it was not checked"]


# Escapes a cooked template forbids but a tagged one may hold: String.raw gets them as
# written, another tag undefined for that part.
# tree-sitter's recovery from the last one reads its `"` as opening a string to the end of
# the file: no node of that tree is the template.
TAGGED = [
    r"\u", r"\x", r"\u{", r"\u{}", r"\u{zz}", r"\u{12", r"\xZ", r"\x4", r"\uZZ", r"\u12", r"\01", r"\1", r"\u{110000}", r"a\u\x\u{ b",
    '\\xZZ\\udc00"中\\u{10FFFF}',
]  # fmt: skip

TAGGED_SCRIPT = """
const out = {};
for (const body of JSON.parse(process.argv[1])) {
  const [cooked, raw] = new Function("return ((s) => [s[0] ?? null, s.raw[0]])`" + body + "`;")();
  out[body] = { cooked, raw, stringRaw: new Function("return String.raw`" + body + "`;")() };
}
console.log(JSON.stringify(out));
"""


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_tagged_templates_hold_any_escape_as_node_does() -> None:
    run = subprocess.run([NODE or "node", "-e", TAGGED_SCRIPT, json.dumps(TAGGED)], capture_output=True, text=True, timeout=60, check=True)
    node = json.loads(run.stdout)
    for body in TAGGED:
        assert node[body]["cooked"] is None and node[body]["raw"] == node[body]["stringRaw"] == body, body
        # String.raw: the raw text is the SQL, every character at its own offset, no notice.
        source = f"export const MIGRATION_SQL = String.raw`SELECT '{body}';`;\nconst other = 1;\n"
        found = find_literals(source, "a.ts", NAMES)
        assert found.notices == [], body
        [literal] = found.literals
        assert literal.sql == f"SELECT '{node[body]['stringRaw']}';"
        start = source.index("`") + 1
        assert [literal.source_map.to_doc(i) for i in range(len(literal.sql))] == list(range(start, start + len(literal.sql)))
        # A tag that uses the cooked text gets none for this part: a notice, never SQL guessed.
        for tag in ("sql", "dedent"):
            source = f"export const MIGRATION_SQL = {tag}`SELECT '{body}';`;\n"
            found = find_literals(source, "a.ts", NAMES)
            assert found.literals == [], (tag, body)
            [notice] = found.notices
            assert notice.message.startswith("the template literal of MIGRATION_SQL has no cooked text for the tag: \\"), notice
            assert notice.offset == source.index("\\"), (tag, body)


def test_string_raw_escapes_around_substitutions_and_in_concatenations() -> None:
    source = "export const MIGRATION_SQL = String.raw`SELECT '\\u${x}\\x';` + String.raw`\nSELECT '\\u{';`;\n"
    found = find_literals(source, "a.ts", NAMES)
    assert found.notices == []
    [literal] = found.literals
    assert literal.sql == "SELECT '\\u__migration_lsp_sub0\\x';\nSELECT '\\u{';"
    last = literal.sql.rindex("\\u{")
    assert literal.source_map.to_doc(last) == source.rindex("\\u{")


def test_cooked_template_with_a_bad_hex_escape_is_not_checked_and_says_why() -> None:
    # Untagged, `\u` is a SyntaxError in Node: the file does not load, so nothing is checked.
    found = find_literals("export const MIGRATION_SQL = `SELECT '\\u';`;\n", "a.ts", NAMES)
    assert found.literals == []
    assert [n.message for n in found.notices] == ["the template literal of MIGRATION_SQL is not valid JavaScript: \\u is not allowed in a template; it was not checked"]


# JavaScript strings are UTF-16: a high surrogate and the low one after it are one character,
# however each is written; in the other order, or alone, each stays a character of its own.
SURROGATES = [
    "`\\u{D83D}\\u{DC64}`", "`\\ud83d\\u{dc64}`", "`\\ud83d\\\n\\udc64`", "'\\ud83d' + '\\udc64'", "['\\ud83d', '\\udc64'].join('')",
    "`a\\ud83d\\udc64b`", "`\\udc64\\ud83d`", "`\\ud83d${x}\\udc64`", "`\\ud83d`", "'\\ud83d\\n\\udc64'",
]  # fmt: skip

SURROGATES_SCRIPT = """
const out = {};
for (const value of JSON.parse(process.argv[1])) {
  out[value] = Array.from(new Function("x", '"use strict"; return ' + value + ";")("__migration_lsp_sub0"), (c) => c.codePointAt(0));
}
console.log(JSON.stringify(out));
"""


@pytest.mark.skipif(NODE is None, reason="node is not installed")
def test_surrogate_escapes_pair_up_as_in_node() -> None:
    run = subprocess.run([NODE or "node", "-e", SURROGATES_SCRIPT, json.dumps(SURROGATES)], capture_output=True, text=True, timeout=60, check=True)
    node = json.loads(run.stdout)
    for value in SURROGATES:
        source = f"export const MIGRATION_SQL = {value};\n"
        found = find_literals(source, "a.ts", NAMES)
        [literal] = found.literals
        assert [ord(c) for c in literal.sql] == node[value], value
        # A pair maps to both of its escapes, and whatever stands between them.
        if any(ord(c) > 0xFFFF for c in literal.sql):
            i = next(i for i, c in enumerate(literal.sql) if ord(c) > 0xFFFF)
            low = re.compile(r"\\u(?:\{[0-9a-fA-F]+\}|[0-9a-fA-F]{4})").match(source, source.rindex("\\u"))
            assert low is not None
            assert (literal.source_map.to_doc(i), literal.source_map.to_doc_end(i + 1)) == (source.index("\\u"), low.end()), value
