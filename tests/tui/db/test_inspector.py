"""The inspector's refresh against real SQLite files, with real second processes as other users.

Other processes print "ready" once their transaction is open and keep it until told to end
(:func:`tests.tui.db.walhelpers.holding`), so no test waits a fixed time.
"""

from __future__ import annotations

import asyncio
import os
import sqlite3
import subprocess
import sys
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.tui.db.walhelpers import (
    checkpoint,
    commit_rows,
    finish,
    holding,
    open_wal_db,
    posix_locks,
    writer,
)
from tui.db.inspector import WARN_FRAMES, HistoryPoint, Inspector
from tui.db.source import DataSource
from tui.db.target import Target, resolve_target
from tui.db.wal import FRAME_HEADER_SIZE, WAL_HEADER_SIZE
from tui.db.wal_explain import exact_size
from tui.text.status import summary_text

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux locks")

# A checkpoint from another process that never waits (timeout=0: busy at once, no retries).
CHECKPOINT_ELSEWHERE = """
import sqlite3, sys
con = sqlite3.connect(sys.argv[1], timeout=0, isolation_level=None)
print(*con.execute(f"PRAGMA wal_checkpoint({sys.argv[2]})").fetchone())
con.close()
"""
READ_MARK_BYTES = range(123, 128)  # the -shm bytes of reader slots 0..4


def checkpoint_elsewhere(db: Path, mode: str) -> tuple[int, int, int]:
    done = subprocess.run(
        [sys.executable, "-c", CHECKPOINT_ELSEWHERE, str(db), mode],
        capture_output=True,
        text=True,
        timeout=60,
        check=True,
    )
    busy, log, copied = (int(v) for v in done.stdout.split())
    return busy, log, copied


def wal_of(db: Path) -> Path:
    return db.with_name(db.name + "-wal")


def shm_of(db: Path) -> Path:
    return db.with_name(db.name + "-shm")


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return tmp_path / "inspect.db"


@pytest.fixture
def target(db: Path) -> Target:
    open_wal_db(db).close()
    # resolve_target reads the file's header with open()/close(), which drops every POSIX lock
    # this process holds on it: resolve before any connection of ours has the file open.
    return resolve_target(str(db), default_url="")


@pytest.fixture
def con(db: Path, target: Target) -> Iterator[sqlite3.Connection]:
    """The writer, with automatic checkpoints off."""
    with writer(db) as connection:
        yield connection


@pytest.fixture
async def source(target: Target, con: sqlite3.Connection) -> AsyncIterator[DataSource]:
    opened = await DataSource.open(target)
    try:
        yield opened
    finally:
        await opened.close()


async def test_snapshot_agrees_with_a_passive_checkpoint(
    db: Path, con: sqlite3.Connection, source: DataSource
) -> None:
    inspector = Inspector(db, warn_frames=1)  # a few frames: warned as if past 1,000
    assert inspector.last is None and inspector.compact() == ""
    commit_rows(con, 3)
    with holding(db) as reader:
        commit_rows(con, 4)
        busy, log, copied = checkpoint(con, "PASSIVE")
        assert busy == 0 and 0 < copied < log  # the reader holds the rest back
        snap = await inspector.refresh(source.run)
        finish(reader)

    assert inspector.last is snap
    assert snap.pragmas is not None and snap.pragmas.journal_mode == "wal"
    assert snap.files is not None and snap.wal is not None and snap.shm is not None
    assert snap.files.wal_bytes == snap.wal.size == wal_of(db).stat().st_size
    assert snap.files.db_bytes == db.stat().st_size
    assert snap.wal.total_frames == (snap.wal.size - WAL_HEADER_SIZE) // (4096 + FRAME_HEADER_SIZE)
    assert snap.wal.last_commit_frame == snap.shm.max_frame == log
    assert snap.shm.checkpoint.backfilled == copied
    assert snap.history == (HistoryPoint(snap.wal.size, log - copied),)
    assert snap.wal_bytes_read >= snap.wal.size  # the first refresh reads the whole file
    assert snap.files.db_bytes is not None and snap.wal.size > snap.files.db_bytes
    assert snap.warnings == (
        f"The WAL ({exact_size(snap.wal.size)}) is larger than the database"
        f" ({exact_size(snap.files.db_bytes)}).",
    )
    # The status screen says it once (it was in the explanation too).
    assert summary_text(snap.explanation, snap.warnings).plain.count("larger than the") == 1
    assert snap.refresh_ms > 0
    assert inspector.compact() == (
        f"WAL {exact_size(snap.wal.size)} · {log:,} frames · {copied:,} checkpointed"
    )


async def test_a_reader_pinning_the_wal_is_named_until_it_ends(
    db: Path, con: sqlite3.Connection, source: DataSource
) -> None:
    inspector = Inspector(db)
    commit_rows(con, 2)
    with holding(db) as reader:
        commit_rows(con, 3)
        assert checkpoint(con, "PASSIVE")[0] == 0
        snap = await inspector.refresh(source.run)
        assert [h.pid for h in snap.holders] == [reader.pid]
        pinning = [line for line in snap.explanation if "held back" in line]
        assert len(pinning) == 1 and f"process {reader.pid} (`python" in pinning[0]
        assert snap.history[-1].pending_frames > 0
        finish(reader)

    busy, log, copied = checkpoint(con, "PASSIVE")
    assert busy == 0 and copied == log
    snap = await inspector.refresh(source.run)
    assert snap.holders == ()
    assert not any("held back" in line for line in snap.explanation)
    assert any("All frames are checkpointed" in line for line in snap.explanation)
    assert snap.history[-1] == HistoryPoint(snap.wal.size if snap.wal else -1, 0)
    assert not any("grew" in w or "kept increasing" in w for w in snap.warnings)


async def test_growth_behind_a_pinned_reader_is_warned_until_truncated(
    db: Path, con: sqlite3.Connection, source: DataSource
) -> None:
    inspector = Inspector(db, growth_samples=4, warn_frames=1)
    commit_rows(con, 1)
    with holding(db) as reader:
        for sample in range(1, 7):
            commit_rows(con, 2)
            snap = await inspector.refresh(source.run)
            growth = [w for w in snap.warnings if "without being reset" in w]
            if sample < 4:
                assert growth == [] and "growing" not in inspector.compact()
            else:
                assert len(growth) == 1 and "over the last 4 refreshes" in growth[0]
                assert inspector.compact().endswith(" · growing")
        sizes = [p.wal_bytes for p in snap.history]
        assert sizes == sorted(set(sizes))  # grew at every sample
        finish(reader)

    assert checkpoint(con, "TRUNCATE")[0] == 0
    snap = await inspector.refresh(source.run)
    assert snap.wal is not None and snap.wal.size == 0
    assert snap.history[-1] == HistoryPoint(0, 0)
    assert snap.warnings == ()  # an empty WAL is not larger than the database either
    assert inspector.compact() == "WAL empty"


async def test_a_few_small_commits_are_not_warned_about(
    db: Path, con: sqlite3.Connection, source: DataSource
) -> None:
    """Two single-row inserts behind a pinned reader: the WAL grew, as SQLite means it to
    (and is larger than a tiny database), far below the 1,000 frames a warning needs."""
    inspector = Inspector(db, growth_samples=2)
    assert inspector.warn_frames == WARN_FRAMES == 1000
    commit_rows(con, 1, rows=1)
    with holding(db) as reader:
        for _ in range(2):
            commit_rows(con, 1, rows=1)
            snap = await inspector.refresh(source.run)
        finish(reader)
    assert snap.wal is not None and snap.files is not None and snap.files.db_bytes is not None
    assert snap.wal.size > snap.files.db_bytes  # would have been warned before
    assert [p.wal_bytes for p in snap.history] == sorted(set(p.wal_bytes for p in snap.history))
    assert snap.warnings == ()
    assert "growing" not in inspector.compact()


async def test_growth_past_1000_frames_is_warned_with_the_threshold(
    db: Path, con: sqlite3.Connection, source: DataSource
) -> None:
    inspector = Inspector(db, growth_samples=3)
    with holding(db) as reader:
        for _ in range(3):
            commit_rows(con, 1, rows=400, size=3000)  # about 400 frames a commit
            snap = await inspector.refresh(source.run)
        finish(reader)
    assert snap.wal is not None and snap.wal.total_frames >= 1000
    (warning,) = [w for w in snap.warnings if "without being reset" in w]
    assert f"to {snap.wal.total_frames:,} frames, past the 1,000 at which" in warning
    assert "wal_autocheckpoint" in warning


async def test_pending_frames_that_keep_rising_in_a_reused_wal_are_warned(
    db: Path, con: sqlite3.Connection, source: DataSource
) -> None:
    """After a reset the file keeps its size: only the un-checkpointed frames show growth."""
    inspector = Inspector(db, growth_samples=3, warn_frames=1)
    commit_rows(con, 20)
    first = await inspector.refresh(source.run)
    assert checkpoint(con, "RESTART")[0] == 0
    # Everything is checkpointed, so this reader needs nothing from the WAL (slot 0), yet no
    # checkpoint may overwrite the database under it.
    with holding(db) as reader:
        for _ in range(3):
            commit_rows(con, 1)
            snap = await inspector.refresh(source.run)
        finish(reader)

    assert snap.wal is not None and first.wal is not None and first.wal.header is not None
    assert snap.wal.size == first.wal.size  # reused from the start, not longer
    assert snap.wal.header is not None and snap.wal.header.salt1 != first.wal.header.salt1
    pending = [p.pending_frames for p in snap.history[-3:]]
    assert pending == sorted(set(pending))
    assert not any("without being reset" in w for w in snap.warnings)
    (warning,) = [w for w in snap.warnings if "kept increasing" in w]
    assert warning.startswith("Un-checkpointed frames kept increasing over the last 3 refreshes")
    assert "The WAL started over 1 time in the last 4 refreshes." in snap.explanation


async def test_history_is_bounded(db: Path, con: sqlite3.Connection, source: DataSource) -> None:
    inspector = Inspector(db, history=5, growth_samples=2)
    for _ in range(8):
        commit_rows(con, 1)
        snap = await inspector.refresh(source.run)
    assert len(snap.history) == 5
    assert snap.history[-1].wal_bytes == wal_of(db).stat().st_size
    with pytest.raises(ValueError, match="growth_samples"):
        Inspector(db, history=5, growth_samples=6)


async def test_rollback_journal_database(tmp_path: Path) -> None:
    path = tmp_path / "delete.db"
    with sqlite3.connect(path) as plain:
        plain.execute("CREATE TABLE t (x)")
        plain.execute("INSERT INTO t VALUES (1)")
    plain.close()
    source = await DataSource.open(resolve_target(str(path), default_url=""))
    try:
        inspector = Inspector(path)
        snap = await inspector.refresh(source.run)
    finally:
        await source.close()
    assert snap.pragmas is not None and snap.pragmas.journal_mode == "delete"
    assert snap.files is not None and snap.files.db_bytes == path.stat().st_size
    assert (snap.wal, snap.shm, snap.holders, snap.history) == (None, None, (), ())
    assert snap.wal_bytes_read == 0 and snap.warnings == ()
    assert any(line.startswith("journal_mode is delete:") for line in snap.explanation)
    assert inspector.compact() == "journal: delete"


async def test_a_database_without_a_file_gives_an_empty_snapshot() -> None:
    async def never(operation: Callable[[Any], Awaitable[Any]]) -> Any:
        raise AssertionError("a database without a file has nothing to inspect")

    inspector = Inspector(None)
    snap = await inspector.refresh(never)
    assert (snap.pragmas, snap.files, snap.wal, snap.shm) == (None, None, None, None)
    assert (snap.holders, snap.explanation, snap.warnings, snap.history) == ((), (), (), ())
    assert snap.wal_bytes_read == 0 and inspector.last is snap
    assert inspector.compact() == ""


async def test_refreshing_never_leaves_a_transaction_open(
    db: Path, con: sqlite3.Connection, source: DataSource
) -> None:
    inspector = Inspector(db)
    for _ in range(25):
        commit_rows(con, 1)
        await inspector.refresh(source.run)
    # Between refreshes this process holds only the dead-man-switch byte, no reader slot.
    locks = posix_locks(shm_of(db), os.getpid())
    assert locks and all(start == end == 128 for _, start, end in locks)
    busy, _, _ = checkpoint_elsewhere(db, "TRUNCATE")
    assert busy == 0 and wal_of(db).stat().st_size == 0
    snap = await inspector.refresh(source.run)
    assert snap.wal is not None and snap.wal.size == 0


async def test_our_own_read_lock_survives_refreshes(
    db: Path, con: sqlite3.Connection, source: DataSource
) -> None:
    """Closing any descriptor of the -shm in this process would drop our reader's lock."""
    inspector = Inspector(db)
    commit_rows(con, 3)
    async with source.engine.connect() as mine:
        await mine.exec_driver_sql("BEGIN")
        await mine.exec_driver_sql("SELECT count(*) FROM t")
        held = posix_locks(shm_of(db), os.getpid())
        assert any(kind == "READ" and start in READ_MARK_BYTES for kind, start, _ in held)
        held_db = posix_locks(db, os.getpid())
        assert held_db  # WAL-mode connections keep a shared lock on the database file
        for _ in range(5):
            commit_rows(con, 1)
            snap = await inspector.refresh(source.run)
            assert posix_locks(shm_of(db), os.getpid()) == held
            assert posix_locks(db, os.getpid()) == held_db
        assert snap.history[-1].pending_frames > 0
        assert checkpoint_elsewhere(db, "RESTART")[0] == 1  # our reader still blocks it
        await mine.rollback()
    assert checkpoint_elsewhere(db, "RESTART")[0] == 0


async def test_a_cancelled_refresh_does_not_break_the_next(
    db: Path, con: sqlite3.Connection, source: DataSource
) -> None:
    inspector = Inspector(db)
    commit_rows(con, 3)
    task = asyncio.ensure_future(inspector.refresh(source.run))
    await asyncio.sleep(0)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    commit_rows(con, 1)
    snap = await inspector.refresh(source.run)
    assert snap.wal is not None and snap.shm is not None
    assert snap.wal.last_commit_frame == snap.shm.max_frame
    assert snap.history[-1].wal_bytes == wal_of(db).stat().st_size


def test_the_inspector_imports_no_ui() -> None:
    code = (
        "import sys, tui.db.inspector; "
        "sys.exit(bool({'textual', 'rich'} & {m.split('.')[0] for m in sys.modules}))"
    )
    assert subprocess.run([sys.executable, "-c", code], timeout=60).returncode == 0
