"""Pilot tests: another connection creates or drops tables while the app is open.

The table list follows the database's schema (on SQLite its ``schema_version``, read when the
change monitor sees a commit): a new table appears, a dropped one goes, and the highlighted
entry and the grid's cursor stay where they were. A dropped table that is open says so
where its rows were. Estimated counts (``~``) are estimated again after each commit.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import OptionList, Static

from tests.tui.scenes import eventually, running, settle, table
from tui.db.model import TableRef
from tui.screens.browse import BrowseScreen
from tui.widgets.row_grid import RowGrid
from tui.widgets.table_list import TableList

BIG = 12_000


@pytest.fixture
def shop_db(tmp_path: Path) -> Path:
    path = tmp_path / "shop.db"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    for name in ("alpha", "gamma", "zeta"):
        conn.execute(f"CREATE TABLE {name} (id INTEGER PRIMARY KEY, label TEXT)")
        conn.executemany(
            f"INSERT INTO {name} (label) VALUES (?)", [(f"{name} {i}",) for i in range(40)]
        )
    conn.execute("CREATE TABLE big (id INTEGER PRIMARY KEY, label TEXT)")
    conn.executemany("INSERT INTO big (label) VALUES (?)", [(str(i),) for i in range(BIG)])
    conn.commit()
    conn.close()
    return path


def other_connection(path: Path, *statements: str) -> None:
    conn = sqlite3.connect(path)
    for sql in statements:
        conn.execute(sql)
    conn.commit()
    conn.close()


def listed(tables: TableList) -> list[str]:
    return [t.name for t in tables.tables if not t.internal]


def highlighted(tables: TableList) -> str | None:
    index = tables.query_one(OptionList).highlighted
    return None if index is None else tables._shown[index].name


async def test_a_table_created_elsewhere_appears_and_nothing_moves(shop_db: Path) -> None:
    async with running(shop_db, monitor=False) as (_app, pilot, screen, grid, _status):
        tables = screen.query_one(TableList)
        assert listed(tables) == ["alpha", "big", "gamma", "zeta"]
        tables.select(TableRef("gamma"))
        await pilot.press("down", "down", "down", "right")
        await settle(pilot)
        assert screen.table is not None and screen.table.name == "alpha"
        cursor = (grid.cursor_row, grid.cursor_column)
        other_connection(shop_db, "CREATE TABLE beta (id INTEGER PRIMARY KEY, x TEXT)")
        screen.data_changed()  # what the change monitor calls after another's commit
        await settle(pilot)
        assert listed(tables) == ["alpha", "beta", "big", "gamma", "zeta"]
        assert highlighted(tables) == "gamma"  # the same entry, one line further down
        assert screen.table is not None and screen.table.name == "alpha"
        assert (grid.cursor_row, grid.cursor_column) == cursor
        # The new table opens like any other.
        screen.open_table(table(screen, "beta"))
        await settle(pilot)
        assert screen.table is not None and screen.table.name == "beta"
        assert grid.total == 0


async def test_the_change_monitor_itself_notices_a_new_table(shop_db: Path) -> None:
    async with running(shop_db) as (app, pilot, screen, _grid, _status):
        tables = screen.query_one(TableList)

        def watching() -> bool:  # the monitor has seen the files once: it can tell a change
            return app.inspector is not None and app.inspector.data_token is not None

        await eventually(pilot, watching, "the monitor's first look")
        other_connection(shop_db, "CREATE TABLE beta (id INTEGER PRIMARY KEY, x TEXT)")
        await eventually(pilot, lambda: "beta" in listed(tables), "beta listed")


async def test_an_open_table_dropped_elsewhere_says_so_instead_of_failing(shop_db: Path) -> None:
    async with running(shop_db, monitor=False) as (_app, pilot, screen, grid, status):
        screen.open_table(table(screen, "zeta"))
        await settle(pilot)
        assert grid.total == 40
        other_connection(shop_db, "DROP TABLE zeta")
        screen.data_changed()
        await settle(pilot)
        tables = screen.query_one(TableList)
        assert listed(tables) == ["alpha", "big", "gamma"]
        message = screen.query_one("#grid-message", Static)
        assert message.display
        assert "table zeta was renamed or dropped by another connection" in str(message.render())
        assert grid.total == 0
        assert "failed" not in status.notice and "no such table" not in status.notice
        assert "refreshed" not in status.notice
        # Created again: it opens again by itself.
        other_connection(shop_db, "CREATE TABLE zeta (id INTEGER PRIMARY KEY, label TEXT)")
        other_connection(shop_db, "INSERT INTO zeta (label) VALUES ('back')")
        screen.data_changed()
        await settle(pilot)
        assert not message.display
        assert grid.total == 1


def shown(grid: RowGrid, row: int) -> dict[str, object]:
    values = grid.source.row_at(row)
    assert values is not None
    return dict(zip([c.name for c in grid.columns], values, strict=True))


async def open_acct(pilot: Pilot[Any], screen: BrowseScreen, grid: RowGrid) -> None:
    """acct open, the cursor on row 7 (id 6), column bal."""
    screen.open_table(table(screen, "acct"))
    await settle(pilot)
    grid.move_to(6)
    grid.cursor_column = [c.name for c in grid.columns].index("bal")
    await settle(pilot)


@pytest.fixture
def acct_db(shop_db: Path) -> Path:
    other_connection(
        shop_db,
        "CREATE TABLE acct (id INTEGER PRIMARY KEY, owner TEXT, bal INTEGER)",
        "INSERT INTO acct SELECT id - 1, 'o' || (id - 1), (id - 1) * 10 FROM big LIMIT 50",
    )
    return shop_db


async def test_an_open_table_follows_columns_added_and_dropped_elsewhere(acct_db: Path) -> None:
    async with running(acct_db, monitor=False) as (_app, pilot, screen, grid, status):
        await open_acct(pilot, screen, grid)
        other_connection(acct_db, "ALTER TABLE acct ADD COLUMN note TEXT DEFAULT 'nd'")
        screen.data_changed()
        await settle(pilot)
        assert [c.name for c in grid.columns] == ["id", "owner", "bal", "note"]
        assert shown(grid, 6) == {"id": 6, "owner": "o6", "bal": 60, "note": "nd"}
        assert (grid.cursor_row, grid.columns[grid.cursor_column].name) == (6, "bal")
        assert "columns of table acct changed" in status.notice
        # A change and a dropped column in one commit: the rows as they are now, no error.
        other_connection(
            acct_db,
            "UPDATE acct SET note = 'n1' WHERE id = 6",
            "ALTER TABLE acct DROP COLUMN owner",
        )
        screen.data_changed()
        await settle(pilot)
        assert [c.name for c in grid.columns] == ["id", "bal", "note"]
        assert shown(grid, 6) == {"id": 6, "bal": 60, "note": "n1"}
        assert (grid.cursor_row, grid.columns[grid.cursor_column].name) == (6, "bal")
        assert "failed" not in status.notice and "no such column" not in status.notice


async def test_a_sort_on_a_column_dropped_elsewhere_is_dropped_too(acct_db: Path) -> None:
    async with running(acct_db, monitor=False) as (_app, pilot, screen, grid, status):
        from tui.db.paging import RowQuery, SortSpec

        screen.open_table(table(screen, "acct"), RowQuery(sort=(SortSpec("owner", True),)))
        await settle(pilot)
        other_connection(acct_db, "ALTER TABLE acct DROP COLUMN owner")
        screen.data_changed()
        await settle(pilot)
        assert screen.query_spec is not None and screen.query_spec.sort == ()
        assert [c.name for c in grid.columns] == ["id", "bal"]
        assert grid.total == 50 and "failed" not in status.notice


async def test_an_open_table_renamed_elsewhere_is_followed(acct_db: Path) -> None:
    async with running(acct_db, monitor=False) as (_app, pilot, screen, grid, status):
        await open_acct(pilot, screen, grid)
        other_connection(acct_db, "ALTER TABLE acct RENAME TO acct2")
        screen.data_changed()
        await settle(pilot)
        tables = screen.query_one(TableList)
        assert "acct2" in listed(tables) and "acct" not in listed(tables)
        assert screen.table is not None and screen.table.name == "acct2"
        assert shown(grid, 6) == {"id": 6, "owner": "o6", "bal": 60}
        assert (grid.cursor_row, grid.columns[grid.cursor_column].name) == (6, "bal")
        assert "table acct was renamed to acct2 by another connection" in status.notice


async def test_refresh_reads_the_table_list_again_on_sqlite(shop_db: Path) -> None:
    async with running(shop_db) as (_app, pilot, screen, _grid, _status):
        other_connection(shop_db, "CREATE TABLE beta (id INTEGER PRIMARY KEY, x TEXT)")
        await pilot.press("r")  # no change monitor here: only the refresh reads it
        await settle(pilot)
        assert "beta" in listed(screen.query_one(TableList))


@pytest.mark.parametrize("analyzed", [False, True], ids=["max-rowid", "sqlite_stat1"])
async def test_estimated_counts_follow_commits_and_stay_marked(
    shop_db: Path, analyzed: bool
) -> None:
    if analyzed:  # sqlite_stat1: an estimate ANALYZE took, which later commits do not change
        other_connection(shop_db, "ANALYZE")
    async with running(shop_db, monitor=False) as (_app, pilot, screen, _grid, _status):
        tables = screen.query_one(TableList)
        ref = TableRef("big")
        assert tables.counts[ref].value == BIG
        other_connection(
            shop_db,
            f"INSERT INTO big (label) SELECT label FROM big LIMIT {BIG // 2}",
        )
        screen.data_changed()
        await settle(pilot)
        count = tables.counts[ref]
        assert not count.exact and str(count).startswith("~"), count
        assert count.value == BIG + BIG // 2, count


async def test_the_table_list_takes_the_exact_count_the_grid_has(shop_db: Path) -> None:
    """The status bar had the exact count of the open table while the table list kept its
    estimate (~) or a count from before another connection's commit (hostile report, 17)."""
    from tui.db.paging import RowQuery, SortSpec

    async with running(shop_db, monitor=False) as (_app, pilot, screen, _grid, status):
        tables = screen.query_one(TableList)
        ref = TableRef("big")
        screen.open_table(table(screen, "big"), RowQuery(sort=(SortSpec("label", True),)))
        await eventually(pilot, lambda: tables.counts[ref].exact, "the grid's count listed")
        assert tables.counts[ref].value == BIG
        other_connection(shop_db, "DELETE FROM big WHERE id <= 100")
        screen.data_changed()
        await settle(pilot)
        await eventually(
            pilot, lambda: str(tables.counts[ref]) == f"{BIG - 100:,}", "the recount listed"
        )
        await pilot.press("/")  # a search keeps only some rows: not the table's count
        await pilot.press(*"77", "enter")
        await settle(pilot)
        assert "of" in status.position and str(tables.counts[ref]) == f"{BIG - 100:,}"
