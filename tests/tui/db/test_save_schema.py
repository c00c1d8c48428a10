"""Another connection changes a table's columns between staging and save: the save stops
before writing anything, says what changed, keeps every change staged, and hands back the
table as it is now so the next save runs on it."""

from __future__ import annotations

from dataclasses import replace

from tests.tui.db.edithelpers import describe
from tests.tui.db.savehelpers import OpenDb, file_hashes, other_writer, rows
from tui.db.edits import CellEdit, RowDelete
from tui.db.model import TableRef
from tui.db.save import plan_save, save_changes, schema_difference
from tui.db.values import RowKey

T = TableRef("t")
SCHEMA = [
    "CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, n INTEGER)",
    "INSERT INTO t VALUES (1, 'one', 1), (2, 'two', 2)",
]


async def test_a_column_added_after_staging_stops_a_deletion(open_db: OpenDb) -> None:
    """The deletion compared every column the person saw; the new column holds a value they
    never saw: nothing is deleted until the columns are read again."""
    path, engine = open_db("a.db", SCHEMA)
    info = await describe(engine, "t")
    delete = RowDelete(T, RowKey(("id",), (1,)), (("id", 1), ("name", "one"), ("n", 1)))
    planned = plan_save([delete], {T: info}, engine.dialect)
    other_writer(path, "ALTER TABLE t ADD COLUMN secret TEXT", "UPDATE t SET secret = 'kept'")
    before = file_hashes(path)
    async with engine.connect() as conn:
        outcome = await save_changes(conn, planned, {T: info})
    assert not outcome.ok and outcome.conflict is None
    assert "the schema changed" in outcome.reason and "added secret" in outcome.reason
    assert "still staged" in outcome.reason
    assert file_hashes(path) == before
    (now,) = outcome.changed_tables
    assert [c.name for c in now.columns] == ["id", "name", "n", "secret"]
    # On the table as it is now, the same staged deletion saves.
    planned = plan_save([delete], {T: now}, engine.dialect)
    async with engine.connect() as conn:
        outcome = await save_changes(conn, planned, {T: now})
    assert outcome.ok, outcome.reason
    assert rows(path, "SELECT id FROM t") == [(2,)]


async def test_renamed_and_retyped_columns_are_named(open_db: OpenDb) -> None:
    path, engine = open_db("r.db", SCHEMA)
    info = await describe(engine, "t")
    edit = CellEdit(T, RowKey(("id",), (1,)), "name", "one", "mine")
    planned = plan_save([edit], {T: info}, engine.dialect)
    other_writer(path, "ALTER TABLE t RENAME COLUMN name TO title")
    async with engine.connect() as conn:
        outcome = await save_changes(conn, planned, {T: info})
    assert "renamed name to title" in outcome.reason and "removed" not in outcome.reason
    assert rows(path, "SELECT title FROM t WHERE id = 1") == [("one",)]
    retyped = await describe(engine, "t")
    text_n = replace(retyped.columns[2], type_name="TEXT")
    altered = replace(retyped, columns=(*retyped.columns[:2], text_n))
    assert schema_difference(retyped, altered) == "column n INTEGER -> TEXT"
    assert schema_difference(retyped, retyped) == ""
