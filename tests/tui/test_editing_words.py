"""What the editing screens say: refusals name the flag in effect, a notice is replaced when
what it said is undone, a quote in a value reads the same in the change list and the SQL, and
a new row has one name in the strip and the panel."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Static

from tests.tui.editing import (
    assert_refused,
    edit_to,
    editing,
    fill_form,
    press,
    rows,
    save,
    to_column,
)
from tui.screens.pending import PendingScreen
from tui.screens.row_form import RowFormScreen
from tui.widgets.row_grid import RowGrid


@pytest.mark.parametrize("flag", ["--read-only", "--immutable"])
async def test_every_edit_path_is_refused_naming_the_flag_in_effect(
    odd_db: Path, flag: str
) -> None:
    read_only, immutable = flag == "--read-only", flag == "--immutable"
    other = "--immutable" if read_only else "--read-only"
    async with editing(odd_db, "people", read_only=read_only, immutable=immutable) as running:
        _app, pilot, screen, grid = running
        to_column(grid, "name")
        await assert_refused(pilot, screen, flag, not_=other)
        assert screen.status.pending == 0


async def test_undoing_a_discard_replaces_its_notice(odd_db: Path) -> None:
    async with editing(odd_db, "people") as (_app, pilot, screen, grid):
        to_column(grid, "name")
        await edit_to(pilot, "one")
        await press(pilot, "X")
        await press(pilot, "y")
        assert screen.status.notice.startswith("discarded 1 staged change")
        await press(pilot, "ctrl+z")
        assert screen.status.pending == 1
        assert "discarded" not in screen.status.notice
        assert screen.status.notice == "undone: 1 change staged (ctrl+y redoes)"
        await press(pilot, "ctrl+y")
        assert screen.status.notice == "redone: nothing is staged (ctrl+z undoes)"


async def test_a_quote_reads_the_same_in_the_change_list_and_the_sql(odd_db: Path) -> None:
    """Text is a quoted SQL literal wherever it is shown inline (tui.text.literal): its quote
    doubled in the change list and among the bound values alike."""
    async with editing(odd_db, "people") as (app, pilot, _screen, grid):
        to_column(grid, "name")
        await edit_to(pilot, "it's")
        await press(pilot, "p")
        assert isinstance(app.screen, PendingScreen)
        lines = str(app.screen.query_one("#pending-body", Static).render()).splitlines()
        change = next(line for line in lines if "->" in line)
        assert change.endswith("name: 'Ada 1' -> 'it''s'")
        bound = next(line for line in lines if "bound:" in line)
        assert "='it''s'" in bound and "='Ada 1'" in bound
        await press(pilot, "ctrl+s")
    assert rows(odd_db, "SELECT name FROM people WHERE id = 1") == [("it's",)]


async def test_a_new_row_has_one_name_in_the_strip_the_panel_and_the_form(
    odd_db: Path,
) -> None:
    async with editing(odd_db, "people") as (app, pilot, screen, _grid):
        for name in ("first", "second"):
            await press(pilot, "i")
            await fill_form(pilot, {1: name})
        assert screen.status.notice.startswith("new row 2+ staged")
        strip = screen.query_one("#new-rows", RowGrid)
        strip.focus()
        await press(pilot, "d")  # drops "first": "second" is the strip's first row now
        assert screen.status.notice.startswith("new row 1+ dropped")
        gutter = strip.render_line(0).text.split("│")[0].strip()
        assert gutter.startswith("1+") and "second" in strip.render_line(0).text
        await press(pilot, "p")
        body = str(app.screen.query_one("#pending-body", Static).render())
        assert "new row 1+: name='second'" in body and "#" not in body
        await press(pilot, "escape")
        await press(pilot, "e")
        assert isinstance(app.screen, RowFormScreen)
        assert "New row 1+ of" in str(app.screen._title)
        await press(pilot, "escape")
        await save(pilot)
    assert rows(odd_db, "SELECT name FROM people WHERE id > 300") == [("second",)]
