"""Reads that leave the -shm alone, and writes that still work (tui.db.read_only_shm).

Another *process* commits between dbbrowse's reads: each read must see the new rows while
the database, its -wal and its -shm keep every byte (a plain reader would write its read
mark into the -shm). Writes (a save, a checkpoint, the console's transaction) go through a
writable connection of the same process, which SQLite refuses while a read-only -shm mapping
of that process is open: the source closes its reads first.
"""

from __future__ import annotations

import asyncio
import logging
import os
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from tests.tui.db.committer import Committer, digests
from tui.db.console import split_statements
from tui.db.console_session import ConsoleSession
from tui.db.maintenance import CheckpointMode, checkpoint
from tui.db.source import DataSource, mark_committed
from tui.db.target import resolve_target

ODD = "a dir ?#%é"


def make_wal_db(path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    conn.execute("INSERT INTO t VALUES (1, 'a')")
    conn.commit()
    conn.close()
    return path


async def count(source: DataSource) -> int:
    async def read(conn: AsyncConnection) -> int:
        return int(await conn.scalar(text("SELECT count(*) FROM t")) or 0)

    return await source.run(read)


async def insert(conn: AsyncConnection, row: int) -> None:
    await conn.exec_driver_sql("BEGIN IMMEDIATE")
    await conn.execute(text("INSERT INTO t VALUES (:id, 'ours')"), {"id": row})
    await conn.exec_driver_sql("COMMIT")
    mark_committed(conn)


@pytest.mark.parametrize("name", ["plain.db", f"{ODD}/odd ?#%é name.db"])
@pytest.mark.parametrize("read_only", [False, True])
async def test_reads_see_another_process_commits_and_leave_the_files_as_they_were(
    tmp_path: Path, name: str, read_only: bool
) -> None:
    path = make_wal_db(tmp_path / name)
    with Committer(path) as other:
        source = await DataSource.open(
            resolve_target(str(path), default_url="", read_only=read_only)
        )
        try:
            for row in range(2, 6):
                other.run("INSERT INTO t VALUES (?, 'theirs')", row)
                before = digests(path)
                assert before["-shm"] is not None
                assert await count(source) == row  # the new commit is seen
                await source.run(lambda conn: conn.execute(text("PRAGMA journal_mode")))
                assert digests(path) == before
        finally:
            await source.close()


def crash_a_writer(path: Path) -> None:
    """Another process commits one row and dies: its -wal and -shm stay behind."""
    writer = (
        "import os, sqlite3, sys\n"
        "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        "c.execute('PRAGMA wal_autocheckpoint=0')\n"
        "c.execute(\"INSERT INTO t VALUES (2, 'x')\")\n"
        "os._exit(0)\n"
    )
    subprocess.run([sys.executable, "-c", writer, str(path)], check=True)


async def test_a_wal_left_by_a_crashed_writer_is_read_and_kept(tmp_path: Path) -> None:
    """No other process: SQLite reads the WAL itself, and the stale -shm is not rebuilt."""
    path = make_wal_db(tmp_path / "crashed.db")
    crash_a_writer(path)
    before = digests(path)
    source = await DataSource.open(resolve_target(str(path), default_url=""))
    try:
        assert await count(source) == 2
    finally:
        await source.close()
    assert digests(path) == before


async def test_without_a_shm_reads_fall_back_to_the_usual_connection(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A -shm cannot be created read-only: reads open as before (creating it), and say so."""
    path = make_wal_db(tmp_path / "noshm.db")
    assert not Path(f"{path}-shm").exists()
    caplog.set_level(logging.INFO, logger="tui.db.read_only_shm")
    source = await DataSource.open(resolve_target(str(path), default_url=""))
    try:
        assert await count(source) == 1
        assert "there is no -shm to open read-only" in caplog.text
    finally:
        await source.close()


async def test_a_save_and_a_checkpoint_work_while_another_process_holds_the_database(
    tmp_path: Path,
) -> None:
    """The same process has read through read-only -shm connections before each write (the
    pool keeps them): the write still works, and the reads after it see it."""
    path = make_wal_db(tmp_path / "w.db")
    with Committer(path) as other:
        source = await DataSource.open(resolve_target(str(path), default_url=""))
        try:
            other.run("INSERT INTO t VALUES (2, 'theirs')")
            assert await count(source) == 2
            await source.write(lambda conn: insert(conn, 3))
            assert source.wrote
            assert await count(source) == 3
            result = await source.run_write(lambda conn: checkpoint(conn, CheckpointMode.PASSIVE))
            assert result.checkpointed == result.log > 0
            other.run("INSERT INTO t VALUES (4, 'theirs')")
            assert await count(source) == 4
            # After the write, reads are read-only again: another commit, then nothing moves.
            other.run("INSERT INTO t VALUES (5, 'theirs')")
            before = digests(path)
            assert await count(source) == 5
            assert digests(path) == before
        finally:
            await source.close()
    conn = sqlite3.connect(path)
    assert conn.execute("SELECT v FROM t WHERE id = 3").fetchone() == ("ours",)
    conn.close()


async def test_a_save_waits_for_a_read_under_way(tmp_path: Path) -> None:
    """A read is running on a read-only -shm connection when the save starts: the save waits
    for it instead of failing with 'attempt to write a readonly database'."""
    path = make_wal_db(tmp_path / "busy.db")
    with Committer(path) as other:
        source = await DataSource.open(resolve_target(str(path), default_url=""))
        try:
            other.run("INSERT INTO t VALUES (2, 'theirs')")
            started, release = asyncio.Event(), asyncio.Event()

            async def holding(conn: AsyncConnection) -> int:
                value = int(await conn.scalar(text("SELECT count(*) FROM t")) or 0)
                started.set()
                await release.wait()
                return value

            reading = asyncio.ensure_future(source.run(holding))
            await started.wait()
            saving = asyncio.ensure_future(source.write(lambda conn: insert(conn, 3)))
            for _ in range(20):
                await asyncio.sleep(0)
            assert not saving.done()
            release.set()
            assert await reading == 2
            await saving
            assert await count(source) == 3
        finally:
            await source.close()


async def test_the_console_transaction_writes_while_browsing_goes_on(tmp_path: Path) -> None:
    path = make_wal_db(tmp_path / "console.db")
    with Committer(path) as other:
        source = await DataSource.open(resolve_target(str(path), default_url=""))
        session = ConsoleSession(source)
        try:
            other.run("INSERT INTO t VALUES (2, 'theirs')")
            assert await count(source) == 2  # a read-only -shm connection is pooled
            (statement,) = split_statements("INSERT INTO t VALUES (3, 'console')")
            await session.execute(statement, write_refusal=None)
            assert session.in_transaction
            assert await count(source) == 2  # browsing goes on, without the uncommitted row
            # A write of the source's own meanwhile must leave the console's connection be.
            await source.run_write(lambda conn: checkpoint(conn, CheckpointMode.PASSIVE))
            await session.commit()
            assert await count(source) == 3
            other.run("INSERT INTO t VALUES (4, 'theirs')")
            before = digests(path)
            assert await count(source) == 4
            assert digests(path) == before  # reads are read-only again
        finally:
            await session.close()
            await source.close()


def test_the_committer_changes_the_shm_a_plain_reader_writes(tmp_path: Path) -> None:
    """The premise of these tests: a plain read-only reader does write the -shm after another
    process commits (else they would pass without read-only -shm connections)."""
    path = make_wal_db(tmp_path / "plain.db")
    with Committer(path) as other:
        reader = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            reader.execute("SELECT count(*) FROM t").fetchone()
            other.run("INSERT INTO t VALUES (2, 'theirs')")
            before = digests(path)
            assert reader.execute("SELECT count(*) FROM t").fetchone() == (2,)
            assert digests(path)["-shm"] != before["-shm"]
        finally:
            reader.close()
    assert os.path.exists(f"{path}-wal")


async def test_a_console_statement_that_reads_but_writes_runs_on_a_writable_connection(
    tmp_path: Path,
) -> None:
    """ANALYZE is no write to the console's eyes (no transaction) but writes sqlite_stat1:
    refused by the read-only connection, it runs again on a writable one."""
    path = make_wal_db(tmp_path / "analyze.db")
    with Committer(path):
        source = await DataSource.open(resolve_target(str(path), default_url=""))
        session = ConsoleSession(source)
        try:
            (statement,) = split_statements("ANALYZE")
            await session.read(statement, write_refusal=None)
            assert not session.in_transaction
            (stat,) = split_statements("SELECT count(*) FROM sqlite_stat1")
            outcome = await session.read(stat, write_refusal=None)
            assert outcome.rows == ((1,),)
        finally:
            await source.close()


@pytest.mark.parametrize(
    ("url", "split"),
    [
        ("sqlite:///{path}", True),
        ("sqlite:///file:{path}?mode=rw&uri=true", True),
        ("sqlite:///file:{path}?mode=rw&cache=private&uri=true", False),
    ],
)
async def test_a_url_with_sqlite_options_of_its_own_keeps_its_connections(
    tmp_path: Path, url: str, split: bool
) -> None:
    """Reads are opened read-only -shm unless the user's URL asks SQLite for more (vfs,
    cache, immutable…): those options would be lost, so such a URL connects as given."""
    path = make_wal_db(tmp_path / "url.db")
    with Committer(path) as other:
        source = await DataSource.open(
            resolve_target(url.format(path=path.as_posix()), default_url="")
        )
        try:
            assert source.writes_alone is split
            other.run("INSERT INTO t VALUES (2, 'theirs')")
            before = digests(path)
            assert await count(source) == 2
            assert (digests(path) == before) is split
        finally:
            await source.close()


async def test_a_long_read_gives_way_to_a_save_and_runs_again_after_it(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A read still running when a save has waited its turn is interrupted (it holds a
    read-only -shm connection the save cannot open beside) and runs again once the save's
    connection is open: its caller gets rows, not an error."""
    import tui.db.source as source_module

    monkeypatch.setattr(source_module, "ALONE_WAIT_S", 0.2)
    path = make_wal_db(tmp_path / "long.db")
    forever = (
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"
    )
    with Committer(path):
        source = await DataSource.open(resolve_target(str(path), default_url=""))
        try:
            calls: list[int] = []
            started = asyncio.Event()

            async def long_then_short(conn: AsyncConnection) -> int:
                calls.append(1)
                if len(calls) == 1:
                    started.set()
                    await conn.execute(text(forever))  # until interrupted
                return int(await conn.scalar(text("SELECT count(*) FROM t")) or 0)

            reading = asyncio.ensure_future(source.run(long_then_short))
            await started.wait()
            await asyncio.wait_for(source.write(lambda conn: insert(conn, 2)), 30)
            assert await asyncio.wait_for(reading, 30) in (1, 2)  # run again, beside the save
            assert len(calls) == 2
            assert await count(source) == 2
        finally:
            await source.close()


async def test_reads_go_on_while_a_save_waits_for_another_process_lock(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the opening of the save's connection is alone: while its BEGIN IMMEDIATE waits for
    another process's write lock, browsing reads go on; afterwards reads are read-only again."""
    monkeypatch.setenv("BUSY_TIMEOUT_MS", "60000")
    path = make_wal_db(tmp_path / "locked.db")
    with Committer(path) as other:
        source = await DataSource.open(resolve_target(str(path), default_url=""))
        try:
            assert await count(source) == 1
            other.run("BEGIN IMMEDIATE")
            other.run("INSERT INTO t VALUES (2, 'theirs')")
            saving = asyncio.ensure_future(source.write(lambda conn: insert(conn, 3)))
            for _ in range(50):
                await asyncio.sleep(0.01)
            assert not saving.done()  # waiting for the other process's lock
            assert await asyncio.wait_for(count(source), 30) == 1  # browsing goes on
            other.run("COMMIT")
            await asyncio.wait_for(saving, 60)
            assert await count(source) == 3
            other.run("INSERT INTO t VALUES (4, 'theirs')")
            before = digests(path)
            assert await count(source) == 4
            assert digests(path) == before
        finally:
            await source.close()
