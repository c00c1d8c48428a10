"""Pilot tests: staged edits while the SQL console's own transaction is open (quit, save)."""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Label, Static

from tests.tui.editing import edit_to, editing, notices, to_column
from tests.tui.scenes import settle
from tui.screens.browse import BrowseScreen
from tui.screens.confirm import ConfirmScreen
from tui.widgets.row_grid import RowGrid
from tui.widgets.sql_editor import SqlEditor

UPDATE = "UPDATE people SET note = 'console' WHERE id <= 3"


def rows(path: Path, sql: str) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(path)
    try:
        return conn.execute(sql).fetchall()
    finally:
        conn.close()


async def console_update_then_staged_edit(pilot: Pilot[Any], screen: BrowseScreen) -> None:
    """The console's UPDATE run and left open, then one edit staged in the grid."""
    await pilot.press("ctrl+o")
    await settle(pilot)
    editor = screen.query_one(SqlEditor)
    editor.load_text(UPDATE)
    editor.move_cursor(editor.document.end)
    await pilot.press("ctrl+j")
    await settle(pilot)
    assert screen.transaction_open
    grid = screen.query_one(RowGrid)
    grid.focus()
    to_column(grid, "name")
    await edit_to(pilot, "EDIT2")
    assert len(screen.changes) == 1


def dialog_text(screen: ConfirmScreen) -> str:
    title = str(screen.query_one(".dialog-title", Label).render())
    detail = str(screen.query_one("#confirm-detail", Static).render())
    return f"{title}\n{detail}"


async def test_quitting_names_both_the_staged_changes_and_the_console_transaction(
    odd_db: Path,
) -> None:
    async with editing(odd_db, "people") as (app, pilot, screen, _grid):
        await console_update_then_staged_edit(pilot, screen)
        await app.action_quit()
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        text = dialog_text(app.screen)
        assert "1 change not saved" in text
        assert "console" in text and "transaction" in text and "1 statement" in text
        assert "Nothing was written" not in text  # the console's UPDATE was
        await pilot.press("n")
        await pilot.pause()
        assert app.is_running and screen.transaction_open and len(screen.changes) == 1
        # Only the console's transaction: asked too.
        screen.action_discard_changes()
        await pilot.pause()
        await pilot.press("y")
        await pilot.pause()
        assert not screen.changes
        await app.action_quit()
        await pilot.pause()
        assert isinstance(app.screen, ConfirmScreen)
        assert "console's transaction" in dialog_text(app.screen)
        await pilot.press("n")
        await pilot.pause()
        assert app.is_running and screen.transaction_open
    assert rows(odd_db, "SELECT count(*) FROM people WHERE note = 'console'") == [(0,)]


async def test_saving_while_the_console_holds_a_transaction_says_so_at_once(
    odd_db: Path, monkeypatch: Any
) -> None:
    # A save that waited on the lock would wait this long, then blame "another connection".
    monkeypatch.setenv("BUSY_TIMEOUT_MS", "60000")
    async with editing(odd_db, "people") as (app, pilot, screen, _grid):
        await console_update_then_staged_edit(pilot, screen)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert not screen.job_running("save")
        said = " ".join(notices(app))
        assert "console" in said and "alt+c" in said and "alt+r" in said
        assert "another connection" not in said
        assert len(screen.changes) == 1 and screen.transaction_open
        # Once the console's transaction is committed, the same save goes through.
        await pilot.press("alt+c")
        await settle(pilot)
        assert not screen.transaction_open
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert not screen.changes
    assert rows(odd_db, "SELECT count(*) FROM people WHERE note = 'console'") == [(3,)]
    assert rows(odd_db, "SELECT count(*) FROM people WHERE name = 'EDIT2'") == [(1,)]
