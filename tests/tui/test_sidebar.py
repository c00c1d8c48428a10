"""The table list's width: long names end in an ellipsis, their whole name in the status bar
while highlighted; < and > resize the list, ctrl+b hides it."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from textual.widgets import OptionList

from tests.tui.scenes import eventually, running, settle
from tui.widgets.table_list import TableList

NAME_60 = "epsg_coordinate_operation_parameter_values_by_method_and_zon"
assert len(NAME_60) == 60


@pytest.fixture
def geodesy_db(tmp_path: Path) -> Path:
    path = tmp_path / "geodesy.db"
    conn = sqlite3.connect(path)
    for name in ("alias", NAME_60, "units"):
        conn.execute(f'CREATE TABLE "{name}" (id INTEGER PRIMARY KEY, label TEXT)')
        conn.execute(f'INSERT INTO "{name}" (label) VALUES (?)', (name,))
    conn.commit()
    conn.close()
    return path


async def test_a_60_character_name_is_cut_and_shown_whole_when_highlighted(
    geodesy_db: Path,
) -> None:
    async with running(geodesy_db) as (_app, pilot, screen, grid, status):
        tables = screen.query_one(TableList)
        options = screen.query_one("#table-options", OptionList)
        index = [t.name for t in tables._shown].index(NAME_60)
        assert options.virtual_size.height == len(tables._shown)  # nothing wraps
        line = options.render_line(index).text.rstrip()
        assert line.endswith("…") and NAME_60 not in line
        assert status.highlighted is None  # the grid has focus

        await pilot.press("ctrl+t", "down")
        options.highlighted = index
        await pilot.pause()
        assert status.highlighted == NAME_60
        assert NAME_60 in str(status.render())
        await pilot.press("ctrl+g")  # back to the rows: the name goes
        await pilot.pause()
        assert status.highlighted is None
        assert grid.has_focus


async def test_less_and_greater_resize_the_list_and_ctrl_b_hides_it(geodesy_db: Path) -> None:
    async with running(geodesy_db) as (_app, pilot, screen, grid, _status):
        tables = screen.query_one(TableList)
        options = screen.query_one("#table-options", OptionList)
        index = [t.name for t in tables._shown].index(NAME_60)
        start, grid_width = tables.outer_size.width, grid.size.width
        for _ in range(10):
            await pilot.press("greater_than_sign")
        await eventually(pilot, lambda: tables.outer_size.width == start + 40, "wider")
        assert grid.size.width == grid_width - 40
        # Wide enough now: the whole name shows, no ellipsis.
        assert NAME_60 in options.render_line(index).text
        for _ in range(30):
            await pilot.press("less_than_sign")
        await settle(pilot)
        assert tables.outer_size.width == 12  # the narrowest
        assert grid.size.width == grid_width + start - 12
        await pilot.press("ctrl+b")
        await eventually(pilot, lambda: not tables.display, "hidden")
        await pilot.press("greater_than_sign")  # widening shows it again
        await pilot.pause()
        assert tables.display and tables.outer_size.width == 16
