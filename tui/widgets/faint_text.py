"""Faint text that stays readable: the theme's ``$text-muted``, ``$text-disabled`` and ``$text``
made strong enough for a contrast of at least :data:`MIN_CONTRAST` (WCAG AA for text).

Textual's themes draw muted text as ``auto 60%`` and disabled text as ``auto 38%``, blends that
come out near 2.6:1 on light themes (solarized-light's placeholders, table counts, row states),
and Textual draws the ``dim`` attribute by blending a colour :data:`textual.constants.DIM_FACTOR`
of the way towards its background, which takes ``$text`` below 4.5:1 on the lighter panels of
some dark themes. Here each of the three keeps its ``auto`` form (so it still picks the contrasting
colour for whatever it is drawn on) with the smallest opacity that reads on the theme's
``$background``, ``$surface`` and ``$panel``: dim ``$text`` included. A faint colour is never
dimmed again (``app.tcss`` does not combine ``$text-muted`` with ``dim``).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from textual.color import Color
from textual.constants import DIM_FACTOR

#: The least contrast ratio any faint text has with its background.
MIN_CONTRAST = 4.5
#: What the variables aim for: a little more, for the tints drawn over a background (a focused
#: input's, a hovered line's).
_AIM = MIN_CONTRAST + 0.2
#: The backgrounds faint text is drawn on (over ``$background``).
BACKGROUNDS = ("background", "surface", "panel")
#: The backgrounds text with the ``dim`` attribute is drawn on. Not ``$panel``: on the panels
#: of some dark themes (atom-one-dark) no text colour stays readable once dimmed, so what is
#: drawn on a panel (the grid's header, the status bar) is faint by ``$text-muted``, not dim.
DIM_BACKGROUNDS = ("background", "surface")


def contrast(first: Color, second: Color) -> float:
    """The WCAG contrast ratio of two opaque colours (1 to 21)."""
    high, low = sorted((_luminance(first), _luminance(second)), reverse=True)
    return (high + 0.05) / (low + 0.05)


def dimmed(color: Color, background: Color) -> Color:
    """``color`` as Textual draws it with the ``dim`` attribute on ``background``."""
    return background.blend(color, DIM_FACTOR)


def backgrounds(variables: Mapping[str, str], names: Sequence[str] = BACKGROUNDS) -> list[Color]:
    """The opaque colours of the backgrounds ``names`` (faint text's by default)."""
    base = Color.parse(variables["background"])
    return [base + Color.parse(variables[name]) for name in names]


def drawn(value: str, background: Color) -> Color:
    """A text colour variable (``auto 60%`` or a colour) as drawn on ``background``."""
    if value.startswith("auto"):
        return background + background.get_contrast_text(_alpha(value))
    return background + Color.parse(value)


def readable(variables: Mapping[str, str]) -> dict[str, str]:
    """The variables that must change for faint text to read in this theme (none for a theme
    of the terminal's own ANSI colours, whose values dbbrowse cannot know)."""
    if not variables["background"].startswith("#"):
        return {}
    changed: dict[str, str] = {}
    for name, looks, under in (
        ("text-muted", _as_is, backgrounds(variables)),
        ("text-disabled", _as_is, backgrounds(variables)),
        ("text", dimmed, backgrounds(variables, DIM_BACKGROUNDS)),
    ):
        value = variables[name]
        if not value.startswith("auto"):
            continue
        percent = round(_alpha(value) * 100)
        while percent < 100 and not _reads(f"auto {percent}%", under, looks):
            percent += 1
        if f"auto {percent}%" != value:
            changed[name] = f"auto {percent}%"
    return changed


def _reads(value: str, under: Sequence[Color], looks: Callable[[Color, Color], Color]) -> bool:
    return all(contrast(looks(drawn(value, bg), bg), bg) >= _AIM for bg in under)


def _as_is(color: Color, background: Color) -> Color:
    return color


def _alpha(value: str) -> float:
    _, _, percent = value.partition(" ")
    return float(percent.rstrip("%")) / 100 if percent else 1.0


def _luminance(color: Color) -> float:
    def channel(value: int) -> float:
        c = value / 255
        return c / 12.92 if c <= 0.03928 else ((c + 0.055) / 1.055) ** 2.4

    return 0.2126 * channel(color.r) + 0.7152 * channel(color.g) + 0.0722 * channel(color.b)
