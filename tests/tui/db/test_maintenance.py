"""Maintenance actions against real SQLite files, with real second processes as other users.

The other process prints "ready" once it holds its lock or snapshot and keeps it until its
stdin closes, so no test waits a fixed time. ``asyncio.wait_for(..., 10)`` is only a safety
net against a hang; no test asserts on time.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import sqlite3
import sys
import threading
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import asynccontextmanager, closing
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine

from app.database import create_engines
from tui.db import maintenance as m
from tui.db.maintenance import CheckpointMode, JournalMode

SAFETY = 10  # seconds; a net against hangs, never an assertion

HOLD_WRITE_LOCK = 'c.execute("BEGIN IMMEDIATE")'
HOLD_SNAPSHOT = 'c.execute("BEGIN"); c.execute("SELECT count(*) FROM t").fetchall()'
KEEP_OPEN = 'c.execute("SELECT count(*) FROM t").fetchall()'


async def safely(awaitable: Any) -> Any:
    return await asyncio.wait_for(awaitable, SAFETY)


@asynccontextmanager
async def other_process(path: Path, hold: str) -> AsyncIterator[asyncio.subprocess.Process]:
    """A second process that opens ``path``, runs ``hold`` and keeps it until released."""
    code = (
        "import sqlite3, sys\n"
        "c = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
        f"{hold}\n"
        "print('ready', flush=True)\n"
        "sys.stdin.readline()\n"
    )
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        code,
        str(path),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        line = await safely(proc.stdout.readline())
        if line.strip() != b"ready":
            assert proc.stderr is not None
            pytest.fail(f"the other process failed: {(await proc.stderr.read()).decode()}")
        yield proc
    finally:
        await release(proc)


async def release(proc: asyncio.subprocess.Process) -> None:
    """End the other process (and with it its lock); safe to call twice."""
    if proc.returncode is None:
        assert proc.stdin is not None
        proc.stdin.close()
        try:
            await safely(proc.wait())
        except TimeoutError:
            proc.kill()
            await proc.wait()
    # Drain the pipes so their transports close before the loop does.
    for stream in (proc.stdout, proc.stderr):
        if stream is not None:
            await stream.read()


@pytest.fixture
async def engine(sqlite_url: str) -> AsyncIterator[AsyncEngine]:
    sync_engine, async_engine = create_engines(sqlite_url, sqlite_wal=False, busy_timeout_ms=4321)
    sync_engine.dispose()
    yield async_engine
    await async_engine.dispose()


@pytest.fixture
async def conn(engine: AsyncEngine) -> AsyncIterator[AsyncConnection]:
    async with engine.connect() as connection:
        yield connection


@pytest.fixture
def writer(sqlite_path: Path) -> Iterator[sqlite3.Connection]:
    """A plain sqlite3 connection in autocommit that writes the file; no automatic checkpoints."""
    db = sqlite3.connect(sqlite_path, isolation_level=None)
    db.execute("PRAGMA wal_autocheckpoint = 0")
    yield db
    db.close()


def make_table(db: sqlite3.Connection, rows: int = 100, *, wal: bool = False) -> None:
    if wal:
        db.execute("PRAGMA journal_mode = WAL")
    db.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")
    insert_rows(db, rows)


def insert_rows(db: sqlite3.Connection, rows: int) -> None:
    """One committed transaction (one fsync, and one commit frame in a WAL)."""
    db.execute("BEGIN")
    db.executemany("INSERT INTO t (v) VALUES (?)", [(f"value {i}" * 5,) for i in range(rows)])
    db.execute("COMMIT")


async def busy_timeout(conn: AsyncConnection) -> int:
    value = (await conn.exec_driver_sql("PRAGMA busy_timeout")).scalar()
    await conn.rollback()
    return int(str(value))


def wal_size(path: Path) -> int:
    return os.path.getsize(f"{path}-wal")


# -- checkpoints ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "mode", [CheckpointMode.FULL, CheckpointMode.RESTART, CheckpointMode.TRUNCATE]
)
async def test_checkpoint_reports_busy_while_another_process_writes(
    conn: AsyncConnection, writer: sqlite3.Connection, sqlite_path: Path, mode: CheckpointMode
) -> None:
    make_table(writer, wal=True)
    async with other_process(sqlite_path, HOLD_WRITE_LOCK) as proc:
        # SQLite reports this in the (busy, log, checkpointed) row rather than as an error.
        result = await safely(m.checkpoint(conn, mode, busy_timeout_ms=100))
        assert result.busy
        assert result.summary.startswith("another connection blocked the checkpoint")
        if mode is not CheckpointMode.FULL:
            assert f"the WAL was not {mode.value.lower().rstrip('e')}ed" in result.summary
            assert wal_size(sqlite_path) > 0
        await release(proc)
        after = await safely(m.checkpoint(conn, mode, busy_timeout_ms=100))
    assert not after.busy
    if mode is CheckpointMode.TRUNCATE:
        assert wal_size(sqlite_path) == 0
    assert await busy_timeout(conn) == 4321  # the action's short timeout was undone


async def test_passive_checkpoint_is_held_back_by_a_reader(
    conn: AsyncConnection, writer: sqlite3.Connection, sqlite_path: Path
) -> None:
    make_table(writer, wal=True)
    insert_rows(writer, 50)
    async with other_process(sqlite_path, HOLD_SNAPSHOT) as proc:
        insert_rows(writer, 50)  # frames the reader's snapshot does not see
        held = await safely(m.checkpoint(conn, CheckpointMode.PASSIVE))
        assert not held.busy
        assert 0 < held.checkpointed < held.log
        assert "still needed by a reader" in held.summary
        await release(proc)

    done = await safely(m.checkpoint(conn, CheckpointMode.TRUNCATE))

    assert (done.busy, done.log, done.checkpointed) == (False, 0, 0)
    assert "truncated to 0 bytes" in done.summary
    assert wal_size(sqlite_path) == 0
    assert writer.execute("SELECT count(*) FROM t").fetchone()[0] == 200


async def test_restart_checkpoint_copies_every_frame(
    conn: AsyncConnection, writer: sqlite3.Connection
) -> None:
    make_table(writer, wal=True)

    result = await m.checkpoint(conn, CheckpointMode.RESTART)

    assert not result.busy and result.log > 0 and result.checkpointed == result.log
    assert result.summary.startswith(f"{result.log:,} of {result.log:,} WAL frames copied")
    assert "starts the WAL over" in result.summary


async def test_checkpoint_outside_wal_mode(
    conn: AsyncConnection, writer: sqlite3.Connection, sqlite_path: Path
) -> None:
    make_table(writer)

    result = await m.checkpoint(conn, CheckpointMode.TRUNCATE)

    assert (result.busy, result.log, result.checkpointed) == (False, -1, -1)
    assert not result.in_wal_mode
    assert result.summary.startswith("not in WAL mode")
    assert not Path(f"{sqlite_path}-wal").exists()


async def test_checkpoint_mode_must_be_the_enum(conn: AsyncConnection) -> None:
    with pytest.raises(TypeError):
        await m.checkpoint(conn, "TRUNCATE")  # type: ignore[arg-type]


# -- busy and read-only ---------------------------------------------------------------------


async def test_vacuum_while_another_process_writes_is_busy_not_a_hang(
    conn: AsyncConnection, writer: sqlite3.Connection, sqlite_path: Path
) -> None:
    make_table(writer)
    async with other_process(sqlite_path, HOLD_WRITE_LOCK):
        with pytest.raises(m.DatabaseBusyError, match="gave up after 50 ms"):
            await safely(m.vacuum(conn, busy_timeout_ms=50))
    assert await busy_timeout(conn) == 4321
    assert (await m.vacuum(conn)).bytes_after > 0  # fine once the other process is gone


async def test_leaving_wal_while_another_process_has_it_open_is_busy(
    conn: AsyncConnection, writer: sqlite3.Connection, sqlite_path: Path
) -> None:
    make_table(writer, wal=True)
    writer.close()
    async with other_process(sqlite_path, KEEP_OPEN):
        with pytest.raises(m.DatabaseBusyError, match="needs the database to itself"):
            await safely(m.set_journal_mode(conn, JournalMode.DELETE, busy_timeout_ms=50))
    result = await m.set_journal_mode(conn, JournalMode.DELETE)
    assert result.current == "delete"


@pytest.fixture
async def read_only_conn(sqlite_path: Path) -> AsyncIterator[AsyncConnection]:
    url = f"sqlite:///file:{sqlite_path.as_posix()}?mode=ro&uri=true"
    sync_engine, engine = create_engines(url, sqlite_wal=False)
    sync_engine.dispose()
    async with engine.connect() as connection:
        yield connection
    await engine.dispose()


WRITING_ACTIONS: list[Callable[[AsyncConnection], Any]] = [
    lambda c: m.checkpoint(c, CheckpointMode.PASSIVE),
    m.optimize,
    m.vacuum,
    lambda c: m.set_journal_mode(c, JournalMode.WAL),
]


@pytest.mark.parametrize("action", WRITING_ACTIONS, ids=["checkpoint", "optimize", "vacuum", "wal"])
async def test_read_only_connection_refuses_writing_actions(
    writer: sqlite3.Connection,
    read_only_conn: AsyncConnection,
    sqlite_path: Path,
    action: Callable[[AsyncConnection], Any],
) -> None:
    make_table(writer)
    before = sqlite_path.read_bytes()

    assert await m.is_read_only(read_only_conn)
    with pytest.raises(m.ReadOnlyError, match="read-only"):
        await action(read_only_conn)

    assert sqlite_path.read_bytes() == before
    # Reading is allowed.
    assert (await m.integrity_check(read_only_conn)).ok


async def test_query_only_connection_refuses_vacuum(
    conn: AsyncConnection, writer: sqlite3.Connection
) -> None:
    make_table(writer)
    assert not await m.is_read_only(conn)
    await conn.exec_driver_sql("PRAGMA query_only = 1")
    await conn.rollback()

    assert await m.is_read_only(conn)
    with pytest.raises(m.ReadOnlyError):
        await m.vacuum(conn)


# -- checks ---------------------------------------------------------------------------------


async def test_checks_of_a_healthy_file(conn: AsyncConnection, writer: sqlite3.Connection) -> None:
    make_table(writer, rows=2000)
    writer.execute("CREATE INDEX ix_t_v ON t (v)")

    for check in (m.integrity_check, m.quick_check):
        result = await check(conn)
        assert result.ok and result.problems == () and not result.truncated
        assert result.summary.endswith("ok, no problems found")
        assert not conn.in_transaction()


def corrupt_copy(source: Path, target: Path, *, whole_page: bool) -> None:
    """Copy ``source`` and overwrite part of a table leaf page in its middle (never page 1).

    The last bytes of a leaf page hold its cells; a whole page overwritten loses its header.
    """
    shutil.copyfile(source, target)
    with closing(sqlite3.connect(source)) as db:
        page_size, page_count = db.execute(
            "SELECT page_size, page_count FROM pragma_page_size(), pragma_page_count()"
        ).fetchone()
    assert page_count > 10
    page = page_count // 2
    with target.open("r+b") as handle:
        if whole_page:
            handle.seek((page - 1) * page_size)
            handle.write(bytes(range(256)) * (page_size // 256))
        else:
            handle.seek(page * page_size - 200)
            handle.write(b"\xff" * 200)


@pytest.mark.parametrize("whole_page", [False, True], ids=["cells", "whole-page"])
async def test_checks_report_a_corrupted_copy(
    writer: sqlite3.Connection, sqlite_path: Path, tmp_path: Path, whole_page: bool
) -> None:
    make_table(writer, rows=3000)
    writer.execute("CREATE INDEX ix_t_v ON t (v)")
    broken = tmp_path / "broken.db"
    corrupt_copy(sqlite_path, broken, whole_page=whole_page)
    sync_engine, engine = create_engines(f"sqlite:///{broken}", sqlite_wal=False)
    sync_engine.dispose()
    try:
        async with engine.connect() as conn:
            for check in (m.integrity_check, m.quick_check):
                result = await check(conn)
                assert not result.ok and result.problems
                assert result.summary.startswith(check.__name__.replace("_", " "))
                assert result.problems[0] in result.summary
                if not whole_page:  # SQLite lists what it found on the damaged page
                    assert any("tree page" in p for p in result.problems)
                assert not any(p.startswith("***") for p in result.problems)
    finally:
        await engine.dispose()


async def test_integrity_check_stops_at_max_errors(
    conn: AsyncConnection, writer: sqlite3.Connection
) -> None:
    make_table(writer, rows=300)
    writer.execute("CREATE INDEX ix_t_v ON t (v)")
    # Redefine the index behind SQLite's back: its entries no longer match any row.
    writer.execute("PRAGMA writable_schema = ON")
    writer.execute(
        "UPDATE sqlite_master SET sql = 'CREATE INDEX ix_t_v ON t (id, v)' WHERE name = 'ix_t_v'"
    )
    writer.execute("PRAGMA writable_schema = OFF")

    capped = await m.integrity_check(conn, max_errors=5)
    quick = await m.quick_check(conn)

    assert capped.problems == tuple(f"row {i} missing from index ix_t_v" for i in range(1, 6))
    assert capped.truncated and "stopped at 5: there may be more" in capped.summary
    assert quick.ok  # quick_check does not compare index contents with the table


async def test_foreign_key_check_finds_a_planted_violation(
    conn: AsyncConnection, writer: sqlite3.Connection
) -> None:
    writer.execute("CREATE TABLE parent (id INTEGER PRIMARY KEY)")
    writer.execute("CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id REFERENCES parent)")
    writer.execute("INSERT INTO parent VALUES (1)")
    writer.execute("INSERT INTO child VALUES (10, 1)")
    assert (await m.foreign_key_check(conn)).ok

    writer.execute("INSERT INTO child VALUES (11, 99)")  # enforcement is off by default
    result = await m.foreign_key_check(conn)

    assert not result.ok
    assert result.violations == (m.ForeignKeyViolation("child", 11, "parent", 0),)
    assert result.summary == "1 row violates a foreign key: child (1)"


async def test_optimize_runs(conn: AsyncConnection, writer: sqlite3.Connection) -> None:
    make_table(writer)
    assert (await m.optimize(conn)).summary.startswith("optimize done")
    assert not conn.in_transaction()


async def test_vacuum_reclaims_free_pages(
    conn: AsyncConnection, writer: sqlite3.Connection, sqlite_path: Path
) -> None:
    make_table(writer, rows=5000)
    writer.execute("DELETE FROM t WHERE id > 100")
    size_before = os.path.getsize(sqlite_path)

    result = await m.vacuum(conn)

    assert result.bytes_before == size_before
    assert result.bytes_after == os.path.getsize(sqlite_path) < size_before
    assert "freed" in result.summary and "no space freed" not in result.summary


# -- journal mode and settings --------------------------------------------------------------


async def test_journal_mode_round_trip(
    conn: AsyncConnection, writer: sqlite3.Connection, sqlite_path: Path
) -> None:
    make_table(writer)
    writer.close()

    to_wal = await m.set_journal_mode(conn, JournalMode.WAL)
    assert (to_wal.previous, to_wal.current, to_wal.changed) == ("delete", "wal", True)
    assert to_wal.summary == "journal mode switched from delete to wal"
    again = await m.set_journal_mode(conn, JournalMode.WAL)
    assert not again.changed and again.summary == "the journal mode was already wal"
    with closing(sqlite3.connect(sqlite_path)) as other:
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "wal"

    back = await m.set_journal_mode(conn, JournalMode.DELETE)
    assert (back.previous, back.current) == ("wal", "delete")
    with closing(sqlite3.connect(sqlite_path)) as other:
        assert other.execute("PRAGMA journal_mode").fetchone()[0] == "delete"
    assert not conn.in_transaction()


async def test_connection_settings(conn: AsyncConnection) -> None:
    result = await m.set_wal_autocheckpoint(conn, 500)
    assert (result.pragma, result.value) == ("wal_autocheckpoint", 500)
    assert "this connection only" in result.summary
    assert (await conn.exec_driver_sql("PRAGMA wal_autocheckpoint")).scalar() == 500
    assert (await m.set_wal_autocheckpoint(conn, 0)).value == 0

    limit = await m.set_journal_size_limit(conn, 1_048_576)
    assert limit.value == 1_048_576 and "1.0 MB" in limit.summary
    assert (await m.set_journal_size_limit(conn, -1)).value == -1
    assert (await conn.exec_driver_sql("PRAGMA journal_size_limit")).scalar() == -1
    await conn.rollback()


@pytest.mark.parametrize("value", [-1, 2**31, True, 1.5, "12; DROP TABLE t", None])
async def test_wal_autocheckpoint_rejects_bad_values(conn: AsyncConnection, value: Any) -> None:
    with pytest.raises(ValueError, match="pages must be"):
        await m.set_wal_autocheckpoint(conn, value)


@pytest.mark.parametrize("value", [-2, 2**63, False, "lots"])
async def test_journal_size_limit_rejects_bad_values(conn: AsyncConnection, value: Any) -> None:
    with pytest.raises(ValueError, match="bytes must be"):
        await m.set_journal_size_limit(conn, value)


# -- cancelling -----------------------------------------------------------------------------


async def aiosqlite_of(conn: AsyncConnection) -> Any:
    """The aiosqlite connection under ``conn``."""
    driver = (await conn.get_raw_connection()).driver_connection
    assert driver is not None
    return driver


class Gate:
    """Holds the statement whose text contains ``marker`` inside SQLite until opened.

    A progress handler on the driver connection blocks (in the driver's thread) at the first
    step of that statement, so the test knows it is running while it calls interrupt.
    """

    def __init__(self, marker: str, loop: asyncio.AbstractEventLoop) -> None:
        self.marker = marker
        self.loop = loop
        self.running = asyncio.Event()
        self.opened = threading.Event()
        self.armed = threading.Event()

    def trace(self, sql: str) -> None:
        if self.marker in sql:
            self.armed.set()

    def progress(self) -> int:
        if self.armed.is_set() and not self.opened.is_set():
            self.loop.call_soon_threadsafe(self.running.set)
            self.opened.wait(SAFETY)
        return 0


@asynccontextmanager
async def gate(conn: AsyncConnection, marker: str) -> AsyncIterator[Gate]:
    driver = await aiosqlite_of(conn)
    g = Gate(marker, asyncio.get_running_loop())
    await driver.set_trace_callback(g.trace)
    await driver.set_progress_handler(g.progress, 1)
    try:
        yield g
    finally:
        g.opened.set()
        await driver.set_progress_handler(None, 0)
        await driver.set_trace_callback(None)


@pytest.mark.parametrize(
    ("marker", "start"),
    [
        ("integrity_check", lambda c: m.integrity_check(c)),
        ("VACUUM", lambda c: m.vacuum(c)),
    ],
)
async def test_interrupt_cancels_a_running_action(
    conn: AsyncConnection,
    writer: sqlite3.Connection,
    marker: str,
    start: Callable[[AsyncConnection], Any],
) -> None:
    make_table(writer, rows=1000)
    async with gate(conn, marker) as g:
        task = asyncio.ensure_future(start(conn))
        await safely(g.running.wait())
        await m.interrupt(conn)  # from this task, while the action's statement runs
        g.opened.set()
        with pytest.raises(m.OperationCancelled, match="was cancelled"):
            await safely(task)
    assert await busy_timeout(conn) == 4321
    assert (await m.quick_check(conn)).ok  # the connection is still usable


async def test_cancelling_the_task_interrupts_the_statement(
    conn: AsyncConnection, writer: sqlite3.Connection
) -> None:
    make_table(writer, rows=1000)
    driver = await aiosqlite_of(conn)
    interrupted = asyncio.Event()
    real_interrupt = driver.interrupt

    async def recording_interrupt() -> None:
        interrupted.set()
        await real_interrupt()

    driver.interrupt = recording_interrupt
    async with gate(conn, "integrity_check") as g:
        task = asyncio.ensure_future(m.integrity_check(conn))
        await safely(g.running.wait())
        task.cancel()
        await safely(interrupted.wait())  # interrupted while SQLite still runs the check
        g.opened.set()
        with pytest.raises(asyncio.CancelledError):
            await safely(task)
    assert not conn.invalidated
    assert await busy_timeout(conn) == 4321
    assert (await m.quick_check(conn)).ok


async def test_interrupt_stops_a_query_that_never_ends(conn: AsyncConnection) -> None:
    driver = await aiosqlite_of(conn)
    started = asyncio.Event()
    loop = asyncio.get_running_loop()
    await driver.set_trace_callback(lambda _sql: loop.call_soon_threadsafe(started.set))
    forever = (
        "WITH RECURSIVE c(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM c) SELECT count(*) FROM c"
    )
    task = asyncio.ensure_future(conn.exec_driver_sql(forever))
    await safely(started.wait())

    await m.interrupt(conn)

    with pytest.raises(DBAPIError, match="interrupted"):
        await safely(task)
    await driver.set_trace_callback(None)
    await conn.rollback()
    assert (await conn.exec_driver_sql("SELECT 1")).scalar() == 1


def test_checked_int() -> None:
    assert m.checked_int("42", "n", 0, 100) == 42
    assert m.checked_int(7, "n", 0, 100) == 7
    with pytest.raises(ValueError, match="between 0 and 100"):
        m.checked_int(101, "n", 0, 100)


def test_size_text() -> None:
    assert [m.size_text(n) for n in (0, 1023, 1024, 5 * 1024**2, 3 * 1024**4)] == [
        "0 B",
        "1023 B",
        "1.0 KB",
        "5.0 MB",
        "3072.0 GB",
    ]
