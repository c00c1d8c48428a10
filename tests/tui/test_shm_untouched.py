"""Browsing never changes what it inspects, while another process commits between its reads.

Each step below starts right after the other process's commit, so the app's next read is the
first to see that commit: a plain SQLite reader writes the new end of the WAL into a
read-mark slot of the -shm there. The database, its -wal and its -shm must keep every byte
through the step (opening, End, the status screen, a search), and the screen must show the
committed rows (the reads are live, not stuck on an old snapshot).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from textual.pilot import Pilot

from tests.tui.db.committer import Committer, digests
from tests.tui.scenes import SIZE, browse_app, eventually, settle
from tui.screens.status import StatusScreen
from tui.widgets.row_grid import RowGrid

ROWS = 500


def make_items(path: Path) -> Path:
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
    conn.executemany("INSERT INTO items VALUES (?, ?)", ((i, f"n{i}") for i in range(ROWS)))
    conn.commit()
    conn.close()
    return path


async def test_browsing_while_another_process_commits_leaves_every_file_as_it_was(
    tmp_path: Path,
) -> None:
    path = make_items(tmp_path / "items ?#%é.db")
    with Committer(path) as other:
        rows = ROWS

        def commit() -> dict[str, str | None]:
            nonlocal rows
            other.run("INSERT INTO items VALUES (?, 'needle')", rows)
            rows += 1
            found = digests(path)
            assert found["-shm"] is not None
            return found

        before = commit()
        app = browse_app(path)
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            screen = app.get_screen_browse()
            assert screen is not None

            def counted(total: int) -> Callable[[], bool]:
                return lambda: screen.status.position.endswith(f" of {total:,}")

            await eventually(pilot, counted(rows), "the rows counted at opening")
            assert digests(path) == before, "opening"

            async def step(what: str, keys: Callable[[Pilot[Any]], Awaitable[None]]) -> None:
                before = commit()
                await keys(pilot)
                await settle(pilot)
                assert digests(path) == before, what

            async def end(pilot: Pilot[Any]) -> None:
                screen.query_one(RowGrid).focus()
                await pilot.press("end")
                await settle(pilot)
                await eventually(
                    pilot, lambda: screen.status.position == f"row {rows:,} of {rows:,}", "End"
                )

            await step("End", end)

            def status_shown() -> bool:
                return isinstance(app.screen, StatusScreen) and app.screen.snapshot is not None

            async def status(pilot: Pilot[Any]) -> None:
                await pilot.press("w")
                await eventually(pilot, status_shown, "the status screen")
                await pilot.press("escape")

            await step("the status screen", status)

            async def search(pilot: Pilot[Any]) -> None:
                await pilot.press("slash", *"needle", "enter")
                await settle(pilot)
                await eventually(pilot, counted(rows - ROWS), "the search's rows")

            await step("a search", search)


async def test_a_save_and_a_checkpoint_work_while_another_process_holds_the_database(
    tmp_path: Path,
) -> None:
    """The app has read through read-only -shm connections; a save of a staged edit and a
    checkpoint each run with those closed, and the reads after them see the new data."""
    from tests.tui.editing import edit_to, editing, save, to_column
    from tui.db.shm import read_shm

    path = make_items(tmp_path / "saved.db")
    with Committer(path) as other:
        other.run("INSERT INTO items VALUES (?, 'theirs')", ROWS)
        async with editing(path, "items") as (app, pilot, screen, grid):
            to_column(grid, "name")
            await edit_to(pilot, "mine")
            await save(pilot)
            assert "saved 1 change" in screen.status.notice
            assert "mine" in grid.render_line(grid.header_lines).text
            other.run("INSERT INTO items VALUES (?, 'theirs')", ROWS + 1)
            await eventually(
                pilot,
                lambda: screen.status.position.endswith(f" of {ROWS + 2:,}"),
                "another commit after the save",
            )
            await pilot.press("w")
            await eventually(
                pilot,
                lambda: isinstance(app.screen, StatusScreen) and app.screen.snapshot is not None,
                "the status screen",
            )
            await pilot.press("p", "y")
            await settle(pilot)
            shm = read_shm(f"{path}-shm")
            assert shm is not None
            assert shm.checkpoint.backfilled == shm.header.max_frame > 0
            await pilot.press("escape")
            other.run("INSERT INTO items VALUES (?, 'theirs')", ROWS + 2)
            before = digests(path)
            await eventually(
                pilot,
                lambda: screen.status.position.endswith(f" of {ROWS + 3:,}"),
                "another commit after the checkpoint",
            )
            await settle(pilot)
            assert digests(path) == before  # reads are read-only again
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT name FROM items WHERE id = 0").fetchone() == ("mine",)
    conn.close()
