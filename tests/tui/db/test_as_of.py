"""The database as of commit k, through the APSW VFS, against copies SQLite's backup API took
right after each commit; and the files it reads are left exactly as they were."""

from __future__ import annotations

import os
import random
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.tui.db.asofhelpers import Dump, RecordingWriter, digests, dump
from tests.tui.db.walhelpers import holding, kill_when_ready, posix_locks
from tui.db.as_of import AsOfSnapshot, NotReconstructableError
from tui.db.wal_commits import read_commits


def as_of(db: Path, commit: int, query: str | None = None) -> Dump:
    """The dump (or one query's rows, as a dump of one entry) of ``db`` as of ``commit``."""
    with AsOfSnapshot(db, commit) as snapshot:
        con = snapshot.connect()
        try:
            if query is not None:
                return [("query", query, list(con.execute(query)))]
            assert con.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
            return dump(lambda sql: list(con.execute(sql)))
        finally:
            con.close()


def assert_every_commit_matches(writer: RecordingWriter) -> int:
    states = writer.current()
    assert states, "no commit recorded in the current generation"
    for commit, expected in sorted(states.items()):
        assert as_of(writer.db, commit) == expected, f"commit {commit}"
    return len(states)


@pytest.fixture
def writer(tmp_path: Path) -> Iterator[RecordingWriter]:
    w = RecordingWriter(tmp_path / "h.db")
    yield w
    w.close()


@pytest.mark.parametrize("page_size", [512, 4096, 65536])
def test_inserts_updates_deletes_and_overflow_pages(tmp_path: Path, page_size: int) -> None:
    w = RecordingWriter(tmp_path / f"p{page_size}.db", page_size)
    try:
        w.run("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, data BLOB)")
        w.run("CREATE INDEX t_name ON t (name)")
        for i in range(4):
            w.run(
                *[
                    (
                        "INSERT INTO t (name, data) VALUES (?, randomblob(?))",
                        (f"n{i}-{j}", 50 + 40 * j),
                    )
                    for j in range(30)
                ]
            )
        big = 3 * page_size + 17  # spills over several overflow pages
        w.run(("UPDATE t SET data = zeroblob(?) || x'01' WHERE id % 7 = 0", (big,)))
        w.run("UPDATE t SET name = name || '!' WHERE id % 3 = 0")
        w.run("DELETE FROM t WHERE id % 5 = 0")
        w.run(("INSERT INTO t (name, data) VALUES ('huge', randomblob(?))", (5 * page_size,)))
        w.run("CREATE TABLE kv (k TEXT PRIMARY KEY, v) WITHOUT ROWID")
        w.run(*[(f"INSERT INTO kv VALUES ('k{i:03}', {i})") for i in range(40)])
        w.run("DELETE FROM t WHERE data IS NOT NULL AND length(data) > 100")
        assert assert_every_commit_matches(w) == 13
        assert as_of(w.db, 0) == [] or as_of(w.db, 0)[0][0].startswith("table")
    finally:
        w.close()


def test_commit_zero_is_the_file_before_the_wal(writer: RecordingWriter) -> None:
    writer.run("CREATE TABLE t (x)")
    writer.run("INSERT INTO t VALUES (1)")
    assert writer.checkpoint("TRUNCATE")[0] == 0
    before = writer.states[max(writer.states)]  # the last state, now all in the file
    writer.run("INSERT INTO t VALUES (2)")
    assert as_of(writer.db, 0) == before
    assert_every_commit_matches(writer)


def test_a_page_that_moves_between_btrees(writer: RecordingWriter) -> None:
    writer.run(
        "CREATE TABLE a (x)", *[f"INSERT INTO a VALUES (randomblob({100 + i}))" for i in range(200)]
    )
    writer.run("CREATE TABLE b (y)", *[f"INSERT INTO b VALUES ({i})" for i in range(50)])
    writer.run("DROP TABLE a")  # its pages go to the freelist...
    writer.run(
        "CREATE TABLE c (z TEXT)",
        *[f"INSERT INTO c VALUES ('{i}' || hex(randomblob(90)))" for i in range(300)],
    )  # ...and come back as c's
    writer.run("UPDATE b SET y = -y")
    assert assert_every_commit_matches(writer) == 5


def test_vacuum_in_wal_mode(writer: RecordingWriter) -> None:
    writer.run(
        "CREATE TABLE t (x)", *[f"INSERT INTO t VALUES (randomblob({200 + i}))" for i in range(300)]
    )
    writer.run("DELETE FROM t WHERE rowid % 2 = 0")
    writer.alone("VACUUM")
    writer.run("INSERT INTO t VALUES ('after')")
    commits = read_commits(f"{writer.db}-wal")
    assert commits.commits[2].db_pages < commits.commits[1].db_pages  # the file shrank
    assert assert_every_commit_matches(writer) == 4


def test_a_checkpoint_in_the_middle_refuses_or_is_exact(writer: RecordingWriter) -> None:
    writer.run(
        "CREATE TABLE a (x)",
        "CREATE TABLE t (y)",
        *[f"INSERT INTO a VALUES ({i})" for i in range(20)],
        *[f"INSERT INTO t VALUES ({i})" for i in range(20)],
    )
    assert writer.checkpoint("TRUNCATE")[0] == 0  # both tables' pages are in the file
    # Updates in place: each commit writes one table's page, never page 1.
    writer.run("UPDATE a SET x = x + 100")
    writer.run("UPDATE t SET y = y + 100")
    writer.run("UPDATE a SET x = x + 1")
    with holding(writer.db):  # a reader at commit 3: the next writer cannot reset the WAL
        writer.run("UPDATE t SET y = y + 1000")
        writer.run("UPDATE t SET y = y + 1")
        third = read_commits(f"{writer.db}-wal").commit(3).last_frame
        assert writer.checkpoint("PASSIVE")[2] == third  # copies up to the reader's commit
    writer.run("UPDATE a SET x = -x")
    commits = read_commits(f"{writer.db}-wal")
    assert commits.backfilled == third
    states = writer.current()
    assert sorted(states) == [1, 2, 3, 4, 5, 6]
    for k in (2, 3, 4, 5, 6):  # at or after nBackfill, or every page from the WAL
        assert as_of(writer.db, k) == states[k]

    def rows(k: int, table: str) -> list[tuple[object, ...]]:
        return next(rows for name, _, rows in states[k] if name == f"table {table}")

    # As of commit 1, a's page comes from commit 1's frame: exact...
    assert as_of(writer.db, 1, "SELECT * FROM a ORDER BY rowid")[0][2] == rows(1, "a")
    # ...but t's page is only in the file, where the checkpoint put commit 2's version.
    with pytest.raises(NotReconstructableError, match=r"page \d+ was checkpointed after commit 1"):
        as_of(writer.db, 1, "SELECT * FROM t")
    with pytest.raises(NotReconstructableError, match="checkpointed after commit 0"):
        as_of(writer.db, 0, "SELECT * FROM a")


def test_across_a_wal_reset(writer: RecordingWriter) -> None:
    writer.run("CREATE TABLE t (x)", "INSERT INTO t VALUES (1)")
    writer.run("INSERT INTO t VALUES (2)")
    old = AsOfSnapshot(writer.db, 1)  # opened before the reset, read after it
    try:
        assert writer.checkpoint("RESTART")[0] == 0
        writer.run("INSERT INTO t VALUES (3)")
        writer.run("UPDATE t SET x = x * 10")
        assert assert_every_commit_matches(writer) == 2
        with pytest.raises(NotReconstructableError, match="WAL was reset"):  # noqa: PT012
            con = old.connect()  # SQLite reads page 1 as it opens
            try:
                con.execute("SELECT * FROM t").fetchall()
            finally:
                con.close()
    finally:
        old.close()


def test_no_such_commit(writer: RecordingWriter) -> None:
    writer.run("CREATE TABLE t (x)")
    with pytest.raises(
        NotReconstructableError, match=r"no commit 5 in the WAL: it holds commit 1$"
    ):
        AsOfSnapshot(writer.db, 5)
    assert writer.checkpoint("TRUNCATE")[0] == 0
    with pytest.raises(NotReconstructableError, match="has no WAL"):
        AsOfSnapshot(writer.db, 1)


# Commits three times, then spills a big transaction into the WAL and waits to be killed.
_KILLED_WRITER = """
import sqlite3, sys
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("PRAGMA cache_size=5")
con.execute("PRAGMA wal_autocheckpoint=0")
for i in range(3):
    con.execute("INSERT INTO t VALUES (?, randomblob(300))", (i,))
con.execute("BEGIN")
for i in range(300):
    con.execute("UPDATE t SET v = randomblob(700) WHERE k = ?", (i % 3,))
    con.execute("INSERT INTO t VALUES (?, randomblob(500))", (100 + i,))
print("ready", flush=True)
sys.stdin.readline()
"""


def test_a_torn_tail_after_kill_9(writer: RecordingWriter) -> None:
    writer.run("CREATE TABLE t (k INTEGER, v BLOB)")
    kill_when_ready(_KILLED_WRITER, str(writer.db))
    commits = read_commits(f"{writer.db}-wal")
    assert len(commits.commits) == 4
    # The dead transaction's frames follow (SQLite rewrites a spilled page's frame in place
    # and fixes the checksums only at commit, so they may fail the checksum chain as well).
    frames_in_file = (Path(f"{writer.db}-wal").stat().st_size - 32) // (4096 + 24)
    assert frames_in_file > commits.last_commit_frame + 10
    rows = as_of(writer.db, 4, "SELECT k, length(v) FROM t ORDER BY rowid")[0][2]
    assert rows == [(0, 300), (1, 300), (2, 300)]
    assert as_of(writer.db, 1, "SELECT count(*) FROM t")[0][2] == [(0,)]


# Another process: a write and a TRUNCATE checkpoint, which waits for no one (busy_timeout 0).
_WRITE_AND_CHECKPOINT = """
import sqlite3, sys
con = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=0)
con.execute("PRAGMA wal_autocheckpoint=0")
con.execute("INSERT INTO t VALUES (1)")
print(*con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone())
"""


def test_reads_change_no_byte_and_take_no_lock(writer: RecordingWriter) -> None:
    writer.run(
        "CREATE TABLE t (x)", *[f"INSERT INTO t VALUES (randomblob({i * 30}))" for i in range(100)]
    )
    writer.run("UPDATE t SET x = NULL WHERE rowid % 3 = 0")
    before = digests(writer.db)
    assert before["-wal"] is not None and before["-shm"] is not None
    files = [Path(f"{writer.db}{suffix}") for suffix in ("", "-wal", "-shm")]
    # The writer's own locks (a shared lock on the database file, the -shm's dead man switch)
    locks = [posix_locks(path, os.getpid()) for path in files]
    assert locks[0] and locks[2]
    with AsOfSnapshot(writer.db, 1) as snapshot:
        con = snapshot.connect()
        con.execute("BEGIN")
        assert con.execute("SELECT count(x) FROM t").fetchall() == [(100,)]
        for commit in (1, 2):
            as_of(writer.db, commit)
        assert digests(writer.db) == before
        # no lock taken, and none of the writer's dropped by a descriptor closed
        assert [posix_locks(path, os.getpid()) for path in files] == locks
        # A reader of the past holds up neither a writer nor a full checkpoint.
        done = subprocess.run(
            [sys.executable, "-c", _WRITE_AND_CHECKPOINT, str(writer.db)],
            capture_output=True,
            text=True,
            check=True,
        )
        assert done.stdout.split() == ["0", "0", "0"]  # not busy; the WAL is empty
        assert Path(f"{writer.db}-wal").stat().st_size == 0
        con.execute("COMMIT")
        con.close()
    writer.run("INSERT INTO t VALUES (2)")
    after = digests(writer.db)
    as_of(writer.db, 1)
    assert digests(writer.db) == after


# Commits forever: commit i sets the rows of one band of t (30 rows, a few pages) to a new
# counter, kept in meta for that band; so in any state SQLite committed, every row of a band
# holds its band's counter in meta, and a page of a band read from the wrong commit shows.
# Checkpoints (PASSIVE, now and then TRUNCATE) run between commits.
_CHURN = """
import sqlite3, sys
con = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=0)
con.execute("PRAGMA wal_autocheckpoint=0")
print("ready", flush=True)
i = 0
while True:
    band = i % 10
    con.execute("BEGIN IMMEDIATE")
    con.execute("UPDATE meta SET c = ? WHERE band = ?", (i + 1, band))
    con.execute("UPDATE t SET v = ? WHERE id / 30 = ?", (i + 1, band))
    con.execute("COMMIT")
    i += 1
    if i % 7 == 0:
        con.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()
    if i % 300 == 0:
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
"""


def test_under_a_concurrent_writer_and_checkpoints_exact_or_refused(tmp_path: Path) -> None:
    db = tmp_path / "churn.db"
    setup = sqlite3.connect(db, isolation_level=None)
    setup.execute("PRAGMA page_size=512")
    setup.execute("PRAGMA journal_mode=WAL")
    setup.execute("CREATE TABLE meta (band INTEGER PRIMARY KEY, c INTEGER)")
    setup.executemany("INSERT INTO meta VALUES (?, 0)", [(b,) for b in range(10)])
    setup.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v INTEGER, pad TEXT)")
    setup.executemany("INSERT INTO t VALUES (?, 0, ?)", [(i, "x" * 40) for i in range(300)])
    setup.close()
    proc = subprocess.Popen(
        [sys.executable, "-c", _CHURN, str(db)], stdout=subprocess.PIPE, text=True
    )
    exact = refused = 0
    rng = random.Random(5)
    try:
        assert proc.stdout is not None
        assert proc.stdout.readline().strip() == "ready"
        while exact < 60 or refused < 5:
            commits = read_commits(f"{db}-wal")
            if not commits.commits:
                continue
            k = rng.randint(0, len(commits.commits))
            try:
                with AsOfSnapshot(db, k) as snapshot:
                    con = snapshot.connect()
                    try:
                        bands = con.execute(
                            "SELECT id / 30, min(v), max(v) FROM t GROUP BY 1 ORDER BY 1"
                        ).fetchall()
                        meta = con.execute("SELECT band, c, c FROM meta ORDER BY 1").fetchall()
                    finally:
                        con.close()
            except NotReconstructableError:
                refused += 1
                continue
            assert bands == meta, k
            exact += 1
            assert exact + refused < 20000, "the writer does not seem to commit"
    finally:
        proc.kill()
        proc.wait()


def test_a_copy_without_its_shm_checks_file_pages_by_their_bytes(
    tmp_path: Path, writer: RecordingWriter
) -> None:
    writer.run("CREATE TABLE t (x)", "CREATE TABLE u (y)", "INSERT INTO t VALUES (0)")
    writer.run("INSERT INTO u VALUES (0)")
    assert writer.checkpoint("TRUNCATE")[0] == 0  # both tables in the file
    writer.run("UPDATE t SET x = 1")  # commit 1: t's page
    writer.run("UPDATE u SET y = 2")  # commit 2: u's page
    writer.run("UPDATE t SET x = 3")  # commit 3: t's page
    copy = tmp_path / "copy"
    copy.mkdir()
    # A bug report's attachments: no -shm. (Copied by another process: closing a descriptor
    # of the database here would drop the writer's locks.)
    for suffix in ("", "-wal"):
        subprocess.run(["cp", f"{writer.db}{suffix}", str(copy)], check=True)
    states = writer.current()
    for k in (2, 3):  # every page the state needs is in frames up to k
        assert as_of(copy / "h.db", k) == states[k]
    # Nothing says how far checkpoints got, but u's page in the file (rewritten by commit 2)
    # equals none of its frames: no checkpoint copied it, so the file's page is u as of 1.
    assert as_of(copy / "h.db", 1) == states[1]


def test_the_label_of_a_past_state_groups_the_count_of_commits() -> None:
    """As every count is shown elsewhere: 20,002, not 20002 (hostile 13-12, F16)."""
    from tui.db.as_of_engine import as_of_label

    assert as_of_label(4, 20002) == "as of commit 4 (of 20,002)"
    assert as_of_label(0, 1500) == "before commit 1 (of 1,500)"
