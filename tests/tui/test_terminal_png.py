"""The screenshot PNGs: a Rich SVG read back into terminal cells, and drawn cell by cell."""

from __future__ import annotations

from io import StringIO
from pathlib import Path

import pytest
from PIL import Image
from rich.console import Console
from rich.text import Text

from tests.tui.terminal_png import (
    CELL_H,
    CELL_W,
    MARGIN,
    TITLE_H,
    MissingFonts,
    check_fonts,
    parse_svg,
    render_png,
)


def svg_of(*lines: Text, width: int = 24) -> str:
    console = Console(width=width, record=True, file=StringIO(), color_system="truecolor")
    for line in lines:
        console.print(line)
    return console.export_svg(title="t")


def test_wide_characters_take_two_cells_and_later_columns_stay_in_place() -> None:
    line = Text("名前")
    line.append("ab", style="bold #ff0000 on #0000ff")
    line.append("│x")
    screen = parse_svg(svg_of(line, Text("1234567")))
    row = screen.cells[0]
    assert [c.char for c in row[:8]] == ["名", "", "前", "", "a", "b", "│", "x"]
    assert row[0].wide and not row[4].wide
    assert (row[4].fg, row[4].bg, row[4].bold) == ("#ff0000", "#0000ff", True)
    assert row[6].bg is None and not row[6].bold
    assert screen.text().splitlines()[1] == "1234567"
    assert (screen.columns, screen.title) == (24, "t")


def test_png_cells_are_whole_pixels_and_the_cell_after_a_wide_one_keeps_its_place(
    tmp_path: Path,
) -> None:
    try:
        check_fonts()
    except MissingFonts as missing:
        pytest.skip(str(missing))
    line = Text("名")
    line.append("x", style="on #0000ff")
    screen = parse_svg(svg_of(line, width=6))
    png = tmp_path / "t.png"
    render_png(screen, png)
    image = Image.open(png).convert("RGB")
    assert image.size == (6 * CELL_W + 2 * MARGIN, screen.lines * CELL_H + TITLE_H + MARGIN)
    # The third cell (after the wide one) is x's blue background, edge to edge.
    left = MARGIN + 2 * CELL_W
    for x in (left, left + CELL_W - 1):
        assert image.getpixel((x, TITLE_H + 1)) == (0, 0, 255)
    # The wide glyph drew something inside its two cells.
    glyph = image.crop((MARGIN, TITLE_H, MARGIN + 2 * CELL_W, TITLE_H + CELL_H))
    assert len(glyph.getcolors(maxcolors=CELL_W * CELL_H * 2) or []) > 2
