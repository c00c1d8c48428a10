"""Row changes compare records as bytes first and decode only those that differ: a record
rewritten with the same values (longer, after ADD COLUMN) is no update, a change of storage
class is, and a commit of many rows lists each once."""

from __future__ import annotations

from pathlib import Path

from tests.tui.db.walhelpers import wal_connection
from tui.db.row_changes import INSERT, UPDATE, commit_changes
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
