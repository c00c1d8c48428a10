"""The -shm parser, the lock probe and the explanation, with real second processes."""

from __future__ import annotations

import os
import random
import sqlite3
import struct
import sys
from pathlib import Path

import pytest

from tests.tui.db.walhelpers import (
    MARKER,
    checkpoint,
    commit_rows,
    finish,
    holding,
    posix_locks,
)
from tui.db.locks import LockHolder, LockKind, probe_wal_locks
from tui.db.shm import SHM_HEADER_SIZE, ShmState, open_shm_fd, parse_shm, read_shm
from tui.db.wal import WalReader, WalSummary
from tui.db.wal_explain import describe, exact_size, explain, human_bytes

pytestmark = pytest.mark.skipif(not sys.platform.startswith("linux"), reason="Linux locks")


def shm_of(db: Path) -> Path:
    return db.with_name(db.name + "-shm")


def state(db: Path) -> ShmState:
    shm = read_shm(shm_of(db))
    assert shm is not None
    return shm


def summary(db: Path) -> WalSummary:
    return WalReader(db.with_name(db.name + "-wal")).refresh()


# The wal-index file


def test_missing_or_short_shm(tmp_path: Path) -> None:
    assert read_shm(tmp_path / "none-shm") is None
    assert probe_wal_locks(tmp_path / "none-shm") == []
    short = tmp_path / "short-shm"
    short.write_bytes(bytes(3))  # what SQLite leaves while it builds a new wal-index
    assert read_shm(short) is None
    assert parse_shm(bytes(SHM_HEADER_SIZE - 1)) is None


def test_a_zeroed_wal_index_is_not_initialised() -> None:
    shm = parse_shm(bytes(SHM_HEADER_SIZE))
    assert shm is not None and not shm.is_init and shm.headers_agree
    assert shm.checkpoint.read_marks == (0, 0, 0, 0, 0)
    assert any("not initialised" in p for p in shm.problems)


def test_garbage_wal_index_is_reported_not_trusted() -> None:
    data = bytearray(random.Random(5).randbytes(SHM_HEADER_SIZE))
    data[12] = 1  # isInit
    shm = parse_shm(bytes(data))
    assert shm is not None and not shm.headers_agree and not shm.header.checksum_ok
    text = " ".join(shm.problems)
    assert "version" in text and "checksum" in text and "copies" in text


def test_wal_index_matches_what_sqlite_reports(db: Path, con: sqlite3.Connection) -> None:
    commit_rows(con, 3)
    shm = state(db)
    wal = summary(db)
    assert shm.is_init and shm.headers_agree and shm.header.checksum_ok and shm.problems == ()
    assert shm.header == shm.header_copy
    assert shm.max_frame == wal.last_commit_frame and shm.page_size == 4096
    assert shm.db_pages == con.execute("PRAGMA page_count").fetchone()[0]
    before = shm.change_counter
    commit_rows(con, 2)
    assert state(db).change_counter == before + 2
    marks = state(db).checkpoint.read_marks
    assert marks[0] == 0 and None in marks  # slot 0 is "the database file", unused slots None
    assert shm.size == shm_of(db).stat().st_size


def test_reading_never_drops_this_process_locks(db: Path, con: sqlite3.Connection) -> None:
    """Closing any descriptor of the -shm would release our own connection's locks."""
    commit_rows(con, 2)
    con.execute("BEGIN")
    con.execute("SELECT count(*) FROM t").fetchone()
    try:
        held = posix_locks(shm_of(db), os.getpid())
        assert ("READ", 128, 128) in held and len(held) >= 2  # dead man switch + a reader slot
        for _ in range(3):
            read_shm(shm_of(db))
            probe_wal_locks(shm_of(db))
            summary(db)
        assert posix_locks(shm_of(db), os.getpid()) == held
    finally:
        con.execute("COMMIT")


def test_a_replaced_shm_file_is_reopened(tmp_path: Path) -> None:
    path = tmp_path / "x-shm"
    path.write_bytes(bytes(SHM_HEADER_SIZE))
    first = open_shm_fd(path)
    assert first is not None and open_shm_fd(path) == first
    path.unlink()
    assert open_shm_fd(path) is None
    path.write_bytes(bytes(SHM_HEADER_SIZE))
    second = open_shm_fd(path)
    assert second is not None and os.fstat(second).st_ino == path.stat().st_ino


# Lock holders: other processes


def test_own_locks_are_invisible_to_the_probe(db: Path, con: sqlite3.Connection) -> None:
    con.execute("BEGIN IMMEDIATE")
    try:
        assert posix_locks(shm_of(db), os.getpid())  # held, yet F_GETLK cannot see them
        assert probe_wal_locks(shm_of(db)) == []
    finally:
        con.execute("ROLLBACK")


def test_a_reader_in_another_process_pins_the_checkpoint(db: Path, con: sqlite3.Connection) -> None:
    commit_rows(con, 3)
    pinned_at = summary(db).last_commit_frame
    with holding(db) as reader:
        commit_rows(con, 4)
        wal = summary(db)
        assert wal.last_commit_frame > pinned_at
        assert checkpoint(con, "PASSIVE") == (0, wal.last_commit_frame, pinned_at)
        shm = state(db)
        assert shm.max_frame == wal.last_commit_frame
        assert shm.checkpoint.backfilled == pinned_at

        holders = probe_wal_locks(shm_of(db))
        readers = [h for h in holders if h.pid == reader.pid]
        assert len(readers) == 1 and holders == readers
        (holder,) = readers
        assert holder.kind is LockKind.SHARED and holder.lock.startswith("read-")
        assert holder.read_slot is not None and holder.read_slot > 0
        assert shm.checkpoint.read_marks[holder.read_slot] == pinned_at
        assert holder.cmdline is not None and MARKER in holder.cmdline
        assert holder.cmdline.startswith(sys.executable)

        text = explain(wal, shm, holders)
        assert text[0] == (
            f"{wal.last_commit_frame:,} frames"
            f" ({exact_size(wal.last_commit_frame * wal.frame_size)}) in the WAL,"
            f" {pinned_at:,} checkpointed."
        )
        assert text[1].startswith(
            f"Checkpoint is held back at frame {pinned_at:,} by a reader in process {reader.pid}"
        )
        assert "python" in text[1]
        finish(reader)

    assert probe_wal_locks(shm_of(db)) == []
    assert checkpoint(con, "PASSIVE") == (0, wal.last_commit_frame, wal.last_commit_frame)
    shm = state(db)
    assert shm.checkpoint.backfilled == shm.max_frame == wal.last_commit_frame
    text = explain(summary(db), shm, [])
    assert "All frames are checkpointed: the next write starts the WAL over" in text[1]


def test_a_writer_in_another_process_holds_the_write_lock(
    db: Path, con: sqlite3.Connection
) -> None:
    commit_rows(con, 1)
    with holding(db, "BEGIN IMMEDIATE") as writer:
        holders = probe_wal_locks(shm_of(db))
        (write,) = [h for h in holders if h.lock == "write"]
        assert (write.index, write.kind, write.pid) == (0, LockKind.EXCLUSIVE, writer.pid)
        assert write.cmdline is not None and MARKER in write.cmdline
        assert all(h.pid == writer.pid for h in holders)
        text = explain(summary(db), state(db), holders)
        assert any(line.startswith(f"Process {writer.pid} (`python") for line in text)
        assert any(f"{writer.pid}" in line and "holds the write lock" in line for line in text)
    assert probe_wal_locks(shm_of(db)) == []


def test_other_platforms_get_no_holders(
    db: Path, con: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    commit_rows(con, 1)
    with holding(db, "BEGIN IMMEDIATE"):
        assert probe_wal_locks(shm_of(db)) != []
        monkeypatch.setattr(sys, "platform", "darwin")
        assert probe_wal_locks(shm_of(db)) == []


# The explanation, from chosen states


def _shm(max_frame: int, backfilled: int, marks: tuple[int | None, ...]) -> ShmState:
    header = struct.pack("=IIIBBHII", 3007000, 0, 1, 1, 0, 4096, max_frame, 10) + bytes(24)
    info = struct.pack(
        "=I5I8xII", backfilled, *(0xFFFFFFFF if m is None else m for m in marks), 0, 0
    )
    shm = parse_shm(header + header + info)
    assert shm is not None
    return shm


def test_explain_leaves_a_wal_larger_than_the_database_to_the_warnings() -> None:
    """The inspector warns of it (see test_inspector): said here too, it showed twice."""
    wal = WalSummary(exists=True, size=5 * 1024 * 1024, last_commit_frame=10, valid_frames=10)
    text = explain(wal, _shm(10, 10, (0, 10, None, None, None)), [])
    assert text and not any("larger than the database" in line for line in text)


def test_explain_names_a_reader_that_blocks_a_reset() -> None:
    wal = WalSummary(exists=True, size=100_000, last_commit_frame=20, valid_frames=20)
    reader = LockHolder("read-2", 5, LockKind.SHARED, 77, "/usr/bin/python3 worker.py")
    text = explain(wal, _shm(20, 20, (0, 20, 20, None, None)), [reader])
    assert (
        "All frames are checkpointed, but a reader in process 77 (`python3 worker.py`)" in (text[1])
    )


def test_explain_without_a_blocking_reader() -> None:
    wal = WalSummary(exists=True, size=100_000, last_commit_frame=20, valid_frames=20)
    current = LockHolder("read-1", 4, LockKind.SHARED, 77, None)  # reads all 20 frames
    text = explain(wal, _shm(20, 5, (0, 20, None, None, None)), [current])
    assert text[1].startswith("15 frames are not checkpointed yet and no other process")


def test_describe_and_sizes() -> None:
    long = LockHolder("write", 0, LockKind.EXCLUSIVE, 9, "/bin/app " + "x" * 100)
    assert len(describe(long)) < 80 and describe(long).endswith("…`)")
    assert describe(LockHolder("write", 0, LockKind.EXCLUSIVE, 9, None)) == "process 9"
    assert [human_bytes(n) for n in (812, 4_960_480, 3 * 2**30)] == ["812 B", "4.7 MB", "3.0 GB"]


def test_exact_size_puts_the_byte_count_beside_the_rounded_figure() -> None:
    assert [exact_size(n) for n in (812, 4_960_480)] == ["812 bytes", "4.7 MB = 4,960,480 bytes"]
