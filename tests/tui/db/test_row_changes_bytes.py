"""Row changes compare records as bytes first and decode only those that differ: a record
rewritten with the same values (longer, after ADD COLUMN) is no update, a change of storage
class is, and a commit of many rows lists each once; an index lists only its changed entries."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.tui.db.walhelpers import wal_connection
from tui.db.row_changes import DELETE, INSERT, UPDATE, commit_changes
from tui.db.wal_history import HistoryBuilder


def test_same_values_in_other_bytes_are_no_update(tmp_path: Path) -> None:
    db = tmp_path / "b.db"
    con = wal_connection(db)
    try:
        con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v)")
        con.execute("INSERT INTO t (v) VALUES (1), (2), (3)")
        con.execute("ALTER TABLE t ADD COLUMN w DEFAULT 'd'")
        # Rewrites every record with w stored; only row 2's values change, row 3's storage
        # class (integer 3 -> real 3.0).
        con.execute("UPDATE t SET v = CASE id WHEN 2 THEN 20 WHEN 3 THEN 3.0 ELSE v END")
        con.execute("BEGIN")
        con.executemany("INSERT INTO t (v) VALUES (?)", [(i,) for i in range(2000)])
        con.execute("COMMIT")
        builder = HistoryBuilder(db)
        history = builder.refresh()
        update = commit_changes(builder, history, 4)
        insert = commit_changes(builder, history, 5)
    finally:
        con.close()
    (tree,) = [t for t in update.trees if t.name == "t"]
    assert [(c.kind, c.key) for c in tree.changes] == [(UPDATE, (2,)), (UPDATE, (3,))]
    assert tree.changes[0].before == (2, 2, "d") and tree.changes[0].after == (2, 20, "d")
    assert tree.changes[1].changed_columns == (1,)
    (tree,) = [t for t in insert.trees if t.name == "t"]
    assert [c.key for c in tree.changes] == [(i,) for i in range(4, 2004)]
    assert {c.kind for c in tree.changes} == {INSERT}


def test_index_entries_added_and_removed_are_those_that_changed(tmp_path: Path) -> None:
    db = tmp_path / "i.db"
    con = wal_connection(db)
    try:
        con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, n)")
        con.execute("CREATE INDEX t_name ON t (name)")
        con.execute("BEGIN")
        con.executemany(
            "INSERT INTO t (name, n) VALUES (?, ?)", [(f"n{i % 50}", i) for i in range(400)]
        )
        con.execute("COMMIT")
        # One entry changes its value, one row's n changes (its index entry does not).
        con.execute("UPDATE t SET name = 'renamed' WHERE id = 7")
        con.execute("UPDATE t SET n = -1 WHERE id = 8")
        builder = HistoryBuilder(db)
        history = builder.refresh()
        first = commit_changes(builder, history, 4)
        second = commit_changes(builder, history, 5)
        entries = con.execute("SELECT name, id FROM t ORDER BY name, id").fetchall()
    finally:
        con.close()
    (index,) = [t for t in first.trees if t.name == "t_name"]
    assert [(c.kind, c.key) for c in index.changes] == [
        (DELETE, ("n6", 7)),
        (INSERT, ("renamed", 7)),
    ]
    for _, low, high in index.key_ranges:
        assert low <= high and (low in map(tuple, entries)) and (high in map(tuple, entries))
    assert all(t.name != "t_name" for t in second.trees)


def test_a_read_of_changes_stops_when_told(tmp_path: Path) -> None:
    import threading

    from tui.db.row_changes import Cancelled

    db = tmp_path / "c.db"
    con = wal_connection(db)
    try:
        con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v)")
        con.execute("BEGIN")
        con.executemany("INSERT INTO t (v) VALUES (?)", [(i,) for i in range(5000)])
        con.execute("COMMIT")
        builder = HistoryBuilder(db)
        history = builder.refresh()
        stop = threading.Event()
        stop.set()
        with pytest.raises(Cancelled):
            commit_changes(builder, history, 2, stop=stop)
        changes = commit_changes(builder, history, 2, stop=threading.Event())
    finally:
        con.close()
    (tree,) = [t for t in changes.trees if t.name == "t"]
    assert len(tree.changes) == 5000
