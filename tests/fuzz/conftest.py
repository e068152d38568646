"""Property tests with Hypothesis: bounded and the same on every run unless asked otherwise.

The suite runs each property on a fixed number of examples drawn from a fixed seed
(``derandomize``), so a failure in CI fails the same way on a developer's machine. Setting
``MIGRATION_LSP_FUZZ_EXAMPLES=N`` runs every property on at least N examples, from a fresh
seed each time: a longer hunt for new failures, which Hypothesis prints with the
``@reproduce_failure`` line that replays them.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

# The server property drives the language server with the end-to-end tests' editor.
sys.path.insert(0, str(Path(__file__).parents[1] / "e2e" / "lsp"))

from fuzzing import EXAMPLES_VARIABLE, NODE, Node
from hypothesis import HealthCheck, Phase, settings

# Examples are whole checks of a file (or an editor session), much slower than Hypothesis
# expects; nothing is stored between runs, so the suite writes no database into the tree.
_COMMON = {"deadline": None, "database": None, "print_blob": True, "suppress_health_check": [HealthCheck.too_slow]}
# The suite does not shrink a failure: shrinking a slow example can take minutes. The failing
# example is printed as found, and replays the same with the long profile, which shrinks it.
settings.register_profile("suite", derandomize=True, phases=[Phase.explicit, Phase.reuse, Phase.generate], **_COMMON)
settings.register_profile("long", derandomize=False, **_COMMON)
settings.load_profile("long" if os.environ.get(EXAMPLES_VARIABLE, "").strip() else "suite")


@pytest.fixture(scope="module")
def node() -> Iterator[Node]:
    if NODE is None:
        pytest.skip("node is not installed")
    process = Node()
    try:
        yield process
    finally:
        process.close()
