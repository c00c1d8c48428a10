"""Every database SQLite opens, dbbrowse opens: the pre-open check never refuses a healthy
file, whatever state its WAL or journal is in."""

from __future__ import annotations

import sqlite3
import struct
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from tui.db.no_checkpoint import disable_checkpoint_on_close
from tui.db.source import DataSource
from tui.db.target import resolve_target
from tui.db.wal import FRAME_HEADER_SIZE, WAL_HEADER_SIZE

TABLES = 20
ROWS = 50


def wal_with_new_tables(db: Path) -> None:
    """A database whose tables were all created after it went to WAL; nothing checkpointed."""
    con = sqlite3.connect(db, isolation_level=None)
    con.execute("CREATE TABLE a (x)")
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA wal_autocheckpoint=0")
    for i in range(TABLES):
        con.execute(f"CREATE TABLE t{i} (id INTEGER PRIMARY KEY, v BLOB)")
        con.execute(
            f"INSERT INTO t{i} (v) SELECT randomblob(300) FROM (WITH RECURSIVE r(n) AS "
            f"(SELECT 1 UNION ALL SELECT n + 1 FROM r WHERE n < {ROWS}) SELECT n FROM r)"
        )
    assert disable_checkpoint_on_close(con)
    con.close()


def copy_first_page_back(db: Path) -> None:
    """What a checkpointer killed after copying one page leaves: page 1 (the schema) from the
    WAL is in the database file, the pages it points at are not yet."""
    wal = db.with_name(db.name + "-wal").read_bytes()
    page_size = struct.unpack(">I", wal[8:12])[0]
    newest = None
    offset = WAL_HEADER_SIZE
    while offset + FRAME_HEADER_SIZE + page_size <= len(wal):
        if struct.unpack(">I", wal[offset : offset + 4])[0] == 1:
            newest = wal[offset + FRAME_HEADER_SIZE : offset + FRAME_HEADER_SIZE + page_size]
        offset += FRAME_HEADER_SIZE + page_size
    assert newest is not None
    with db.open("r+b") as handle:
        handle.write(newest)


async def count_rows(db: Path, table: str) -> int:
    source = await DataSource.open(resolve_target(str(db), default_url=""))

    async def count(conn: AsyncConnection) -> int:
        return int(await conn.scalar(text(f"SELECT count(*) FROM {table}")) or 0)

    try:
        return await source.run(count)
    finally:
        await source.close()


async def test_a_wal_nothing_was_checkpointed_from_opens(tmp_path: Path) -> None:
    db = tmp_path / "fresh.db"
    wal_with_new_tables(db)
    assert await count_rows(db, f"t{TABLES - 1}") == ROWS


async def test_a_partial_checkpoint_opens(tmp_path: Path) -> None:
    """The database file alone is inconsistent (SQLite itself says malformed when told to
    ignore the WAL), but read through its WAL it is whole: it must open."""
    db = tmp_path / "partial.db"
    wal_with_new_tables(db)
    copy_first_page_back(db)
    alone = sqlite3.connect(f"{db.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
    try:
        try:
            alone.execute(f"SELECT count(*) FROM t{TABLES - 1}").fetchone()
            damaged_alone = False
        except sqlite3.DatabaseError:
            damaged_alone = True
    finally:
        alone.close()
    assert damaged_alone
    resolve_target(str(db), default_url="")  # no TargetError
    assert await count_rows(db, f"t{TABLES - 1}") == ROWS
    with sqlite3.connect(db) as con:
        assert con.execute("PRAGMA quick_check").fetchone() == ("ok",)
    con.close()
