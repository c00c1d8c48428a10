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
