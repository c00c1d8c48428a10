"""A commit whose earlier state of a page was overwritten in the database file by a checkpoint:
its row changes on that page cannot be known, and the history says so instead of "no row
changed", whether the -shm is intact, rebuilt by a later connection (nBackfill 0), or gone.
A past state that needs such a page is refused, saying it was checkpointed only when the -shm
says so; one whose file pages equal none of their later frames is read.

The WAL is the tester's recipe: four commits, the first two checkpointed under a reader that
kept the third from being copied, left by a writer that exited without closing."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.tui.db.asofhelpers import digests
from tui.db.as_of import AsOfSnapshot, NotReconstructableError
from tui.db.no_checkpoint import disable_checkpoint_on_close
from tui.db.row_changes import CommitChanges, commit_changes
from tui.db.wal_history import HistoryBuilder
from tui.text.wal_history import history_summary

WRITER = """
import os, sqlite3, sys
db = sys.argv[1]
con = sqlite3.connect(db, isolation_level=None)
con.execute("PRAGMA page_size=4096")
con.execute("PRAGMA journal_mode=WAL")
con.execute("PRAGMA wal_autocheckpoint=0")
con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v)")
con.execute("BEGIN")
for i in range(1, 401):
    con.execute("INSERT INTO t VALUES (?, ?)", (i, f"orig{i}" + "x" * 50))
con.execute("COMMIT")
con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
con.execute("UPDATE t SET v = 'c2' WHERE id = 1")  # commit 1
con.execute("UPDATE t SET v = 'c3' WHERE id = 390")  # commit 2
reader = sqlite3.connect(db, isolation_level=None)
reader.execute("BEGIN")
reader.execute("SELECT count(*) FROM t").fetchone()
con.execute("UPDATE t SET v = 'c4' WHERE id = 200")  # commit 3
con.execute("PRAGMA wal_checkpoint(PASSIVE)")  # copies commits 1 and 2 only
reader.execute("COMMIT")
con.execute("UPDATE t SET v = 'c5' WHERE id = 2")  # commit 4
os._exit(0)
"""


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = tmp_path / "rc.db"
    subprocess.run([sys.executable, "-c", WRITER, str(path)], check=True)
    return path


def table_t(builder: HistoryBuilder, number: int) -> tuple[CommitChanges, str | None, list[str]]:
    """The commit's changes, and for table t its note and its changes as kind:key:new v."""
    history = builder.refresh()
    changes = commit_changes(builder, history, number)
    tree = next(tree for tree in changes.trees if tree.name == "t")
    listed = [f"{c.kind}:{c.key[0]}:{c.after[1] if c.after else None}" for c in tree.changes]
    return changes, tree.note, listed


def rows_as_of(db: Path, commit: int) -> dict[int, str]:
    with AsOfSnapshot(db, commit) as snapshot:
        con = snapshot.connect()
        try:
            return {
                i: v[:7] for i, v in con.execute("SELECT id, v FROM t WHERE id IN (1, 2, 200, 390)")
            }
        finally:
            con.close()


def check(db: Path, refusal: str) -> None:
    assert rows_as_of(db, 2) == {1: "c2", 2: "orig2xx", 200: "orig200", 390: "c3"}
    assert rows_as_of(db, 3)[200] == "c4"
    with pytest.raises(NotReconstructableError) as refused:
        rows_as_of(db, 0)
    assert str(refused.value) == f"not reconstructable: {refusal}"
    builder = HistoryBuilder(db)
    for number, page in ((1, 3), (2, 9)):
        changes, note, listed = table_t(builder, number)
        assert listed == [] and changes.approximate, number
        assert note is not None and note.startswith(
            f"its row changes cannot be known: page {page} was checkpointed"
        ), note
    # Commits whose earlier pages are still known are exact.
    for number, row in ((3, "update:200:c4"), (4, "update:2:c5")):
        changes, note, listed = table_t(builder, number)
        assert (note, listed, changes.approximate) == (None, [row], False), number


def test_with_the_shm_as_the_checkpoint_left_it(db: Path) -> None:
    before = digests(db)
    check(
        db,
        "page 3 was checkpointed after commit 0 (the database file holds its version from"
        " commit 1 or later)",
    )
    assert digests(db) == before


def test_with_the_shm_rebuilt_by_a_later_connection(db: Path) -> None:
    con = sqlite3.connect(db, isolation_level=None)
    assert disable_checkpoint_on_close(con)
    con.execute("SELECT count(*) FROM t").fetchone()  # the first opener rebuilds the -shm
    con.close()
    check(
        db,
        "cannot tell whether page 3 was checkpointed after commit 0: the -shm says only that a"
        " checkpoint may have copied it (a checkpoint under way or interrupted, or a -shm"
        " rebuilt since), and the database file holds the same page as commit 1 wrote",
    )


def test_without_shm(db: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.db"
    shutil.copy(db, copy)
    shutil.copy(f"{db}-wal", f"{copy}-wal")
    check(
        copy,
        "cannot tell whether page 3 was checkpointed after commit 0: there is no -shm to say"
        " how far checkpoints got, and the database file holds the same page as commit 1"
        " wrote",
    )


def test_a_rebuilt_shm_makes_checkpoint_progress_unsure(db: Path) -> None:
    """Rebuilt, the -shm says nBackfill 0 and nBackfillAttempted 4: commits 1 and 2 are in
    the file, but nothing says so; "no" would be false, "yes" a guess."""
    history = HistoryBuilder(db).refresh()
    assert [history.is_checkpointed(c) for c in history.commits] == [True, True, False, False]
    con = sqlite3.connect(db, isolation_level=None)
    assert disable_checkpoint_on_close(con)
    con.execute("SELECT count(*) FROM t").fetchone()
    con.close()
    history = HistoryBuilder(db).refresh()
    assert (history.backfilled, history.backfill_unsure) == (0, 4)
    assert [history.is_checkpointed(c) for c in history.commits] == [None] * 4
    text = history_summary(history).plain.splitlines()[0]
    assert text.endswith(
        " · checkpointed up to frame 0, perhaps up to frame 4 (a rebuilt wal-index, or a"
        " checkpoint under way)"
    ), text
