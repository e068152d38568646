"""Hypothesis strategies: migration SQL in the rulebook's forms and broken ones, inside TypeScript.

A generated file is a :class:`Source`: the TypeScript text as it is written to disk, and the SQL
that the locator must cook from its literal (each ``${…}`` as the placeholder that stands for it).
SQL is built from :class:`Sub` pieces (a ``${…}`` substitution) and plain text, so that every
wrapper can write the same SQL its own way: escaped or not, in a template, ``String.raw`` or a
quoted string.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from hypothesis import strategies as st

from migration_lsp.locate.typescript import PLACEHOLDER_PREFIX

ROUTE = "src/migration.ts"
CONFIG = 'variable-names = ["MIGRATION_SQL"]\nbaseline = ""\n'


@dataclass(frozen=True)
class Sub:
    """A ``${expr}`` substitution in a template literal."""

    expr: str


Piece = str | Sub

# Text that ends up in SQL strings and comments: what needs escaping in TypeScript, what
# changes width in UTF-8 and UTF-16 (é, 中, 👤 outside the BMP), and SQL's own delimiters.
ALPHABET = "abc xyz;:'\"`\\${}$()-/*\té中👤\u2028"
TEXT = st.text(ALPHABET, max_size=12)
EXPRS = ["T", "TABLES.NOTES", "schema + '.notes'", "`n_${i}`", "({ a: 'x' }).a", "f(`}`)"]
PLAIN_TABLES = ["notes", "todo_items", "public.notes", '"Wé_table"', '"a""b"']
COLUMNS = ["body", "title", '"naïve"', "done_at"]
TAGS = ["", "body", "fn", "x1"]


def sql_string(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"


def comment_safe(text: str, block: bool) -> str:
    """``text`` that stays inside its comment: no line break in ``--``, no ``*/`` in ``/* */``."""
    if block:
        return text.replace("*/", "* /").replace("/*", "/ *")
    return text.replace("\u2028", " ")


@st.composite
def table(draw: st.DrawFn) -> list[Piece]:
    if draw(st.integers(0, 5)) == 0:
        return [Sub(draw(st.sampled_from(EXPRS)))]
    return [draw(st.sampled_from(PLAIN_TABLES))]


@st.composite
def statement(draw: st.DrawFn) -> list[Piece]:
    """One statement (or a few that belong together), semicolon included."""
    t = draw(table())
    c = draw(st.sampled_from(COLUMNS))
    s = sql_string(draw(TEXT))
    tag = draw(st.sampled_from(TAGS))
    n = draw(st.integers(0, 99))
    dq = f"${tag}$"
    forms: list[list[Piece]] = [
        # The rulebook's idempotent forms.
        ["CREATE TABLE IF NOT EXISTS ", *t, f" (\n  id uuid PRIMARY KEY DEFAULT gen_random_uuid(),\n  {c} text NOT NULL DEFAULT {s}\n);"],
        [f"CREATE INDEX IF NOT EXISTS idx_{n} ON ", *t, f" ({c});"],
        ["ALTER TABLE ", *t, " ENABLE ROW LEVEL SECURITY;"],
        ["ALTER TABLE ", *t, f" ADD COLUMN IF NOT EXISTS {c} text;"],
        [
            f"DO {dq}\nBEGIN\n  IF NOT EXISTS (SELECT 1 FROM pg_policies WHERE policyname = 'p{n}') THEN\n    CREATE POLICY \"p{n}\" ON ",
            *t,
            f" FOR ALL USING (true);\n  END IF;\nEND\n{dq};",
        ],
        [f'DROP POLICY IF EXISTS "p{n}" ON ', *t, f';\nCREATE POLICY "p{n}" ON ', *t, " USING (auth.uid() = id);"],
        ["INSERT INTO ", *t, f" ({c}) VALUES ({s}) ON CONFLICT DO NOTHING;"],
        [f"CREATE OR REPLACE FUNCTION f_{n}() RETURNS trigger LANGUAGE plpgsql AS {dq}\nBEGIN\n  NEW.{c} := {s};\n  RETURN NEW;\nEND;\n{dq};"],
        [f"DO {dq} BEGIN\n  EXECUTE 'ALTER TABLE ' || {s} || ' ADD COLUMN x int';\nEXCEPTION WHEN duplicate_column THEN NULL;\nEND {dq};"],
        # Forms the rules flag.
        ["CREATE TABLE ", *t, " (id int);"],
        [f"CREATE INDEX idx_{n} ON ", *t, f" ({c});"],
        [f'CREATE POLICY "p{n}" ON ', *t, " USING (true);"],
        ["DROP TABLE ", *t, ";"],
        ["ALTER TABLE ", *t, f" DROP COLUMN {c};"],
        ["ALTER TABLE ", *t, f" ADD COLUMN {c} text;"],
        ["BEGIN;\nCREATE TABLE IF NOT EXISTS ", *t, " (id int);\nCOMMIT;"],
        # Broken ones: the parsers and splitter must survive them.
        ["CREATE TABLE IF NOT EXISTS ", *t, " (id uuid PRIMARY KEY"],
        ["SELEC 1;"],
        ["INSERT INTO ", *t, f" VALUES ('{draw(TEXT).replace(chr(39), '')}"],  # unterminated string
        [f"DO {dq} BEGIN"],  # unterminated dollar quote
        ["/* unterminated", comment_safe(draw(TEXT), True)],
        [f"DO {dq} BEGIN IF ", *t, f" THEN END; END {dq};"],
    ]
    return draw(st.sampled_from(forms))


@st.composite
def gap(draw: st.DrawFn) -> list[Piece]:
    """What goes between statements: white space and comments."""
    kind = draw(st.integers(0, 4))
    if kind == 0:
        return [f"\n-- {comment_safe(draw(TEXT), False)}\n"]
    if kind == 1:
        return [f" /* {comment_safe(draw(TEXT), True)} ; */ "]
    return [draw(st.sampled_from(["\n", "\n\n", " ", "\n  ", "\t"]))]


@st.composite
def migration_sql(draw: st.DrawFn) -> list[Piece]:
    pieces: list[Piece] = list(draw(gap()))
    for _ in range(draw(st.integers(1, 5))):
        pieces += draw(statement())
        pieces += draw(gap())
    if draw(st.booleans()) and isinstance(pieces[-1], str):
        pieces[-1] = pieces[-1].rstrip().removesuffix(";")  # no semicolon after the last statement
    return pieces


# -- writing SQL into TypeScript -------------------------------------------------------


@st.composite
def template_char(draw: st.DrawFn, ch: str, after: str, density: int) -> str:
    """``ch`` as written in a cooked template (``after`` is the next character): one in
    ``density`` characters (none for 0) is written as an escape or after a line continuation."""
    if ch == "\\":
        return "\\\\"
    if ch == "`":
        return "\\`"
    if ch == "$" and after == "{":
        return "\\$"
    if not density or draw(st.integers(0, density - 1)):
        return ch
    choice = draw(st.integers(0, 2))
    escapes = {"\n": "\\n", "\t": "\\t", "'": "\\'", '"': '\\"', "\u2028": "\\u2028"}
    if choice == 0 and ch in escapes:
        return escapes[ch]
    code = ord(ch)
    if choice == 1 and code <= 0xFF:
        return f"\\x{code:02x}"
    if choice == 1 and code <= 0xFFFF:
        return f"\\u{code:04X}"
    if choice == 1:
        high, low = 0xD800 + ((code - 0x10000) >> 10), 0xDC00 + ((code - 0x10000) & 0x3FF)
        return draw(st.sampled_from([f"\\u{{{code:x}}}", f"\\u{high:04x}\\u{low:04x}"]))
    return "\\\n" + ch  # a line continuation cooks to nothing


@dataclass(frozen=True)
class Source:
    text: str  # the file as written to disk
    sql: str  # what the literal must cook to
    kind: str  # template, raw or string
    crlf: bool


@st.composite
def literal_body(draw: st.DrawFn, pieces: list[Piece], kind: str, constants: dict[str, str]) -> tuple[str, str]:
    """The literal's text between its quotes, and the SQL it cooks to: a ``${X}`` of one of the
    file's ``constants`` cooks to its value, any other to the next placeholder."""
    source: list[str] = []
    cooked: list[str] = []
    subs = 0
    density = draw(st.sampled_from([0, 0, 25, 4]))
    for piece in _merged(pieces):
        if isinstance(piece, Sub):
            if kind == "string":  # no substitution in a quoted string: the table by name
                piece = "notes"
            else:
                source.append("${" + piece.expr + "}")
                if piece.expr in constants:
                    cooked.append(constants[piece.expr])
                else:
                    cooked.append(f"{PLACEHOLDER_PREFIX}{subs}")
                    subs += 1
                continue
        if kind == "raw":
            # String.raw escapes nothing: a backtick, `${` or a backslash cannot be written.
            text = piece.replace("`", "'").replace("\\", "/").replace("${", "$ {")
            source.append(text)
            cooked.append(text)
            continue
        for i, ch in enumerate(piece):
            after = piece[i + 1] if i + 1 < len(piece) else ""
            if kind == "string":
                written = {"\\": "\\\\", "'": "\\'", "\n": "\\n", "\r": "\\r"}.get(ch, ch)
                source.append(written)
            else:
                written = draw(template_char(ch, after, density))
                source.append(written)
            cooked.append(ch)
    return "".join(source), "".join(cooked)


def _merged(pieces: list[Piece]) -> list[Piece]:
    """Adjacent text joined, so that an escape sees the character after it (``$`` before ``{``)."""
    out: list[Piece] = []
    for piece in pieces:
        if isinstance(piece, str) and out and isinstance(out[-1], str):
            out[-1] += piece
        else:
            out.append(piece)
    return out


# Each file start, with the constants it declares for a ``${…}`` to read.
PREFIXES: list[tuple[str, dict[str, str]]] = [
    ("", {}),
    ('import { db } from "./db";\n', {}),
    ("// Schema of the app: café, 中文, 👤\n", {}),
    ("const T = 'notes';\n/* a `template` in a comment */\n", {"T": "notes"}),
]
SUFFIXES = ["", "\nexport function sql(): string {\n  return MIGRATION_SQL;\n}\n", "\nconst other = `${T} ✓`;\n"]


@st.composite
def typescript(draw: st.DrawFn, pieces: list[Piece] | None = None) -> Source:
    """A TypeScript file holding one MIGRATION_SQL literal, and the SQL it must cook to."""
    if pieces is None:
        pieces = draw(migration_sql())
    kind = draw(st.sampled_from(["template", "template", "template", "raw", "string"]))
    prefix, constants = draw(st.sampled_from(PREFIXES))
    body, sql = draw(literal_body(pieces, kind, constants))
    if kind == "string":
        value = f"'{body}'"
    else:
        value = ("String.raw" if kind == "raw" else "") + f"`{body}`"
    decl = draw(st.sampled_from(["const", "export const", "export const"]))
    trim = draw(st.sampled_from(["", "", ".trim()"]))
    crlf = draw(st.booleans())
    text = f"{prefix}{decl} MIGRATION_SQL = {value}{trim};\n{draw(st.sampled_from(SUFFIXES))}"
    if crlf:
        # Templates cook CRLF to LF, and a string literal holds no raw line break: the SQL stays.
        text = text.replace("\r\n", "\n").replace("\n", "\r\n")
    if draw(st.integers(0, 5)) == 0:
        text = "\ufeff" + text
    return Source(text, sql, kind, crlf)


# -- how many examples -----------------------------------------------------------------
EXAMPLES_VARIABLE = "MIGRATION_LSP_FUZZ_EXAMPLES"


def examples(default: int) -> int:
    """A property's number of examples: ``default`` in the suite, the variable's for a longer run."""
    given = os.environ.get(EXAMPLES_VARIABLE, "").strip()
    return max(default, int(given)) if given else default


def write_project(root: Path, source: Source) -> Path:
    """An app at ``root`` whose only code file is ``source``; the file's path."""
    (root / "migration-lsp.toml").write_text(CONFIG, encoding="utf-8")
    path = root / ROUTE
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(source.text.encode("utf-8"))
    return path


# -- Node, as the judge of what JavaScript accepts ---------------------------------------
NODE = shutil.which("node")

# One process answers many questions, one JSON line each: compile a literal (as a value in
# code), or cook it to its value's code points; either says when it is a SyntaxError.
_NODE_SCRIPT = r"""
const rl = require("readline").createInterface({ input: process.stdin });
rl.on("line", (line) => {
  const { op, text } = JSON.parse(line);
  let out;
  try {
    // Strict, as the code of a module (every file with an import or export) is.
    if (op === "compile") { new Function('"use strict"; return ' + text + ";"); out = { ok: true }; }
    else {
      // The tag `sql` hands its cooked text through, as the locator assumes; a template
      // with no cooked value (a forbidden escape) gives it undefined.
      const value = new Function("sql", '"use strict"; return ' + text + ";")((strings) => strings[0]);
      out = value === undefined ? { ok: false, error: "no cooked value" } : { ok: true, codes: Array.from(value, (c) => c.codePointAt(0)) };
    }
  } catch (e) {
    if (!(e instanceof SyntaxError)) throw e;
    out = { ok: false, error: String(e) };
  }
  process.stdout.write(JSON.stringify(out) + "\n");
});
"""


class Node:
    """A Node process for the whole module; stopped when the module's tests end."""

    def __init__(self) -> None:
        self.process = subprocess.Popen([NODE or "node", "-e", _NODE_SCRIPT], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, encoding="utf-8", errors="surrogatepass")

    def ask(self, op: str, text: str) -> dict[str, Any]:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(json.dumps({"op": op, "text": text}) + "\n")
        self.process.stdin.flush()
        return dict(json.loads(self.process.stdout.readline()))

    def close(self) -> None:
        if self.process.stdin is not None:
            self.process.stdin.close()
        try:
            self.process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()


# -- literal bodies for cooking -----------------------------------------------------------
# What a template's body is made of: plain text (line breaks of every kind, text outside the
# BMP) and escapes, valid and not. No `${`: a substitution is not cooked text.
BODY_PIECES = [
    "a", "Z", "0", "7", "9", "}", "$", "'", '"', "é", "中", "👤", " ", "\t", "\n", "\r", "\r\n", "\u2028", "\u2029",
    "\\n", "\\t", "\\r", "\\b", "\\f", "\\v", "\\0", "\\1", "\\8", "\\`", "\\$", "\\{", "\\\\", "\\'", '\\"', "\\a", "\\é", "\\👤",
    "\\x41", "\\xe9", "\\x4", "\\xZZ", "\\u00e9", "\\u00E", "\\u", "\\u{41}", "\\u{1F464}", "\\u{10FFFF}", "\\u{110000}",
    "\\u{}", "\\u{0000000061}", "\\ud83d\\udc64", "\\ud800", "\\udc00", "\\u{D800}",
    "\\\n", "\\\r\n", "\\\r", "\\\u2028", "\\\u2029",
]  # fmt: skip
LITERAL_PIECES = st.lists(st.sampled_from(BODY_PIECES), max_size=12)


def quoted(wrapper: str, pieces: list[str]) -> str:
    """The literal ``wrapper`` around ``pieces``; in a quoted string its quote is escaped,
    so that the literal ends where the wrapper does."""
    quote = wrapper[-1]
    return wrapper.format("".join("\\" + p if p == quote and quote in "'\"" else p for p in pieces))


# -- edits an editor makes ---------------------------------------------------------------
# Typed into a migration: statement ends that split one statement in two (or, deleted, merge
# two), DO-block delimiters, substitutions, quotes that open strings and comments. No bare
# backtick or `${`: the literal would end, and most sessions would compare empty lists.
TYPED = [";", "; ", "\n", "CREATE TABLE IF NOT EXISTS t (id int);", "DROP TABLE t;", "DO $$ BEGIN ", " END $$;", "$$", "IF true THEN", "END IF;", "${T}", "}", "\\`", "'", "--", "/*", "*/", "é👤", ""]
# Where edits land: near these, so that they hit statement ends, DO bodies and substitutions.
ANCHORS = [";", "$$", "${", "BEGIN", "END", "`", "\n"]


@st.composite
def edit(draw: st.DrawFn, text: str) -> tuple[int, int, str]:
    """Replace ``text[start:end]`` with typed text: (start, end, new text)."""
    anchor = draw(st.sampled_from(ANCHORS))
    found = [i for i in range(len(text)) if text.startswith(anchor, i)]
    around = draw(st.sampled_from(found)) if found and draw(st.booleans()) else draw(st.integers(0, len(text)))
    start = min(len(text), max(0, around + draw(st.integers(-3, 3))))
    end = min(len(text), start + draw(st.sampled_from([0, 0, 1, 2, 5])))
    return start, end, draw(st.sampled_from(TYPED))
