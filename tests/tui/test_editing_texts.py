"""Pilot tests of the editing texts a hostile tester found misleading (report 10, finding 9):
each says what is true of this database and this change, in plain words."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input, Static

from tests.tui.editing import edit_to, editing, press, rows, save, to_column
from tui.db.write_access import file_write_refusal
from tui.screens.confirm import ConfirmScreen
from tui.screens.edit_cell import CellEditorScreen
from tui.screens.pending import PendingScreen


def make(path: Path, *statements: str) -> Path:
    conn = sqlite3.connect(path)
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()
    return path


def family(tmp_path: Path) -> Path:
    return make(
        tmp_path / "family.db",
        "CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT)",
        "CREATE TABLE child_cascade (id INTEGER PRIMARY KEY,"
        " pid INT REFERENCES parent (id) ON DELETE CASCADE)",
        "CREATE TABLE child_restrict (id INTEGER PRIMARY KEY,"
        " pid INT REFERENCES parent (id) ON DELETE RESTRICT)",
        "CREATE TABLE child_setnull (id INTEGER PRIMARY KEY,"
        " pid INT REFERENCES parent (id) ON DELETE SET NULL)",
        "INSERT INTO parent VALUES (1, 'one'), (2, 'two')",
        "INSERT INTO child_cascade VALUES (10, 1), (11, 1)",
        "INSERT INTO child_restrict VALUES (20, 2)",
        "INSERT INTO child_setnull VALUES (30, 2)",
    )


async def test_changing_a_key_names_only_the_tables_that_refer_to_it(tmp_path: Path) -> None:
    path = family(tmp_path)
    async with editing(path, "parent") as (app, pilot, _screen, grid):
        to_column(grid, "id")
        await press(pilot, "e")
        editor = app.screen
        assert isinstance(editor, CellEditorScreen)
        editor.query_one("#editor", Input).value = "5"
        await press(pilot, "enter")
        question = app.screen
        assert isinstance(question, ConfirmScreen)
        text = str(question.query_one("#confirm-detail", Static).render())
        assert "2 rows of child_cascade refer to it (its ON UPDATE rule" in text
        assert "child_restrict" not in text and "child_setnull" not in text


async def test_a_refused_deletion_is_pointed_at_and_said_in_good_grammar(tmp_path: Path) -> None:
    """Parent 2 has one RESTRICT child: the confirmation says "1 row … refers to it", and the
    failed save (SQLite checks at commit) points at that deletion, not at "some change"."""
    path = family(tmp_path)
    async with editing(path, "parent") as (app, pilot, screen, grid):
        to_column(grid, "name")
        await edit_to(pilot, "uno")  # a second change, so the save is not one statement
        grid.move_to(1)
        await press(pilot, "d")
        question = app.screen
        assert isinstance(question, ConfirmScreen)
        text = str(question.query_one("#confirm-detail", Static).render())
        assert "1 row of child_restrict still refers to it (RESTRICT)" in text
        await press(pilot, "y")
        await save(pilot)
        assert screen.status.pending == 2
        panel = app.screen  # a failed save opens the pending panel on the failed change
        assert isinstance(panel, PendingScreen)
        said = panel._body.plain
        assert "▶✗  2. parent  delete id=2" in said  # opened on it, selected
        assert "1 row of child_restrict still refers to it (RESTRICT), as announced" in said
        assert "does not say which change" not in said
    assert rows(path, "SELECT id, name FROM parent") == [(1, "one"), (2, "two")]


async def test_the_null_placeholder_offers_only_what_the_editor_does(tmp_path: Path) -> None:
    path = make(
        tmp_path / "n.db",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, n INTEGER, s TEXT)",
        "INSERT INTO t VALUES (1, NULL, NULL)",
    )
    async with editing(path, "t") as (app, pilot, _screen, grid):
        to_column(grid, "n")
        await press(pilot, "e")
        assert isinstance(app.screen, CellEditorScreen)
        placeholder = app.screen.query_one("#editor", Input).placeholder
        assert "NULL" in placeholder and "ctrl+e" not in placeholder
        await press(pilot, "escape")
        to_column(grid, "s")
        await press(pilot, "e")
        assert isinstance(app.screen, CellEditorScreen)
        assert "ctrl+e: the empty text" in app.screen.query_one("#editor", Input).placeholder


async def test_a_cell_edited_twice_is_one_pending_entry(tmp_path: Path) -> None:
    path = make(
        tmp_path / "twice.db",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT)",
        "INSERT INTO t VALUES (1, 'a'), (2, 'b')",
    )
    async with editing(path, "t") as (app, pilot, screen, grid):
        to_column(grid, "s")
        await edit_to(pilot, "first")
        await edit_to(pilot, "second")
        assert screen.status.pending == 1
        await press(pilot, "p")
        assert isinstance(app.screen, PendingScreen)
        said = app.screen._body.plain
        assert "1 change staged" in said and "s: 'a' -> 'second'" in said
        assert "'first'" not in said


async def test_quitting_with_changes_says_nothing_was_written(tmp_path: Path) -> None:
    path = make(
        tmp_path / "q.db",
        "CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT)",
        "INSERT INTO t VALUES (1, 'a')",
    )
    async with editing(path, "t") as (app, pilot, _screen, grid):
        to_column(grid, "s")
        await edit_to(pilot, "b")
        await press(pilot, "ctrl+q")
        question = app.screen
        assert isinstance(question, ConfirmScreen)
        text = str(question.query_one("#confirm-detail", Static).render())
        assert text.startswith("Nothing was written; quitting forgets them.")
        await press(pilot, "escape")


def test_a_read_only_mount_is_named_as_such(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A file the permissions let this user write, on a file system mounted read-only."""
    path = make(tmp_path / "ro.db", "CREATE TABLE t (id INTEGER)")
    assert file_write_refusal(path) is None
    real = os.statvfs

    def mounted_read_only(where: Any) -> Any:
        found = real(where)
        return os.statvfs_result((*found[:8], found.f_flag | os.ST_RDONLY, found.f_namemax))

    monkeypatch.setattr(os, "statvfs", mounted_read_only)
    refusal = file_write_refusal(path)
    assert refusal is not None
    assert "read-only file system" in refusal and "permissions" not in refusal
