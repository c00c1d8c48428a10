"""Pilot tests of what a hostile tester found: a second connection writes between staging and
save, and the person's staged work and the other user's data both survive."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import Static

from tests.tui.editing import editing, other_user, press, rows, save
from tui.screens.confirm import ConfirmScreen
from tui.screens.conflict import ConflictScreen


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
