"""Fitting a line of pieces: the least worth cut first, names cut in the middle."""

from __future__ import annotations

from rich.cells import cell_len
from rich.text import Text

from tui.text.fit import Piece, fit_line, shortened


def test_a_line_that_fits_is_whole() -> None:
    pieces = [Piece(Text("alpha"), keep=1), Piece(Text("beta"), keep=2)]
    assert fit_line(pieces, 40).plain == "alpha  beta  "


def test_the_least_worth_goes_first_then_the_name_is_cut_in_the_middle() -> None:
    name = Piece(Text("a_long_table_name_2024"), keep=9, label=Text("table "), least=8, middle=True)
    rest = Piece(Text("row 1 of 1,000"), keep=1)
    assert fit_line([name, rest], 30).plain.rstrip() == "table a_long_table_name_2024"
    line = fit_line([name, rest], 20).plain
    assert line == "table a_long_…e_2024", line


def test_wide_characters_are_counted_in_cells() -> None:
    cut = shortened(Text("表名表名表名表名"), 7, middle=True)
    assert cell_len(cut.plain) <= 7
    assert cut.plain.startswith("表") and cut.plain.endswith("名") and "…" in cut.plain
