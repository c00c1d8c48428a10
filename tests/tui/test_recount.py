"""Pilot tests: the recount after an outside change counts down, and a count stopped with Esc
starts again on the next move or outside change (not only on `r`)."""

from __future__ import annotations

import re
import sqlite3
import time
from pathlib import Path

import pytest
from textual.pilot import Pilot

from tests.tui.scenes import SIZE, browse_app, eventually
from tui.app import DbBrowseApp
from tui.screens.browse import BrowseScreen
from tui.widgets.row_grid import RowGrid
from tui.widgets.status_bar import StatusBar
from tui.widgets.table_list import TableList

BIG = 20_000  # more than the capped count: an outside change leaves an estimate to recount
COUNTED = f"row 1 of {BIG:,}"


@pytest.fixture
def big_db(tmp_path: Path) -> Path:
    path = tmp_path / "big.db"
    with sqlite3.connect(path) as conn:
        conn.executescript(
            f"""
            CREATE TABLE big (id INTEGER PRIMARY KEY, v TEXT);
            WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {BIG})
            INSERT INTO big SELECT i, 'v' || i FROM s;
            """
        )
    conn.close()
    return path


async def counted_big(app: DbBrowseApp, pilot: Pilot[int]) -> tuple[BrowseScreen, StatusBar]:
    await eventually(pilot, lambda: app.source is not None, "the database opened")
    screen = app.get_screen_browse()
    assert screen is not None
    await eventually(pilot, lambda: bool(screen.query_one(TableList).tables), "the tables")
    status = screen.query_one(StatusBar)
    await eventually(pilot, lambda: status.position == COUNTED, "big counted")
    return screen, status


def throttle_recounts(screen: BrowseScreen) -> None:
    """Make the last exact count look like it cost 0.1 s: the next waits about 3 s."""
    with screen.scans.exact.timing():
        time.sleep(0.1)


async def test_a_throttled_recount_counts_down(big_db: Path) -> None:
    """What a person sees: 'recount in 3 s', '2 s', '1 s', then the count."""
    app = browse_app(big_db)
    async with app.run_test(size=SIZE) as pilot:
        screen, status = await counted_big(app, pilot)
        throttle_recounts(screen)
        screen.data_changed()  # nothing changed in fact: the recount still comes
        shown: list[int] = []

        def recounted() -> bool:
            found = re.search(r"recount in (\d+) s", status.jobs)
            if found and (not shown or shown[-1] != int(found[1])):
                shown.append(int(found[1]))
            return bool(shown) and found is None and status.position == COUNTED

        await eventually(pilot, recounted, "the recount")
        assert len(shown) >= 2, shown  # it counted down
        assert shown == sorted(shown, reverse=True) and len(set(shown)) == len(shown), shown


async def test_a_count_stopped_with_esc_starts_again_when_the_user_moves(big_db: Path) -> None:
    app = browse_app(big_db)
    async with app.run_test(size=SIZE) as pilot:
        screen, status = await counted_big(app, pilot)
        throttle_recounts(screen)
        screen.data_changed()
        await eventually(pilot, lambda: "recount in" in status.jobs, "the throttled recount")
        screen.query_one(RowGrid).focus()
        await pilot.press("escape")
        await eventually(pilot, lambda: "cancelled" in status.notice, "the cancel")
        assert "not counted" in status.notice
        assert status.jobs == ""
        assert status.position == f"row 1 of ~{BIG:,}"  # the estimate, said as one
        await pilot.press("down")
        await eventually(pilot, lambda: status.position == f"row 2 of {BIG:,}", "the count")


async def test_a_count_stopped_with_esc_starts_again_on_an_outside_change(big_db: Path) -> None:
    app = browse_app(big_db)
    async with app.run_test(size=SIZE) as pilot:
        screen, status = await counted_big(app, pilot)
        throttle_recounts(screen)
        screen.data_changed()
        await eventually(pilot, lambda: "recount in" in status.jobs, "the throttled recount")
        screen.query_one(RowGrid).focus()
        await pilot.press("escape")
        await eventually(pilot, lambda: "cancelled" in status.notice, "the cancel")
        assert status.position == f"row 1 of ~{BIG:,}"
        screen.data_changed()
        await eventually(pilot, lambda: status.position == COUNTED, "the count")
