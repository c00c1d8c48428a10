"""Rows that differ between two commits (or a commit and now), against the differences of
backup copies SQLite took right after each commit."""

from __future__ import annotations

import random
import sqlite3
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.tui.db.asofhelpers import Dump, RecordingWriter, reference
from tui.db.as_of import NotReconstructableError
from tui.db.row_diff import DiffError, RowDifference, TableDiff

TYPES = ("integer", "real", "text", "blob")
Expected = set[tuple[str, tuple[Any, ...], tuple[Any, ...] | None, tuple[Any, ...] | None]]


def table_rows(state: Dump, table: str) -> dict[Any, tuple[Any, ...]] | None:
    """The rows of ``table`` in a dump, by their first column (the key in these tests)."""
    for name, _, rows in state:
        if name == f"table {table}":
            return {row[0]: row for row in rows}
    return None


def expected(before: Dump, after: Dump, table: str) -> Expected:
    old, new = table_rows(before, table) or {}, table_rows(after, table) or {}
    out: Expected = set()
    for key in old.keys() - new.keys():
        out.add(("deleted", (key,), old[key], None))
    for key in new.keys() - old.keys():
        out.add(("inserted", (key,), None, new[key]))
    for key in old.keys() & new.keys():
        if [(type(v), v) for v in old[key]] != [(type(v), v) for v in new[key]]:
            out.add(("updated", (key,), old[key], new[key]))
    return out


def got(diff: TableDiff) -> tuple[Expected, list[RowDifference]]:
    changes = list(diff)
    return {(c.kind, c.key, c.before, c.after) for c in changes}, changes


@pytest.fixture
def writer(tmp_path: Path) -> Iterator[RecordingWriter]:
    w = RecordingWriter(tmp_path / "d.db", 1024)
    yield w
    w.close()


def test_every_pair_of_commits_and_now(writer: RecordingWriter) -> None:
    rng = random.Random(13)
    writer.run("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, v)")
    writer.run(
        "CREATE TABLE k (key PRIMARY KEY, v) WITHOUT ROWID",
        # Keys of every storage class, ordered as SQLite orders them: numbers, text, blobs.
        *[
            ("INSERT INTO k VALUES (?, ?)", (key, 1))
            for key in (3, 2.5, -7, "b", "a", "é", b"\x00", b"z")
        ],
    )
    for step in range(12):
        statements: list[Any] = []
        for _ in range(rng.randint(1, 6)):
            n = rng.randint(1, 120)
            statements.append(
                rng.choice(
                    [
                        (
                            "INSERT OR REPLACE INTO t VALUES (?, ?, randomblob(?))",
                            (n, f"n{n}", n * 20),
                        ),
                        ("UPDATE t SET name = ? WHERE id % 7 = ?", (f"s{step}", n % 7)),
                        ("UPDATE t SET v = ? WHERE id = ?", (str(n), n)),  # a new storage class
                        ("DELETE FROM t WHERE id % 11 = ?", (n % 11,)),
                        (
                            "INSERT OR REPLACE INTO k VALUES (?, ?)",
                            (rng.choice([n, f"k{n}", bytes([n])]), step),
                        ),
                        ("DELETE FROM k WHERE v = ?", (n % 5,)),
                        ("UPDATE k SET v = v + 1 WHERE typeof(key) = ?", (TYPES[n % 4],)),
                    ]
                )
            )
        writer.run(*statements)
    states = writer.current()
    now = reference(writer.con)
    commits = sorted(states)
    seen: set[tuple[str, str]] = set()
    for k in commits:
        for m in [*commits, None]:
            after = now if m is None else states[m]
            for table in ("t", "k"):
                if table_rows(states[k], table) is None and table_rows(after, table) is None:
                    continue  # in neither state: refused, as tested below
                with TableDiff(writer.db, table, k, m) as diff:
                    found, changes = got(diff)
                    assert found == expected(states[k], after, table), (k, m, table)
                    keys = [c.key for c in changes]
                    assert len(set(keys)) == len(keys)
                    seen |= {(table, c.kind) for c in changes}
                    assert all(c.changed for c in changes if c.kind == "updated")
    with TableDiff(writer.db, "t", 3, None) as diff:
        assert diff.key_columns == ("rowid",)
        assert diff.after.label == "now" and diff.before.label == "commit 3"
        assert diff.after_columns == ("id", "name", "v")
        changes = list(diff)
        assert [c.key for c in changes] == sorted(c.key for c in changes)
    kinds = ("inserted", "updated", "deleted")
    assert seen == {(table, kind) for table in ("t", "k") for kind in kinds}


def test_a_table_on_one_side_only_and_changed_columns(writer: RecordingWriter) -> None:
    writer.run("CREATE TABLE a (x)")
    writer.run(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)", "INSERT INTO t VALUES (1, 'one')"
    )
    writer.run("ALTER TABLE t ADD COLUMN extra DEFAULT 5", "INSERT INTO t VALUES (2, 'two', 7)")
    writer.run("CREATE VIEW v AS SELECT * FROM t")
    with TableDiff(writer.db, "t", 1, 3) as diff:
        assert diff.before.columns is None
        assert diff.notices == (
            "table t did not exist after commit 1: each of its rows is listed as inserted",
        )
        assert [(c.kind, c.key, c.after) for c in diff] == [
            ("inserted", (1,), (1, "one", 5)),
            ("inserted", (2,), (2, "two", 7)),
        ]
    with TableDiff(writer.db, "t", 3, 1) as diff:
        assert diff.notices == (
            "table t did not exist after commit 1: each of its rows is listed as deleted",
        )
    with TableDiff(writer.db, "t", 2, 3) as diff:
        assert diff.notices == (
            "column extra: in the table after commit 3, not after commit 2: its values are not"
            " compared",
        )
        changes = list(diff)
        # A column on one side only is said once, not as every row updated (hostile 21).
        assert [(c.kind, c.key, c.changed) for c in changes] == [("inserted", (2,), ())]
    with pytest.raises(
        DiffError, match="table nope did not exist after commit 1, and does not exist now"
    ):
        TableDiff(writer.db, "nope", 1, None)
    with pytest.raises(DiffError, match="'v' is a view in commit 4: only tables"):
        TableDiff(writer.db, "v", 4, None)


def test_a_rowid_shadowed_by_columns(writer: RecordingWriter) -> None:
    writer.run('CREATE TABLE s ("rowid" TEXT, "oid" TEXT)', "INSERT INTO s VALUES ('a', 'b')")
    writer.run("UPDATE s SET rowid = 'c'")
    with TableDiff(writer.db, "s", 1, 2) as diff:
        assert diff.key_columns == ("_rowid_",)
        assert [(c.key, c.before, c.after) for c in diff] == [((1,), ("a", "b"), ("c", "b"))]


def test_a_state_that_is_gone_is_refused(writer: RecordingWriter) -> None:
    writer.run("CREATE TABLE t (x)")
    with pytest.raises(NotReconstructableError, match="no commit 4"):
        TableDiff(writer.db, "t", 4, None)
    assert isinstance(NotReconstructableError("x"), sqlite3.Error)


def test_text_that_is_not_utf8_on_both_sides(tmp_path: Path) -> None:
    """Read as the live connections read it: the bytes decoded with surrogateescape."""
    from tests.tui.db.walhelpers import wal_connection

    con = wal_connection(tmp_path / "u.db")
    try:
        con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, s TEXT)")
        con.execute("INSERT INTO t VALUES (1, CAST(x'c328ff41' AS TEXT))")
        con.execute("UPDATE t SET s = s || CAST(x'fe' AS TEXT)")
        bad = b"\xc3(\xffA".decode("utf-8", "surrogateescape")
        worse = b"\xc3(\xffA\xfe".decode("utf-8", "surrogateescape")
        for to_commit in (3, None):
            with TableDiff(tmp_path / "u.db", "t", 2, to_commit) as diff:
                changes = [(c.kind, c.before, c.after) for c in diff]
            assert changes == [("updated", (1, bad), (1, worse))], to_commit
    finally:
        con.close()


def test_a_past_state_pinned_to_its_generation_is_refused_after_a_reset(
    writer: RecordingWriter,
) -> None:
    """A past state opened before a WAL reset: commit 1 of the new generation writes the same
    page at the same frame, and must not be read as the old commit 1 (hostile 13-12, F6)."""
    from tui.db.as_of import AsOfSnapshot

    writer.run("CREATE TABLE h (id INTEGER PRIMARY KEY, v TEXT)")
    writer.run("INSERT INTO h VALUES (1, 'Z'), (2, 'Z'), (3, 'Z')")
    with AsOfSnapshot(writer.db, 2) as opened:
        generation = opened.generation
    assert writer.con.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone() == (0, 0, 0)
    writer.run("UPDATE h SET v = 'Q'")
    writer.run("UPDATE h SET v = 'R' WHERE id = 1")  # commit 2 of the new generation
    with pytest.raises(NotReconstructableError, match="the WAL was reset after commit 2"):
        TableDiff(writer.db, "h", 2, None, generation=generation)
    # Unpinned, commit 2 is the new generation's (what a fresh `dbbrowse diff` reads).
    with TableDiff(writer.db, "h", 1, None) as diff:
        assert [c.key for c in diff] == [(1,)]


def test_a_renamed_table_is_followed(writer: RecordingWriter) -> None:
    """The rename model of the history, followed commit by commit: rows are matched
    across it, in both directions, from either name (hostile 13-12, F3)."""
    writer.run("CREATE TABLE acct (id INTEGER PRIMARY KEY, owner TEXT, bal INTEGER)")
    writer.run(*[("INSERT INTO acct VALUES (?, ?, ?)", (i, f"o{i}", i)) for i in range(20)])
    writer.run("ALTER TABLE acct ADD COLUMN note TEXT DEFAULT 'nd'")  # commit 3
    writer.run("UPDATE acct SET note = 'n1' WHERE id = 1", "ALTER TABLE acct DROP COLUMN owner")
    writer.run("ALTER TABLE acct RENAME TO acct2")  # commit 5
    writer.run("CREATE TABLE other (x)")  # commit 6
    notice = (
        "table acct renamed to acct2 between commit 3 and now: its rows are matched across"
        " the rename"
    )
    for name in ("acct2", "acct"):
        with TableDiff(writer.db, name, 3, None) as diff:
            assert diff.notices == (
                notice,
                "column owner: in the table after commit 3, not now: its values are not compared",
            )
            changes = list(diff)
            # owner is said once (not compared); row 1's note changed.
            assert [(c.key, c.changed) for c in changes] == [((1,), ("note",))]
    with TableDiff(writer.db, "acct2", 6, 4) as diff:
        assert diff.notices == (
            "table acct renamed to acct2 between commit 4 and commit 6: its rows are matched"
            " across the rename",
        )
        assert list(diff) == []
    # A table dropped and another created is not a rename.
    writer.run("DROP TABLE other")
    writer.run("CREATE TABLE fresh (x)", "INSERT INTO fresh VALUES (1)")
    with TableDiff(writer.db, "fresh", 6, None) as diff:
        assert diff.before.columns is None and diff.renamed is None


def test_generated_columns_are_compared_as_export_shows_them(writer: RecordingWriter) -> None:
    """diff lists STORED and VIRTUAL generated columns that changed (export shows both); the
    history, which decodes records, says which VIRTUAL ones it cannot list (hostile 13-12,
    F14)."""
    from tui.db.row_changes import commit_changes
    from tui.db.wal_history import HistoryBuilder
    from tui.text.wal_history import changes_lines

    writer.run(
        "CREATE TABLE g (id INTEGER PRIMARY KEY, a INT,"
        " b INT GENERATED ALWAYS AS (a * 2) VIRTUAL, c INT GENERATED ALWAYS AS (a + 1) STORED)"
    )
    writer.run("INSERT INTO g (id, a) VALUES (1, 10), (2, 5)")
    writer.run("UPDATE g SET a = 11 WHERE id = 1")
    with TableDiff(writer.db, "g", 2, None) as diff:
        assert diff.after_columns == ("id", "a", "b", "c")
        assert [(c.key, c.changed, c.before, c.after) for c in diff] == [
            ((1,), ("a", "b", "c"), (1, 10, 20, 11), (1, 11, 22, 12))
        ]
    builder = HistoryBuilder(writer.db)
    changes = commit_changes(builder, builder.refresh(), 3)
    (tree,) = changes.trees
    assert tree.virtual == ("b",)
    assert [change.changed_columns for change in tree.changes] == [(1, 2)]  # a and c
    lines = [line.plain for line in changes_lines(changes)]
    assert "not listed, generated VIRTUAL (not stored): b" in lines[0]


def test_a_renamed_column_is_followed(writer: RecordingWriter) -> None:
    """RENAME COLUMN is followed as the history reports it: only rows whose values changed
    are listed, with one line for the rename, both directions, also after a table rename
    (hostile2, N4)."""
    from tui.text.row_diff import difference_line

    writer.run(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)",
        *[("INSERT INTO t VALUES (?, ?)", (i, f"v{i}")) for i in range(5)],
    )
    writer.run("UPDATE t SET v = 'X' WHERE id = 1")  # commit 2
    writer.run("ALTER TABLE t RENAME TO t2")  # commit 3
    writer.run("UPDATE t2 SET v = 'Y' WHERE id = 2")  # commit 4
    writer.run("ALTER TABLE t2 RENAME COLUMN v TO w")  # commit 5
    writer.run("UPDATE t2 SET w = 'Z' WHERE id = 3")  # commit 6
    with TableDiff(writer.db, "t2", 4, None) as diff:
        assert diff.notices == (
            "column v renamed to w between commit 4 and now: its values are matched across"
            " the rename",
        )
        changes = list(diff)
        assert [(c.key, c.changed, c.before, c.after) for c in changes] == [
            ((3,), ("w",), (3, "v3"), (3, "Z"))
        ]
        line = difference_line(
            diff.key_columns,
            diff.before_columns,
            diff.after_columns,
            changes[0],
            diff.column_renames,
        )
        assert line.plain == "~ rowid 3: w: 'v3' → 'Z'"
    with TableDiff(writer.db, "t", 1, None) as diff:
        assert len(diff.notices) == 2 and diff.notices[1].startswith(
            "column v renamed to w between commit 1 and now"
        )
        assert [(c.key, c.changed) for c in diff] == [
            ((1,), ("w",)),
            ((2,), ("w",)),
            ((3,), ("w",)),
        ]
    with TableDiff(writer.db, "t2", 6, 4) as diff:
        assert diff.notices[0].startswith("column v renamed to w between commit 4 and commit 6")
        assert [(c.key, c.changed, c.before, c.after) for c in diff] == [
            ((3,), ("v",), (3, "Z"), (3, "v3"))
        ]
    # A column renamed away and another added under its old name is not the same column.
    writer.run("ALTER TABLE t2 ADD COLUMN v TEXT")  # commit 7
    with TableDiff(writer.db, "t2", 4, None) as diff:
        # The new v is another column: never compared with the old v (now w).
        assert "column v: in the table now, not after commit 4" in diff.notices[-1]
        assert {c.changed for c in diff} == {("w",)}


def test_rows_across_a_column_rename_are_named_as_they_stood(writer: RecordingWriter) -> None:
    """A deleted row is shown under the names it had, an inserted one under the new ones;
    only an updated row's values are matched across the rename (a deleted row was shown
    under the new names, which it never had)."""
    from tui.text.row_diff import difference_line

    writer.run(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)",
        *[("INSERT INTO t VALUES (?, ?)", (i, f"v{i}")) for i in range(3)],
    )  # commit 1
    writer.run("ALTER TABLE t RENAME COLUMN v TO w")  # commit 2
    writer.run("DELETE FROM t WHERE id = 0")  # commit 3
    writer.run("INSERT INTO t VALUES (9, 'new')")  # commit 4
    writer.run("UPDATE t SET w = 'X' WHERE id = 1")  # commit 5
    with TableDiff(writer.db, "t", 1, None) as diff:
        lines = [
            difference_line(
                diff.key_columns, diff.before_columns, diff.after_columns, c, diff.column_renames
            ).plain
            for c in diff
        ]
    assert sorted(lines) == sorted(
        ["- rowid 0: id=0, v='v0'", "+ rowid 9: id=9, w='new'", "~ rowid 1: w: 'v1' → 'X'"]
    )


def test_a_table_dropped_and_created_again_matches_no_row(writer: RecordingWriter) -> None:
    """The u of commit 3 (a renamed t) was dropped, and another u created: its rows match
    none of the old ones, and the diff says so first (hostile report, 21)."""
    writer.run("CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)")  # commit 1
    writer.run("INSERT INTO t(v) VALUES ('a'), ('b'), ('c')")  # 2
    writer.run("ALTER TABLE t RENAME TO u")  # 3
    writer.run("DROP TABLE u")  # 4
    writer.run("CREATE TABLE u (id INTEGER PRIMARY KEY, v TEXT)", "INSERT INTO u VALUES (1, 'a')")
    with TableDiff(writer.db, "u", 3, None) as diff:
        assert diff.notices[0].startswith(
            "table u was dropped and created again between commit 3 and now: another table"
        )
        assert [(c.kind, c.key) for c in diff] == [
            ("deleted", (1,)),
            ("deleted", (2,)),
            ("deleted", (3,)),
            ("inserted", (1,)),
        ]
    with TableDiff(writer.db, "u", 5, 3) as diff:  # backwards, the same
        assert "dropped and created again between commit 3 and commit 5" in diff.notices[0]
        assert len(list(diff)) == 4
