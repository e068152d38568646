"""The bounded store that every cache of what was read from SQL text uses."""

from __future__ import annotations

from migration_lsp.sql.known import Known


def test_the_oldest_entries_go_past_the_size() -> None:
    known: Known[str, int] = Known(size=2)
    assert known.add("a", 1) == 1
    known.add("b", 2)
    known.add("c", 3)
    assert known.get_all(["a", "b", "c"]) == [None, 2, 3]
    known.update({"d": 4, "e": 5})
    assert known.get_all(["b", "c", "d", "e"]) == [None, None, 4, 5]


def test_forgotten_keys_go_now_and_unknown_ones_are_no_error() -> None:
    known: Known[str, int] = Known()
    known.update({"a": 1, "b": 2})
    known.forget(["a", "never"])
    assert known.get("a") is None and known["b"] == 2
