"""The cursor's record, noted when another connection commits (:mod:`tui.db.keep`)."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from app.database import create_engines
from tui.db.dialects.base import DialectStrategy
from tui.db.keep import CursorKeeper
from tui.db.model import ColumnInfo, KeyKind, TableInfo, TableKind, TableRef
from tui.db.paging import Pager
from tui.db.window import RowWindow

PAGE = 10


def info(keyed: bool) -> TableInfo:
    return TableInfo(
        ref=TableRef("t"),
        kind=TableKind.TABLE if keyed else TableKind.VIEW,
        columns=(ColumnInfo("id", "INTEGER", nullable=False, primary_key=1),),
        key_columns=("rowid",) if keyed else (),
        key_kind=KeyKind.ROWID if keyed else KeyKind.NONE,
    )


@pytest.fixture
async def engine(sqlite_path: Path) -> AsyncIterator[AsyncEngine]:
    with sqlite3.connect(sqlite_path) as conn:
        conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY)")
        conn.executemany("INSERT INTO t VALUES (?)", ((i * 10,) for i in range(1, 41)))
    conn.close()
    sync_engine, async_engine = create_engines(f"sqlite:///{sqlite_path}", sqlite_wal=False)
    yield async_engine
    await async_engine.dispose()
    sync_engine.dispose()


async def loaded_window(engine: AsyncEngine, keyed: bool = True) -> RowWindow:
    window = RowWindow(Pager(info(keyed), DialectStrategy()), 40, page_size=PAGE)
    async with engine.connect() as conn:
        await window.load(conn, 0)
        await window.load(conn, 1)
    return window


async def test_the_cursor_record_is_noted_once_until_found(engine: AsyncEngine) -> None:
    window = await loaded_window(engine)
    keeper = CursorKeeper()
    keeper.note(window, 12)
    kept = keeper.pending
    assert kept is not None and kept.cursor == (130,) and kept.row == 12
    window.data_changed()
    keeper.note(window, 12)  # a second commit before it was found: the same record
    assert keeper.pending is kept
    keeper.found(kept, 15)
    assert keeper.pending is None
    # Now on its new position, whose page is stale: the row drawn there is another record.
    keeper.note(window, 15)
    assert keeper.pending is not None and keeper.pending.cursor == (130,)
    keeper.reset()
    assert keeper.pending is None


async def test_a_keyless_view_or_an_unread_row_keeps_nothing(engine: AsyncEngine) -> None:
    keeper = CursorKeeper()
    keeper.note(await loaded_window(engine, keyed=False), 3)
    assert keeper.pending is None
    keeper.note(await loaded_window(engine), 35)  # page 3 was never read
    assert keeper.pending is None
