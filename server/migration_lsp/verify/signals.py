"""Ctrl-C and SIGTERM must not leave a PostgreSQL process or a scratch database behind."""

from __future__ import annotations

import signal
import threading
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

_SIGNALS = (signal.SIGINT, signal.SIGTERM)
Handlers = dict[int, Any]


def raise_on_termination() -> Handlers:
    """Make SIGINT/SIGTERM that would kill the process raise instead, so ``finally`` blocks run.

    Handlers someone else installed are left alone. Returns the handlers to put back.
    """
    if not _in_main_thread():
        return {}
    return {signum: signal.signal(signum, _raise) for signum in _SIGNALS if signal.getsignal(signum) is signal.SIG_DFL}


@contextmanager
def deferred_termination(restore: Handlers) -> Iterator[None]:
    """Let cleanup finish, then put ``restore`` back and deliver signals that arrived meanwhile."""
    if not _in_main_thread():
        yield
        return
    pending: list[int] = []
    held = {signum: signal.signal(signum, _postpone(pending)) for signum in _SIGNALS}
    try:
        yield
    finally:
        for signum in _SIGNALS:
            signal.signal(signum, restore.get(signum, held[signum]))
        for arrived in pending:
            signal.raise_signal(arrived)


def _postpone(pending: list[int]) -> Callable[[int, object], None]:
    def handler(signum: int, _frame: object) -> None:
        pending.append(signum)

    return handler


def _raise(signum: int, _frame: object) -> None:
    if signum == signal.SIGINT:
        raise KeyboardInterrupt
    raise SystemExit(128 + signum)


def _in_main_thread() -> bool:
    # Python only lets the main thread install signal handlers.
    return threading.current_thread() is threading.main_thread()
