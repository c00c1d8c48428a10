"""Component-class styles with their colours resolved against the widget's background.

Textual's partial component styles (``get_component_rich_style(name, partial=True)``) keep a
colour's RGB and drop the rest: ``$text-muted`` is ``auto 60%`` in every built-in theme, a
contrast colour chosen only against a background, and came out as white on every theme (white
on light grey in ``textual-light``); ``$accent 50%`` came out opaque. Here ``auto`` picks the
contrasting text colour for the widget's background and an alpha is blended over it, as Textual
does for a whole widget, so every colour a grid line draws follows the theme.
"""

from __future__ import annotations

from rich.style import Style
from textual.color import Color
from textual.widget import Widget


def resolved_style(widget: Widget, name: str) -> Style:
    """The style of component class ``name`` of ``widget``, partial (text attributes, colour
    and background of its own rules only), its colours made concrete for the widget's
    background."""
    styles = widget.get_component_styles(name)
    _, base = widget.background_colors
    background = base
    bgcolor = None
    if styles.has_rule("background") and styles.background.a > 0:
        background = base + styles.background
        bgcolor = background.rich_color
    color = None
    if styles.has_rule("color") or styles.auto_color:
        chosen: Color = styles.color
        if styles.auto_color:
            chosen = background.get_contrast_text(chosen.a)
        color = (background + chosen).rich_color
    return Style(color=color, bgcolor=bgcolor) + styles.text_style
