"""The server's session logic, without a server: `State` driven directly, seen through a fake reporter.

The end-to-end tests in tests/e2e/lsp hold the same behaviour over the wire; these hold the
bookkeeping (what is checked, what is published, with which version) where a failure names
the line that broke.
"""

from __future__ import annotations

import asyncio
import gc
import threading
import weakref
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

import pytest
from workspace_on_disk import git

from migration_lsp.findings import Finding
from migration_lsp.lsp import convert
from migration_lsp.lsp import state as state_module
from migration_lsp.lsp.settings import EditorSettings, Settings
from migration_lsp.lsp.state import _CHECKS_PER_COLLECTION, _FULL_EVERY, State

ROUTE = "src/app/api/setup/migrations/route.ts"
# The table rules are off so that each case shows one finding or none.
CONFIG = '[rules]\ntable-missing-rls = "off"\ntable-missing-policy = "off"\ntable-missing-index = "off"\n'
GOOD = "CREATE TABLE IF NOT EXISTS mason_notes (id uuid PRIMARY KEY);"
BAD = "CREATE TABLE mason_notes (id uuid PRIMARY KEY);"


def route(sql: str, name: str = "MIGRATION_SQL") -> str:
    return f"export const {name} = `\n{sql}\n`;\n"


@dataclass
class Published:
    path: Path
    version: int | None
    rules: list[str]


@dataclass
class FakeReporter:
    published: list[Published] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    progress_titles: list[str] = field(default_factory=list)

    def publish(self, path: Path, version: int | None, text: str, findings: list[Finding]) -> None:
        self.published.append(Published(path, version, [f.rule for f in findings]))

    def show_error(self, message: str) -> None:
        self.errors.append(message)

    def progress(self, title: str) -> Callable[[str, int | None], None]:
        self.progress_titles.append(title)
        return lambda message, percentage: None

    def last(self, path: Path) -> Published:
        return [p for p in self.published if p.path == path][-1]


@pytest.fixture
def root(tmp_path: Path) -> Path:
    (tmp_path / "migration-lsp.toml").write_text(CONFIG, encoding="utf-8")
    (tmp_path / ROUTE).parent.mkdir(parents=True)
    (tmp_path / ROUTE).write_text(route(GOOD), encoding="utf-8")
    return tmp_path


@pytest.fixture
def session(root: Path) -> Iterator[tuple[State, FakeReporter]]:
    reporter = FakeReporter()
    state = State(reporter)
    state.set_folders([root])
    try:
        yield state, reporter
    finally:
        state.shutdown()


def settle(state: State) -> None:
    """Wait until the worker has done everything queued so far."""
    state.submit(lambda: None).result(timeout=60)


def rules_of(state: State, path: Path) -> list[str]:
    return state.submit(lambda: [f.rule for f in state.findings(path)]).result(timeout=60)


def test_an_opened_document_is_checked_and_published_with_its_version(session: tuple[State, FakeReporter], root: Path) -> None:
    state, reporter = session
    path = root / ROUTE
    state.did_open(path, path.as_uri(), 3, route(BAD))
    settle(state)
    assert reporter.last(path) == Published(path, 3, ["create-table-not-idempotent"])
    assert reporter.progress_titles == [f"Indexing {root.name}"]


def test_a_burst_of_changes_costs_one_check_of_its_last_version(session: tuple[State, FakeReporter], root: Path) -> None:
    state, reporter = session
    path = root / ROUTE
    state.did_open(path, path.as_uri(), 1, route(GOOD))
    settle(state)
    before = len(reporter.published)
    gate = threading.Event()
    state.submit(gate.wait)  # the worker is busy while the keystrokes arrive
    for version in range(2, 52):
        state.did_change(path, version, route(BAD if version % 2 else GOOD))
    gate.set()
    settle(state)
    burst = [p for p in reporter.published[before:] if p.path == path]
    assert [p.version for p in burst] == [51]
    assert burst[0].rules == ["create-table-not-idempotent"]


def test_an_unchanged_check_is_published_again_so_the_client_sees_its_version(session: tuple[State, FakeReporter], root: Path) -> None:
    state, reporter = session
    path = root / ROUTE
    state.did_open(path, path.as_uri(), 1, route(GOOD))
    settle(state)
    state.did_change(path, 2, route(GOOD) + "\n")
    settle(state)
    assert [(p.version, p.rules) for p in reporter.published if p.path == path][-2:] == [(1, []), (2, [])]


def test_check_on_save_waits_for_the_save(session: tuple[State, FakeReporter], root: Path) -> None:
    state, reporter = session
    state.update_settings(EditorSettings(Settings(check_on="save")))
    path = root / ROUTE
    state.did_open(path, path.as_uri(), 1, route(GOOD))
    settle(state)
    state.did_change(path, 2, route(BAD))
    settle(state)
    assert reporter.last(path).version == 1
    state.did_save(path)
    settle(state)
    assert reporter.last(path) == Published(path, 2, ["create-table-not-idempotent"])


def test_closing_a_document_shows_the_disk_again(session: tuple[State, FakeReporter], root: Path) -> None:
    state, reporter = session
    path = root / ROUTE
    state.did_open(path, path.as_uri(), 1, route(BAD))
    settle(state)
    state.did_close(path)
    settle(state)
    # The disk holds the good text, and a closed file shows no findings of its own anyway.
    assert reporter.last(path) == Published(path, None, [])
    assert rules_of(state, path) == []


def test_a_changed_config_file_is_read_again(session: tuple[State, FakeReporter], root: Path) -> None:
    state, reporter = session
    path = root / ROUTE
    state.did_open(path, path.as_uri(), 1, route(BAD))
    settle(state)
    (root / "migration-lsp.toml").write_text(CONFIG + 'create-table-not-idempotent = "off"\n', encoding="utf-8")
    state.files_changed([root / "migration-lsp.toml"])
    settle(state)
    assert reporter.last(path).rules == []


def test_variable_names_from_the_editor_add_literals_to_check(session: tuple[State, FakeReporter], root: Path) -> None:
    state, reporter = session
    other = root / "src/lib/schema.ts"
    other.parent.mkdir(parents=True)
    other.write_text(route(BAD, name="SCHEMA_SQL"), encoding="utf-8")
    state.did_open(other, other.as_uri(), 1, other.read_text(encoding="utf-8"))
    settle(state)
    assert reporter.last(other).rules == []
    state.update_settings(EditorSettings(Settings(variable_names=("SCHEMA_SQL",))))
    settle(state)
    assert reporter.last(other).rules == ["create-table-not-idempotent"]


def test_findings_from_verify_stay_while_the_text_does(session: tuple[State, FakeReporter], root: Path) -> None:
    state, reporter = session
    path = root / ROUTE
    state.did_open(path, path.as_uri(), 1, route(GOOD))
    settle(state)
    text = state.submit(lambda: state.text_of(path)).result()
    assert text is not None
    extra = Finding("verify-failed", "fails when run twice", path, 0, 6)
    state.submit(lambda: state.add_findings(path, text, [extra])).result()
    assert reporter.last(path).rules == ["verify-failed"]
    state.did_change(path, 2, route(GOOD) + " ")
    settle(state)
    assert reporter.last(path) == Published(path, 2, [])


def test_a_document_over_the_size_limit_is_said_once_and_nothing_breaks(session: tuple[State, FakeReporter], root: Path) -> None:
    state, reporter = session
    path = root / "src/lib/huge.ts"
    huge = route(GOOD) + "//" + "x" * (6 * 1024 * 1024)
    state.did_open(path, path.as_uri(), 1, huge)
    settle(state)
    state.did_change(path, 2, huge + "y")
    settle(state)
    assert len(reporter.errors) == 1 and str(path) in reporter.errors[0]
    route_path = root / ROUTE
    state.did_open(route_path, route_path.as_uri(), 1, route(BAD))
    settle(state)
    assert reporter.last(route_path).rules == ["create-table-not-idempotent"]


def test_a_file_outside_every_folder_is_checked_with_its_own_config(session: tuple[State, FakeReporter], tmp_path_factory: pytest.TempPathFactory) -> None:
    state, reporter = session
    folder = tmp_path_factory.mktemp("elsewhere")
    (folder / "migration-lsp.toml").write_text(CONFIG, encoding="utf-8")
    elsewhere = folder / "route.ts"
    state.did_open(elsewhere, elsewhere.as_uri(), 1, route(BAD))
    settle(state)
    assert reporter.last(elsewhere) == Published(elsewhere, 1, ["create-table-not-idempotent"])
    state.did_close(elsewhere)
    settle(state)
    assert reporter.last(elsewhere) == Published(elsewhere, None, [])


def test_check_workspace_publishes_closed_files_too(session: tuple[State, FakeReporter], root: Path) -> None:
    state, reporter = session
    closed = root / "src/lib/other.ts"
    closed.parent.mkdir(parents=True)
    closed.write_text(route(BAD), encoding="utf-8")
    state.files_changed([closed])
    settle(state)
    assert all(p.path != closed or p.rules == [] for p in reporter.published)

    async def check_workspace() -> int:
        return await state.check_workspace()

    assert asyncio.run(check_workspace()) == 1
    assert reporter.last(closed).rules == ["create-table-not-idempotent"]


def test_at_start_up_an_opened_document_is_published_before_other_projects_are_checked(root: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    other = tmp_path_factory.mktemp("other")
    (other / "migration-lsp.toml").write_text(CONFIG, encoding="utf-8")
    (other / "route.ts").write_text(route(BAD), encoding="utf-8")
    events: list[tuple[str, Path]] = []
    reporter = FakeReporter()
    state = State(reporter)
    check = state._check
    state._check = lambda reading, project: (events.append(("check", project.config.root)), check(reading, project))[1]  # type: ignore[method-assign]
    publish = reporter.publish
    reporter.publish = lambda path, *rest: (events.append(("publish", path)), publish(path, *rest))[1]  # type: ignore[method-assign]
    path = root / ROUTE
    gate = threading.Event()
    try:
        state.submit(gate.wait)  # the folders and the opened document arrive before the worker starts, as at start-up
        state.set_folders([other, root])
        state.did_open(path, path.as_uri(), 1, route(BAD))
        gate.set()
        settle(state)
    finally:
        state.shutdown()
    assert events.index(("publish", path)) < events.index(("check", other.resolve()))
    assert reporter.last(path) == Published(path, 1, ["create-table-not-idempotent"])
    assert [e for e in events if e == ("publish", path)] == [("publish", path)]


class _Cycle:
    def __init__(self) -> None:
        self.me = self


def test_garbage_cycles_are_collected_between_checks_with_the_collector_off(root: Path) -> None:
    state = State(FakeReporter())
    path = root / ROUTE
    gc.disable()  # as serving does
    try:
        state.set_folders([root])
        settle(state)
        settle(state)  # and the freeze queued behind the first check
        left: list[weakref.ref[_Cycle]] = []
        # Past the checks between the full collections.
        for version in range(2, 2 + _CHECKS_PER_COLLECTION * _FULL_EVERY + 2):
            cycle = _Cycle()
            left.append(weakref.ref(cycle))
            del cycle
            state.did_open(path, path.as_uri(), version, route(BAD + "\n" * version))
            settle(state)
            # Each cycle is gone within the checks between two collections.
            assert all(ref() is None for ref in left[:-_CHECKS_PER_COLLECTION]), version
        assert not gc.isenabled()
    finally:
        gc.enable()
        state.shutdown()


def test_what_the_first_freeze_keeps_is_freed_when_the_folder_is_read_again(root: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The first freeze does not collect (the first keystroke would wait for it): a cycle that
    start-up left is frozen with what was read, and handed back and freed by the next freeze."""
    monkeypatch.setattr(state_module, "_FROZE_READ", threading.Event())  # as in a new server
    state = State(FakeReporter())
    gc.collect()
    gc.disable()
    try:
        cycle = _Cycle()
        left = weakref.ref(cycle)
        del cycle
        state.set_folders([root])
        settle(state)
        settle(state)  # and the freeze queued behind the first check
        assert left() is not None and gc.get_freeze_count() > 0
        state.files_changed([root / "migration-lsp.toml"])  # the folder is read again, and frozen again
        settle(state)
        settle(state)
        assert left() is None
    finally:
        gc.enable()
        state.shutdown()


def test_a_config_file_created_in_a_subfolder_is_found_when_the_folder_is_read_again(session: tuple[State, FakeReporter], root: Path) -> None:
    state, reporter = session
    path = root / ROUTE
    state.did_open(path, path.as_uri(), 1, route(BAD))
    settle(state)
    assert reporter.last(path).rules == ["create-table-not-idempotent"]
    # Each folder the first reading looked in had no config: the new reading looks again.
    (path.parent / "migration-lsp.toml").write_text(CONFIG + 'create-table-not-idempotent = "off"\n', encoding="utf-8")
    state.files_changed([path.parent / "migration-lsp.toml"])
    settle(state)
    assert reporter.last(path).rules == []


def test_a_repository_made_after_start_up_is_the_baseline_from_then_on(session: tuple[State, FakeReporter], root: Path) -> None:
    state, reporter = session
    path = root / ROUTE
    grown = route(GOOD.replace("PRIMARY KEY)", "PRIMARY KEY, body text)"))
    state.did_open(path, path.as_uri(), 1, grown)
    settle(state)
    assert reporter.last(path).rules == []  # no repository, so no baseline to compare with
    git(root, "init", "-q")
    git(root, "add", "-A")
    git(root, "commit", "-q", "-m", "notes")
    state.files_changed([root / ".git" / "HEAD"])
    settle(state)
    assert reporter.last(path).rules == ["column-missing-on-upgrade"]


def test_a_folder_taken_out_of_the_workspace_takes_its_findings_with_it(session: tuple[State, FakeReporter], root: Path, tmp_path_factory: pytest.TempPathFactory) -> None:
    state, reporter = session
    other = tmp_path_factory.mktemp("other")
    (other / "migration-lsp.toml").write_text(CONFIG, encoding="utf-8")
    closed = other / "route.ts"
    closed.write_text(route(BAD), encoding="utf-8")
    state.set_folders([root, other])

    async def check_workspace() -> int:
        return await state.check_workspace()

    assert asyncio.run(check_workspace()) == 1
    assert reporter.last(closed).rules == ["create-table-not-idempotent"]
    state.set_folders([root])
    settle(state)
    assert reporter.last(closed).rules == []
    assert rules_of(state, closed) == []


@dataclass
class JsonReporter(FakeReporter):
    """Publishes as the server does: each file's diagnostics as JSON text, converted once while they last."""

    converted: convert.Converted = field(default_factory=convert.Converted)
    sent: dict[Path, str] = field(default_factory=dict)

    def publish(self, path: Path, version: int | None, text: str, findings: list[Finding]) -> None:
        super().publish(path, version, text, findings)
        self.sent[path] = convert.notification_params(path.as_uri(), None, self.converted.diagnostics(path, convert.lines(text), findings))


@contextmanager
def opened(root: Path, path: Path, text: str, reporter: FakeReporter) -> Iterator[State]:
    """A state of the folder ``root`` with ``path`` open as ``text``, checked; shut down after."""
    state = State(reporter)
    try:
        state.set_folders([root])
        state.did_open(path, path.as_uri(), 1, text)
        settle(state)
        yield state
    finally:
        state.shutdown()


def sent_by_a_fresh_state(root: Path, path: Path, text: str) -> str:
    reporter = JsonReporter()
    with opened(root, path, text, reporter):
        return reporter.sent[path]


def test_after_each_edit_the_diagnostics_sent_are_the_bytes_a_fresh_server_sends(root: Path) -> None:
    path = root / ROUTE
    text = route("\n".join(f"-- é {i}\r\nCREATE TABLE mason_{i} (id uuid PRIMARY KEY); CREATE TABLE mason_{i}_b (id uuid PRIMARY KEY);" for i in range(6)))
    # Typing before, inside and after findings, on their lines too; line breaks added and taken away.
    edits = [("mason_2 (", "mason_2 (x"), ("-- é 1", "-- é 1\n\n"), ("\r\nCREATE TABLE", "\r\nCREATE TABLE IF NOT EXISTS"), ("\n\n\r\n", "\r\n"), ("mason_5", "mason_5😀")]
    reporter = JsonReporter()
    with opened(root, path, text, reporter) as state:
        for version, (before, after) in enumerate(edits, start=2):
            text = text.replace(before, after, 1)
            state.did_change(path, version, text)
            settle(state)
            assert reporter.sent[path] == sent_by_a_fresh_state(root, path, text), (before, after)
    assert reporter.last(path).rules.count("create-table-not-idempotent") == 11
