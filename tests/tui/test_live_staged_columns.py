"""Staged changes when another connection alters *other* columns of the edited table.

An ALTER that does not touch a staged change's columns never makes a save fail once the
screen has read the columns again: on SQLite the screen follows the change at once, so the
first ctrl+s saves; on a server the first save finds the change, says it in words (a rename
as ``renamed a to b``) and the next one saves. A change on a column that was renamed is
refused, naming the rename.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from tests.tui.editing import (
    edit_to,
    editing,
    fill_form,
    notices,
    other_user,
    press,
    rows,
    to_column,
)
from tests.tui.scenes import settle


@pytest.fixture
def acct_db(tmp_path: Path) -> Path:
    path = tmp_path / "cols.db"
    conn = sqlite3.connect(path)
    conn.execute("PRAGMA journal_mode=WAL")
    conn.execute("CREATE TABLE acct (id INTEGER PRIMARY KEY, owner TEXT, bal INTEGER, note TEXT)")
    conn.executemany(
        "INSERT INTO acct VALUES (?, ?, ?, ?)", [(i, f"o{i}", i * 10, "n") for i in range(20)]
    )
    conn.commit()
    conn.close()
    return path


@pytest.mark.parametrize(
    "ddl",
    [
        "ALTER TABLE acct RENAME COLUMN owner TO holder",
        "ALTER TABLE acct ADD COLUMN extra TEXT",
        "ALTER TABLE acct DROP COLUMN owner",
        "ALTER TABLE acct DROP COLUMN note",
    ],
)
async def test_the_first_save_after_another_column_changed_saves(acct_db: Path, ddl: str) -> None:
    async with editing(acct_db, "acct", monitor=False) as (app, pilot, screen, grid):
        grid.move_to(1)
        to_column(grid, "bal")
        await edit_to(pilot, "777")
        other_user(acct_db, ddl)
        screen.data_changed()
        await settle(pilot)
        assert screen.gone_changes() == {}
        await press(pilot, "ctrl+s")
        said = " ".join(notices(app))
        assert len(screen.changes) == 0, said
        assert "Save failed" not in said and "schema changed" not in said
        assert rows(acct_db, "SELECT bal FROM acct WHERE id = 1") == [(777,)]


async def test_a_deletion_saves_after_a_column_it_compared_was_renamed(acct_db: Path) -> None:
    async with editing(acct_db, "acct", monitor=False) as (app, pilot, screen, grid):
        grid.move_to(3)
        await press(pilot, "d")
        await press(pilot, "enter")  # the confirmation
        assert len(screen.changes) == 1
        other_user(acct_db, "ALTER TABLE acct RENAME COLUMN note TO memo")
        screen.data_changed()
        await settle(pilot)
        await press(pilot, "ctrl+s")
        assert len(screen.changes) == 0, notices(app)
        assert rows(acct_db, "SELECT count(*) FROM acct WHERE id = 3") == [(0,)]


async def test_an_edit_of_a_renamed_column_is_refused_naming_the_rename(acct_db: Path) -> None:
    async with editing(acct_db, "acct", monitor=False) as (app, pilot, screen, grid):
        grid.move_to(1)
        to_column(grid, "bal")
        await edit_to(pilot, "777")
        other_user(acct_db, "ALTER TABLE acct RENAME COLUMN bal TO balance")
        screen.data_changed()
        await settle(pilot)
        said = "another connection renamed bal to balance since you staged 777"
        assert said in " ".join(screen.gone_changes().values())
        await press(pilot, "ctrl+s")
        body = str(app.screen.query_one("#pending-body").render())
        assert said in body and "added" not in body and "removed" not in body
        await press(pilot, "escape")
        assert len(screen.changes) == 1
        assert said in " ".join(notices(app))
        assert rows(acct_db, "SELECT balance FROM acct WHERE id = 1") == [(10,)]


@pytest.mark.parametrize(
    "server",
    [
        pytest.param("postgres_url", marks=pytest.mark.postgres),
        pytest.param("mariadb_url", marks=pytest.mark.mariadb),
    ],
)
async def test_a_server_says_a_rename_as_a_rename_then_saves(
    server: str, request: pytest.FixtureRequest
) -> None:
    """No live schema follow on a server: the first save finds the rename and says so in
    words; the screen then reads the columns again and the next save writes the edit."""
    url: str = request.getfixturevalue(server)
    other_user(url, "DROP TABLE IF EXISTS acct")
    other_user(url, "CREATE TABLE acct (id INTEGER PRIMARY KEY, owner TEXT, bal INTEGER)")
    other_user(url, "INSERT INTO acct VALUES (1, 'o1', 10), (2, 'o2', 20)")
    try:
        async with editing(url, "acct") as (app, pilot, screen, grid):
            grid.move_to(1)
            to_column(grid, "bal")
            await edit_to(pilot, "777")
            other_user(url, "ALTER TABLE acct RENAME COLUMN owner TO holder")
            await press(pilot, "ctrl+s")
            said = " ".join(notices(app))
            assert "renamed owner to holder" in said
            assert "added" not in said and "removed" not in said
            await press(pilot, "escape")
            assert len(screen.changes) == 1
            await press(pilot, "ctrl+s")
            assert len(screen.changes) == 0, notices(app)
            assert rows(url, "SELECT bal FROM acct WHERE id = 2") == [(777,)]
    finally:
        other_user(url, "DROP TABLE IF EXISTS acct")


@pytest.mark.parametrize("follows", [True, False], ids=["followed", "found-at-save"])
async def test_a_new_row_with_a_value_for_a_dropped_column_is_marked_and_kept(
    acct_db: Path, follows: bool
) -> None:
    """The new row is marked in the pending panel as an edit is ('column gone: …'), and the
    save refuses it naming the column, whether the screen followed the DROP at once or the
    save found it; the row stays staged, nothing is written."""
    async with editing(acct_db, "acct", monitor=False) as (app, pilot, screen, _grid):
        await press(pilot, "i")
        await fill_form(pilot, {1: "newcomer", 3: "hello"})
        assert len(screen.changes) == 1
        other_user(acct_db, "ALTER TABLE acct DROP COLUMN note")
        said = "another connection dropped the column note since you staged this new row"
        if follows:
            screen.data_changed()
            await settle(pilot)
            assert said in " ".join(screen.gone_changes().values())
            assert "1 staged change is on a column renamed or dropped" in " ".join(notices(app))
        await press(pilot, "ctrl+s")
        body = " ".join(str(app.screen.query_one("#pending-body").render()).split())
        assert f"column gone: {said} (note = 'hello'): discard it or stage it again" in body
        await press(pilot, "escape")
        assert len(screen.changes) == 1
        assert said in " ".join(notices(app))
        assert "no column 'note'" not in " ".join(notices(app))
        assert rows(acct_db, "SELECT count(*) FROM acct WHERE owner = 'newcomer'") == [(0,)]
        # Stage it again without note: it saves.
        await press(pilot, "p")
        await press(pilot, "x")
        await press(pilot, "escape")
        await press(pilot, "i")
        await fill_form(pilot, {1: "newcomer"})
        await press(pilot, "ctrl+s")
        assert len(screen.changes) == 0, notices(app)
        assert rows(acct_db, "SELECT count(*) FROM acct WHERE owner = 'newcomer'") == [(1,)]
