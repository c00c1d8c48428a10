"""Pilot tests: the recount after an outside change counts down, and a count stopped with Esc
starts again on the next move or outside change (not only on `r`)."""

from __future__ import annotations

import re
import sqlite3
import time
from pathlib import Path

import pytest
from textual.pilot import Pilot

from tests.tui.scenes import eventually, running
from tui.screens.browse import BrowseScreen
from tui.widgets.row_grid import RowGrid
from tui.widgets.status_bar import StatusBar

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


def throttle_recounts(screen: BrowseScreen) -> None:
    """Make the last exact count look like it cost 0.1 s: the next waits about 3 s."""
    with screen.scans.exact.timing():
        time.sleep(0.1)


async def stop_a_throttled_recount(pilot: Pilot[int], screen: BrowseScreen) -> None:
    """An outside change starts a recount that waits its turn; Esc stops it."""
    status = screen.query_one(StatusBar)
    await eventually(pilot, lambda: status.position == COUNTED, "big counted")
    throttle_recounts(screen)
    screen.data_changed()
    await eventually(pilot, lambda: "recount in" in status.jobs, "the throttled recount")
    screen.query_one(RowGrid).focus()
    await pilot.press("escape")
    await eventually(pilot, lambda: "cancelled" in status.notice, "the cancel")
    assert "not counted" in status.notice
    assert status.jobs == ""
    # The estimate, said as one; or already exact again: nothing changed in fact, and a page
    # re-placed for the new data version may establish the count by itself (dense keys).
    assert status.position in (f"row 1 of ~{BIG:,}", COUNTED)


async def test_a_throttled_recount_counts_down(big_db: Path) -> None:
    """What a person sees: 'recount in 3 s', '2 s', '1 s', then the count."""
    async with running(big_db, settled=False, monitor=False) as (_a, pilot, screen, _g, status):
        await eventually(pilot, lambda: status.position == COUNTED, "big counted")
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
    async with running(big_db, settled=False) as (_app, pilot, screen, _grid, status):
        await stop_a_throttled_recount(pilot, screen)
        await pilot.press("down")
        await eventually(pilot, lambda: status.position == f"row 2 of {BIG:,}", "the count")


async def test_a_count_stopped_with_esc_starts_again_on_an_outside_change(big_db: Path) -> None:
    async with running(big_db, settled=False, monitor=False) as (_a, pilot, screen, _g, status):
        await stop_a_throttled_recount(pilot, screen)
        screen.data_changed()
        await eventually(pilot, lambda: status.position == COUNTED, "the count")
