"""Pilot tests: finding and opening tables, moving between them, and coming back."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from textual.widgets import Input, OptionList, Select

from tests.tui.scenes import eventually, running, settle
from tui.db.paging import FilterOp, FilterSpec, SortSpec
from tui.screens.filter import FilterScreen
from tui.widgets.row_grid import RowGrid
from tui.widgets.table_list import TableList

LONG_NAME = "geodetic_reference_frame_transformation_parameters_by_epoch"


@pytest.fixture
def rules_db(tmp_path: Path) -> Path:
    """Tables whose names contain each other, and one too long for the sidebar."""
    path = tmp_path / "rules.db"
    conn = sqlite3.connect(path)
    for name in ("cheap_spells", "class_features", "spell_lists", "spells", LONG_NAME):
        conn.execute(f'CREATE TABLE "{name}" (id INTEGER PRIMARY KEY, name TEXT, level INTEGER)')
        conn.executemany(
            f'INSERT INTO "{name}" (name, level) VALUES (?, ?)',
            [(f"{name} {i}", i) for i in range(1, 6)],
        )
    conn.commit()
    conn.close()
    return path


async def test_typing_a_name_and_enter_opens_that_table_not_the_first_containing_it(
    rules_db: Path,
) -> None:
    async with running(rules_db) as (_app, pilot, screen, grid, status):
        assert screen.table is not None and screen.table.name == "cheap_spells"
        await pilot.press("ctrl+t", *"spells", "enter")
        await settle(pilot)
        assert screen.table is not None and screen.table.name == "spells"
        assert grid.has_focus
        assert status.table == "spells"


async def test_keys_typed_in_one_burst_after_ctrl_t_reach_the_filter(rules_db: Path) -> None:
    """As a terminal (or a browser) delivers them: all at once, no pause between keys.

    Focus moved later than the keys already queued would send them to the grid instead."""
    from textual import events

    async with running(rules_db) as (app, pilot, screen, grid, _status):
        burst = [("ctrl+t", None), *((c, c) for c in "spells"), ("enter", "\r")]
        for key, character in burst:
            app.post_message(events.Key(key, character))
        await settle(pilot)
        assert screen.table is not None and screen.table.name == "spells"
        assert grid.has_focus


async def test_a_burst_into_a_screen_that_opens_keeps_every_key_in_order(rules_db: Path) -> None:
    """/ opens the search prompt; the text typed with it lands there whole and in order."""
    from textual import events

    async with running(rules_db) as (app, pilot, screen, _grid, _status):
        burst = [("slash", "/"), *((c, c) for c in "spel 4"), ("enter", "\r")]
        for _ in range(3):  # several bursts: a key overtaking another would show once
            for key, character in burst:
                app.post_message(events.Key(key, character))
            await settle(pilot)
            assert screen.query_spec is not None and screen.query_spec.search == "spel 4"
            assert app.screen is screen


async def test_down_moves_from_the_filter_into_the_list_and_enter_opens_the_highlighted(
    rules_db: Path,
) -> None:
    async with running(rules_db) as (_app, pilot, screen, _grid, _status):
        await pilot.press("ctrl+t", *"spel")
        options = screen.query_one("#table-options", OptionList)
        tables = screen.query_one(TableList)
        assert [t.name for t in tables._shown][:2] == ["spells", "spell_lists"]
        await pilot.press("down")
        assert options.has_focus
        assert options.highlighted == 0
        await pilot.press("down", "enter")
        await settle(pilot)
        assert screen.table is not None and screen.table.name == "spell_lists"


async def test_a_long_name_ends_in_an_ellipsis_and_is_whole_in_the_tooltip_and_status(
    rules_db: Path,
) -> None:
    async with running(rules_db) as (_app, pilot, screen, _grid, status):
        options = screen.query_one("#table-options", OptionList)
        tables = screen.query_one(TableList)
        index = [t.name for t in tables._shown].index(LONG_NAME)
        # One line per table: nothing wraps onto a second line.
        assert options.virtual_size.height == len(tables._shown)
        line = options.render_line(index).text
        assert "…" in line and LONG_NAME not in line
        await pilot.press("ctrl+t", "down")
        options.highlighted = index
        await pilot.pause()
        assert str(options.tooltip) == LONG_NAME
        await pilot.press("enter")
        await settle(pilot)
        assert status.table == LONG_NAME


async def test_the_sidebar_hides_and_comes_back(rules_db: Path) -> None:
    async with running(rules_db) as (_app, pilot, screen, grid, _status):
        tables = screen.query_one(TableList)
        width = grid.size.width
        await pilot.press("ctrl+b")
        await eventually(pilot, lambda: grid.size.width > width, "the grid took the width")
        assert not tables.display
        await pilot.press("ctrl+t")  # looking for a table brings the list back
        await pilot.pause()
        assert tables.display
        assert screen.query_one("#table-filter", Input).has_focus
        await pilot.press("ctrl+b")
        await pilot.pause()
        assert not tables.display and grid.has_focus


async def test_each_table_opens_at_its_first_column_or_where_it_was_left(rules_db: Path) -> None:
    async with running(rules_db) as (_app, pilot, screen, grid, _status):
        assert screen.table is not None and screen.table.name == "cheap_spells"
        await pilot.press("right", "right")
        assert grid.cursor_column == 2
        await pilot.press("ctrl+t", *"class_features", "enter")
        await settle(pilot)
        assert screen.table is not None and screen.table.name == "class_features"
        assert grid.cursor_column == 0  # not the column of the table before
        await pilot.press("right")
        await pilot.press("ctrl+t", *"cheap_spells", "enter")
        await settle(pilot)
        assert screen.table.name == "cheap_spells"
        assert grid.cursor_column == 2  # where it was left
        await pilot.press("s")  # a sort of the same table keeps the column
        await settle(pilot)
        assert grid.cursor_column == 2
        await pilot.press("ctrl+t", *"class_features", "enter")
        await settle(pilot)
        assert grid.cursor_column == 1


def header(grid: RowGrid) -> str:
    return grid.render_line(0).text


async def test_a_click_on_a_column_name_sorts_by_it_then_descending_then_not(
    rules_db: Path,
) -> None:
    async with running(rules_db) as (_app, pilot, screen, grid, _status):
        x = header(grid).index("level")
        assert "▲" not in header(grid)
        await pilot.click(grid, offset=(x, 0))
        await settle(pilot)
        assert screen.query_spec is not None
        assert screen.query_spec.sort == (SortSpec("level"),)
        assert grid.cursor_column == 2
        assert "level ▲" in header(grid)
        assert grid.source.row_at(0) is not None and grid.source.row_at(0)[2] == 1
        await pilot.click(grid, offset=(header(grid).index("level"), 0))
        await settle(pilot)
        assert screen.query_spec.sort == (SortSpec("level", descending=True),)
        assert "level ▼" in header(grid)
        assert grid.source.row_at(0)[2] == 5
        await pilot.click(grid, offset=(header(grid).index("level"), 0))
        await settle(pilot)
        assert screen.query_spec.sort == ()
        assert "▲" not in header(grid) and "▼" not in header(grid)
        # The key column is frozen (drawn apart from the others): a click on it sorts too.
        await pilot.click(grid, offset=(header(grid).index("id"), 0))
        await settle(pilot)
        assert screen.query_spec.sort == (SortSpec("id"),)


async def test_the_filter_dialog_takes_the_value_typed_for_the_column_under_the_cursor(
    rules_db: Path,
) -> None:
    async with running(rules_db) as (app, pilot, screen, grid, _status):
        await pilot.press("right", "right", "f")
        await eventually(pilot, lambda: isinstance(app.screen, FilterScreen), "the dialog")
        dialog = app.screen
        assert dialog.query_one("#filter-column", Select).value == "level"
        assert dialog.query_one("#filter-value", Input).has_focus
        await pilot.press("4", "enter")
        await settle(pilot)
        assert screen.query_spec is not None
        assert screen.query_spec.filters == (FilterSpec("level", FilterOp.EQ, 4),)
        assert grid.total == 1


async def test_the_schema_view_keeps_grid_commands_off_the_hidden_grid(rules_db: Path) -> None:
    """Under the schema view the grid is hidden: e, d and Down must not act on it unseen;
    ctrl+g returns to the rows, and opening another table leaves the schema."""
    from textual.widgets import ContentSwitcher

    async with running(rules_db) as (app, pilot, screen, grid, status):
        tabs = screen.query_one(ContentSwitcher)
        await pilot.press("v")
        await settle(pilot)
        assert tabs.current == "schema-tab"
        await pilot.press("down", "down", "e", "d", "j")
        await settle(pilot)
        assert app.screen is screen  # no editor, no delete question
        assert grid.cursor_row == 0
        assert not screen.changes
        assert "schema" in status.notice and "ctrl+g" in status.notice
        await pilot.press("ctrl+g")
        await settle(pilot)
        assert tabs.current == "grid"
        assert grid.has_focus
        assert "schema" not in status.notice  # no longer true
        await pilot.press("v", "ctrl+t", *"spells", "enter")
        await settle(pilot)
        assert screen.table is not None and screen.table.name == "spells"
        assert tabs.current == "grid"
        assert grid.has_focus


async def test_esc_in_the_table_filter_clears_it_and_stays_a_second_esc_leaves(
    rules_db: Path,
) -> None:
    """After Esc, what is typed is a table name again, never grid commands (c, s, d)."""
    async with running(rules_db) as (_app, pilot, screen, grid, _status):
        table_filter = screen.query_one("#table-filter", Input)
        await pilot.press("ctrl+t", *"lists", "escape")
        assert table_filter.value == ""
        assert table_filter.has_focus
        await pilot.press(*"cs")
        await settle(pilot)
        assert table_filter.value == "cs"
        assert screen.query_spec is not None and not screen.query_spec.sort
        await pilot.press("escape", "escape")
        assert table_filter.value == ""
        assert grid.has_focus
        await pilot.press("ctrl+t", *"spel", "down", "escape")  # from the list: the filter
        assert table_filter.value == "" and table_filter.has_focus


async def test_search_finds_and_highlights_text_after_a_nul_character(tmp_path: Path) -> None:
    """SQLite's LIKE stops reading a text at its first NUL: the search must not."""
    path = tmp_path / "nul.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    conn.executemany(
        "INSERT INTO notes (body) VALUES (?)", [("a\x00needle",), ("hay",), ("NEEDLE",)]
    )
    conn.commit()
    conn.close()
    async with running(path) as (_app, pilot, screen, grid, _status):
        await pilot.press("slash", *"needle", "enter")
        await settle(pilot)
        assert screen.query_spec is not None and screen.query_spec.search == "needle"
        assert grid.total == 2  # a\x00needle, and NEEDLE (the search ignores ASCII case)
        match = grid.part_style("row-grid--match")
        first = grid.render_line(grid.header_lines)
        assert [s.text for s in first if s.style and s.style.bgcolor == match.bgcolor] == ["needle"]


async def test_up_on_the_first_entry_goes_back_to_the_filter_and_down_stops_at_the_last(
    rules_db: Path,
) -> None:
    """Up from the first table went round to the last one; Down from the filter enters the
    list, so Up from its top comes back to the filter (what is typed next filters)."""
    async with running(rules_db) as (_app, pilot, screen, _grid, _status):
        await pilot.press("ctrl+t", "down")
        options = screen.query_one("#table-options", OptionList)
        table_filter = screen.query_one("#table-filter", Input)
        assert options.has_focus and options.highlighted == 0
        await pilot.press("up")
        assert table_filter.has_focus
        assert options.highlighted == 0
        await pilot.press(*"spel")
        assert table_filter.value == "spel"
        await pilot.press("down", "down")
        assert options.has_focus and options.highlighted == 1
        await pilot.press("up", "up")
        assert table_filter.has_focus and options.highlighted == 0
        last = options.option_count - 1
        await pilot.press("down")
        options.highlighted = last
        await pilot.press("down")
        assert options.highlighted == last
