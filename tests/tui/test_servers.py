"""The TUI against PostgreSQL and MariaDB: list, page, sort and filter a real server table."""

from __future__ import annotations

import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager

import pytest
from sqlalchemy import create_engine, text
from textual.pilot import Pilot

from app.engines import derive_urls
from tests.tui.scenes import SIZE, eventually, wait_for_work
from tui.app import DbBrowseApp
from tui.db.model import TableInfo
from tui.db.paging import FilterOp, FilterSpec, RowQuery, SortSpec
from tui.db.target import resolve_target
from tui.screens.browse import BrowseScreen
from tui.widgets.row_grid import RowGrid
from tui.widgets.table_list import TableList

ROWS = 700


@pytest.fixture(params=["postgres", "mariadb"])
def server_table(request: pytest.FixtureRequest) -> Iterator[tuple[str, str]]:
    url: str = request.getfixturevalue(f"{request.param}_url")
    name = f"tui people {uuid.uuid4().hex[:6]}"
    engine = create_engine(derive_urls(url)[0])
    quoted = engine.dialect.identifier_preparer.quote(name)
    with engine.begin() as conn:
        conn.execute(
            text(f"CREATE TABLE {quoted} (id INTEGER PRIMARY KEY, name VARCHAR(40), age INTEGER)")
        )
        conn.execute(
            text(f"INSERT INTO {quoted} (id, name, age) VALUES (:id, :name, :age)"),
            [
                {"id": i, "name": f"[b]person[/b] {i}", "age": None if i % 10 == 0 else i % 90}
                for i in range(1, ROWS + 1)
            ],
        )
    try:
        yield url, name
    finally:
        with engine.begin() as conn:
            conn.execute(text(f"DROP TABLE {quoted}"))
        engine.dispose()


@asynccontextmanager
async def browsing(
    server_table: tuple[str, str],
) -> AsyncIterator[tuple[DbBrowseApp, Pilot[int], BrowseScreen, TableInfo, RowGrid]]:
    """The app on the server with the test's table open and loaded."""
    url, name = server_table
    app = DbBrowseApp(resolve_target(url, default_url=""))
    async with app.run_test(size=SIZE) as pilot:
        await wait_for_work(app)
        await pilot.pause()
        screen = app.get_screen_browse()
        assert screen is not None
        table = next(t for t in screen.query_one(TableList).tables if t.name == name)
        screen.open_table(table)
        await wait_for_work(app)
        grid = screen.query_one(RowGrid)
        assert grid.total == ROWS
        yield app, pilot, screen, table, grid


async def test_browse_a_server_table(server_table: tuple[str, str]) -> None:
    async with browsing(server_table) as (app, pilot, screen, table, grid):
        grid.focus()
        await pilot.press("end")
        await wait_for_work(app)
        await eventually(pilot, lambda: grid.source.row_at(ROWS - 1) is not None, "last row")
        last = grid.source.row_at(ROWS - 1)
        assert last is not None
        assert last[0] == ROWS
        assert last[1] == f"[b]person[/b] {ROWS}"
        screen.open_table(table, RowQuery(sort=(SortSpec("age", descending=True),)))
        await wait_for_work(app)
        await eventually(pilot, lambda: grid.source.row_at(0) is not None, "first row")
        first = grid.source.row_at(0)
        assert first is not None
        assert first[2] == 89
        screen.open_table(table, RowQuery(filters=(FilterSpec("age", FilterOp.IS_NULL),)))
        await wait_for_work(app)
        assert grid.total == ROWS // 10


async def test_server_changes_refresh_in_place(server_table: tuple[str, str]) -> None:
    """Another client's commit is noticed (its change token moves) and the count refreshes."""
    url, name = server_table
    async with browsing(server_table) as (_app, pilot, _screen, _table, grid):
        await pilot.pause(1.5)  # the monitor has read its first position
        engine = create_engine(derive_urls(url)[0])
        quoted = engine.dialect.identifier_preparer.quote(name)
        with engine.begin() as conn:
            conn.execute(
                text(f"INSERT INTO {quoted} (id, name) VALUES (:id, :name)"),
                {"id": ROWS + 1, "name": "late"},
            )
        engine.dispose()
        await eventually(pilot, lambda: grid.total == ROWS + 1, "the new count")


async def test_refresh_reads_the_table_list_again_on_a_server(
    server_table: tuple[str, str],
) -> None:
    """A server tells no schema change cheaply: r reads the list again, the view stays."""
    url, name = server_table
    other = f"tui extra {uuid.uuid4().hex[:6]}"
    engine = create_engine(derive_urls(url)[0])
    quoted = engine.dialect.identifier_preparer.quote(other)
    try:
        async with browsing(server_table) as (app, pilot, screen, _table, grid):
            tables = screen.query_one(TableList)
            assert other not in [t.name for t in tables.tables]
            with engine.begin() as conn:
                conn.execute(text(f"CREATE TABLE {quoted} (id INTEGER PRIMARY KEY)"))
            grid.focus()
            await pilot.press("r")
            await wait_for_work(app)
            await pilot.pause()
            assert other in [t.name for t in tables.tables]
            assert screen.table is not None and screen.table.name == name
            assert grid.total == ROWS
    finally:
        with engine.begin() as conn:
            conn.execute(text(f"DROP TABLE IF EXISTS {quoted}"))
        engine.dispose()
