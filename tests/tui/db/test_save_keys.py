"""A row is named by its key exactly: another row whose key SQLite calls equal (the integer 1
and the real 1.0, 'Abc' and 'ABC' under NOCASE) is another row.
"""

from __future__ import annotations

import pytest

from tests.tui.db.edithelpers import describe
from tests.tui.db.savehelpers import OpenDb, other_writer, rows, save
from tui.db.edits import CellEdit, RowDelete
from tui.db.model import TableRef
from tui.db.values import RowGoneError, RowKey, read_value

MIXED = TableRef("mixed")
CASED = TableRef("cased")
BADK = TableRef("badk")


REPLACE_INTEGER_BY_REAL = (
    "DELETE FROM mixed WHERE k = 1 AND typeof(k) = 'integer'",
    "INSERT INTO mixed VALUES (1.0, 'int1')",
)
ALL_MIXED = "SELECT typeof(k), k, v FROM mixed ORDER BY typeof(k), v"
BEFORE = [("real", 1.0, "int1"), ("text", "1", "text1")]


async def test_an_edit_of_the_integer_key_1_does_not_land_on_the_real_1_0(
    open_db: OpenDb,
) -> None:
    path, engine = open_db(
        "mixed.db",
        [
            "CREATE TABLE mixed (k PRIMARY KEY, v TEXT)",
            "INSERT INTO mixed VALUES (1, 'int1'), ('1', 'text1')",
        ],
    )
    edit = CellEdit(MIXED, RowKey(("k",), (1,)), "v", "int1", "M1")
    other_writer(path, *REPLACE_INTEGER_BY_REAL)
    outcome = await save(engine, [edit], ["mixed"])
    assert not outcome.ok and outcome.conflict is not None
    assert outcome.conflict.current is None  # the "now" read finds no row either
    assert "deleted" in outcome.reason
    assert rows(path, ALL_MIXED) == BEFORE


async def test_a_deletion_of_the_integer_key_1_does_not_take_the_real_1_0(
    open_db: OpenDb,
) -> None:
    path, engine = open_db(
        "mixed.db",
        [
            "CREATE TABLE mixed (k PRIMARY KEY, v TEXT)",
            "INSERT INTO mixed VALUES (1, 'int1'), ('1', 'text1')",
        ],
    )
    delete = RowDelete(MIXED, RowKey(("k",), (1,)), (("k", 1), ("v", "int1")))
    other_writer(path, *REPLACE_INTEGER_BY_REAL)
    outcome = await save(engine, [delete], ["mixed"])
    assert not outcome.ok and outcome.conflict is not None
    assert rows(path, ALL_MIXED) == BEFORE


@pytest.mark.parametrize("collation", ["NOCASE", "RTRIM"])
async def test_an_edit_does_not_land_on_a_key_the_collation_calls_equal(
    open_db: OpenDb, collation: str
) -> None:
    path, engine = open_db(
        "cased.db",
        [
            f"CREATE TABLE cased (k TEXT COLLATE {collation} PRIMARY KEY, v TEXT)",
            "INSERT INTO cased VALUES ('Abc', 'x')",
        ],
    )
    theirs = "ABC" if collation == "NOCASE" else "Abc  "
    other_writer(path, "DELETE FROM cased", f"INSERT INTO cased VALUES ('{theirs}', 'x')")
    edit = CellEdit(CASED, RowKey(("k",), ("Abc",)), "v", "x", "mine")
    outcome = await save(engine, [edit], ["cased"])
    assert not outcome.ok and outcome.conflict is not None
    assert outcome.conflict.current is None
    assert rows(path, "SELECT k, v FROM cased") == [(theirs, "x")]


async def test_reading_a_value_by_key_does_not_read_another_storage_class(
    open_db: OpenDb,
) -> None:
    path, engine = open_db(
        "mixed.db",
        [
            "CREATE TABLE mixed (k PRIMARY KEY, v TEXT)",
            "INSERT INTO mixed VALUES (1, 'int1'), ('1', 'text1')",
        ],
    )
    info = await describe(engine, "mixed")
    other_writer(path, *REPLACE_INTEGER_BY_REAL)
    async with engine.connect() as conn:
        assert await read_value(conn, info, RowKey(("k",), ("1",)), "v") == "text1"
        with pytest.raises(RowGoneError):
            await read_value(conn, info, RowKey(("k",), (1,)), "v")
