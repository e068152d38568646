"""The builder's handler table: every statement kind is either built or deliberately not."""

from __future__ import annotations

from migration_lsp.model.build import _KEYS, _Builder
from migration_lsp.model.schema import Schema
from migration_lsp.sql.facts import Kind

# The kinds that change nothing the model holds, and why.
BUILDS_NOTHING = {
    Kind.UNKNOWN: "not read past its first word",
    Kind.EMPTY: "only comments",
    Kind.UNREAD: "past the nesting the reader follows",
    Kind.CREATE: "an object the model does not hold (a role, a rule, a server …)",
    Kind.CREATE_EXTENSION: "the model holds no extensions",
    Kind.CREATE_SCHEMA: "a schema is only the first part of a name",
    Kind.CREATE_SEQUENCE: "the model holds no sequences",
    Kind.CREATE_TYPE: "the model holds no types",
    Kind.CREATE_DOMAIN: "the model holds no domains",
    Kind.ALTER: "an object the model does not hold",
    Kind.COMMENT: "the model holds no comments",
    Kind.TRUNCATE: "rows, not schema",
    Kind.GRANT: "the model holds no privileges",
    Kind.REVOKE: "the model holds no privileges",
    Kind.DO: "the statements it runs are replayed on their own",
    Kind.SELECT: "rows, not schema",
    Kind.INSERT: "rows, not schema",
    Kind.UPDATE: "rows, not schema",
    Kind.DELETE: "rows, not schema",
    Kind.MERGE: "rows, not schema",
    Kind.DML: "rows, not schema",
    Kind.BEGIN: "transaction control",
    Kind.START: "transaction control",
    Kind.COMMIT: "transaction control",
    Kind.END: "transaction control",
    Kind.ROLLBACK: "transaction control",
    Kind.ABORT: "transaction control",
    Kind.SAVEPOINT: "transaction control",
    Kind.RELEASE: "transaction control",
}


def test_every_kind_is_built_or_listed_as_building_nothing() -> None:
    handled = set(_Builder(Schema(), [])._handlers)
    assert handled.isdisjoint(BUILDS_NOTHING)
    assert handled | set(BUILDS_NOTHING) == set(Kind)


def test_every_kind_built_says_what_it_touches() -> None:
    """A build after an edit replays a statement with those that share a table with it: each
    kind the builder handles needs its keys."""
    assert set(_KEYS) == set(_Builder(Schema(), [])._handlers)
