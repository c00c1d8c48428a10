"""Staged edits when another connection changes the edited table's columns (hostile2, N1-N3).

A staged edit is bound to the column it was staged on, not only to its name: a column renamed
and another added under the old name must never receive the edit, on any save.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.tui.editing import edit_to, editing, notices, press, to_column
from tests.tui.scenes import settle


@pytest.fixture
def acct_db(tmp_path: Path) -> Path:
    path = tmp_path / "live.db"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE acct (id INTEGER PRIMARY KEY, owner TEXT, bal INTEGER)")
    conn.executemany("INSERT INTO acct VALUES (?, ?, ?)", [(i, f"o{i}", i * 10) for i in range(20)])
    conn.commit()
    conn.close()
    return path


def other_connection(path: Path, *statements: str) -> None:
    conn = sqlite3.connect(path)
    for sql in statements:
        conn.execute(sql)
    conn.commit()
    conn.close()


def row(path: Path, sql: str) -> tuple[object, ...]:
    conn = sqlite3.connect(path)
    try:
        found = conn.execute(sql).fetchone()
    finally:
        conn.close()
    assert found is not None
    return tuple(found)


async def test_an_edit_never_goes_to_a_new_column_under_the_old_name(acct_db: Path) -> None:
    async with editing(acct_db, "acct", monitor=False) as (app, pilot, screen, grid):
        grid.move_to(1)
        to_column(grid, "bal")
        await edit_to(pilot, "777")
        assert len(screen.changes) == 1
        other_connection(
            acct_db,
            "ALTER TABLE acct RENAME COLUMN bal TO oldbal",
            "ALTER TABLE acct ADD COLUMN bal INTEGER",
            "UPDATE acct SET bal = oldbal",
        )
        screen.data_changed()
        await settle(pilot)
        for _ in range(3):  # "save again", as the refusal used to invite
            await press(pilot, "ctrl+s")
            await press(pilot, "escape")  # the pending panel the refusal opens
            assert row(acct_db, "SELECT oldbal, bal FROM acct WHERE id = 1") == (10, 10)
            assert len(screen.changes) == 1  # kept until the user discards it
        said = " ".join(notices(app))
        assert "bal was renamed or re-created by another connection since you staged 777" in said
        assert "discard this change or stage it again" in said


async def test_an_edit_of_a_column_dropped_elsewhere_is_flagged_at_once(acct_db: Path) -> None:
    async with editing(acct_db, "acct", monitor=False) as (_app, pilot, screen, grid):
        to_column(grid, "owner")
        await edit_to(pilot, "EDITED0")
        grid.move_to(1)
        to_column(grid, "bal")
        await edit_to(pilot, "777")
        assert len(screen.changes) == 2
        other_connection(acct_db, "ALTER TABLE acct DROP COLUMN owner")
        screen.data_changed()
        await settle(pilot)
        assert "1 staged change is on a column renamed or dropped" in " ".join(notices(_app))
        await press(pilot, "p")
        body = str(pilot.app.screen.query_one("#pending-body").render())
        assert "column gone: owner was renamed or dropped by another connection" in body
        await press(pilot, "x")  # the line selected: the change whose column is gone
        assert [c.column for c in screen.changes.changes] == ["bal"]  # type: ignore[union-attr]
        await press(pilot, "escape")
        await press(pilot, "ctrl+s")  # the screen followed the DROP: the first save saves
        assert len(screen.changes) == 0
        assert row(acct_db, "SELECT bal FROM acct WHERE id = 1") == (777,)


async def test_an_edit_in_a_table_renamed_elsewhere_is_never_saved_to_another(
    acct_db: Path,
) -> None:
    async with editing(acct_db, "acct", monitor=False) as (app, pilot, screen, grid):
        grid.move_to(2)
        to_column(grid, "bal")
        await edit_to(pilot, "1234")
        other_connection(acct_db, "ALTER TABLE acct RENAME TO acct2")
        screen.data_changed()
        await settle(pilot)
        said = (
            "table acct was renamed to acct2 by another connection: the 1 staged change was"
            " made on acct; discard it or stage it again on acct2"
        )
        assert said in " ".join(notices(app))  # the status notice too, until a refresh
        # Even a new table under the old name, with the same columns, gets nothing.
        other_connection(
            acct_db,
            "CREATE TABLE acct (id INTEGER PRIMARY KEY, owner TEXT, bal INTEGER)",
            "INSERT INTO acct VALUES (2, 'decoy', 20)",
        )
        for _ in range(2):
            await press(pilot, "ctrl+s")
            await press(pilot, "escape")
            assert len(screen.changes) == 1
        assert said in " ".join(notices(app))
        assert row(acct_db, "SELECT bal FROM acct2 WHERE id = 2") == (20,)
        assert row(acct_db, "SELECT bal FROM acct WHERE id = 2") == (20,)
        await press(pilot, "p")
        await press(pilot, "x")
        assert len(screen.changes) == 0
