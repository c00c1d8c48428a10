"""The grid draws staged changes: changed cells highlighted with the new value, deleted rows
struck through, new and selected rows marked in the gutter; the status bar counts them."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.app import App, ComposeResult

from tui.widgets.row_grid import GridColumn, RowGrid, RowMark
from tui.widgets.status_bar import StatusBar

ROWS = [(1, "Ada"), (2, "Bob"), (3, "Cy"), (4, "Dee")]


class ListRows:
    def row_at(self, position: int) -> tuple[Any, ...] | None:
        return ROWS[position] if position < len(ROWS) else None

    def is_fresh(self, position: int) -> bool:
        return True


class Marks:
    def __init__(self, marks: dict[int, RowMark]) -> None:
        self.marks = marks

    def mark(self, position: int, row: tuple[Any, ...]) -> RowMark | None:
        return self.marks.get(position)


class GridApp(App[None]):
    CSS_PATH = Path(__file__).parents[2] / "tui" / "app.tcss"  # the real component styles

    def compose(self) -> ComposeResult:
        yield RowGrid(id="grid")
        yield StatusBar(id="status")


def line_segments(grid: RowGrid, position: int) -> list[tuple[str, Any]]:
    strip = grid.render_line(position + grid.header_lines)
    return [(s.text, s.style) for s in strip]


async def test_marks_are_drawn() -> None:
    app = GridApp()
    async with app.run_test(size=(60, 10)) as pilot:
        grid = app.query_one(RowGrid)
        columns = [GridColumn("id", "INTEGER", 4, numeric=True), GridColumn("name", "TEXT", 8)]
        grid.show(ListRows(), columns, len(ROWS))
        grid.marks = Marks(
            {
                0: RowMark(changed={1: "Zed"}),
                1: RowMark(deleted=True),
                2: RowMark(selected=True),
                3: RowMark(changed={1: None}),
            }
        )
        grid.cursor_row = 3  # away from the cells compared below
        await pilot.pause()
        changed = line_segments(grid, 0)
        text = "".join(t for t, _ in changed)
        assert "Zed" in text and "Ada" not in text
        assert text.lstrip().startswith("1*")
        zed = next(style for t, style in changed if t == "Zed")
        one = next(style for t, style in changed if t == "1")
        assert zed.bgcolor is not None and zed.bgcolor != one.bgcolor
        assert zed.bold and not one.bold

        deleted = line_segments(grid, 1)
        assert "".join(t for t, _ in deleted).lstrip().startswith("2-")
        bob = next(style for t, style in deleted if t == "Bob")
        assert bob.strike

        selected = line_segments(grid, 2)
        assert "".join(t for t, _ in selected).lstrip().startswith("3•")

        to_null = "".join(t for t, _ in line_segments(grid, 3))
        assert "∅ NULL" in to_null and "Dee" not in to_null

        grid.marks = None
        grid.refresh()
        await pilot.pause()
        plain = "".join(t for t, _ in line_segments(grid, 1))
        assert "Bob" in plain and plain.lstrip().startswith("2 ")
        assert not any(style.strike for _, style in line_segments(grid, 1) if style)


async def test_status_bar_counts_pending_changes() -> None:
    app = GridApp()
    async with app.run_test(size=(80, 10)) as pilot:
        status = app.query_one(StatusBar)
        assert "pending" not in str(status.render())
        status.pending = 1
        await pilot.pause()
        assert "1 change pending" in str(status.render())
        status.pending = 3
        await pilot.pause()
        assert "3 changes pending" in str(status.render())
