"""Helpers of the editing Pilot tests: open a table for editing, stage through the keys a
person presses, save, and read back what the database holds with a connection of the test's
own (a SQLite file, or a server URL)."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import create_engine, text
from textual.pilot import Pilot
from textual.widgets import Input

from tests.tui.scenes import SIZE, browse_app, settle, stop_monitor
from tui.app import DbBrowseApp
from tui.screens.browse import BrowseScreen
from tui.screens.edit_cell import CellEditorScreen
from tui.widgets.row_grid import RowGrid
from tui.widgets.table_list import TableList

Editing = tuple[DbBrowseApp, Pilot[int], BrowseScreen, RowGrid]


def rows(where: Path | str, sql: str, *args: Any) -> list[tuple[Any, ...]]:
    """What a connection of the test's own reads: ``?`` placeholders on a SQLite file,
    ``:p0``, ``:p1``… on a server URL."""
    if isinstance(where, Path):
        conn = sqlite3.connect(where)
        try:
            return conn.execute(sql, args).fetchall()
        finally:
            conn.close()
    engine = create_engine(sync_url(where))
    try:
        with engine.connect() as conn:
            result = conn.execute(text(sql), {f"p{i}": a for i, a in enumerate(args)})
            return [tuple(row) for row in result]
    finally:
        engine.dispose()


def other_user(where: Path | str, sql: str, *args: Any) -> None:
    """Another connection commits a change (between the person's read and save)."""
    if isinstance(where, Path):
        conn = sqlite3.connect(where)
        try:
            conn.execute(sql, args)
            conn.commit()
        finally:
            conn.close()
        return
    engine = create_engine(sync_url(where))
    try:
        with engine.begin() as conn:
            conn.execute(text(sql), {f"p{i}": a for i, a in enumerate(args)})
    finally:
        engine.dispose()


def sync_url(url: str) -> str:
    from app.engines import derive_urls

    return derive_urls(url)[0]


def notices(app: DbBrowseApp) -> list[str]:
    """Every toast the app has shown, oldest first."""
    return [n.message for n in app._notifications]


@asynccontextmanager
async def editing(
    where: Path | str,
    table: str,
    *,
    read_only: bool = False,
    immutable: bool = False,
    monitor: bool = True,
) -> AsyncIterator[Editing]:
    """The app on ``where`` with ``table`` open, loaded, and the grid focused; ``monitor``
    False: without its change monitor (:func:`tests.tui.scenes.stop_monitor`)."""
    app = browse_app(where, read_only=read_only, immutable=immutable)
    async with opened(app, table, monitor=monitor) as running:
        yield running


@asynccontextmanager
async def opened(app: DbBrowseApp, table: str, *, monitor: bool = True) -> AsyncIterator[Editing]:
    """``app`` running with ``table`` open, loaded, and the grid focused."""
    async with app.run_test(size=SIZE, notifications=True) as pilot:
        await settle(pilot)
        if not monitor:
            stop_monitor(app)
        screen = app.get_screen_browse()
        assert screen is not None
        info = next(t for t in screen.query_one(TableList).tables if t.name == table)
        screen.open_table(info)
        await settle(pilot)
        grid = screen.query_one("#grid", RowGrid)
        grid.focus()
        await settle(pilot)
        yield app, pilot, screen, grid


def to_column(grid: RowGrid, name: str) -> None:
    grid.cursor_column = [c.name for c in grid.columns].index(name)


async def press(pilot: Pilot[Any], *keys: str) -> None:
    """Press ``keys`` and let every job they start finish."""
    await pilot.press(*keys)
    await settle(pilot)


async def edit_to(pilot: Pilot[int], text: str | None) -> None:
    """Press e, replace the text (None: ctrl+n for NULL), stage it."""
    await press(pilot, "e")
    editor = pilot.app.screen
    assert isinstance(editor, CellEditorScreen), editor
    if text is None:
        await pilot.press("ctrl+n")
    else:
        editor.query_one("#editor", Input).value = text
        await pilot.press("enter")
    await settle(pilot)


async def fill_form(pilot: Pilot[int], values: dict[int, str]) -> None:
    """In the open row form, type ``values`` by field number and stage the row (ctrl+s)."""
    for number, value in values.items():
        pilot.app.screen.query_one(f"#field-{number}", Input).value = value
    await press(pilot, "ctrl+s")


#: Every key that starts an edit: the cell editor (twice), insert, duplicate, delete.
EDIT_KEYS = ("e", "f2", "i", "D", "d")


async def assert_refused(
    pilot: Pilot[int], screen: BrowseScreen, word: str, not_: str = ""
) -> None:
    """Each of :data:`EDIT_KEYS` opens nothing and says why in a toast naming ``word``; no
    toast names ``not_``. (Other toasts may come meanwhile: a job's, on a loaded machine.)"""
    app = pilot.app
    assert isinstance(app, DbBrowseApp)
    for key in EDIT_KEYS:
        before = len(notices(app))
        await press(pilot, key)
        assert app.screen is screen, key
        said = notices(app)[before:]
        assert any(word in n for n in said), (key, said)
        assert not (not_ and any(not_ in n for n in said)), (key, said)


async def save(pilot: Pilot[int]) -> None:
    await press(pilot, "ctrl+s")


async def into_conflict(pilot: Pilot[int], grid: RowGrid, path: Path) -> None:
    """Ada's name edited to 'mine', another user writes 'theirs', and ctrl+s: a conflict."""
    to_column(grid, "name")
    await edit_to(pilot, "mine")
    other_user(path, "UPDATE people SET name = 'theirs' WHERE id = 1")
    await save(pilot)
