"""Faint text reads in every theme dbbrowse offers: at least 4.5:1 (WCAG AA) against what it is
drawn on, computed from each theme's variables as the app resolves them."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual.color import Color
from textual.constants import DIM_FACTOR

from tui.app import DbBrowseApp

LEAST = 4.5
THEMES = sorted(DbBrowseApp().available_themes)


def _contrast(a: Color, b: Color) -> float:
    def luminance(c: Color) -> float:
        def channel(v: int) -> float:
            x = v / 255
            return x / 12.92 if x <= 0.03928 else ((x + 0.055) / 1.055) ** 2.4

        return 0.2126 * channel(c.r) + 0.7152 * channel(c.g) + 0.0722 * channel(c.b)

    high, low = sorted((luminance(a), luminance(b)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def _drawn(value: str, background: Color) -> Color:
    """A colour variable as Textual draws it on ``background`` (``auto N%``: the contrasting
    text colour at N% opacity)."""
    if value.startswith("auto"):
        _, _, percent = value.partition(" ")
        alpha = float(percent.rstrip("%")) / 100 if percent else 1.0
        return background + background.get_contrast_text(alpha)
    return background + Color.parse(value)


def _variables(theme: str) -> dict[str, str]:
    app = DbBrowseApp()
    app.theme = theme
    return app.get_css_variables()


def test_every_theme_is_checked() -> None:
    assert {"textual-dark", "textual-light", "solarized-light", "atom-one-dark"} <= set(THEMES)


@pytest.mark.parametrize("theme", THEMES)
def test_faint_text_reads_on_every_background_of_the_theme(theme: str) -> None:
    variables = _variables(theme)
    if not variables["background"].startswith("#"):
        pytest.skip("the terminal's own ANSI colours: dbbrowse cannot know them")
    base = Color.parse(variables["background"])
    on = {name: base + Color.parse(variables[name]) for name in ("background", "surface", "panel")}
    too_faint = []
    for faint in ("text-muted", "text-disabled"):
        for name, background in on.items():
            ratio = _contrast(_drawn(variables[faint], background), background)
            if ratio < LEAST:
                too_faint.append(f"${faint} on ${name}: {ratio:.2f}")
    # The dim attribute: Textual blends the colour towards its background. Nothing dim is
    # drawn on a panel (the status bar's and the table list's faint parts are $text-muted).
    for name in ("background", "surface"):
        background = on[name]
        dimmed = background.blend(_drawn(variables["text"], background), DIM_FACTOR)
        ratio = _contrast(dimmed, background)
        if ratio < LEAST:
            too_faint.append(f"dim $text on ${name}: {ratio:.2f}")
    assert not too_faint, f"{theme}: {too_faint}"


def test_no_style_dims_a_faint_colour_or_a_panel() -> None:
    """Dim on a muted colour, or on a panel, reads at 2.5:1 to 3.5:1 whatever the variables."""
    css = (Path(__file__).parents[2] / "tui" / "app.tcss").read_text()
    for selector, body in re.findall(r"([^{}]+)\{([^}]*)\}", css):
        if re.search(r"text-style:[^;]*\bdim\b", body):
            assert not re.search(r"\$(text-muted|text-disabled|panel)\b", body), selector.strip()


@pytest.mark.parametrize("theme", ["solarized-light", "textual-dark", "nord"])
async def test_the_table_lists_kinds_and_counts_read_and_follow_the_highlight(
    tmp_path: Path, theme: str
) -> None:
    """The kinds and counts beside each table: 4.5:1 on the list, and on the highlighted entry
    drawn from its colours (a fixed muted colour was 1.0:1 on nord's highlight)."""
    from textual.widgets import OptionList

    from tests.tui.scenes import SIZE, make_odd_database, settle
    from tui.db.target import resolve_target
    from tui.settings.preferences import Preferences

    path = make_odd_database(tmp_path / "odd.db")
    app = DbBrowseApp(resolve_target(str(path), default_url=""), settings=Preferences(theme=theme))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+t", "down")
        options = app.screen.query_one("#table-options", OptionList)
        assert options.has_focus and options.highlighted == 0
        _, base = options.background_colors

        def faint_contrasts(y: int) -> list[float]:
            found = []
            for segment in options.render_line(y):
                style = segment.style
                if style is None or not segment.text.strip() or style.color is None:
                    continue
                if not any(c.isdigit() for c in segment.text) and segment.text.strip() not in "▦▤◈":
                    continue
                under = base
                if style.bgcolor is not None and style.bgcolor.triplet is not None:
                    under = Color(*style.bgcolor.triplet)
                assert style.color.triplet is not None
                color = Color(*style.color.triplet)
                if style.dim:
                    color = under.blend(color, DIM_FACTOR)
                found.append(_contrast(color, under))
            return found

        highlighted, plain = faint_contrasts(0), faint_contrasts(1)
        assert plain and min(plain) >= LEAST, plain
        assert highlighted and min(highlighted) >= 2.0, highlighted


@pytest.mark.parametrize("theme", ["solarized-light", "textual-light", "atom-one-dark"])
@pytest.mark.parametrize(
    "keys",
    [
        pytest.param(["question_mark"], id="help"),
        pytest.param(["e"], id="cell-editor"),
        pytest.param(["v"], id="schema-and-footer"),
        pytest.param(["w"], id="status"),
    ],
)
async def test_dim_text_reads_where_it_is_drawn(
    tmp_path: Path, theme: str, keys: list[str]
) -> None:
    """Every dim segment any widget draws (the help's places and ids, the cell editor's
    labels, the footer's keys that cannot act now, the status screen's notes): dimmed body
    text ($foreground) read at 2.5:1 on solarized-light, dimmed muted text at 2.7:1, dim
    footer keys at 1.6:1."""
    from tests.tui.scenes import SIZE, make_odd_database, settle
    from tui.db.target import resolve_target
    from tui.settings.preferences import Preferences

    path = make_odd_database(tmp_path / "odd.db")
    app = DbBrowseApp(resolve_target(str(path), default_url=""), settings=Preferences(theme=theme))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press(*keys)
        await settle(pilot)
        too_faint = []
        for widget in app.screen.query("*"):
            if not widget.region or not widget.display:
                continue
            for y in range(widget.size.height):
                for segment in widget.render_line(y):
                    style = segment.style
                    if style is None or not style.dim or not segment.text.strip():
                        continue
                    assert style.color is not None and style.bgcolor is not None
                    assert style.color.triplet is not None and style.bgcolor.triplet is not None
                    under = Color(*style.bgcolor.triplet)
                    color = under.blend(Color(*style.color.triplet), DIM_FACTOR)
                    ratio = _contrast(color, under)
                    if ratio < LEAST:
                        too_faint.append((round(ratio, 2), type(widget).__name__, segment.text))
        assert not too_faint, sorted(too_faint)[:5]
