"""Editing steps that read before they open wait when another process holds the lock: they
say so at once and on what (the holder named where the kernel's lock table shows it), Esc
stops the wait with nothing staged, and a wait that fails says why and loses nothing.

The other process is real: a ``BEGIN EXCLUSIVE`` on a rollback-journal database locks
readers out (in WAL mode readers are never blocked).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.tui.db.walhelpers import holding
from tests.tui.editing import edit_to, editing, notices, press, to_column
from tests.tui.scenes import eventually
from tui.screens.browse import BrowseScreen
from tui.screens.edit_cell import CellEditorScreen


@pytest.fixture
def journal_db(odd_db: Path) -> Path:
    """The odd database (rollback journal) with the table the lock holder reads first."""
    conn = sqlite3.connect(odd_db)
    conn.execute("CREATE TABLE t (x)")
    conn.commit()
    assert conn.execute("PRAGMA journal_mode").fetchone() == ("delete",)
    conn.close()
    return odd_db


async def test_waiting_on_a_lock_is_shown_with_its_holder_and_esc_stops_it(
    journal_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BUSY_TIMEOUT_MS", "60000")  # the wait lasts until the test ends it
    async with editing(journal_db, "people") as (app, pilot, screen, grid):
        to_column(grid, "name")
        await edit_to(pilot, "staged before")
        await press(pilot, "down")
        with holding(journal_db, "BEGIN EXCLUSIVE") as holder:
            for key, doing in (("e", "reading the value to edit"), ("d", "counting the rows")):
                await pilot.press(key)
                await eventually(
                    pilot,
                    lambda: f"locked by pid {holder.pid}" in screen.status.jobs,
                    f"{key}: the status bar says what it waits for",
                )
                assert f"{doing}" in screen.status.jobs and "Esc cancels" in screen.status.jobs
                assert isinstance(app.screen, BrowseScreen)  # no editor, no question yet
                await pilot.press("escape")
                await eventually(pilot, lambda: not screen.job_running("edit"), "stopped")
                assert "waiting" not in screen.status.jobs
                assert screen.status.notice == "cancelled: nothing was staged"
                assert isinstance(app.screen, BrowseScreen)
                assert screen.status.pending == 1
        await press(pilot, "e")  # the lock is gone: the editor opens
        assert isinstance(app.screen, CellEditorScreen)


async def test_a_wait_that_fails_says_why_and_keeps_what_is_staged(
    journal_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BUSY_TIMEOUT_MS", "700")
    async with editing(journal_db, "people") as (app, pilot, screen, grid):
        to_column(grid, "name")
        await edit_to(pilot, "staged before")
        await press(pilot, "down")
        with holding(journal_db, "BEGIN EXCLUSIVE") as holder:
            await pilot.press("e")
            await eventually(
                pilot, lambda: any("stayed locked" in n for n in notices(app)), "the failure"
            )
            message = next(n for n in notices(app) if "stayed locked" in n)
            assert f"by pid {holder.pid}" in message
            assert message.startswith("reading the value to edit: the database stayed locked")
            assert isinstance(app.screen, BrowseScreen)
            assert screen.status.notice == "nothing was staged (1 staged change kept)"
            assert screen.status.pending == 1
