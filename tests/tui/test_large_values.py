"""Large values in the real app: bounded in the grid, read by key in the detail view."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from textual.widgets import Input

from tests.tui.scenes import browse_app, settle
from tui.db.model import Preview
from tui.db.values import PREVIEW
from tui.screens.cell_detail import CellDetailScreen
from tui.screens.prompt import PromptScreen
from tui.widgets.row_grid import RowGrid
from tui.widgets.value_view import MAX_PARTS, PART_SIZE, ValueView

ROWS = 20
SIZE = 1_000_000
TEXT = "".join(chr(0x61 + i % 26) for i in range(SIZE - 7)) + "THE-END"
BLOB = bytes(i % 251 for i in range(SIZE))


@pytest.fixture
def large_db(tmp_path: Path) -> Path:
    path = tmp_path / "large.db"
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE docs (id INTEGER PRIMARY KEY, body TEXT, data BLOB)")
    conn.executemany(
        "INSERT INTO docs VALUES (?, ?, ?)", [(i + 1, TEXT, BLOB) for i in range(ROWS)]
    )
    conn.commit()
    conn.close()
    return path


def carried(value: object) -> int:
    if isinstance(value, Preview):
        return len(value.head)
    return len(value) if isinstance(value, str | bytes) else 0


async def test_grid_carries_a_bounded_preview_with_the_true_length(large_db: Path) -> None:
    app = browse_app(large_db)
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        grid = app.screen.query_one(RowGrid)
        held = 0
        for position in range(grid.total):
            row = grid.source.row_at(position)
            assert row is not None
            held += sum(carried(v) for v in row)
        assert held <= ROWS * 2 * PREVIEW  # not ROWS * 2 MB
        line = grid.render_line(2).text
        assert "(1,000,000 ch)" in line
        assert "<blob 976.6 KB>" in line


async def test_detail_reads_a_large_text_by_key_in_parts(large_db: Path) -> None:
    app = browse_app(large_db, read_only=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        grid = app.screen.query_one(RowGrid)
        grid.focus()
        grid.cursor_column = 1
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CellDetailScreen)
        view = app.screen.query_one(ValueView)
        assert view.length == SIZE
        assert 0 < len(view.data) <= PART_SIZE * MAX_PARTS
        await pilot.press("pagedown", "pagedown", "pagedown")
        await settle(pilot)
        await pilot.press("end")
        await settle(pilot)
        assert view.end == SIZE
        assert len(view.data) <= PART_SIZE * MAX_PARTS
        last = view.render_line(view.size.height - 1).text
        shown = "".join(view.render_line(y).text for y in range(view.size.height))
        assert "THE-END" in shown, last
        await pilot.press("home")
        await settle(pilot)
        assert view.start == 0
        assert view.render_line(0).text.startswith("abcdefghij")
        await pilot.press("c")
        await settle(pilot)
        assert app.clipboard == TEXT


async def test_a_large_blob_saved_to_a_file_keeps_every_byte(
    large_db: Path, tmp_path: Path
) -> None:
    app = browse_app(large_db, read_only=True)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        grid = app.screen.query_one(RowGrid)
        grid.focus()
        grid.cursor_column = 2
        grid.cursor_row = 7
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, CellDetailScreen)
        view = app.screen.query_one(ValueView)
        assert view.binary and view.length == SIZE
        await pilot.press("end")
        await settle(pilot)
        assert view.end == SIZE
        await pilot.press("s")
        await settle(pilot)
        assert isinstance(app.screen, PromptScreen)
        target = tmp_path / "saved.bin"
        app.screen.query_one(Input).value = str(target)
        await pilot.press("enter")
        await settle(pilot)
        assert target.read_bytes() == BLOB
        await pilot.press("c")
        await settle(pilot)
        assert app.clipboard == BLOB.hex()
