"""Saving staged changes on real SQLite files: exactly the chosen rows, all or nothing,
conditional on what the user saw, with the database's own reasons when it refuses."""

from __future__ import annotations

import sqlite3
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.tui.db.edithelpers import describe, details
from tests.tui.db.savehelpers import (
    JOURNALS,
    OpenDb,
    file_hashes,
    keyed_table,
    other_writer,
    rows,
    save,
)
from tui.db.edits import (
    CellEdit,
    ChangeSet,
    RowDelete,
    RowInsert,
    StagingError,
    edit_key,
    row_identity,
)
from tui.db.model import TableRef
from tui.db.save import SaveOutcome, plan_save, resolve_conflict
from tui.db.source import decode_text
from tui.db.values import RowKey

T = TableRef("t")


_CELLS = (
    "SELECT id, typeof(a), hex(a), typeof(b), hex(b), typeof(c), hex(c), typeof(d), hex(d)"
    " FROM t ORDER BY id"
)


@pytest.mark.parametrize("wal", JOURNALS)
async def test_an_edit_changes_one_cell_of_one_row(wal: bool, open_db: OpenDb) -> None:
    """typeof() and hex() of every other cell are unchanged, invalid UTF-8 included."""
    path, engine = open_db(
        "t.db",
        [
            "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b, c REAL, d BLOB)",
            "INSERT INTO t VALUES (1, 'one', CAST(x'61ff62' AS TEXT), 1.5, x'00ff'),"
            " (2, 'two', 9223372036854775807, -0.0, NULL)",
        ],
        wal=wal,
    )
    before = rows(path, _CELLS)
    outcome = await save(engine, [CellEdit(T, RowKey(("id",), (1,)), "a", "one", "ONE")])
    assert outcome.ok, outcome.reason
    assert outcome.applied == 1
    after = rows(path, _CELLS)
    assert after[1] == before[1]
    assert after[0][:1] + after[0][3:] == before[0][:1] + before[0][3:]
    assert rows(path, "SELECT a FROM t WHERE id = 1") == [("ONE",)]


async def test_invalid_utf8_is_compared_and_written_as_its_bytes(open_db: OpenDb) -> None:
    path, engine = open_db(
        "u.db",
        [
            "CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT) WITHOUT ROWID",
            "INSERT INTO t VALUES (CAST(x'6bff' AS TEXT), CAST(x'76fe' AS TEXT))",
        ],
    )
    key = RowKey(("k",), (decode_text(b"k\xff"),))
    old = decode_text(b"v\xfe")
    outcome = await save(engine, [CellEdit(T, key, "v", old, old + "!")])
    assert outcome.ok, outcome.reason
    assert rows(path, "SELECT typeof(v), hex(v) FROM t") == [("text", "76FE21")]
    outcome = await save(engine, [RowDelete(T, key, (("k", key.values[0]), ("v", old + "!")))])
    assert outcome.ok, outcome.reason
    assert rows(path, "SELECT count(*) FROM t") == [(0,)]


async def test_two_statements_are_atomic(open_db: OpenDb) -> None:
    """The driver's implicit transactions do not split a save: the last statement fails
    (UNIQUE), the others are rolled back with it, the files are byte for byte as before and
    every change is still staged."""
    for wal in (False, True):
        path, engine = open_db(
            f"atomic{wal}.db",
            [
                "CREATE TABLE t (id INTEGER PRIMARY KEY, u TEXT UNIQUE)",
                "CREATE TABLE other (id INTEGER PRIMARY KEY, v TEXT)",
                "INSERT INTO t VALUES (1, 'a'), (2, 'b')",
                "INSERT INTO other VALUES (1, 'x')",
            ],
            wal=wal,
        )
        async with engine.connect() as conn:  # the -wal exists while connections are open
            await conn.execute(text("SELECT 1 FROM t"))
            before = file_hashes(path)
            changes = ChangeSet()
            changes.stage(CellEdit(TableRef("other"), RowKey(("id",), (1,)), "v", "x", "new"))
            changes.stage(RowInsert(T, (("u", "c"),), changes.next_token()))
            changes.stage(CellEdit(T, RowKey(("id",), (2,)), "u", "b", "a"))  # a duplicate
            staged = changes.changes
            outcome = await save(engine, changes.changes, ("t", "other"))
            assert not outcome.ok
            assert outcome.applied == 0
            assert outcome.failed == staged[2]
            assert "UNIQUE constraint failed: t.u" in outcome.reason
            assert changes.changes == staged
            assert file_hashes(path) == before
        assert rows(path, "SELECT v FROM other") == [("x",)]
        assert rows(path, "SELECT id, u FROM t") == [(1, "a"), (2, "b")]


# -- conflicts ----------------------------------------------------------------------------


async def conflict_after(
    engine: AsyncEngine, changes: ChangeSet, edit: CellEdit, other: str
) -> SaveOutcome:
    """Stage ``edit``, let another writer run ``other`` on the file, then save."""
    changes.stage(edit)
    path = engine.url.database
    assert path is not None
    other_writer(Path(path), other)
    return await save(engine, changes.changes)


@pytest.mark.parametrize("wal", JOURNALS)
async def test_conflicts(wal: bool, open_db: OpenDb) -> None:
    path, engine = open_db(
        "c.db",
        [
            "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT)",
            "INSERT INTO t VALUES (1, 'a1', 'b1'), (2, 'a2', 'b2'), (3, 'a3', 'b3')",
        ],
        wal=wal,
    )
    changes = ChangeSet()
    # Read, then another writer changes the same cell: nothing is overwritten.
    mine = CellEdit(T, RowKey(("id",), (1,)), "a", "a1", "mine")
    outcome = await conflict_after(engine, changes, mine, "UPDATE t SET a = 'theirs' WHERE id = 1")
    assert not outcome.ok
    assert outcome.conflict is not None
    assert outcome.conflict.change == mine
    assert outcome.conflict.mine == "mine"
    assert outcome.conflict.original == "a1"
    assert outcome.conflict.current == (("id", 1), ("a", "theirs"), ("b", "b1"))
    assert "'theirs'" in outcome.reason
    assert rows(path, "SELECT a FROM t WHERE id = 1") == [("theirs",)]
    # Keep mine: re-staged on the current value, the next save overwrites knowingly.
    resolve_conflict(changes, outcome.conflict, keep_mine=True)
    assert changes.changes == (CellEdit(T, mine.key, "a", "theirs", "mine"),)
    assert (await save(engine, changes.changes)).ok
    assert rows(path, "SELECT a FROM t WHERE id = 1") == [("mine",)]
    changes.clear()

    # Another column of the same row changed: allowed, both changes are kept.
    other_writer(path, "UPDATE t SET b = 'theirs' WHERE id = 2")
    outcome = await save(engine, [CellEdit(T, RowKey(("id",), (2,)), "a", "a2", "mine")])
    assert outcome.ok, outcome.reason
    assert rows(path, "SELECT a, b FROM t WHERE id = 2") == [("mine", "theirs")]
    # ... but a deletion compares every column: it stops.
    delete = RowDelete(T, RowKey(("id",), (2,)), (("id", 2), ("a", "mine"), ("b", "b2")))
    outcome = await save(engine, [delete])
    assert outcome.conflict is not None
    assert outcome.conflict.current == (("id", 2), ("a", "mine"), ("b", "theirs"))
    changes.stage(delete)
    resolve_conflict(changes, outcome.conflict, keep_mine=False)  # take theirs
    assert not changes

    # They stored what I wanted: keeping mine leaves nothing to save.
    same = CellEdit(T, RowKey(("id",), (1,)), "a", "mine", "both")
    outcome = await conflict_after(engine, changes, same, "UPDATE t SET a = 'both' WHERE id = 1")
    assert outcome.conflict is not None
    resolve_conflict(changes, outcome.conflict, keep_mine=True)
    assert not changes

    # The row is deleted by another writer.
    gone = CellEdit(T, RowKey(("id",), (3,)), "a", "a3", "mine")
    outcome = await conflict_after(engine, changes, gone, "DELETE FROM t WHERE id = 3")
    assert outcome.conflict is not None
    assert outcome.conflict.current is None
    assert "deleted" in outcome.reason
    with pytest.raises(StagingError, match="gone"):
        resolve_conflict(changes, outcome.conflict, keep_mine=True)
    resolve_conflict(changes, outcome.conflict, keep_mine=False)
    assert not changes
    assert rows(path, "SELECT count(*) FROM t") == [(2,)]


async def test_a_key_naming_several_rows_rolls_back(open_db: OpenDb) -> None:
    path, engine = open_db(
        "d.db",
        ["CREATE TABLE t (k TEXT, v TEXT)", "INSERT INTO t VALUES ('x', 'same'), ('x', 'same')"],
    )
    outcome = await save(engine, [CellEdit(T, RowKey(("k",), ("x",)), "v", "same", "new")])
    assert not outcome.ok
    assert "not unique" in outcome.reason
    assert "2 rows" in outcome.reason
    assert rows(path, "SELECT v FROM t") == [("same",), ("same",)]


# -- keys --------------------------------------------------------------------------------


async def test_each_edit_changes_exactly_the_chosen_row(open_db: OpenDb) -> None:
    """WITHOUT ROWID composite keys, mixed storage classes, trailing spaces, a column named
    rowid, a NULL in a key (named by its rowid), a table without a key (the rowid)."""
    path, engine = open_db(
        "k.db",
        [
            "CREATE TABLE w (a, b TEXT, v TEXT, PRIMARY KEY (a, b)) WITHOUT ROWID",
            "INSERT INTO w VALUES (1, 'x', 'int'), ('1', 'x', 'text'), (1, 'x ', 'space')",
            "CREATE TABLE r (rowid TEXT, v TEXT)",
            "INSERT INTO r VALUES ('2', 'first'), ('1', 'second')",
            "CREATE TABLE n (k TEXT PRIMARY KEY, v TEXT)",
            "INSERT INTO n VALUES (NULL, 'first'), (NULL, 'second')",
        ],
    )
    w = row_identity(await describe(engine, "w"))
    key = edit_key(w, {"a": "1", "b": "x"}, None)
    assert (await save(engine, [CellEdit(TableRef("w"), key, "v", "text", "T")], ["w"])).ok
    key = edit_key(w, {"a": 1, "b": "x "}, None)
    assert (await save(engine, [CellEdit(TableRef("w"), key, "v", "space", "S")], ["w"])).ok
    assert rows(path, "SELECT typeof(a), a, b, v FROM w ORDER BY v") == [
        ("integer", 1, "x ", "S"),
        ("text", "1", "x", "T"),
        ("integer", 1, "x", "int"),
    ]
    r = row_identity(await describe(engine, "r"))
    rowid = rows(path, "SELECT _rowid_ FROM r WHERE v = 'second'")[0][0]
    key = edit_key(r, {"rowid": "1"}, RowKey(("_rowid_",), (rowid,), True))
    assert (await save(engine, [CellEdit(TableRef("r"), key, "v", "second", "2nd")], ["r"])).ok
    assert rows(path, "SELECT rowid, v FROM r ORDER BY _rowid_") == [("2", "first"), ("1", "2nd")]
    n = row_identity(await describe(engine, "n"))
    key = edit_key(n, {"k": None}, RowKey(("rowid",), (2,), True))
    assert (await save(engine, [CellEdit(TableRef("n"), key, "v", "second", "2nd")], ["n"])).ok
    assert rows(path, "SELECT v FROM n ORDER BY rowid") == [("first",), ("2nd",)]
    # Changing the key itself re-identifies the row, after its other edits.
    key = edit_key(w, {"a": 1, "b": "x"}, None)
    both = [
        CellEdit(TableRef("w"), key, "b", "x", "y"),
        CellEdit(TableRef("w"), key, "v", "int", "I"),
    ]
    outcome = await save(engine, both, ["w"])
    assert outcome.ok, outcome.reason
    assert outcome.applied == 1  # one statement for the row
    assert rows(path, "SELECT v FROM w WHERE a = 1 AND b = 'y'") == [("I",)]


# -- what the database refuses ---------------------------------------------------------------

_CONSTRAINTS = [
    "CREATE TABLE p (id INTEGER PRIMARY KEY)",
    "INSERT INTO p VALUES (1)",
    "CREATE TABLE t (id INTEGER PRIMARY KEY, u TEXT UNIQUE, n TEXT NOT NULL,"
    " c INT CONSTRAINT c_small CHECK (c < 10), p INT REFERENCES p (id))",
    "INSERT INTO t VALUES (1, 'a', 'n', 1, 1), (2, 'b', 'n', 2, NULL)",
    "CREATE TABLE s (id INTEGER PRIMARY KEY, i INTEGER) STRICT",
    "INSERT INTO s VALUES (1, 1)",
    "CREATE TABLE log (what TEXT)",
    "CREATE TRIGGER t_log AFTER UPDATE ON t BEGIN INSERT INTO log VALUES (new.u); END",
    "CREATE TRIGGER t_refuse BEFORE UPDATE OF n ON t WHEN new.n = 'no'"
    " BEGIN SELECT RAISE(ABORT, 'n may not be no'); END",
]


@pytest.mark.parametrize(
    ("column", "value", "expected"),
    [
        ("u", "b", "UNIQUE constraint failed: t.u"),
        ("n", None, "NOT NULL constraint failed: t.n"),
        ("c", 99, "CHECK constraint failed: c_small"),
        ("p", 7, "FOREIGN KEY constraint failed"),
        ("n", "no", "refused by trigger t_refuse: n may not be no"),
    ],
)
async def test_constraints_and_triggers_are_named(
    open_db: OpenDb, column: str, value: Any, expected: str
) -> None:
    """Foreign keys are enforced on the write connection although the file's connections
    default to not enforcing them; the grid's old value stays."""
    path, engine = open_db("f.db", _CONSTRAINTS)
    before = rows(path, "SELECT * FROM t ORDER BY id")
    original = dict(zip(("id", "u", "n", "c", "p"), before[0], strict=True))[column]
    change = CellEdit(T, RowKey(("id",), (1,)), column, original, value)
    outcome = await save(engine, [change])
    assert not outcome.ok
    assert outcome.failed == change
    assert expected in outcome.reason
    assert "t (id=1), column " + column in outcome.reason
    assert rows(path, "SELECT * FROM t ORDER BY id") == before
    assert rows(path, "SELECT count(*) FROM log") == [(0,)]


async def test_strict_tables_and_logging_triggers(open_db: OpenDb) -> None:
    path, engine = open_db("s.db", _CONSTRAINTS)
    refused = await save(
        engine, [CellEdit(TableRef("s"), RowKey(("id",), (1,)), "i", 1, "text")], ["s"]
    )
    assert not refused.ok
    assert "cannot store TEXT value in INTEGER column s.i" in refused.reason
    logged = await save(engine, [CellEdit(T, RowKey(("id",), (1,)), "u", "a", "z")])
    assert logged.ok, logged.reason
    assert rows(path, "SELECT what FROM log") == [("z",)]


async def test_foreign_key_order(open_db: OpenDb) -> None:
    """Staged child first, saved parent first (inserts); staged parent first, deleted child
    first (deletes): with foreign keys enforced, any other order fails."""
    path, engine = open_db(
        "o.db",
        [
            "CREATE TABLE child (id INTEGER PRIMARY KEY, parent INT NOT NULL REFERENCES parent)",
            "CREATE TABLE parent (id INTEGER PRIMARY KEY, name TEXT)",
            "INSERT INTO parent VALUES (1, 'old')",
            "INSERT INTO child VALUES (1, 1)",
        ],
    )
    child, parent = TableRef("child"), TableRef("parent")
    inserts = [RowInsert(child, (("id", 2), ("parent", 2)), 1), RowInsert(parent, (("id", 2),), 2)]
    outcome = await save(engine, inserts, ["child", "parent"])
    assert outcome.ok, outcome.reason
    deletes = [
        RowDelete(parent, RowKey(("id",), (1,)), (("id", 1), ("name", "old"))),
        RowDelete(child, RowKey(("id",), (1,)), (("id", 1), ("parent", 1))),
    ]
    outcome = await save(engine, deletes, ["child", "parent"])
    assert outcome.ok, outcome.reason
    assert rows(path, "SELECT id FROM parent") == [(2,)]
    assert rows(path, "SELECT id, parent FROM child") == [(2, 2)]


async def test_generated_columns_are_not_compared(open_db: OpenDb) -> None:
    path, engine = open_db(
        "g.db",
        [
            "CREATE TABLE t (id INTEGER PRIMARY KEY, a INT, g INT AS (a * 2) STORED)",
            "INSERT INTO t (id, a) VALUES (1, 5)",
        ],
    )
    delete = RowDelete(T, RowKey(("id",), (1,)), (("id", 1), ("a", 5), ("g", 10)))
    outcome = await save(engine, [delete])
    assert outcome.ok, outcome.reason
    assert rows(path, "SELECT count(*) FROM t") == [(0,)]


def test_the_pending_panel_shows_each_dialects_sql() -> None:
    from sqlalchemy.dialects import mysql, postgresql, sqlite

    info = keyed_table(T, "my col")
    edit = CellEdit(T, RowKey(("id",), (1,)), "my col", None, "x; DROP TABLE t")
    expected = {
        "sqlite": 'UPDATE t SET "my col"=? WHERE t.id = ? AND t."my col" IS ?',
        "postgresql": 'UPDATE t SET "my col"=%(v1)s WHERE t.id = %(k2)s'
        ' AND t."my col" IS NOT DISTINCT FROM %(o3)s',
        "mysql": "UPDATE t SET `my col`=%s WHERE t.id = %s AND t.`my col` <=> %s",
    }
    for dialect in (sqlite.dialect(), postgresql.dialect(), mysql.dialect()):
        (planned,) = plan_save([edit], {T: info}, dialect)
        assert planned.sql == expected[dialect.name]
        assert planned.params == (("v1", "x; DROP TABLE t"), ("k2", 1), ("o3", None))
        assert planned.expected_rows == 1
        assert planned.changes == (edit,)


async def test_empty_text_and_null_are_different_values(open_db: OpenDb) -> None:
    path, engine = open_db(
        "e.db",
        [
            "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b TEXT)",
            "INSERT INTO t VALUES (1, NULL, '')",
        ],
    )
    key = RowKey(("id",), (1,))
    # What the user saw decides: '' is not NULL, so these originals do not match.
    stale = await save(engine, [CellEdit(T, key, "a", "", "x")])
    assert stale.conflict is not None
    swap = [CellEdit(T, key, "a", None, ""), CellEdit(T, key, "b", "", None)]
    outcome = await save(engine, swap)
    assert outcome.ok, outcome.reason
    assert rows(path, "SELECT typeof(a), a, typeof(b) FROM t") == [("text", "", "null")]


async def test_a_restricted_deletion_is_announced_and_refused(open_db: OpenDb) -> None:
    from tui.db.delete_effects import delete_effects, describe_effects

    path, engine = open_db(
        "r.db",
        [
            "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)",
            "CREATE TABLE c (id INTEGER PRIMARY KEY,"
            " t_id INT REFERENCES t (id) ON DELETE RESTRICT)",
            "INSERT INTO t VALUES (1, 'kept'), (2, 'free')",
            "INSERT INTO c VALUES (1, 1), (2, 1)",
        ],
    )
    detail = await details(engine, "t")
    async with engine.connect() as conn:
        effects = await delete_effects(conn, detail, [{"id": 1}, {"id": 2}])
        assert await delete_effects(conn, detail, [{"id": 2}]) == ()
    assert [(e.table, e.columns, e.action, e.rows) for e in effects] == [
        ("c", ("t_id",), "RESTRICT", 2)
    ]
    assert (
        describe_effects(effects, 2)
        == "2 rows of c still refer to them (RESTRICT): the save will fail"
    )
    one = [replace(effects[0], rows=1)]
    assert describe_effects(one) == "1 row of c still refers to it (RESTRICT): the save will fail"
    delete = RowDelete(T, RowKey(("id",), (1,)), (("id", 1), ("name", "kept")))
    outcome = await save(engine, [delete])
    assert not outcome.ok
    assert "FOREIGN KEY constraint failed" in outcome.reason
    assert rows(path, "SELECT count(*) FROM t") == [(2,)]


async def test_large_values_are_compared_whole(open_db: OpenDb) -> None:
    """A 1 MiB text and BLOB that differ from what the user saw only in their last character
    or byte stop a deletion; as seen, they let it run."""
    big_text = "x" * (1 << 20)
    big_blob = bytes(range(256)) * 4096
    path, engine = open_db("big.db", ["CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, b BLOB)"])
    con = sqlite3.connect(path)
    con.executemany(
        "INSERT INTO t VALUES (?, ?, ?)", [(1, big_text, big_blob), (2, big_text, big_blob)]
    )
    con.commit()
    con.close()
    other_writer(path, "UPDATE t SET a = substr(a, 1, length(a) - 1) || 'y' WHERE id = 1")
    other_writer(
        path, "UPDATE t SET b = CAST(substr(b, 1, length(b) - 1) || x'00' AS BLOB) WHERE id = 2"
    )
    for key in (1, 2):
        seen = (("id", key), ("a", big_text), ("b", big_blob))
        outcome = await save(engine, [RowDelete(T, RowKey(("id",), (key,)), seen)])
        assert outcome.conflict is not None, key
        assert outcome.conflict.current is not None
        now = dict(outcome.conflict.current)
        outcome = await save(engine, [RowDelete(T, RowKey(("id",), (key,)), tuple(now.items()))])
        assert outcome.ok, outcome.reason
    assert rows(path, "SELECT count(*) FROM t") == [(0,)]
