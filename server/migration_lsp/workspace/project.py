"""A project: the files under one config, read once, parsed into documents."""

from __future__ import annotations

import io
import operator
import os
import pickle
import sys
from collections import deque
from dataclasses import dataclass, field, fields
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Iterable, Iterator, Mapping

from migration_lsp.config import Config, ConfigError, ConfigFinder
from migration_lsp.locate.typescript import CODE_SUFFIXES, ImportResolver, Unknown, exported_constant
from migration_lsp.migration import Document, Migration, parse_document
from migration_lsp.model.build import build_schema
from migration_lsp.model.schema import Schema
from migration_lsp.sql.analyze import forget
from migration_lsp.sql.facts import Fact
from migration_lsp.workspace.declarations import Declarations, DeclaredConstant
from migration_lsp.workspace.files import Unreadable, inside_root, outside_root, read_source, walk
from migration_lsp.workspace.index import MARKDOWN_SUFFIXES, SQL_SUFFIXES, CodeFacts, FileFacts, WorkspaceIndex, code_facts
from migration_lsp.workspace.references import ColumnUse, ConstantEntry, ImportDecl
from migration_lsp.workspace.supabase_calls import RawRef

if TYPE_CHECKING:
    from multiprocessing.pool import AsyncResult, Pool


@dataclass(frozen=True)
class FileNotice:
    path: Path
    message: str
    offset: int | None = None


@dataclass(eq=False)
class Project:
    config: Config
    texts: dict[Path, str] = field(default_factory=dict)  # every code file read, and the Markdown documents
    documents: dict[Path, Document] = field(default_factory=dict)  # files with a migration literal
    notices: list[FileNotice] = field(default_factory=list)
    config_errors: list[FileNotice] = field(default_factory=list)
    facts: FileFacts = field(default_factory=FileFacts, repr=False)  # what earlier readings of these files found
    index: WorkspaceIndex = field(init=False, repr=False)  # the code's table references
    # For each document, where the modules its `${X}` import X from are: a file added,
    # changed or removed there changes the document's SQL.
    _imported: dict[Path, set[Path]] = field(default_factory=dict, init=False, repr=False)
    _schema: tuple[tuple[Migration, ...], Schema] | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        self.index = WorkspaceIndex(self.config, self.facts)
        tables_file = self.config.tables_file
        if tables_file and inside_root(self.config.root, tables_file) is None:  # the index leaves it unused
            self.notices.append(FileNotice(self.config.source or self.config.root, outside_root("tables-file", tables_file, self.config.root)))
        for path, text in self.texts.items():
            self.index.update(path, text)

    def add(self, path: Path, text: str) -> None:
        """Read one file (again): only that file is parsed and indexed anew."""
        self.texts[path] = text
        self.index.update(path, text)
        # A file read again (an editor sends every version) replaces its notices.
        self.notices = [n for n in self.notices if n.path != path]
        if path.suffix.lower() in MARKDOWN_SUFFIXES | SQL_SUFFIXES:
            return  # a rules document or a SQL file: the index reads its checklist or its tables
        self._parse(path)
        self._parse_importers(path)

    def migrations(self) -> list[Migration]:
        """Every migration literal of the project's documents."""
        return [m for doc in self.documents.values() for m in doc.migrations]

    def schema(self) -> Schema:
        """The schema the project's migrations build (for hover and completion), built again
        only when a migration changed."""
        migrations = self.migrations()
        cached = self._schema
        if cached is None or len(cached[0]) != len(migrations) or any(a is not b for a, b in zip(cached[0], migrations)):
            cached = self._schema = (tuple(migrations), build_schema(migrations))
        return cached[1]

    def remove(self, path: Path) -> None:
        """Forget a deleted file."""
        self.texts.pop(path, None)
        self.documents.pop(path, None)
        self._imported.pop(path, None)
        self.notices = [n for n in self.notices if n.path != path]
        self.index.remove(path)
        self._parse_importers(path)

    def _parse(self, path: Path) -> None:
        bases: set[Path] = set()
        config = self.config
        old = self.documents.get(path)
        doc = parse_document(
            path,
            self.texts[path],
            config.variable_names,
            self._imports(path, bases),
            old,
            dialect=config.dialect,
            platform=config.platform,
            root=config.root,
        )
        self.notices = [n for n in self.notices if n.path != path]
        self.notices.extend(FileNotice(path, n.message, n.offset) for n in doc.notices)
        if bases:
            self._imported[path] = bases
        else:
            self._imported.pop(path, None)
        self.documents.pop(path, None)
        if doc.migrations:
            self.documents[path] = doc
        if old is not None:
            _forget_replaced(old, doc)

    def _imports(self, path: Path, bases: set[Path]) -> ImportResolver:
        """Reads the constant a relative import of ``path`` brings; ``bases`` collects where it looked."""

        def constant(spec: str, name: str) -> str | Unknown:
            if not spec.startswith("."):
                return Unknown(f"is imported from '{spec}'; only relative imports are read")
            bases.add(Path(os.path.normpath(path.parent / spec)))
            module = self.index.modules.resolve(path, spec)
            text = self.texts.get(module) if module is not None else None
            if module is None or text is None:
                return Unknown(f"is imported from '{spec}', which is not a file of the workspace")
            return exported_constant(text, module, name)

        return constant

    def _parse_importers(self, changed: Path) -> None:
        """Parse again the documents whose `${X}` may import X from ``changed``."""
        if not self._imported:
            return  # most projects: reading each file costs no path arithmetic
        loaded_as = {changed, changed.with_suffix("")} | ({changed.parent} if changed.stem == "index" else set())
        for path, bases in list(self._imported.items()):
            if path != changed and any(b in loaded_as or b.with_suffix("") == changed.with_suffix("") for b in bases):
                self._parse(path)


def _forget_replaced(old: Document, new: Document) -> None:
    """Forget the facts of the statements an edit replaced: every keystroke replaces one.

    Each literal was parsed following the old document's literal in its place; only the
    statements that parse analysed are compared with those of the old literal they replaced.
    A replaced fact that a kept statement shares (the same text twice) is forgotten too: it
    is only analysed again, should that text be typed anew.
    """
    before: dict[int, Fact] = {}
    after: dict[int, Fact] = {}
    for i, m in enumerate(new.migrations):
        after.update((id(st.fact), st.fact) for st in m.statements[m.analysed.start : m.analysed.stop])
        if i < len(old.migrations):
            replaced = old.migrations[i].statements
            before.update((id(st.fact), st.fact) for st in replaced[m.analysed.start : len(replaced) - (len(m.statements) - m.analysed.stop)])
    for m in old.migrations[len(new.migrations) :]:
        before.update((id(st.fact), st.fact) for st in m.statements)
    gone = [fact for key, fact in before.items() if key not in after]
    if not gone:
        return
    # A DO block analysed anew shares the facts of its unchanged nested statements.
    live = {f.text for key, fact in after.items() if key not in before for f in fact.walk()}
    forget(f.text for fact in gone for f in fact.walk() if f.text not in live)


# Code files, and the Markdown documents whose "Required Tables" checklist is read.
_READ_SUFFIXES = CODE_SUFFIXES | MARKDOWN_SUFFIXES | SQL_SUFFIXES
# Reading and indexing a file takes a fraction of a millisecond, so worker processes pay for
# themselves only from this many files on; they get them in chunks of CHUNK.
PARALLEL_FROM = 1000
CHUNK = 250


def load_projects(
    paths: Iterable[Path],
    extra_names: tuple[str, ...] = (),
    progress: Callable[[int, int], None] | None = None,
    *,
    rule_names: frozenset[str],
    one_config: Config | None = None,
    texts: Mapping[Path, str] | None = None,
    facts: FileFacts | None = None,
    workers: int = 1,
) -> list[Project]:
    """Read every code file under ``paths``, grouped by the config that applies to it.

    ``progress(read, total)`` follows the reading of each path's files; ``rule_names`` are the
    rules a config may name. ``one_config``, when given, applies to every file: none is looked for.
    ``texts``: what an editor holds of some files, read instead of the disk's text, as it is.
    ``facts``: what an earlier reading of the same files found, reused where a file is unchanged.
    ``workers``: processes that read and index the files of a large workspace (a command-line
    run; a server with threads of its own must not fork), this one included.
    """
    projects: dict[Path | None, Project] = {}
    seen: set[Path] = set()
    errors: dict[str, FileNotice] = {}
    folder_configs: dict[tuple[Path, Path], Config] = {}
    finder = ConfigFinder(rule_names)
    facts = FileFacts() if facts is None else facts

    def config_for(path: Path, fallback: Path) -> Config:
        if one_config is not None:
            return one_config
        try:
            return finder.load(path, fallback)
        except ConfigError as e:
            # Check with the defaults rather than not at all; the error is still reported.
            errors.setdefault(str(e), FileNotice(e.path, e.detail))
            return Config(root=fallback)

    for arg in paths:
        arg = arg.resolve()
        below = os.path.join(arg, "")  # what the paths under ``arg`` start with: a prefix test costs less than Path.is_relative_to
        fallback = arg if arg.is_dir() else arg.parent
        base = config_for(arg, fallback)
        files: list[tuple[Project, Path | Unreadable]] = []
        with _Reader(texts or {}, facts, workers) as reader:
            for item in walk(arg, *_globs(base, arg), suffixes=_READ_SUFFIXES):
                path = item.path if isinstance(item, Unreadable) else item  # or what the walk could not read
                if path in seen:
                    continue
                seen.add(path)
                # The files of one folder share a config: look it up once per folder, never on
                # the file itself, which may be a symlink loop. What the walk says of ``arg`` or
                # of the folders above it belongs to ``arg``'s project.
                folder = path.parent if str(path).startswith(below) else arg
                config = folder_configs.get((folder, fallback))
                if config is None:
                    config = folder_configs[(folder, fallback)] = config_for(folder, fallback)
                key = config.source or config.root
                project = projects.get(key)
                if project is None:
                    project = projects[key] = Project(config.with_variable_names(extra_names), facts=facts)
                files.append((project, item))
                reader.add(item, project.config.tables_constant)
            for done, ((project, item), source) in enumerate(zip(files, reader.results())):
                if progress is not None:
                    progress(done, len(files))
                if isinstance(source, Unreadable):
                    project.notices.append(FileNotice(source.path, source.reason))
                    continue
                assert isinstance(item, Path)
                project.add(item, source)
    result = list(projects.values())
    if errors:
        if not result:
            result.append(Project(Config(root=Path.cwd())))
        result[0].config_errors.extend(errors.values())
    return result


class _Reader:
    """Reads the files a walk finds, in order: the text of each (the held one when ``texts`` has
    it), or why it cannot be read.

    Once the walk has found ``PARALLEL_FROM`` files, with more than one worker, worker processes
    start on them while the walk goes on (the walk leaves the other cores idle), in chunks of
    ``CHUNK``; each code file's index facts are computed there too, and kept in ``facts`` for the
    index to find.
    """

    def __init__(self, texts: Mapping[Path, str], facts: FileFacts, workers: int) -> None:
        self._texts = texts
        self._facts = facts
        self._workers = workers
        # Forking is safe on Linux only; elsewhere starting a worker costs more than it saves.
        # An editor's held texts come with a server, which reads in its own thread.
        self._parallel = workers >= 2 and not texts and sys.platform == "linux"
        self._jobs: list[tuple[Path | Unreadable, str]] = []
        self._pool: Pool | None = None
        self._sent = 0  # the files handed to the workers
        self._chunks: deque[AsyncResult[bytes]] = deque()  # what the workers send back, in order

    def __enter__(self) -> _Reader:
        return self

    def __exit__(self, *exc: object) -> None:
        if self._pool is not None:
            self._pool.terminate()

    def add(self, item: Path | Unreadable, constant: str) -> None:
        """The next file of the walk, and the name of the tables constant its index reads."""
        self._jobs.append((item, constant))
        if not self._parallel:
            return
        if self._pool is None:
            if len(self._jobs) < PARALLEL_FROM:
                return
            import multiprocessing  # lazy: only a large workspace needs it, a one-file check starts sooner

            self._pool = multiprocessing.get_context("fork").Pool(self._workers)
        while len(self._jobs) - self._sent >= CHUNK:
            self._send()

    def _send(self) -> None:
        assert self._pool is not None
        self._chunks.append(self._pool.apply_async(_read_chunk, (self._jobs[self._sent : self._sent + CHUNK],)))
        self._sent += CHUNK

    def results(self) -> Iterator[str | Unreadable]:
        """The text of each file added, in order, once the walk is over."""
        if self._pool is None:
            for item, _ in self._jobs:
                if isinstance(item, Unreadable):
                    yield item
                else:
                    held = self._texts.get(item)
                    yield read_source(item) if held is None else held
            return
        if self._sent < len(self._jobs):
            self._send()
        at = 0
        while self._chunks:  # each chunk is let go once read
            results: list[tuple[str | Unreadable, CodeFacts | None]] = pickle.loads(self._chunks.popleft().get())
            at += len(results)
            for (item, constant), (source, found) in zip(self._jobs[at - len(results) : at], results):
                if isinstance(item, Path) and isinstance(source, str) and found is not None:
                    self._facts.remember(item, source, constant, found)
                yield source


def _read_chunk(jobs: list[tuple[Path | Unreadable, str]]) -> bytes:
    """In a worker: each file's text and, for a code file, its index facts, pickled by position."""
    out: list[tuple[str | Unreadable, CodeFacts | None]] = []
    for item, constant in jobs:
        source = item if isinstance(item, Unreadable) else read_source(item)
        facts = None
        if isinstance(item, Path) and isinstance(source, str) and item.suffix.lower() in CODE_SUFFIXES:
            facts = code_facts(item, source, constant, alone=True)
        out.append((source, facts))
    buffer = io.BytesIO()
    pickler = pickle.Pickler(buffer, pickle.HIGHEST_PROTOCOL)
    pickler.dispatch_table = _BY_POSITION
    pickler.dump(out)
    return buffer.getvalue()


def _by_position(cls: type) -> Callable[[object], tuple[type, tuple[object, ...]]]:
    get = operator.attrgetter(*(f.name for f in fields(cls)))
    return lambda obj: (cls, get(obj))


# The facts a worker sends, pickled as their class and field values: a frozen dataclass's own
# pickling sets each field by name on loading, which costs the parent more than all the rest
# of taking them in. Each class here has two fields or more, all of them set by ``__init__``.
_BY_POSITION: dict[type, Callable[[object], tuple[type, tuple[object, ...]]]] = {
    cls: _by_position(cls) for cls in (CodeFacts, Declarations, DeclaredConstant, ImportDecl, ConstantEntry, RawRef, ColumnUse)
}


def _globs(config: Config, arg: Path) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """Include and exclude globs apply relative to the config's folder; rebase them onto ``arg``."""
    if not (config.include or config.exclude) or not arg.is_dir():
        return (), ()
    try:
        prefix = arg.relative_to(config.root).as_posix()
    except ValueError:
        return config.include, config.exclude
    if prefix == ".":
        return config.include, config.exclude

    def rebase(globs: tuple[str, ...]) -> tuple[str, ...]:
        out = []
        for g in globs:
            if g.startswith(prefix + "/"):
                out.append(g[len(prefix) + 1 :])
            elif "/" not in g.strip("/") or g.startswith("**"):
                out.append(g)
        return tuple(out)

    return rebase(config.include), rebase(config.exclude)
