"""Pilot tests of the conflict dialog's columns and of the stated rule for a concurrent
change to another column: a table named by rowid compares the whole row (and the dialog
shows the column someone else changed), a table with a declared key only the edited ones;
a long value shows where it differs."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from rich.console import Console
from rich.table import Table

from tests.tui.editing import edit_to, editing, other_user, press, rows, save, to_column
from tui.screens.conflict import ConflictScreen
from tui.screens.pending import PendingScreen


def printed(table: Table) -> list[str]:
    console = Console(width=110, color_system=None)
    with console.capture() as captured:
        console.print(table)
    return captured.get().splitlines()


def make(path: Path, *statements: str) -> Path:
    conn = sqlite3.connect(path)
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.close()
    return path


async def test_a_rowid_table_shows_the_other_column_that_stopped_the_save(tmp_path: Path) -> None:
    """nokey(a, b): a edited, another user sets b: a conflict whose dialog lists b, marked,
    with what was seen and what is there now; the pending panel said the rule beforehand."""
    path = make(
        tmp_path / "nokey.db",
        "CREATE TABLE nokey (a TEXT, b INTEGER)",
        "INSERT INTO nokey VALUES ('x', 1)",
    )
    async with editing(path, "nokey") as (app, pilot, _screen, grid):
        to_column(grid, "a")
        await edit_to(pilot, "mine")
        await press(pilot, "p")
        assert isinstance(app.screen, PendingScreen)
        panel = app.screen._body.plain
        assert "nokey: no declared key" in panel and "compares every column" in panel
        await press(pilot, "escape")
        other_user(path, "UPDATE nokey SET b = 100 WHERE rowid = 1")
        await save(pilot)
        dialog = app.screen
        assert isinstance(dialog, ConflictScreen)
        lines = printed(dialog._table)
        assert [line.split() for line in lines[1:]] == [
            ["a", "'x'", "'mine'", "'x'"],
            ["≠", "b", "1", "(not", "edited)", "100"],
        ]
        summary = dialog._summary.plain
        assert "≠ changed since you read it: b" in summary
        assert "compares every column" in summary
    assert rows(path, "SELECT a, b FROM nokey") == [("x", 100)]


async def test_a_long_text_shows_where_it_differs(tmp_path: Path) -> None:
    """A table named by rowid: n edited, another user changes character 1,501 of a
    2,000-character body: both body cells start shortly before it, and say the lengths and
    where they differ."""
    long = "a" * 2000
    path = make(
        tmp_path / "long.db",
        "CREATE TABLE doc (body TEXT, n INTEGER)",
        f"INSERT INTO doc VALUES ('{long}', 0)",
    )
    async with editing(path, "doc") as (app, pilot, _screen, grid):
        to_column(grid, "n")
        await edit_to(pilot, "5")
        other_user(path, "UPDATE doc SET body = substr(body, 1, 1500) || 'Z' || substr(body, 1502)")
        await save(pilot)
        dialog = app.screen
        assert isinstance(dialog, ConflictScreen)
        text = "\n".join(printed(dialog._table))
        assert "…'aaaaaaaaZ" in text  # now: from 8 characters before the difference
        assert "…'aaaaaaaaaa" in text  # what I saw, from the same place
        assert "2,000 characters, differs from character 1,501" in text
        assert "≠ changed since you read it: body" in dialog._summary.plain


async def test_a_keyed_table_keeps_the_other_users_change_to_another_column(
    tmp_path: Path,
) -> None:
    """The panel states the declared-key rule, and the save follows it: both changes kept."""
    path = make(
        tmp_path / "keyed.db",
        "CREATE TABLE doc (id INTEGER PRIMARY KEY, body TEXT, n INTEGER)",
        "INSERT INTO doc VALUES (1, 'x', 0)",
    )
    async with editing(path, "doc") as (app, pilot, _screen, grid):
        to_column(grid, "body")
        await edit_to(pilot, "mine")
        await press(pilot, "p")
        assert isinstance(app.screen, PendingScreen)
        panel = app.screen._body.plain
        assert "doc: an edit compares only the edited columns and the key" in panel
        await press(pilot, "escape")
        other_user(path, "UPDATE doc SET n = 7 WHERE id = 1")
        await save(pilot)
        assert not isinstance(app.screen, ConflictScreen)
    assert rows(path, "SELECT body, n FROM doc") == [("mine", 7)]


async def test_keep_mine_is_not_offered_where_vacuum_may_have_renumbered_the_row(
    tmp_path: Path,
) -> None:
    """nokey has no declared key: another program deletes rows and VACUUMs, so rowid 5 now
    holds another record. The conflict says why and offers no "keep mine", which would have
    written mine into that other record (hostile report, 7)."""
    path = make(
        tmp_path / "nokey.db",
        "CREATE TABLE nokey (a INTEGER, b TEXT)",
        *(f"INSERT INTO nokey VALUES ({i}, 'b{i}')" for i in range(1, 11)),
    )
    async with editing(path, "nokey") as (app, pilot, _screen, grid):
        grid.move_to(4)
        to_column(grid, "b")
        await edit_to(pilot, "MINE")
        other_user(path, "DELETE FROM nokey WHERE a <= 2")
        other_user(path, "VACUUM")
        await save(pilot)
        dialog = app.screen
        assert isinstance(dialog, ConflictScreen)
        assert "this rowid may now hold another record" in dialog._summary.plain
        assert not dialog.query("#keep")
        await press(pilot, "k")
        assert app.screen is dialog  # not a choice here
        await press(pilot, "escape")
        await press(pilot, "ctrl+s")
    assert rows(path, "SELECT b FROM nokey WHERE b = 'MINE'") == []


async def test_vacuum_is_refused_while_a_change_names_its_row_by_rowid(tmp_path: Path) -> None:
    """dbbrowse's own VACUUM would renumber the row a staged change names: refused, said why."""
    from tui.screens.status import StatusScreen

    path = make(
        tmp_path / "nokey.db",
        "CREATE TABLE nokey (a INTEGER, b TEXT)",
        *(f"INSERT INTO nokey VALUES ({i}, 'b{i}')" for i in range(1, 11)),
        "DELETE FROM nokey WHERE a <= 2",
    )
    async with editing(path, "nokey") as (app, pilot, _screen, grid):
        to_column(grid, "b")
        await edit_to(pilot, "MINE")
        await press(pilot, "w")
        status = app.screen
        assert isinstance(status, StatusScreen)
        await press(pilot, "V")
        assert app.screen is status  # no confirmation: refused at once
        assert "VACUUM was not run: 1 staged change names a row by rowid" in str(
            status.query_one("#action-result").render()
        )
    assert rows(path, "SELECT count(*) FROM nokey") == [(8,)]
