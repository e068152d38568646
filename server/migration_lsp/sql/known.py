"""What was worked out from SQL text, kept by that text: the one bounded store every such cache
uses, from a statement's facts to what a rule reads of a run of statements."""

from __future__ import annotations

import threading
from itertools import repeat
from typing import Generic, Hashable, Iterable, Mapping, TypeVar

# How many entries each store keeps: more statements than a large workspace holds.
CACHE_SIZE = 20_000

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")


class Known(Generic[K, V]):
    """Values by key, oldest first, at most ``size`` of them.

    Reads take no lock (a dict lookup is atomic); writes take one, as the language server's
    worker and the command line's threads share the stores. A value must follow from its key
    alone: a text read again anywhere gives the same.
    """

    __slots__ = ("_items", "_lock", "_size")

    def __init__(self, size: int = CACHE_SIZE) -> None:
        self._items: dict[K, V] = {}
        self._lock = threading.Lock()
        self._size = size

    def __getitem__(self, key: K) -> V:
        """The value of ``key``; KeyError when none is kept."""
        return self._items[key]

    def get(self, key: K) -> V | None:
        return self._items.get(key)

    def get_all(self, keys: Iterable[K], missing: object = None) -> list[V | object]:
        """The value of each of ``keys``, or ``missing``, in one pass in C."""
        return list(map(self._items.get, keys, repeat(missing)))

    def add(self, key: K, value: V) -> V:
        """Keep ``value`` for ``key``, letting the oldest go past the size; ``value``."""
        with self._lock:
            self._items[key] = value
            if len(self._items) > self._size:
                del self._items[next(iter(self._items))]
        return value

    def update(self, items: Mapping[K, V]) -> None:
        with self._lock:
            self._items.update(items)
            while len(self._items) > self._size:
                del self._items[next(iter(self._items))]

    def forget(self, keys: Iterable[K]) -> None:
        """Let ``keys`` go now: texts an edit replaced, rather than kept until they are the oldest."""
        with self._lock:
            for key in keys:
                self._items.pop(key, None)
