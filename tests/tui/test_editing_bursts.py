"""Keys typed in one burst, as a terminal, tmux or a browser delivers them: each reaches its
widget in the order typed, so an editor stages exactly what its field holds when Enter (or
ctrl+s) arrives.

Two ways of arriving: every key queued before the app handles the first (``at once``), and
one key per turn of the event loop while the app is busy with the ones before (``in turns``,
how a terminal's keys come: a key could then overtake one held back behind a key in flight).
"""

from __future__ import annotations

import asyncio
import sqlite3
from pathlib import Path

import pytest
from textual import events
from textual.widgets import Input

from tests.tui.editing import editing, rows, settle, to_column
from tui.app import DbBrowseApp
from tui.screens.edit_cell import CellEditorScreen
from tui.screens.row_form import RowFormScreen

SCHEMA = """
CREATE TABLE kinds (
    id INTEGER PRIMARY KEY,
    n INTEGER, r REAL, d NUMERIC(10, 2), t VARCHAR(40), dt DATE, b BOOLEAN,
    c TEXT CHECK (c IN ('red', 'green', 'blue')), j JSON
);
INSERT INTO kinds VALUES (1, 7, 1.5, 2.25, 'old', '2020-01-02', 1, 'red', '"s"');
"""

Keys = list[tuple[str, str | None]]
NAMES = {
    " ": "space",
    "'": "apostrophe",
    "=": "equals_sign",
    ".": "full_stop",
    "-": "minus",
    "[": "left_square_bracket",
    "]": "right_square_bracket",
    ",": "comma",
}
CLEAR: Keys = [("end", None), ("ctrl+u", None)]
ENTER: Keys = [("enter", "\r")]
MODES = ("at once", "in turns")


@pytest.fixture
def kinds_db(tmp_path: Path) -> Path:
    path = tmp_path / "kinds.db"
    conn = sqlite3.connect(path)
    conn.executescript(SCHEMA)
    conn.close()
    return path


def typed(text: str) -> Keys:
    return [(NAMES.get(c, c), c) for c in text]


async def burst(app: DbBrowseApp, keys: Keys, mode: str) -> None:
    """Post ``keys`` with no pause for the app to catch up (see the module's docstring)."""
    for key, character in keys:
        app.post_message(events.Key(key, character))
        if mode == "in turns":
            await asyncio.sleep(0)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    ("column", "keys", "stored"),
    [
        ("n", [*CLEAR, *typed("123456789"), *ENTER], 123456789),
        ("n", [*CLEAR, *typed("5555566666"), *ENTER], 5555566666),
        ("r", [*CLEAR, *typed("98765.4321"), *ENTER], 98765.4321),
        ("d", [*CLEAR, *typed("12345.67"), *ENTER], 12345.67),
        ("t", [*CLEAR, *typed("hello world"), *ENTER], "hello world"),
        ("dt", [*CLEAR, *typed("2024-12-31"), *ENTER], "2024-12-31"),
        # A choice: open the list, move down, pick, stage.
        ("b", [("enter", "\r"), ("down", None), ("enter", "\r"), ("ctrl+s", None)], 0),
        ("c", [("enter", "\r"), *[("down", None)] * 2, ("enter", "\r"), ("ctrl+s", None)], "blue"),
        ("j", [*CLEAR, *typed("[1, 2, 3]"), ("ctrl+s", None)], "[1, 2, 3]"),
    ],
)
async def test_a_burst_then_enter_stages_exactly_what_the_field_holds(
    kinds_db: Path, column: str, keys: Keys, stored: object, mode: str
) -> None:
    async with editing(kinds_db, "kinds") as (app, pilot, screen, grid):
        to_column(grid, column)
        await pilot.press("e")
        await settle(pilot)
        assert isinstance(app.screen, CellEditorScreen)
        await burst(app, keys, mode)
        await settle(pilot)
        assert app.screen is screen, app.screen
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert rows(kinds_db, f"SELECT {column} FROM kinds") == [(stored,)]


@pytest.mark.parametrize("mode", MODES)
async def test_a_burst_into_the_row_form_stages_the_text_in_its_order(
    kinds_db: Path, mode: str
) -> None:
    async with editing(kinds_db, "kinds") as (app, pilot, _screen, _grid):
        await pilot.press("i")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, RowFormScreen)
        focused = app.focused
        assert isinstance(focused, Input) and focused.id == "field-1"  # n, after the auto id
        await burst(app, [*typed("50"), ("tab", None), *typed("kid50")], mode)
        await settle(pilot)
        assert form.query_one("#field-1", Input).value == "50"
        assert form.query_one("#field-2", Input).value == "kid50"


# -- keys typed before the screen they belong to has opened ------------------------------
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("opener", [[("e", "e")], [("f2", None)], [("enter", "\r"), ("e", "e")]])
async def test_keys_typed_right_after_e_reach_the_editor_it_opens(
    kinds_db: Path, opener: Keys, mode: str
) -> None:
    """The editor opens only once the whole value is read: the keys typed meanwhile (``w``
    opens the status screen, ``s`` and ``d`` are grid commands) wait for it. The third
    opener goes through the cell's detail view (Enter) and its e."""
    async with editing(kinds_db, "kinds") as (app, pilot, screen, grid):
        to_column(grid, "t")
        await burst(app, [*opener, *CLEAR, *typed("hello world sdy"), *ENTER], mode)
        await settle(pilot)
        assert app.screen is screen, app.screen
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert rows(kinds_db, "SELECT t FROM kinds") == [("hello world sdy",)]


@pytest.mark.parametrize("mode", MODES)
async def test_y_typed_right_after_d_answers_the_question_it_opens(
    kinds_db: Path, mode: str
) -> None:
    async with editing(kinds_db, "kinds") as (app, pilot, screen, _grid):
        await burst(app, [("d", "d"), ("y", "y")], mode)
        await settle(pilot)
        assert app.screen is screen, app.screen
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert rows(kinds_db, "SELECT count(*) FROM kinds") == [(0,)]


@pytest.mark.parametrize("mode", MODES)
async def test_keys_typed_right_after_shift_d_reach_the_duplicate_form(
    kinds_db: Path, mode: str
) -> None:
    """ctrl+s right after D stages the copy (not the grid's save of nothing)."""
    async with editing(kinds_db, "kinds") as (app, pilot, screen, _grid):
        await burst(app, [("D", "D"), ("ctrl+s", None)], mode)
        await settle(pilot)
        assert app.screen is screen, app.screen
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert rows(kinds_db, "SELECT count(*), count(DISTINCT t) FROM kinds") == [(2, 1)]


@pytest.mark.parametrize("mode", MODES)
async def test_the_first_statement_typed_into_a_fresh_console_keeps_its_order(
    kinds_db: Path, mode: str
) -> None:
    from tui.widgets.sql_editor import SqlEditor

    statement = "update kinds set t = 'x', n = 50"
    async with editing(kinds_db, "kinds") as (app, pilot, screen, _grid):
        await burst(app, [("ctrl+o", None), *typed(statement)], mode)
        await settle(pilot)
        assert screen.query_one(SqlEditor).text.endswith(statement)  # after the table's query


# -- JSON is stored as typed ------------------------------------------------------------
async def test_json_is_stored_exactly_as_typed_and_a_repeated_key_is_warned_of(
    kinds_db: Path,
) -> None:
    from textual.widgets import Label, TextArea

    typed_json = '{"p": 2.50, "e": 1e2, "s": "ü", "a": 1, "a": 2}'
    async with editing(kinds_db, "kinds") as (app, pilot, _screen, grid):
        to_column(grid, "j")
        await pilot.press("e")
        await settle(pilot)
        editor = app.screen
        assert isinstance(editor, CellEditorScreen)
        warning = editor.query_one("#editor-warning", Label)
        assert not warning.has_class("-shown")
        editor.query_one("#editor", TextArea).load_text(typed_json)
        await settle(pilot)
        assert warning.has_class("-shown")
        assert '"a"' in str(warning.render())
        await pilot.press("ctrl+s")
        await settle(pilot)
        await pilot.press("ctrl+s")
        await settle(pilot)
    assert rows(kinds_db, "SELECT j, json_valid(j) FROM kinds") == [(typed_json, 1)]


async def test_json_too_large_for_a_double_is_refused_in_the_editor(kinds_db: Path) -> None:
    from textual.widgets import Label, TextArea

    async with editing(kinds_db, "kinds") as (app, pilot, _screen, grid):
        to_column(grid, "j")
        await pilot.press("e")
        await settle(pilot)
        editor = app.screen
        assert isinstance(editor, CellEditorScreen)
        editor.query_one("#editor", TextArea).load_text('{"x": 1e400}')
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert app.screen is editor
        assert "too large for a double" in str(editor.query_one("#editor-error", Label).render())
    assert rows(kinds_db, "SELECT j FROM kinds") == [('"s"',)]
