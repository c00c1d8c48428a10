"""The WAL history against WALs SQLite writes: for every commit, the rows the history decodes
as inserted, updated and deleted equal the difference between two copies SQLite's backup API
took right before and right after that commit, and the tables a commit touched are those
dbstat names for its pages in the copy. The files are never changed."""

from __future__ import annotations

import sqlite3
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tests.tui.db.historyhelpers import (
    Recorder,
    decoded_diff,
    digest,
    page_owners,
    real_diff,
    tables,
)
from tests.tui.db.walhelpers import kill_when_ready
from tui.db.row_changes import DELETE, UPDATE, commit_changes
from tui.db.wal_history import FREELIST, POINTER_MAP, HistoryBuilder, WalHistory


@pytest.fixture
def recorder(tmp_path: Path) -> Iterator[Recorder]:
    rec = Recorder(tmp_path / "h.db")
    yield rec
    rec.close()


def check_every_commit(
    rec: Recorder,
    history: WalHistory,
    builder: HistoryBuilder,
    approximate: frozenset[int] = frozenset(),
) -> None:
    """Each commit's decoded rows equal the copies' difference; owners equal dbstat's.

    Commits in ``approximate`` must say that their earlier state was partly overwritten by a
    checkpoint (and are not compared); every other commit must be exact.
    """
    assert [c.number for c in history.commits] == list(range(1, len(history.commits) + 1))
    for commit in history.commits:
        if commit.number not in rec.copies:
            continue
        after = rec.copies[commit.number]
        before = rec.copies.get(commit.number - 1)
        changes = commit_changes(builder, history, commit.number)
        assert changes.approximate == (commit.number in approximate), commit.number
        if changes.approximate:
            continue
        for table in tables(after):
            assert decoded_diff(changes, table) == real_diff(before, after, table), (
                commit.number,
                table,
            )
        owners = page_owners(after)
        for touched in commit.touched:
            for page in touched.pages:
                if touched.kind in ("table", "index", "sqlite_schema"):
                    assert owners.get(page) == touched.name, (commit.number, page)
                else:
                    assert page not in owners, (commit.number, page, touched.kind)


@pytest.mark.parametrize("page_size", [512, 4096, 65536])
def test_inserts_updates_deletes_and_overflow(tmp_path: Path, page_size: int) -> None:
    rec = Recorder(tmp_path / "h.db", page_size)
    try:
        rec.run("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, v)")
        rec.run("CREATE INDEX t_name ON t (name)")
        rec.run("CREATE TABLE plain (a, b)")  # no rowid alias
        rec.run(
            "INSERT INTO t (name, v) VALUES (?, ?)", many=[(f"n{i}", i * 1.5) for i in range(300)]
        )
        rec.run("INSERT INTO plain VALUES (?, ?)", many=[(i, "x" * (i % 50)) for i in range(200)])
        big = "é" * (page_size + 10)
        rec.run("INSERT INTO t (name, v) VALUES ('big', ?)", big)  # overflow pages
        rec.run("INSERT INTO t (name, v) VALUES ('blob', randomblob(?))", 3 * page_size)
        rec.run("UPDATE t SET v = 'now text', name = NULL WHERE id % 7 = 0")
        rec.run("UPDATE t SET v = ? WHERE name = 'big'", "shorter")  # frees the overflow chain
        rec.run("DELETE FROM t WHERE id BETWEEN 20 AND 200")  # frees leaf pages unwritten
        rec.run("UPDATE plain SET b = X'00FF' WHERE a < 3")
        rec.run("DELETE FROM plain WHERE a % 2 = 1")
        before = digest(rec.db)
        builder = HistoryBuilder(rec.db)
        history = builder.refresh()
        check_every_commit(rec, history, builder)
        assert digest(rec.db) == before
        assert history.generation_number == 1 and history.uncommitted_frames == 0
        assert all(history.is_checkpointed(c) is False for c in history.commits)
    finally:
        rec.close()


def test_an_update_lists_old_and_new_values(recorder: Recorder) -> None:
    recorder.run("CREATE TABLE t (id INTEGER PRIMARY KEY, a, b)")
    recorder.run("INSERT INTO t VALUES (1, 'x', 1), (2, 'y', 2)")
    number = recorder.run("UPDATE t SET b = '1' WHERE id = 1")  # integer 1 -> text '1'
    builder = HistoryBuilder(recorder.db)
    history = builder.refresh()
    (tree,) = [t for t in commit_changes(builder, history, number).trees if t.name == "t"]
    (change,) = tree.changes
    assert (change.kind, change.key, change.before, change.after) == (
        UPDATE, (1,), (1, "x", 1), (1, "x", "1"),
    )  # fmt: skip
    assert change.changed_columns == (2,)
    assert tree.columns == ("id", "a", "b")


def test_a_page_moves_to_another_btree(recorder: Recorder) -> None:
    """DROP TABLE frees its pages; the next CREATE and inserts reuse them: each commit names
    the owner the pages had as of that commit."""
    recorder.run("CREATE TABLE old (v)")
    recorder.run("INSERT INTO old VALUES (?)", many=[("o" * 500,)] * 100)
    drop = recorder.run("DROP TABLE old")
    recorder.run("CREATE TABLE new (v)")
    reuse = recorder.run("INSERT INTO new VALUES (?)", many=[("n" * 500,)] * 100)
    builder = HistoryBuilder(recorder.db)
    history = builder.refresh()
    check_every_commit(recorder, history, builder)
    old_pages = {p for t in history.commit(2).touched if t.name == "old" for p in t.pages}
    new_pages = {p for t in history.commit(reuse).touched if t.name == "new" for p in t.pages}
    assert old_pages & new_pages  # the same page numbers, first in old, then in new
    assert FREELIST in {t.kind for t in history.commit(drop).touched}
    (gone,) = [t for t in commit_changes(builder, history, drop).trees if t.name == "old"]
    assert gone.note is not None and gone.note.startswith("dropped")


def test_without_rowid_tables_and_indexes(recorder: Recorder) -> None:
    recorder.run("CREATE TABLE w (k TEXT, n INTEGER, v, PRIMARY KEY (n, k)) WITHOUT ROWID")
    recorder.run("INSERT INTO w VALUES (?, ?, ?)", many=[(f"k{i}", i % 3, i) for i in range(50)])
    number = recorder.run("UPDATE w SET v = 'new' WHERE k = 'k4'")
    deleted = recorder.run("DELETE FROM w WHERE k = 'k5'")
    builder = HistoryBuilder(recorder.db)
    history = builder.refresh()
    (tree,) = commit_changes(builder, history, number).trees
    assert tree.kind == "without rowid" and tree.columns == ("n", "k", "v")
    assert [(c.kind, c.key, c.before, c.after) for c in tree.changes] == [
        (UPDATE, (1, "k4"), (1, "k4", 4), (1, "k4", "new"))
    ]
    assert tree.key_ranges and all(first <= last for _, first, last in tree.key_ranges)
    (tree,) = commit_changes(builder, history, deleted).trees
    assert [(c.kind, c.key) for c in tree.changes] == [(DELETE, (2, "k5"))]


def test_vacuum_in_wal_mode(recorder: Recorder) -> None:
    recorder.run("CREATE TABLE t (a, b)")
    recorder.run("CREATE INDEX t_b ON t (b)")
    recorder.run("INSERT INTO t VALUES (?, ?)", many=[(i, "v" * (i % 300)) for i in range(400)])
    recorder.run("DELETE FROM t WHERE a % 2 = 0")
    vacuum = recorder.run("VACUUM")
    recorder.run("INSERT INTO t VALUES (1000, 'after vacuum')")
    builder = HistoryBuilder(recorder.db)
    history = builder.refresh()
    check_every_commit(recorder, history, builder)
    names = set(history.commit(vacuum).names)
    assert {"t", "t_b", "sqlite_schema"} <= names


def test_a_checkpoint_in_the_middle(recorder: Recorder) -> None:
    recorder.run("CREATE TABLE t (id INTEGER PRIMARY KEY, v)")
    for i in range(5):
        recorder.run("INSERT INTO t (v) VALUES (?)", f"row {i}")
    middle = recorder.commits()
    # A reader keeps the next writer from starting the WAL over once everything is copied.
    reader = sqlite3.connect(recorder.db, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM t").fetchone()
    recorder.con.execute("PRAGMA wal_checkpoint(PASSIVE)")
    recorder.run("UPDATE t SET v = 'changed' WHERE id = 2")
    recorder.run("DELETE FROM t WHERE id = 3")
    reader.close()
    builder = HistoryBuilder(recorder.db)
    history = builder.refresh()
    assert history.backfilled == history.commit(middle).last_frame
    assert [history.is_checkpointed(c) for c in history.commits] == [
        c.number <= middle for c in history.commits
    ]
    # Only the first commit's earlier state (the database file) was overwritten since.
    check_every_commit(recorder, history, builder, approximate=frozenset({1}))


def test_following_the_wal_reads_only_new_commits_and_sees_a_reset(recorder: Recorder) -> None:
    recorder.run("CREATE TABLE t (id INTEGER PRIMARY KEY, v)")
    builder = HistoryBuilder(recorder.db)
    assert len(builder.refresh().commits) == 1
    recorder.run("INSERT INTO t (v) VALUES ('a')")
    recorder.run("INSERT INTO t (v) VALUES ('b')")
    history = builder.refresh()
    assert builder.commits_read == 2 and len(history.commits) == 3
    fresh = HistoryBuilder(recorder.db).refresh()
    assert fresh.commits == history.commits
    stepwise = HistoryBuilder(recorder.db)
    steps = [stepwise.refresh(limit=2), stepwise.refresh(limit=2)]
    assert [(len(s.commits), s.unread_commits) for s in steps] == [(2, 1), (3, 0)]
    assert steps[-1].commits == history.commits
    assert builder.refresh().commits == history.commits and builder.commits_read == 0
    recorder.con.execute("PRAGMA wal_checkpoint(RESTART)")
    recorder.new_generation()
    recorder.run("INSERT INTO t (v) VALUES ('c')")
    recorder.run("UPDATE t SET v = 'B' WHERE v = 'b'")
    history = builder.refresh()
    assert history.generation_number == 2 and history.generation != fresh.generation
    assert len(history.commits) == 2
    check_every_commit(recorder, history, builder)


WRITER = """
import os, sqlite3, sys
con = sqlite3.connect(sys.argv[1], isolation_level=None)
con.execute("PRAGMA wal_autocheckpoint=0")
con.execute("PRAGMA cache_size=2")  # spill the big transaction's pages into the WAL
con.execute("BEGIN")
for i in range(2000):
    con.execute("INSERT INTO t (v) VALUES (?)", ("x" * 300,))
print("ready", flush=True)
sys.stdin.readline()
"""


def test_a_torn_tail_after_kill_9_is_never_counted(recorder: Recorder) -> None:
    recorder.run("CREATE TABLE t (id INTEGER PRIMARY KEY, v)")
    recorder.run("INSERT INTO t (v) VALUES ('kept')")
    kill_when_ready(WRITER, str(recorder.db))
    builder = HistoryBuilder(recorder.db)
    history = builder.refresh()
    assert len(history.commits) == 2
    assert history.uncommitted_frames > 0
    check_every_commit(recorder, history, builder)


def test_the_history_of_a_database_without_wal(tmp_path: Path) -> None:
    history = HistoryBuilder(tmp_path / "none.db").refresh()
    assert history.commits == () and history.generation is None
    with pytest.raises(LookupError, match="holds no commit"):
        history.commit(1)


def test_pointer_map_pages_of_an_auto_vacuum_database(tmp_path: Path) -> None:
    """In auto-vacuum mode, commits write pointer-map pages, named as such; a DELETE that
    frees pages moves others (auto-vacuum) and still decodes as SQLite's copies say."""
    rec = Recorder(tmp_path / "a.db", 512, auto_vacuum=True)
    try:
        rec.run("CREATE TABLE t (id INTEGER PRIMARY KEY, v)")
        rec.run("CREATE TABLE u (v)")
        rec.run("INSERT INTO t (v) VALUES (?)", many=[("x" * 300,)] * 60)
        rec.run("INSERT INTO u VALUES (?)", many=[("u" * 200,)] * 30)
        rec.run("DELETE FROM t WHERE id % 2 = 0")
        builder = HistoryBuilder(rec.db)
        history = builder.refresh()
        check_every_commit(rec, history, builder)
        kinds = {t.kind for c in history.commits for t in c.touched}
        assert POINTER_MAP in kinds
    finally:
        rec.close()


_OPERATIONS = st.lists(
    st.one_of(
        st.tuples(st.just("insert"), st.integers(1, 30), st.integers(0, 1500)),
        st.tuples(st.just("update"), st.integers(0, 9), st.integers(0, 1500)),
        st.tuples(st.just("delete"), st.integers(0, 9), st.just(0)),
        st.tuples(st.just("checkpoint"), st.just(0), st.just(0)),
    ),
    min_size=1,
    max_size=12,
)


@settings(max_examples=15, deadline=None)
@given(operations=_OPERATIONS)
def test_random_writes_and_checkpoints_decode_as_sqlite_says(
    operations: list[tuple[str, int, int]],
) -> None:
    """Random inserts, updates, deletes (values up to three 512-byte pages long) and passive
    checkpoints under a reader: every commit whose earlier state is still known decodes to
    the difference SQLite's copies show."""
    with tempfile.TemporaryDirectory() as directory:
        rec = Recorder(Path(directory) / "p.db", 512)
        reader = sqlite3.connect(rec.db, isolation_level=None)
        try:
            rec.run("CREATE TABLE t (id INTEGER PRIMARY KEY, k, v)")
            rec.run("CREATE INDEX t_k ON t (k)")
            reader.execute("BEGIN")  # keeps checkpoints from letting the WAL start over
            reader.execute("SELECT count(*) FROM t").fetchone()
            for op, a, b in operations:
                if op == "insert":
                    rec.run(
                        "INSERT INTO t (k, v) VALUES (?, ?)",
                        many=[(i % 7, "z" * b) for i in range(a)],
                    )
                elif op == "update":
                    rec.run("UPDATE t SET v = ?, k = k + 1 WHERE id % 10 = ?", "y" * b, a)
                elif op == "delete":
                    rec.run("DELETE FROM t WHERE id % 10 = ?", a)
                else:
                    rec.con.execute("PRAGMA wal_checkpoint(PASSIVE)")
            builder = HistoryBuilder(rec.db)
            history = builder.refresh()
            for commit in history.commits:
                changes = commit_changes(builder, history, commit.number)
                if changes.approximate or commit.number not in rec.copies:
                    continue
                before = rec.copies.get(commit.number - 1)
                after = rec.copies[commit.number]
                assert decoded_diff(changes, "t") == real_diff(before, after, "t")
        finally:
            reader.close()
            rec.close()


def test_rows_written_before_add_column_take_its_default(recorder: Recorder) -> None:
    """A record written before ALTER TABLE ADD COLUMN has fewer fields: the history shows the
    column's default, as SQLite returns it."""
    recorder.run("CREATE TABLE t (id INTEGER PRIMARY KEY, a)")
    recorder.run("INSERT INTO t (a) VALUES ('old')")
    recorder.run("ALTER TABLE t ADD COLUMN b TEXT DEFAULT 'dflt'")
    recorder.run("ALTER TABLE t ADD COLUMN c")
    number = recorder.run("UPDATE t SET a = 'new'")
    builder = HistoryBuilder(recorder.db)
    history = builder.refresh()
    check_every_commit(recorder, history, builder)
    (tree,) = [t for t in commit_changes(builder, history, number).trees if t.name == "t"]
    (change,) = tree.changes
    assert change.before == (1, "old", "dflt", None)
    assert change.after == (1, "new", "dflt", None)
    assert tree.columns == ("id", "a", "b", "c")


def test_generated_columns_virtual_ones_are_not_stored(recorder: Recorder) -> None:
    """A STORED generated column is in the record, in its place; a VIRTUAL one is not stored,
    so the history lists the stored columns only (their values as SQLite returns them)."""
    recorder.run(
        "CREATE TABLE g (id INTEGER PRIMARY KEY, a INTEGER, v INTEGER AS (a * 2) VIRTUAL,"
        " s INTEGER AS (a + 1) STORED, b TEXT)"
    )
    number = recorder.run("INSERT INTO g (a, b) VALUES (5, 'x')")
    builder = HistoryBuilder(recorder.db)
    history = builder.refresh()
    (tree,) = [t for t in commit_changes(builder, history, number).trees if t.name == "g"]
    assert tree.columns == ("id", "a", "s", "b")
    (change,) = tree.changes
    copy = sqlite3.connect(recorder.copies[number])
    assert change.after == copy.execute("SELECT id, a, s, b FROM g").fetchone()
    copy.close()
