"""Pilot tests: Back and Forward after jumps, and "referenced by" (J)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot
from textual.widgets import Label, OptionList

from tests.tui.navigation_db import make_navigation_database, orders_of
from tests.tui.scenes import eventually, running, settle
from tui.db.model import TableKind
from tui.db.paging import FilterOp, FilterSpec, RowQuery, SortSpec
from tui.screens.browse import BrowseScreen
from tui.screens.references import ReferencesScreen
from tui.widgets.row_grid import RowGrid
from tui.widgets.sql_editor import SqlEditor

CUSTOMER = '"cust ""id"""'  # the order table's foreign-key column, as SQL spells it
BY_TOTAL = RowQuery(sort=(SortSpec("total", descending=True),))


@pytest.fixture
def nav_db(tmp_path: Path) -> Path:
    return make_navigation_database(tmp_path / "nav.db")


def cell(grid: RowGrid, column: str) -> Any:
    row = grid.current_row()
    assert row is not None
    return row[[c.name for c in grid.columns].index(column)]


async def open_table(pilot: Pilot[Any], screen: BrowseScreen, name: str) -> None:
    await pilot.press("ctrl+t", *name, "enter")
    await settle(pilot)
    assert screen.table is not None and screen.table.name == name


async def test_back_and_forward_after_following_a_key_restore_sort_row_column_and_line(
    nav_db: Path,
) -> None:
    async with running(nav_db) as (_app, pilot, screen, grid, _status):
        await open_table(pilot, screen, "order")
        await pilot.press("right", "right", "s", "s")  # total, descending
        await settle(pilot)
        assert screen.query_spec == BY_TOTAL
        await pilot.press(*["down"] * 40, "left")  # scrolled: the cursor is not on line 0
        await settle(pilot)
        order_id, customer = cell(grid, "id"), cell(grid, 'cust "id"')
        line = grid.cursor_row - grid.first_visible
        position = grid.cursor_row
        assert grid.first_visible > 0 and line > 0

        await pilot.press("j")
        await settle(pilot)
        assert screen.table is not None and screen.table.name == "cust omers"
        assert screen.query_spec == RowQuery(filters=(FilterSpec("id", FilterOp.EQ, customer),))

        # Rows come before the order in its sort while we are away: by key, not position.
        with sqlite3.connect(nav_db) as conn:
            conn.executemany(
                'INSERT INTO "order" (id, ' + CUSTOMER + ", total) VALUES (?, 1, 999)",
                [(1001,), (1002,), (1003,)],
            )
        conn.close()
        await eventually(pilot, lambda: "another connection" in screen.status.notice, "seen")

        await pilot.press("backspace")
        await settle(pilot)
        assert screen.table is not None and screen.table.name == "order"
        assert screen.query_spec == BY_TOTAL
        assert cell(grid, "id") == order_id
        assert grid.cursor_row == position + 3
        assert grid.columns[grid.cursor_column].name == 'cust "id"'
        assert grid.cursor_row - grid.first_visible == line
        assert grid.has_focus

        await pilot.press("alt+right")
        await settle(pilot)
        assert screen.table is not None and screen.table.name == "cust omers"
        assert cell(grid, "id") == customer

        await pilot.press("alt+left")
        await settle(pilot)
        assert screen.table is not None and screen.table.name == "order"
        assert cell(grid, "id") == order_id

        await pilot.press("backspace")  # the table opened first, before "order" was chosen
        await settle(pilot)
        assert screen.table is not None and screen.table.name == "cust omers"
        await pilot.press("backspace")  # nothing before: stays, and says so
        await settle(pilot)
        assert screen.table is not None and screen.table.name == "cust omers"
        assert "nothing to go back to" in screen.status.notice


async def test_back_returns_to_a_console_query_after_opening_a_table(nav_db: Path) -> None:
    async with running(nav_db) as (_app, pilot, screen, grid, _status):
        await pilot.press("ctrl+o")
        await settle(pilot)
        editor = screen.query_one(SqlEditor)
        sql = 'SELECT id, total FROM "order" WHERE total > 90 ORDER BY id'
        editor.load_text(sql)
        editor.move_cursor(editor.document.end)
        await pilot.press("ctrl+j")
        await settle(pilot)
        assert screen.table is not None and screen.table.kind is TableKind.QUERY
        grid.focus()
        await pilot.press("down", "down", "down")
        await settle(pilot)
        third = cell(grid, "id")

        await open_table(pilot, screen, "regions")
        await pilot.press("backspace")
        await settle(pilot)
        assert screen.table is not None and screen.table.kind is TableKind.QUERY
        assert screen.table.sql.strip().rstrip(";") == sql
        assert cell(grid, "id") == third


async def test_referenced_by_lists_counts_and_opens_the_referring_rows(nav_db: Path) -> None:
    async with running(nav_db) as (app, pilot, screen, grid, _status):
        await open_table(pilot, screen, "cust omers")
        await pilot.press(*["down"] * 6)  # customer 7
        assert cell(grid, "id") == 7
        await pilot.press("J")
        await settle(pilot)
        menu = app.screen
        assert isinstance(menu, ReferencesScreen)
        title = str(menu.query_one(".dialog-title", Label).content)
        assert title == "Referenced by: rows pointing at cust omers id = 7"
        options = menu.query_one(OptionList)
        lines = [str(options.get_option_at_index(i).prompt) for i in range(options.option_count)]
        assert sorted(lines) == [
            f'order (cust "id")   {orders_of(7)} rows',
            "reviews (customer)   2 rows",
        ]
        options.highlighted = next(i for i, line in enumerate(lines) if line.startswith("order"))
        await pilot.press("enter")
        await settle(pilot)
        assert screen.table is not None and screen.table.name == "order"
        assert grid.total == orders_of(7) and grid.total_exact
        assert {cell(grid, 'cust "id"')} == {7}

        await pilot.press("backspace")
        await settle(pilot)
        assert screen.table is not None and screen.table.name == "cust omers"
        assert cell(grid, "id") == 7


async def test_referenced_by_follows_a_composite_key(nav_db: Path) -> None:
    async with running(nav_db) as (app, pilot, screen, grid, _status):
        await open_table(pilot, screen, "regions")
        while (cell(grid, "country"), cell(grid, "code")) != ("fr", "75"):
            await pilot.press("down")
        await pilot.press("J")
        await settle(pilot)
        menu = app.screen
        assert isinstance(menu, ReferencesScreen)
        options = menu.query_one(OptionList)
        assert str(options.get_option_at_index(0).prompt) == "shops ✓ (country, code)   2 rows"
        await pilot.press("enter")
        await settle(pilot)
        assert screen.table is not None and screen.table.name == "shops ✓"
        assert grid.total == 2


async def test_referenced_by_on_a_table_nothing_refers_to_says_so(nav_db: Path) -> None:
    async with running(nav_db) as (app, pilot, screen, _grid, _status):
        await open_table(pilot, screen, "reviews")
        await pilot.press("J")
        await settle(pilot)
        assert isinstance(app.screen, BrowseScreen)
        notices = [str(n.message) for n in app._notifications]
        assert any("no foreign key refers to reviews" in n for n in notices), notices


async def test_j_follows_the_staged_value_the_cell_shows(tmp_path: Path) -> None:
    """parent 1 → 3 staged (not saved): the cell shows 3, so j opens id = 3."""
    from tests.tui.editing import edit_to, editing, press, to_column

    path = tmp_path / "self.db"
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE self (id INTEGER PRIMARY KEY, parent INTEGER REFERENCES self)")
        conn.executemany("INSERT INTO self VALUES (?, ?)", [(1, None), (2, 1), (3, 1)])
    conn.close()
    async with editing(path, "self") as (_app, pilot, screen, grid):
        grid.cursor_row = 1
        to_column(grid, "parent")
        await edit_to(pilot, "3")
        await press(pilot, "j", "y")  # y: leave with the change staged
        assert screen.table is not None and screen.table.name == "self"
        assert screen.query_spec == RowQuery(filters=(FilterSpec("id", FilterOp.EQ, 3),))


async def test_j_finds_a_referred_table_named_in_another_letter_case(tmp_path: Path) -> None:
    """SQLite resolves REFERENCES "p" to the table "P" (names ignore ASCII case): so does j."""
    path = tmp_path / "case.db"
    with sqlite3.connect(path) as conn:
        conn.executescript(
            """
            CREATE TABLE "P" (a INTEGER, b INTEGER, label TEXT, PRIMARY KEY (a, b));
            CREATE TABLE implicit_child (id INTEGER PRIMARY KEY, x INTEGER, y INTEGER,
                FOREIGN KEY (x, y) REFERENCES "p");
            INSERT INTO "P" VALUES (1, 2, 'one two'), (3, 4, 'three four');
            INSERT INTO implicit_child VALUES (1, 3, 4);
            """
        )
    conn.close()
    async with running(path) as (_app, pilot, screen, grid, _status):
        await open_table(pilot, screen, "implicit_child")
        grid.cursor_column = [c.name for c in grid.columns].index("x")
        await pilot.press("j")
        await settle(pilot)
        assert screen.table is not None and screen.table.name == "P"
        assert screen.query_spec == RowQuery(
            filters=(FilterSpec("a", FilterOp.EQ, 3), FilterSpec("b", FilterOp.EQ, 4))
        )


async def test_back_after_a_console_query_returns_to_the_table_it_was_run_from(
    nav_db: Path,
) -> None:
    """cust omers, then order at row 4, a query in the console: Back is order row 4."""
    async with running(nav_db) as (_app, pilot, screen, grid, _status):
        await open_table(pilot, screen, "cust omers")
        await open_table(pilot, screen, "order")
        await pilot.press("down", "down", "down")
        await settle(pilot)
        await pilot.press("ctrl+o")
        await settle(pilot)
        editor = screen.query_one(SqlEditor)
        editor.load_text('SELECT * FROM "order" WHERE id < 3')
        editor.move_cursor(editor.document.end)
        await pilot.press("ctrl+j")
        await settle(pilot)
        assert screen.table is not None and screen.table.sql
        await pilot.press("escape")
        await settle(pilot)
        grid.focus()
        await pilot.press("backspace")
        await settle(pilot)
        assert screen.table is not None and screen.table.name == "order"
        assert not screen.table.sql
        assert grid.cursor_row == 3
