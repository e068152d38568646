"""The compiled methods of dataclasses and attrs classes, kept from one start to the next."""

from __future__ import annotations
import __future__

import builtins
import dataclasses
import importlib.util
import marshal
import sys
from pathlib import Path
from types import ModuleType
from typing import Callable, TypeVar

import attrs
import pytest
from attr import _make as attrs_make

from migration_lsp import codecache
from migration_lsp.caches import user_cache

T = TypeVar("T")


@pytest.fixture
def folder(tmp_path, monkeypatch) -> Path:
    """This test's own cache; the file the compiled code goes in."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path / "migration-lsp" / "code" / f"test-{sys.implementation.cache_tag}.marshal"


def _define() -> type:
    """A class as lsprotocol writes them (its methods' file name is the same at each call)."""

    @attrs.define
    class Position:
        line: int
        character: int = 0

    return Position


def _two_starts(folder: Path, monkeypatch: pytest.MonkeyPatch, define: Callable[[], T], attrs: ModuleType | None = None) -> tuple[T, T, list[str]]:
    """What ``define`` makes at a first start and at a second, and the file names the second
    compiled code for; the second must not write the file again."""
    with codecache.compiled_once("test", attrs):
        first = define()
    saved = folder.read_bytes()
    compiled: list[str] = []
    real = builtins.compile

    def counted(source, filename, *args, **kwargs):
        compiled.append(filename)
        return real(source, filename, *args, **kwargs)

    monkeypatch.setattr(builtins, "compile", counted)
    with codecache.compiled_once("test", attrs):
        again = define()
    monkeypatch.undo()
    assert folder.read_bytes() == saved  # nothing new: not written again
    return first, again, compiled


def test_a_start_takes_the_methods_the_last_one_compiled_and_they_work_the_same(folder, monkeypatch):
    first, again, compiled = _two_starts(folder, monkeypatch, _define, attrs_make)
    assert [name for name in compiled if "Position" in name] == []
    for cls in (first, again):
        p = cls(3)
        assert (p.line, p.character, repr(p)) == (3, 0, "Position(line=3, character=0)")
        assert p == cls(3, 0) and p != cls(3, 1)
        with pytest.raises(AttributeError):
            p.other = 1  # slotted, as without the cache


def test_attrs_and_dataclasses_are_left_as_they_were_once_the_modules_are_loaded():
    with codecache.compiled_once("test", attrs_make):
        assert "compile" in vars(attrs_make) and "exec" in vars(dataclasses)
    assert "compile" not in vars(attrs_make) and "exec" not in vars(dataclasses)


def test_the_flags_are_those_compile_takes_from_its_caller(folder):
    cache = codecache._Cache(folder)
    callers = {}
    for future in (False, True):
        flags = __future__.annotations.compiler_flag if future else 0
        namespace: dict = {}
        exec(builtins.compile("def call(c, s, f):\n    return c(s, f, 'exec')\n", "<caller>", "exec", flags, True), namespace)
        callers[future] = namespace["call"]
    source = "def f(x: undefined) -> None: pass\n"
    for future, call in callers.items():
        cached, plain = call(cache.compile, source, f"<f {future}>"), call(builtins.compile, source, f"<f {future}>")
        assert cached.co_flags == plain.co_flags
        assert bool(cached.co_flags & __future__.annotations.compiler_flag) is future


def test_a_source_that_changes_at_every_start_is_found_out_and_no_longer_written(folder):
    assert user_cache("code") == folder.parent
    writes = []
    for start in range(5):
        cache = codecache._Cache(folder)
        cache.compile("x = 1\n", "<steady>", "exec")
        cache.compile(f"salt = {start}\n", "<salted>", "exec")
        before = folder.read_bytes() if folder.exists() else None
        cache.save()
        writes.append(folder.read_bytes() != before)
    # Written at the first start, when it changed (an upgrade, maybe), when it changed again
    # (so at every start): not after.
    assert writes == [True, True, True, False, False]
    cache = codecache._Cache(folder)
    assert "<salted>" in cache.volatile and "<steady>" in cache.known and "<salted>" not in cache.known


@pytest.mark.parametrize(
    "content",
    [
        b"",
        b"not marshal data",
        b"\x00" * 64,
        marshal.dumps(((1, importlib.util.MAGIC_NUMBER), {"<attrs generated methods x>": (b"digest", "not code")}, set(), set())),
    ],
)
def test_a_file_that_cannot_be_read_is_not_used_and_written_again(folder, content):
    assert user_cache("code") == folder.parent
    folder.write_bytes(content)
    with codecache.compiled_once("test", attrs_make):
        cls = _define()
    assert cls(1).line == 1
    assert codecache._Cache(folder).known  # written again, whole


def test_a_file_of_another_interpreter_is_not_used(folder, monkeypatch):
    with codecache.compiled_once("test", attrs_make):
        _define()
    monkeypatch.setattr(codecache, "_HEADER", (1, b"\x00\x00\r\n"))
    assert codecache._Cache(folder).known == {}


def test_without_a_cache_folder_to_trust_the_server_compiles_as_always(folder):
    assert user_cache("code") == folder.parent
    folder.parent.chmod(0o777)
    try:
        with codecache.compiled_once("test", attrs_make):
            cls = _define()
    finally:
        folder.parent.chmod(0o700)
    assert cls(2).line == 2
    assert not folder.exists()


def _dataclasses() -> tuple[type, type]:
    """Dataclasses with what this package uses: defaults, factories, frozen, slots, order,
    keyword-only fields, ``InitVar`` and ``__post_init__``."""

    @dataclasses.dataclass(frozen=True, slots=True, order=True)
    class Name:
        name: str
        schema: str | None = None

    @dataclasses.dataclass(eq=False, kw_only=True)
    class Table:
        name: Name
        columns: list[str] = dataclasses.field(default_factory=list)
        width: dataclasses.InitVar[int] = 0
        wide: bool = dataclasses.field(default=False, init=False, repr=False)

        def __post_init__(self, width: int) -> None:
            self.wide = width > 3

    return Name, Table


def test_a_start_takes_the_dataclass_methods_the_last_one_compiled_and_they_work_the_same(folder, monkeypatch):
    plain = _dataclasses()
    first, again, compiled = _two_starts(folder, monkeypatch, _dataclasses)
    assert compiled == []
    for Name, Table in (plain, first, again):
        a, b = Name("t"), Name("u")
        assert (repr(a).rpartition(".")[2], a == Name("t"), a < b, hash(a) == hash(Name("t"))) == ("Name(name='t', schema=None)", True, True, True)
        with pytest.raises(dataclasses.FrozenInstanceError):
            a.name = "u"  # type: ignore[misc]
        with pytest.raises((AttributeError, TypeError)):
            a.other = 1  # type: ignore[attr-defined]
        t = Table(name=a, width=5)
        assert (t.columns, t.wide, repr(t).replace("_dataclasses.<locals>.", "")) == ([], True, "Table(name=Name(name='t', schema=None), columns=[])")
        assert Table(name=a).columns is not t.columns and t != Table(name=a, width=5)
        with pytest.raises(TypeError):
            Table(a)  # type: ignore[misc]  # keyword-only


def test_exec_without_namespaces_runs_in_the_callers_as_the_builtin_does(folder):
    cache = codecache._Cache(folder)
    given: dict = {}
    cache.exec("x = 1\n", given)
    assert given["x"] == 1

    def caller() -> int:
        found: dict = {}
        cache.exec("found['y'] = 2\n")
        return found["y"]

    assert caller() == 2
