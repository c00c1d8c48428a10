"""Pilot tests: a column cut by the edge of the grid is marked, never silently shortened.

Hostile #14: in a narrow terminal, moving onto a column wider than the grid scrolled to its
end and drew it blank. Hostile #11: a number scrolled partly off the left edge showed only its
last digits, a different number, with no mark.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.tui.scenes import browse_app, settle
from tui.widgets.row_grid import RowGrid

WIDE = "start of a long value " + "x" * 60 + " its end"
NUMBER = 123456789012345678


@pytest.fixture
def wide_db(tmp_path: Path) -> Path:
    path = tmp_path / "wide.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE vals (id INTEGER PRIMARY KEY, n INTEGER, v TEXT)")
    conn.executemany("INSERT INTO vals (n, v) VALUES (?, ?)", [(NUMBER, WIDE), (7, "short")])
    conn.commit()
    conn.close()
    return path


def _lines(grid: RowGrid) -> list[str]:
    return [grid.render_line(y).text for y in range(grid.header_lines + 2)]


async def test_a_column_wider_than_the_grid_is_shown_from_its_start(wide_db: Path) -> None:
    app = browse_app(wide_db)
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(pilot)
        screen = app.get_screen_browse()
        assert screen is not None
        grid = screen.query_one(RowGrid)
        grid.focus()
        grid.cursor_column = [c.name for c in grid.columns].index("v")
        await pilot.pause()
        room = grid.scrollable_content_region.width
        column = grid.columns[grid.cursor_column]
        assert column.width > room, "the column must be wider than the grid for this test"
        name, _type, first, second = _lines(grid)
        assert " v " in name + " "
        assert "│ start of a" in first
        assert first.rstrip().endswith("…")  # cut at the right: marked
        assert "short" in second


async def test_a_number_cut_at_the_left_edge_is_marked(wide_db: Path) -> None:
    app = browse_app(wide_db)
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(pilot)
        screen = app.get_screen_browse()
        assert screen is not None
        grid = screen.query_one(RowGrid)
        index = [c.name for c in grid.columns].index("n")
        offset = grid._offsets[index]
        assert offset >= 0
        grid.jump_to(x=offset + 5)  # the first five cells of n scrolled off
        await pilot.pause()
        first = _lines(grid)[grid.header_lines]
        digits = str(NUMBER)
        assert digits not in first
        body = first[grid._fixed_width :]
        assert body.startswith("…"), body  # what is left of the number follows the mark
        assert body[1:].split()[0] in digits
