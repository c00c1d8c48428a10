"""The -wal parser against WAL files SQLite writes, damaged copies, and synthetic files."""

from __future__ import annotations

import os
import random
import shutil
import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.tui.db.walhelpers import (
    build_wal,
    checkpoint,
    commit_rows,
    open_wal_db,
    posix_locks,
    reference_checksum,
)
from tui.db.shm import read_shm
from tui.db.wal import (
    FRAME_HEADER_SIZE,
    MASK_EVERY,
    WAL_HEADER_SIZE,
    WalReader,
    WalSummary,
    frame_checksums,
)
from tui.db.wal_explain import explain


def wal_of(db: Path) -> Path:
    return db.with_name(db.name + "-wal")


def summarize(path: Path) -> WalSummary:
    return WalReader(path).refresh()


def frame_pages(path: Path, count: int, page_size: int) -> set[int]:
    """Page numbers of the first ``count`` frames, read without the parser."""
    data = path.read_bytes()
    size = page_size + FRAME_HEADER_SIZE
    return {int.from_bytes(data[WAL_HEADER_SIZE + i * size :][:4], "big") for i in range(count)}


# The checksum


@pytest.mark.parametrize("big_endian", [False, True])
@pytest.mark.parametrize("page_size", [512, 4096, 65536])
def test_fast_checksums_equal_the_word_by_word_definition(big_endian: bool, page_size: int) -> None:
    rng = random.Random(page_size + big_endian)
    frame_size = page_size + FRAME_HEADER_SIZE
    for count in (1, 2, 5):
        data = rng.randbytes(count * frame_size)
        expected = [
            reference_checksum(frame[:8] + frame[FRAME_HEADER_SIZE:], big_endian)
            for frame in (data[i * frame_size : (i + 1) * frame_size] for i in range(count))
        ]
        assert frame_checksums(data, count, frame_size, big_endian) == expected


def test_lanes_cannot_overflow_between_masks() -> None:
    # Largest values a 64-bit lane can reach: start below 2**32, add words below 2**32.
    top = 2**32 - 1
    s0 = s1 = top
    for _ in range(MASK_EVERY):
        s0 = s0 + top + s1
        s1 = s1 + top + s0
    assert s1 < 2**64


# Files SQLite writes


@pytest.mark.parametrize("page_size", [1024, 4096, 65536])
def test_clean_wal_counts_every_frame_and_transaction(tmp_path: Path, page_size: int) -> None:
    db = tmp_path / "clean.db"
    con = open_wal_db(db, page_size)
    try:
        commit_rows(con, 7)
        summary = summarize(wal_of(db))
        size = wal_of(db).stat().st_size
        assert (size - WAL_HEADER_SIZE) % (page_size + FRAME_HEADER_SIZE) == 0
        frames = (size - WAL_HEADER_SIZE) // (page_size + FRAME_HEADER_SIZE)
        assert summary.header is not None and summary.header.page_size == page_size
        assert summary.size == size
        assert summary.total_frames == summary.valid_frames == summary.last_commit_frame == frames
        assert summary.commit_frames == 2 + 7  # CREATE TABLE, first INSERT, then 7 more
        assert (summary.stale_frames, summary.torn_tail_bytes, summary.broken_frame) == (0, 0, 0)
        assert summary.problems == ()
        assert summary.distinct_pages == len(frame_pages(wal_of(db), frames, page_size))
        assert summary.last_commit_db_pages == con.execute("PRAGMA page_count").fetchone()[0]
        shm = read_shm(db.with_name(db.name + "-shm"))
        assert shm is not None and shm.page_size == page_size
    finally:
        con.close()


def test_agrees_with_sqlite_checkpoint_and_wal_index(db: Path, con: sqlite3.Connection) -> None:
    commit_rows(con, 5)
    summary = summarize(wal_of(db))
    shm = read_shm(db.with_name(db.name + "-shm"))
    assert shm is not None and summary.header is not None
    assert shm.max_frame == summary.last_commit_frame == summary.valid_frames
    assert shm.salts == (summary.header.salt1, summary.header.salt2)
    assert shm.db_pages == summary.last_commit_db_pages
    assert shm.checkpoint.backfilled == 0
    assert checkpoint(con, "PASSIVE") == (0, summary.last_commit_frame, summary.last_commit_frame)
    after = read_shm(db.with_name(db.name + "-shm"))
    assert after is not None and after.checkpoint.backfilled == summary.last_commit_frame
    assert summarize(wal_of(db)) == summary  # a checkpoint copies frames, it does not touch them


def test_truncate_checkpoint_leaves_an_empty_wal(db: Path, con: sqlite3.Connection) -> None:
    commit_rows(con, 3)
    assert checkpoint(con, "TRUNCATE")[0] == 0
    summary = summarize(wal_of(db))
    assert summary == WalSummary(exists=True, size=0)
    assert wal_of(db).stat().st_size == 0
    assert "The WAL is empty" in explain(summary, None, [])[0]


def test_frames_before_a_reset_are_stale(db: Path, con: sqlite3.Connection) -> None:
    commit_rows(con, 6)
    before = summarize(wal_of(db))
    assert checkpoint(con, "RESTART") == (0, before.last_commit_frame, before.last_commit_frame)
    commit_rows(con, 1, rows=1, size=10)  # the writer starts the WAL over
    after = summarize(wal_of(db))
    assert before.header is not None and after.header is not None
    assert after.header.checkpoint_seq == before.header.checkpoint_seq + 1
    assert after.header.salt1 == (before.header.salt1 + 1) % 2**32
    assert after.size == before.size  # the file is reused, not shrunk
    assert 0 < after.valid_frames == after.last_commit_frame < before.valid_frames
    assert after.commit_frames == 1
    assert after.stale_frames == before.total_frames - after.valid_frames > 0
    assert after.broken_frame == 0 and after.problems == ()
    text = " ".join(explain(after, None, []))
    assert f"{after.stale_frames:,} frames" in text and "left over" in text


def test_rolled_back_spill_leaves_frames_that_break_the_chain(
    db: Path, con: sqlite3.Connection
) -> None:
    con.execute("PRAGMA cache_size=5")  # a big transaction spills into the WAL before commit
    committed = summarize(wal_of(db)).last_commit_frame
    con.execute("BEGIN")
    for _ in range(60):
        con.execute("INSERT INTO t (payload) VALUES (randomblob(2000))")
    spilled = summarize(wal_of(db))
    assert spilled.last_commit_frame == committed
    assert spilled.uncommitted_frames == spilled.valid_frames - committed > 10
    assert "did not commit (a write in progress, or cut short" in " ".join(
        explain(spilled, None, [])
    )
    con.execute("ROLLBACK")
    commit_rows(con, 1, rows=1, size=10)  # overwrites the first spilled frames
    after = summarize(wal_of(db))
    assert after.last_commit_frame == after.valid_frames > committed
    assert after.broken_frame == after.valid_frames + 1
    assert after.stale_frames == spilled.total_frames - after.valid_frames
    assert any("fails the checksum" in p for p in after.problems)


def test_a_torn_last_frame_is_reported(db: Path, con: sqlite3.Connection, tmp_path: Path) -> None:
    commit_rows(con, 4)
    whole = summarize(wal_of(db))
    torn = tmp_path / "torn-wal"
    shutil.copyfile(wal_of(db), torn)
    os.truncate(torn, whole.size - 1000)
    summary = summarize(torn)
    assert summary.total_frames == whole.total_frames - 1
    assert summary.torn_tail_bytes == whole.frame_size - 1000
    assert summary.valid_frames == summary.total_frames
    assert summary.commit_frames == whole.commit_frames - 1  # the last commit frame is gone
    assert any("last frame is incomplete" in p for p in summary.problems)


def test_a_corrupt_page_ends_the_valid_prefix(
    db: Path, con: sqlite3.Connection, tmp_path: Path
) -> None:
    commit_rows(con, 4)
    whole = summarize(wal_of(db))
    data = bytearray(wal_of(db).read_bytes())
    data[WAL_HEADER_SIZE + 2 * whole.frame_size + 100] ^= 0xFF  # inside frame 3's page
    damaged = tmp_path / "damaged-wal"
    damaged.write_bytes(bytes(data))
    summary = summarize(damaged)
    assert summary.valid_frames == 2 and summary.broken_frame == 3
    assert summary.stale_frames == whole.total_frames - 2
    assert any("frame 3 carries the current salts" in p for p in summary.problems)


def test_the_wal_file_carries_no_locks(db: Path, con: sqlite3.Connection) -> None:
    """Why plain open()/close() of the -wal is safe, unlike the -shm (see tui.db.shm)."""
    con.execute("BEGIN IMMEDIATE")
    try:
        assert posix_locks(db.with_name(db.name + "-shm"), os.getpid())  # the probe works
        assert posix_locks(wal_of(db), os.getpid()) == []
    finally:
        con.execute("ROLLBACK")


# Missing, damaged and synthetic files


def test_a_missing_wal_is_empty_not_an_error(tmp_path: Path) -> None:
    assert summarize(tmp_path / "none-wal") == WalSummary(exists=False, size=0)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        (random.Random(1).randbytes(10_000), "bad magic number"),
        (bytes(5000), "bad magic number 0x00000000"),
        (bytes.fromhex("377f0682") + bytes(10), "header is incomplete: 14 of 32"),
    ],
)
def test_garbage_is_reported(tmp_path: Path, content: bytes, problem: str) -> None:
    path = tmp_path / "garbage-wal"
    path.write_bytes(content)
    summary = summarize(path)
    assert summary.header is None and summary.valid_frames == summary.total_frames == 0
    assert summary.size == len(content)
    assert any(problem in p for p in summary.problems)


FRAMES = [(1, 0, b"a"), (2, 2, b"b"), (2, 0, b"c"), (3, 3, b"d"), (1, 0, b"e")]


@pytest.mark.parametrize("big_endian", [False, True])
def test_a_synthetic_wal_in_either_byte_order(tmp_path: Path, big_endian: bool) -> None:
    path = tmp_path / "synthetic-wal"
    path.write_bytes(build_wal(FRAMES, big_endian=big_endian))
    summary = summarize(path)
    assert summary.header is not None and summary.header.big_endian_checksum is big_endian
    assert summary.header.checksum_ok
    assert (summary.valid_frames, summary.commit_frames, summary.last_commit_frame) == (5, 2, 4)
    assert (summary.uncommitted_frames, summary.distinct_pages, summary.last_commit_db_pages) == (
        1,
        3,
        3,
    )


def test_checksums_in_the_other_byte_order_do_not_verify(tmp_path: Path) -> None:
    data = bytearray(build_wal(FRAMES, big_endian=True))
    data[3] = 0x82  # claim little-endian checksums: the header checksum no longer fits
    path = tmp_path / "swapped-wal"
    path.write_bytes(bytes(data))
    summary = summarize(path)
    assert summary.valid_frames == 0 and summary.stale_frames == summary.total_frames == 5
    assert any("checksum does not verify" in p for p in summary.problems)


def test_an_unsupported_version_is_reported(tmp_path: Path) -> None:
    path = tmp_path / "version-wal"
    path.write_bytes(build_wal(FRAMES, version=3007001))
    summary = summarize(path)
    assert summary.header is not None and summary.valid_frames == 0
    assert any("unsupported WAL format version 3007001" in p for p in summary.problems)


def test_frames_with_other_salts_are_stale_not_broken(tmp_path: Path) -> None:
    old = build_wal(FRAMES, salts=(7, 8))
    new = build_wal(FRAMES[:2], salts=(8, 9))
    path = tmp_path / "reset-wal"
    path.write_bytes(new + old[len(new) :])
    summary = summarize(path)
    assert (summary.valid_frames, summary.stale_frames, summary.broken_frame) == (2, 3, 0)
    assert summary.problems == ()


# Incremental refresh


def test_a_second_refresh_reads_only_the_new_frames(db: Path, con: sqlite3.Connection) -> None:
    commit_rows(con, 20)
    reader = WalReader(wal_of(db))
    first = reader.refresh()
    assert reader.last_read_bytes == first.size
    commit_rows(con, 1)
    second = reader.refresh()
    new_frames = second.total_frames - first.total_frames
    assert new_frames > 0
    assert reader.last_read_bytes == WAL_HEADER_SIZE + new_frames * second.frame_size
    assert reader.last_read_bytes < second.size // 4
    assert second == summarize(wal_of(db))
    assert second.commit_frames == first.commit_frames + 1
    assert reader.refresh() == second and reader.last_read_bytes == WAL_HEADER_SIZE


def test_incremental_results_equal_a_fresh_parse_through_resets(
    db: Path, con: sqlite3.Connection
) -> None:
    reader = WalReader(wal_of(db))
    steps: list[Callable[[], object]] = [
        lambda: commit_rows(con, 3),
        lambda: checkpoint(con, "PASSIVE"),
        lambda: commit_rows(con, 2),
        lambda: checkpoint(con, "RESTART"),
        lambda: commit_rows(con, 1, rows=1, size=10),  # reset: new salts, stale frames
        lambda: commit_rows(con, 2),
        lambda: checkpoint(con, "TRUNCATE"),  # the file shrinks to nothing
        lambda: commit_rows(con, 2),
    ]
    seen = set()
    for step in steps:
        step()
        incremental = reader.refresh()
        assert incremental == summarize(wal_of(db))
        seen.add((incremental.size == 0, incremental.stale_frames > 0))
    assert seen == {(False, False), (False, True), (True, False)}


def test_a_refresh_reads_none_of_the_stale_frames(db: Path, con: sqlite3.Connection) -> None:
    commit_rows(con, 30)
    checkpoint(con, "RESTART")
    commit_rows(con, 1, rows=1, size=10)
    reader = WalReader(wal_of(db))
    summary = reader.refresh()
    assert summary.stale_frames > 50
    # Batches double from one frame, so the first refresh overshoots the valid prefix by less
    # than its length, however many stale frames follow.
    limit = WAL_HEADER_SIZE + (2 * summary.valid_frames + 1) * summary.frame_size
    assert reader.last_read_bytes <= limit < summary.size // 10
    assert reader.refresh() == summary
    # Only the first frame after the valid prefix is looked at: it has other salts.
    assert reader.last_read_bytes == WAL_HEADER_SIZE + summary.frame_size


def test_a_file_that_shrinks_under_the_same_header_is_parsed_again(
    db: Path, con: sqlite3.Connection, tmp_path: Path
) -> None:
    commit_rows(con, 5)
    copy = tmp_path / "copy-wal"
    shutil.copyfile(wal_of(db), copy)
    reader = WalReader(copy)
    whole = reader.refresh()
    os.truncate(copy, whole.size - 3 * whole.frame_size)
    shrunk = reader.refresh()
    assert shrunk == summarize(copy)
    assert shrunk.valid_frames == shrunk.total_frames == whole.total_frames - 3


def test_a_spilled_transaction_is_reread_until_it_commits(
    db: Path, con: sqlite3.Connection
) -> None:
    con.execute("PRAGMA cache_size=5")
    reader = WalReader(wal_of(db))
    reader.refresh()
    con.execute("BEGIN")
    for _ in range(40):
        con.execute("INSERT INTO t (payload) VALUES (randomblob(2000))")
    during = reader.refresh()
    assert during.uncommitted_frames > 0
    con.execute("COMMIT")
    after = reader.refresh()
    assert after == summarize(wal_of(db))
    assert after.uncommitted_frames == 0 and after.last_commit_frame > during.last_commit_frame
