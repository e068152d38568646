"""Editor settings compared by what they give each path, not by how they were written."""

from __future__ import annotations

from pathlib import Path

from migration_lsp.lsp.settings import EditorSettings, Settings

APP, API = Path("/srv/app"), Path("/srv/app/packages/api")
SAVE = Settings(check_on="save")


def test_a_folder_that_repeats_the_window_changes_nothing() -> None:
    # What a client without settings of its own answers at start-up: each folder as the window.
    answered = EditorSettings().with_folder(APP, Settings()).with_folder(API, Settings())
    assert answered.same_for_every_path(EditorSettings())
    assert EditorSettings().same_for_every_path(answered)


def test_a_folder_of_its_own_is_a_change() -> None:
    assert not EditorSettings().with_folder(API, SAVE).same_for_every_path(EditorSettings())
    assert not EditorSettings(SAVE).same_for_every_path(EditorSettings())


def test_nested_folders_are_compared_where_each_applies() -> None:
    outer = EditorSettings().with_folder(APP, SAVE)
    # The inner folder repeats the outer one: the same everywhere.
    assert outer.with_folder(API, SAVE).same_for_every_path(outer)
    # The inner folder goes back to the window's: a change inside it only.
    assert not outer.with_folder(API, Settings()).same_for_every_path(outer)
