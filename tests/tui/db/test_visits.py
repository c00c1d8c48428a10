"""Back/forward bookkeeping, and finding a visited row again by its key after it moved."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.tui.navigation_db import navigation_source
from tui.db.catalog import describe_table, list_tables
from tui.db.model import KeyKind, TableInfo, TableKind, TableRef
from tui.db.paging import Pager, RowQuery, SortSpec
from tui.db.source import DataSource
from tui.db.values import RowKey
from tui.db.visits import Visit, Visits, find_row
from tui.db.window import RowWindow


def visit(name: str, position: int = 0) -> Visit:
    table = TableInfo(TableRef(name), TableKind.TABLE, (), (), KeyKind.NONE)
    return Visit(table, RowQuery(), None, position)


def test_back_and_forward_walk_the_visits_and_a_new_jump_forgets_what_was_ahead() -> None:
    visits = Visits()
    a, b, c, d = visit("a"), visit("b"), visit("c"), visit("d")
    assert visits.back(a) is None and not visits.can_go_back
    visits.leave(a)  # a → b
    visits.leave(b)  # b → c
    assert visits.back(c) == b
    assert visits.back(b) == a
    assert visits.back(a) is None
    assert visits.forward(a) == b
    assert visits.can_go_forward
    visits.leave(b)  # b → d: c is no longer ahead
    assert not visits.can_go_forward
    assert visits.forward(d) is None
    assert visits.back(d) == b


def test_the_oldest_visits_are_forgotten_past_the_limit() -> None:
    visits = Visits(limit=3)
    for i in range(5):
        visits.leave(visit(str(i)))
    seen = []
    here = visit("now")
    while (previous := visits.back(here)) is not None:
        seen.append(previous.table.name)
        here = previous
    assert seen == ["4", "3", "2"]


@pytest.fixture
async def source(tmp_path: Path) -> AsyncIterator[DataSource]:
    async with navigation_source(tmp_path / "nav.db") as opened:
        yield opened


async def described(source: DataSource, name: str) -> TableInfo:
    snapshot = await source.run(lambda conn: list_tables(conn, source.strategy))
    table = next(t for t in snapshot.tables if t.name == name)
    return await source.run(lambda conn: describe_table(conn, source.strategy, table))


async def test_a_row_is_found_by_its_key_after_an_edit_moved_it_in_the_sort(
    source: DataSource,
) -> None:
    orders = await described(source, "order")
    query = RowQuery(sort=(SortSpec("total", descending=True),))
    window = RowWindow(Pager(orders, source.strategy, query), total=200)
    path = source.target.sqlite_path
    assert path is not None

    def position_of(order_id: int) -> int:
        with sqlite3.connect(path) as conn:
            ids = [r[0] for r in conn.execute('SELECT id FROM "order" ORDER BY total DESC, id')]
        conn.close()
        return ids.index(order_id)

    key = RowKey(("id",), (42,))
    seen = Visit(orders, query, key, position_of(42))
    assert await source.run(lambda conn: find_row(conn, window, seen)) == position_of(42)
    # Another program moves row 42 to the top and adds rows before where it was.
    with sqlite3.connect(path) as conn:
        conn.execute('UPDATE "order" SET total = 1000 WHERE id = 42')
        conn.executemany('INSERT INTO "order" VALUES (?, 1, 500)', [(1001,), (1002,)])
    conn.close()
    window.data_changed()
    found = await source.run(lambda conn: find_row(conn, window, seen))
    assert found == position_of(42) == 0  # its old sort value would have put it far down
    # A row on the next line of the sort keeps its place among the new ones.
    other = Visit(orders, query, RowKey(("id",), (7,)), 0)
    assert await source.run(lambda conn: find_row(conn, window, other)) == position_of(7)


async def test_a_deleted_or_filtered_out_row_is_not_found(source: DataSource) -> None:
    from tui.db.paging import FilterOp, FilterSpec

    orders = await described(source, "order")
    only_big = RowQuery(filters=(FilterSpec("total", FilterOp.GT, 50),))
    window = RowWindow(Pager(orders, source.strategy, only_big), total=100)
    path = source.target.sqlite_path
    assert path is not None
    with sqlite3.connect(path) as conn:
        small = conn.execute('SELECT id FROM "order" WHERE total <= 50 LIMIT 1').fetchone()[0]
        big = conn.execute('SELECT id FROM "order" WHERE total > 50 LIMIT 1').fetchone()[0]
        conn.execute('DELETE FROM "order" WHERE id = ?', (big,))
    conn.close()
    for gone in (small, big):
        seen = Visit(orders, only_big, RowKey(("id",), (gone,)), 3)
        assert await source.run(lambda conn, v=seen: find_row(conn, window, v)) is None
    assert (
        await source.run(lambda conn: find_row(conn, window, Visit(orders, only_big, None, 3)))
        is None
    )
