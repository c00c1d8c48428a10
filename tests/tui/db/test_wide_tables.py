"""A table with as many columns as SQLite allows (2,000) can be paged: the page query's
per-column preview helpers never push a result past the engine's column limit, and every
value still comes back exactly, long ones as a Preview where the budget allows (hostile
report, 13)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tui.db.catalog import describe_table, list_tables
from tui.db.model import Preview
from tui.db.paging import Pager, RowQuery, SortSpec
from tui.db.source import DataSource
from tui.db.target import resolve_target
from tui.db.values import PREVIEW


def wide_file(path: Path, columns: int) -> Path:
    """Table ``wide``: ``id`` and ``columns - 1`` more; row 1 holds a value of each class."""
    with sqlite3.connect(path) as con:
        names = ", ".join(f'"c{i}"' for i in range(columns - 1))
        con.execute(f"CREATE TABLE wide (id INTEGER PRIMARY KEY, {names})")
        con.execute(
            'INSERT INTO wide (id, "c0", "c1", "c2", "c3", "c4") VALUES (1, ?, ?, ?, ?, ?)',
            ("1", 1, "x" * (PREVIEW + 10), b"\x00\xff", 1.5),
        )
        con.execute("INSERT INTO wide (id) VALUES (2)")
    con.close()
    return path


@pytest.mark.parametrize("columns", [700, 1999, 2000])
async def test_a_table_of_up_to_sqlites_column_limit_pages(tmp_path: Path, columns: int) -> None:
    path = wide_file(tmp_path / "wide.db", columns)
    source = await DataSource.open(resolve_target(str(path), default_url=""))
    try:
        strategy = source.strategy
        snapshot = await source.run(lambda conn: list_tables(conn, strategy))
        (listed,) = [t for t in snapshot.tables if t.name == "wide"]
        info = await source.run(lambda conn: describe_table(conn, strategy, listed))
        assert len(info.columns) == columns
        for query in (RowQuery(), RowQuery(sort=(SortSpec(f"c{columns - 2}"),))):
            pager = Pager(info, strategy, query)
            page = await source.run(lambda conn, p=pager: p.fetch(conn, limit=10))
            rows = sorted(page.rows, key=lambda r: int(r[0]))
            assert [len(r) for r in rows] == [columns, columns]
            first = rows[0]
            # The text '1' and the integer 1 stay apart; the long text is whole or a Preview.
            assert first[1] == "1" and isinstance(first[1], str)
            assert first[2] == 1 and isinstance(first[2], int)
            long = first[3]
            if isinstance(long, Preview):
                assert long.size == PREVIEW + 10
            else:
                assert long == "x" * (PREVIEW + 10)
            assert first[4] == b"\x00\xff" and first[5] == 1.5
            assert rows[1][1:] == (None,) * (columns - 1)
    finally:
        await source.close()


@pytest.mark.parametrize("columns", [700, 1999])
async def test_the_app_opens_a_table_that_wide(tmp_path: Path, columns: int) -> None:
    """The grid shows the rows of the wide table, with no error in place of them."""
    from tests.tui.scenes import SIZE, browse_app, settle
    from tui.widgets.row_grid import RowGrid
    from tui.widgets.table_list import TableList

    path = wide_file(tmp_path / "wide.db", columns)
    app = browse_app(path)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.get_screen_browse()
        assert screen is not None
        table = next(t for t in screen.query_one(TableList).tables if t.name == "wide")
        screen.open_table(table)
        await settle(pilot)
        grid = screen.query_one(RowGrid)
        assert grid.total == 2
        shown = "\n".join(grid.render_line(y).text for y in range(grid.size.height))
        assert "too many columns" not in shown
        assert "'1'" in shown  # the text '1' in c0, drawn apart from a number
