"""Pilot tests of what a hostile tester found: a second connection writes between staging and
save, and the person's staged work and the other user's data both survive."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input, Static

from tests.tui.editing import edit_to, editing, other_user, press, rows, save, to_column
from tui.db.edits import CellEdit
from tui.screens.confirm import ConfirmScreen
from tui.screens.conflict import ConflictScreen
from tui.screens.edit_cell import CellEditorScreen
from tui.widgets.row_grid import RowGrid


async def into_conflict(pilot: Pilot[int], grid: RowGrid, path: Path) -> None:
    """Ada's name edited to 'mine', another user writes 'theirs', and ctrl+s: a conflict."""
    to_column(grid, "name")
    await edit_to(pilot, "mine")
    other_user(path, "UPDATE people SET name = 'theirs' WHERE id = 1")
    await save(pilot)


async def test_a_pet_added_after_staging_stops_the_owners_deletion(odd_db: Path) -> None:
    """The confirmation said one pet goes with owner 7; another user adds a second pet before
    ctrl+s: nothing is deleted, the dialog says what changed, the deletion stays staged; kept
    knowingly, the next save deletes both pets."""
    async with editing(odd_db, "people") as (app, pilot, screen, grid):
        grid.move_to(6)  # id 7 owns a pet
        await press(pilot, "d")
        question = app.screen
        assert isinstance(question, ConfirmScreen)
        text = str(question.query_one("#confirm-detail", Static).render())
        assert "also deletes 1 row of pets" in text
        await press(pilot, "y")
        other_user(odd_db, "INSERT INTO pets (id, owner_id, name) VALUES (900, 7, 'new')")
        await save(pilot)
        dialog = app.screen
        assert isinstance(dialog, ConflictScreen)
        said = str(dialog._title) + str(dialog._summary)
        assert "takes with it changed" in said
        assert "2 rows of pets refer to it (CASCADE) instead of 1" in said
        assert screen.status.pending == 1
        assert rows(odd_db, "SELECT count(*) FROM pets WHERE owner_id = 7") == [(2,)]
        assert rows(odd_db, "SELECT count(*) FROM people WHERE id = 7") == [(1,)]
        await press(pilot, "k")
        assert screen.status.pending == 1
        await save(pilot)
        assert screen.status.pending == 0
    assert rows(odd_db, "SELECT count(*) FROM pets WHERE owner_id = 7") == [(0,)]
    assert rows(odd_db, "SELECT count(*) FROM people WHERE id = 7") == [(0,)]


def shown(screen: object, selector: str) -> str:
    from textual.screen import Screen

    assert isinstance(screen, Screen)
    return str(screen.query_one(selector, Static).render())


async def test_edit_again_keeps_mine_staged_on_their_value(odd_db: Path) -> None:
    """Edit again re-stages mine with their value as the original before the editor opens:
    the editor shows mine as staged and theirs as what the database holds, Esc keeps mine
    staged, and ctrl+s then saves it over theirs knowingly."""
    async with editing(odd_db, "people") as (app, pilot, screen, grid):
        await into_conflict(pilot, grid, odd_db)
        await press(pilot, "e")
        editor = app.screen
        assert isinstance(editor, CellEditorScreen)
        assert editor.query_one("#editor", Input).value == "mine"
        lines = shown(editor, "#editor-current")
        assert "staged (not saved): 'mine'" in lines
        assert "now in the database: 'theirs'" in lines
        assert "now: 'mine'" not in lines
        assert screen.status.pending == 1
        await press(pilot, "escape")
        assert screen.status.pending == 1
        (edit,) = screen.changes.changes
        assert isinstance(edit, CellEdit)
        assert (edit.original, edit.new) == ("theirs", "mine")
        await save(pilot)
        assert screen.status.pending == 0
    assert rows(odd_db, "SELECT name FROM people WHERE id = 1") == [("mine",)]


async def test_a_staged_cell_opens_labelled_as_staged(odd_db: Path) -> None:
    async with editing(odd_db, "people") as (app, pilot, _screen, grid):
        to_column(grid, "name")
        await edit_to(pilot, "first")
        await press(pilot, "e")
        lines = shown(app.screen, "#editor-current")
        assert "staged (not saved): 'first'" in lines
        assert "now in the database: 'Ada 1'" in lines
