"""Pilot tests of what a hostile tester found: a second connection writes between staging and
save, and the person's staged work and the other user's data both survive."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Input, Static

from tests.tui.editing import (
    edit_to,
    editing,
    into_conflict,
    notices,
    other_user,
    press,
    rows,
    save,
    to_column,
)
from tui.db.edits import CellEdit
from tui.screens.confirm import ConfirmScreen
from tui.screens.conflict import ConflictScreen
from tui.screens.edit_cell import CellEditorScreen


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


async def test_the_detail_view_shows_the_staged_value_and_null_distinctly(odd_db: Path) -> None:
    """Enter on an edited cell shows the staged value, marked as not saved, with what the
    database holds; a NULL (staged or stored) is said in words, never as the text 'NULL'."""
    from textual.widgets import Label

    from tui.screens.cell_detail import CellDetailScreen
    from tui.widgets.value_view import ValueView

    def said(selector: str) -> str:
        return str(app.screen.query_one(selector, Label).render())

    async with editing(odd_db, "people") as (app, pilot, _screen, grid):
        to_column(grid, "name")
        await edit_to(pilot, "staged name")
        await press(pilot, "enter")
        assert isinstance(app.screen, CellDetailScreen)
        assert app.screen.value == "staged name"
        assert "staged TEXT" in said(".dialog-title")
        assert "not saved" in said("#cell-staged") and "'Ada 1'" in said("#cell-staged")
        assert app.screen.query_one(ValueView).length == len("staged name")
        await press(pilot, "escape")
        to_column(grid, "email")
        await edit_to(pilot, None)  # NULL staged
        await press(pilot, "enter")
        assert app.screen.value is None
        assert "∅ NULL" in said("#cell-nothing") and "not the text 'NULL'" in said("#cell-nothing")
        assert not app.screen.query_one(ValueView).display
        await press(pilot, "escape")
    other_user(odd_db, "UPDATE people SET note = 'NULL', email = '' WHERE id = 2")
    async with editing(odd_db, "people") as (app, pilot, _screen, grid):
        grid.cursor_row = 1
        to_column(grid, "note")
        await press(pilot, "enter")
        assert not app.screen.query("#cell-nothing")  # the text 'NULL' is text
        await press(pilot, "escape")
        to_column(grid, "email")
        await press(pilot, "enter")
        assert not app.screen.query("#cell-nothing")  # the empty text: the view's ⟨empty⟩
        assert app.screen.query_one(ValueView).display


async def test_undo_and_discard_take_down_the_toasts_of_a_failed_save(odd_db: Path) -> None:
    async with editing(odd_db, "people") as (app, pilot, screen, grid):
        to_column(grid, "name")
        await edit_to(pilot, "kept")
        await press(pilot, "i")
        fields = app.screen.query(Input)
        fields[0].value, fields[1].value = "1", "Twin"  # the id of an existing row
        await press(pilot, "ctrl+s")
        await save(pilot)  # UNIQUE fails: a toast, the panel opens
        assert any(n.title.startswith("Save failed") for n in app._notifications)
        await press(pilot, "escape")
        await press(pilot, "ctrl+z")
        assert screen.status.pending == 1
        assert not any(n.title.startswith("Save failed") for n in app._notifications)
        await save(pilot)
        assert screen.status.pending == 0
        assert screen.status.notice.startswith("saved 1 change")


async def test_duplicate_under_read_only_says_read_only(odd_db: Path) -> None:
    async with editing(odd_db, "people", read_only=True) as (app, pilot, _screen, _grid):
        await press(pilot, "D")
        (toast,) = list(app._notifications)
        assert toast.title == "Read-only"
        assert "--read-only" in toast.message


async def test_a_column_added_by_another_connection_stops_the_save_and_is_read(
    odd_db: Path,
) -> None:
    """The save says the schema changed and writes nothing; the grid shows the new column;
    the changes are still staged and the next ctrl+s saves them."""
    from tui.screens.pending import PendingScreen

    async with editing(odd_db, "people") as (app, pilot, screen, grid):
        to_column(grid, "name")
        await edit_to(pilot, "mine")
        other_user(odd_db, "ALTER TABLE people ADD COLUMN nickname TEXT DEFAULT 'nick'")
        await save(pilot)
        assert isinstance(app.screen, PendingScreen)
        assert any("people: added nickname" in n for n in notices(app))
        assert screen.status.pending == 1
        assert rows(odd_db, "SELECT name FROM people WHERE id = 1") == [("Ada 1",)]
        await press(pilot, "escape")
        assert "nickname" in [c.name for c in grid.columns]
        assert screen.table is not None and "nickname" in screen.table.column_names
        await save(pilot)
        assert screen.status.pending == 0
    assert rows(odd_db, "SELECT name, nickname FROM people WHERE id = 1") == [("mine", "nick")]


async def test_a_table_opened_again_after_another_connection_altered_it_has_its_columns(
    odd_db: Path,
) -> None:
    from tui.widgets.table_list import TableList

    async with editing(odd_db, "people", monitor=False) as (_app, pilot, screen, grid):
        other_user(odd_db, "ALTER TABLE pets ADD COLUMN chip TEXT")
        other_user(odd_db, "ALTER TABLE people ADD COLUMN nickname TEXT")
        screen.data_changed()  # what the change watcher calls on seeing their commit
        await press(pilot)
        for name in ("pets", "people"):
            info = next(t for t in screen.query_one(TableList).tables if t.name == name)
            screen.open_table(info)
            await press(pilot)
        assert "nickname" in [c.name for c in grid.columns]
        pets = next(t for t in screen.query_one(TableList).tables if t.name == "pets")
        assert "chip" in pets.column_names


async def test_a_row_deleted_by_the_other_user_offers_only_what_makes_sense(
    odd_db: Path,
) -> None:
    """Their deletion: no keep mine (nothing to keep it on), no edit again; k and e do
    nothing; take theirs drops my edit. A deletion's conflict offers no edit again."""
    from textual.widgets import Button

    async with editing(odd_db, "people") as (app, pilot, screen, grid):
        to_column(grid, "name")
        await edit_to(pilot, "mine")
        other_user(odd_db, "DELETE FROM people WHERE id = 1")
        await save(pilot)
        dialog = app.screen
        assert isinstance(dialog, ConflictScreen)
        assert {str(b.id) for b in dialog.query(Button)} == {"theirs", "later"}
        footer = {b.binding.action for b in app.active_bindings.values()}
        assert "choose('theirs')" in footer
        assert "choose('keep')" not in footer and "choose('edit')" not in footer
        await press(pilot, "k")
        await press(pilot, "e")
        assert app.screen is dialog
        await press(pilot, "t")
        assert screen.status.pending == 0
        grid.move_to(0)  # id 2: id 1 is gone
        await press(pilot, "d")
        await press(pilot, "y")
        other_user(odd_db, "UPDATE people SET note = 'theirs' WHERE id = 2")
        await save(pilot)
        dialog = app.screen
        assert isinstance(dialog, ConflictScreen)
        assert {str(b.id) for b in dialog.query(Button)} == {"keep", "theirs", "later"}
