"""One line of labelled pieces fitted to a width, the least needed cut first.

A status line says several things; a narrow terminal cannot show them all. Cutting the line
at its end (Rich's ``overflow="ellipsis"``) loses whatever comes last, and what comes first
is not always what matters most. Here each piece says how much it is worth keeping: the
pieces worth least are shortened first (with ``…``), down to their minimum or away
entirely, until the line fits. A name is cut in its middle, so its start and its end (where
``…_2023`` and ``…_2024`` differ) both stay.
"""

from __future__ import annotations

from dataclasses import dataclass

from rich.cells import cell_len
from rich.text import Text

ELLIPSIS = "…"
SEPARATOR = "  "


@dataclass(frozen=True)
class Piece:
    """``label`` (never cut) then ``body`` (cut when room is short, down to ``least`` cells;
    a piece whose ``least`` is 0 may go away). ``keep``: higher is cut later."""

    body: Text
    keep: int
    label: Text | None = None
    least: int = 0
    middle: bool = False
    """Cut in the middle (a name), not at the end (a sentence)."""
    gap: str = SEPARATOR
    """What follows the piece, before the next one."""

    @property
    def width(self) -> int:
        return self.body.cell_len + (self.label.cell_len if self.label is not None else 0)


#: A piece cut below this many cells says nothing: it goes instead.
_MEANINGFUL = 4


def fit_line(pieces: list[Piece], width: int) -> Text:
    """``pieces``, each followed by its gap, shortened to fit ``width`` cells (no fitting if
    ``width`` is not positive: the size is not known yet)."""
    bodies = [p.body.cell_len for p in pieces]
    shown = [True] * len(pieces)

    def total() -> int:
        used = [(p, b) for p, b, s in zip(pieces, bodies, shown, strict=True) if s]
        gaps = sum(cell_len(p.gap) for p, _ in used[:-1])
        return sum(p.width - p.body.cell_len + b for p, b in used) + gaps

    if width > 0:
        # The least worth first; of equal worth, the later piece first.
        order = sorted(range(len(pieces)), key=lambda i: (pieces[i].keep, -i))
        for i in order:
            excess = total() - width
            if excess <= 0:
                break
            piece = pieces[i]
            room = max(piece.least, bodies[i] - excess)
            if piece.least == 0 and room < min(_MEANINGFUL, piece.body.cell_len):
                shown[i] = False
            else:
                bodies[i] = min(bodies[i], room)
    line = Text(no_wrap=True, overflow="ellipsis")
    gap = ""
    for piece, body, keep in zip(pieces, bodies, shown, strict=True):
        if not keep:
            continue
        line.append(gap)
        gap = piece.gap
        if piece.label is not None:
            line.append_text(piece.label)
        line.append_text(shortened(piece.body, body, middle=piece.middle))
    if width > 0:
        gap = gap[: max(0, width - line.cell_len)]
    return line.append(gap)  # as the line always was: its last piece's gap after it


def shortened(text: Text, width: int, *, middle: bool = False) -> Text:
    """``text`` in at most ``width`` cells: cut at its end, or in its middle, with ``…``."""
    if text.cell_len <= width:
        return text
    if width <= 1:
        return Text(ELLIPSIS[:width])
    room = width - 1
    head = (room + 1) // 2 if middle else room
    result = _head(text, head)
    result.append(ELLIPSIS, "dim")
    result.append_text(_tail(text, room - head))
    return result


def _head(text: Text, cells: int) -> Text:
    """The longest start of ``text`` in at most ``cells`` cells."""
    used = end = 0
    for char in text.plain:
        used += cell_len(char)
        if used > cells:
            break
        end += 1
    return text[:end]


def _tail(text: Text, cells: int) -> Text:
    """The longest end of ``text`` in at most ``cells`` cells."""
    if cells <= 0:
        return Text()
    used = count = 0
    for char in reversed(text.plain):
        used += cell_len(char)
        if used > cells:
            break
        count += 1
    return text[len(text.plain) - count :]
