"""Pragma status, file sizes and space by object, against real SQLite files."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
import textwrap
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import event
from sqlalchemy.ext.asyncio import AsyncEngine

from app.database import create_engines
from tui.db.status import file_status, read_pragmas, space_by_object


@pytest.fixture
async def engine(sqlite_url: str) -> AsyncIterator[AsyncEngine]:
    sync_engine, async_engine = create_engines(sqlite_url, sqlite_wal=False, busy_timeout_ms=1234)
    sync_engine.dispose()
    yield async_engine
    await async_engine.dispose()


@pytest.fixture
def db(sqlite_path: Path) -> Iterator[sqlite3.Connection]:
    """A plain sqlite3 connection in autocommit, to build the file with."""
    conn = sqlite3.connect(sqlite_path, isolation_level=None)
    yield conn
    conn.close()


def build(conn: sqlite3.Connection, rows: int = 2000, auto_vacuum: str = "INCREMENTAL") -> None:
    """A table with an index, free pages from deleted rows, and odd header values."""
    conn.execute("PRAGMA page_size = 8192")
    conn.execute(f"PRAGMA auto_vacuum = {auto_vacuum}")
    conn.execute("PRAGMA user_version = 42")
    conn.execute("PRAGMA application_id = 1094861636")
    conn.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT, body BLOB)")
    conn.execute("CREATE INDEX ix_items_name ON items (name)")
    conn.execute("BEGIN")
    conn.executemany(
        "INSERT INTO items (name, body) VALUES (?, randomblob(300))",
        [(f"item {i:05}",) for i in range(rows)],
    )
    conn.execute("COMMIT")
    conn.execute("DELETE FROM items WHERE id > ?", (rows // 2,))


def files_of(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir() if p.name.startswith(path.name))


async def test_read_pragmas_equals_what_sqlite3_reports(
    engine: AsyncEngine, db: sqlite3.Connection, sqlite_path: Path
) -> None:
    build(db)
    # Per-connection settings: set the same non-default values on both connections.
    settings = (
        "synchronous = NORMAL",
        "cache_size = -4096",
        "foreign_keys = ON",
        "wal_autocheckpoint = 321",
        "journal_size_limit = 65536",
    )
    for setting in settings:
        db.execute(f"PRAGMA {setting}")

    async with engine.connect() as conn:
        for setting in settings:
            await conn.exec_driver_sql(f"PRAGMA {setting}")
        await conn.rollback()
        status = await read_pragmas(conn)
        assert not conn.in_transaction()

    def one(sql: str) -> Any:
        return db.execute(sql).fetchone()[0]

    assert status.journal_mode == one("PRAGMA journal_mode") == "delete"
    assert status.synchronous == "NORMAL" and one("PRAGMA synchronous") == 1
    assert status.busy_timeout == 1234  # the engine's, not sqlite3's default
    assert status.locking_mode == one("PRAGMA locking_mode") == "normal"
    assert status.page_size == one("PRAGMA page_size") == 8192
    assert status.page_count == one("PRAGMA page_count")
    assert status.freelist_count == one("PRAGMA freelist_count") > 0
    assert status.cache_size == one("PRAGMA cache_size") == -4096
    assert status.auto_vacuum == "INCREMENTAL" and one("PRAGMA auto_vacuum") == 2
    assert status.wal_autocheckpoint == one("PRAGMA wal_autocheckpoint") == 321
    assert status.journal_size_limit == one("PRAGMA journal_size_limit") == 65536
    assert status.foreign_keys is True and one("PRAGMA foreign_keys") == 1
    assert status.user_version == one("PRAGMA user_version") == 42
    assert status.application_id == one("PRAGMA application_id") == 1094861636
    assert status.encoding == one("PRAGMA encoding") == "UTF-8"
    assert status.sqlite_version == sqlite3.sqlite_version
    options = tuple(r[0] for r in db.execute("PRAGMA compile_options"))
    assert status.compile_options == options
    assert status.database_bytes == os.path.getsize(sqlite_path)
    assert status.free_bytes == status.freelist_count * 8192
    assert not status.is_wal


async def test_features_follow_the_library(engine: AsyncEngine, db: sqlite3.Connection) -> None:
    build(db, rows=10)
    async with engine.connect() as conn:
        features = (await read_pragmas(conn)).features

    def works(sql: str) -> bool:
        try:
            db.execute(sql)
        except sqlite3.OperationalError:
            return False
        return True

    assert features.dbstat == works("SELECT count(*) FROM dbstat")
    assert features.json == works("SELECT json('1')")
    assert features.math == works("SELECT ln(1.0)")
    assert features.fts5 == works("CREATE VIRTUAL TABLE temp.f5 USING fts5(x)")
    assert features.fts4 == works("CREATE VIRTUAL TABLE temp.f4 USING fts4(x)")
    assert features.rtree == works("CREATE VIRTUAL TABLE temp.r USING rtree(id, a, b)")


async def test_reading_changes_nothing_in_a_rollback_journal_file(
    engine: AsyncEngine, db: sqlite3.Connection, sqlite_path: Path
) -> None:
    build(db)
    db.close()
    before = sqlite_path.read_bytes()
    mtime = sqlite_path.stat().st_mtime_ns

    async with engine.connect() as conn:
        status = await read_pragmas(conn)
        await space_by_object(conn)
        await read_pragmas(conn)
    await engine.dispose()

    assert status.journal_mode == "delete"
    assert sqlite_path.read_bytes() == before
    assert sqlite_path.stat().st_mtime_ns == mtime
    assert files_of(sqlite_path) == [sqlite_path.name]  # no -wal, -shm or -journal appeared


async def test_reading_leaves_no_snapshot_that_pins_the_wal(
    engine: AsyncEngine, db: sqlite3.Connection, sqlite_path: Path
) -> None:
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA wal_autocheckpoint = 0")
    build(db, rows=200)

    def checkpoint_truncates() -> bool:
        db.execute("INSERT INTO items (name) VALUES ('after the read')")
        busy, _log, _done = db.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
        return busy == 0 and os.path.getsize(f"{sqlite_path}-wal") == 0

    # The connection stays open: a read snapshot left on it would make TRUNCATE report busy
    # and keep the WAL.
    async with engine.connect() as conn:
        status = await read_pragmas(conn)
        assert checkpoint_truncates()
        await space_by_object(conn)  # None without dbstat: pins nothing either way
        assert checkpoint_truncates()
    assert status.is_wal and status.journal_mode == "wal"


def test_file_status_of_a_wal_database(db: sqlite3.Connection, sqlite_path: Path) -> None:
    db.execute("PRAGMA journal_mode = WAL")
    db.execute("PRAGMA wal_autocheckpoint = 0")
    build(db, rows=100)

    status = file_status(sqlite_path)

    assert status.db_bytes == os.path.getsize(sqlite_path)
    assert status.wal_bytes == os.path.getsize(f"{sqlite_path}-wal") > 0
    assert status.shm_bytes == os.path.getsize(f"{sqlite_path}-shm") > 0
    assert status.journal_bytes is None
    assert not status.hot_journal_suspected
    assert status.notes == ()


def test_file_status_of_a_missing_file(tmp_path: Path) -> None:
    status = file_status(tmp_path / "absent.db")
    assert (status.db_bytes, status.wal_bytes, status.shm_bytes, status.journal_bytes) == (
        None,
        None,
        None,
        None,
    )
    assert status.notes == ("absent.db does not exist",)


def test_a_journal_left_by_a_crashed_writer_is_flagged_hot(
    db: sqlite3.Connection, sqlite_path: Path
) -> None:
    build(db, rows=500)
    db.close()
    # A writer that spills changed pages to the file, then dies without committing.
    script = textwrap.dedent(
        """
        import os, sqlite3, sys
        c = sqlite3.connect(sys.argv[1], isolation_level=None)
        c.execute("PRAGMA cache_size = 2")
        c.execute("BEGIN")
        c.execute("UPDATE items SET body = randomblob(400)")
        os._exit(0)
        """
    )
    subprocess.run([sys.executable, "-c", script, str(sqlite_path)], check=True, timeout=60)

    status = file_status(sqlite_path)

    assert status.journal_bytes == os.path.getsize(f"{sqlite_path}-journal") > 0
    assert status.hot_journal_suspected
    assert any(note.startswith("hot journal suspected") for note in status.notes)


@pytest.mark.parametrize(
    ("content", "hot", "note"),
    [
        (b"", False, "exists but is empty"),
        (b"\x00" * 512, False, "zeroed header"),
        (b"\xd9\xd5\x05\xf9\x20\xa1\x63\xd7" + b"\x00" * 504, True, "hot journal suspected"),
    ],
)
def test_journal_header_decides_hot(
    sqlite_path: Path, content: bytes, hot: bool, note: str
) -> None:
    sqlite3.connect(sqlite_path).close()
    Path(f"{sqlite_path}-journal").write_bytes(content)

    status = file_status(sqlite_path)

    assert status.journal_bytes == len(content)
    assert status.hot_journal_suspected is hot
    assert note in " ".join(status.notes)


async def test_space_by_object_from_dbstat(engine: AsyncEngine, db: sqlite3.Connection) -> None:
    if not db.execute("SELECT 1 FROM pragma_module_list WHERE name = 'dbstat'").fetchone():
        pytest.skip("this SQLite library has no dbstat virtual table")
    build(db, auto_vacuum="NONE")
    db.execute("CREATE TABLE tiny (x)")
    page_count, freelist = db.execute(
        "SELECT page_count, freelist_count FROM pragma_page_count(), pragma_freelist_count()"
    ).fetchone()

    async with engine.connect() as conn:
        space = await space_by_object(conn)
        assert not conn.in_transaction()

    assert space is not None
    by_name = {s.name: s for s in space}
    assert by_name["items"].kind == "table"
    assert by_name["ix_items_name"].kind == "index"
    assert by_name["tiny"].kind == "table" and by_name["tiny"].pages == 1
    assert space[0].name == "items"  # the blobs make it the largest
    assert [s.bytes for s in space] == sorted((s.bytes for s in space), reverse=True)
    for usage in space:
        assert usage.bytes == usage.pages * 8192
        assert 0 <= usage.unused <= usage.bytes
        assert usage.used == usage.bytes - usage.unused
    # Without auto_vacuum every page is a b-tree page or a free page.
    assert freelist > 0
    assert sum(s.pages for s in space) + freelist == page_count


async def test_space_by_object_is_none_without_dbstat(
    engine: AsyncEngine, db: sqlite3.Connection
) -> None:
    build(db, rows=10)

    # Stand in for a SQLite built without dbstat: SQLite itself then answers "no such table".
    @event.listens_for(engine.sync_engine, "before_cursor_execute", retval=True)
    def _hide_dbstat(
        _conn: Any, _cursor: Any, statement: str, params: Any, _context: Any, _many: bool
    ) -> tuple[str, Any]:
        return statement.replace("FROM dbstat", "FROM dbstat_not_compiled_in"), params

    async with engine.connect() as conn:
        assert await space_by_object(conn) is None
        assert not conn.in_transaction()


def test_status_modules_import_no_ui() -> None:
    code = (
        "import sys, tui.db.status, tui.db.maintenance; "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('textual', 'rich')))"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], check=True, capture_output=True, text=True, timeout=60
    )
    assert out.stdout.strip() == "[]"


def test_space_rows_show_bytes_beside_the_rounded_size() -> None:
    from tui.db.status import SpaceUsage
    from tui.text.status import space_rows

    (row,) = space_rows([SpaceUsage("t", "table", 3, 12_288, 2_048)])
    assert row[1:] == ("table", "3", "12.0 KB = 12,288 bytes", "2.0 KB = 2,048 bytes")
