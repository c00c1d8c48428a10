"""Pilot tests of storage classes on real SQLite files: an edit keeps the class of the value it
edits unless the person chooses another (ctrl+t), typed columns open what SQLite actually
stores in them (epoch integers in a DATETIME column, 2 in a BOOLEAN one), a duplicated row is
an exact copy, and the text '1' never looks like the integer 1.

What was written is read back with ``typeof()`` and ``hex()`` through sqlite3.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from rich.text import Text
from textual.pilot import Pilot
from textual.widgets import Input, Label, Select, Static

from tests.tui.db.edithelpers import sqlite_file
from tests.tui.editing import editing, rows, save, to_column
from tests.tui.scenes import settle
from tui.screens.cell_detail import CellDetailScreen
from tui.screens.edit_cell import CellEditorScreen
from tui.screens.pending import PendingScreen
from tui.screens.row_form import RowFormScreen
from tui.widgets.row_grid import RowGrid

NOT_UTF8 = "x'ff61'"  # invalid UTF-8, stored as TEXT


@pytest.fixture
def mixed_db(tmp_path: Path) -> Path:
    return sqlite_file(
        tmp_path / "mixed.db",
        [
            "CREATE TABLE mixed (id INTEGER PRIMARY KEY, u, b BLOB, d DATETIME, f BOOLEAN,"
            " m DECIMAL(10,2), j DATE, x TEXT, k JSON)",
            "INSERT INTO mixed VALUES (1, '1', '1', 1700000000, 2, '12,50', 2460000.5,"
            f' CAST({NOT_UTF8} AS TEXT), \'{{"a":1,"a":2}}\')',
            "INSERT INTO mixed VALUES (2, 1, 1, '2024-05-01 13:45:00', 1, 5, NULL, 'plain', NULL)",
            "INSERT INTO mixed VALUES (3, 1.0, x'00ff', NULL, 0, 5.5, NULL, NULL, '[1]')",
            "CREATE TABLE s (id INTEGER PRIMARY KEY, a ANY) STRICT",
            "INSERT INTO s VALUES (1, '1'), (2, 1)",
        ],
    )


def typed(path: Path, table: str, name: str, row: int) -> tuple[str, object]:
    return rows(path, f"SELECT typeof({name}), {name} FROM {table} WHERE id = ?", row)[0]


async def open_editor(pilot: Pilot[int], grid: RowGrid, row: int, name: str) -> CellEditorScreen:
    grid.cursor_row = row
    to_column(grid, name)
    await pilot.press("e")
    await settle(pilot)
    editor = pilot.app.screen
    assert isinstance(editor, CellEditorScreen), editor
    return editor


async def type_and_stage(pilot: Pilot[int], editor: CellEditorScreen, text: str) -> None:
    editor.query_one("#editor", Input).value = text
    await pilot.press("enter")
    await settle(pilot)
    assert not isinstance(pilot.app.screen, CellEditorScreen), "the editor is still open"


def shown(editor: CellEditorScreen, selector: str) -> str:
    rendered = editor.query_one(selector, Static).render()
    return rendered.plain if isinstance(rendered, Text) else str(rendered)


async def test_text_stays_text_and_an_integer_an_integer_without_affinity(mixed_db: Path) -> None:
    async with editing(mixed_db, "mixed") as (_app, pilot, _screen, grid):
        editor = await open_editor(pilot, grid, 0, "u")
        assert "[text]" in shown(editor, "#editor-class")
        assert shown(editor, "#editor-current") == "now: '1'  text"
        await type_and_stage(pilot, editor, "2")
        editor = await open_editor(pilot, grid, 1, "u")
        assert "[integer]" in shown(editor, "#editor-class")
        assert shown(editor, "#editor-current") == "now: 1  integer"
        await type_and_stage(pilot, editor, "2")
        editor = await open_editor(pilot, grid, 0, "b")  # declared BLOB: no affinity either
        await type_and_stage(pilot, editor, "3")
        await save(pilot)
    assert typed(mixed_db, "mixed", "u", 1) == ("text", "2")
    assert typed(mixed_db, "mixed", "u", 2) == ("integer", 2)
    assert typed(mixed_db, "mixed", "b", 1) == ("text", "3")


async def test_ctrl_t_chooses_the_storage_class(mixed_db: Path) -> None:
    async with editing(mixed_db, "mixed") as (_app, pilot, _screen, grid):
        editor = await open_editor(pilot, grid, 0, "u")
        editor.query_one("#editor", Input).value = "2"
        await pilot.pause()
        assert shown(editor, "#editor-preview") == "stores: '2'  text"
        for _ in range(3):  # text -> blob -> auto -> integer
            await pilot.press("ctrl+t")
            await pilot.pause()
        assert "[integer]" in shown(editor, "#editor-class")
        assert editor.query_one("#editor", Input).value == "2"  # what was typed stays
        assert shown(editor, "#editor-preview") == "stores: 2  integer"
        await pilot.press("enter")
        await settle(pilot)
        # The integer 1 as the text '1': the same digits, another class, is an edit.
        editor = await open_editor(pilot, grid, 1, "u")
        for _ in range(2):  # integer -> real -> text
            await pilot.press("ctrl+t")
            await pilot.pause()
        assert shown(editor, "#editor-preview") == "stores: '1'  text"
        await pilot.press("enter")
        await settle(pilot)
        # Hex typed as a BLOB.
        editor = await open_editor(pilot, grid, 2, "u")
        for _ in range(2):  # real -> text -> blob
            await pilot.press("ctrl+t")
            await pilot.pause()
        await type_and_stage(pilot, editor, "00 ff")
        await save(pilot)
    assert typed(mixed_db, "mixed", "u", 1) == ("integer", 2)
    assert typed(mixed_db, "mixed", "u", 2) == ("text", "1")
    assert typed(mixed_db, "mixed", "u", 3) == ("blob", b"\x00\xff")


async def test_a_class_the_column_would_convert_is_refused_with_the_reason(
    mixed_db: Path,
) -> None:
    async with editing(mixed_db, "mixed") as (_app, pilot, screen, grid):
        editor = await open_editor(pilot, grid, 0, "m")  # DECIMAL holding the text '12,50'
        assert "[text]" in shown(editor, "#editor-class")
        editor.query_one("#editor", Input).value = "13"
        await pilot.press("enter")
        await settle(pilot)
        assert pilot.app.screen is editor
        error = str(editor.query_one("#editor-error", Label).render())
        assert "stores the text '13' as the integer 13" in error
        await pilot.press("escape")
        await settle(pilot)
        assert len(screen.changes) == 0


async def test_strict_any_keeps_the_class(mixed_db: Path) -> None:
    async with editing(mixed_db, "s") as (_app, pilot, _screen, grid):
        editor = await open_editor(pilot, grid, 0, "a")
        await type_and_stage(pilot, editor, "2")
        editor = await open_editor(pilot, grid, 1, "a")
        await type_and_stage(pilot, editor, "2")
        await save(pilot)
    assert typed(mixed_db, "s", "a", 1) == ("text", "2")
    assert typed(mixed_db, "s", "a", 2) == ("integer", 2)


async def test_typed_columns_open_what_sqlite_stores_in_them(mixed_db: Path) -> None:
    async with editing(mixed_db, "mixed") as (_app, pilot, _screen, grid):
        editor = await open_editor(pilot, grid, 0, "d")  # DATETIME holding epoch seconds
        assert editor.query_one("#editor", Input).value == "1700000000"
        await type_and_stage(pilot, editor, "1700000001")
        editor = await open_editor(pilot, grid, 0, "j")  # DATE holding a Julian day
        await type_and_stage(pilot, editor, "2460001.5")
        editor = await open_editor(pilot, grid, 0, "f")  # BOOLEAN holding 2: not a choice
        assert editor.query_one("#editor", Input).value == "2"
        await type_and_stage(pilot, editor, "3")
        editor = await open_editor(pilot, grid, 0, "m")  # DECIMAL holding text
        await type_and_stage(pilot, editor, "13,50")
        # Where the value reads as the column's type, its own editor: a choice, a date.
        editor = await open_editor(pilot, grid, 1, "f")
        assert editor.query("#editor").first().__class__ is Select
        await pilot.press("escape")
        await settle(pilot)
        editor = await open_editor(pilot, grid, 1, "d")
        assert "[auto]" in shown(editor, "#editor-class")
        editor.query_one("#editor", Input).value = "not a date"
        await pilot.press("enter")
        await settle(pilot)
        assert "not a date and time" in str(editor.query_one("#editor-error", Label).render())
        await type_and_stage(pilot, editor, "2024-05-02T08:00")
        await save(pilot)
    assert typed(mixed_db, "mixed", "d", 1) == ("integer", 1700000001)
    assert typed(mixed_db, "mixed", "j", 1) == ("real", 2460001.5)
    assert typed(mixed_db, "mixed", "f", 1) == ("integer", 3)
    assert typed(mixed_db, "mixed", "m", 1) == ("text", "13,50")
    assert typed(mixed_db, "mixed", "d", 2) == ("text", "2024-05-02 08:00:00")


async def test_duplicate_copies_every_value_exactly_as_stored(mixed_db: Path) -> None:
    columns = "u, b, d, f, m, j, x, k"
    every = ", ".join(f"typeof({c}), hex({c})" for c in columns.split(", "))
    async with editing(mixed_db, "mixed") as (_app, pilot, _screen, grid):
        for row in (0, 2):
            grid.cursor_row = row
            await pilot.press("D")
            await settle(pilot)
            assert isinstance(pilot.app.screen, RowFormScreen)
            await pilot.press("ctrl+s")
            await settle(pilot)
            assert not isinstance(pilot.app.screen, RowFormScreen), "the form refused the row"
        await save(pilot)
    copied = rows(mixed_db, f"SELECT id, {every} FROM mixed ORDER BY id")
    assert [r[0] for r in copied] == [1, 2, 3, 4, 5]  # each copy got its own key
    assert copied[3][1:] == copied[0][1:]
    assert copied[4][1:] == copied[2][1:]


async def test_insert_form_chooses_the_class_with_ctrl_t(mixed_db: Path) -> None:
    async with editing(mixed_db, "mixed") as (_app, pilot, _screen, _grid):
        await pilot.press("i")
        await settle(pilot)
        form = pilot.app.screen
        assert isinstance(form, RowFormScreen)
        assert form.focused is form.query_one("#field-1", Input)  # u, after the auto id
        await pilot.press("7")
        for _ in range(3):  # auto -> integer -> real -> text
            await pilot.press("ctrl+t")
        await pilot.pause()
        assert "as text" in str(form.query_one("#name-1", Label).render())
        await pilot.press("ctrl+s")
        await settle(pilot)
        await save(pilot)
    assert rows(mixed_db, "SELECT typeof(u), u FROM mixed WHERE id = 4") == [("text", "7")]


async def test_text_1_and_integer_1_look_different_everywhere(mixed_db: Path) -> None:
    async with editing(mixed_db, "mixed") as (_app, pilot, screen, grid):
        column = [c.name for c in grid.columns].index("u")
        assert grid.columns[column].quote_numbers
        assert not grid.columns[[c.name for c in grid.columns].index("x")].quote_numbers
        to_column(grid, "u")
        lines = [grid.render_line(y).text for y in (2, 3)]  # under the two header lines
        assert "'1'" in lines[0] and "'1'" not in lines[1]
        # The cell detail view names the class.
        grid.cursor_row = 0
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(pilot.app.screen, CellDetailScreen)
        title = str(pilot.app.screen.query_one(".dialog-title", Label).render())
        assert title.startswith("u: stored TEXT")  # no declared type, no stray '·'
        await pilot.press("escape")
        grid.cursor_row = 1
        await pilot.press("enter")
        await settle(pilot)
        title = str(pilot.app.screen.query_one(".dialog-title", Label).render())
        assert "stored INTEGER" in title
        await pilot.press("escape")
        await settle(pilot)
        # The pending panel: the text '1' quoted, the integer 1 bare.
        for row, text in ((0, "5"), (1, "5")):
            editor = await open_editor(pilot, grid, row, "u")
            await type_and_stage(pilot, editor, text)
        await pilot.press("p")
        await settle(pilot)
        assert isinstance(pilot.app.screen, PendingScreen)
        body = pilot.app.screen.query_one("#pending-body", Static).render()
        plain = body.plain if isinstance(body, Text) else str(body)
        assert "u: '1' -> '5'" in plain
        assert "u: 1 -> 5" in plain
        assert len(screen.changes) == 2


def test_file_has_invalid_utf8(mixed_db: Path) -> None:
    """The fixture really holds text that is not UTF-8 (the duplicate test relies on it)."""
    con = sqlite3.connect(mixed_db)
    try:
        assert con.execute("SELECT typeof(x), hex(x) FROM mixed WHERE id = 1").fetchone() == (
            "text",
            "FF61",
        )
    finally:
        con.close()


async def test_ctrl_t_from_a_blob_carries_its_bytes_never_their_hex_spelling(
    mixed_db: Path,
) -> None:
    """x'00ff' in a BLOB column: integer and real start empty, text starts with the bytes as
    text (what CAST does), blob with the hex; never the text "x'00ff'"."""
    async with editing(mixed_db, "mixed") as (_app, pilot, _screen, grid):
        editor = await open_editor(pilot, grid, 2, "b")
        seen = {}
        for _ in range(4):  # auto -> integer -> real -> text -> blob
            await pilot.press("ctrl+t")
            await pilot.pause()
            seen[editor.storage] = editor.query_one("#editor", Input).value
        assert seen == {"integer": "", "real": "", "text": "\\x00\\xff", "blob": "x'00ff'"}
        await pilot.press("ctrl+t", "ctrl+t", "ctrl+t", "ctrl+t")  # around to text
        await pilot.pause()
        assert editor.storage == "text"
        editor.query_one("#editor", Input).value = "hi"
        await pilot.press("ctrl+t")  # typed text to blob: its bytes as hex
        await pilot.pause()
        assert editor.query_one("#editor", Input).value == "x'6869'"
