"""Where scenarios run: scratch databases on a private cluster, or on a server the user names."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from contextlib import AbstractContextManager, contextmanager
from dataclasses import dataclass
from typing import Any

import psycopg
from psycopg import sql
from psycopg.conninfo import conninfo_to_dict, make_conninfo

from migration_lsp.verify.binaries import INSTALL_COMMANDS, find_bin_dir
from migration_lsp.verify.cluster import LocalCluster
from migration_lsp.verify.platforms import Platform
from migration_lsp.verify.signals import (
    Handlers,
    deferred_termination,
    raise_on_termination,
)
from migration_lsp.verify.values import Step, VerifyError, first_line

SCRATCH_PREFIX = "migration_lsp_verify_"
# A migration that loops, sleeps or waits on a lock must not hang the check: the sessions of a
# scenario are cancelled, then ended, from the administrative side once this has passed.
DEFAULT_TIME_LIMIT = 120.0
_GRACE = 1.0  # between the cancel and the end of a session that caught it
# Everything a hosted platform withholds from the role migrations run as.
_UNPRIVILEGED = "NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS"


@dataclass(frozen=True)
class _Role:
    name: str
    password: str


@dataclass(frozen=True)
class Deadline:
    """The wall-clock limit of one scenario, shared by all of its sessions."""

    scenario: str
    limit: float  # seconds
    at: float  # time.monotonic() when it passes
    expired: threading.Event

    @staticmethod
    def start(scenario: str, limit: float) -> Deadline:
        return Deadline(scenario, limit, time.monotonic() + limit, threading.Event())


@dataclass(frozen=True)
class _Template:
    database: str
    owner: _Role  # owns every object in it; each copy hands them to its own role


class Server:
    """A PostgreSQL to verify against, and the scratch databases and roles made on it.

    Without ``database_url`` a private cluster is started in a temporary folder. With one, the only
    databases and roles touched are those this object creates (``migration_lsp_verify_<random>``);
    the URL's own database serves for nothing but creating and dropping them (its role needs
    CREATEDB and CREATEROLE). Migrations run as a role of their own per scratch database that
    owns that database and nothing else: no superuser, no CREATEDB, no CREATEROLE. The sessions
    of a scenario are stopped when its :class:`Deadline` passes. Keep one open across runs to
    keep the cluster and a template database per platform: a run then only copies a template, and
    its databases and roles are dropped on a thread of its own once it has returned (see
    :meth:`wait_for_clean_up`).

    ``one_run``: the server is closed once the run that opened it ends, so each database is set up
    on its own (no template to copy), and on a private cluster left for the removal of the whole
    cluster rather than dropped first.
    """

    def __init__(
        self,
        database_url: str | None = None,
        *,
        bin_search_path: Sequence[str] | None = None,
        progress: Callable[[Step], None] | None = None,
        one_run: bool = False,
    ) -> None:
        self._url = database_url
        self._one_run = one_run
        self._bin_search_path = bin_search_path
        self._progress = progress or (lambda _step: None)
        self._lock = threading.RLock()
        self._cluster: LocalCluster | None = None
        self._admin: psycopg.Connection | None = None
        self._admin_conninfo = ""
        self._restore: Handlers = {}
        self._templates: dict[str, _Template] = {}
        self._databases: set[str] = set()
        self._roles: set[str] = set()  # per-run roles, template owners, platform roles it made
        self._clean_up: ThreadPoolExecutor | None = None  # a kept server's drops, after the run
        self._closed = False  # for good: a scenario still running on another thread must not start it again

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
            if self._closed:
                raise VerifyError("the verification server is closed")
            self._restore = raise_on_termination()
            try:
                if self._url is None:
                    bin_dir = find_bin_dir(self._bin_search_path)
                    started = time.monotonic()
                    self._progress(Step("cluster", f"starting a throwaway PostgreSQL from {bin_dir}"))
                    self._cluster = LocalCluster(bin_dir)
                    self._admin_conninfo = self._cluster.start()
                    self._admin = self._connect(self._admin_conninfo)
                    self._progress(Step("cluster", seconds=time.monotonic() - started))
                else:
                    self._admin_conninfo = self._url
                    self._admin = self._connect(self._admin_conninfo)
            except BaseException:
                self._shut()  # not for good: a later run may find the PostgreSQL it lacked
                raise

    def close(self) -> None:
        """Drop what was created and stop the private cluster, even when interrupted meanwhile; for good."""
        with self._lock:
            self._closed = True
        try:
            self.wait_for_clean_up()
        finally:
            with self._lock:
                self._shut()

    def wait_for_clean_up(self) -> None:
        """Return once the scratch databases and roles of the runs that ended are dropped.

        A kept server drops them on a thread of its own, after the run has returned its problems.
        """
        with self._lock:
            clean_up, self._clean_up = self._clean_up, None
        if clean_up is not None:
            # Outside the lock, which the drops take.
            clean_up.shutdown(wait=True)

    def _shut(self) -> None:
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
                self._roles.clear()

    @contextmanager
    def database(self, platform: Platform) -> Iterator[Scratch]:
        """A new database holding only ``platform``'s setup, owned by a new role; both dropped after."""
        self.start()
        # A template pays for itself when it is copied run after run; one run sets up each database itself.
        template = None if self._one_run else self._template(platform)
        role = self._create_role(platform)
        name = ""
        try:
            if template is None:
                name = self._create_database("template0", role)
                self._set_up(name, role, platform)
            else:
                name = self._create_database(template.database, role)
                self._adopt(name, template.owner, role)
            yield Scratch(self, name, platform, role)
        finally:
            if not self._one_run:
                self._discard_later(name, role)
            elif self._url is not None:
                # A private cluster about to be removed takes its databases with it.
                self._discard(name, role)

    @contextmanager
    def session(self, database: str, role: _Role, platform: Platform, deadline: Deadline) -> Iterator[psycopg.Connection]:
        """An autocommit connection as ``role``, stopped from outside when ``deadline`` passes."""
        self._reopen(database, role)
        conninfo = make_conninfo(self._admin_conninfo, dbname=database, user=role.name, password=role.password)
        conn = self._connect(conninfo)
        watchdog = _Watchdog(self._admin_conninfo, conn.info.backend_pid, deadline)
        try:
            if platform.search_path is not None:
                conn.execute("SELECT set_config('search_path', %s, false)", (platform.search_path,))
            yield conn
        finally:
            watchdog.stop()
            conn.close()

    def _discard(self, database: str, role: _Role) -> None:
        if database:
            self._drop_database(database)
        self._drop_roles([role.name])

    def _discard_later(self, database: str, role: _Role) -> None:
        """Drop a database and its role on the clean-up thread: the run need not wait for it."""
        with self._lock:
            if self._closed:
                return  # closing drops what is left (a private cluster goes whole)
            if self._clean_up is None:
                self._clean_up = ThreadPoolExecutor(1, thread_name_prefix="verify clean-up")
            self._clean_up.submit(self._discard_quietly, database, role)

    def _discard_quietly(self, database: str, role: _Role) -> None:
        try:
            self._discard(database, role)
        except VerifyError:
            # Nobody to tell on this thread; both stay listed, and closing tries again.
            pass

    def _template(self, platform: Platform) -> _Template:
        with self._lock:
            if platform.name not in self._templates:
                owner = self._create_role(platform)
                name = self._create_database("template0", owner)
                try:
                    self._set_up(name, owner, platform)
                except VerifyError:
                    self._drop_database(name)
                    self._drop_roles([owner.name])
                    raise
                # Its owner's objects go to each copy's role; the database itself must not.
                self._admin_execute(sql.SQL("ALTER DATABASE {} OWNER TO CURRENT_USER").format(sql.Identifier(name)))
                self._templates[platform.name] = _Template(name, owner)
            return self._templates[platform.name]

    def _set_up(self, database: str, owner: _Role, platform: Platform) -> None:
        """Run the platform's setup in a new database, as the role that owns it."""
        try:
            setup = Deadline.start("setup", DEFAULT_TIME_LIMIT)
            with self.session(database, owner, platform, setup) as conn:
                if platform.setup_sql:
                    conn.execute(platform.setup_sql)
        except psycopg.Error as error:
            raise VerifyError(
                f"cannot set up the {platform.name} platform in a scratch database: "
                f'{first_line(error)}; to verify without it, set platform = "none" in the config'
                " (on the command line: --platform none)"
            ) from None

    def _create_role(self, platform: Platform) -> _Role:
        """A login role with no privilege beyond the platform's roles, which it is a member of."""
        role = _Role(SCRATCH_PREFIX + secrets.token_hex(6), secrets.token_urlsafe(24))
        with self._lock:
            admin = self._require_admin()
            self._create_platform_roles(platform)
            try:
                admin.execute(sql.SQL("CREATE ROLE {} LOGIN " + _UNPRIVILEGED + " PASSWORD {}").format(sql.Identifier(role.name), sql.Literal(role.password)))
                self._roles.add(role.name)
                if not _is_superuser(admin):
                    # Creating its databases for it, and stopping its sessions, take membership.
                    admin.execute(sql.SQL("GRANT {} TO CURRENT_USER").format(sql.Identifier(role.name)))
            except psycopg.Error as error:
                raise VerifyError(f"cannot create a role to run the migration as: {first_line(error)}; the database URL's role needs CREATEROLE and CREATEDB") from None
            for member_of in platform.roles:
                try:
                    admin.execute(sql.SQL("GRANT {} TO {}").format(sql.Identifier(member_of), sql.Identifier(role.name)))
                except psycopg.errors.InsufficientPrivilege:
                    # A platform role someone else administers: the migration may not act as it.
                    pass
        return role

    def _create_platform_roles(self, platform: Platform) -> None:
        admin = self._require_admin()
        for role in set(platform.roles) - _existing_roles(admin, platform.roles):
            admin.execute(sql.SQL("CREATE ROLE {} NOLOGIN NOINHERIT").format(sql.Identifier(role)))
            self._roles.add(role)

    def _create_database(self, template: str, owner: _Role) -> str:
        name = SCRATCH_PREFIX + secrets.token_hex(6)
        statement = sql.SQL("CREATE DATABASE {} TEMPLATE {} OWNER {}").format(sql.Identifier(name), sql.Identifier(template), sql.Identifier(owner.name))
        if template == "template0":
            # UTF-8, so that error positions (in characters) match Python string offsets.
            statement += sql.SQL(" ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'")
        with self._lock:
            try:
                self._require_admin().execute(statement)
            except psycopg.Error as error:
                raise VerifyError(f"cannot create a scratch database: {first_line(error)}") from None
            self._databases.add(name)
        return name

    def _adopt(self, database: str, template_owner: _Role, role: _Role) -> None:
        """Give the copy's objects to its own role, before any migration runs there."""
        owner, new = sql.Identifier(template_owner.name), sql.Identifier(role.name)
        conn = self._connect(make_conninfo(self._admin_conninfo, dbname=database))
        # Short of superuser, a new owner needs the old one's CREATE on the schemas, for now.
        with conn, conn.transaction():
            conn.execute(sql.SQL("GRANT {} TO {}").format(owner, new))
            conn.execute(sql.SQL("REASSIGN OWNED BY {} TO {}").format(owner, new))
            conn.execute(sql.SQL("REVOKE {} FROM {}").format(owner, new))

    def _reopen(self, database: str, role: _Role) -> None:
        """Undo what the database's owner may do to keep the next session out, or to stay around.

        The migration owns its database and its role: it can close the database to connections,
        make it a template (which cannot be dropped) and change its own password.
        """
        with self._lock:
            try:
                self._admin_execute(sql.SQL("ALTER DATABASE {} WITH ALLOW_CONNECTIONS true CONNECTION LIMIT -1 IS_TEMPLATE false").format(sql.Identifier(database)))
                self._admin_execute(sql.SQL("ALTER ROLE {} PASSWORD {}").format(sql.Identifier(role.name), sql.Literal(role.password)))
            except psycopg.Error as error:
                raise VerifyError(f"cannot reset scratch database {database}: {first_line(error)}") from None

    def _drop_database(self, name: str) -> None:
        """Drop a scratch database, whatever the migration did to it or to our sessions."""
        with self._lock:
            try:
                if self._admin_execute(_IS_TEMPLATE, (name,)).fetchone():
                    # A template cannot be dropped.
                    self._admin_execute(sql.SQL("ALTER DATABASE {} IS_TEMPLATE false").format(sql.Identifier(name)))
                self._admin_execute(_drop_statement(self._require_admin(), name))
            except psycopg.Error as error:
                raise VerifyError(f"cannot drop scratch database {name}: {first_line(error)}") from None
            self._databases.discard(name)

    def _drop_roles(self, names: Iterable[str]) -> None:
        with self._lock:
            for name in sorted(names):
                try:
                    self._admin_execute(sql.SQL("DROP ROLE IF EXISTS {}").format(sql.Identifier(name)))
                except psycopg.Error as error:
                    raise VerifyError(f"cannot drop role {name}: {first_line(error)}") from None
                self._roles.discard(name)

    def _drop_leftovers(self) -> None:
        for name in sorted(self._databases):
            self._drop_database(name)
        # Per-run roles and template owners first: they are members of the platform roles.
        self._drop_roles(sorted(self._roles, key=lambda name: not name.startswith(SCRATCH_PREFIX)))

    def _admin_execute(self, statement: Any, params: Sequence[Any] | None = None) -> psycopg.Cursor:
        """Run on the administrative connection, opening it again if a migration ended it."""
        with self._lock:
            try:
                return self._require_admin().execute(statement, params)
            except psycopg.OperationalError:
                admin = self._require_admin()
                if not (admin.broken or admin.closed):
                    raise
                self._admin = self._connect(self._admin_conninfo)
                return self._admin.execute(statement, params)

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
                raise VerifyError(f"cannot connect to the throwaway PostgreSQL: {first_line(error)}") from None
            raise VerifyError(
                f"cannot connect to PostgreSQL at {_describe(conninfo)}: {first_line(error)}; check --database-url, or {INSTALL_COMMANDS} and leave --database-url out to use a throwaway local server"
            ) from None


class Scratch:
    """A scratch database. Each run gets a connection of its own, as each run of an app does."""

    def __init__(self, server: Server, name: str, platform: Platform, role: _Role) -> None:
        self.server = server
        self.name = name
        self.platform = platform
        self.role = role
        self.deadline = Deadline.start("", DEFAULT_TIME_LIMIT)

    def begin(self, scenario: str, limit: float) -> None:
        """Start ``scenario``'s clock: from now on, its sessions together get ``limit`` seconds."""
        self.deadline = Deadline.start(scenario, limit)

    @property
    def expired(self) -> bool:
        """Whether a session of the current scenario ran past its limit and was stopped."""
        return self.deadline.expired.is_set()

    def connect(self) -> AbstractContextManager[psycopg.Connection]:
        """A session as the database's own role, closed when the ``with`` block ends."""
        return self.server.session(self.name, self.role, self.platform, self.deadline)


class _Watchdog:
    """Cancels a session when its deadline passes, then ends it: nothing it runs can lift this."""

    def __init__(self, admin_conninfo: str, pid: int, deadline: Deadline) -> None:
        self._conninfo = admin_conninfo
        self._pid = pid
        self._expired = deadline.expired
        self._done = threading.Event()
        self._timer = threading.Timer(max(0.0, deadline.at - time.monotonic()), self._fire)
        self._timer.daemon = True
        self._timer.start()

    def stop(self) -> None:
        self._done.set()
        self._timer.cancel()

    def _fire(self) -> None:
        self._expired.set()
        try:
            with psycopg.connect(self._conninfo, autocommit=True, connect_timeout=10) as admin:
                admin.execute("SELECT pg_cancel_backend(%s)", (self._pid,))
                # An exception handler can catch the cancel; it cannot catch the end.
                if not self._done.wait(_GRACE):
                    admin.execute("SELECT pg_terminate_backend(%s)", (self._pid,))
        except psycopg.Error:
            # The session is gone already, or the server is: either way nothing runs any more.
            pass


_IS_TEMPLATE = "SELECT true FROM pg_database WHERE datname = %s AND datistemplate"


def _is_superuser(conn: psycopg.Connection) -> bool:
    return conn.info.parameter_status("is_superuser") == "on"


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
