"""A row is named by its key exactly: another row whose key SQLite calls equal (the integer 1
and the real 1.0, 'Abc' and 'ABC' under NOCASE) is another row, and a key of invalid UTF-8
names its row for the save, the re-read, the page query and the count of referring rows."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from tests.tui.db.edithelpers import describe, sqlite_file
from tests.tui.db.edithelpers import details as describe_details
from tests.tui.db.savehelpers import OpenDb, other_writer, rows, save
from tui.db.delete_effects import row_effects
from tui.db.dialects import strategy_for
from tui.db.edits import CellEdit, RowDelete
from tui.db.model import TableRef
from tui.db.paging import Pager, RowQuery
from tui.db.source import DataSource
from tui.db.target import resolve_target
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


# -- invalid UTF-8 in a key ------------------------------------------------------------------

BAD_FE = b"\xfe".decode("utf-8", "surrogateescape")
BAD_FF = b"\xff".decode("utf-8", "surrogateescape")


@pytest.fixture
async def badk(tmp_path: Path) -> AsyncIterator[tuple[Path, DataSource]]:
    """``badk`` keyed by TEXT that is not UTF-8, opened as the application opens it (TEXT read
    with surrogateescape)."""
    path = sqlite_file(
        tmp_path / "badk.db",
        [
            "CREATE TABLE badk (k TEXT PRIMARY KEY, v INT) WITHOUT ROWID",
            "INSERT INTO badk VALUES (CAST(x'ff' AS TEXT), 1), (CAST(x'fe' AS TEXT), 2), ('a', 3)",
            "CREATE TABLE kid (id INTEGER PRIMARY KEY, k REFERENCES badk(k) ON DELETE CASCADE)",
            "INSERT INTO kid VALUES (1, CAST(x'fe' AS TEXT))",
        ],
    )
    source = await DataSource.open(resolve_target(f"sqlite:///{path}", default_url=""))
    try:
        yield path, source
    finally:
        await source.close()


HEX = "SELECT hex(k), typeof(k), v FROM badk ORDER BY k"


async def test_the_rows_referring_to_a_key_of_invalid_utf8_are_counted(
    badk: tuple[Path, DataSource],
) -> None:
    _, source = badk
    details = await describe_details(source.engine, "badk")
    counted = await source.run(
        lambda conn: row_effects(conn, details, [{"k": BAD_FE, "v": 2}, {"k": BAD_FF, "v": 1}])
    )
    assert [[e.rows for e in row] for row in counted] == [[1], [0]]


async def test_a_key_of_invalid_utf8_is_read_edited_and_deleted(
    badk: tuple[Path, DataSource],
) -> None:
    path, source = badk
    info = await describe(source.engine, "badk")
    key = RowKey(("k",), (BAD_FE,))
    assert await source.run(lambda conn: read_value(conn, info, key, "v")) == 2
    assert (await save(source.engine, [CellEdit(BADK, key, "v", 2, 20)], ["badk"])).ok
    assert rows(path, HEX) == [("61", "text", 3), ("FE", "text", 20), ("FF", "text", 1)]
    delete = RowDelete(BADK, RowKey(("k",), (BAD_FF,)), (("k", BAD_FF), ("v", 1)))
    assert (await save(source.engine, [delete], ["badk"])).ok
    assert rows(path, HEX) == [("61", "text", 3), ("FE", "text", 20)]


async def test_pages_after_and_before_a_key_of_invalid_utf8(
    badk: tuple[Path, DataSource],
) -> None:
    _, source = badk
    info = await describe(source.engine, "badk")
    pager = Pager(info, strategy_for("sqlite"), RowQuery())
    first = await source.run(lambda conn: pager.fetch(conn, limit=2))
    assert [r[0] for r in first.rows] == ["a", BAD_FE]
    rest = await source.run(lambda conn: pager.fetch(conn, after=first.cursors[-1], limit=2))
    assert [r[0] for r in rest.rows] == [BAD_FF]
    back = await source.run(lambda conn: pager.fetch(conn, before=rest.cursors[0], limit=1))
    assert [r[0] for r in back.rows] == [BAD_FE]
    here = await source.run(lambda conn: pager.cursor_of(conn, RowKey(("k",), (BAD_FF,))))
    assert here == rest.cursors[0]


def test_a_change_staged_for_the_integer_key_1_is_not_the_real_1_0_rows() -> None:
    """The grid asks the staged set by key: 1 and 1.0 (equal in Python) are two rows."""
    from tui.db.edits import ChangeSet

    table = TableRef("mixed")
    integer, real = RowKey(("k",), (1,)), RowKey(("k",), (1.0,))
    staged = ChangeSet()
    staged.stage(CellEdit(table, integer, "v", "int1", "M1"))
    staged.stage(RowDelete(table, RowKey(("k",), ("1",)), ()))
    assert staged.edit_of(table, integer, "v") is not None
    assert staged.edit_of(table, real, "v") is None
    assert not staged.is_deleted(table, integer)
    assert staged.is_deleted(table, RowKey(("k",), ("1",)))
    assert len({integer, real, RowKey(("k",), (1,))}) == 2
