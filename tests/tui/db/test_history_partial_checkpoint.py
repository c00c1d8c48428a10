"""A partial checkpoint under a reader pinned at commit 3 copies commits 1 to 3 into the
database file, over the versions earlier commits' details need. The detail of such a commit
names only the b-trees of the pages it wrote, each saying its rows cannot be known; never a
table it did not write, never rows with values of a later commit. Commits whose states are
still known list exactly what a backup copy taken after each commit shows
(hostile 13-12, finding 4)."""

from __future__ import annotations

import shutil
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from tests.tui.db.historyhelpers import decoded_diff, real_diff
from tui.db.row_changes import commit_changes
from tui.db.wal_history import HistoryBuilder
from tui.text.wal_history import changes_lines

# The tester's make_ckpt.py, in another process: acct (50 rows) and newt (WITHOUT ROWID)
# checkpointed, then commit 1 inserts into newt, 2 creates h, 3 fills it; a reader pinned at
# 3; 4 updates h, 5 updates acct; PASSIVE copies commits 1-3; 6 updates h. A backup copy
# after each commit is the truth. It exits without closing: the -wal stays.
WRITER = """
import os, sqlite3, sys
db, copies = sys.argv[1], sys.argv[2]
con = sqlite3.connect(db, isolation_level=None)
con.execute("PRAGMA journal_mode=WAL"); con.execute("PRAGMA wal_autocheckpoint=0")
con.execute("CREATE TABLE acct (id INTEGER PRIMARY KEY, bal INTEGER)")
con.executemany("INSERT INTO acct VALUES (?, ?)", [(i, i * 10) for i in range(1, 51)])
con.execute("CREATE TABLE newt (a PRIMARY KEY, b) WITHOUT ROWID")
con.execute("INSERT INTO newt VALUES ('k', 1)")
con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
def copy(number):
    dest = sqlite3.connect(f"{copies}/{number}.db"); con.backup(dest); dest.close()
copy(0)
con.execute("INSERT INTO newt VALUES ('k2', 2)"); copy(1)
con.execute("CREATE TABLE h (id INTEGER PRIMARY KEY, v TEXT)"); copy(2)
con.execute("INSERT INTO h VALUES (1, 'a'), (2, 'b'), (3, 'c')"); copy(3)
reader = sqlite3.connect(db, isolation_level=None)
reader.execute("BEGIN"); reader.execute("SELECT count(*) FROM h").fetchall()
con.execute("UPDATE h SET v = 'x' WHERE id = 1"); copy(4)
con.execute("UPDATE acct SET bal = 999 WHERE id = 5"); copy(5)
assert con.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone() == (0, 6, 4)
reader.execute("COMMIT"); reader.close()
con.execute("UPDATE h SET v = 'y' WHERE id = 2"); copy(6)
os._exit(0)
"""

# What each commit wrote, by table, from the backup copies.
WRITTEN = {1: {"newt"}, 2: {"h", "sqlite_schema"}, 3: {"h"}, 4: {"h"}, 5: {"acct"}, 6: {"h"}}


@pytest.fixture(params=["shm", "no shm"])
def db(tmp_path: Path, request: pytest.FixtureRequest) -> Path:
    path = tmp_path / "ckpt.db"
    copies = tmp_path / "copies"
    copies.mkdir()
    subprocess.run([sys.executable, "-c", WRITER, str(path), str(copies)], check=True)
    if request.param == "no shm":
        other = tmp_path / "other" / "ckpt.db"
        other.parent.mkdir()
        for suffix in ("", "-wal"):
            shutil.copy(f"{path}{suffix}", f"{other}{suffix}")
        shutil.copytree(copies, other.parent / "copies")
        return other
    return path


def test_each_commit_lists_what_it_did_or_says_it_cannot_be_known(db: Path) -> None:
    builder = HistoryBuilder(db)
    history = builder.refresh()
    assert len(history.commits) == 6
    copies = db.parent / "copies"
    # Never a table the commit did not write (commit 2 listed acct's and newt's rows).
    listed = {n: {t.name for t in commit_changes(builder, history, n).trees} for n in WRITTEN}
    assert all(listed[n] <= WRITTEN[n] for n in WRITTEN), listed
    unknown = set()
    for number in range(1, 7):
        changes = commit_changes(builder, history, number)
        for tree in changes.trees:
            if tree.note is not None:
                assert tree.note.startswith("its row changes cannot be known"), tree.note
                assert tree.changes == ()
                unknown.add(number)
            elif tree.kind == "table":
                truth = real_diff(copies / f"{number - 1}.db", copies / f"{number}.db", tree.name)
                assert decoded_diff(changes, tree.name) == truth, (number, tree.name)
        if not changes.trees:
            assert changes.unknown is not None, number
            unknown.add(number)
            text = [line.plain for line in changes_lines(changes)]
            assert any(line.startswith("its row changes cannot be known") for line in text)
    # Commits 1 and 2 needed page 1 as it was before commit 2: the file holds commit 2's.
    assert unknown == {1, 2}
    for number in (3, 4, 5, 6):
        changes = commit_changes(builder, history, number)
        assert [tree.name for tree in changes.trees] == sorted(WRITTEN[number]), number
    # The commit that could not be attributed says why in terms of the checkpoint.
    problem = history.commit(1).problem
    assert problem is not None and "page 1 was checkpointed" in problem, problem


def test_a_past_state_of_such_a_commit_is_refused_or_exact(db: Path) -> None:
    """as-of follows the same rule: state k is read only where no frame after k that was
    copied into the file holds a page it needs."""
    from tui.db.as_of import AsOfSnapshot, NotReconstructableError

    copies = db.parent / "copies"
    refused: list[int] = []
    for number in range(7):
        try:
            with AsOfSnapshot(db, number) as snapshot:
                con = snapshot.connect()
                try:
                    got = {
                        t: con.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall()
                        for (t,) in con.execute(
                            "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY 1"
                        ).fetchall()
                    }
                finally:
                    con.close()
        except NotReconstructableError:
            refused.append(number)
            continue
        truth = sqlite3.connect(copies / f"{number}.db")
        expected = {
            t: truth.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall()
            for (t,) in truth.execute(
                "SELECT name FROM sqlite_schema WHERE type = 'table' ORDER BY 1"
            ).fetchall()
        }
        truth.close()
        assert got == expected, number
    assert refused == [0, 1]  # page 1 as it was before commit 2 is gone


def test_a_history_read_before_the_checkpoint_names_what_it_knew(tmp_path: Path) -> None:
    """A history attributed before the checkpoint (a view left open) keeps commit 1's table,
    and calls it a table, not an index, when the schema around it is no longer known."""
    from tests.tui.db.walhelpers import wal_connection

    db = tmp_path / "open.db"
    con = wal_connection(db)
    con.execute("CREATE TABLE newt (a PRIMARY KEY, b) WITHOUT ROWID")
    con.execute("INSERT INTO newt VALUES ('k', 1)")
    con.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    con.execute("INSERT INTO newt VALUES ('k2', 2)")  # commit 1
    con.execute("CREATE TABLE h (id INTEGER PRIMARY KEY, v TEXT)")  # commit 2
    builder = HistoryBuilder(db)
    builder.refresh()
    reader = sqlite3.connect(db, isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM h").fetchall()
    con.execute("INSERT INTO h VALUES (1, 'a')")  # commit 3
    assert con.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchone() == (0, 4, 3)
    reader.execute("COMMIT")
    reader.close()
    history = builder.refresh()
    changes = commit_changes(builder, history, 1)
    assert [(t.name, t.kind) for t in changes.trees] == [("newt", "table")]
    note = changes.trees[0].note
    assert note is not None and note.startswith("its row changes cannot be known: page"), note
    con.close()
