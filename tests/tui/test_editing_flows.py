"""Pilot tests of editing on real SQLite files: a person edits cells, inserts, duplicates and
deletes rows, looks at what is pending, saves, undoes, and meets a refusal or a failure.

Each test reads the database back with its own sqlite3 connection: what the screen says is
checked against what was written.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from textual.widgets import Input, Label, Static

from tests.tui.editing import (
    assert_refused,
    edit_to,
    editing,
    into_conflict,
    notices,
    opened,
    other_user,
    press,
    rows,
    save,
    to_column,
)
from tests.tui.scenes import settle
from tui.app import DbBrowseApp
from tui.screens.browse import BrowseScreen
from tui.screens.confirm import ConfirmScreen
from tui.screens.conflict import ConflictScreen
from tui.screens.edit_cell import CellEditorScreen
from tui.screens.pending import PendingScreen
from tui.screens.row_form import RowFormScreen
from tui.widgets.row_grid import RowGrid


async def test_edit_a_cell_stage_and_save(odd_db: Path) -> None:
    async with editing(odd_db, "people") as (_app, pilot, screen, grid):
        to_column(grid, "name")
        await edit_to(pilot, "Zoë 1")
        assert screen.status.pending == 1
        assert "1 change pending" in str(screen.status.render())
        mark = grid.marks.mark(0, grid.source.row_at(0)) if grid.marks else None
        assert mark is not None and mark.changed == {1: "Zoë 1"}
        # nothing written yet
        assert rows(odd_db, "SELECT name FROM people WHERE id = 1") == [("Ada 1",)]
        await save(pilot)
        assert rows(odd_db, "SELECT name FROM people WHERE id = 1") == [("Zoë 1",)]
        assert screen.status.pending == 0
        assert "saved 1 change" in screen.status.notice
        assert grid.source.row_at(0)[1] == "Zoë 1"  # type: ignore[index]


async def test_null_and_empty_text_are_different_edits(odd_db: Path) -> None:
    async with editing(odd_db, "people") as (_app, pilot, _screen, grid):
        to_column(grid, "email")
        await edit_to(pilot, None)
        await pilot.press("down")
        await edit_to(pilot, "")
        await save(pilot)
    stored = rows(odd_db, "SELECT email, typeof(email) FROM people WHERE id IN (1, 2) ORDER BY id")
    assert stored == [(None, "null"), ("", "text")]


async def test_integer_column_parses_typed_text(odd_db: Path) -> None:
    async with editing(odd_db, "people") as (_app, pilot, _screen, grid):
        to_column(grid, "age")
        await edit_to(pilot, "0042")
        await press(pilot, "e")
        await press(pilot, "escape")
        await save(pilot)
    assert rows(odd_db, "SELECT age, typeof(age) FROM people WHERE id = 1") == [(42, "integer")]


async def test_parse_error_stages_nothing(odd_db: Path) -> None:
    async with editing(odd_db, "people") as (app, pilot, screen, grid):
        to_column(grid, "age")
        await press(pilot, "e")
        app.screen.query_one("#editor", Input).value = "forty"
        await press(pilot, "enter")
        assert isinstance(app.screen, CellEditorScreen)
        await press(pilot, "escape")
        assert screen.status.pending == 0


async def test_a_view_cannot_be_edited(odd_db: Path) -> None:
    async with editing(odd_db, "adults") as (app, pilot, screen, _grid):
        await press(pilot, "e")
        assert app.screen is screen
        assert any("view" in n for n in notices(app))


async def test_changing_a_key_asks_first(odd_db: Path) -> None:
    async with editing(odd_db, "people") as (app, pilot, screen, grid):
        to_column(grid, "id")
        await edit_to(pilot, "1000")
        assert isinstance(app.screen, ConfirmScreen)
        await press(pilot, "n")
        assert screen.status.pending == 0
        await edit_to(pilot, "1000")
        await press(pilot, "y")
        assert screen.status.pending == 1
        await save(pilot)
    assert rows(odd_db, "SELECT name FROM people WHERE id = 1000") == [("Ada 1",)]


async def test_undo_redo_and_discard(odd_db: Path) -> None:
    async with editing(odd_db, "people") as (app, pilot, screen, grid):
        to_column(grid, "name")
        await edit_to(pilot, "one")
        await pilot.press("down")
        await edit_to(pilot, "two")
        assert screen.status.pending == 2
        await press(pilot, "ctrl+z")
        assert screen.status.pending == 1
        await press(pilot, "ctrl+y")
        assert screen.status.pending == 2
        await press(pilot, "X")
        assert isinstance(app.screen, ConfirmScreen)
        await press(pilot, "y")
        assert screen.status.pending == 0
        await save(pilot)  # nothing to save
    assert rows(odd_db, "SELECT name FROM people WHERE id IN (1, 2) ORDER BY id") == [
        ("Ada 1",),
        ("Bohdan 2",),
    ]


async def test_pending_panel_lists_changes_and_statements(odd_db: Path) -> None:
    async with editing(odd_db, "people") as (app, pilot, _screen, grid):
        to_column(grid, "name")
        await edit_to(pilot, "[b]x[/b]")
        await press(pilot, "p")
        assert isinstance(app.screen, PendingScreen)
        body = str(app.screen.query_one("#pending-body", Static).render())
        assert "'Ada 1' -> '[b]x[/b]'" in body
        assert "UPDATE" in body and "people" in body
        assert "must touch 1 row" in body
        await pilot.press("ctrl+s")  # saves from the panel
        await settle(pilot)
    assert rows(odd_db, "SELECT name FROM people WHERE id = 1") == [("[b]x[/b]",)]


async def test_insert_a_row_with_defaults(odd_db: Path) -> None:
    async with editing(odd_db, "people") as (app, pilot, screen, _grid):
        await press(pilot, "i")
        form = app.screen
        assert isinstance(form, RowFormScreen)
        assert form.query_one("#field-0", Input).placeholder == "left out: auto"
        form.query_one("#field-1", Input).value = "New Person"
        form.query_one("#field-4", Input).focus()
        await pilot.press("ctrl+n")  # note: NULL, email: left to its default
        await press(pilot, "ctrl+s")
        assert screen.status.pending == 1
        strip = screen.query_one("#new-rows", RowGrid)
        assert screen.query_one("#new-rows-box").display and strip.total == 1
        await save(pilot)
    assert rows(odd_db, "SELECT id, name, email, note FROM people WHERE id > 300") == [
        (301, "New Person", None, None)
    ]


async def test_duplicate_a_row(odd_db: Path) -> None:
    async with editing(odd_db, "people") as (app, pilot, _screen, grid):
        grid.move_to(1)
        await press(pilot, "D")
        form = app.screen
        assert isinstance(form, RowFormScreen)
        assert form.query_one("#field-1", Input).value == "Bohdan 2"
        await press(pilot, "ctrl+s")
        await save(pilot)
    assert rows(odd_db, "SELECT name, email, age FROM people WHERE id = 301") == rows(
        odd_db, "SELECT name, email, age FROM people WHERE id = 2"
    )


async def test_delete_selected_rows_says_what_cascades(odd_db: Path) -> None:
    async with editing(odd_db, "people") as (app, pilot, screen, grid):
        grid.move_to(6)  # id 7 owns a pet
        await pilot.press("space")
        grid.move_to(41)  # id 42 owns a pet
        await press(pilot, "space")
        await press(pilot, "d")
        question = app.screen
        assert isinstance(question, ConfirmScreen)
        text = str(question.query_one("#confirm-detail", Static).render())
        assert "also deletes 2 rows of pets (ON DELETE CASCADE" in text
        assert "2 rows" in question._title
        await press(pilot, "y")
        assert screen.status.pending == 2
        mark = grid.marks.mark(6, grid.source.row_at(6)) if grid.marks else None
        assert mark is not None and mark.deleted
        await save(pilot)
    assert rows(odd_db, "SELECT count(*) FROM people WHERE id IN (7, 42)") == [(0,)]
    assert rows(odd_db, "SELECT id FROM pets ORDER BY id") == [(2,)]  # cascaded


async def test_failed_save_keeps_every_change_and_points_at_it(odd_db: Path) -> None:
    async with editing(odd_db, "people") as (app, pilot, screen, grid):
        to_column(grid, "email")
        await edit_to(pilot, "kept@example.org")
        await press(pilot, "i")
        app.screen.query_one("#field-0", Input).value = "1"  # the id of an existing row
        app.screen.query_one("#field-1", Input).value = "Twin"
        await press(pilot, "ctrl+s")
        assert screen.status.pending == 2
        await save(pilot)
        assert screen.status.pending == 2
        assert isinstance(app.screen, PendingScreen)
        body = str(app.screen.query_one("#pending-body", Static).render())
        assert "✗" in body and "failed:" in body and "UNIQUE" in body
    assert rows(odd_db, "SELECT email FROM people WHERE id = 1") == [(None,)]


async def test_quit_with_pending_changes_asks(odd_db: Path) -> None:
    async with editing(odd_db, "people") as (app, pilot, screen, grid):
        to_column(grid, "name")
        await edit_to(pilot, "unsaved")
        await press(pilot, "q")
        assert isinstance(app.screen, ConfirmScreen)
        await press(pilot, "n")
        assert app.screen is screen and app.is_running
        await press(pilot, "q")
        await press(pilot, "y")
        assert not app.is_running or app._exit_renderables is not None
    assert rows(odd_db, "SELECT name FROM people WHERE id = 1") == [("Ada 1",)]


def conflict_text(screen: Any) -> str:
    import io

    from rich.console import Console

    console = Console(width=120, file=io.StringIO(), record=True)
    console.print(screen._table)
    return console.export_text()


async def test_conflict_keep_mine(odd_db: Path) -> None:
    async with editing(odd_db, "people") as (app, pilot, screen, grid):
        await into_conflict(pilot, grid, odd_db)
        assert isinstance(app.screen, ConflictScreen)
        text = conflict_text(app.screen)
        assert "'Ada 1'" in text and "'mine'" in text and "'theirs'" in text
        assert rows(odd_db, "SELECT name FROM people WHERE id = 1") == [("theirs",)]
        assert screen.status.pending == 1
        await press(pilot, "k")
        assert screen.status.pending == 1
        await save(pilot)
        assert screen.status.pending == 0
    assert rows(odd_db, "SELECT name FROM people WHERE id = 1") == [("mine",)]


async def test_conflict_take_theirs(odd_db: Path) -> None:
    async with editing(odd_db, "people") as (app, pilot, screen, grid):
        await into_conflict(pilot, grid, odd_db)
        assert isinstance(app.screen, ConflictScreen)
        await press(pilot, "t")
        assert screen.status.pending == 0
    assert rows(odd_db, "SELECT name FROM people WHERE id = 1") == [("theirs",)]


async def test_conflict_edit_again_and_row_gone(odd_db: Path) -> None:
    async with editing(odd_db, "people") as (app, pilot, screen, grid):
        await into_conflict(pilot, grid, odd_db)
        await press(pilot, "e")
        editor = app.screen
        assert isinstance(editor, CellEditorScreen)
        # Mine to edit again (theirs is the original now): Esc would not lose it silently.
        assert editor.query_one("#editor", Input).value == "mine"
        editor.query_one("#editor", Input).value = "merged"
        await press(pilot, "enter")
        await pilot.press("down")
        await edit_to(pilot, "second")
        other_user(odd_db, "DELETE FROM people WHERE id = 2")
        await save(pilot)
        assert isinstance(app.screen, ConflictScreen)
        assert "gone" in conflict_text(app.screen) + str(app.screen._summary)
        await press(pilot, "k")  # not possible: the row is gone
        assert isinstance(app.screen, ConflictScreen)
        await press(pilot, "t")
        assert screen.status.pending == 1
        await save(pilot)
    assert rows(odd_db, "SELECT name FROM people WHERE id = 1") == [("merged",)]


async def test_cell_detail_view_opens_the_editor(odd_db: Path) -> None:
    async with editing(odd_db, "people") as (app, pilot, _screen, grid):
        to_column(grid, "name")
        await press(pilot, "enter")
        await press(pilot, "e")
        assert isinstance(app.screen, CellEditorScreen)
        assert app.screen.query_one("#editor", Input).value == "Ada 1"


async def test_hostile_names_and_values_stay_escaped_while_editing(tmp_path: Path) -> None:
    from tests.tui.scenes import make_hostile_database
    from tui.text.escape import needs_escape

    path = make_hostile_database(tmp_path / "hostile.db")
    async with editing(path, "") as (app, pilot, screen, grid):
        to_column(grid, "")
        await press(pilot, "e")
        field = app.screen.query_one("#editor", Input)
        assert field.value == "\\x1b[2J\\x1b[Hcleared"  # the stored ESC, as an escape
        field.value = field.value + "\x1b]52;c;eA==\x07"  # a paste of another sequence
        await press(pilot, "enter")
        await press(pilot, "p")
        body = app.screen.query_one("#pending-body", Static).render()
        plain = getattr(body, "plain", str(body))
        assert not needs_escape(plain.replace("\n", ""))
        assert "\\x1b]52;c;eA==\\x07" in plain
        await press(pilot, "escape")
        for y in range(grid.header_lines, grid.header_lines + 3):
            assert not needs_escape(grid.render_line(y).text)
        await save(pilot)
        assert screen.status.pending == 0
    stored = rows(path, 'SELECT "" FROM "" WHERE id = 1')
    assert stored == [("\x1b[2J\x1b[Hcleared\x1b]52;c;eA==\x07",)]


async def test_unwritable_file_is_refused_before_any_editor(odd_db: Path, monkeypatch: Any) -> None:
    from tui.db.source import DataSource

    def refusal(self: DataSource) -> str:
        return "the directory /somewhere is not writable by this user"

    monkeypatch.setattr(DataSource, "write_refusal", refusal)
    async with editing(odd_db, "people") as (_app, pilot, screen, grid):
        to_column(grid, "name")
        await assert_refused(pilot, screen, "not writable")


async def test_nothing_changes_while_a_save_waits_for_a_lock(
    odd_db: Path, monkeypatch: Any
) -> None:
    from tests.tui.scenes import eventually

    monkeypatch.setenv("BUSY_TIMEOUT_MS", "60000")
    async with editing(odd_db, "people") as (app, pilot, screen, grid):
        to_column(grid, "name")
        await edit_to(pilot, "after the lock")
        other = sqlite3.connect(odd_db, isolation_level=None)  # another writer holds the lock
        other.execute("BEGIN IMMEDIATE")
        try:
            await pilot.press("ctrl+s")
            await eventually(pilot, lambda: screen.job_running("save"), "the save began")
            # It says what it waits for (this process's own connection holds the lock: no pid).
            await eventually(
                pilot,
                lambda: "saving: waiting for the database" in screen.status.jobs,
                "the save says it waits",
            )
            assert "Esc" not in screen.status.jobs  # a save runs to its commit or rollback
            for key in ("ctrl+z", "e"):
                await pilot.press(key)
                await pilot.pause()
            if not isinstance(app.screen, BrowseScreen):  # the editor opened: stage in it
                app.screen.query_one("#editor", Input).value = "meanwhile"
                await pilot.press("enter")
                await pilot.pause()
            assert screen.status.pending == 1
            assert any("a save is under way" in n for n in notices(app))
            # Quitting now could only guess whether the save will have written anything.
            await pilot.press("q")
            await pilot.pause()
            assert not isinstance(app.screen, ConfirmScreen) and app.is_running
        finally:
            other.execute("ROLLBACK")
            other.close()
        await eventually(pilot, lambda: screen.status.pending == 0, "the save finished")
    assert rows(odd_db, "SELECT name FROM people WHERE id = 1") == [("after the lock",)]


async def test_staged_new_rows_are_changed_copied_and_dropped_from_their_strip(
    odd_db: Path,
) -> None:
    async with editing(odd_db, "people") as (app, pilot, screen, _grid):
        await press(pilot, "i")
        app.screen.query_one("#field-1", Input).value = "Typo"
        await press(pilot, "ctrl+s")
        strip = screen.query_one("#new-rows", RowGrid)
        strip.focus()
        await press(pilot, "e")
        form = app.screen
        assert isinstance(form, RowFormScreen)
        assert form.query_one("#field-1", Input).value == "Typo"
        form.query_one("#field-1", Input).value = "Fixed"
        await press(pilot, "ctrl+s")
        assert screen.status.pending == 1
        assert strip.source.row_at(0)[1] == "Fixed"  # type: ignore[index]
        await pilot.press("D")  # a copy of the new row
        await settle(pilot)
        await press(pilot, "ctrl+s")
        assert screen.status.pending == 2 and strip.total == 2
        strip.move_to(1)
        await pilot.press("d")  # drops the copy
        await settle(pilot)
        assert screen.status.pending == 1 and strip.total == 1
        await pilot.press("enter")  # Enter on a new row opens its form, not the cell view
        await settle(pilot)
        assert isinstance(app.screen, RowFormScreen)
        await press(pilot, "escape")
        await save(pilot)
        assert not screen.query_one("#new-rows-box").display
    assert rows(odd_db, "SELECT name FROM people WHERE id > 300") == [("Fixed",)]


async def test_app_schema_judges_values_only_in_the_app_database(tmp_path: Path) -> None:
    from sqlalchemy import create_engine

    from app import models
    from app.database import Base
    from tui.db.target import resolve_target

    path = tmp_path / "app.db"
    engine = create_engine(f"sqlite:///{path}")
    assert models.Customer.__tablename__ in Base.metadata.tables  # the models fill it
    Base.metadata.create_all(engine)
    engine.dispose()
    conn = sqlite3.connect(path)
    conn.execute(
        "INSERT INTO customers (id, public_id, name, email, tier, is_active, created_at)"
        " VALUES (1, '00000000000000000000000000000001', 'Ada', 'ada@example.org', 'free',"
        " 1, '2026-01-01 00:00:00')"
    )
    conn.commit()
    conn.close()
    for app_database in (True, False):
        target = (
            resolve_target(None, default_url=f"sqlite:///{path}")
            if app_database
            else resolve_target(str(path), default_url="")
        )
        async with opened(DbBrowseApp(target), "customers") as (app, pilot, screen, grid):
            to_column(grid, "email")
            await press(pilot, "e")
            app.screen.query_one("#editor", Input).value = "not an email"
            await press(pilot, "enter")
            if app_database:  # the schema's pattern refuses it in the editor
                assert isinstance(app.screen, CellEditorScreen)
                error = str(app.screen.query_one("#editor-error").render())
                assert "email" in error
                assert screen.status.pending == 0
            else:  # a stranger's table named customers: only the database judges
                assert app.screen is screen
                assert screen.status.pending == 1


async def test_keep_mine_when_theirs_is_already_mine(odd_db: Path) -> None:
    async with editing(odd_db, "people") as (app, pilot, screen, grid):
        to_column(grid, "name")
        await edit_to(pilot, "same")
        other_user(odd_db, "UPDATE people SET name = 'same' WHERE id = 1")
        await save(pilot)
        assert isinstance(app.screen, ConflictScreen)
        await press(pilot, "k")
        assert screen.status.pending == 0
        assert any("already holds my value" in n for n in notices(app))
    assert rows(odd_db, "SELECT name FROM people WHERE id = 1") == [("same",)]


async def test_a_rowid_row_edited_after_vacuum_renumbered_it_is_a_conflict(
    tmp_path: Path,
) -> None:
    """No declared key: the rowid names the row only with the rest of it. Another process
    deletes a row and vacuums, so the edited row's rowid now belongs to another row."""
    path = tmp_path / "nk.db"
    with sqlite3.connect(path) as conn:
        conn.executescript(
            "CREATE TABLE nk (a, b); INSERT INTO nk VALUES (1, 'x'), (2, 'dup'), (3, 'dup');"
        )
    conn.close()
    async with editing(path, "nk") as (_app, pilot, screen, grid):
        grid.cursor_row = 1
        to_column(grid, "b")
        await edit_to(pilot, "mine")
        other = sqlite3.connect(path)
        other.execute("DELETE FROM nk WHERE a = 2")
        other.commit()
        other.execute("VACUUM")
        other.close()
        await save(pilot)
        assert isinstance(pilot.app.screen, ConflictScreen)
        assert rows(path, "SELECT a, b FROM nk ORDER BY a") == [(1, "x"), (3, "dup")]
        assert screen.status.pending == 1


async def test_keys_typed_while_the_editor_opens_run_no_command(
    odd_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The value is read before the editor opens; 'Xylo' typed meanwhile must not discard."""
    import tui.db.values as values

    gate = asyncio.Event()
    original = values.read_value

    async def slow_read(*args: Any) -> Any:
        await gate.wait()
        return await original(*args)

    async with editing(odd_db, "people") as (app, pilot, screen, grid):
        to_column(grid, "name")
        await edit_to(pilot, "staged")
        assert screen.status.pending == 1
        monkeypatch.setattr(values, "read_value", slow_read)
        grid.cursor_row = 1
        await pilot.press("e", "X", "y", "d", "s")
        await pilot.pause()
        assert not isinstance(app.screen, ConfirmScreen)
        gate.set()
        await settle(pilot)
        assert isinstance(app.screen, CellEditorScreen)
        assert screen.status.pending == 1
        assert not screen.query_spec.sort


async def test_insert_form_asks_for_a_not_null_column_without_default(odd_db: Path) -> None:
    """name is NOT NULL without a default: left out, the save could only fail."""
    async with editing(odd_db, "people") as (app, pilot, screen, _grid):
        await press(pilot, "i")
        form = app.screen
        assert isinstance(form, RowFormScreen)
        await press(pilot, "ctrl+s")
        assert app.screen is form
        assert "needs a value" in str(form.query_one("#error-1", Label).render())
        assert screen.status.pending == 0


async def test_a_conflict_is_the_whole_rows(odd_db: Path) -> None:
    async with editing(odd_db, "people") as (app, pilot, screen, grid):
        to_column(grid, "name")
        await edit_to(pilot, "my name")
        to_column(grid, "age")
        await edit_to(pilot, "33")
        other_user(odd_db, "UPDATE people SET name = 'their name' WHERE id = 1")
        await save(pilot)
        assert isinstance(app.screen, ConflictScreen)
        text = conflict_text(app.screen)
        assert "'their name'" in text and "33" in text  # both columns of the one UPDATE
        await press(pilot, "k")
        assert screen.status.pending == 2
        await save(pilot)  # no second conflict for the other column
        assert screen.status.pending == 0
    assert rows(odd_db, "SELECT name, age FROM people WHERE id = 1") == [("my name", 33)]
