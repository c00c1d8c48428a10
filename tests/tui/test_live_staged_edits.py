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
    async with editing(acct_db, "acct") as (app, pilot, screen, grid):
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
