"""What the packaging tests share: where the repository is and what a build produced."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class Dist:
    source: Path  # the copy of the repository the build ran in
    sdist: Path
    wheel: Path
