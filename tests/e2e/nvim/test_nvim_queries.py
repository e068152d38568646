"""The tree-sitter injection queries that highlight MIGRATION_SQL as SQL.

Neovim ships no TypeScript parser, so the real Neovim checks what it can
without one (syntax, directives, runtimepath), and tree-sitter-typescript
checks the node types and what each query captures.
"""

import functools
import json
import subprocess
from pathlib import Path

import pytest
import tree_sitter as ts
import tree_sitter_typescript as tst

HERE = Path(__file__).parent
CLIENT_DIR = HERE.resolve().parents[2] / "editors" / "nvim"
LANGUAGES = ("typescript", "tsx", "javascript")


def test_neovim_loads_the_queries_as_extensions(nvim: Path) -> None:
    proc = subprocess.run(
        [nvim, "--clean", "--headless", "-l", HERE / "check_queries.lua", CLIENT_DIR],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    report = json.loads(proc.stdout)
    for lang in LANGUAGES:
        assert report[lang] == {
            "path": str(CLIENT_DIR / "queries" / lang / "injections.scm"),
            # Without it the file would replace the parser's own injections.
            "first_line": "; extends",
            "syntax_error": False,
            "unknown_predicates": [],
        }


GRAMMARS = {"typescript": tst.language_typescript, "tsx": tst.language_tsx}


# Kept for the whole run: py-tree-sitter 0.26.1 crashes when it frees a Query
# that has both a #eq? predicate and a #set! setting.
@functools.cache
def load(query_lang: str, grammar: str) -> tuple[ts.Language, ts.Query]:
    language = ts.Language(GRAMMARS[grammar]())
    return language, ts.Query(language, (CLIENT_DIR / "queries" / query_lang / "injections.scm").read_text())


def injected(query_lang: str, grammar: str, source: str) -> list[tuple[str, dict]]:
    """The text each match injects and the match's settings, applying `#offset!` as Neovim does."""
    language, query = load(query_lang, grammar)
    data = source.encode()
    tree = ts.Parser(language).parse(data)
    line_starts = [0]
    line_starts += [i + 1 for i, byte in enumerate(data) if byte == ord("\n")]

    offsets: dict[int, list[int]] = {}

    def directive(name: str, args: list, pattern: int, captures: dict) -> bool:
        if name == "offset!":
            offsets[pattern] = [int(value) for value, _ in args[1:]]
        return True

    found = []
    for pattern, captures in ts.QueryCursor(query).matches(tree.root_node, predicate=directive):
        (node,) = captures["injection.content"]
        start_row, start_col, end_row, end_col = (*node.start_point, *node.end_point)
        d_start_row, d_start_col, d_end_row, d_end_col = offsets[pattern]
        start = line_starts[start_row + d_start_row] + start_col + d_start_col
        end = line_starts[end_row + d_end_row] + end_col + d_end_col
        found.append((data[start:end].decode(), query.pattern_settings(pattern)))
    return found


SQL = "\nCREATE TABLE IF NOT EXISTS t (id int);\n"
SETTINGS = {"injection.language": "sql", "injection.include-children": None}

TYPESCRIPT_CASES = {
    "exported": (f"export const MIGRATION_SQL = `{SQL}`;", [SQL]),
    "as const": (f"export const MIGRATION_SQL = `{SQL}` as const;", [SQL]),
    "satisfies": (f"const MIGRATION_SQL = `{SQL}` satisfies string;", [SQL]),
    "annotated": (f"const MIGRATION_SQL: string = `{SQL}`;", [SQL]),
    "substitution": ("let MIGRATION_SQL = `CREATE SCHEMA ${schema};`;", ["CREATE SCHEMA ${schema};"]),
    "other name": (f"const OTHER_SQL = `{SQL}`;", []),
    "plain string": ('const MIGRATION_SQL = "CREATE TABLE t (id int);";', []),
}


@pytest.mark.parametrize(("source", "expected"), TYPESCRIPT_CASES.values(), ids=TYPESCRIPT_CASES.keys())
@pytest.mark.parametrize("lang", ["typescript", "tsx"])
def test_typescript_injection(lang: str, source: str, expected: list[str]) -> None:
    assert injected(lang, lang, source) == [(text, SETTINGS) for text in expected]


def test_tsx_injection_next_to_jsx() -> None:
    source = f"export const MIGRATION_SQL = `{SQL}`;\nexport const Page = () => <main>{{MIGRATION_SQL}}</main>;\n"
    assert injected("tsx", "tsx", source) == [(SQL, SETTINGS)]


# tree-sitter-javascript is not a dependency. The TSX grammar parses the same
# JavaScript and JSX into the same node types, which is all the query names.
@pytest.mark.parametrize(
    ("source", "expected"),
    [
        (f"export const MIGRATION_SQL = `{SQL}`;", [SQL]),
        (f"var MIGRATION_SQL = `{SQL}`;\nconst el = <div />;", [SQL]),
        (f"const OTHER_SQL = `{SQL}`;", []),
    ],
    ids=["exported", "jsx file", "other name"],
)
def test_javascript_injection(source: str, expected: list[str]) -> None:
    assert injected("javascript", "tsx", source) == [(text, SETTINGS) for text in expected]


def test_fixture_migration_is_injected() -> None:
    source = (HERE / "fixture" / "src" / "app" / "api" / "setup" / "migrations" / "route.ts").read_text()
    ((text, settings),) = injected("typescript", "typescript", source)
    assert text == source.split("`")[1]
    assert settings == SETTINGS
