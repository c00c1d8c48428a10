"""Snapshots of the main screens at a fixed size, from fixed data (see tests/tui/scenes.py)."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.tui.scenes import SIZE, browse_app, eventually, pinned_pragmas
from tests.tui.scenes import settle as settle_work
from tui.app import DbBrowseApp
from tui.screens.browse import BrowseScreen

SnapCompare = Callable[..., bool]


async def settle(pilot: Pilot[Any]) -> None:
    """Workers done, and the status monitor's first summary shown (it is in the status bar)."""
    await settle_work(pilot)
    app = pilot.app
    assert isinstance(app, DbBrowseApp)
    for _ in range(200):
        if app.inspector is not None and app.inspector.last is not None:
            break
        await pilot.pause(0.02)
    await settle_work(pilot)


def _then(*keys: str) -> Callable[[Pilot[Any]], Any]:
    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)

    return run_before


def test_browse_first_table(snap_compare: SnapCompare, odd_db: Path) -> None:
    """Table list on the left (order items opened), NULLs dim, markup shown as typed."""
    assert snap_compare(browse_app(odd_db), terminal_size=SIZE, run_before=_then())


def test_browse_people_end(snap_compare: SnapCompare, odd_db: Path) -> None:
    """The people table scrolled to its last row: 'row 300 of 300' in the status bar."""
    app = browse_app(odd_db)

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("ctrl+t", *"people", "enter")
        await settle(pilot)
        await pilot.press("end")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_schema_view(snap_compare: SnapCompare, odd_db: Path) -> None:
    """The Schema tab of the first table: columns, types, key, CREATE statement."""
    assert snap_compare(browse_app(odd_db), terminal_size=SIZE, run_before=_then("v"))


def test_cell_detail(snap_compare: SnapCompare, odd_db: Path) -> None:
    """The detail panel of a BLOB: a hex dump with an ASCII column."""
    app = browse_app(odd_db)

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("right", "right", "right", "right", "right", "enter")
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)


def test_export_dialog(snap_compare: SnapCompare, odd_db: Path) -> None:
    """ctrl+e on the first table: format, file (relative to where dbbrowse runs), options."""
    from textual.widgets import Input

    async def run_before(pilot: Pilot[Any]) -> None:
        await _then("ctrl+e")(pilot)
        for field in pilot.app.screen.query(Input):
            field.cursor_blink = False  # a blinking cursor is drawn or not at random

    assert snap_compare(browse_app(odd_db), terminal_size=SIZE, run_before=run_before)


def test_read_only_label(snap_compare: SnapCompare, odd_db: Path) -> None:
    """READ-ONLY shown in the status bar when opened with --read-only."""
    assert snap_compare(browse_app(odd_db, read_only=True), terminal_size=SIZE, run_before=_then())


def _fixed_library(monkeypatch: pytest.MonkeyPatch) -> None:
    """The library line shows the machine's SQLite: pin it, so the picture does not depend
    on which SQLite the machine has."""
    import tui.db.inspector

    monkeypatch.setattr(tui.db.inspector, "read_pragmas", pinned_pragmas)


def test_status_screen(
    snap_compare: SnapCompare, odd_db: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The SQLite status screen of a rollback-journal database: pragmas, library (pinned to
    a made-up 3.99.0 with every optional part), files."""
    _fixed_library(monkeypatch)
    app = browse_app(odd_db)

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("w")
        for _ in range(100):
            screen = pilot.app.screen
            if getattr(screen, "snapshot", None) is not None:
                break
            await pilot.pause(0.05)
        await settle(pilot)

    assert snap_compare(app, terminal_size=(120, 40), run_before=run_before)


async def _stage_some_edits(pilot: Pilot[Any]) -> None:
    """On people: a name changed, an email set to NULL, row 3 deleted, a new row staged."""
    from textual.widgets import Input

    await settle(pilot)
    await pilot.press("ctrl+t", *"people", "enter")
    await settle(pilot)
    grid = pilot.app.screen.query_one("#grid")
    grid.focus()
    await pilot.press("right", "e")
    await settle(pilot)
    pilot.app.screen.query_one("#editor", Input).value = "Ada [b]Lovelace[/b]"
    await pilot.press("enter", "right", "down", "e")
    await settle(pilot)
    await pilot.press("ctrl+n")
    await settle(pilot)
    await pilot.press("down", "d")
    await settle(pilot)
    await pilot.press("y")
    await settle(pilot)
    await pilot.press("i")
    await settle(pilot)
    pilot.app.screen.query_one("#field-1", Input).value = "New\x1bPerson"
    await pilot.press("ctrl+s")
    await settle(pilot)


def test_grid_with_pending_changes(snap_compare: SnapCompare, odd_db: Path) -> None:
    """people with staged edits: Ada's name highlighted with its new text (markup shown as
    typed), Bohdan's email ∅ NULL highlighted, row 3 struck through with '-', the new row in
    the strip under the grid with '+' (its ESC shown as \\x1b), '4 changes pending'."""
    assert snap_compare(browse_app(odd_db), terminal_size=SIZE, run_before=_stage_some_edits)


def test_pending_panel(snap_compare: SnapCompare, odd_db: Path) -> None:
    """The pending-changes panel for those edits: each change old -> new, then the UPDATE,
    DELETE and INSERT statements with their bound values and 'must touch 1 row'."""

    async def run_before(pilot: Pilot[Any]) -> None:
        await _stage_some_edits(pilot)
        await pilot.press("p")
        await settle(pilot)

    assert snap_compare(browse_app(odd_db), terminal_size=SIZE, run_before=run_before)


def test_conflict_dialog(snap_compare: SnapCompare, odd_db: Path) -> None:
    """Ada's name edited to 'mine' while another connection wrote 'theirs': the conflict
    dialog with what you saw ('Ada 1'), mine and now in the database, and the three choices."""
    import sqlite3

    from textual.widgets import Input

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("ctrl+t", *"people", "enter")
        await settle(pilot)
        pilot.app.screen.query_one("#grid").focus()
        await pilot.press("right", "e")
        await settle(pilot)
        pilot.app.screen.query_one("#editor", Input).value = "mine"
        await pilot.press("enter")
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, BrowseScreen) and screen.window is not None
        seen = screen.window.version
        other = sqlite3.connect(odd_db)
        other.execute("UPDATE people SET name = 'theirs' WHERE id = 1")
        other.commit()
        other.close()
        # The picture is taken after the app noticed the commit (and recounted), whatever
        # the machine's speed: a save racing the monitor would draw either state.
        await eventually(
            pilot, lambda: screen.window is not None and screen.window.version > seen, "notice"
        )
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)

    assert snap_compare(browse_app(odd_db), terminal_size=SIZE, run_before=run_before)


def test_browse_light_theme(snap_compare: SnapCompare, odd_db: Path) -> None:
    """The first table in textual-light: row numbers, column types, separators and NULLs in
    dark greys on the light background (they were white on light grey), the cursor row and
    cell tinted, numbers and escapes in the theme's accent colours."""
    from tui.db.target import resolve_target
    from tui.settings.preferences import Preferences

    target = resolve_target(str(odd_db), default_url="")
    app = DbBrowseApp(target, settings=Preferences(theme="textual-light"))
    assert snap_compare(app, terminal_size=SIZE, run_before=_then())


def test_filter_dialog_with_conditions(snap_compare: SnapCompare, odd_db: Path) -> None:
    """The people table filtered by one condition (its matches highlighted in the grid behind),
    and the filter dialog open on it: the condition listed above the column, the operator
    (contains) and the value of the column under the cursor, a note under it saying that the
    value is prefilled exactly ('Ada 1') and read as typed once edited, with Add, Done and
    Cancel."""
    from textual.widgets import Input, Select

    from tui.db.paging import FilterOp, FilterSpec, RowQuery

    app = browse_app(odd_db)

    async def run_before(pilot: Pilot[Any]) -> None:
        await settle(pilot)
        await pilot.press("ctrl+t", *"people", "enter")
        await settle(pilot)
        screen = pilot.app.get_screen_browse()  # type: ignore[attr-defined]
        assert isinstance(screen, BrowseScreen) and screen.table is not None
        screen.open_table(
            screen.table, RowQuery(filters=(FilterSpec("name", FilterOp.LIKE, "%a%"),))
        )
        await settle(pilot)
        screen.grid.cursor_column = 1
        await pilot.press("f")
        await settle(pilot)
        dialog = pilot.app.screen
        dialog.query_one("#filter-op", Select).value = FilterOp.CONTAINS
        field = dialog.query_one("#filter-value", Input)
        field.cursor_blink = False  # a blinking cursor is drawn or not at random
        await settle(pilot)

    assert snap_compare(app, terminal_size=SIZE, run_before=run_before)
