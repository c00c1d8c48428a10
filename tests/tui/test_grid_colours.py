"""The grid's colours follow the theme, and its header lines up with its columns."""

from __future__ import annotations

from pathlib import Path

import pytest
from rich.segment import Segment
from textual.color import Color

from tests.tui.scenes import SIZE, settle
from tui.app import DbBrowseApp
from tui.db.target import resolve_target
from tui.settings.preferences import Preferences
from tui.widgets.row_grid import SEPARATOR, RowGrid


def _contrast(a: Color, b: Color) -> float:
    """WCAG contrast ratio of two colours (1 to 21)."""

    def luminance(c: Color) -> float:
        def channel(v: int) -> float:
            x = v / 255
            return x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4

        return 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b)

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _separator_columns(segments: list[Segment]) -> list[int]:
    columns, x = [], 0
    for segment in segments:
        text = segment.text
        index = text.find(SEPARATOR.strip())
        while index >= 0:
            columns.append(x + Segment(text[:index]).cell_length)
            index = text.find(SEPARATOR.strip(), index + 1)
        x += segment.cell_length
    return columns


@pytest.mark.parametrize(
    "theme", ["textual-light", "textual-dark", "solarized-light", "atom-one-dark", "nord"]
)
async def test_muted_parts_are_readable_on_the_theme(odd_db: Path, theme: str) -> None:
    """Row numbers, column types, separators and NULL were drawn white whatever the theme."""
    target = resolve_target(str(odd_db), default_url="")
    app = DbBrowseApp(target, settings=Preferences(theme=theme))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        grid = app.screen.query_one(RowGrid)
        _, background = grid.background_colors
        type_line = list(grid.render_line(1))
        first_row = list(grid.render_line(grid.header_lines + 1))  # not the cursor's row
        gutter = first_row[0]
        separator = next(s for s in first_row if SEPARATOR.strip() in s.text)
        type_name = next(s for s in type_line if "integer" in s.text)
        null = next(s for s in first_row if "NULL" in s.text)
        for name, segment in [
            ("row number", gutter),
            ("separator", separator),
            ("column type", type_name),
            ("NULL", null),
        ]:
            assert segment.style is not None and segment.style.color is not None, name
            triplet = segment.style.color.triplet
            assert triplet is not None
            under = background
            if segment.style.bgcolor is not None and segment.style.bgcolor.triplet is not None:
                under = Color(*segment.style.bgcolor.triplet)  # the header's panel
            assert not segment.style.dim, name  # dimmed again, a muted colour does not read
            # Visibly apart from the background (it was white on light grey: 1.3); text reads
            # (WCAG AA, 4.5:1).
            least = 2.0 if name == "separator" else 4.5
            ratio = _contrast(Color(*triplet), under)
            assert ratio >= least, (name, theme, triplet, under)


async def test_the_type_line_lines_up_with_the_columns(odd_db: Path) -> None:
    target = resolve_target(str(odd_db), default_url="")
    app = DbBrowseApp(target)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        grid = app.screen.query_one(RowGrid)
        names, types = (_separator_columns(list(grid.render_line(y))) for y in (0, 1))
        rows = [
            _separator_columns(list(grid.render_line(grid.header_lines + i)))
            for i in range(min(grid.total, 5))
        ]
        assert len(names) >= 4
        assert types == names
        assert all(row == names for row in rows)
