"""The architecture, executable: the package's layers import only downwards, and never in a circle.

Each module belongs to one layer; a module may import from its own layer and the layers
below it. ``cli`` and ``lsp`` are two reporters on one level that never import each other.
Imports are read with ``ast``, so nothing here depends on what happens to be loaded.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parents[1] / "server" / "migration_lsp"

# Lowest first. A module's layer is the first entry its dotted name (below the package) starts with.
LAYERS: list[tuple[str, ...]] = [
    ("__init__", "positions", "findings", "config", "dialect", "caches", "codecache", "collector", "verify"),  # leaves; verify is the throwaway PostgreSQL
    ("locate",),  # one parse of a document's TypeScript
    ("sql",),  # statements and their facts
    ("migration",),  # Migration, Document, parse_document
    ("model",),  # the schema, baselines as data
    ("workspace",),  # files, projects, the code index, loading baselines
    ("fixes",),  # edits
    ("rules",),  # Rule, Context, the registry
    ("lint", "query", "docs", "config_schema"),  # the one check path; what the editor asks; the generated rule pages and config schema
    ("cli", "lsp"),  # the reporters
    ("main", "__main__"),  # the entry point, above both reporters
]
# Reporters on one level that must not know each other.
APART = {frozenset({"cli", "lsp"})}

# Imports inside functions, each a lazy load of a heavy optional part, for start-up time.
LAZY = {
    ("main", "migration_lsp.lsp.serve"),  # pygls and lsprotocol, only for the server
    ("main", "migration_lsp.cli.verify"),  # psycopg, only for `verify`
    ("cli.check", "migration_lsp.cli.verify"),  # psycopg, only for --verify
    ("lsp.commands", "migration_lsp.lint.verify"),  # psycopg, only when the editor asks to verify
    ("lsp.commands", "migration_lsp.verify"),
    ("lsp.server", "migration_lsp.verify"),
}


def _module(path: Path) -> str:
    parts = path.relative_to(PACKAGE).with_suffix("").parts
    if parts[-1] == "__init__" and len(parts) > 1:
        parts = parts[:-1]
    return ".".join(parts)


def _layer(module: str) -> int:
    head = module.split(".")[0]
    for i, names in enumerate(LAYERS):
        if head in names:
            return i
    raise AssertionError(f"{module} is in no layer: add it to LAYERS")


def _package(module: str) -> str:
    return module.split(".")[0]


class _Imports(ast.NodeVisitor):
    """Every import of the package's own modules, and where it stands."""

    def __init__(self, module: str) -> None:
        self.module = module
        self.found: list[tuple[str, str]] = []  # (target, "top" | "function" | "type-checking")
        self._where = "top"

    def _visit_scope(self, node: ast.AST, where: str) -> None:
        saved, self._where = self._where, where if self._where == "top" else self._where
        self.generic_visit(node)
        self._where = saved

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        self._visit_scope(node, "function")

    def visit_AsyncFunctionDef(self, node: ast.AsyncFunctionDef) -> None:
        self._visit_scope(node, "function")

    def visit_If(self, node: ast.If) -> None:
        test = node.test
        if (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"):
            self._visit_scope(node, "type-checking")
        else:
            self.generic_visit(node)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            if alias.name.startswith("migration_lsp"):
                self.found.append((alias.name, self._where))

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        assert node.level == 0, f"{self.module}: relative import"
        if node.module is None or not node.module.startswith("migration_lsp"):
            return
        # `from a.b import c` imports the submodule a.b.c when there is one.
        folder = PACKAGE.joinpath(*node.module.split(".")[1:])
        for alias in node.names:
            sub = folder / alias.name
            submodule = sub.is_dir() or sub.with_suffix(".py").exists()
            self.found.append((f"{node.module}.{alias.name}" if submodule else node.module, self._where))


def _imports() -> dict[str, list[tuple[str, str]]]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        module = _module(path)
        visitor = _Imports(module)
        visitor.visit(ast.parse(path.read_text(encoding="utf-8"), str(path)))
        out[module] = [(target.removeprefix("migration_lsp").lstrip(".") or "__init__", where) for target, where in visitor.found]
    return out


IMPORTS = _imports()


def test_every_module_has_a_layer() -> None:
    for module in IMPORTS:
        _layer(module)


@pytest.mark.parametrize("module", sorted(IMPORTS))
def test_imports_go_only_downwards(module: str) -> None:
    mine = _layer(module)
    for target, _ in IMPORTS[module]:
        theirs = _layer(target)
        assert theirs <= mine, f"{module} (layer {LAYERS[mine]}) imports {target} from a layer above (layer {LAYERS[theirs]})"
        pair = frozenset({_package(module), _package(target)})
        assert pair not in APART, f"{module} imports {target}: the reporters never import each other"


@pytest.mark.parametrize("module", sorted(IMPORTS))
def test_no_import_inside_a_function_but_lazy_loads(module: str) -> None:
    for target, where in IMPORTS[module]:
        if where == "function":
            assert (module, "migration_lsp." + target) in LAZY, f"{module} imports {target} inside a function"


def test_no_cycle() -> None:
    """The import graph, without the annotations-only imports under TYPE_CHECKING, has no cycle."""
    graph = {m: {t for t, where in targets if where != "type-checking" and t in IMPORTS and t != m} for m, targets in IMPORTS.items()}
    state: dict[str, int] = {}
    path: list[str] = []

    def visit(node: str) -> None:
        state[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if state.get(nxt) == 1:
                cycle = path[path.index(nxt) :] + [nxt]
                raise AssertionError("import cycle: " + " -> ".join(cycle))
            if nxt not in state:
                visit(nxt)
        path.pop()
        state[node] = 2

    for node in sorted(graph):
        if node not in state:
            visit(node)


def test_the_allowlist_has_no_stale_entry() -> None:
    used = {(m, "migration_lsp." + t) for m, targets in IMPORTS.items() for t, where in targets if where == "function"}
    assert LAZY <= used, f"lazy loads that no longer exist: {sorted(LAZY - used)}"
