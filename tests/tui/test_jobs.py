"""Every background job has one owner: failures are said in words, stale jobs stay silent,
counts never claim more than is known, and End does not wait for the count."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncConnection
from textual.widgets import Input, Static

from tests.tui.scenes import SIZE, browse_app, eventually, make_odd_database, running, settle, table
from tui.db.counting import ScanPolicy
from tui.db.model import RowCount
from tui.db.paging import FilterOp, FilterSpec, Pager, RowQuery
from tui.db.window import LoadedPage, RowWindow
from tui.screens.browse import BrowseScreen
from tui.screens.confirm import ConfirmScreen
from tui.screens.status import StatusScreen
from tui.widgets.table_list import TableList

BIG = 20_000  # more than the capped count: counted exactly only in the background


@pytest.fixture
def jobs_db(tmp_path: Path) -> Path:
    path = make_odd_database(tmp_path / "jobs.db")
    conn = sqlite3.connect(path)
    conn.executescript(
        f"""
        CREATE TABLE big (id INTEGER PRIMARY KEY, v TEXT);
        WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < {BIG})
        INSERT INTO big SELECT i, 'v' || i FROM s;
        CREATE TABLE small (id INTEGER PRIMARY KEY, v TEXT);
        INSERT INTO small VALUES (1, 'a'), (2, 'b'), (3, 'c');
        CREATE TABLE mid (id INTEGER PRIMARY KEY, v TEXT);
        WITH RECURSIVE s(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM s WHERE i < 40)
        INSERT INTO mid SELECT i, 'm' || i FROM s;
        CREATE TABLE doomed (x);
        CREATE VIEW broken AS SELECT x FROM doomed;
        DROP TABLE doomed;
        CREATE TABLE "zz after" (id INTEGER PRIMARY KEY);
        INSERT INTO "zz after" VALUES (1), (2);
        """
    )
    conn.commit()
    conn.close()
    return path


def before_page_loads(
    monkeypatch: pytest.MonkeyPatch, before: Callable[[int], Awaitable[None]]
) -> None:
    """``before(page number)`` runs (and may wait or raise) before each page load."""
    original = RowWindow.load

    async def load(self: RowWindow, conn: AsyncConnection, number: int) -> LoadedPage:
        await before(number)
        return await original(self, conn, number)

    monkeypatch.setattr(RowWindow, "load", load)


def hold_exact_counts(
    monkeypatch: pytest.MonkeyPatch, counted: list[str] | None = None
) -> asyncio.Event:
    """Exact counts of a view wait until the returned event is set (``counted`` gets the
    name of each table counted exactly)."""
    gate = asyncio.Event()
    original = Pager.count

    async def count(self: Pager, conn: AsyncConnection, cap: int | None = None) -> RowCount:
        if cap is None:
            if counted is not None:
                counted.append(self.info.name)
            await gate.wait()
        return await original(self, conn, cap)

    monkeypatch.setattr(Pager, "count", count)
    return gate


@pytest.fixture
def held_count(monkeypatch: pytest.MonkeyPatch) -> asyncio.Event:
    """Exact counts of a view wait until the returned event is set."""
    return hold_exact_counts(monkeypatch)


def message(screen: BrowseScreen) -> str:
    widget = screen.query_one("#grid-message", Static)
    return str(widget.render()) if widget.display else ""


async def test_a_view_whose_table_was_dropped_says_so_and_shows_no_rows(jobs_db: Path) -> None:
    async with running(jobs_db) as (_app, pilot, screen, grid, status):
        screen.open_table(table(screen, "people"))
        await settle(pilot)
        assert grid.total == 300
        screen.open_table(table(screen, "broken"))
        await settle(pilot)
        assert grid.total == 0 and grid.source.row_at(0) is None  # nothing of people's rows
        assert "cannot read broken" in message(screen)
        assert "doomed" in message(screen)
        assert status.jobs == ""  # no "loading…" forever
        assert status.position == ""
        # The counts of the tables listed after it still arrived.
        counts = screen.query_one(TableList).counts
        assert counts[table(screen, "zz after").ref] == RowCount(2, exact=True)
        screen.open_table(table(screen, "small"))  # and the screen is still usable
        await settle(pilot)
        assert grid.total == 3 and message(screen) == ""
        assert status.position == "row 1 of 3"


async def test_a_failed_page_says_so_and_loads_when_the_user_moves(
    jobs_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    failing = True

    async def fail(number: int) -> None:
        if failing and number > 0:
            raise RuntimeError("disk on fire")

    before_page_loads(monkeypatch, fail)
    async with running(jobs_db) as (_app, pilot, screen, grid, status):
        screen.open_table(table(screen, "people"))
        await settle(pilot)
        grid.focus()
        screen.go_to("290")
        await settle(pilot)
        assert grid.source.row_at(grid.cursor_row) is None
        assert "rows failed to load" in status.notice and "disk on fire" in status.notice
        failing = False
        await pilot.press("up")
        await settle(pilot)
        row = grid.source.row_at(grid.cursor_row)
        assert row is not None and row[0] == 289


async def test_text_a_driver_cannot_encode_is_said_in_words(
    jobs_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No codec message ('surrogates not allowed') reaches the screen."""

    async def fail(number: int) -> None:
        if number > 0:
            "\udcfe".encode()

    before_page_loads(monkeypatch, fail)
    async with running(jobs_db) as (_app, pilot, screen, grid, status):
        screen.open_table(table(screen, "people"))
        await settle(pilot)
        grid.focus()
        screen.go_to("290")
        await settle(pilot)
        assert "not valid UTF-8" in status.notice
        assert "surrogates" not in status.notice and "codec" not in status.notice


async def test_esc_then_move_reloads_the_visible_rows(
    jobs_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gate = asyncio.Event()

    async def hold(number: int) -> None:
        if number > 0:
            await gate.wait()

    before_page_loads(monkeypatch, hold)
    async with running(jobs_db) as (_app, pilot, screen, grid, status):
        screen.open_table(table(screen, "people"))
        await settle(pilot)
        grid.focus()
        screen.go_to("290")
        await eventually(pilot, lambda: screen.job_running("page"), "a page load")
        await eventually(pilot, lambda: "loading rows" in status.jobs, "a slow load says so")
        await pilot.press("escape")
        await eventually(pilot, lambda: not screen.job_running("page"), "the load cancelled")
        assert "cancelled" in status.notice
        assert status.jobs == ""
        assert grid.source.row_at(grid.cursor_row) is None
        gate.set()
        await pilot.press("up")
        await settle(pilot)
        row = grid.source.row_at(grid.cursor_row)
        assert row is not None and row[0] == 289


async def test_counts_belong_to_the_table_and_query_on_screen(jobs_db: Path) -> None:
    async with running(jobs_db) as (_app, pilot, screen, grid, status):
        for name, rows in (("people", 300), ("small", 3), ("mid", 40), ("big", BIG)):
            screen.open_table(table(screen, name))
            # While it loads, nothing of the previous table is shown under its name.
            assert status.position == "" and grid.total == 0
            await settle(pilot)
            assert status.position == f"row 1 of {rows:,}", name
            assert grid.total == rows
        people = table(screen, "people")
        screen.open_table(people, RowQuery(filters=(FilterSpec("id", FilterOp.LE, 41),)))
        await settle(pilot)
        assert status.position == "row 1 of 41" and grid.total == 41
        screen.open_table(people, RowQuery(search="no such text anywhere"))
        await settle(pilot)
        assert grid.total == 0
        assert status.position == "no rows match"
        # The condition once: the query's own slot says it, next to the position.
        assert str(status.render()).count("search 'no such text anywhere'") == 1


async def test_following_a_key_counts_what_it_shows(jobs_db: Path) -> None:
    async with running(jobs_db) as (_app, pilot, screen, grid, status):
        screen.open_table(table(screen, "people"))
        await settle(pilot)
        screen.open_table(table(screen, "pets"))
        await settle(pilot)
        grid.focus()
        grid.cursor_column = 1  # owner_id of Rex = 42
        await pilot.press("j")
        await settle(pilot)
        assert status.table == "people"
        assert status.position == "row 1 of 1"


async def test_a_table_under_one_page_recounts_when_another_process_writes(
    jobs_db: Path,
) -> None:
    async with running(jobs_db) as (_app, pilot, screen, grid, status):
        screen.open_table(table(screen, "small"))
        await settle(pilot)
        assert status.position == "row 1 of 3"
        with sqlite3.connect(jobs_db) as other:
            other.execute("INSERT INTO small VALUES (4, 'd')")
        other.close()
        await eventually(pilot, lambda: grid.total == 4, "the recount")
        await settle(pilot)
        assert status.position == "row 1 of 4"


async def test_end_before_the_count_lands_on_the_last_row(
    jobs_db: Path, held_count: asyncio.Event
) -> None:
    async with running(jobs_db, settled=False) as (_app, pilot, screen, grid, status):
        # The app opens the first listed table by itself (here "big" too): End must go to the
        # view the test opens, not to the start-up's, which that open replaces.
        await eventually(pilot, lambda: screen.window is not None, "the start-up's view")
        startup = screen.window
        screen.open_table(table(screen, "big"))
        await eventually(pilot, lambda: screen.window not in (None, startup), "the first rows")
        grid.focus()
        await pilot.press("end")
        await eventually(
            pilot, lambda: grid.source.row_at(grid.cursor_row) == (BIG, f"v{BIG}"), "end"
        )
        assert status.position.startswith("last row of ")
        assert "counting" in status.jobs
        assert not status.position.endswith(f"of {BIG:,}")  # not counted yet: not claimed
        await pilot.press("up")
        assert status.position.startswith("row 2 from the end")
        held_count.set()
        await eventually(pilot, lambda: status.position == f"row {BIG - 1:,} of {BIG:,}", "count")
        assert grid.source.row_at(grid.cursor_row) == (BIG - 1, f"v{BIG - 1}")
        await pilot.press("end")
        await settle(pilot)
        assert grid.cursor_row == BIG - 1
        assert grid.source.row_at(BIG - 1) == (BIG, f"v{BIG}")


async def test_a_previous_tables_jobs_never_reach_the_next_one(
    jobs_db: Path, held_count: asyncio.Event
) -> None:
    async with running(jobs_db, settled=False) as (_app, pilot, screen, grid, status):
        screen.open_table(table(screen, "big"))
        await eventually(pilot, lambda: "counting" in status.jobs, "the big count")
        screen.open_table(table(screen, "small"))
        await eventually(pilot, lambda: status.position == "row 1 of 3", "the small table")
        assert "counting" not in status.jobs
        held_count.set()  # the big table's count, had it survived, would now arrive
        await settle(pilot)
        assert status.position == "row 1 of 3"
        assert grid.total == 3
        assert status.jobs == ""


async def test_esc_while_counting_keeps_the_table_whole_and_its_own_total(
    jobs_db: Path, held_count: asyncio.Event
) -> None:
    async with running(jobs_db, settled=False) as (_app, pilot, screen, grid, status):
        screen.open_table(table(screen, "people"))
        await eventually(pilot, lambda: status.position == "row 1 of 300", "people counted")
        screen.open_table(table(screen, "big"))
        await eventually(pilot, lambda: "counting" in status.jobs, "the big count")
        grid.focus()
        await pilot.press("escape")
        await eventually(pilot, lambda: "cancelled" in status.notice, "the cancel")
        assert status.table == "big"
        assert "300" not in status.position  # not the previous table's total
        assert status.position in (f"row 1 of ~{BIG:,}", "row 1 of ≥ 128")
        assert grid.total > 256  # not cut to the first pages
        assert status.jobs == ""


async def test_an_empty_database_says_so_and_q_quits(tmp_path: Path) -> None:
    empty = tmp_path / "empty.db"
    empty.write_bytes(b"")
    async with running(empty) as (app, pilot, screen, _grid, _status):
        assert message(screen) == "this database has no tables"
        assert not isinstance(app.focused, Input)
        await pilot.press("q")
        await pilot.pause()
        assert app.return_code is not None  # quit, not typed into the table filter


async def test_no_false_notice_on_a_keyed_table(tmp_path: Path) -> None:
    path = tmp_path / "sparse.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE sparse (id INTEGER PRIMARY KEY, v TEXT)")
        conn.executemany("INSERT INTO sparse VALUES (?, ?)", [(i * 3, "x") for i in range(3000)])
    conn.close()
    async with running(path) as (_app, pilot, screen, grid, status):
        screen.go_to("2500")
        await settle(pilot)
        assert grid.source.row_at(2499) == (7497, "x")
        assert "no key" not in status.notice


async def _failing(*_args: Any) -> Any:
    raise RuntimeError("the disk said no")


async def test_the_status_screens_jobs_say_what_failed(
    jobs_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import tui.db.maintenance
    import tui.db.status

    monkeypatch.setattr(tui.db.status, "space_by_object", _failing)
    monkeypatch.setattr(tui.db.maintenance, "quick_check", _failing)
    app = browse_app(jobs_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("w")
        await eventually(pilot, lambda: isinstance(app.screen, StatusScreen), "the status screen")
        screen = app.screen
        await pilot.press("s")
        await eventually(
            pilot,
            lambda: "failed" in str(screen.query_one("#space-hint", Static).render()),
            "the space job's failure",
        )
        assert "the disk said no" in str(screen.query_one("#space-hint", Static).render())
        await pilot.press("k")
        await eventually(pilot, lambda: isinstance(app.screen, ConfirmScreen), "the confirmation")
        await pilot.press("y")
        result = screen.query_one("#action-result", Static)
        await eventually(pilot, lambda: "failed" in str(result.render()), "the action's failure")
        assert "the disk said no" in str(result.render())
        await pilot.press("escape")  # nothing runs: back to browsing
        await eventually(pilot, lambda: not isinstance(app.screen, StatusScreen), "back")


async def test_after_a_burst_of_outside_commits_the_count_converges(tmp_path: Path) -> None:
    """Sparse keys make the quick guess far off (~50,008 for 10,099 rows): it must not stay."""
    path = tmp_path / "sparse.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
        conn.executemany("INSERT INTO t VALUES (?, 'x')", [(i * 5,) for i in range(1, 10_100)])
    conn.close()
    async with running(path) as (_app, pilot, screen, grid, status):
        assert status.position == "row 1 of 10,099"
        # Recounts wait 30 times the last count's duration: on a loaded machine that alone
        # could outlast the wait below. Convergence, not the throttle, is tested here.
        screen.scans = ScanPolicy(factor=1.0)
        for n in range(5):  # a burst of commits
            with sqlite3.connect(path) as other:
                other.execute("INSERT INTO t VALUES (?, 'new')", (60_000 + n,))
            other.close()
        await eventually(pilot, lambda: status.position == "row 1 of 10,104", "the exact recount")
        assert grid.total == 10_104


async def test_go_to_a_share_before_the_count_goes_there_when_it_arrives(
    jobs_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    exact_counts: list[str] = []
    gate = hold_exact_counts(monkeypatch, exact_counts)
    async with running(jobs_db, settled=False) as (_app, pilot, screen, grid, status):
        # The app opens the first listed table by itself (here "big" too) and counts it.
        await eventually(pilot, lambda: "counting" in status.jobs, "the start-up's count")
        before = exact_counts.count("big")
        screen.open_table(table(screen, "big"))
        await eventually(pilot, lambda: "counting" in status.jobs, "the big count")
        screen.go_to("50%")
        assert "waiting for the row count" in status.notice
        assert grid.cursor_row == 0
        gate.set()
        await settle(pilot)
        assert grid.cursor_row == round(0.5 * (BIG - 1))
        assert status.position == f"row {grid.cursor_row + 1:,} of {BIG:,}"
        assert status.notice == "" and status.jobs == ""
        assert exact_counts.count("big") == before + 1  # waiting for it did not count twice


async def test_a_count_of_older_data_does_not_number_the_rows_read_from_the_end(
    jobs_db: Path, held_count: asyncio.Event
) -> None:
    """End before the count shows the last rows numbered from the end; a count made before
    another connection's commit (another data version) must not place them: they were one
    too low while a writer committed (hostile2, 5). A count of their own version does."""
    from tui.db.model import RowCount

    async with running(jobs_db, settled=False) as (_app, pilot, screen, grid, status):
        await eventually(pilot, lambda: screen.window is not None, "the start-up's view")
        startup = screen.window
        screen.open_table(table(screen, "big"))
        await eventually(pilot, lambda: screen.window not in (None, startup), "the first rows")
        grid.focus()
        await pilot.press("end")
        await eventually(
            pilot, lambda: grid.source.row_at(grid.cursor_row) == (BIG, f"v{BIG}"), "end"
        )
        window = screen.window
        assert window is not None and screen.tail is not None
        screen._set_count(RowCount(BIG - 1, exact=True), version=window.version + 1)
        assert screen.tail is not None and not screen.tail.counted
        assert screen.tail.label(grid.cursor_row) == "−1"
        assert not grid.total_exact and status.position.startswith("last row of")
        screen._set_count(RowCount(BIG, exact=True))
        assert screen.tail is not None and screen.tail.counted
        assert grid.total_exact and status.position == f"row {BIG:,} of {BIG:,}"
        held_count.set()
        await settle(pilot)
