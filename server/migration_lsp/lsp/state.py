"""What the server knows about the workspace, kept current from the editor and the disk.

Each workspace folder holds the projects :func:`load_projects` finds in it, one per config
file, exactly as ``--check`` groups them, so both report the same findings. Open documents
override the disk.

All project work runs on one worker thread, in order, so that no lock is held across a
check. The event loop only records what changed: the newest text of each document and the
paths that need a check. When the worker picks up a check it takes whatever is newest, so
a burst of keystrokes costs one check of its last version, and the first keystroke after a
pause is checked at once; there is no timer. Requests run on the same thread, after the
texts they read have been parsed.

Settings, folder and file-watcher changes are checked in the job that applies them, so a
request sent after any notification is answered after that notification's diagnostics.

The cyclic garbage collector, which serving turns off, runs on the worker between checks
(see :meth:`State._collect`), never in the middle of one.
"""

from __future__ import annotations

import asyncio
import contextlib
import functools
import gc
import itertools
import logging
import os
import threading
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from operator import attrgetter
from pathlib import Path
from typing import Any, Callable, Iterable, Protocol, TypeVar

from migration_lsp.config import CONFIG_FILES, ConfigError, load_config
from migration_lsp.findings import Finding
from migration_lsp.lint.check import RULE_NAMES, StatementResults, check_project, load_projects, needs_baseline, project_baselines
from migration_lsp.lsp.settings import EditorSettings
from migration_lsp.model.baseline import Baseline
from migration_lsp.rules.registry import RULES
from migration_lsp.workspace.files import WALK_STOPPED, Unreadable, checkable_text, is_code_file, read_source
from migration_lsp.workspace.index import MARKDOWN_SUFFIXES, SQL_SUFFIXES, FileFacts
from migration_lsp.workspace.project import Project

log = logging.getLogger(__name__)

T = TypeVar("T")


class Reporter(Protocol):
    """How the state reaches the client; called on the worker thread."""

    def publish(self, path: Path, version: int | None, text: str, findings: list[Finding]) -> None: ...

    def show_error(self, message: str) -> None: ...

    def progress(self, title: str) -> Callable[[str, int | None], None]:
        """Start a progress report: call it with (message, percentage), and percentage None to end it."""
        ...


@dataclass
class OpenDocument:
    uri: str
    version: int
    text: str


@dataclass(eq=False)
class Reading:
    """What one reading of a folder found, and what checking it has learnt since.

    It is dropped whole when the folder is read again or closed, so nothing in it is ever
    forgotten by hand.
    """

    projects: list[Project] = field(default_factory=list)
    skipped: set[Path] = field(default_factory=set)  # files on disk that the walk leaves out
    last: dict[Path, list[Finding]] = field(default_factory=dict)  # every finding of the last check, by file
    checked: dict[Path, str] = field(default_factory=dict)  # the text each file had at the last check
    # Each project's baselines, read from git once per set of migration files, not once per keystroke.
    baselines: dict[Project, tuple[frozenset[Path], list[Baseline]]] = field(default_factory=dict)
    statements: dict[Project, StatementResults] = field(default_factory=dict)


@dataclass(eq=False)
class Folder:
    root: Path  # a workspace folder, or a file opened outside every folder
    reading: Reading | None = None  # None until the folder is read, and again once it must be read again
    workspace_wide: bool = False  # checkWorkspace asked for every file's findings
    truncated: bool = False  # the last walk stopped at its limit: what it did not reach is not "left out"
    facts: FileFacts = field(default_factory=FileFacts)  # outlives its readings: a new one parses only what changed

    @property
    def projects(self) -> list[Project]:
        return self.reading.projects if self.reading is not None else []

    def holds(self, path: Path) -> bool:
        # Both paths are resolved: a prefix test, asked of every published file at every
        # keystroke, costs a fraction of walking the path's parents.
        return path == self.root or str(path).startswith(self._below)

    @functools.cached_property
    def _below(self) -> str:
        """What the paths under the root start with."""
        return os.path.join(self.root, "")

    def owner(self, path: Path) -> Project | None:
        for project in self.projects:
            if path in project.texts:
                return project
        return None


class State:
    def __init__(self, reporter: Reporter) -> None:
        self.reporter = reporter
        self.settings = EditorSettings()
        self.open: dict[Path, OpenDocument] = {}  # owned by the event loop
        self._lock = threading.Lock()  # guards the three fields below, shared by both threads
        self._pending: dict[Path, tuple[str | None, int | None]] = {}  # newest text (None: the disk's)
        self._dirty: set[Path] = set()
        self._check_queued = False
        # Owned by the worker.
        self._folders: dict[Path, Folder] = {}
        self._versions: dict[Path, int | None] = {}  # the version of each file's newest text (None: the disk's)
        self._published: dict[Path, list[Finding]] = {}  # what the client was last sent
        self._touched: set[Project] = set()  # projects whose files changed since their last check
        self._extra: dict[Path, tuple[str, list[Finding]]] = {}  # verify's findings, and the text they hold for
        self._reported: set[str] = set()
        # Something long-lived was read (a folder, a baseline): freeze it once the check is
        # published. The first check ends the start-up, whose collections ``serve`` put off.
        self._freeze_due = True
        self._collections = 0  # those :meth:`_collect` made
        self._checks = 0  # checks since its last one
        self._worker = ThreadPoolExecutor(max_workers=1, thread_name_prefix="migration-lsp")

    # -- called on the event loop ------------------------------------------------------
    def set_folders(self, roots: Iterable[Path]) -> None:
        self._submit(self._set_folders, list(roots))

    def update_settings(self, settings: EditorSettings) -> None:
        old, self.settings = self.settings, settings
        self._submit(self._settings_changed, old)

    def did_open(self, path: Path, uri: str, version: int, text: str) -> None:
        self.open[path] = OpenDocument(uri, version, text)
        self._set_text(path, text, version)
        self._request_check((path,))

    def did_change(self, path: Path, version: int, text: str) -> None:
        doc = self.open[path]
        doc.version, doc.text = version, text
        self._set_text(path, text, version)
        if self.settings.for_path(path).check_on == "type":
            self._request_check((path,))

    def did_save(self, path: Path) -> None:
        if path in self.open:
            self._request_check((path,))

    def did_close(self, path: Path) -> None:
        if self.open.pop(path, None) is None:
            return
        self._set_text(path, None, None)
        self._request_check((path,))

    def files_changed(self, paths: Iterable[Path]) -> None:
        """Files changed on disk (``workspace/didChangeWatchedFiles``)."""
        self._submit(self._files_changed, list(paths))

    def check_workspace(self) -> asyncio.Future[int]:
        """Publish every finding of every file, closed ones too, from now on; the number of files with findings."""
        return self.run(self._check_workspace)

    def run(self, fn: Callable[[], T]) -> asyncio.Future[T]:
        """Run ``fn`` on the worker, once the newest texts are parsed; await it on the event loop."""
        return asyncio.wrap_future(self.submit(fn))

    def submit(self, fn: Callable[[], T]) -> Future[T]:
        """Run ``fn`` on the worker, once the newest texts are parsed; from any thread."""

        def job() -> T:
            self._ensure_loaded()
            self._flush()
            return fn()

        return self._submit(job)

    def shutdown(self) -> None:
        self._worker.shutdown(wait=False, cancel_futures=True)

    # -- what requests read (on the worker, through run) ---------------------------------
    def project(self, path: Path) -> Project | None:
        folder = self._folder_of(path)
        return folder.owner(path) if folder is not None else None

    def projects(self) -> list[Project]:
        return [p for folder in self._folders.values() for p in folder.projects]

    def text_of(self, path: Path) -> str | None:
        project = self.project(path)
        if project is not None:
            return project.texts[path]
        source = read_source(path)
        return None if isinstance(source, Unreadable) else source

    def version_of(self, path: Path) -> int | None:
        return self._versions.get(path) if path in self.open else None

    def shown(self, path: Path) -> list[Finding]:
        """What the client was last sent for ``path``."""
        return self._published.get(path, [])

    def findings(self, path: Path) -> list[Finding]:
        """The findings of the newest text of ``path``, checked again if it changed since."""
        if self._reading_of(path).checked.get(path) is not self.text_of(path):
            with self._lock:
                self._dirty.add(path)
            self._check_now()
        return self._reading_of(path).last.get(path, [])

    def add_findings(self, path: Path, text: str, findings: list[Finding]) -> None:
        """Findings from outside the rules (``verify``), shown while ``path`` keeps ``text``."""
        self._extra[path] = (text, findings)
        self._publish({path})

    # -- shared by both threads ------------------------------------------------------------
    def _set_text(self, path: Path, text: str | None, version: int | None) -> None:
        with self._lock:
            self._pending[path] = (text, version)

    def _request_check(self, paths: Iterable[Path]) -> None:
        with self._lock:
            self._dirty.update(paths)
            if self._check_queued:
                return
            self._check_queued = True
        self._submit(self._check_job)

    def _submit(self, fn: Callable[..., T], *args: object) -> Future[T]:
        future = self._worker.submit(fn, *args)
        future.add_done_callback(_log_failure)
        return future

    # -- the worker: folders and files ---------------------------------------------------------
    def _set_folders(self, roots: list[Path]) -> None:
        for root in [r for r in self._folders if r not in roots and r not in self.open]:
            del self._folders[root]
        for root in roots:
            self._folders.setdefault(root, Folder(root))
        self._check_now(everything=True)

    def _settings_changed(self, old: EditorSettings) -> None:
        self._reload([root for root in self._folders if old.for_path(root).variable_names != self.settings.for_path(root).variable_names])
        self._check_now(everything=True)

    def _files_changed(self, paths: list[Path]) -> None:
        reload: set[Path] = set()
        changed: list[Path] = []
        everything = False
        for path in paths:
            folder = self._folder_of(path)
            if folder is None or path in self.open:
                continue
            if ".git" in path.parts:
                for reading in self._readings():
                    reading.baselines.clear()  # a commit moves HEAD, what the upgrade rules compare with
                everything = True
            elif path.name in CONFIG_FILES:
                reload.add(folder.root)
            elif folder.owner(path) is not None:
                changed.append(path)
                self._set_text(path, None, None)
            elif path.exists() and (is_code_file(path) or path.suffix.lower() in MARKDOWN_SUFFIXES | SQL_SUFFIXES):
                reload.add(folder.root)  # a new file: whether the walk takes it decides
        self._reload(sorted(reload))
        with self._lock:
            self._dirty.update(changed)
        self._check_now(everything=everything or bool(reload))

    def _ensure_loaded(self) -> None:
        for folder in list(self._folders.values()):
            if folder.reading is None:
                self._load(folder)

    def _load(self, folder: Folder) -> None:
        extra = self.settings.for_path(folder.root).variable_names
        report = self.reporter.progress(f"Indexing {folder.root.name or folder.root}")
        shown = -1

        def progress(done: int, total: int) -> None:
            nonlocal shown
            percentage = done * 100 // total if total else 100
            if percentage != shown:
                shown = percentage
                report(f"{done}/{total} files", percentage)

        with self._lock:
            # Open documents are read as the editor has them, not parsed from the disk first;
            # one over the size limit is said so when it is applied.
            held = [(path, doc.text) for path, doc in self.open.items() if folder.holds(path)]
        texts = {path: text for path, text in held if checkable_text(path, text) is text}
        try:
            projects = load_projects([folder.root], extra, progress, texts=texts, facts=folder.facts) if folder.root.is_dir() else []
        finally:
            report("done", None)
        folder.reading = Reading(projects)
        stopped = False
        for project in projects:
            for notice in project.config_errors:
                self._report_once(f"{notice.path}: {notice.message}")
            for notice in project.notices:
                if notice.offset is None:  # what the walk could not read; a notice inside a file has its place
                    stop = notice.message.startswith(WALK_STOPPED)
                    self._report_once(f"{notice.path}: {notice.message}", show=stop and not folder.truncated)
                    stopped |= stop
        folder.truncated = stopped
        # Open documents override what was just read from disk.
        with self._lock:
            for path, doc in list(self.open.items()):
                if folder.holds(path) and path not in self._pending:
                    self._pending[path] = (doc.text, doc.version)
        log.info("indexed %s: %d files", folder.root, sum(len(p.texts) for p in folder.projects))
        self._freeze_due = True

    def _reload(self, roots: list[Path]) -> None:
        if not roots:
            return
        for root in roots:
            folder = self._folders.get(root)
            if folder is not None:
                folder.reading = None

    def _readings(self) -> list[Reading]:
        return [folder.reading for folder in self._folders.values() if folder.reading is not None]

    def _reading_of(self, path: Path) -> Reading:
        """The reading of the folder ``path`` is in; an empty one when there is none yet."""
        folder = self._folder_of(path)
        return folder.reading if folder is not None and folder.reading is not None else Reading()

    def _folder_of(self, path: Path) -> Folder | None:
        best = None
        for folder in self._folders.values():
            if folder.holds(path) and (best is None or len(folder.root.parts) > len(best.root.parts)):
                best = folder
        return best

    def _flush(self) -> None:
        """Parse the newest text of every file that changed."""
        while True:
            # Reading a folder again queues its open documents: loop until nothing is left.
            with self._lock:
                pending, self._pending = self._pending, {}
            if not pending:
                return
            for path, (text, version) in pending.items():
                self._apply(path, text, version)

    def _apply(self, path: Path, text: str | None, version: int | None) -> None:
        self._versions[path] = version
        folder = self._folder_of(path)
        if folder is None:
            if text is None:
                return
            # A file opened outside every workspace folder is checked with its own config.
            folder = self._folders[path] = Folder(path, Reading())
        if text is None and folder.root == path:
            del self._folders[path]  # closed, and outside the workspace
            return
        source = read_source(path) if text is None else checkable_text(path, text)
        if isinstance(source, Unreadable):
            # Not read, as --check would not read it: the file leaves its project.
            if text is not None or os.path.lexists(path):  # a deleted file is no news
                self._report_once(f"{path}: {source.reason}", show=text is not None)
            project = folder.owner(path)
            if project is not None and folder.reading is not None:
                project.remove(path)
                folder.reading.last.pop(path, None)
                self._touched.add(project)
            return
        text = source
        project = folder.owner(path) or self._adopt(folder, path)
        if project is None:
            return
        if project.texts.get(path) != text:  # an editor opening a file sends what was just read from the disk
            project.add(path, text)
            self._touched.add(project)

    def _adopt(self, folder: Folder, path: Path) -> Project | None:
        """The project of a file that the folder was loaded without, if any."""
        reading = folder.reading
        if reading is None or path in reading.skipped:
            return None
        if path.exists() and folder.root != path and not folder.truncated:
            # On disk but not read: new since the folder was loaded, or left out (.gitignore,
            # exclude). Reading the folder again tells which, as --check would. Past the walk's
            # limit it would not tell: such a file is checked on its own, as one outside the folder.
            self._reload([folder.root])
            self._load(folder)
            project = folder.owner(path)
            if project is None and folder.reading is not None:
                folder.reading.skipped.add(path)
            return project
        try:
            config = load_config(path, rule_names=RULE_NAMES)
        except ConfigError as e:
            self._report_once(str(e))
            return None
        key = config.source or config.root
        for project in folder.projects:
            if (project.config.source or project.config.root) == key:
                return project
        project = Project(config.with_variable_names(self.settings.for_path(path).variable_names), facts=folder.facts)
        reading.projects.append(project)
        return project

    # -- the worker: checks -----------------------------------------------------------------
    def _check_job(self) -> None:
        with self._lock:
            self._check_queued = False
        self._check_now()
        self._collect()

    def _collect(self) -> None:
        """Collect garbage cycles every few dozen checks, once their diagnostics are out (the
        reporter returns once they are written), unless the next check waits already.

        A check of a large migration leaves more objects than the collector's thresholds,
        which would set off its collections, the slow ones of the oldest generation too, in
        the middle of the next keystroke's check; here they cost the time between keystrokes.
        What a collection of the young generations costs is mostly the live objects the last
        check made, however many checks came before it; what it frees is the cycles of all of
        them. A check makes few cycles (what it lets go of, reference counting frees at once:
        a test holds that of the schemas it builds), so one collection every few dozen checks
        keeps memory flat at a small part of the cost. A burst of edits defers a collection a
        few checks at most.
        """
        self._checks += 1
        if self._checks < _CHECKS_PER_COLLECTION:
            return
        with self._lock:
            waiting = self._check_queued or bool(self._pending)
        if waiting and self._checks < _CHECKS_PER_COLLECTION + _DEFERRED_CHECKS:
            return
        self._checks = 0
        self._collections += 1
        gc.collect(2 if self._collections % _FULL_EVERY == 0 else 1)

    def _check_now(self, everything: bool = False) -> None:
        self._ensure_loaded()
        self._flush()
        with self._lock:
            dirty, self._dirty = self._dirty, set()
        touched, self._touched = self._touched, set()
        due = [(r, p) for r in self._readings() for p in r.projects if everything or p in touched or any(path in p.texts for path in dirty)]
        # The projects of the documents being edited first: their diagnostics do not wait
        # for the rest of the workspace (every project, at start-up or after a reload).
        typed = {path for path in dirty if path in self.open}
        first = [(r, p) for r, p in due if any(path in p.texts for path in typed)]
        for reading, project in first:
            self._check(reading, project)
        if len(first) < len(due):
            done = {path for path in typed if any(path in p.texts for _, p in first)}
            self._publish(done)
            dirty -= done
            for reading, project in due:
                if (reading, project) not in first:
                    self._check(reading, project)
        self._publish(dirty)
        if self._freeze_due:
            # After the checks already queued: the collection is in the way of neither these
            # diagnostics nor theirs.
            self._freeze_due = False
            with contextlib.suppress(RuntimeError):  # the server is shutting down: nothing is left to collect for
                self._submit(_freeze)

    def _check(self, reading: Reading, project: Project) -> None:
        """The same check as ``--check``: the project's config, index and baselines."""
        statements = reading.statements.setdefault(project, StatementResults())
        result = check_project(project, baselines=self._project_baselines(reading, project), statements=statements)
        for error in result.rule_errors:
            self._report_once(f"rule {error.rule} failed: {error.message}\n{error.details}", show=False)
        by_path: dict[Path, list[Finding]] = {path: [] for path in project.texts}
        # The findings come by file: each run of one path object is one lookup, not one per finding.
        for path, found in itertools.groupby(result.findings, key=attrgetter("path")):
            by_path.setdefault(path, []).extend(found)
        reading.last.update(by_path)
        reading.checked.update(project.texts)

    def _project_baselines(self, reading: Reading, project: Project) -> list[Baseline]:
        """Baselines read from git once per set of migration files, not once per keystroke."""
        if not needs_baseline(project):
            return []
        paths = frozenset(project.documents)
        cached = reading.baselines.get(project)
        if cached is None or cached[0] != paths:
            cached = reading.baselines[project] = (paths, project_baselines(project))
            for baseline in cached[1]:
                baseline.schema  # built now, so that it is frozen with the baseline
            self._freeze_due = True
        return cached[1]

    def _check_workspace(self) -> int:
        for folder in self._folders.values():
            folder.workspace_wide = True
        for reading in self._readings():
            for project in reading.projects:
                self._check(reading, project)
        self._publish(set())
        return sum(1 for reading in self._readings() for findings in reading.last.values() if findings)

    # -- the worker: publishing ---------------------------------------------------------------
    def _visible(self, path: Path) -> list[Finding]:
        findings = self._reading_of(path).last.get(path, [])
        folder = self._folder_of(path)
        if path not in self.open and not (folder is not None and folder.workspace_wide):
            # A closed file shows what other files cause in it, not its own findings.
            findings = [f for f in findings if f.rule in RULES and RULES[f.rule].needs_workspace]
        extra = self._extra.get(path)
        if extra is not None:
            if self.text_of(path) is extra[0]:
                findings = [*findings, *extra[1]]
            else:
                del self._extra[path]
        return findings

    def _publish(self, force: set[Path]) -> None:
        """Publish the files in ``force``, and every other file whose findings changed.

        A checked open document is published even when nothing changed: its version tells the
        client that the check of that version is done.
        """
        candidates = force | set(self._published) | {p for r in self._readings() for p, found in r.last.items() if found}
        for path in sorted(candidates):
            visible = self._visible(path)
            if path not in force and _shown(visible) == _shown(self._published.get(path, [])):
                continue
            text = self.text_of(path)
            if text is None:
                if visible:
                    continue
                text = ""  # a deleted file: only its findings are cleared
            self.reporter.publish(path, self.version_of(path), text, visible)
            if visible:
                self._published[path] = visible
            else:
                self._published.pop(path, None)

    def _report_once(self, message: str, show: bool = True) -> None:
        """Log an error once, not at every keystroke; ``show`` it to the user too."""
        if message in self._reported:
            return
        self._reported.add(message)
        log.error("%s", message)
        if show:
            self.reporter.show_error(message.splitlines()[0])


# The checks between two collections, how often a collection takes the oldest generation
# too, and how many checks a burst of edits may defer one by.
_CHECKS_PER_COLLECTION = 30
_FULL_EVERY = 10
_DEFERRED_CHECKS = 8
# Set once this process froze what it read: a later freeze hands that back first.
_FROZE_READ = threading.Event()


def _freeze() -> None:
    """What was just read (a folder, a baseline) lives until it is read again. Out of the cyclic
    collector's sight, it no longer makes the collections between checks slow.

    The first freeze takes what start-up made (the modules, what was read) as it is: that holds
    next to no garbage, and a collection would go through all of it (80 ms at 1,000 tables) in
    the way of the first keystroke. A later one hands back what was frozen before, so that the
    cycles of what was read then (and start-up's few) are freed.
    """
    if _FROZE_READ.is_set():
        gc.unfreeze()
        gc.collect()
    gc.freeze()
    _FROZE_READ.set()


def _shown(findings: list[Finding]) -> list[tuple[object, ...]]:
    """What the client is sent of each finding: not its fix's edits, which are made when it asks."""
    return [(f.rule, f.message, f.start, f.end, f.severity, None if f.fix is None else (f.fix.title, f.fix.safe)) for f in findings]


def _log_failure(future: Future[Any]) -> None:
    if not future.cancelled() and future.exception() is not None:
        log.error("internal error", exc_info=future.exception())
