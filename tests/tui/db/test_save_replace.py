"""A save that would make SQLite delete another row (``ON CONFLICT REPLACE``) is refused,
naming the row; and the ``CREATE TABLE`` reading behind it."""

from __future__ import annotations

from tests.tui.db.savehelpers import OpenDb, file_hashes, rows, save
from tui.db.edits import CellEdit, ChangeSet, RowInsert
from tui.db.model import TableRef
from tui.db.sqlite_ddl import ReplaceConstraint, check_column, replace_constraints
from tui.db.values import RowKey

R = TableRef("r")
_SCHEMA = [
    "CREATE TABLE r (id INTEGER PRIMARY KEY, email TEXT COLLATE NOCASE UNIQUE ON CONFLICT"
    " REPLACE, name TEXT)",
    "INSERT INTO r VALUES (1, 'a@x', 'one'), (7, 'b@x', 'seven')",
    "CREATE TABLE p (id INTEGER PRIMARY KEY ON CONFLICT REPLACE, v TEXT)",
    "INSERT INTO p VALUES (1, 'one'), (2, 'two')",
]


def key(value: int) -> RowKey:
    return RowKey(("id",), (value,))


async def test_an_update_that_would_delete_another_row_is_refused(open_db: OpenDb) -> None:
    """The collision is found as the unique index finds it (NOCASE); the edit of the unique
    column is blamed, not the first edit of the row; nothing is written."""
    path, engine = open_db("r.db", _SCHEMA)
    before = file_hashes(path)
    name = CellEdit(R, key(1), "name", "one", "uno")
    email = CellEdit(R, key(1), "email", "a@x", "B@X")
    outcome = await save(engine, [name, email], ["r"])
    assert not outcome.ok
    assert outcome.failed == email
    assert "saving would make SQLite delete row id=7 of r" in outcome.reason
    assert "(UNIQUE(email) ON CONFLICT REPLACE)" in outcome.reason
    assert file_hashes(path) == before
    assert rows(path, "SELECT id, email, name FROM r ORDER BY id") == [
        (1, "a@x", "one"),
        (7, "b@x", "seven"),
    ]


async def test_inserts_and_primary_keys_are_checked_too(open_db: OpenDb) -> None:
    path, engine = open_db("r.db", _SCHEMA)
    insert = RowInsert(R, (("email", "a@x"), ("name", "new")), 1)
    outcome = await save(engine, [insert], ["r"])
    assert outcome.failed == insert
    assert "delete row id=1 of r" in outcome.reason
    moved = CellEdit(TableRef("p"), key(1), "id", 1, 2)
    outcome = await save(engine, [moved], ["p"])
    assert outcome.failed == moved
    assert "delete row id=2 of p (PRIMARY KEY(id) ON CONFLICT REPLACE)" in outcome.reason
    assert rows(path, "SELECT count(*) FROM r") == [(2,)]
    assert rows(path, "SELECT id FROM p ORDER BY id") == [(1,), (2,)]


async def test_a_swap_without_collision_saves_and_deletes_nothing(open_db: OpenDb) -> None:
    path, engine = open_db("r.db", _SCHEMA)
    changes = ChangeSet()
    changes.stage(CellEdit(R, key(1), "email", "a@x", "tmp"))
    changes.stage(CellEdit(R, key(7), "email", "b@x", "a@x"))
    changes.stage(CellEdit(R, key(1), "email", "a@x", "b@x"))
    changes.stage(RowInsert(R, (("email", "c@x"),), changes.next_token()))
    outcome = await save(engine, changes.changes, ["r"])
    assert outcome.ok, outcome.reason
    assert rows(path, "SELECT id, email FROM r ORDER BY id") == [
        (1, "b@x"),
        (7, "a@x"),
        (8, "c@x"),
    ]


def test_replace_constraints_are_read_from_the_table_sql() -> None:
    sql = """CREATE TABLE "we""ird" (
        -- a comment, UNIQUE ON CONFLICT REPLACE
        id INTEGER PRIMARY KEY DESC ON CONFLICT REPLACE,
        [a b] TEXT DEFAULT (',') UNIQUE ON CONFLICT REPLACE,
        c TEXT CHECK (c <> 'UNIQUE ON CONFLICT REPLACE') UNIQUE ON CONFLICT ABORT,
        d TEXT NOT NULL ON CONFLICT REPLACE,
        e, f,
        CONSTRAINT pair UNIQUE (e COLLATE NOCASE, "f") ON CONFLICT REPLACE,
        UNIQUE (c, d)
    )"""
    assert replace_constraints(sql) == (
        ReplaceConstraint(("id",), "PRIMARY KEY(id) ON CONFLICT REPLACE"),
        ReplaceConstraint(("a b",), "UNIQUE(a b) ON CONFLICT REPLACE"),
        ReplaceConstraint(("e", "f"), "UNIQUE(e, f) ON CONFLICT REPLACE"),
    )
    assert replace_constraints("CREATE TABLE t AS SELECT 1 AS x") == ()


def test_a_check_is_traced_to_its_column() -> None:
    sql = (
        "CREATE TABLE t (a INT CONSTRAINT a_small CHECK (a < 10), b INT CHECK ( b > 0 ),"
        " c INT, CONSTRAINT whole CHECK (c < a))"
    )
    assert check_column(sql, "a_small") == "a"
    assert check_column(sql, "b > 0") == "b"
    assert check_column(sql, "whole") is None
    assert check_column(sql, "c < a") is None
