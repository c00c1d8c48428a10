"""Pilot tests: the cell detail view of values that would look blank."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.tui.scenes import SIZE, browse_app, settle
from tui.screens.cell_detail import CellDetailScreen
from tui.widgets.row_grid import RowGrid
from tui.widgets.value_view import ValueView

BLANKS = [("", "⟨empty⟩"), (" ", "·"), ("\t", "⇥"), ("  ", "··"), ("\n", "⏎")]


@pytest.fixture
def blanks_db(tmp_path: Path) -> Path:
    path = tmp_path / "blanks.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE b (id INTEGER PRIMARY KEY, v TEXT)")
        conn.executemany("INSERT INTO b (v) VALUES (?)", [(value,) for value, _ in BLANKS])
    conn.close()
    return path


async def test_the_detail_of_a_blank_looking_value_shows_its_marker(blanks_db: Path) -> None:
    app = browse_app(blanks_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        grid = app.screen.query_one(RowGrid)
        grid.focus()
        grid.cursor_column = 1
        for row, (value, marker) in enumerate(BLANKS):
            grid.cursor_row = row
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, CellDetailScreen)
            assert app.screen.value == value
            view = app.screen.query_one(ValueView)
            body = [view.render_line(y).text.rstrip() for y in range(view.size.height)]
            assert body[0] == marker, value
            assert not any(body[1:]), value  # one line: the marker
            await pilot.press("escape")
            await settle(pilot)
            assert not isinstance(app.screen, CellDetailScreen)
