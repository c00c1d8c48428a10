"""Editing flows on PostgreSQL and MariaDB, driven through the keys a person presses: edit a
cell and save, insert, delete, a conflict with another connection, a constraint failure that
keeps every change staged, a read that waits on another session's table lock, and
--read-only refusing every edit path with the reason.

Each test gets a table of its own in the run's ``dbbrowse_*`` database (see tests/conftest.py;
a missing server is a skip locally and a failure under CI=true) and reads back what was
written with a connection of its own.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass

import pytest
from sqlalchemy import create_engine, text
from textual.widgets import Static

from tests.tui.editing import (
    assert_refused,
    edit_to,
    editing,
    fill_form,
    notices,
    other_user,
    press,
    rows,
    save,
    sync_url,
    to_column,
)
from tests.tui.scenes import eventually
from tui.screens.browse import BrowseScreen
from tui.screens.confirm import ConfirmScreen
from tui.screens.conflict import ConflictScreen
from tui.screens.edit_cell import CellEditorScreen
from tui.screens.pending import PendingScreen
from tui.screens.row_form import RowFormScreen

SERVERS = [
    pytest.param("postgres", marks=pytest.mark.postgres),
    pytest.param("mariadb", marks=pytest.mark.mariadb),
]


@dataclass(frozen=True)
class ServerTable:
    url: str
    name: str  # as listed (and as the screen shows it)
    quoted: str  # for the test's own SQL
    server: str

    def rows(self, sql: str, *args: object) -> list[tuple[object, ...]]:
        return rows(self.url, sql.replace("{t}", self.quoted), *args)

    def write(self, sql: str, *args: object) -> None:
        other_user(self.url, sql.replace("{t}", self.quoted), *args)


@pytest.fixture(params=SERVERS)
def people(request: pytest.FixtureRequest) -> Iterator[ServerTable]:
    """``edit people <hex>``: ids 1..5, a UNIQUE email, ages, on the server of the param."""
    url: str = request.getfixturevalue(f"{request.param}_url")
    name = f"edit people {uuid.uuid4().hex[:6]}"
    engine = create_engine(sync_url(url))
    quoted = engine.dialect.identifier_preparer.quote(name)
    with engine.begin() as conn:
        conn.execute(
            text(
                f"CREATE TABLE {quoted} (id INTEGER PRIMARY KEY, name VARCHAR(40) NOT NULL,"
                " email VARCHAR(60) UNIQUE, age INTEGER)"
            )
        )
        conn.execute(
            text(f"INSERT INTO {quoted} (id, name, email, age) VALUES (:i, :n, :e, :a)"),
            [
                {"i": i, "n": f"person {i}", "e": f"p{i}@example.org", "a": 20 + i}
                for i in range(1, 6)
            ],
        )
    try:
        yield ServerTable(url, name, quoted, request.param)
    finally:
        with engine.begin() as conn:
            conn.execute(text(f"DROP TABLE IF EXISTS {quoted}"))
        engine.dispose()


async def test_edit_a_cell_and_save(people: ServerTable) -> None:
    async with editing(people.url, people.name) as (_app, pilot, screen, grid):
        to_column(grid, "name")
        await edit_to(pilot, "it's [b]new[/b]")
        await edit_to(pilot, "it's [b]new[/b]")  # the staged value reopens unchanged
        assert screen.status.pending == 1
        assert people.rows("SELECT name FROM {t} WHERE id = 1") == [("person 1",)]
        await save(pilot)
        assert screen.status.pending == 0 and "saved 1 change" in screen.status.notice
    assert people.rows("SELECT name FROM {t} WHERE id = 1") == [("it's [b]new[/b]",)]


async def test_insert_a_row(people: ServerTable) -> None:
    async with editing(people.url, people.name) as (app, pilot, screen, _grid):
        await press(pilot, "i")
        assert isinstance(app.screen, RowFormScreen)
        await fill_form(pilot, {0: "6", 1: "newcomer", 3: "0042"})
        assert screen.status.pending == 1
        await save(pilot)
        assert screen.status.pending == 0
    assert people.rows("SELECT name, email, age FROM {t} WHERE id = 6") == [("newcomer", None, 42)]


async def test_delete_a_row(people: ServerTable) -> None:
    async with editing(people.url, people.name) as (app, pilot, screen, grid):
        grid.move_to(1)
        await press(pilot, "d")
        assert isinstance(app.screen, ConfirmScreen)
        await press(pilot, "y")
        assert screen.status.pending == 1
        assert people.rows("SELECT count(*) FROM {t}") == [(5,)]
        await save(pilot)
    assert people.rows("SELECT id FROM {t} ORDER BY id") == [(1,), (3,), (4,), (5,)]


async def test_a_conflict_with_another_connection(people: ServerTable) -> None:
    async with editing(people.url, people.name) as (app, pilot, screen, grid):
        to_column(grid, "name")
        await edit_to(pilot, "mine")
        people.write("UPDATE {t} SET name = 'theirs' WHERE id = 1")
        await save(pilot)
        assert isinstance(app.screen, ConflictScreen)
        assert people.rows("SELECT name FROM {t} WHERE id = 1") == [("theirs",)]
        assert screen.status.pending == 1
        await press(pilot, "k")  # keep mine, on top of theirs
        await save(pilot)
        assert screen.status.pending == 0
    assert people.rows("SELECT name FROM {t} WHERE id = 1") == [("mine",)]


async def test_a_constraint_failure_keeps_every_change_staged(people: ServerTable) -> None:
    async with editing(people.url, people.name) as (app, pilot, screen, grid):
        to_column(grid, "name")
        await edit_to(pilot, "renamed")
        grid.move_to(1)
        to_column(grid, "email")
        await edit_to(pilot, "p1@example.org")  # row 1's: the UNIQUE email refuses it
        await save(pilot)
        assert screen.status.pending == 2
        assert isinstance(app.screen, PendingScreen)
        body = str(app.screen.query_one("#pending-body", Static).render())
        assert "✗" in body and "failed:" in body and "p1@example.org" in body
        assert "save failed: nothing was written" in screen.status.notice
    assert people.rows("SELECT name, email FROM {t} WHERE id IN (1, 2) ORDER BY id") == [
        ("person 1", "p1@example.org"),
        ("person 2", "p2@example.org"),
    ]


async def test_read_only_refuses_every_edit_path_with_the_reason(people: ServerTable) -> None:
    async with editing(people.url, people.name, read_only=True) as (app, pilot, screen, grid):
        to_column(grid, "name")
        await assert_refused(pilot, screen, "--read-only")
        await press(pilot, "space", "up", "d")  # a selection is refused the same way
        assert app.screen is screen and "--read-only" in notices(app)[-1]
        assert screen.status.pending == 0
    assert people.rows("SELECT count(*), min(name) FROM {t}") == [(5, "person 1")]


async def test_a_read_waiting_on_a_table_lock_says_so_and_esc_stops_it(
    people: ServerTable,
) -> None:
    """Another session locks the table; opening the editor waits on the server (a read by
    key waits on no row lock, only on a table lock)."""
    engine = create_engine(sync_url(people.url))
    try:
        async with editing(people.url, people.name) as (app, pilot, screen, grid):
            to_column(grid, "name")
            with engine.connect() as other:
                if people.server == "postgres":
                    other.execute(text(f"LOCK TABLE {people.quoted} IN ACCESS EXCLUSIVE MODE"))
                    holder = other.execute(text("SELECT pg_backend_pid()")).scalar_one()
                    who = f"locked by PostgreSQL session {holder}"
                else:
                    other.execute(text(f"LOCK TABLES {people.quoted} WRITE"))
                    who = "locked by another session (the server says: Waiting for table"
                await pilot.press("e")
                await eventually(pilot, lambda: who in screen.status.jobs, "the wait is shown")
                assert "reading the value to edit: waiting for the database" in screen.status.jobs
                assert isinstance(app.screen, BrowseScreen)
                await pilot.press("escape")
                await eventually(pilot, lambda: not screen.job_running("edit"), "stopped")
                # (The notice may already say what the change watcher saw since: not asserted.)
                assert "waiting" not in screen.status.jobs
                await pilot.pause(0.3)
                assert isinstance(app.screen, BrowseScreen) and screen.status.pending == 0
                if people.server == "mariadb":
                    other.execute(text("UNLOCK TABLES"))
                other.rollback()
            await press(pilot, "e")
            assert isinstance(app.screen, CellEditorScreen)
    finally:
        engine.dispose()


async def test_esc_cancels_a_save_waiting_for_another_sessions_row_lock(
    people: ServerTable,
) -> None:
    """Another session holds the row's lock in an open transaction: the save waits (the
    wait shown with the session), Esc stops it on the server, nothing is written, the change
    stays staged, and the status says so; once the lock is gone ctrl+s saves it (hostile
    report, 12)."""
    engine = create_engine(sync_url(people.url))
    try:
        async with editing(people.url, people.name) as (app, pilot, screen, grid):
            source = screen.source
            assert source is not None
            source.lock_wait_ms = 600_000  # only Esc ends this wait
            to_column(grid, "name")
            await edit_to(pilot, "mine")
            assert len(screen.changes) == 1
            with engine.connect() as other:
                other.execute(text(f"UPDATE {people.quoted} SET age = age WHERE id = 1"))
                await pilot.press("ctrl+s")
                await eventually(
                    pilot, lambda: "saving: waiting" in screen.status.jobs, "the wait is shown"
                )
                await pilot.press("q")  # refused while saving, naming the key that cancels
                await pilot.pause()
                assert any("esc to cancel it" in n for n in notices(app)), notices(app)
                await pilot.press("escape")
                await eventually(pilot, lambda: not screen.job_running("save"), "stopped")
                assert screen.status.notice == (
                    "save cancelled: nothing was written, every change is still staged"
                )
                assert len(screen.changes) == 1
                other.rollback()
            assert people.rows("SELECT name FROM {t} WHERE id = 1") == [("person 1",)]
            await save(pilot)
            assert len(screen.changes) == 0
        assert people.rows("SELECT name FROM {t} WHERE id = 1") == [("mine",)]
    finally:
        engine.dispose()


async def test_a_save_blocked_by_a_row_lock_gives_up_naming_the_session(
    people: ServerTable,
) -> None:
    """The save waits for the lock as long as BUSY_TIMEOUT_MS allows, then says which
    session holds it; nothing is written and the change stays staged (hostile report, 12)."""
    engine = create_engine(sync_url(people.url))
    try:
        async with editing(people.url, people.name) as (app, pilot, screen, grid):
            source = screen.source
            assert source is not None
            source.lock_wait_ms = 1000
            to_column(grid, "name")
            await edit_to(pilot, "mine")
            with engine.connect() as other:
                session = other.execute(
                    text(
                        "SELECT pg_backend_pid()"
                        if people.server == "postgres"
                        else "SELECT CONNECTION_ID()"
                    )
                ).scalar_one()
                other.execute(text(f"UPDATE {people.quoted} SET age = age WHERE id = 1"))
                await pilot.press("ctrl+s")
                await eventually(pilot, lambda: not screen.job_running("save"), "given up")
                other.rollback()
            said = [n for n in notices(app) if "nothing was saved" in n]
            engine_name = "PostgreSQL" if people.server == "postgres" else "MariaDB"
            assert said and f"locked by {engine_name} session {session}" in said[-1], said
            assert len(screen.changes) == 1
        assert people.rows("SELECT name FROM {t} WHERE id = 1") == [("person 1",)]
    finally:
        engine.dispose()
