"""What older databases were built from, as plain data: the loading is in :mod:`migration_lsp.workspace.baselines`."""

from __future__ import annotations

from dataclasses import dataclass

from migration_lsp.migration import Migration


@dataclass(frozen=True, eq=False)
class Baseline:
    """One state older databases are in, and the migrations that built it."""

    label: str  # "HEAD", a short commit, or the baseline-sql patterns
    migrations: tuple[Migration, ...]
    per_file: bool  # git: each file has its own older version; SQL files stand in for every literal

    def matching(self, m: Migration) -> list[Migration]:
        """The migrations older databases ran where they now run ``m``."""
        if not self.per_file:
            return list(self.migrations)
        return [b for b in self.migrations if b.path == m.path and b.literal.name == m.literal.name]
