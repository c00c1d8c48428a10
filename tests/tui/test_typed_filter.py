"""Pilot tests: the filter dialog and go-to read what is typed by the column's type."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Input, Label, Select

from tests.tui.scenes import SIZE, browse_app, settle
from tui.db.paging import FilterOp
from tui.screens.filter import FilterScreen
from tui.widgets.row_grid import RowGrid
from tui.widgets.table_list import TableList


@pytest.fixture
def codes_db(tmp_path: Path) -> Path:
    path = tmp_path / "codes.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE agents (id INTEGER PRIMARY KEY, code TEXT, rank INTEGER)")
    conn.executemany(
        "INSERT INTO agents (code, rank) VALUES (?, ?)", [("007", 7), ("7", 1), ("0007", 2)]
    )
    conn.commit()
    conn.close()
    return path


async def _filter(pilot: Pilot[int], column: str, text: str) -> None:
    dialog = pilot.app.screen
    assert isinstance(dialog, FilterScreen)
    dialog.query_one("#filter-column", Select).value = column
    dialog.query_one("#filter-op", Select).value = FilterOp.EQ
    await pilot.pause()
    dialog.query_one("#filter-value", Input).value = text
    await pilot.click("#apply")
    await settle(pilot)


async def test_text_stays_text_and_a_bad_integer_is_refused(codes_db: Path) -> None:
    app = browse_app(codes_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.get_screen_browse()
        assert screen is not None
        grid = screen.query_one(RowGrid)
        grid.focus()
        await pilot.press("f")
        await pilot.pause()
        await _filter(pilot, "code", "007")
        assert grid.total == 1
        row = grid.source.row_at(0)
        assert row is not None and row[1] == "007"

        await pilot.press("c")
        await settle(pilot)
        before = screen.query_spec
        await pilot.press("f")
        await pilot.pause()
        await _filter(pilot, "rank", "seven")
        dialog = app.screen
        assert isinstance(dialog, FilterScreen), "a bad integer must not close the dialog"
        error = dialog.query_one("#filter-error", Label)
        assert "not an integer" in str(error.render())
        assert screen.query_spec == before  # nothing was run

        dialog.query_one("#filter-value", Input).value = "007"
        await pilot.click("#apply")
        await settle(pilot)
        assert app.screen is screen
        assert grid.total == 1
        row = grid.source.row_at(0)
        assert row is not None and row[2] == 7


async def test_goto_refuses_what_is_not_a_row(codes_db: Path) -> None:
    app = browse_app(codes_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.get_screen_browse()
        assert screen is not None
        assert screen.query_one(TableList).tables
        grid = screen.query_one(RowGrid)
        grid.focus()
        grid.move_to(1)
        for answer in ("inf%", "abc", "0"):
            screen.go_to(answer)
            await pilot.pause()
            assert grid.cursor_row == 1
        notices = [n.message for n in app._notifications]
        assert any("not a number" in n for n in notices)
        assert any("numbered from 1" in n for n in notices)
