"""The methods dataclasses and attrs write, compiled once, not at every start.

dataclasses and attrs write each class's methods (``__init__``, ``__eq__``, ``__repr__``…) as
Python source and compile it when the class is defined. The modules a check loads make some
350 methods of dataclasses, the server loads lsprotocol's hundreds of attrs classes as well,
and compiling those methods is a sixth of the time a ``--check`` of one file takes and a fifth
of the time from the server's start to its first diagnostics. That code depends only
on its source and on the interpreter, as a module's bytecode does, so it is kept in the user's
cache (``code``, see :mod:`migration_lsp.caches`), as Python keeps a module's, and the next
start loads it.

Code is taken from the cache only if its source is the same, to the byte (by a digest of it,
with the compiler flags). attrs names the file of each class's methods (one per class): a
source that changed under a name it had at the last start (an upgrade of lsprotocol) is
compiled again and saved; one that changes at every start (attrs salts a hashed class's
``__hash__`` with a hash of a string, which differs from one process to the next) is found
out when it changed at two starts in a row, and no longer saved. dataclasses gives its code no
name of its own: it is known by the digest alone. What a start did not ask for is left out
when the file is written again, so each use (see :func:`compiled_once`) has a file of its own.
The file is written whole under a temporary name and renamed into place; one that cannot be
read, or was written by another interpreter, is not used, and one that cannot be written is
not written: the program starts either way.
"""

from __future__ import annotations
import __future__

import builtins
import contextlib
import dataclasses
import hashlib
import importlib.util
import marshal
import os
import sys
from pathlib import Path
from types import CodeType, ModuleType
from typing import Any, Iterator

from migration_lsp.caches import user_cache

# The compiler flags that `from __future__` imports set: what ``compile`` inherits from its caller.
_FUTURE_FLAGS = 0
for _feature in __future__.all_feature_names:
    _FUTURE_FLAGS |= getattr(__future__, _feature).compiler_flag

# What the file starts with: a file of another layout or interpreter is not read.
_HEADER = (1, importlib.util.MAGIC_NUMBER)

_Entries = dict[str, tuple[bytes, CodeType]]  # name → (digest of the source, its code)


class _Cache:
    """One start's compilations, served from the last start's where the source is the same."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.known, self.changed, self.volatile = _read(path)
        self.now: _Entries = {}  # what this start compiled or took, by name
        self.now_changed: set[str] = set()  # names whose source changed since the last start
        self.dirty = False  # whether the file should be written again

    def compile(self, source: Any, filename: Any, mode: str, flags: int = 0, dont_inherit: bool = False, *more: Any, **named: Any) -> Any:
        """``compile``, as attrs calls it, from the cache when it can."""
        if more or named or mode != "exec" or not isinstance(source, str) or not isinstance(filename, str):
            return builtins.compile(source, filename, mode, flags, dont_inherit, *more, **named)
        if not dont_inherit:  # the flags the builtin would take from its caller, attrs
            flags |= sys._getframe(1).f_code.co_flags & _FUTURE_FLAGS
        return self._code(filename, source, filename, flags)

    def exec(self, source: Any, globals: dict[str, Any] | None = None, locals: Any = None, /, **named: Any) -> None:
        """``exec``, as dataclasses calls it, with a source compiled from the cache when it can."""
        caller = sys._getframe(1)
        if globals is None:  # as the builtin: the caller's namespaces
            globals = caller.f_globals
            locals = caller.f_locals if locals is None else locals
        if isinstance(source, str) and not named:
            source = self._code(None, source, "<string>", caller.f_code.co_flags & _FUTURE_FLAGS)
        builtins.exec(source, globals, locals, **named)

    def _code(self, name: str | None, source: str, filename: str, flags: int) -> CodeType:
        """The code of ``source``, known by ``name``, else by its digest."""
        digest = hashlib.blake2b(f"{flags}\0{source}".encode(), digest_size=16).digest()
        name = digest.hex() if name is None else name
        known = self.known.get(name)
        if known is not None and known[0] == digest:
            self.now[name] = known
            return known[1]
        code = builtins.compile(source, filename, "exec", flags, True)
        if name in self.volatile:
            return code
        if known is not None:
            if name in self.changed:  # changed at the start before too: at every start
                self.volatile.add(name)
                self.dirty = True
                return code
            self.now_changed.add(name)
        self.now[name] = (digest, code)
        self.dirty = True
        return code

    def save(self) -> None:
        """Write what this start compiled and took, if it differs from what the file holds."""
        if not self.dirty and len(self.now) == len(self.known):
            return
        data = marshal.dumps((_HEADER, self.now, self.now_changed, self.volatile))
        temporary = self.path.with_name(f".{self.path.name}.{os.getpid()}")
        try:
            temporary.write_bytes(data)
            os.replace(temporary, self.path)
        except OSError:
            with contextlib.suppress(OSError):
                temporary.unlink()


def _read(path: Path) -> tuple[_Entries, set[str], set[str]]:
    """The entries of the file at ``path``, the names that changed at the start that wrote it,
    and those that change at every start; nothing, if it cannot be read or is not such a file."""
    try:
        header, known, changed, volatile = marshal.loads(path.read_bytes())
    except (OSError, EOFError, ValueError, TypeError):
        return {}, set(), set()
    if header != _HEADER or not isinstance(known, dict) or not isinstance(changed, set) or not isinstance(volatile, set):
        return {}, set(), set()
    # Each entry is looked at before a class is made of it: a file that marshal reads but that
    # holds something else (damaged where it still parses) must not stop the server's start.
    if not all(isinstance(v, tuple) and len(v) == 2 and isinstance(v[0], bytes) and isinstance(v[1], CodeType) for v in known.values()):
        return {}, set(), set()
    return known, changed, volatile


@contextlib.contextmanager
def compiled_once(use: str, attrs_make: ModuleType | None = None) -> Iterator[None]:
    """While the modules of ``use`` load: dataclasses, and attrs if its module ``attr._make`` is
    given, compile through the cache of ``use``, saved at the end."""
    folder = user_cache("code")
    # Each calls the builtin by its name, which a global of its module would come before; one
    # that defines such a global of its own (or is in a ``compiled_once`` already) is left be.
    patched = [(module, name) for module, name in ((dataclasses, "exec"), (attrs_make, "compile")) if module is not None and name not in vars(module)]
    if folder is None or not patched:
        yield
        return
    cache = _Cache(folder / f"{use}-{sys.implementation.cache_tag}.marshal")
    for module, name in patched:
        vars(module)[name] = getattr(cache, name)
    try:
        yield
    finally:
        for module, name in patched:
            del vars(module)[name]
        cache.save()
