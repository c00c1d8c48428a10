"""Pilot tests: the filter dialog and go-to read what is typed by the column's type."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Button, Input, Label, OptionList, Select
from textual.widgets._select import SelectOverlay
from textual.widgets.select import InvalidSelectValueError

from tests.tui.scenes import SIZE, browse_app, settle
from tui.app import DbBrowseApp
from tui.db.paging import FilterOp
from tui.screens.browse import BrowseScreen
from tui.screens.filter import FilterScreen
from tui.widgets.row_grid import RowGrid
from tui.widgets.status_bar import StatusBar
from tui.widgets.table_list import TableList


@pytest.fixture
def codes_db(tmp_path: Path) -> Path:
    path = tmp_path / "codes.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE agents (id INTEGER PRIMARY KEY, code TEXT, rank INTEGER)")
    conn.executemany(
        "INSERT INTO agents (code, rank) VALUES (?, ?)", [("007", 7), ("7", 1), ("0007", 2)]
    )
    conn.commit()
    conn.close()
    return path


async def _focused_grid(app: DbBrowseApp, pilot: Pilot[int]) -> tuple[BrowseScreen, RowGrid]:
    """The browse screen once it has loaded, and its grid, focused."""
    await settle(pilot)
    screen = app.get_screen_browse()
    assert screen is not None
    grid = screen.query_one(RowGrid)
    grid.focus()
    return screen, grid


async def _open_dialog(pilot: Pilot[int]) -> FilterScreen:
    """``f`` on the grid: the filter dialog, on the grid's current column."""
    await pilot.press("f")
    await pilot.pause()
    dialog = pilot.app.screen
    assert isinstance(dialog, FilterScreen)
    return dialog


async def _filter(pilot: Pilot[int], column: str, text: str) -> None:
    dialog = pilot.app.screen
    assert isinstance(dialog, FilterScreen)
    dialog.query_one("#filter-column", Select).value = column
    dialog.query_one("#filter-op", Select).value = FilterOp.EQ
    await pilot.pause()
    dialog.query_one("#filter-value", Input).value = text
    await pilot.click("#apply")
    await settle(pilot)


async def test_text_stays_text_and_a_bad_integer_is_refused(codes_db: Path) -> None:
    conn = sqlite3.connect(codes_db)  # a STRICT table: its INTEGER column holds integers only
    conn.execute("ALTER TABLE agents RENAME TO loose")
    conn.execute("CREATE TABLE agents (id INTEGER PRIMARY KEY, code TEXT, rank INTEGER) STRICT")
    conn.execute("INSERT INTO agents SELECT * FROM loose")
    conn.commit()
    conn.close()
    app = browse_app(codes_db)
    async with app.run_test(size=SIZE) as pilot:
        screen, grid = await _focused_grid(app, pilot)
        await pilot.press("f")
        await pilot.pause()
        await _filter(pilot, "code", "007")
        assert grid.total == 1
        row = grid.source.row_at(0)
        assert row is not None and row[1] == "007"

        await pilot.press("c")
        await settle(pilot)
        before = screen.query_spec
        await pilot.press("f")
        await pilot.pause()
        await _filter(pilot, "rank", "seven")
        dialog = app.screen
        assert isinstance(dialog, FilterScreen), "a bad integer must not close the dialog"
        error = dialog.query_one("#filter-error", Label)
        assert "not an integer" in str(error.render())
        assert screen.query_spec == before  # nothing was run

        dialog.query_one("#filter-value", Input).value = "007"
        await pilot.click("#apply")
        await settle(pilot)
        assert app.screen is screen
        assert grid.total == 1
        row = grid.source.row_at(0)
        assert row is not None and row[2] == 7


@pytest.fixture
def nums_db(tmp_path: Path) -> Path:
    path = tmp_path / "nums.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE nums (id INTEGER PRIMARY KEY, i INTEGER, r REAL)")
    conn.executemany(
        "INSERT INTO nums (i, r) VALUES (?, ?)",
        [
            (1, float("inf")),
            (2, float("-inf")),
            ("99999999999999999999999", 1.5),  # stored as the REAL 1e+23
            ("abc", 2.5),
            (5, 1e300),
        ],
    )
    conn.commit()
    conn.close()
    return path


@pytest.mark.parametrize(
    ("column", "row", "shown"),
    [("r", 0, "inf"), ("r", 1, "-inf"), ("i", 2, "1e+23"), ("i", 3, "abc")],
)
async def test_a_value_the_grid_shows_can_be_filtered_on(
    nums_db: Path, column: str, row: int, shown: str
) -> None:
    """SQLite columns hold values of other types than declared: the filter pre-filled with
    the cell under the cursor finds that row instead of refusing the value."""
    app = browse_app(nums_db)
    async with app.run_test(size=SIZE) as pilot:
        screen, grid = await _focused_grid(app, pilot)
        grid.move_to(row)
        grid.cursor_column = [c.name for c in grid.columns].index(column)
        dialog = await _open_dialog(pilot)
        assert dialog.query_one("#filter-value", Input).value == shown
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen, "the value must not be refused"
        assert grid.total == 1
        found = grid.source.row_at(0)
        assert found is not None and found[0] == row + 1
        # Typed by hand, too.
        await pilot.press("c")
        await settle(pilot)
        await _open_dialog(pilot)
        await _filter(pilot, column, shown)
        assert app.screen is screen and grid.total == 1


async def test_goto_refuses_what_is_not_a_row(codes_db: Path) -> None:
    app = browse_app(codes_db)
    async with app.run_test(size=SIZE) as pilot:
        screen, grid = await _focused_grid(app, pilot)
        assert screen.query_one(TableList).tables
        grid.move_to(1)
        for answer in ("inf%", "abc", "0"):
            screen.go_to(answer)
            await pilot.pause()
            assert grid.cursor_row == 1
        notices = [n.message for n in app._notifications]
        assert any("not a number" in n for n in notices)
        assert any("numbered from 1" in n for n in notices)


async def _submit(pilot: Pilot[int]) -> None:
    """Enter in the value: add the condition (keys, not a click: the layout moves)."""
    pilot.app.screen.query_one("#filter-value", Input).focus()
    await pilot.press("enter")
    await pilot.pause()


async def test_conditions_add_up_are_listed_and_removed_one_by_one(codes_db: Path) -> None:
    app = browse_app(codes_db)
    async with app.run_test(size=SIZE) as pilot:
        screen, grid = await _focused_grid(app, pilot)
        grid.cursor_column = 2  # rank: the dialog starts on it, the value focused
        dialog = await _open_dialog(pilot)
        assert dialog.query_one("#filter-column", Select).value == "rank"
        assert dialog.query_one("#filter-value", Input).has_focus
        ops = dialog.query_one("#filter-op", Select)
        ops.value = FilterOp.BETWEEN
        await pilot.pause()
        assert "low, high" in str(dialog.query_one("#filter-hint", Label).render())
        dialog.query_one("#filter-value", Input).value = ""
        await pilot.press(*"1, 2", "enter")
        await settle(pilot)
        assert grid.total == 2  # ranks 1 and 2

        dialog = await _open_dialog(pilot)
        active = dialog.query_one("#filter-active", OptionList)
        assert active.display and active.option_count == 1
        assert "rank between 1 and 2" in str(active.get_option_at_index(0).prompt)
        dialog.query_one("#filter-column", Select).value = "code"
        dialog.query_one("#filter-op", Select).value = FilterOp.IN
        await pilot.pause()
        dialog.query_one("#filter-value", Input).value = '"7", 0007, "a, b"'
        await _submit(pilot)
        await settle(pilot)
        assert screen.query_spec is not None and len(screen.query_spec.filters) == 2
        assert grid.total == 2  # codes '7' (rank 1) and '0007' (rank 2), both held
        status = screen.query_one(StatusBar).query_text
        assert "rank between 1 and 2 and code in ('7', '0007', 'a, b')" in status

        # Removing: shift+tab up to the list, delete the first; Done applies what is left.
        dialog = await _open_dialog(pilot)
        active = dialog.query_one("#filter-active", OptionList)
        await pilot.press("shift+tab", "shift+tab", "shift+tab")
        await pilot.pause()
        assert active.has_focus
        await pilot.press("delete")
        await pilot.pause()
        assert active.option_count == 1
        assert "code in" in str(active.get_option_at_index(0).prompt)
        dialog.query_one("#done", Button).press()
        await settle(pilot)
        assert screen.query_spec is not None
        assert [str(f) for f in screen.query_spec.filters] == ["code in ('7', '0007', 'a, b')"]
        assert grid.total == 2

        # Cancel drops the removals.
        dialog = await _open_dialog(pilot)
        active = dialog.query_one("#filter-active", OptionList)
        active.focus()
        active.highlighted = 0
        await pilot.press("delete")
        await pilot.press("escape")
        await settle(pilot)
        assert len(screen.query_spec.filters) == 1


async def _code_condition(
    app: DbBrowseApp, pilot: Pilot[int], op: FilterOp, value: str
) -> tuple[BrowseScreen, RowGrid, FilterScreen]:
    """From the grid's ``code`` column, the filter dialog and a condition submitted with Enter."""
    screen, grid = await _focused_grid(app, pilot)
    grid.cursor_column = 1
    dialog = await _open_dialog(pilot)
    dialog.query_one("#filter-op", Select).value = op
    await pilot.pause()
    dialog.query_one("#filter-value", Input).value = value
    await _submit(pilot)
    return screen, grid, dialog


async def test_regexp_is_offered_on_sqlite_and_a_bad_pattern_is_refused(codes_db: Path) -> None:
    app = browse_app(codes_db)
    async with app.run_test(size=SIZE) as pilot:
        screen, grid, dialog = await _code_condition(app, pilot, FilterOp.REGEXP, "(0")
        await pilot.pause()
        assert app.screen is dialog
        error = str(dialog.query_one("#filter-error", Label).render())
        assert "not a regular expression" in error
        dialog.query_one("#filter-value", Input).value = "^0+7$"
        await _submit(pilot)
        await settle(pilot)
        assert app.screen is screen, str(dialog.query_one("#filter-error", Label).render())
        assert grid.total == 2  # 007 and 0007, not 7


async def test_matches_of_a_text_filter_are_highlighted_in_the_grid(codes_db: Path) -> None:
    app = browse_app(codes_db)
    async with app.run_test(size=SIZE) as pilot:
        _, grid, _ = await _code_condition(app, pilot, FilterOp.CONTAINS, "00")
        await settle(pilot)
        assert grid.total == 2
        match = grid.part_style("row-grid--match")
        assert match.bgcolor is not None

        def highlighted(y: int) -> list[str]:
            return [
                s.text for s in grid.render_line(y) if s.style and s.style.bgcolor == match.bgcolor
            ]

        first, second = grid.header_lines, grid.header_lines + 1
        assert highlighted(first) == ["00"]  # 007
        assert highlighted(second) == ["00"]  # 0007: matches do not overlap
        # The cell still shows the whole value, as without a filter.
        assert "0007" in "".join(s.text for s in grid.render_line(second))

        await pilot.press("c")  # clear: nothing highlighted any more
        await settle(pilot)
        assert grid.total == 3
        assert all(highlighted(y) == [] for y in range(first, first + 3))


async def test_a_regexp_is_shown_as_typed_and_still_bound(codes_db: Path) -> None:
    r"""``\d`` stays ``\d`` in the conditions list and the status bar (not Python's ``\\d``);
    the pattern is still a bound parameter, not SQL text."""
    app = browse_app(codes_db)
    async with app.run_test(size=SIZE) as pilot:
        screen, grid, _ = await _code_condition(app, pilot, FilterOp.REGEXP, r"^0\d+7$")
        await settle(pilot)
        assert app.screen is screen
        assert grid.total == 2  # 007 and 0007: the pattern ran as typed
        status = screen.query_one(StatusBar).query_text
        assert r"code regexp '^0\d+7$'" in status, status
        assert "\\\\" not in status
        dialog = await _open_dialog(pilot)
        active = dialog.query_one("#filter-active", OptionList)
        shown = str(active.get_option_at_index(0).prompt)
        assert r"code regexp '^0\d+7$'" in shown, shown
        assert "\\\\" not in shown


async def test_a_quote_in_a_text_condition_is_doubled_as_in_sql(codes_db: Path) -> None:
    app = browse_app(codes_db)
    async with app.run_test(size=SIZE) as pilot:
        screen, grid, _ = await _code_condition(app, pilot, FilterOp.CONTAINS, "it's")
        await settle(pilot)
        assert grid.total == 0
        assert "code contains 'it''s'" in screen.query_one(StatusBar).query_text


async def test_the_column_picker_has_no_blank_entry(codes_db: Path) -> None:
    """Every entry of the column picker is a column; it starts on the cursor's column."""
    app = browse_app(codes_db)
    async with app.run_test(size=SIZE) as pilot:
        _, grid = await _focused_grid(app, pilot)
        grid.cursor_column = 1
        dialog = await _open_dialog(pilot)
        columns = dialog.query_one("#filter-column", Select)
        assert columns.value == "code"
        overlay = columns.query_one(SelectOverlay)
        shown = [str(overlay.get_option_at_index(i).prompt) for i in range(overlay.option_count)]
        assert shown == ["id", "code", "rank"]
        with pytest.raises(InvalidSelectValueError):
            columns.clear()


@pytest.fixture
def letters_db(tmp_path: Path) -> Path:
    path = tmp_path / "letters.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE words (id INTEGER PRIMARY KEY, w TEXT)")
    conn.executemany(
        "INSERT INTO words (w) VALUES (?)",
        [("Ünïcode 名前 🎉",), ("plain",), ("GROSSE STRASSE",), ("a\0Émile",), (None,)],
    )
    conn.commit()
    conn.close()
    return path


@pytest.mark.parametrize(
    ("typed", "found"),
    [
        ("ünïcode", [1]),
        ("ÜNÏ", [1]),
        ("straße", [3]),
        ("émile", [4]),
        ("PLAIN", [2]),
        ("名前", [1]),
    ],
)
async def test_search_ignores_case_for_every_letter(
    letters_db: Path, typed: str, found: list[int]
) -> None:
    """SQLite folds ASCII only; a needle with other cased letters is compared by casefold()
    (hostile 13, finding 7), in the quick search and in a contains condition alike."""
    app = browse_app(letters_db)
    async with app.run_test(size=SIZE) as pilot:
        _screen, grid = await _focused_grid(app, pilot)
        await pilot.press("slash")
        await pilot.pause()
        app.screen.query_one(Input).value = typed
        await pilot.press("enter")
        await settle(pilot)
        rows = [grid.source.row_at(i) for i in range(grid.total)]
        assert [r[0] for r in rows if r is not None] == found
        await pilot.press("c")
        await settle(pilot)
        await _open_dialog(pilot)
        dialog = app.screen
        dialog.query_one("#filter-column", Select).value = "w"
        dialog.query_one("#filter-op", Select).value = FilterOp.CONTAINS
        await pilot.pause()
        dialog.query_one("#filter-value", Input).value = typed
        await pilot.click("#apply")
        await settle(pilot)
        rows = [grid.source.row_at(i) for i in range(grid.total)]
        assert [r[0] for r in rows if r is not None] == found


@pytest.fixture
def odd_vals_db(tmp_path: Path) -> Path:
    path = tmp_path / "vals.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE vals (id INTEGER PRIMARY KEY, v)")  # no declared type
    conn.executemany(
        "INSERT INTO vals (id, v) VALUES (?, ?)",
        [(1, 1.0), (2, 1), (3, "1"), (4, "\x1b[31mRED\x1b[0m"), (5, ""), (6, "\\x1b[31mRED")],
    )
    conn.commit()
    conn.close()
    return path


@pytest.mark.parametrize(
    ("row", "shown", "found"),
    [
        (2, "1", [3]),  # the text '1', not the integer 1 (hostile #16)
        (1, "1", [2, 1]),  # the integer 1 (SQLite's = finds the real 1.0 too)
        (3, "\\x1b[31mRED\\x1b[0m", [4]),  # control characters as the grid shows them
        (5, "\\x1b[31mRED", [6]),  # typed text without control characters: as it is
    ],
)
async def test_the_prefilled_value_is_the_cells_value_exactly(
    odd_vals_db: Path, row: int, shown: str, found: list[int]
) -> None:
    app = browse_app(odd_vals_db)
    async with app.run_test(size=SIZE) as pilot:
        screen, grid = await _focused_grid(app, pilot)
        grid.move_to(row)
        grid.cursor_column = [c.name for c in grid.columns].index("v")
        dialog = await _open_dialog(pilot)
        assert dialog.query_one("#filter-value", Input).value == shown
        assert "exactly" in str(dialog.query_one("#filter-prefill", Label).render())
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        assert sorted(r[0] for r in _rows(grid)) == sorted(found)


async def test_an_edited_prefill_is_read_as_typed(odd_vals_db: Path) -> None:
    """Retyping the prefilled 1 of the text '1' means what is typed: the number."""
    app = browse_app(odd_vals_db)
    async with app.run_test(size=SIZE) as pilot:
        screen, grid = await _focused_grid(app, pilot)
        grid.move_to(2)
        grid.cursor_column = [c.name for c in grid.columns].index("v")
        dialog = await _open_dialog(pilot)
        await pilot.press("backspace", "1")
        assert dialog.query_one("#filter-value", Input).value == "1"
        await pilot.press("enter")
        await settle(pilot)
        assert sorted(r[0] for r in _rows(grid)) == [1, 2]

        # A value prefilled in escaped form is read back from it when edited, too.
        await pilot.press("c")
        await settle(pilot)
        grid.move_to(3)
        dialog = await _open_dialog(pilot)
        await pilot.press("end", "backspace", "m")
        assert dialog.query_one("#filter-value", Input).value == "\\x1b[31mRED\\x1b[0m"
        await pilot.press("enter")
        await settle(pilot)
        assert app.screen is screen
        assert [r[0] for r in _rows(grid)] == [4]


def _rows(grid: RowGrid) -> list[tuple[object, ...]]:
    rows = [grid.source.row_at(i) for i in range(grid.total or 0)]
    return [tuple(r) for r in rows if r is not None]
