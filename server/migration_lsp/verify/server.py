"""Where scenarios run: scratch databases on a private cluster, or on a server the user names."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from migration_lsp.verify.binaries import INSTALL_COMMANDS, find_bin_dir
from migration_lsp.verify.cluster import LocalCluster
from migration_lsp.verify.model import VerifyError, first_line
from migration_lsp.verify.platforms import Platform
from migration_lsp.verify.signals import (
    Handlers,
    deferred_termination,
    raise_on_termination,
)

SCRATCH_PREFIX = "migration_lsp_verify_"
# A migration that loops or waits on a lock must not hang the check forever.
_STATEMENT_TIMEOUT = "120s"


class Server:
    """A PostgreSQL to verify against, and the scratch databases made on it.

    Without ``database_url`` a private cluster is started in a temporary folder. With one, the only
    databases touched are those this object creates (``migration_lsp_verify_<random>``); the URL's
    own database serves for nothing but CREATE/DROP DATABASE. Platform roles it had to create are
    dropped again on :meth:`close`. Keep one open across runs to keep the cluster and a template
    database per platform: a run then only copies a template.
    """

    def __init__(
        self,
        database_url: str | None = None,
        *,
        bin_search_path: Sequence[str] | None = None,
        progress: Callable[[str], None] | None = None,
    ) -> None:
        self._url = database_url
        self._bin_search_path = bin_search_path
        self._progress = progress or (lambda _message: None)
        self._lock = threading.RLock()
        self._cluster: LocalCluster | None = None
        self._admin: psycopg.Connection | None = None
        self._admin_conninfo = ""
        self._restore: Handlers = {}
        self._templates: dict[str, str] = {}
        self._databases: set[str] = set()
        self._created_roles: set[str] = set()

    @property
    def cluster(self) -> LocalCluster | None:
        """The private cluster, when no database URL was given and the server is started."""
        return self._cluster

    def __enter__(self) -> Server:
        self.start()
        return self

    def __exit__(self, *_exc: object) -> None:
        self.close()

    def start(self) -> None:
        """Start the private cluster or connect to the URL; does nothing when already started."""
        with self._lock:
            if self._admin is not None:
                return
            self._restore = raise_on_termination()
            try:
                if self._url is None:
                    bin_dir = find_bin_dir(self._bin_search_path)
                    self._progress(f"starting a throwaway PostgreSQL from {bin_dir}")
                    self._cluster = LocalCluster(bin_dir)
                    self._admin_conninfo = self._cluster.start()
                else:
                    self._admin_conninfo = self._url
                self._admin = self._connect(self._admin_conninfo)
            except BaseException:
                self.close()
                raise

    def close(self) -> None:
        """Drop what was created and stop the private cluster, even when interrupted meanwhile."""
        with self._lock, deferred_termination(self._restore):
            self._restore = {}
            try:
                if self._cluster is None and self._admin is not None:
                    self._drop_leftovers()
            finally:
                admin, self._admin = self._admin, None
                if admin is not None:
                    admin.close()
                cluster, self._cluster = self._cluster, None
                if cluster is not None:
                    cluster.stop()
                self._templates.clear()
                self._databases.clear()

    @contextmanager
    def database(self, platform: Platform) -> Iterator[Scratch]:
        """A new database holding only ``platform``'s setup; dropped afterwards."""
        self.start()
        name = self._create_database(self._template(platform))
        try:
            yield Scratch(self, name, platform)
        finally:
            self._drop_database(name)

    def connect(self, database: str, platform: Platform) -> psycopg.Connection:
        """A new autocommit connection to one of this server's scratch databases."""
        conn = self._connect(make_conninfo(self._admin_conninfo, dbname=database))
        conn.execute("SELECT set_config('statement_timeout', %s, false)", (_STATEMENT_TIMEOUT,))
        if platform.search_path is not None:
            conn.execute("SELECT set_config('search_path', %s, false)", (platform.search_path,))
        return conn

    def _template(self, platform: Platform) -> str:
        with self._lock:
            if platform.name not in self._templates:
                name = self._create_database("template0")
                try:
                    with self.connect(name, platform) as conn:
                        missing = set(platform.roles) - _existing_roles(conn, platform.roles)
                        if platform.setup_sql:
                            conn.execute(platform.setup_sql)
                except psycopg.Error as error:
                    self._drop_database(name)
                    raise VerifyError(
                        f"cannot set up the {platform.name} platform in a scratch database: "
                        f"{first_line(error)}; to verify without it, set platform = \"none\" in the config"
                        " (on the command line: --platform none)"
                    ) from None
                self._templates[platform.name] = name
                if self._cluster is None:
                    self._created_roles |= missing
            return self._templates[platform.name]

    def _create_database(self, template: str) -> str:
        name = SCRATCH_PREFIX + secrets.token_hex(6)
        statement = sql.SQL("CREATE DATABASE {} TEMPLATE {}").format(
            sql.Identifier(name), sql.Identifier(template)
        )
        if template == "template0":
            # UTF-8, so that error positions (in characters) match Python string offsets.
            statement += sql.SQL(" ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'")
        with self._lock:
            admin = self._require_admin()
            try:
                admin.execute(statement)
            except psycopg.Error as error:
                raise VerifyError(
                    f"cannot create a scratch database: {first_line(error)}"
                ) from None
            self._databases.add(name)
        return name

    def _drop_database(self, name: str) -> None:
        with self._lock:
            admin = self._require_admin()
            try:
                admin.execute(_drop_statement(admin, name))
            except psycopg.Error as error:
                raise VerifyError(
                    f"cannot drop scratch database {name}: {first_line(error)}"
                ) from None
            self._databases.discard(name)

    def _drop_leftovers(self) -> None:
        try:
            for name in sorted(self._databases):
                self._drop_database(name)
            if self._created_roles:
                # Run from a database of our own: the URL's database only sees CREATE/DROP
                # DATABASE. No other database refers to the roles any more.
                name = self._create_database("template0")
                with self._connect(make_conninfo(self._admin_conninfo, dbname=name)) as conn:
                    roles = sql.SQL(", ").join(map(sql.Identifier, sorted(self._created_roles)))
                    conn.execute(sql.SQL("DROP ROLE IF EXISTS {}").format(roles))
                self._drop_database(name)
        except psycopg.Error as error:
            left = ", ".join(sorted(self._databases | self._created_roles))
            raise VerifyError(f"cannot drop {left}: {first_line(error)}") from None
        self._created_roles.clear()

    def _require_admin(self) -> psycopg.Connection:
        if self._admin is None:
            raise VerifyError("the verification server is closed")
        return self._admin

    def _connect(self, conninfo: str) -> psycopg.Connection:
        try:
            # No automatic prepared statements: they cannot hold several statements.
            return psycopg.connect(
                conninfo,
                autocommit=True,
                prepare_threshold=None,
                client_encoding="UTF8",
                connect_timeout=10,
            )
        except psycopg.Error as error:
            if self._url is None:
                raise VerifyError(
                    f"cannot connect to the throwaway PostgreSQL: {first_line(error)}"
                ) from None
            raise VerifyError(
                f"cannot connect to PostgreSQL at {_describe(conninfo)}: {first_line(error)}; "
                f"check --database-url, or {INSTALL_COMMANDS} and leave --database-url out to use "
                "a throwaway local server"
            ) from None


class Scratch:
    """A scratch database. Each run gets a connection of its own, as each run of an app does."""

    def __init__(self, server: Server, name: str, platform: Platform) -> None:
        self.server = server
        self.name = name
        self.platform = platform

    def connect(self) -> psycopg.Connection:
        return self.server.connect(self.name, self.platform)


def _drop_statement(admin: psycopg.Connection, name: str) -> sql.Composed:
    # FORCE (PostgreSQL 13+) ends connections a failed run may have left behind.
    force = " WITH (FORCE)" if admin.info.server_version >= 130000 else ""
    return sql.SQL("DROP DATABASE IF EXISTS {}" + force).format(sql.Identifier(name))


def _existing_roles(conn: psycopg.Connection, roles: tuple[str, ...]) -> set[str]:
    rows = conn.execute("SELECT rolname FROM pg_roles WHERE rolname = ANY(%s)", (list(roles),))
    return {role for (role,) in rows}


def _describe(conninfo: str) -> str:
    """Where a conninfo points, without its password."""
    try:
        params = conninfo_to_dict(conninfo)
    except psycopg.Error:
        return "the given database URL"
    host = str(params.get("host") or "localhost")
    port = f":{params['port']}" if params.get("port") else ""
    return f"{host}{port}/{params.get('dbname') or params.get('user') or ''}"
