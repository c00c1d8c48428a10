"""The cell editor's lines about the value: what is stored now, the storage classes to choose
from, and what staging the field would store.

Values are written as :mod:`tui.text.literal` writes them (text a quoted literal, numbers
bare) with their class named, so ``now: '1'  text`` and ``now: 1  integer`` never read alike.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from rich.text import Text

from tui.text.cells import human_size
from tui.text.escape import escaped, name_text
from tui.text.literal import append_value, class_name

#: How much of the current value the editor shows on its line.
SHOWN = 200


def current_line(value: Any, text: str, *, staged: bool = False, stored: Any = None) -> Text:
    """``now: …``: the stored ``value`` (``text``: the editable text of a JSON document).

    With ``staged``, ``value`` is a staged edit not saved yet: ``staged: …`` then, and the
    value the database holds (``stored``) under it as ``now: …``.
    """
    if not staged:
        return _value(Text("now: ", style="dim"), value, text)
    line = _value(Text("staged (not saved): ", style="dim"), value, text)
    line.append("\n")
    return _value(line.append("now in the database: ", style="dim"), stored, "")


def _value(line: Text, value: Any, text: str) -> Text:
    if value is None:
        return line.append("∅ NULL", style="italic")
    if isinstance(value, bytes | bytearray | memoryview):
        size = human_size(len(bytes(value)))
        return line.append(f"<blob {size}>").append("  blob", style="dim")
    if isinstance(value, str) and not value:
        return line.append("⟨empty⟩ (the empty text, not NULL)", style="italic")
    if isinstance(value, str) and value.isspace():
        return line.append_text(name_text(value)).append(" (only spaces)", style="italic")
    if isinstance(value, dict | list):  # a server's JSON document, as the field shows it
        shown = text if len(text) <= SHOWN else text[: SHOWN - 1] + "…"
        return line.append_text(escaped(shown))
    return append_value(line, value, SHOWN).append(f"  {class_name(value)}", style="dim")


def classes_line(classes: Sequence[str], chosen: str) -> Text:
    """``stored as: auto · [text] · …``: the storage classes, the chosen one marked."""
    line = Text("stored as: ", style="dim")
    for index, name in enumerate(classes):
        if index:
            line.append(" · ", style="dim")
        if name == chosen:
            line.append(f"[{name}]", style="bold")
        else:
            line.append(name, style="dim")
    return line.append("   ctrl+t changes it", style="dim")


def stores_line(value: Any) -> Text:
    """``stores: …``: the value staging the field would store, and its class."""
    line = Text("stores: ", style="dim")
    return append_value(line, value, 60).append(f"  {class_name(value)}", style="dim")


__all__ = ["classes_line", "current_line", "stores_line"]
