"""What the history says of a commit that changed the schema, against WALs SQLite writes: a
rename is a rename (rows matched under the table's identity, its root page), a dropped column
is a dropped column (rows compared on the columns left), a DROP and CREATE in one commit is a
re-created table (its rows counted, not matched), each said in words."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.tui.db.historyhelpers import digest
from tests.tui.db.walhelpers import wal_connection
from tui.db.row_changes import UPDATE, CommitChanges, TreeChanges, commit_changes
from tui.db.wal_history import HistoryBuilder
from tui.text.wal_history import changes_lines


@pytest.fixture
def writer(tmp_path: Path) -> Iterator[sqlite3.Connection]:
    """Commit 1 creates t (id, a, b) with an index; commit 2 inserts three rows."""
    con = wal_connection(tmp_path / "s.db")
    con.executescript(
        "BEGIN; CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b BLOB);"
        " CREATE INDEX t_a ON t (a); COMMIT;"
    )
    con.execute("INSERT INTO t VALUES (1, 'one', x'01'), (2, 'two', x'02'), (3, 'three', NULL)")
    yield con
    con.close()


def last_commit(con: sqlite3.Connection, sql: str) -> CommitChanges:
    """Run ``sql`` as one commit; what the history says that commit did."""
    db = Path(con.execute("PRAGMA database_list").fetchone()[2])
    con.executescript(f"BEGIN; {sql}; COMMIT;")
    before = digest(db)
    builder = HistoryBuilder(db)
    history = builder.refresh()
    changes = commit_changes(builder, history, len(history.commits))
    assert digest(db) == before
    return changes


def tree(changes: CommitChanges, name: str) -> TreeChanges:
    found = [t for t in changes.trees if t.name == name]
    assert len(found) == 1, [t.name for t in changes.trees]
    return found[0]


def words(changes: CommitChanges) -> list[str]:
    return [c.words() for c in changes.schema]


def text(changes: CommitChanges) -> str:
    return "\n".join(line.plain for line in changes_lines(changes))


def test_a_rename_is_said_and_its_rows_are_not_deleted_and_inserted(
    writer: sqlite3.Connection,
) -> None:
    changes = last_commit(writer, "ALTER TABLE t RENAME TO u")
    assert words(changes) == ["table t renamed to u"]
    assert "t" not in [t.name for t in changes.trees]  # not "dropped"
    u = tree(changes, "u")
    assert u.identity == "renamed from t" and u.changes == () and u.note is None
    assert "schema: table t renamed to u" in text(changes)
    assert "u (table; renamed from t): no row changed" in text(changes)
    # renamed and one row updated in one commit: one update, matched by rowid
    changes = last_commit(writer, "ALTER TABLE u RENAME TO v; UPDATE v SET a = 'TWO' WHERE id = 2")
    v = tree(changes, "v")
    assert [(c.kind, c.key, c.before, c.after) for c in v.changes] == [
        (UPDATE, (2,), (2, "two", b"\x02"), (2, "TWO", b"\x02"))
    ]


def test_a_dropped_column_is_said_and_rows_compare_on_the_columns_left(
    writer: sqlite3.Connection,
) -> None:
    changes = last_commit(writer, "ALTER TABLE t DROP COLUMN b")
    assert words(changes) == ["table t: columns changed: dropped b"]
    t = tree(changes, "t")
    assert t.columns == ("id", "a")
    assert t.changes == ()  # every row was rewritten without b; no value of id or a changed
    assert "t (table; columns changed: dropped b): no row changed" in text(changes)
    changes = last_commit(
        writer, "ALTER TABLE t ADD COLUMN c DEFAULT 5; UPDATE t SET a = 'uno' WHERE id = 1"
    )
    assert words(changes) == ["table t: columns changed: added c"]
    assert [(c.kind, c.key, c.changed_columns) for c in tree(changes, "t").changes] == [
        (UPDATE, (1,), (1,))
    ]


def test_a_renamed_column_is_said(writer: sqlite3.Connection) -> None:
    changes = last_commit(writer, "ALTER TABLE t RENAME COLUMN a TO z")
    assert words(changes) == ["table t: columns changed: renamed a to z"]


def test_drop_and_create_in_one_commit_is_a_re_created_table(
    writer: sqlite3.Connection,
) -> None:
    changes = last_commit(
        writer,
        "DROP TABLE t; CREATE TABLE t (id INTEGER PRIMARY KEY, z);"
        " INSERT INTO t VALUES (1, 5), (2, 6)",
    )
    assert words(changes)[0] == "table t re-created (dropped and created again)"
    t = tree(changes, "t")
    assert t.changes == ()  # not an update of rows 1 and 2, nor a delete of row 3
    assert t.note is not None
    assert t.note.startswith(
        "table re-created (dropped and created again in this commit): 3 rows before, 2 after"
    )
    # the same with another table in the way (another root page, another schema row)
    writer.execute("CREATE TABLE other (x)")
    changes = last_commit(writer, "DROP TABLE t; CREATE TABLE t (k TEXT PRIMARY KEY)")
    assert "table t re-created (dropped and created again)" in words(changes)
    assert tree(changes, "t").note is not None


def test_created_and_dropped_tables_are_said(writer: sqlite3.Connection) -> None:
    changes = last_commit(writer, "CREATE TABLE w (a, b, PRIMARY KEY (a)) WITHOUT ROWID")
    assert words(changes) == ["table w created"]
    changes = last_commit(writer, "DROP TABLE t")
    assert words(changes) == ["table t dropped", "index t_a dropped"]


def test_a_schema_a_checkpoint_overwrote_is_not_called_empty(tmp_path: Path) -> None:
    """Commit 1's earlier state (the database file) was overwritten by a later checkpoint:
    its schema is unknown, so nothing is said to be created, rather than every table."""
    db = tmp_path / "c.db"
    con = wal_connection(db)
    reader = sqlite3.connect(db, isolation_level=None)
    try:
        con.execute("CREATE TABLE a (x)")
        con.execute("PRAGMA wal_checkpoint(TRUNCATE)")  # a is in the file; the WAL starts over
        con.execute("CREATE TABLE t (y)")  # commit 1
        con.execute("INSERT INTO t VALUES (1)")  # 2
        reader.execute("BEGIN")
        reader.execute("SELECT count(*) FROM t").fetchone()  # the WAL is not started over
        con.execute("PRAGMA wal_checkpoint(PASSIVE)")  # page 1 of commit 2 in the file
        con.execute("INSERT INTO t VALUES (2)")  # 3
        builder = HistoryBuilder(db)
        history = builder.refresh()
        changes = commit_changes(builder, history, 1)
        assert changes.approximate
        assert "table a created" not in words(changes)
    finally:
        reader.close()
        con.close()
