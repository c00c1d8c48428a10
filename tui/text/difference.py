"""Two values side by side, written so that where they differ can be seen on one line.

A value is shown on one line cut to a width (:mod:`tui.text.literal`): two long texts that
differ only after the cut would look the same. So when the first difference lies beyond what
fits, both are shown from shortly before it (``…`` marks the cut start), and a second line
says how long each is and where they start to differ. A change of storage class (the integer
``1`` stored again as the text ``'1'``) is named too, so no two differing values read alike.
"""

from __future__ import annotations

from typing import Any

from rich.text import Text

from tui.text.literal import class_name, value_text

#: How many characters before the first difference an excerpt starts.
LEAD = 8


def first_difference(a: Any, b: Any) -> int | None:
    """Where two texts (or two byte strings) start to differ; None when they are equal or
    are not both text (or both bytes)."""
    if not (isinstance(a, str) and isinstance(b, str)) and not (
        isinstance(a, bytes) and isinstance(b, bytes)
    ):
        return None
    for index, (x, y) in enumerate(zip(a, b, strict=False)):
        if x != y:
            return index
    return None if len(a) == len(b) else min(len(a), len(b))


def difference_pair(saw: Any, now: Any, width: int) -> tuple[Text, Text]:
    """``saw`` and ``now`` for a column whose value changed, each at most ``width`` wide on
    its first line, cut so that their first difference is visible."""
    at = first_difference(saw, now)
    seen, current = value_text(saw, width), value_text(now, width)
    if at is not None:
        unit = "characters" if isinstance(saw, str) else "bytes"
        if isinstance(saw, str) and at >= width - LEAD:
            start = at - LEAD
            seen, current = _excerpt(saw, start, width), _excerpt(now, start, width)
        if at >= width - LEAD or max(len(saw), len(now)) > width:
            seen.append(f"\n{len(saw):,} {unit}", "dim")
            current.append(f"\n{len(now):,} {unit}, differs from {unit[:-1]} {at + 1:,}", "dim")
    saw_class, now_class = class_name(saw), class_name(now)
    if saw_class != now_class and saw is not None and now is not None:
        current.append(f"\n({now_class}; you saw {saw_class})", "dim")
    return seen, current


def _excerpt(value: str, start: int, width: int) -> Text:
    text = Text("…", "dim")
    return text.append_text(value_text(value[start:], width - 1))


__all__ = ["LEAD", "difference_pair", "first_difference"]
