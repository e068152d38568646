"""Proving a migration on a real, throwaway PostgreSQL.

The rulebook wants every migration to work on a fresh database, on an existing older one, and when
run twice. :func:`verify` runs those scenarios and returns what went wrong::

    verify(current: SqlSource, baselines: Sequence[SqlSource] = (), *,
           database_url: str | None = None, platform: str = "supabase",
           mode: str = "transaction", progress: Callable[[Step], None] | None = None,
           server: Server | None = None, time_limit: float = DEFAULT_TIME_LIMIT) -> list[VerifyProblem]

``current`` is the migration as it is now, ``baselines`` older versions of it (e.g. HEAD or files of
earlier migrations); each :class:`SqlSource` carries its text and the (start, end) offsets of its
top-level statements, so nothing here parses TypeScript or knows about editors.

Scenarios, each on a database of its own that starts with the platform's shims:

* ``fresh``: run current on an empty database.
* ``twice``: run it again; it must succeed and leave the schema as the first run did.
* ``upgrade:<label>``: run the baseline (a failure there is ``baseline:<label>``), fill every app
  table with a few rows, run current; no row may disappear and the schema must equal the fresh one.

Problems are ``verify-failed`` (PostgreSQL raised an error), ``upgrade-drift`` (a schema difference)
and ``data-lost``. Offsets point into ``current.sql``: PostgreSQL's error cursor when it gives one,
else the failing statement (or the failing line of a DO block), else the statement that names the
object concerned; None when nothing fits.

``mode="transaction"`` sends the whole text as one simple query, as an app does with the literal
(one implicit transaction); ``mode="statements"`` sends statement by statement in autocommit.
``platform="supabase"`` provides Supabase's roles, ``auth`` and ``storage`` schemas, realtime
publication and extensions; ``platform="none"`` a bare database.

Without ``database_url`` a private cluster is started from the local PostgreSQL installation and
removed afterwards (initdb runs once per installation: its output is kept in the user's cache folder
and copied); with one, scratch databases ``migration_lsp_verify_<random>`` are created there
and dropped. A long-lived caller passes an open :class:`Server` to keep the cluster and its template
databases between runs (it drops each run's databases after the run has returned)::

    with Server() as server:  # or Server(database_url)
        problems = verify(current, baselines, server=server)

The migration runs as a role of its own per scratch database, owning only that database: what
needs a superuser (``COPY PROGRAM``, file access, ``ALTER SYSTEM``, untrusted extensions, other
databases) fails as on a hosted platform. Each scenario gets ``time_limit`` seconds of wall-clock
time for all its sessions; then they are cancelled and ended from the administrative connection,
which the migration cannot prevent. Before each session the administrative connection opens the
database again (``ALLOW_CONNECTIONS``, ``CONNECTION LIMIT``, ``IS_TEMPLATE``) and resets the role's
password, which the migration, as their owner, could have changed.

``progress`` follows the work as :class:`Step` values: each scenario's actions as it runs them,
then its time and number of problems (and the same for the start of the private cluster).

Problems of the environment raise :class:`VerifyError` with a one-line message.

A SQLite migration is verified without PostgreSQL, on in-memory databases of Python's
``sqlite3``, by :func:`verify_sqlite` (see :mod:`migration_lsp.verify.sqlite`): the same
scenarios, sources and problems.
"""

from migration_lsp.verify.execute import MODES
from migration_lsp.verify.platforms import PLATFORMS
from migration_lsp.verify.scenarios import verify
from migration_lsp.verify.server import DEFAULT_TIME_LIMIT, Server
from migration_lsp.verify.sqlite import verify_sqlite
from migration_lsp.verify.values import SqlSource, Step, VerifyError, VerifyProblem

__all__ = [
    "DEFAULT_TIME_LIMIT",
    "MODES",
    "PLATFORMS",
    "Server",
    "SqlSource",
    "Step",
    "VerifyError",
    "VerifyProblem",
    "verify",
    "verify_sqlite",
]
