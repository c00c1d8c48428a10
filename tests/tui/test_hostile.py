"""Hostile names and values: every surface shows them escaped, nothing reaches the terminal.

The database holds ESC sequences (clear screen, retitle, OSC 52 clipboard), C1 controls, Rich
markup with a click action, a right-to-left override, zero-width characters and newlines, in
table names, column names and values. Each test looks at what would be written to the
terminal (the compositor's output) and at the text on screen.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.app import App
from textual.pilot import Pilot
from textual.widgets import Select

from tests.tui.scenes import (
    HOSTILE_NAMES,
    HOSTILE_VALUES,
    SIZE,
    browse_app,
    make_hostile_database,
    settle,
)
from tui.app import DbBrowseApp
from tui.screens.browse import BrowseScreen
from tui.screens.cell_detail import CellDetailScreen
from tui.screens.confirm import ConfirmScreen
from tui.screens.error import ErrorScreen
from tui.screens.filter import FilterScreen
from tui.screens.prompt import PromptScreen
from tui.widgets.row_grid import RowGrid
from tui.widgets.table_list import TableList

# What must never reach the terminal from data: OSC (title, clipboard), BEL, C1 CSI, the
# screen-clearing sequence, and the invisible characters.
FORBIDDEN = ("\x1b]", "\x07", "\x9b", "\x1b[2J", "\u202e", "\u200b", "\ufeff", "\u2028")


@pytest.fixture
def hostile_db(tmp_path: Path) -> Path:
    return make_hostile_database(tmp_path / "hostile.db")


def terminal_output(app: App[object]) -> str:
    """Exactly what the app would write to the terminal to draw its current screen."""
    return app.screen._compositor.render_full_update().render_segments(app.console)


def screen_lines(app: App[object]) -> list[str]:
    return [strip.text for strip in app.screen._compositor.render_strips()]


def assert_inert(app: App[object]) -> str:
    """No hostile sequence in the terminal output; returns the screen's text."""
    output = terminal_output(app)
    for sequence in FORBIDDEN:
        assert sequence not in output, repr(sequence)
    lines = screen_lines(app)
    assert all("\n" not in line for line in lines)
    return "\n".join(lines)


def browse(app: DbBrowseApp) -> BrowseScreen:
    screen = app.get_screen_browse()
    assert screen is not None
    return screen


async def open_named(pilot: Pilot[int], name: str) -> BrowseScreen:
    screen = browse(pilot.app)  # type: ignore[arg-type]
    table = next(t for t in screen.query_one(TableList).tables if t.name == name)
    screen.open_table(table)
    await settle(pilot)
    return screen


async def test_table_list_and_status_bar_escape_names(hostile_db: Path) -> None:
    app = browse_app(hostile_db)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await open_named(pilot, "\x1b]0;PWNED\x07t")
        shown = assert_inert(app)
        assert "\\x1b]0;PWNED\\x07t" in shown
        assert "[@click=app.quit]q[/]" in shown
        assert "two⏎lines" in shown
        assert "rlo\\u202eabc" in shown
        assert "⟨empty⟩" in shown  # the table named ""
        assert "▦ ·  " in shown  # the table named " "
        assert "table \\x1b]0;PWNED\\x07t" in shown  # the status bar
        await open_named(pilot, "")
        assert "table ⟨empty⟩" in assert_inert(app)
        await open_named(pilot, " ")
        assert "table ·  " in assert_inert(app)


async def test_grid_escapes_values_and_column_names(hostile_db: Path) -> None:
    app = browse_app(hostile_db)
    async with app.run_test(size=(200, 40)) as pilot:
        await settle(pilot)
        for name in HOSTILE_NAMES:
            await open_named(pilot, name)
            shown = assert_inert(app)
            assert "[b]v[/b]" in shown
            for visible in (
                "\\x1b[2J\\x1b[Hcleared",
                "\\x1b]0;PWNED\\x07title",
                "\\x1b]52;c;cHduZWQ=\\x07clip",
                "[bold]x[/]",
                "[@click=app.quit]q[/]",
                "abc\\u202edcba",
                "zero\\u200bwidth\\ufeff",
                "line1⏎line2",
                "c1\\u009b31mcsi",
                "sep\\u2028para\\u2029",
            ):
                assert visible in shown, (name, visible)


async def test_cell_detail_shows_every_value_escaped(hostile_db: Path) -> None:
    app = browse_app(hostile_db)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = await open_named(pilot, "[@click=app.quit]q[/]")
        grid = screen.query_one(RowGrid)
        grid.focus()
        grid.cursor_column = 1
        for row, value in enumerate(HOSTILE_VALUES):
            grid.cursor_row = row
            await pilot.press("enter")
            await settle(pilot)
            assert isinstance(app.screen, CellDetailScreen)
            assert app.screen.value == value
            shown = assert_inert(app)
            assert "[@click=app.quit]q[/]:" in shown  # the column name in the title
            first_line = value.split("\n")[0]
            expected = (
                first_line.replace("\x1b", "\\x1b")
                .replace("\x07", "\\x07")
                .replace("\x9b", "\\u009b")
                .replace("\u202e", "\\u202e")
                .replace("\u200b", "\\u200b")
                .replace("\ufeff", "\\ufeff")
                .replace("\u2028", "\\u2028")
                .replace("\u2029", "\\u2029")
            )
            assert expected in shown, expected
            if "\n" in value:
                assert "line2" in shown  # a newline in the detail view is a line break
            await pilot.press("escape")
            await settle(pilot)


async def test_schema_view_escapes_names(hostile_db: Path) -> None:
    app = browse_app(hostile_db)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await open_named(pilot, "\x1b]0;PWNED\x07t")
        await pilot.press("v")
        await settle(pilot)
        shown = assert_inert(app)
        assert "table \\x1b]0;PWNED\\x07t" in shown
        assert "[b]v[/b]" in shown


async def test_filter_dialog_column_named_like_a_click_action_is_text(hostile_db: Path) -> None:
    app = browse_app(hostile_db)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        screen = await open_named(pilot, "[@click=app.quit]q[/]")
        grid = screen.query_one(RowGrid)
        grid.focus()
        grid.cursor_column = 1
        grid.cursor_row = 1  # a value holding an OSC sequence: not copied into the input
        await pilot.press("f")
        await settle(pilot)
        assert isinstance(app.screen, FilterScreen)
        shown = assert_inert(app)
        assert "[@click=app.quit]q[/]" in shown
        select = app.screen.query_one("#filter-column", Select)
        await pilot.click(select)
        await pilot.pause()
        await pilot.click(select, offset=(3, 0))  # on the column's name
        await pilot.pause()
        shown = assert_inert(app)
        # Clicking the name ran nothing: the app is still there, the dialog too.
        assert app.is_running
        assert app.return_code is None
        assert isinstance(app.screen, FilterScreen)
        assert "[@click=app.quit]q[/]" in shown


async def test_notifications_do_not_read_markup(hostile_db: Path) -> None:
    app = browse_app(hostile_db)
    async with app.run_test(size=(160, 40), notifications=True) as pilot:
        await settle(pilot)
        browse(app).go_to("[@click=app.quit]x[/] \x1b]0;PWNED\x07")
        await settle(pilot)
        shown = assert_inert(app)
        assert "[@click=app.quit]x[/]" in shown
        assert app.return_code is None


@pytest.mark.parametrize(
    "screen",
    [
        ErrorScreen("[@click=app.quit]x[/] \x1b]0;T\x07", "line one\n\x1b[2J\u202eline two"),
        ConfirmScreen("[bold]t[/] \x1b]52;c;eA==\x07", "detail \u200b\nsecond"),
        PromptScreen("\x1b]0;PWNED\x07 [red]prompt[/]"),
    ],
    ids=["error", "confirm", "prompt"],
)
async def test_dialogs_escape_titles_and_messages(hostile_db: Path, screen: object) -> None:
    app = browse_app(hostile_db)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        await app.push_screen(screen)  # type: ignore[arg-type]
        await pilot.pause()
        shown = assert_inert(app)
        assert "\\x1b]" in shown
        assert "[" in shown


async def test_values_that_look_alike_are_told_apart_and_explained_in_help(
    hostile_db: Path,
) -> None:
    app = browse_app(hostile_db)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        screen = await open_named(pilot, "blanks")
        grid = screen.query_one(RowGrid)
        cells = [grid.render_line(y).text.split("│")[1].strip() for y in range(2, 9)]
        # NULL, '', ' ', 'NULL', '  ', '\t', 'null'
        assert cells == ["∅ NULL", "⟨empty⟩", "·", "NULL", "··", "⇥", "null"]
        await open_named(pilot, " ")
        header = grid.render_line(0).text
        assert "│ ·" in header  # the column named " "
        grid.focus()
        await pilot.press("question_mark")
        await settle(pilot)
        # The grid's own help follows the keys on the help screen: scroll to it.
        app.screen.query_one("#help-notes").scroll_visible(top=True, animate=False)
        await settle(pilot)
        shown = assert_inert(app)
        assert "∅ NULL" in shown and "⟨empty⟩" in shown
