"""Text whose wrapped lines hang under where each line's value starts.

A panel of ``label  value`` rows wraps a long value under the value's own column, never under
the label, and breaks a long name after a ``-``, ``_``, ``.`` or ``/`` (or at a space) rather
than in the middle of a word, and never inside a number (``4,096``). Rendered by Rich at the
width it is given, so a narrow panel wraps and a wide one does not.
"""

from __future__ import annotations

from collections.abc import Iterator

from rich.cells import cell_len
from rich.console import Console, ConsoleOptions
from rich.text import Text

#: Where a long value may be broken: after these characters (but within a number such as
#: ``4,096`` or ``32.0``), or at a space.
_BREAK_AFTER = frozenset("-_./,;:)=")
#: Narrower than this for the value, a line hangs under its first character instead.
_MIN_VALUE = 12


class Hanging:
    """Lines of Rich text, each with the column its wrapped continuation starts at."""

    def __init__(self) -> None:
        self.text = Text()
        self._hangs: dict[int, int] = {}

    @property
    def plain(self) -> str:
        return self.text.plain

    def __str__(self) -> str:
        return self.text.plain

    def append(self, text: str | Text, style: str = "") -> Hanging:
        self.text.append(text, style)
        return self

    def hang_here(self, column: int) -> None:
        """The line being written continues at ``column`` when it wraps (else: under its
        first character that is not a space)."""
        self._hangs[self.text.plain.count("\n")] = column

    def lines(self, width: int) -> list[Text]:
        """The lines as drawn ``width`` cells wide."""
        # A last newline ends in an empty line, as it does in a Text.
        lines = self.text.split("\n", allow_blank=True)
        drawn: list[Text] = []
        for index, line in enumerate(lines):
            plain = line.plain
            indent = len(plain) - len(plain.lstrip(" "))
            hang = self._hangs.get(index, indent)
            if width - hang < _MIN_VALUE:
                hang = min(indent, max(width - _MIN_VALUE, 0))
            drawn.extend(_hung(line, hang, width))
        return drawn

    def __rich_console__(self, console: Console, options: ConsoleOptions) -> Iterator[Text]:
        for line in self.lines(options.max_width):
            line.no_wrap, line.overflow = True, "crop"
            yield line


def _hung(line: Text, hang: int, width: int) -> list[Text]:
    """``line`` in pieces at most ``width`` cells wide, each after the first ``hang`` cells in."""
    if cell_len(line.plain) <= width:
        return [line]
    head_end = _chars_in(line.plain, hang)
    head, body = line[:head_end], line[head_end:]
    pieces = _pieces(body, width - cell_len(head.plain))
    out = [Text.assemble(head, pieces[0])]
    out += [Text.assemble(" " * hang, piece) for piece in pieces[1:]]
    return out


def _pieces(body: Text, room: int) -> list[Text]:
    """``body`` cut into pieces of at most ``room`` cells, at a break where there is one;
    the spaces a cut falls on are dropped."""
    plain = body.plain
    pieces: list[Text] = []
    start = 0
    while True:
        while pieces and start < len(plain) and plain[start] == " ":
            start += 1
        rest = plain[start:]
        if pieces and not rest:
            return pieces
        if cell_len(rest) <= room:
            pieces.append(body[start:])
            return pieces
        fits = start + max(_chars_in(rest, room), 1)  # a character wider than the room: alone
        cut = max((i for i in range(start + 1, fits + 1) if _breaks_before(plain, i)), default=fits)
        piece = body[start:cut]
        piece.rstrip()
        pieces.append(piece)
        start = cut


def _breaks_before(plain: str, index: int) -> bool:
    """Whether a line may end just before ``plain[index]``."""
    if index >= len(plain):
        return True
    before, after = plain[index - 1], plain[index]
    if after == " " or before == " ":
        return True
    in_number = index >= 2 and plain[index - 2].isdigit() and after.isdigit()
    return before in _BREAK_AFTER and not in_number


def _chars_in(plain: str, cells: int) -> int:
    """How many of ``plain``'s first characters fit in ``cells`` cells."""
    used = 0
    for index, char in enumerate(plain):
        used += cell_len(char)
        if used > cells:
            return index
    return len(plain)


__all__ = ["Hanging"]
