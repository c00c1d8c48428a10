"""The commit index of a -wal file, against WALs SQLite writes (checkpoints off), checked
against a frame-by-frame reading of the file and against copies of the database."""

from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

import pytest

from tests.tui.db.walhelpers import checkpoint, commit_rows, holding, kill_when_ready, open_wal_db
from tui.db.wal import FRAME_HEADER_SIZE, WAL_HEADER_SIZE
from tui.db.wal_commits import WalCommitIndex, WalCommits, read_commits


def wal_of(db: Path) -> Path:
    return db.with_name(db.name + "-wal")


def raw_frames(wal: Path, page_size: int) -> list[tuple[int, int]]:
    """(page, database size or 0) of every complete frame, without checking anything."""
    data = wal.read_bytes()
    size = FRAME_HEADER_SIZE + page_size
    count = (len(data) - WAL_HEADER_SIZE) // size
    return [
        (
            int.from_bytes(data[WAL_HEADER_SIZE + i * size :][:4], "big"),
            int.from_bytes(data[WAL_HEADER_SIZE + i * size + 4 :][:4], "big"),
        )
        for i in range(count)
    ]


def naive_commits(wal: Path, page_size: int) -> list[tuple[int, int, int, dict[int, int]]]:
    """(first frame, last frame, size, page -> last frame) per commit, for a clean WAL."""
    commits = []
    first, pages = 1, {}
    for number, (page, db_pages) in enumerate(raw_frames(wal, page_size), start=1):
        pages[page] = number
        if db_pages:
            commits.append((first, number, db_pages, pages))
            first, pages = number + 1, {}
    return commits


def as_tuples(commits: WalCommits) -> list[tuple[int, int, int, dict[int, int]]]:
    return [(c.first_frame, c.last_frame, c.db_pages, dict(c.pages)) for c in commits.commits]


def page_count(con: sqlite3.Connection) -> int:
    return int(con.execute("PRAGMA page_count").fetchone()[0])


@pytest.mark.parametrize("page_size", [512, 4096, 65536])
def test_commits_are_the_frames_sqlite_wrote(tmp_path: Path, page_size: int) -> None:
    db = tmp_path / "c.db"
    con = open_wal_db(db, page_size)
    try:
        sizes = [page_count(con)]
        for rows in (1, 5, 40):
            commit_rows(con, 1, rows=rows, size=900)
            sizes.append(page_count(con))
        con.execute("UPDATE t SET payload = zeroblob(3000) WHERE id % 2 = 0")  # overflow pages
        con.execute("DELETE FROM t WHERE id > 30")
        commits = read_commits(wal_of(db))
        assert as_tuples(commits) == naive_commits(wal_of(db), page_size)
        assert [c.number for c in commits.commits] == list(range(1, 2 + 3 + 2 + 1))
        assert commits.commits[-1].db_pages == page_count(con)
        # the create and the first insert are commits 1 and 2, then one commit per step
        assert [c.db_pages for c in commits.commits[1:5]] == sizes
        assert commits.uncommitted_frames == 0 and commits.torn_tail_bytes == 0
        assert commits.problems == ()
        assert commits.page_size == page_size
        assert commits.backfilled == 0
        assert all(commits.is_checkpointed(c.number) is False for c in commits.commits)
    finally:
        con.close()


def test_frame_of_is_the_last_frame_at_or_before_each_commit(
    db: Path, con: sqlite3.Connection
) -> None:
    for i in range(12):
        con.execute("UPDATE t SET payload = randomblob(?) WHERE id = 1", (100 + i,))
        if i % 3 == 0:
            commit_rows(con, 1, rows=4)
    commits = read_commits(wal_of(db))
    frames = raw_frames(wal_of(db), commits.page_size)
    every_page = {page for page, _ in frames}
    for commit in commits.commits:
        for page in every_page | {999}:
            expected = max(
                (n for n, (p, _) in enumerate(frames[: commit.last_frame], 1) if p == page),
                default=None,
            )
            assert commits.frame_of(page, commit.number) == expected
    assert all(commits.frame_of(page, 0) is None for page in every_page)
    # the page of row 1 is rewritten by every commit after it
    page = next(iter(commits.commits[-1].pages))
    first_writer = min(c.last_frame for c in commits.commits if page in c.pages)
    assert commits.next_frame_of(page, 0) == commits.frame_of(
        page,
        commits.commit_of_frame(first_writer).number,
    )
    assert commits.next_frame_of(page, commits.last_commit_frame) is None
    assert commits.commit_of_frame(commits.last_commit_frame + 1) is None
    assert commits.commit_of_frame(1) == commits.commits[0]
    with pytest.raises(IndexError, match="no commit 99"):
        commits.commit(99)


def test_a_checkpoint_marks_commits_checkpointed(db: Path, con: sqlite3.Connection) -> None:
    commit_rows(con, 3)
    before = read_commits(wal_of(db))
    with holding(db):  # a reader of this state: the checkpoint stops there
        commit_rows(con, 2)
        busy, log, done = checkpoint(con, "PASSIVE")
        assert (busy, done) == (0, before.last_commit_frame) and log > done
    after = read_commits(wal_of(db))
    assert after.generation == before.generation
    assert after.backfilled == before.last_commit_frame
    assert [after.is_checkpointed(c.number) for c in after.commits] == [True] * len(
        before.commits
    ) + [False, False]


def test_a_wal_reset_starts_a_new_generation(db: Path, con: sqlite3.Connection) -> None:
    index = WalCommitIndex(wal_of(db))
    commit_rows(con, 4)
    first = index.refresh()
    assert len(first.commits) == 6
    assert checkpoint(con, "RESTART")[0] == 0
    commit_rows(con, 1)  # the next writer restarts the log from its first frame
    second = index.refresh()
    assert second.generation != first.generation
    assert second.header is not None and first.header is not None
    assert second.header.salt1 == first.header.salt1 + 1
    assert [c.number for c in second.commits] == [1]
    assert second.commits[0].first_frame == 1
    assert second.backfilled == 0
    # the value handed out before the reset still answers for its own generation
    assert len(first.commits) == 6 and first.frame_of(1, 1) is not None


def test_after_a_truncate_the_old_frames_are_all_backfilled(
    db: Path, con: sqlite3.Connection
) -> None:
    commit_rows(con, 2)
    copy = db.with_name("copy.db-wal")
    shutil.copyfile(wal_of(db), copy)
    assert checkpoint(con, "TRUNCATE")[0] == 0
    assert wal_of(db).stat().st_size == 0
    empty = read_commits(wal_of(db))
    assert empty.header is None and empty.commits == ()
    # A WAL whose -shm describes the next generation (salt1 + 1): all of it is in the file.
    os.replace(copy, wal_of(db))
    old = WalCommitIndex(wal_of(db)).refresh()
    assert len(old.commits) == 4
    assert old.backfilled == old.last_commit_frame


def test_refresh_reads_only_new_frames(db: Path, con: sqlite3.Connection) -> None:
    index = WalCommitIndex(wal_of(db))
    commit_rows(con, 20)
    index.refresh()
    assert index.last_read_bytes > 20 * FRAME_HEADER_SIZE
    frame_size = FRAME_HEADER_SIZE + 4096
    for _ in range(3):
        before = wal_of(db).stat().st_size
        commit_rows(con, 1, rows=1)
        new_bytes = wal_of(db).stat().st_size - before
        got = index.refresh()
        assert index.last_read_bytes == WAL_HEADER_SIZE + new_bytes
        assert new_bytes % frame_size == 0
        assert as_tuples(got) == as_tuples(read_commits(wal_of(db)))
    index.refresh()
    assert index.last_read_bytes == WAL_HEADER_SIZE  # nothing new: the header only


def test_a_damaged_frame_ends_the_commits(
    tmp_path: Path, db: Path, con: sqlite3.Connection
) -> None:
    commit_rows(con, 5, rows=1)
    commits = read_commits(wal_of(db))
    broken = tmp_path / "broken.db-wal"
    data = bytearray(wal_of(db).read_bytes())
    third = commits.commits[3]
    data[commits.frame_offset(third.first_frame) + FRAME_HEADER_SIZE + 100] ^= 0xFF
    broken.write_bytes(bytes(data))
    damaged = read_commits(broken)
    assert as_tuples(damaged) == as_tuples(commits)[:3]
    assert damaged.uncommitted_frames == 0
    assert any("fails the checksum" in p for p in damaged.problems)
    assert damaged.backfilled is None  # no -shm describes this file


# Writes a transaction that spills frames into the WAL (tiny cache), then waits to be killed.
_KILLED_WRITER = """
import sqlite3, sys
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("PRAGMA cache_size=5")
con.execute("PRAGMA wal_autocheckpoint=0")
con.execute("BEGIN")
for i in range(300):
    con.execute("INSERT INTO t (payload) VALUES (randomblob(600))")
print("ready", flush=True)
sys.stdin.readline()
"""


def test_the_frames_of_a_killed_writer_are_an_uncommitted_tail(
    db: Path, con: sqlite3.Connection
) -> None:
    commit_rows(con, 3)
    committed = read_commits(wal_of(db))
    kill_when_ready(_KILLED_WRITER, str(db))
    frames = raw_frames(wal_of(db), 4096)
    after = read_commits(wal_of(db))
    assert as_tuples(after) == as_tuples(committed)
    assert after.uncommitted_frames == len(frames) - committed.last_commit_frame > 0
    assert after.uncommitted_first_frame == committed.last_commit_frame + 1
    assert after.uncommitted_pages == {p for p, _ in frames[committed.last_commit_frame :]}
    assert all(size == 0 for _, size in frames[committed.last_commit_frame :])


def test_a_missing_wal_has_no_commits(tmp_path: Path) -> None:
    missing = read_commits(tmp_path / "none.db-wal")
    assert missing.header is None and missing.commits == () and missing.backfilled is None
    assert missing.generation is None and missing.last_commit_frame == 0
