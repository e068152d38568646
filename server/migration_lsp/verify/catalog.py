"""A comparable picture of a database's schema, and the differences between two of them.

Only what a migration creates is pictured: objects of extensions and of the system schemas are left
out. Column order is ignored, since an upgrade appends columns a fresh database has in the middle.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import psycopg

from migration_lsp.verify.definitions import Hints

_USER_SCHEMA = "{0}.nspname <> 'information_schema' AND {0}.nspname NOT LIKE 'pg\\_%'"
_NOT_EXTENSION = "NOT EXISTS (SELECT FROM pg_depend d WHERE d.classid = '{0}'::regclass AND d.objid = {1}.oid AND d.deptype = 'e')"
_RELATION_KINDS = {
    "r": "table",
    "p": "table",
    "f": "foreign table",
    "v": "view",
    "m": "materialized view",
    "S": "sequence",
}
_POLICY_COMMANDS = {"r": "SELECT", "a": "INSERT", "w": "UPDATE", "d": "DELETE", "*": "ALL"}
# Report order: containers before what they contain.
KIND_ORDER = (
    "schema",
    "extension",
    "type",
    "sequence",
    "table",
    "foreign table",
    "view",
    "materialized view",
    "column",
    "constraint",
    "index",
    "row level security",
    "policy",
    "function",
    "procedure",
    "trigger",
    "publication",
    "publication member",
)

Key = tuple[str, str]


@dataclass(frozen=True)
class CatalogObject:
    kind: str
    name: str  # unique within its kind, schema-qualified unless in public
    definition: str
    parent: Key | None  # the relation it belongs to
    hints: Hints  # naming the statement that defines it

    @property
    def key(self) -> Key:
        return self.kind, self.name


Snapshot = dict[Key, CatalogObject]


@dataclass(frozen=True)
class Difference:
    kind: str
    name: str
    expected: str | None  # None: only the actual database has it
    actual: str | None  # None: the actual database lacks it
    hints: Hints


def snapshot(conn: psycopg.Connection) -> Snapshot:
    return {item.key: item for item in _objects(conn)}


def diff(expected: Snapshot, actual: Snapshot) -> list[Difference]:
    """What ``actual`` lacks, adds or defines differently; nothing twice for an absent relation."""
    absent = expected.keys() ^ actual.keys()
    found = []
    for key in sorted(absent | expected.keys(), key=lambda key: (KIND_ORDER.index(key[0]), key[1])):
        wanted, got = expected.get(key), actual.get(key)
        item = wanted or got
        assert item is not None
        if item.parent in absent:
            continue
        if wanted is not None and got is not None and wanted.definition == got.definition:
            continue
        found.append(
            Difference(
                item.kind,
                item.name,
                None if wanted is None else wanted.definition,
                None if got is None else got.definition,
                item.hints,
            )
        )
    return found


def _objects(conn: psycopg.Connection) -> Iterator[CatalogObject]:
    yield from _schemas(conn)
    yield from _extensions(conn)
    yield from _types(conn)
    yield from _relations(conn)
    yield from _columns(conn)
    yield from _constraints(conn)
    yield from _indexes(conn)
    yield from _policies(conn)
    yield from _functions(conn)
    yield from _triggers(conn)
    yield from _publications(conn)


def _name(schema: str, name: str) -> str:
    return name if schema == "public" else f"{schema}.{name}"


def _relation(relkind: str, schema: str, name: str) -> Key:
    return _RELATION_KINDS[relkind], _name(schema, name)


def _rows(conn: psycopg.Connection, query: str) -> list[tuple]:
    return conn.execute(query).fetchall()  # type: ignore[arg-type]


def _schemas(conn: psycopg.Connection) -> Iterator[CatalogObject]:
    query = f"""
        SELECT n.nspname FROM pg_namespace n
        WHERE {_USER_SCHEMA.format("n")} AND {_NOT_EXTENSION.format("pg_namespace", "n")}"""
    for (schema,) in _rows(conn, query):
        yield CatalogObject("schema", schema, "", None, (("schema", schema),))


def _extensions(conn: psycopg.Connection) -> Iterator[CatalogObject]:
    for (name,) in _rows(conn, "SELECT extname FROM pg_extension WHERE extname <> 'plpgsql'"):
        yield CatalogObject("extension", name, "", None, (("extension", name),))


def _types(conn: psycopg.Connection) -> Iterator[CatalogObject]:
    query = f"""
        SELECT n.nspname, t.typname, CASE t.typtype
          WHEN 'e' THEN 'ENUM (' || (SELECT string_agg(quote_literal(e.enumlabel), ', '
              ORDER BY e.enumsortorder) FROM pg_enum e WHERE e.enumtypid = t.oid) || ')'
          WHEN 'd' THEN 'DOMAIN ' || format_type(t.typbasetype, t.typtypmod)
            || coalesce(' DEFAULT ' || t.typdefault, '')
            || CASE WHEN t.typnotnull THEN ' NOT NULL' ELSE '' END
            || coalesce(' ' || (SELECT string_agg(pg_get_constraintdef(k.oid, true), ' '
              ORDER BY k.conname) FROM pg_constraint k WHERE k.contypid = t.oid), '')
          ELSE '(' || (SELECT string_agg(quote_ident(a.attname) || ' '
              || format_type(a.atttypid, a.atttypmod), ', ' ORDER BY a.attnum)
            FROM pg_attribute a WHERE a.attrelid = t.typrelid AND a.attnum > 0
              AND NOT a.attisdropped) || ')'
          END
        FROM pg_type t JOIN pg_namespace n ON n.oid = t.typnamespace
        WHERE {_USER_SCHEMA.format("n")} AND {_NOT_EXTENSION.format("pg_type", "t")}
          AND (t.typtype IN ('e', 'd')
            OR (t.typtype = 'c' AND (SELECT relkind FROM pg_class WHERE oid = t.typrelid) = 'c'))"""
    for schema, name, definition in _rows(conn, query):
        yield CatalogObject("type", _name(schema, name), definition or "", None, (("type", name),))


def _relations(conn: psycopg.Connection) -> Iterator[CatalogObject]:
    query = f"""
        SELECT n.nspname, c.relname, c.relkind, c.relrowsecurity, c.relforcerowsecurity,
          CASE WHEN c.relkind IN ('v', 'm') THEN pg_get_viewdef(c.oid, true) END,
          (SELECT format_type(s.seqtypid, NULL) || ' INCREMENT ' || s.seqincrement
            FROM pg_sequence s WHERE s.seqrelid = c.oid)
        FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE c.relkind IN ('r', 'p', 'f', 'v', 'm', 'S') AND {_USER_SCHEMA.format("n")}
          AND {_NOT_EXTENSION.format("pg_class", "c")}"""
    for schema, name, relkind, rls, forced, view, sequence in _rows(conn, query):
        kind, qualified = _relation(relkind, schema, name)
        keyword = kind.split()[-1]
        yield CatalogObject(kind, qualified, view or sequence or "", None, ((keyword, name),))
        if kind == "table":
            state = ("enabled" if rls else "disabled") + (", forced" if forced else "")
            hints = (("level", "security", name), ("table", name))
            yield CatalogObject("row level security", qualified, state, (kind, qualified), hints)


def _columns(conn: psycopg.Connection) -> Iterator[CatalogObject]:
    query = f"""
        SELECT n.nspname, c.relname, c.relkind, a.attname, format_type(a.atttypid, a.atttypmod),
          a.attnotnull, pg_get_expr(ad.adbin, ad.adrelid), a.attidentity, a.attgenerated,
          CASE WHEN a.attcollation <> t.typcollation THEN co.collname END
        FROM pg_attribute a
          JOIN pg_class c ON c.oid = a.attrelid
          JOIN pg_namespace n ON n.oid = c.relnamespace
          JOIN pg_type t ON t.oid = a.atttypid
          LEFT JOIN pg_attrdef ad ON ad.adrelid = a.attrelid AND ad.adnum = a.attnum
          LEFT JOIN pg_collation co ON co.oid = a.attcollation
        WHERE c.relkind IN ('r', 'p', 'f') AND a.attnum > 0 AND NOT a.attisdropped
          AND {_USER_SCHEMA.format("n")} AND {_NOT_EXTENSION.format("pg_class", "c")}"""
    for (
        schema,
        table,
        relkind,
        column,
        type_,
        notnull,
        default,
        identity,
        generated,
        collation,
    ) in _rows(conn, query):
        definition = type_
        if collation:
            definition += f' COLLATE "{collation}"'
        if generated:
            definition += f" GENERATED ALWAYS AS ({default}) STORED"
        elif default is not None:
            definition += f" DEFAULT {default}"
        if identity:
            definition += " GENERATED " + ("ALWAYS" if identity == "a" else "BY DEFAULT") + " AS IDENTITY"
        if notnull:
            definition += " NOT NULL"
        parent = _relation(relkind, schema, table)
        yield CatalogObject("column", f"{parent[1]}.{column}", definition, parent, (("table", table, column),))


def _constraints(conn: psycopg.Connection) -> Iterator[CatalogObject]:
    query = f"""
        SELECT n.nspname, c.relname, c.relkind, k.conname, pg_get_constraintdef(k.oid, true)
        FROM pg_constraint k
          JOIN pg_class c ON c.oid = k.conrelid
          JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE {_USER_SCHEMA.format("n")} AND {_NOT_EXTENSION.format("pg_class", "c")}"""
    for schema, table, relkind, name, definition in _rows(conn, query):
        parent = _relation(relkind, schema, table)
        hints = ((name,), ("table", table))
        yield CatalogObject("constraint", f"{name} on {parent[1]}", definition, parent, hints)


def _indexes(conn: psycopg.Connection) -> Iterator[CatalogObject]:
    # Indexes behind primary keys, unique and exclusion constraints are pictured as constraints.
    query = f"""
        SELECT n.nspname, t.relname, t.relkind, i.relname, pg_get_indexdef(i.oid)
        FROM pg_index x
          JOIN pg_class i ON i.oid = x.indexrelid
          JOIN pg_class t ON t.oid = x.indrelid
          JOIN pg_namespace n ON n.oid = i.relnamespace
        WHERE {_USER_SCHEMA.format("n")} AND {_NOT_EXTENSION.format("pg_class", "t")}
          AND NOT EXISTS (SELECT FROM pg_constraint k WHERE k.conindid = x.indexrelid
            AND k.conrelid = x.indrelid AND k.contype IN ('p', 'u', 'x'))"""
    for schema, table, relkind, name, definition in _rows(conn, query):
        parent = _relation(relkind, schema, table)
        hints = (("index", name), ("index", table))
        yield CatalogObject("index", _name(schema, name), definition, parent, hints)


def _policies(conn: psycopg.Connection) -> Iterator[CatalogObject]:
    query = f"""
        SELECT n.nspname, c.relname, c.relkind, p.polname, p.polpermissive, p.polcmd,
          ARRAY(SELECT CASE WHEN r = 0 THEN 'public' ELSE pg_get_userbyid(r)::text END
            FROM unnest(p.polroles) r ORDER BY 1),
          pg_get_expr(p.polqual, p.polrelid), pg_get_expr(p.polwithcheck, p.polrelid)
        FROM pg_policy p
          JOIN pg_class c ON c.oid = p.polrelid
          JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE {_USER_SCHEMA.format("n")}"""
    for schema, table, relkind, name, permissive, command, roles, using, check in _rows(conn, query):
        definition = f"AS {'PERMISSIVE' if permissive else 'RESTRICTIVE'} FOR {_POLICY_COMMANDS[command]} TO {', '.join(roles)}"
        if using is not None:
            definition += f" USING ({using})"
        if check is not None:
            definition += f" WITH CHECK ({check})"
        parent = _relation(relkind, schema, table)
        hints = (("policy", table, name), ("policy", name))
        yield CatalogObject("policy", f'"{name}" on {parent[1]}', definition, parent, hints)


def _functions(conn: psycopg.Connection) -> Iterator[CatalogObject]:
    query = f"""
        SELECT n.nspname, p.proname, p.prokind, pg_get_function_identity_arguments(p.oid),
          pg_get_functiondef(p.oid)
        FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE p.prokind <> 'a' AND {_USER_SCHEMA.format("n")}
          AND {_NOT_EXTENSION.format("pg_proc", "p")}"""
    for schema, name, prokind, arguments, definition in _rows(conn, query):
        kind = "procedure" if prokind == "p" else "function"
        yield CatalogObject(kind, f"{_name(schema, name)}({arguments})", definition, None, ((kind, name),))


def _triggers(conn: psycopg.Connection) -> Iterator[CatalogObject]:
    query = f"""
        SELECT n.nspname, c.relname, c.relkind, t.tgname, pg_get_triggerdef(t.oid, true),
          t.tgenabled
        FROM pg_trigger t
          JOIN pg_class c ON c.oid = t.tgrelid
          JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE NOT t.tgisinternal AND {_USER_SCHEMA.format("n")}"""
    for schema, table, relkind, name, definition, enabled in _rows(conn, query):
        if enabled == "D":
            definition += " (disabled)"
        parent = _relation(relkind, schema, table)
        yield CatalogObject("trigger", f"{name} on {parent[1]}", definition, parent, (("trigger", name),))


def _publications(conn: psycopg.Connection) -> Iterator[CatalogObject]:
    query = """
        SELECT pubname, puballtables, pubinsert, pubupdate, pubdelete, pubtruncate
        FROM pg_publication"""
    for name, all_tables, *actions in _rows(conn, query):
        published = ", ".join(action for action, on in zip(("insert", "update", "delete", "truncate"), actions, strict=True) if on)
        definition = ("FOR ALL TABLES " if all_tables else "") + f"WITH (publish = '{published}')"
        yield CatalogObject("publication", name, definition, None, (("publication", name),))
    query = """
        SELECT p.pubname, n.nspname, c.relname, c.relkind
        FROM pg_publication_rel r
          JOIN pg_publication p ON p.oid = r.prpubid
          JOIN pg_class c ON c.oid = r.prrelid
          JOIN pg_namespace n ON n.oid = c.relnamespace"""
    for publication, schema, table, relkind in _rows(conn, query):
        parent = _relation(relkind, schema, table)
        hints = (("publication", publication, table),)
        yield CatalogObject("publication member", f"{parent[1]} in {publication}", "member", parent, hints)
