"""A deletion's announced effects (rows of other tables it cascades to, sets NULL in, or is
refused by) are counted again when the save runs: another user who added a referring row
meanwhile makes it a conflict, never a silent extra deletion."""

from __future__ import annotations

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.tui.db.edithelpers import details
from tests.tui.db.savehelpers import JOURNALS, OpenDb, file_hashes, other_writer, rows, save
from tui.db.delete_effects import CAP, TooManyReferrersError, row_effects, total
from tui.db.edits import ChangeSet, RowDelete
from tui.db.model import TableRef
from tui.db.save import resolve_conflict
from tui.db.values import RowKey

T = TableRef("t")
SCHEMA = [
    "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)",
    "CREATE TABLE c (id INTEGER PRIMARY KEY, t_id INT REFERENCES t (id) ON DELETE CASCADE)",
    "CREATE TABLE n (id INTEGER PRIMARY KEY, t_id INT REFERENCES t (id) ON DELETE SET NULL)",
    "INSERT INTO t VALUES (1, 'one'), (2, 'two')",
    "INSERT INTO c VALUES (1, 1), (2, 1)",
]


async def staged_delete(engine: AsyncEngine, key: int, name: str) -> RowDelete:
    """The deletion of row ``key`` as the screen stages it, effects counted."""
    detail = await details(engine, "t")
    row = {"id": key, "name": name}
    async with engine.connect() as conn:
        (effects,) = await row_effects(conn, detail, [row])
    return RowDelete(T, RowKey(("id",), (key,)), tuple(row.items()), effects)


@pytest.mark.parametrize("wal", JOURNALS)
async def test_a_child_added_after_staging_stops_the_cascade(wal: bool, open_db: OpenDb) -> None:
    path, engine = open_db("e.db", SCHEMA, wal=wal)
    delete = await staged_delete(engine, 1, "one")
    assert [(e.table, e.action, e.rows) for e in total([delete.effects or ()])] == [
        ("c", "CASCADE", 2)
    ]
    other_writer(path, "INSERT INTO c VALUES (3, 1)")
    before = file_hashes(path)
    outcome = await save(engine, [delete], ["t", "c", "n"])
    assert not outcome.ok
    assert outcome.conflict is not None and outcome.conflict.effects is not None
    assert "3 rows of c refer to it (CASCADE) instead of 2" in outcome.reason
    assert "nothing was saved" in outcome.reason
    assert rows(path, "SELECT count(*) FROM c") == [(3,)]
    assert file_hashes(path) == before
    # Kept knowingly: staged again with the new count, the save deletes all three.
    changes = ChangeSet()
    changes.stage(delete)
    resolve_conflict(changes, outcome.conflict, keep_mine=True)
    (again,) = changes.changes
    assert isinstance(again, RowDelete) and again.effects == outcome.conflict.effects
    outcome = await save(engine, [again], ["t", "c", "n"])
    assert outcome.ok, outcome.reason
    assert rows(path, "SELECT count(*) FROM c") == [(0,)]
    assert rows(path, "SELECT id FROM t") == [(2,)]


async def test_a_set_null_referrer_added_after_staging_is_a_conflict(open_db: OpenDb) -> None:
    """From none to one: a foreign key that referred to no row when staged counts too."""
    path, engine = open_db("n.db", SCHEMA)
    delete = await staged_delete(engine, 2, "two")
    assert total([delete.effects or ()]) == ()
    other_writer(path, "INSERT INTO n VALUES (1, 2)")
    outcome = await save(engine, [delete], ["t", "c", "n"])
    assert outcome.conflict is not None
    assert "1 row of n refers to it (SET NULL) instead of 0" in outcome.reason
    assert rows(path, "SELECT id, t_id FROM n") == [(1, 2)]
    assert rows(path, "SELECT count(*) FROM t") == [(2,)]


async def test_fewer_children_is_a_conflict_too_and_unchanged_counts_save(
    open_db: OpenDb,
) -> None:
    path, engine = open_db("f.db", SCHEMA)
    delete = await staged_delete(engine, 1, "one")
    other_writer(path, "DELETE FROM c WHERE id = 2")
    outcome = await save(engine, [delete], ["t", "c", "n"])
    assert outcome.conflict is not None
    assert "1 row of c refers to it (CASCADE) instead of 2" in outcome.reason
    # Another column of another table changed: the counts are the same, the save runs.
    path2, engine2 = open_db("g.db", SCHEMA)
    delete = await staged_delete(engine2, 1, "one")
    other_writer(path2, "INSERT INTO c VALUES (9, 2)")
    outcome = await save(engine2, [delete], ["t", "c", "n"])
    assert outcome.ok, outcome.reason
    assert rows(path2, "SELECT id FROM c") == [(9,)]


async def test_counts_are_taken_before_this_saves_own_changes(open_db: OpenDb) -> None:
    """A child staged for deletion before its parent is no difference: the counts compared are
    of the database before the save, as the confirmation counted them."""
    path, engine = open_db("o.db", SCHEMA)
    detail = await details(engine, "c")
    child = RowDelete(TableRef("c"), RowKey(("id",), (2,)), (("id", 2), ("t_id", 1)), ())
    assert detail.referenced_by == ()
    parent = await staged_delete(engine, 1, "one")
    outcome = await save(engine, [child, parent], ["t", "c", "n"])
    assert outcome.ok, outcome.reason
    assert rows(path, "SELECT count(*) FROM c") == [(0,)]


@pytest.mark.parametrize("wal", JOURNALS)
async def test_other_children_of_the_same_number_stop_the_cascade(
    wal: bool, open_db: OpenDb
) -> None:
    """The hostile recipe: one announced child replaced by another, the count unchanged."""
    path, engine = open_db("same.db", SCHEMA, wal=wal)
    delete = await staged_delete(engine, 1, "one")
    other_writer(path, "DELETE FROM c WHERE id = 2", "INSERT INTO c VALUES (11, 1)")
    before = file_hashes(path)
    outcome = await save(engine, [delete], ["t", "c", "n"])
    assert not outcome.ok and outcome.conflict is not None
    assert "the 2 rows of c that refer to it (CASCADE) are not the ones announced" in outcome.reason
    assert rows(path, "SELECT id, t_id FROM c ORDER BY id") == [(1, 1), (11, 1)]
    assert file_hashes(path) == before


async def test_a_set_null_referrer_swapped_for_another_is_a_conflict(open_db: OpenDb) -> None:
    path, engine = open_db("swap.db", [*SCHEMA, "INSERT INTO n VALUES (5, 2)"])
    delete = await staged_delete(engine, 2, "two")
    other_writer(path, "UPDATE n SET t_id = NULL WHERE id = 5", "INSERT INTO n VALUES (6, 2)")
    outcome = await save(engine, [delete], ["t", "c", "n"])
    assert outcome.conflict is not None
    assert rows(path, "SELECT id, t_id FROM n ORDER BY id") == [(5, None), (6, 2)]


async def test_children_without_a_declared_key_are_told_apart_by_rowid(
    open_db: OpenDb,
) -> None:
    path, engine = open_db(
        "rowid.db",
        [
            "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT)",
            "CREATE TABLE c (t_id INT REFERENCES t (id) ON DELETE CASCADE, note TEXT)",
            "INSERT INTO t VALUES (1, 'one')",
            "INSERT INTO c VALUES (1, 'a'), (1, 'b'), (NULL, 'spare')",
        ],
    )
    delete = await staged_delete(engine, 1, "one")
    other_writer(
        path, "DELETE FROM c WHERE note = 'a'", "UPDATE c SET t_id = 1 WHERE note = 'spare'"
    )
    outcome = await save(engine, [delete], ["t", "c"])
    assert outcome.conflict is not None
    assert rows(path, "SELECT note FROM c ORDER BY note") == [("b",), ("spare",)]


async def test_unchanged_children_still_save(open_db: OpenDb) -> None:
    path, engine = open_db("same.db", SCHEMA)
    delete = await staged_delete(engine, 1, "one")
    other_writer(path, "INSERT INTO c VALUES (7, 2)")  # a child of another row
    outcome = await save(engine, [delete], ["t", "c", "n"])
    assert outcome.ok, outcome.reason
    assert rows(path, "SELECT id, t_id FROM c") == [(7, 2)]


async def test_more_children_than_can_be_checked_refuse_the_staging(open_db: OpenDb) -> None:
    _, engine = open_db(
        "many.db",
        [
            *SCHEMA,
            "WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n"
            f" WHERE i < {CAP + 1}) INSERT INTO c (t_id) SELECT 2 FROM n",
        ],
    )
    with pytest.raises(TooManyReferrersError, match=r"10,001 rows of c \(CASCADE\)"):
        await staged_delete(engine, 2, "two")
