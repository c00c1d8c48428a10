"""A commit whose earlier state of a page was overwritten in the database file by a checkpoint:
its row changes on that page cannot be known, and the history says so instead of "no row
changed", whether the -shm is intact, rebuilt by a later connection (nBackfill 0), or gone.

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
from tui.db.no_checkpoint import disable_checkpoint_on_close
from tui.db.row_changes import CommitChanges, commit_changes
from tui.db.wal_history import HistoryBuilder

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


def check(db: Path) -> None:
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
    check(db)
    assert digests(db) == before


def test_with_the_shm_rebuilt_by_a_later_connection(db: Path) -> None:
    con = sqlite3.connect(db, isolation_level=None)
    assert disable_checkpoint_on_close(con)
    con.execute("SELECT count(*) FROM t").fetchone()  # the first opener rebuilds the -shm
    con.close()
    check(db)


def test_without_shm(db: Path, tmp_path: Path) -> None:
    copy = tmp_path / "copy.db"
    shutil.copy(db, copy)
    shutil.copy(f"{db}-wal", f"{copy}-wal")
    check(copy)
