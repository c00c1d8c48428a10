"""Pilot tests: another connection writes while a table is on screen.

After each commit the app is told what its change monitor tells it (``data_changed``);
once the screen has settled, every visible line must carry the number of the row it shows
in a fresh ``ORDER BY`` of the database, and the cursor must still be on the same record.
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from textual.pilot import Pilot

from tests.tui.scenes import SIZE, browse_app, eventually, settle
from tui.app import DbBrowseApp
from tui.db.paging import RowQuery, SortSpec
from tui.screens.browse import BrowseScreen
from tui.widgets.row_grid import HEADER_LINES, STALE_LABEL, RowGrid
from tui.widgets.table_list import TableList

ROWS = 3000


@pytest.fixture
def items_db(tmp_path: Path) -> Path:
    path = tmp_path / "items.db"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT NOT NULL)")
    # ids step by 10, so rows can be inserted between any two
    conn.executemany(
        "INSERT INTO items VALUES (?, ?)",
        ((i * 10, f"n{(i * 7919) % ROWS:05d}") for i in range(1, ROWS + 1)),
    )
    conn.commit()
    conn.close()
    return path


Write = tuple[str, tuple[object, ...]]


def insert_before(rows: list[tuple[object, ...]], order: str, index: int) -> Write:
    """An INSERT of a row that sorts right before ``rows[index]`` (or last) in ``order``."""
    ids = [int(r[0]) for r in rows]  # type: ignore[call-overload]
    fresh = max(ids) + 10
    if order == "id":
        new_id = fresh if index >= len(rows) else (ids[index - 1] + ids[index]) // 2
        assert new_id not in ids
        return "INSERT INTO items VALUES (?, 'new')", (new_id,)
    # name DESC: a name just above rows[index]'s sorts right before it; "a" sorts last
    name = "a" if index >= len(rows) else f"{rows[index][1]}~"
    return "INSERT INTO items VALUES (?, ?)", (fresh, name)


def write(path: Path, sql: str, *params: object) -> None:
    conn = sqlite3.connect(path)
    conn.execute(sql, params)
    conn.commit()
    conn.close()


def ordered(path: Path, order: str) -> list[tuple[object, ...]]:
    conn = sqlite3.connect(path)
    rows = conn.execute(f"SELECT id, name FROM items ORDER BY {order}").fetchall()
    conn.close()
    return rows


async def changed(pilot: Pilot[int], screen: BrowseScreen) -> None:
    """What the monitor does when the change token moves, then wait for the screen.

    The rows on screen are re-read by jobs that may wait their turn (the placing throttle,
    the recount) and start one another through messages; on a loaded machine the last of
    them can start after the jobs seen so far have ended. So: until the rows on screen are
    fresh again (they must become so with no further event), then settled.
    """
    screen.data_changed()
    await settle(pilot)
    grid = screen.query_one(RowGrid)

    def on_screen_fresh() -> bool:
        window, first = screen.window, grid.first_visible
        last = min(first + grid.body_height, grid.total)
        return window is not None and all(window.is_fresh(p) for p in range(first, last))

    await eventually(pilot, on_screen_fresh, "the rows on screen re-read")
    await settle(pilot)


def screen_matches(grid: RowGrid, screen: BrowseScreen, rows: list[tuple[object, ...]]) -> bool:
    """Whether every visible line is fresh and numbered; a numbered line showing another row
    than ``rows`` holds at its position fails at once (a wrong number is never allowed)."""
    window = screen.window
    assert window is not None
    if grid.total != len(rows):
        return False
    first = grid.first_visible
    shown, fresh = 0, True
    for y in range(HEADER_LINES, grid.size.height):
        position = first + y - HEADER_LINES
        if position >= grid.total:
            break
        label = grid.render_line(y).text.split()[0]
        if label == STALE_LABEL or not window.is_fresh(position):
            fresh = False
            continue
        assert label == f"{position + 1:,}"
        assert window.row_at(position) == rows[position], position
        shown += 1
    return fresh and shown > 10


async def assert_screen_matches(
    pilot: Pilot[int], grid: RowGrid, screen: BrowseScreen, rows: list[tuple[object, ...]]
) -> None:
    """Every visible line ends up numbered with the row at its position.

    The app's own change monitor also sees each commit and may mark the rows stale again a
    moment after the test's ``data_changed``: they are re-read once more, so the screen is
    checked until it is fresh (never showing a wrong number meanwhile)."""
    await eventually(pilot, lambda: screen_matches(grid, screen, rows), "the screen matches")


async def test_outside_writes_keep_rows_numbered_and_the_cursor_on_its_record(
    items_db: Path,
) -> None:
    app: DbBrowseApp = browse_app(items_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.get_screen_browse()
        assert screen is not None
        table = next(t for t in screen.query_one(TableList).tables if t.name == "items")
        for query, order in (
            (RowQuery(), "id"),
            (RowQuery(sort=(SortSpec("name", descending=True),)), "name DESC, id"),
        ):
            screen.open_table(table, query)
            await settle(pilot)
            grid = screen.query_one(RowGrid)
            grid.focus()
            screen.go_to("1500")
            await settle(pilot)
            on = screen.window.row_at(grid.cursor_row) if screen.window else None
            assert on is not None
            rows = ordered(items_db, order)
            await assert_screen_matches(pilot, grid, screen, rows)
            first = grid.first_visible
            deleted = [rows[10][0], rows[first + 1][0], rows[-5][0]]  # before, inside, after
            plan: list[tuple[str, object]] = [
                ("insert", 1),  # before the screen
                ("insert", first + 4),  # inside it
                *(("delete", key) for key in deleted),
                ("insert", -20),  # after it
                ("insert", None),  # appended
            ]
            for kind, where in plan:
                values: tuple[object, ...]
                if kind == "delete":
                    sql, values = "DELETE FROM items WHERE id = ?", (where,)
                else:
                    index = len(rows) if where is None else int(where)  # type: ignore[call-overload]
                    sql, values = insert_before(rows, order, index % (len(rows) + 1))
                write(items_db, sql, *values)
                await changed(pilot, screen)
                rows = ordered(items_db, order)
                await assert_screen_matches(pilot, grid, screen, rows)
                assert screen.window is not None
                assert screen.window.row_at(grid.cursor_row) == on, (sql, values, grid.cursor_row)

            # at the end: an append shows up numbered, never as a placeholder
            await pilot.press("end")
            await settle(pilot)
            for _ in range(3):
                sql, appended = insert_before(rows, order, len(rows))
                write(items_db, sql, *appended)
                await changed(pilot, screen)
                rows = ordered(items_db, order)
                await assert_screen_matches(pilot, grid, screen, rows)


async def test_placing_rows_after_a_change_is_throttled_and_never_shows_a_wrong_number(
    items_db: Path,
) -> None:
    """Re-placing the rows on screen after a change counts the rows before them: under a busy
    writer that count waits its turn ("placing rows in N s"), and meanwhile every row is
    drawn as stale (no number), never under a number it may not hold."""
    app: DbBrowseApp = browse_app(items_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.get_screen_browse()
        assert screen is not None
        table = next(t for t in screen.query_one(TableList).tables if t.name == "items")
        order = "name DESC, id"  # not a dense key: finding a row's position takes a count
        screen.open_table(table, RowQuery(sort=(SortSpec("name", descending=True),)))
        await settle(pilot)
        grid = screen.query_one(RowGrid)
        grid.focus()
        screen.go_to("1500")
        await settle(pilot)
        assert screen.window is not None
        on = screen.window.row_at(grid.cursor_row)
        rows = ordered(items_db, order)
        # The last placing count "cost" 0.1 s: the next one waits about 3 s (30 times that).
        with screen.scans.placing.timing():
            await asyncio.sleep(0.1)
        sql, values = insert_before(rows, order, 1)
        write(items_db, sql, *values)
        screen.data_changed()
        rows = ordered(items_db, order)
        waited = False

        def placed() -> bool:
            nonlocal waited
            waited = waited or "placing rows in" in screen.status.jobs
            first = grid.first_visible
            for y in range(HEADER_LINES, grid.size.height):
                position = first + y - HEADER_LINES
                label = grid.render_line(y).text.split()[0]
                if label != STALE_LABEL:  # numbered: it must be that row
                    assert label == f"{position + 1:,}"
                    assert grid.source.row_at(position) == rows[position], position
            return screen.status.jobs == "" and all(
                screen.window is not None and screen.window.is_fresh(first + i) for i in range(10)
            )

        await eventually(pilot, placed, "the rows placed again")
        assert waited, "the placing count did not wait its turn"
        await settle(pilot)
        await assert_screen_matches(pilot, grid, screen, rows)
        assert screen.window is not None
        assert screen.window.row_at(grid.cursor_row) == on


async def test_a_commit_before_the_monitors_first_look_is_news_too(
    items_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Another process commits after the first rows and count were read but before the change
    monitor first looked at the files: the view must still be refreshed, not stay behind."""
    from tui.db.inspector import Inspector

    app = browse_app(items_db)
    original = Inspector.refresh
    wrote = asyncio.Event()

    def counted() -> bool:
        screen = app.get_screen_browse()
        return screen is not None and screen.status.position == f"row 1 of {ROWS:,}"

    async def refresh(self: Inspector, run: object) -> object:
        if not wrote.is_set():
            for _ in range(600):  # the first view counted, then the commit
                if counted():
                    break
                await asyncio.sleep(0.05)
            write(items_db, "INSERT INTO items VALUES (?, 'early')", ROWS * 10 + 10)
            wrote.set()
        return await original(self, run)  # type: ignore[arg-type]

    monkeypatch.setattr(Inspector, "refresh", refresh)
    async with app.run_test(size=SIZE) as pilot:
        await eventually(pilot, wrote.is_set, "the commit before the first look")
        screen = app.get_screen_browse()
        assert screen is not None
        await eventually(
            pilot, lambda: screen.status.position == f"row 1 of {ROWS + 1:,}", "the recount"
        )
        assert "changed by another connection" in screen.status.notice


@pytest.mark.parametrize("journal", ["wal", "delete"])
@pytest.mark.parametrize("read_only", [False, True])
async def test_opening_alone_is_not_a_change_by_another_connection(
    tmp_path: Path, journal: str, read_only: bool
) -> None:
    """Opening a WAL database whose -wal and -shm were removed at the last close creates them
    again: that is dbbrowse's own doing, not another connection's commit."""
    path = tmp_path / f"{journal}.db"
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA journal_mode={journal}")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    conn.execute("INSERT INTO t VALUES (1, 'a')")
    conn.commit()
    conn.close()
    assert not Path(f"{path}-wal").exists()
    app = browse_app(path, read_only=read_only)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.get_screen_browse()
        assert screen is not None

        def looked_twice() -> bool:
            inspector = app.inspector
            return inspector is not None and inspector.data_token is not None

        await eventually(pilot, looked_twice, "the monitor's first look")
        await asyncio.sleep(1.5)  # one more look
        await settle(pilot)
        assert "another connection" not in screen.status.notice
        assert screen.status.position == "row 1 of 1"
