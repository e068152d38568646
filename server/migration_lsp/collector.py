"""The cyclic garbage collector, held back while objects that live as long as the program are made."""

from __future__ import annotations

import contextlib
import gc
from typing import Iterator


@contextlib.contextmanager
def uncollected() -> Iterator[None]:
    """No cyclic collection inside: what is made there lives as long as the program and holds
    next to no garbage, and the collector would go through all of it again and again as it
    grows. Afterwards it is out of the collector's sight, and the collector is left on or off
    as it was."""
    collecting = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        gc.freeze()
        if collecting:
            gc.enable()
