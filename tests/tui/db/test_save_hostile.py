"""Saves that a hostile tester broke: a rowid another row received after VACUUM, columns
whose collation finds 'abc' equal to 'ABC', and "keep mine" on a rowid-named row."""

from __future__ import annotations

import pytest

from tests.tui.db.savehelpers import JOURNALS, OpenDb, other_writer, rows, save
from tui.db.edits import CellEdit, ChangeSet
from tui.db.model import TableRef
from tui.db.save import resolve_conflict
from tui.db.values import RowKey

NK = TableRef("nk")


def rowid_key(rowid: int) -> RowKey:
    return RowKey(("rowid",), (rowid,), True)


@pytest.mark.parametrize("wal", JOURNALS)
async def test_an_edit_never_lands_on_the_row_that_received_its_rowid(
    open_db: OpenDb, wal: bool
) -> None:
    """The rows a=2 and a=3 both hold 'dup'; a=2 is deleted and VACUUM gives rowid 2 to a=3."""
    path, engine = open_db(
        "nk.db",
        ["CREATE TABLE nk (a, b)", "INSERT INTO nk VALUES (1, 'x'), (2, 'dup'), (3, 'dup')"],
        wal=wal,
    )
    edit = CellEdit(NK, rowid_key(2), "b", "dup", "mine", row=(("a", 2),))
    other_writer(path, "DELETE FROM nk WHERE a = 2", "VACUUM")
    assert rows(path, "SELECT rowid, a, b FROM nk") == [(1, 1, "x"), (2, 3, "dup")]
    outcome = await save(engine, [edit], ["nk"])
    assert not outcome.ok and outcome.conflict is not None
    assert rows(path, "SELECT rowid, a, b FROM nk") == [(1, 1, "x"), (2, 3, "dup")]


async def test_keep_mine_on_a_rowid_row_compares_the_row_as_it_is_now(open_db: OpenDb) -> None:
    path, engine = open_db("nk.db", ["CREATE TABLE nk (a, b)", "INSERT INTO nk VALUES (1, 'x')"])
    changes = ChangeSet()
    changes.stage(CellEdit(NK, rowid_key(1), "b", "x", "mine", row=(("a", 1),)))
    other_writer(path, "UPDATE nk SET a = 10, b = 'theirs'")
    outcome = await save(engine, changes.changes, ["nk"])
    assert outcome.conflict is not None
    resolve_conflict(changes, outcome.conflict, keep_mine=True)
    assert (await save(engine, changes.changes, ["nk"])).ok
    assert rows(path, "SELECT a, b FROM nk") == [(10, "mine")]


@pytest.mark.parametrize("collation", ["NOCASE", "RTRIM"])
async def test_a_change_the_collation_calls_equal_is_still_a_conflict(
    open_db: OpenDb, collation: str
) -> None:
    path, engine = open_db(
        "nc.db",
        [
            f"CREATE TABLE nc (id INTEGER PRIMARY KEY, t TEXT COLLATE {collation})",
            "INSERT INTO nc VALUES (1, 'abc')",
        ],
    )
    theirs = "ABC" if collation == "NOCASE" else "abc   "
    other_writer(path, f"UPDATE nc SET t = '{theirs}'")
    edit = CellEdit(TableRef("nc"), RowKey(("id",), (1,)), "t", "abc", "mine")
    outcome = await save(engine, [edit], ["nc"])
    assert not outcome.ok and outcome.conflict is not None
    assert rows(path, "SELECT t FROM nc") == [(theirs,)]


async def test_a_trigger_that_ignores_the_update_is_not_called_a_conflict(open_db: OpenDb) -> None:
    """RAISE(IGNORE) skips the row: nobody else changed it, so no "someone else" dialog
    (keep mine would loop forever), but the save says the database skipped it."""
    path, engine = open_db(
        "ign.db",
        [
            "CREATE TABLE ign (id INTEGER PRIMARY KEY, v TEXT)",
            "INSERT INTO ign VALUES (1, 'a')",
            "CREATE TRIGGER skip BEFORE UPDATE ON ign WHEN new.v = 'skip'"
            " BEGIN SELECT RAISE(IGNORE); END",
        ],
    )
    edit = CellEdit(TableRef("ign"), RowKey(("id",), (1,)), "v", "a", "skip")
    outcome = await save(engine, [edit], ["ign"])
    assert not outcome.ok and outcome.conflict is None
    assert outcome.failed == edit
    assert "skipped" in outcome.reason and "RAISE(IGNORE)" in outcome.reason
    assert rows(path, "SELECT v FROM ign") == [("a",)]


async def test_a_bad_value_edited_again_after_other_rows_no_longer_blocks_the_save(
    open_db: OpenDb,
) -> None:
    """n = -1 (refused by the CHECK) staged on row 1, row 2 edited, row 1 edited again to 6:
    the save writes 6 and row 2's edit, never trying -1."""
    path, engine = open_db(
        "c.db",
        [
            "CREATE TABLE t (id INTEGER PRIMARY KEY, n INT CHECK (n > 0), u TEXT UNIQUE)",
            "INSERT INTO t VALUES (1, 5, 'a'), (2, 7, 'b')",
        ],
    )
    t = TableRef("t")
    changes = ChangeSet()
    changes.stage(CellEdit(t, RowKey(("id",), (1,)), "n", 5, -1))
    changes.stage(CellEdit(t, RowKey(("id",), (2,)), "n", 7, 8))
    changes.stage(CellEdit(t, RowKey(("id",), (1,)), "n", 5, 6))
    outcome = await save(engine, changes.changes)
    assert outcome.ok, outcome.reason
    assert rows(path, "SELECT id, n FROM t ORDER BY id") == [(1, 6), (2, 8)]


@pytest.mark.parametrize(
    ("create", "strict"),
    [
        pytest.param("CREATE TABLE t (id INTEGER PRIMARY KEY, v)", False, id="no-type"),
        pytest.param("CREATE TABLE t (id INTEGER PRIMARY KEY, v BLOB)", False, id="blob"),
        pytest.param("CREATE TABLE t (id INTEGER PRIMARY KEY, v ANY) STRICT", True, id="any"),
    ],
)
async def test_a_change_of_storage_class_alone_is_a_conflict(
    open_db: OpenDb, create: str, strict: bool
) -> None:
    """The user saw the integer 1; another user stored the real 1.0 (``1 IS 1.0`` is true):
    neither the edit of the cell nor the deletion of the row overwrites it."""
    from tui.db.edits import RowDelete

    path, engine = open_db("s.db", [create, "INSERT INTO t VALUES (1, 1), (2, 2)"])
    t = TableRef("t")
    other_writer(path, "UPDATE t SET v = 1.0 WHERE id = 1", "UPDATE t SET v = '2' WHERE id = 2")
    before = rows(path, "SELECT id, typeof(v), v FROM t ORDER BY id")
    assert before == [(1, "real", 1.0), (2, "text", "2")]
    edit = await save(engine, [CellEdit(t, RowKey(("id",), (1,)), "v", 1, "mine")])
    assert edit.conflict is not None, edit.reason
    assert "it is now 1.0" in edit.reason
    delete = RowDelete(t, RowKey(("id",), (1,)), (("id", 1), ("v", 1)))
    assert (await save(engine, [delete])).conflict is not None
    delete = RowDelete(t, RowKey(("id",), (2,)), (("id", 2), ("v", 2)))
    assert (await save(engine, [delete])).conflict is not None
    assert rows(path, "SELECT id, typeof(v), v FROM t ORDER BY id") == before
    # As it is now, it saves (the class is compared as bound: real).
    outcome = await save(engine, [CellEdit(t, RowKey(("id",), (1,)), "v", 1.0, "mine")])
    assert outcome.ok, outcome.reason
    assert rows(path, "SELECT typeof(v), v FROM t WHERE id = 1") == [("text", "mine")]


async def test_typeof_is_compared_only_where_the_type_does_not_fix_the_class(
    open_db: OpenDb,
) -> None:
    from tests.tui.db.edithelpers import describe
    from tui.db.save import plan_save

    _, engine = open_db(
        "p.db",
        ["CREATE TABLE t (id INTEGER PRIMARY KEY, a, b NUMERIC, c INTEGER, d TEXT, e REAL)"],
    )
    t = TableRef("t")
    info = await describe(engine, "t")
    key = RowKey(("id",), (1,))
    edits = [CellEdit(t, key, name, 1, 2) for name in "abcde"]
    (planned,) = plan_save(edits, {t: info}, engine.dialect)
    assert planned.sql.count("typeof(") == 2
    assert "typeof(t.a) = ?" in planned.sql and "typeof(t.b) = ?" in planned.sql
    assert ("t5", "integer") in planned.params or any(v == "integer" for _, v in planned.params)
    null = plan_save([CellEdit(t, key, "a", None, 2)], {t: info}, engine.dialect)
    assert "typeof(" not in null[0].sql  # IS NULL: NULL is a class of its own
