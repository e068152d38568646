"""What older databases were built from, as plain data: the loading is in :mod:`migration_lsp.workspace.baselines`."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property

from migration_lsp.migration import Migration
from migration_lsp.model.build import build_schema
from migration_lsp.model.schema import Schema


@dataclass(frozen=True, eq=False)
class Baseline:
    """One state older databases are in, and the migrations that built it."""

    label: str  # "HEAD", a short commit, or the baseline-sql patterns
    migrations: tuple[Migration, ...]
    per_file: bool  # git: each file has its own older version; SQL files stand in for every literal

    @cached_property
    def schema(self) -> Schema:
        """The database built from the baseline alone: built once, while every check replays the
        current migrations over a copy of it (the baseline does not change while the user types)."""
        return build_schema(self.migrations)

    def matching(self, m: Migration) -> list[Migration]:
        """The migrations older databases ran where they now run ``m``."""
        if not self.per_file:
            return list(self.migrations)
        return [b for b in self.migrations if b.path == m.path and b.literal.name == m.literal.name]
