"""Saving in staging order on SQLite, PostgreSQL and MariaDB: swaps of unique values through a
temporary value, a key deleted and inserted again, parents inserted after their children,
foreign keys checked at commit; and which edit a failing merged UPDATE is blamed on."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.dialects import sqlite as sqlite_dialect
from sqlalchemy.ext.asyncio import AsyncEngine

from app.engines import create_engines
from tests.tui.db.savehelpers import OpenDb, file_hashes, keyed_table, rows, save
from tui.db.edits import CellEdit, Change, ChangeSet, RowDelete, RowInsert
from tui.db.model import TableRef
from tui.db.save import plan_save
from tui.db.values import RowKey
from tui.text.pending import pending_text

ENGINES = [
    pytest.param("sqlite"),
    pytest.param("postgresql", marks=pytest.mark.postgres),
    pytest.param("mariadb", marks=pytest.mark.mariadb),
]
T, PARENT, CHILD, B = (
    TableRef("so_t"),
    TableRef("so_parent"),
    TableRef("so_child"),
    TableRef("so_b"),
)
_TABLES = ("so_child", "so_parent", "so_t", "so_b")
_SCHEMA = [
    "CREATE TABLE so_t (id INTEGER PRIMARY KEY, u VARCHAR(20) NOT NULL UNIQUE, n VARCHAR(20))",
    "INSERT INTO so_t VALUES (1, 'a', 'one'), (2, 'b', 'two')",
    "CREATE TABLE so_parent (id INTEGER PRIMARY KEY, name VARCHAR(20))",
    "CREATE TABLE so_child (id INTEGER PRIMARY KEY, parent_id INTEGER,"
    " FOREIGN KEY (parent_id) REFERENCES so_parent (id))",
    "INSERT INTO so_parent VALUES (1, 'p1')",
    "INSERT INTO so_child VALUES (1, 1)",
    # A CHECK written on its column (MariaDB names it after the column).
    "CREATE TABLE so_b (id INTEGER PRIMARY KEY, a VARCHAR(10), n VARCHAR(10) NOT NULL,"
    " u VARCHAR(10) UNIQUE, c INTEGER CHECK (c < 10))",
    "INSERT INTO so_b VALUES (1, 'a', 'n', 'u1', 1), (2, 'b', 'n', 'u2', 2)",
]


def key(value: int) -> RowKey:
    return RowKey(("id",), (value,))


@pytest.fixture(params=ENGINES)
async def engine(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[AsyncEngine]:
    """The tables of ``_SCHEMA`` on each engine (the servers' test database, tables dropped
    before and after)."""
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'order.db'}"
    else:
        url = request.getfixturevalue(
            f"{'postgres' if request.param == 'postgresql' else 'mariadb'}_url"
        )
    sync_engine, async_engine = create_engines(url, sqlite_wal=False)
    sync_engine.dispose()

    async def drop() -> None:
        async with async_engine.begin() as conn:
            for name in _TABLES:
                await conn.execute(text(f"DROP TABLE IF EXISTS {name}"))

    await drop()
    async with async_engine.begin() as conn:
        for statement in _SCHEMA:
            await conn.execute(text(statement))
    yield async_engine
    await drop()
    await async_engine.dispose()


async def table_rows(engine: AsyncEngine, sql: str) -> list[tuple[Any, ...]]:
    async with engine.connect() as conn:
        return [tuple(row) for row in await conn.execute(text(sql))]


async def test_a_unique_swap_through_a_temporary_value(engine: AsyncEngine) -> None:
    """Staged a -> tmp, b -> a, tmp -> b: three steps, run in that order (merged into a -> b
    the first UPDATE would collide with the row still holding b)."""
    changes = ChangeSet()
    changes.stage(CellEdit(T, key(1), "u", "a", "tmp"))
    changes.stage(CellEdit(T, key(2), "u", "b", "a"))
    changes.stage(CellEdit(T, key(1), "u", "a", "b"))
    assert len(changes) == 3
    outcome = await save(engine, changes.changes, ["so_t"])
    assert outcome.ok, outcome.reason
    assert outcome.applied == 3
    assert await table_rows(engine, "SELECT id, u FROM so_t ORDER BY id") == [(1, "b"), (2, "a")]


async def test_a_key_deleted_then_inserted_again(engine: AsyncEngine) -> None:
    seen = (("id", 1), ("u", "a"), ("n", "one"))
    changes: list[Change] = [
        RowDelete(T, key(1), seen),
        RowInsert(T, (("id", 1), ("u", "a"), ("n", "again")), 1),
    ]
    outcome = await save(engine, changes, ["so_t"])
    assert outcome.ok, outcome.reason
    assert await table_rows(engine, "SELECT id, u, n FROM so_t WHERE id = 1") == [(1, "a", "again")]


async def test_children_staged_before_their_parents(engine: AsyncEngine) -> None:
    """SQLite checks the foreign key at commit; the servers get the parent's insert first
    (and the child's delete before its parent's)."""
    names = ["so_child", "so_parent"]
    inserts: list[Change] = [
        RowInsert(CHILD, (("id", 2), ("parent_id", 2)), 1),
        RowInsert(PARENT, (("id", 2), ("name", "p2")), 2),
    ]
    outcome = await save(engine, inserts, names)
    assert outcome.ok, outcome.reason
    deletes: list[Change] = [
        RowDelete(PARENT, key(1), (("id", 1), ("name", "p1"))),
        RowDelete(CHILD, key(1), (("id", 1), ("parent_id", 1))),
    ]
    outcome = await save(engine, deletes, names)
    assert outcome.ok, outcome.reason
    assert await table_rows(engine, "SELECT id, parent_id FROM so_child") == [(2, 2)]
    assert await table_rows(engine, "SELECT id FROM so_parent") == [(2,)]


@pytest.mark.parametrize(
    ("column", "value"), [("n", None), ("u", "u2"), ("c", 99)], ids=["not-null", "unique", "check"]
)
async def test_a_merged_update_blames_the_edit_of_the_column_at_fault(
    engine: AsyncEngine, column: str, value: Any
) -> None:
    seen = {"n": "n", "u": "u1", "c": 1}
    harmless = CellEdit(B, key(1), "a", "a", "A")
    culprit = CellEdit(B, key(1), column, seen[column], value)
    outcome = await save(engine, [harmless, culprit], ["so_b"])
    assert not outcome.ok
    assert outcome.failed == culprit, outcome.reason
    assert await table_rows(engine, "SELECT a FROM so_b WHERE id = 1") == [("a",)]


# -- SQLite only ----------------------------------------------------------------------------


async def test_a_foreign_key_violation_fails_at_commit(open_db: OpenDb) -> None:
    """Nothing is written, every change stays staged, and no change is blamed: SQLite does not
    say which one broke the key."""
    path, engine = open_db(
        "fk.db",
        [
            "CREATE TABLE parent (id INTEGER PRIMARY KEY)",
            "CREATE TABLE child (id INTEGER PRIMARY KEY, parent_id INT REFERENCES parent (id))",
            "INSERT INTO parent VALUES (1)",
            "INSERT INTO child VALUES (1, 1)",
        ],
    )
    before = file_hashes(path)
    changes = ChangeSet()
    changes.stage(RowInsert(TableRef("parent"), (("id", 2),), changes.next_token()))
    changes.stage(RowInsert(TableRef("child"), (("id", 2), ("parent_id", 9)), changes.next_token()))
    staged = changes.changes
    outcome = await save(engine, changes.changes, ["parent", "child"])
    assert not outcome.ok
    assert outcome.failed is None
    assert "foreign key check failed at commit" in outcome.reason
    assert "nothing was saved" in outcome.reason
    assert changes.changes == staged
    assert file_hashes(path) == before
    assert rows(path, "PRAGMA integrity_check") == [("ok",)]


async def test_strict_types_and_table_checks_blame(open_db: OpenDb) -> None:
    """A STRICT type error names its column; a CHECK over the table names none: the first edit."""
    _, engine = open_db(
        "blame.db",
        [
            "CREATE TABLE t (id INTEGER PRIMARY KEY, a TEXT, i INTEGER, z INT,"
            " CONSTRAINT small CHECK (z < 5)) STRICT",
            "INSERT INTO t VALUES (1, 'a', 1, 1)",
        ],
    )
    t = TableRef("t")
    first = CellEdit(t, key(1), "a", "a", "A")
    typed = CellEdit(t, key(1), "i", 1, "text")
    outcome = await save(engine, [first, typed])
    assert outcome.failed == typed, outcome.reason
    assert "cannot store TEXT value in INTEGER column t.i" in outcome.reason
    table_check = CellEdit(t, key(1), "z", 1, 9)
    outcome = await save(engine, [first, table_check])
    assert outcome.failed == first, outcome.reason
    assert "CHECK constraint failed: small" in outcome.reason


async def test_a_later_update_of_a_row_follows_its_new_key(open_db: OpenDb) -> None:
    """Its key changed by an earlier UPDATE of the same save, the row is found by the new key."""
    path, engine = open_db(
        "moved.db",
        [
            "CREATE TABLE t (id INTEGER PRIMARY KEY, v TEXT)",
            "INSERT INTO t VALUES (1, 'one'), (2, 'two')",
        ],
    )
    changes: list[Change] = [
        CellEdit(TableRef("t"), key(1), "id", 1, 10),
        CellEdit(TableRef("t"), key(2), "v", "two", "2"),
        CellEdit(TableRef("t"), key(1), "v", "one", "1"),
    ]
    outcome = await save(engine, changes)
    assert outcome.ok, outcome.reason
    assert outcome.applied == 3
    assert rows(path, "SELECT id, v FROM t ORDER BY id") == [(2, "2"), (10, "1")]


def test_the_pending_panel_lists_statements_in_staging_order() -> None:
    info = keyed_table(T, "u")
    changes: list[Change] = [
        RowDelete(T, key(1), (("id", 1), ("u", "a"))),
        RowInsert(T, (("id", 1), ("u", "a")), 1),
        CellEdit(T, key(2), "u", "b", "c"),
        CellEdit(T, key(2), "id", 2, 3),
        RowInsert(T, (("u", "d"),), 2),
    ]
    planned = plan_save(changes, {T: info}, sqlite_dialect.dialect())
    assert [p.sql.split()[0] for p in planned] == ["DELETE", "INSERT", "UPDATE", "INSERT"]
    assert planned[2].changes == tuple(changes[2:4])
    shown = pending_text(changes, planned).plain
    at = [shown.index(p.sql) for p in planned]
    assert at == sorted(at)
