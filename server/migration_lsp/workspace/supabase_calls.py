"""The supabase-js calls of one file: ``.from(…)`` with the columns chained on it, ``.rpc(…)``
and realtime ``postgres_changes`` filters; what they name is resolved by the index."""

from __future__ import annotations

import functools
import re
from dataclasses import dataclass
from typing import Iterator

import tree_sitter as ts

from migration_lsp.workspace.nodes import UNWRAP, NodeText
from migration_lsp.workspace.references import ColumnUse

# supabase-js filters whose first argument is a column name
FILTERS = frozenset(
    {
        "eq", "neq", "gt", "gte", "lt", "lte", "like", "ilike", "likeAllOf", "likeAnyOf", "ilikeAllOf",
        "ilikeAnyOf", "is", "in", "contains", "containedBy", "rangeGt", "rangeGte", "rangeLt", "rangeLte",
        "rangeAdjacent", "overlaps", "textSearch", "filter", "not", "order",
    }
)  # fmt: skip
_WRITES = frozenset({"insert", "upsert", "update"})
_COLUMN = re.compile(r"^[A-Za-z_][A-Za-z0-9_$]*$")
# The same few columns ('id', 'user_id') recur in file after file: one object for each, which
# a worker process sends to the parent once per batch of files, not once per use.
_column_use = functools.lru_cache(maxsize=4096)(ColumnUse)


@dataclass(frozen=True, slots=True)
class RawRef:
    """A call that names a table or a function, before the name is resolved."""

    kind: str  # "table" | "function"
    context: str  # "from" | "realtime" | "rpc"
    start: int
    end: int
    value: str | None = None  # a literal name
    binding: str | None = None  # the identifier in `binding.KEY`, `binding['KEY']`, `binding.member.KEY`
    member: str | None = None
    key: str | None = None
    schema: str | None = None
    columns: tuple[ColumnUse, ...] = ()


@functools.cache
def _call_query(language: ts.Language) -> ts.Query:
    return ts.Query(
        language,
        """(call_expression
             function: (member_expression
                object: (_) @receiver
                property: (property_identifier) @method
                (#any-of? @method "from" "rpc" "on"))
             arguments: (arguments) @args) @call""",
    )


class CallReader(NodeText):
    def read(self, tree: ts.Tree) -> tuple[RawRef, ...]:
        """Every call of the file that names a table or a function, in source order."""
        refs: list[RawRef] = []
        for _, caps in ts.QueryCursor(_call_query(tree.language)).matches(tree.root_node):
            ref = self.call(caps["call"][0], caps["receiver"][0], self.src(caps["method"][0]), caps["args"][0])
            if ref is not None:
                refs.append(ref)
        refs.sort(key=lambda r: r.start)
        return tuple(refs)

    def call(self, call: ts.Node, receiver: ts.Node, method: str, args: ts.Node) -> RawRef | None:
        if receiver.type == "identifier" and self.src(receiver)[:1].isupper():
            return None  # Array.from, Buffer.from, Observable.from: not a query
        first = args.named_children[0] if args.named_children else None
        if first is None:
            return None
        schema = self.schema_of(receiver)
        if method == "rpc":
            name = self.string_value(first)
            if name is None:
                return None
            return RawRef("function", "rpc", *self.span(first), value=name, schema=schema)
        if method == "on":
            if self.string_value(first) != "postgres_changes" or len(args.named_children) < 2:
                return None
            return self.realtime(args.named_children[1])
        if self.is_storage(receiver):
            return None  # supabase.storage.from('bucket') names a bucket
        return self.table_ref(first, "from", schema, tuple(self.chain_columns(call)))

    def schema_of(self, receiver: ts.Node) -> str | None:
        """``s`` of ``client.schema('s')`` right before the call."""
        if receiver.type != "call_expression":
            return None
        fn = receiver.child_by_field_name("function")
        if fn is None or fn.type != "member_expression":
            return None
        prop = fn.child_by_field_name("property")
        if prop is None or self.src(prop) != "schema":
            return None
        args = receiver.child_by_field_name("arguments")
        return self.string_value(args.named_children[0]) if args is not None and args.named_children else None

    def is_storage(self, receiver: ts.Node) -> bool:
        if receiver.type == "identifier":
            return self.src(receiver) == "storage"
        if receiver.type == "member_expression":
            prop = receiver.child_by_field_name("property")
            return prop is not None and self.src(prop) == "storage"
        return False

    def table_ref(self, node: ts.Node, context: str, schema: str | None, columns: tuple[ColumnUse, ...]) -> RawRef | None:
        while node.type in UNWRAP and node.named_children:
            node = node.named_children[0]
        start, end = self.span(node)
        value = self.string_value(node)
        if value is not None:
            return RawRef("table", context, start, end, value=value, schema=schema, columns=columns)
        if node.type == "member_expression":
            obj, prop = node.child_by_field_name("object"), node.child_by_field_name("property")
            key = self.src(prop) if prop is not None and prop.type == "property_identifier" else None
        elif node.type == "subscript_expression":
            obj, index = node.child_by_field_name("object"), node.child_by_field_name("index")
            key = self.string_value(index)
        else:
            return None
        if obj is None or key is None:
            return None
        if obj.type == "identifier":
            return RawRef("table", context, start, end, binding=self.src(obj), key=key, schema=schema, columns=columns)
        if obj.type == "member_expression":  # ns.TABLES.KEY
            inner, member = obj.child_by_field_name("object"), obj.child_by_field_name("property")
            if inner is not None and inner.type == "identifier" and member is not None:
                return RawRef("table", context, start, end, binding=self.src(inner), member=self.src(member), key=key, schema=schema, columns=columns)
        return None

    def realtime(self, config: ts.Node) -> RawRef | None:
        if config.type != "object":
            return None
        fields: dict[str, ts.Node] = {}
        for pair in config.named_children:
            if pair.type == "pair":
                key = pair.child_by_field_name("key")
                value = pair.child_by_field_name("value")
                if key is not None and value is not None:
                    fields[self.string_value(key) or self.src(key)] = value
        table = fields.get("table")
        if table is None:
            return None
        schema = self.string_value(fields["schema"]) if "schema" in fields else None
        columns: tuple[ColumnUse, ...] = ()
        flt = self.string_value(fields["filter"]) if "filter" in fields else None
        if flt and "=" in flt:
            columns = tuple(_columns([flt.split("=", 1)[0]]))
        return self.table_ref(table, "realtime", schema, columns)

    def chain_columns(self, call: ts.Node) -> Iterator[ColumnUse]:
        """Columns named by the calls chained on ``.from(…)``: select, insert, filters, order."""
        node = call
        while True:
            member = node.parent
            if member is None or member.type != "member_expression" or member.child_by_field_name("object") != node:
                return
            outer = member.parent
            if outer is None or outer.type != "call_expression":
                return
            prop = member.child_by_field_name("property")
            args = outer.child_by_field_name("arguments")
            method = self.src(prop) if prop is not None else ""
            first = args.named_children[0] if args is not None and args.named_children else None
            if first is not None:
                if method == "select":
                    yield from _columns(_select_items(self.string_value(first) or ""))
                elif method in _WRITES or method == "match":
                    yield from self.object_columns(first)
                elif method in FILTERS:
                    name = self.string_value(first)
                    if name is not None:
                        yield from _columns([name])
            node = outer

    def object_columns(self, node: ts.Node) -> Iterator[ColumnUse]:
        if node.type == "array":
            node = next((c for c in node.named_children if c.type == "object"), node)
        if node.type != "object":
            return
        for part in node.named_children:
            if part.type == "shorthand_property_identifier":
                yield _column_use(self.src(part))
            elif part.type == "pair":
                key = part.child_by_field_name("key")
                if key is None or key.type not in ("property_identifier", "string"):
                    continue
                name = self.string_value(key) if key.type == "string" else self.src(key)
                if name and _COLUMN.match(name):
                    yield _column_use(name, _type_hint(part.child_by_field_name("value")))


def _type_hint(value: ts.Node | None) -> str | None:
    if value is None:
        return None
    kind = value.type
    if kind in ("true", "false"):
        return "BOOLEAN"
    if kind == "number":
        text = value.text.decode() if value.text else ""
        return "NUMERIC" if "." in text or "e" in text.lower() else "INTEGER"
    if kind in ("string", "template_string"):
        return "TEXT"
    if kind in ("object", "array"):
        return "JSONB"
    return None


def _select_items(select: str) -> list[str]:
    """Top-level items of a PostgREST select; embedded resources (``rel(…)``) are other tables."""
    items: list[str] = []
    current: list[str] = []
    depth = 0
    for ch in select:
        if ch == "(":
            depth += 1
        elif ch == ")":
            depth -= 1
        if ch == "," and depth == 0:
            items.append("".join(current))
            current = []
        else:
            current.append(ch)
    items.append("".join(current))
    return [i for i in items if "(" not in i]


def _columns(items: list[str]) -> Iterator[ColumnUse]:
    for item in items:
        name = item.strip()
        if ":" in name.split("::")[0]:
            name = name.split(":", 1)[1]  # alias:column
        name = re.split(r"::|->>|->", name)[0].strip()
        if _COLUMN.match(name):
            yield _column_use(name)
