"""What one file declares for others: its imports, its re-exports, and the tables constant."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Iterator

import tree_sitter as ts

from migration_lsp.locate.typescript import ByteToChar
from migration_lsp.workspace.nodes import UNWRAP, NodeText
from migration_lsp.workspace.references import ConstantEntry, ImportDecl


@dataclass(frozen=True, slots=True)
class DeclaredConstant:
    """The object literal of the tables constant."""

    entries: tuple[ConstantEntry, ...]
    start: int
    end: int


@dataclass(frozen=True, slots=True)
class Declarations:
    imports: tuple[ImportDecl, ...] = ()
    reexports: tuple[tuple[str, str, str], ...] = ()  # (specifier, imported, exported); "*" for `export *`
    constant: DeclaredConstant | None = None
    prologue_end: int = 0  # after the leading directives ("use client")

    def imported(self, local: str) -> tuple[str, str] | None:
        """(specifier, imported name) of a local binding; the imported name is ``*`` for a namespace."""
        for imp in self.imports:
            if imp.namespace == local:
                return imp.specifier, "*"
            for imported, alias in imp.names:
                if alias == local:
                    return imp.specifier, imported
        return None


class DeclarationReader(NodeText):
    """Reads the top-level statements of a file; ``constant`` is the tables constant's name."""

    def __init__(self, text: str, to_char: ByteToChar, constant: str) -> None:
        super().__init__(text, to_char)
        self.constant = constant

    def read(self, root: ts.Node) -> Declarations:
        imports: list[ImportDecl] = []
        reexports: list[tuple[str, str, str]] = []
        constant: DeclaredConstant | None = None
        prologue_end = 0
        in_prologue = True
        for node in root.named_children:
            if node.type == "comment":
                continue
            directive = node.type == "expression_statement" and node.named_child_count == 1 and node.named_children[0].type == "string"
            in_prologue = in_prologue and directive
            if in_prologue:
                prologue_end = self.to_char(node.end_byte)  # "use client";
            elif node.type == "import_statement":
                imp = self.import_decl(node)
                if imp is not None:
                    imports.append(imp)
            elif node.type == "export_statement":
                source = node.child_by_field_name("source")
                if source is not None:
                    reexports.extend(self.reexport(node, source))
                    continue
                declared = self.declaration(node)
                constant = constant or declared
            elif node.type in ("lexical_declaration", "variable_declaration"):
                constant = constant or self.declaration(node)
        return Declarations(tuple(imports), tuple(reexports), constant, prologue_end)

    def import_decl(self, node: ts.Node) -> ImportDecl | None:
        source = node.child_by_field_name("source")
        spec = self.string_value(source)
        if spec is None:
            return None
        names: list[tuple[str, str]] = []
        namespace = None
        named_end = None
        clause = next((c for c in node.named_children if c.type == "import_clause"), None)
        for part in clause.named_children if clause is not None else ():
            if part.type == "namespace_import":
                ident = next((c for c in part.named_children if c.type == "identifier"), None)
                namespace = self.src(ident) if ident is not None else None
            elif part.type == "named_imports":
                named_end = self.to_char(part.children[0].end_byte)
                for spec_node in part.named_children:
                    if spec_node.type != "import_specifier":
                        continue
                    named_end = self.to_char(spec_node.end_byte)
                    imported = spec_node.child_by_field_name("name")
                    alias = spec_node.child_by_field_name("alias")
                    if imported is not None:
                        name = self.string_value(imported) or self.src(imported)
                        names.append((name, self.src(alias) if alias is not None else name))
        assert source is not None
        return ImportDecl(spec, tuple(names), namespace, *self.span(node), named_end, self.src(source)[0])

    def reexport(self, node: ts.Node, source: ts.Node) -> Iterator[tuple[str, str, str]]:
        spec = self.string_value(source)
        if spec is None:
            return
        clause = next((c for c in node.named_children if c.type == "export_clause"), None)
        if clause is None:
            if any(c.type == "*" for c in node.children) and not any(c.type == "namespace_export" for c in node.named_children):
                yield spec, "*", "*"
            return
        for s in clause.named_children:
            if s.type == "export_specifier":
                name = s.child_by_field_name("name")
                alias = s.child_by_field_name("alias")
                if name is not None:
                    yield spec, self.src(name), self.src(alias) if alias is not None else self.src(name)

    def declaration(self, node: ts.Node) -> DeclaredConstant | None:
        if node.type == "export_statement":
            node = node.child_by_field_name("declaration") or node
        if node.type not in ("lexical_declaration", "variable_declaration"):
            return None
        for decl in node.named_children:
            if decl.type != "variable_declarator":
                continue
            name = decl.child_by_field_name("name")
            if name is None or self.src(name) != self.constant:
                continue
            value = decl.child_by_field_name("value")
            obj = self.object_literal(value)
            if obj is not None:
                return DeclaredConstant(tuple(self.entries(obj)), *self.span(obj))
        return None

    def object_literal(self, node: ts.Node | None) -> ts.Node | None:
        while node is not None:
            if node.type == "object":
                return node
            if node.type in UNWRAP:
                node = node.named_children[0] if node.named_children else None
            elif node.type == "call_expression" and self.src(node.child_by_field_name("function") or node) == "Object.freeze":
                args = node.child_by_field_name("arguments")
                node = args.named_children[0] if args is not None and args.named_children else None
            else:
                return None
        return None

    def entries(self, obj: ts.Node) -> Iterator[ConstantEntry]:
        children = obj.children
        for i, pair in enumerate(children):
            if pair.type != "pair":
                continue
            key_node = pair.child_by_field_name("key")
            value_node = pair.child_by_field_name("value")
            value = self.string_value(value_node)
            if key_node is None or value_node is None or value is None:
                continue
            key = self.string_value(key_node) if key_node.type == "string" else self.src(key_node)
            if key is None:
                continue
            nxt = children[i + 1] if i + 1 < len(children) else None
            comma_end = self.to_char(nxt.end_byte) if nxt is not None and nxt.type == "," else None
            yield ConstantEntry(key, value, *self.span(pair), *self.span(value_node), comma_end)
