"""The open database: target checks, opening errors, and cancellation-safe operations."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.pool import QueuePool

from tui.db.source import DataSource
from tui.db.target import TargetError, resolve_target

FOREVER = "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"


def make_db(path: Path) -> Path:
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE t (x)")
        conn.execute("INSERT INTO t VALUES (1)")
    conn.close()
    return path


def test_missing_file_is_an_error_and_is_not_created(tmp_path: Path) -> None:
    missing = tmp_path / "missing.db"
    with pytest.raises(TargetError, match="no such database file"):
        resolve_target(str(missing), default_url="")
    assert not missing.exists()


def test_url_to_a_missing_sqlite_file_is_an_error(tmp_path: Path) -> None:
    missing = tmp_path / "missing.db"
    with pytest.raises(TargetError, match="no such database file"):
        resolve_target(f"sqlite:///{missing}", default_url="")
    assert not missing.exists()


def test_non_sqlite_file_and_directory_are_errors(tmp_path: Path) -> None:
    (tmp_path / "notes.txt").write_text("not a database")
    with pytest.raises(TargetError, match="not a SQLite database"):
        resolve_target(str(tmp_path / "notes.txt"), default_url="")
    with pytest.raises(TargetError, match="directory"):
        resolve_target(str(tmp_path), default_url="")


def test_garbage_after_a_valid_magic_is_not_a_database(tmp_path: Path) -> None:
    bogus = tmp_path / "bogus.db"
    bogus.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4000)
    with pytest.raises(TargetError, match="not a SQLite database"):
        resolve_target(str(bogus), default_url="")


def test_checking_a_file_keeps_this_process_locks(tmp_path: Path) -> None:
    """Resolving a file we already have open must not drop our connection's locks."""
    path = make_db(tmp_path / "locked.db")
    holder = sqlite3.connect(path, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    try:
        resolve_target(str(path), default_url="")
        # POSIX locks are per process: only another process sees whether ours survived.
        probe = (
            "import sqlite3, sys\n"
            "try:\n"
            f"    sqlite3.connect({str(path)!r}, timeout=0).execute('SELECT 1 FROM t').fetchone()\n"
            "except sqlite3.OperationalError as exc:\n"
            "    print(exc)\n"
        )
        done = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
        assert "locked" in done.stdout
    finally:
        holder.execute("ROLLBACK")
        holder.close()


def test_unsupported_url_is_an_error() -> None:
    with pytest.raises(TargetError, match="unsupported database"):
        resolve_target("oracle://scott:tiger@host/db", default_url="")


def test_read_only_target_uses_a_mode_ro_uri(tmp_path: Path) -> None:
    target = resolve_target(str(make_db(tmp_path / "a.db")), default_url="", read_only=True)
    assert "mode=ro" in target.url
    assert target.read_only


def test_password_is_masked_in_display() -> None:
    target = resolve_target("postgresql://me:s3cret@127.0.0.1/x", default_url="")
    assert "s3cret" not in target.display
    assert "***" in target.display


async def test_corrupt_file_is_reported_on_open(tmp_path: Path) -> None:
    corrupt = make_db(tmp_path / "corrupt.db")
    data = bytearray(corrupt.read_bytes())
    data[100:4096] = b"\xee" * (4096 - 100)  # the header is fine, the schema page is not
    corrupt.write_bytes(bytes(data))
    target = resolve_target(str(corrupt), default_url="")
    with pytest.raises(TargetError, match=r"corrupt\.db"):
        await DataSource.open(target)


async def test_read_only_source_refuses_writes(tmp_path: Path) -> None:
    path = make_db(tmp_path / "ro.db")
    source = await DataSource.open(resolve_target(str(path), default_url="", read_only=True))
    try:

        async def write(conn: AsyncConnection) -> None:
            await conn.execute(text("INSERT INTO t VALUES (2)"))
            await conn.commit()

        with pytest.raises(Exception, match="readonly"):
            await source.run(write)
    finally:
        await source.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("SELECT count(*) FROM t").fetchone() == (1,)
    conn.close()


async def test_cancelling_an_operation_interrupts_it_and_returns_the_connection(
    tmp_path: Path,
) -> None:
    source = await DataSource.open(resolve_target(str(make_db(tmp_path / "c.db")), default_url=""))
    started = asyncio.Event()
    try:

        async def endless(conn: AsyncConnection) -> object:
            started.set()
            return (await conn.execute(text(FOREVER))).scalar()

        task = asyncio.ensure_future(source.run(endless))
        await started.wait()
        await asyncio.sleep(0.05)
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        await asyncio.wait_for(source.cancel_all(), 10)
        pool = source.engine.sync_engine.pool
        assert isinstance(pool, QueuePool)
        assert pool.checkedout() == 0

        async def one(conn: AsyncConnection) -> object:
            return (await conn.execute(text("SELECT count(*) FROM t"))).scalar()

        assert await asyncio.wait_for(source.run(one), 10) == 1
    finally:
        await source.close()


async def test_run_alone_waits_for_reads_and_closes_every_connection(tmp_path: Path) -> None:
    """Switching the journal mode needs dbbrowse's own connections gone: a read under way is
    let finish, new reads wait, the watcher is closed, and browsing goes on afterwards."""
    from tui.db.maintenance import JournalMode, set_journal_mode

    db = make_db(tmp_path / "alone.db")
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA journal_mode=WAL")
    conn.close()
    source = await DataSource.open(resolve_target(str(db), default_url=""))
    try:
        await source.change_token()  # the change watcher's connection is open now
        started, release = asyncio.Event(), asyncio.Event()

        async def holding(conn: AsyncConnection) -> int:
            started.set()
            await release.wait()
            return int(await conn.scalar(text("SELECT count(*) FROM t")) or 0)

        async def count(conn: AsyncConnection) -> int:
            return int(await conn.scalar(text("SELECT count(*) FROM t")) or 0)

        reading = asyncio.ensure_future(source.run(holding))
        await started.wait()
        alone = asyncio.ensure_future(
            source.run_alone(lambda conn: set_journal_mode(conn, JournalMode.DELETE))
        )
        for _ in range(20):
            await asyncio.sleep(0)
        later = asyncio.ensure_future(source.run(count))
        for _ in range(20):
            await asyncio.sleep(0)
        assert not alone.done()  # waiting for the read under way
        assert not later.done()  # new reads wait at the gate
        assert await source.change_token() is None  # the watcher pauses
        release.set()
        assert (await alone).current == "delete"
        assert await reading == 1
        assert await later == 1
        assert await source.change_token() is not None
    finally:
        await source.close()
    assert not db.with_name("alone.db-wal").exists()
