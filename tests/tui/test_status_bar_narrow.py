"""The status bar in a narrow terminal: the table's and the database's names stay on screen;
what follows them (position, conditions, jobs, journal) is cut first."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.tui.scenes import apply_filter, browse_app, settle, table
from tui.db.paging import FilterOp
from tui.widgets.status_bar import StatusBar

DB_NAME = "national_geodetic_registry_of_reference_frames.sqlite3"
TABLE = "transformation_parameters"
LONG_TABLE = "geodetic_reference_frame_transformation_parameters_by_epoch_and_zone"


@pytest.fixture
def registry_db(tmp_path: Path) -> Path:
    path = tmp_path / DB_NAME
    conn = sqlite3.connect(path)
    for name in (TABLE, LONG_TABLE):
        conn.execute(f'CREATE TABLE "{name}" (id INTEGER PRIMARY KEY, label TEXT)')
        conn.executemany(
            f'INSERT INTO "{name}" (label) VALUES (?)', [(f"label {i}",) for i in range(50)]
        )
    conn.commit()
    conn.close()
    return path


def visible(status: StatusBar) -> str:
    """The status bar's line as the terminal shows it."""
    return status.render_line(0).text.strip()


@pytest.mark.parametrize("width", [60, 80])
async def test_the_table_and_database_names_stay_visible(registry_db: Path, width: int) -> None:
    app = browse_app(registry_db, read_only=True)
    async with app.run_test(size=(width, 24)) as pilot:
        await settle(pilot)
        screen = app.get_screen_browse()
        assert screen is not None
        screen.open_table(table(screen, TABLE))
        await settle(pilot)
        await apply_filter(pilot, FilterOp.CONTAINS, "label 1")
        status = screen.query_one(StatusBar)
        assert status.query_text  # there is more to say than fits
        line = visible(status)
        assert "READ-ONLY" in line, line
        assert f"table {TABLE}" in line, line
        assert "db natio" in line, line
        assert "…" in line, line  # something else was cut


async def test_a_name_longer_than_the_bar_keeps_its_start_and_end(registry_db: Path) -> None:
    app = browse_app(registry_db)
    async with app.run_test(size=(60, 24)) as pilot:
        await settle(pilot)
        screen = app.get_screen_browse()
        assert screen is not None
        screen.open_table(table(screen, LONG_TABLE))
        await settle(pilot)
        line = visible(screen.query_one(StatusBar))
        assert "table geodetic_ref" in line, line
        assert line.rstrip().endswith("_zone"), line
        assert "db nat" in line, line


async def test_a_dialog_fits_a_small_terminal_and_its_buttons_stay_reachable(
    registry_db: Path,
) -> None:
    """At 60x20 the filter dialog (76 wide, 19 lines of content) used to run off the right
    edge and bottom: no right border, no Cancel."""
    from textual.widgets import Button

    from tui.screens.filter import FilterScreen

    app = browse_app(registry_db)
    async with app.run_test(size=(60, 20)) as pilot:
        await settle(pilot)
        await pilot.press("f")
        await settle(pilot)
        assert isinstance(app.screen, FilterScreen)
        dialog = app.screen.query_one("#filter-dialog")
        assert dialog.region.right <= 60 and dialog.region.bottom <= 20
        cancel = app.screen.query_one("#cancel", Button)
        cancel.focus()
        await settle(pilot)
        assert app.screen.region.contains_region(cancel.region)
        assert dialog.region.contains_region(cancel.region)
