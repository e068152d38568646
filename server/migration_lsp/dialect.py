"""Which SQL dialect a literal is written in, and which platform a PostgreSQL app runs on.

Evidence comes in order: the file's imports and what its code says of Cloudflare D1, then the
nearest ``package.json`` (and beside it a Prisma schema or drizzle-kit config that names the
database, or a ``wrangler.toml`` for a D1 binding), then the SQL's own tokens.
With no evidence the answer is PostgreSQL on Supabase, the rulebook's dialect and platform.
Deno's ``npm:`` and ``jsr:`` specifiers name the same packages.
"""

from __future__ import annotations

import functools
import json
import re
from pathlib import Path
from typing import Iterator

DIALECTS = ("postgres", "sqlite", "mysql")
# The rulebook's: what a literal is checked as when nothing says otherwise.
DEFAULT_DIALECT, DEFAULT_PLATFORM = "postgres", "supabase"
_NAMES = {"postgres": "PostgreSQL", "sqlite": "SQLite", "mysql": "MySQL"}

# Module names (a prefix ending in "/" matches every module under it) → dialect.
_SQLITE_MODULES = (
    "better-sqlite3",
    "bun:sqlite",
    "node:sqlite",
    "sqlite3",
    "sqlite",
    "@libsql/client",
    "drizzle-orm/better-sqlite3",
    "drizzle-orm/libsql",
    "drizzle-orm/bun-sqlite",
    "drizzle-orm/d1",
    "drizzle-orm/sqlite-core",
    "drizzle-orm/expo-sqlite",
    "expo-sqlite",
    "@cloudflare/d1",
)
_MYSQL_MODULES = ("mysql2", "mysql2/promise", "mysql", "@planetscale/database", "drizzle-orm/mysql2", "drizzle-orm/mysql-core", "drizzle-orm/planetscale-serverless")
_POSTGRES_DRIVERS = (
    "pg",
    "postgres",
    "pg-promise",
    "@neondatabase/serverless",
    "@vercel/postgres",
    "@electric-sql/pglite",
    "drizzle-orm/node-postgres",
    "drizzle-orm/postgres-js",
    "drizzle-orm/neon-http",
    "drizzle-orm/neon-serverless",
    "drizzle-orm/pglite",
    "drizzle-orm/pg-core",
    "kysely-postgres-js",
)
_SUPABASE = "@supabase/"

# The patterns read whole documents on every keystroke: each word's first letter comes before
# its `\b` (`f(?<=\bf)rom` is `\bfrom`), since re looks for a pattern's first letter in C.
_IMPORT = re.compile(r"""(?:f(?<=\bf)rom\s*|i(?<=\bi)mport\s*\(?\s*|r(?<=\br)equire\s*\(\s*)["'](?:npm:|jsr:)?(@?[^"'@][^"']*?|@[^"']+?)(?:@[\d^~][^"'/]*)?["']""")
# Cloudflare D1 in the code: a binding typed as such, a name with D1 as one of its camelCase
# words (`executeD1Query`), its HTTP API's path, or a Worker's binding of one (`type: "d1"`);
# a bare `.exec`/`.prepare` says nothing (PGlite has them too). A lowercase `d1` is no D1: it
# is often a date.
_D1_CODE = re.compile(r"""D(?<=\bD)1Database\b|D(?<=[a-z]D)1[A-Z]|/d1/database\b|t(?<=\bt)ype\s*:\s*["']d1["']""")

_SQLITE_TOKENS = re.compile(r"\bAUTOINCREMENT\b|\bPRAGMA\b|\bWITHOUT\s+ROWID\b|\bINSERT\s+OR\s+(?:IGNORE|REPLACE)\b", re.I)
_MYSQL_TOKENS = re.compile(r"\bENGINE\s*=|\bAUTO_INCREMENT\b|`\w+`|\bON\s+DUPLICATE\s+KEY\b|\bINSERT\s+IGNORE\b", re.I)
# PostgreSQL's own: when they appear next to another dialect's tokens, the SQL is not sure.
_POSTGRES_TOKENS = re.compile(r"\bROW\s+LEVEL\s+SECURITY\b|\bCREATE\s+POLICY\b|\$\$|::|\bJSONB\b|\bTIMESTAMPTZ\b|\bBIGSERIAL\b|\bCREATE\s+EXTENSION\b", re.I)
# Comments and string constants say nothing about the dialect.
_NOT_CODE = re.compile(r"--[^\n]*|/\*.*?\*/|'(?:[^']|'')*'", re.S)
_SUPABASE_SQL = re.compile(r"\b(?:auth|storage)\s*\.|\bsupabase_realtime\b", re.I)

# An ORM's own config names the database: Prisma's schema in its default place, drizzle-kit's.
_PRISMA, _DRIZZLE = "prisma/schema.prisma", "drizzle.config.ts"
_PRISMA_PROVIDER = re.compile(r"""datasource\s+\w+\s*\{[^}]*?\bprovider\s*=\s*["'](\w+)["']""")
_DRIZZLE_DIALECT = re.compile(r"""\b(?:dialect|driver)\s*:\s*["']([\w-]+)["']""")
_ORM_DIALECTS = {
    "postgresql": "postgres",
    "postgres": "postgres",
    "pg": "postgres",
    "mysql": "mysql",
    "mysql2": "mysql",
    "sqlite": "sqlite",
    "turso": "sqlite",
    "libsql": "sqlite",
    "better-sqlite": "sqlite",
    "d1": "sqlite",
    "d1-http": "sqlite",
}


def describe(dialect: str, platform: str) -> str:
    """How a literal is checked, in words: "SQLite", "PostgreSQL on Supabase", …"""
    if dialect != "postgres":
        return _NAMES[dialect]
    return "PostgreSQL on Supabase" if platform == "supabase" else "plain PostgreSQL (platform none)"


@functools.lru_cache(maxsize=4)
def imported_modules(code: str) -> frozenset[str]:
    """The module names a TypeScript/JavaScript file's code imports or requires: read once per
    text, for its dialect and then its platform."""
    return frozenset(m.group(1) for m in _IMPORT.finditer(code))


def _dialect_of_modules(modules: set[str] | frozenset[str]) -> str | None:
    if any(m in _SQLITE_MODULES for m in modules):
        return "sqlite"
    if any(m in _MYSQL_MODULES for m in modules):
        return "mysql"
    if any(m in _POSTGRES_DRIVERS or m.startswith(_SUPABASE) for m in modules):
        return "postgres"
    return None


@functools.lru_cache(maxsize=4)
def _dialect_of_code(code: str) -> str | None:
    """What a file's code says of its dialect: read once per text, as typing in a literal
    leaves the code around it as it was."""
    found = _dialect_of_modules(imported_modules(code))
    if found is None and _D1_CODE.search(code):
        found = "sqlite"
    return found


def detect_dialect(setting: str, path: Path, code: str, sql: str, root: Path) -> str:
    """The dialect of a literal: ``setting`` unless it is ``auto``, else from the evidence: the
    file's ``code`` (its text around the literals, which typing in a literal leaves as it
    was), its project's packages, and the ``sql``."""
    if setting != "auto":
        return setting
    found = _dialect_of_code(code)
    if found is None:
        project = _project(path.parent, root)
        found = _dialect_of_modules(project.packages) or project.orm or ("sqlite" if project.d1 else None)
    if found is not None:
        return found
    for code, whole in _code_prefixes(sql):
        token = _POSTGRES_TOKENS.search(code)
        # In a prefix, a token that ends it may go on past it (`JSONB` of `JSONBX`).
        if token is not None and (whole or token.end() < len(code)):
            return "postgres"
    sql = code
    if _SQLITE_TOKENS.search(sql):
        return "sqlite"
    if _MYSQL_TOKENS.search(sql):
        return "mysql"
    return "postgres"


def _code_prefixes(sql: str) -> Iterator[tuple[str, bool]]:
    """Ever longer prefixes of ``sql`` with each comment and string constant made one space (as
    ``_NOT_CODE.sub`` makes them), each with whether it is the whole: most PostgreSQL shows one
    of its tokens in its first lines, and a keystroke should not blank out a whole literal."""
    pieces: list[str] = []
    pos, size = 0, 4096
    for m in _NOT_CODE.finditer(sql):
        pieces += (sql[pos : m.start()], " ")
        pos = m.end()
        if pos >= size:
            yield "".join(pieces), False
            size *= 8
    pieces.append(sql[pos:])
    yield "".join(pieces), True


def detect_platform(setting: str, dialect: str, path: Path, code: str, sqls: list[str], root: Path) -> str:
    """``none`` for plain PostgreSQL, only on positive evidence; SQLite and MySQL are always
    ``none``. ``code`` and ``sqls`` as for :func:`detect_dialect`."""
    if dialect != "postgres":
        return "none"
    if setting != "auto":
        return setting
    project = _project(path.parent, root)
    modules = imported_modules(code) | project.packages
    if any(m.startswith(_SUPABASE) for m in modules):
        return "supabase"
    # An ORM configured for PostgreSQL speaks to it with a driver of its own.
    if not any(m in _POSTGRES_DRIVERS for m in modules) and project.orm != "postgres":
        return "supabase"
    if any(_SUPABASE_SQL.search(sql) for sql in sqls):
        return "supabase"
    return "none"


class _Project:
    def __init__(self, packages: frozenset[str], d1: bool, orm: str | None) -> None:
        self.packages = packages
        self.d1 = d1
        self.orm = orm  # the dialect its Prisma schema or drizzle-kit config names


def _project(folder: Path, root: Path) -> _Project:
    """The dependencies of the nearest ``package.json`` at or above ``folder`` (not above ``root``)."""
    for d in (folder, *folder.parents):
        if (d / "package.json").is_file():
            return _read_project(d, _stamp(d))
        if d == root or root not in d.parents:
            break
    return _read_project(root, _stamp(root))


def _stamp(folder: Path) -> tuple[int, ...]:
    """When the evidence files last changed: an edited one (package.json, an ORM's config) is read again."""
    stamps = []
    for name in ("package.json", "wrangler.toml", "wrangler.json", "wrangler.jsonc", _PRISMA, _DRIZZLE):
        try:
            stamps.append((folder / name).stat().st_mtime_ns)
        except OSError:
            stamps.append(0)
    return tuple(stamps)


@functools.lru_cache(maxsize=256)
def _read_project(folder: Path, _stamp: tuple[int, ...]) -> _Project:
    packages: set[str] = set()
    try:
        data = json.loads((folder / "package.json").read_text(encoding="utf-8"))
    except (OSError, ValueError):
        data = {}
    if isinstance(data, dict):
        for key in ("dependencies", "devDependencies", "peerDependencies", "optionalDependencies"):
            deps = data.get(key)
            if isinstance(deps, dict):
                packages.update(str(k) for k in deps)
    return _Project(frozenset(packages), _has_d1(folder), _orm_dialect(folder))


def _has_d1(folder: Path) -> bool:
    """A Cloudflare Worker config that binds a D1 database."""
    for name in ("wrangler.toml", "wrangler.json", "wrangler.jsonc"):
        try:
            if "d1_databases" in (folder / name).read_text(encoding="utf-8"):
                return True
        except OSError:
            continue
    return False


def _orm_dialect(folder: Path) -> str | None:
    """The dialect that ``folder``'s Prisma schema or drizzle-kit config names, if one does."""
    for name, pattern in ((_PRISMA, _PRISMA_PROVIDER), (_DRIZZLE, _DRIZZLE_DIALECT)):
        try:
            text = (folder / name).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError):
            continue
        for found in pattern.finditer(text):  # drizzle-kit's driver may be one that names none
            if found.group(1).lower() in _ORM_DIALECTS:
                return _ORM_DIALECTS[found.group(1).lower()]
    return None


def clear_cache() -> None:
    _read_project.cache_clear()
