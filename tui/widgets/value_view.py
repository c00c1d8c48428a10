"""A long value shown a part at a time: a bounded window of it, drawn line by line.

The view holds a window of at most ``max_parts`` consecutive parts of the value (characters
of text, or bytes of a BLOB as a hex dump) and draws only the visible lines (the Line API).
Scrolling near an edge of the window, or Home/End, posts :class:`ValueView.PartNeeded`; the
screen reads that part (from memory or the database) and calls :meth:`ValueView.part_arrived`.
Opening, paging and jumping to the end so cost the same for a 1 KiB and a 1 GiB value.
"""

from __future__ import annotations

from typing import ClassVar

from rich.segment import Segment
from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.message import Message
from textual.scroll_view import ScrollView
from textual.strip import Strip

from tui.text.detail import HEX_WIDTH, hex_lines, text_lines

PART_SIZE = 16 * 1024  # characters or bytes read at a time (a multiple of HEX_WIDTH)
MAX_PARTS = 4


class ValueView(ScrollView, can_focus=True):
    """A window onto one value; Home and End reach the start and the end at once."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("home", "first", "Start", id="value.first"),
        Binding("end", "last", "End", id="value.last"),
    ]

    DEFAULT_CSS = """
    ValueView { height: 1fr; }
    """

    class PartNeeded(Message):
        """``count`` units of the value from ``start`` are needed; ``jump``: home/end/None."""

        def __init__(self, start: int, count: int, jump: str | None = None) -> None:
            self.start = start
            self.count = count
            self.jump = jump
            super().__init__()

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, ValueView.PartNeeded)

    class WindowMoved(Message):
        """The loaded window changed (the screen says which part is shown)."""

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, ValueView.WindowMoved)

    def __init__(
        self,
        *,
        part_size: int = PART_SIZE,
        max_parts: int = MAX_PARTS,
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.part_size = max(part_size - part_size % HEX_WIDTH, HEX_WIDTH)
        self.max_parts = max(max_parts, 2)
        self.length = 0
        self.binary = False
        self.start = 0
        self.data: str | bytes = ""
        self._lines: list[Text] = []
        self._strips: dict[int, Strip] = {}
        self._wrapped_at = 0
        self._pending: tuple[int, int] | None = None

    # -- feeding the view ---------------------------------------------------------------
    @property
    def end(self) -> int:
        """Where the loaded window ends (exclusive), in characters or bytes."""
        return self.start + len(self.data)

    def set_value(self, length: int, *, binary: bool) -> None:
        """A new value of ``length`` units; its first part is requested."""
        self.length = length
        self.binary = binary
        self.start = 0
        self.data = b"" if binary else ""
        self._pending = None
        self._relayout()
        self._request(0, self.part_size, "home")

    def part_arrived(self, start: int, data: str | bytes, jump: str | None = None) -> None:
        """The part at ``start`` was read: add it to the window (or replace it, on a jump)."""
        self._pending = None
        if jump is None and self.data and start == self.end:
            self._append(data)
        elif jump is None and self.data and start + len(data) == self.start:
            self._prepend(data)
        else:
            self.start, self.data = start, data
            self._relayout()
        if jump == "home":
            self.scroll_to(y=0, animate=False, immediate=True)
        elif jump == "end":
            self.scroll_to(y=self.max_scroll_y, animate=False, immediate=True)
        self.post_message(self.WindowMoved())
        self.refresh()

    def _append(self, data: str | bytes) -> None:
        joined = self.data + data  # type: ignore[operator]
        drop = max(len(joined) - self.part_size * self.max_parts, 0)
        drop -= drop % self.part_size
        removed = self._count_lines(joined[:drop]) if drop else 0
        self.start += drop
        self.data = joined[drop:]
        self._relayout()
        if removed:
            self.scroll_to(y=max(self.scroll_y - removed, 0), animate=False, immediate=True)

    def _prepend(self, data: str | bytes) -> None:
        joined = data + self.data  # type: ignore[operator]
        keep = self.part_size * self.max_parts
        added = self._count_lines(data)
        self.start -= len(data)
        self.data = joined[:keep]
        self._relayout()
        self.scroll_to(y=self.scroll_y + added, animate=False, immediate=True)

    # -- lines --------------------------------------------------------------------------
    def _count_lines(self, data: str | bytes) -> int:
        if isinstance(data, bytes):
            return -(-len(data) // HEX_WIDTH)
        return len(text_lines(data, self._text_width())) - 1 if data else 0

    def _text_width(self) -> int:
        return max(self.scrollable_content_region.width, 20)

    def _relayout(self) -> None:
        width = self._text_width()
        if isinstance(self.data, bytes):
            self._lines = hex_lines(self.data, self.start)
            width = 10 + HEX_WIDTH * 4 + 1
        else:
            whole = self.start == 0 and len(self.data) >= self.length
            self._lines = text_lines(self.data, width, whole=whole)
        self._wrapped_at = self._text_width()
        self._strips.clear()
        self.virtual_size = Size(width, len(self._lines))

    def on_resize(self, event: events.Resize) -> None:
        if not self.binary and self._text_width() != self._wrapped_at:
            ratio = self.scroll_y / max(self.max_scroll_y, 1)
            self._relayout()
            self.scroll_to(y=round(ratio * self.max_scroll_y), animate=False, immediate=True)
        self._check_edges()

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        index = round(self.scroll_y) + y
        if index >= len(self._lines):
            return Strip.blank(width, self.rich_style)
        strip = self._strips.get(index)
        if strip is None:
            segments = list(self._lines[index].render(self.app.console))
            strip = Strip(Segment.apply_style(segments, self.rich_style))
            self._strips[index] = strip
        scroll_x = round(self.scroll_x)
        return strip.crop(scroll_x, scroll_x + width).extend_cell_length(width, self.rich_style)

    # -- moving ---------------------------------------------------------------------------
    def watch_scroll_y(self, old_value: float, new_value: float) -> None:
        super().watch_scroll_y(old_value, new_value)
        self._check_edges()

    def _check_edges(self) -> None:
        """Near an edge of the window with more of the value beyond it: ask for the next part."""
        height = max(self.scrollable_content_region.height, 1)
        if not self._lines and not self.length:
            return
        if self.end < self.length and self.scroll_y + 2 * height >= len(self._lines):
            self._request(self.end, self.part_size)
        elif self.start > 0 and self.scroll_y <= height:
            start = max(self.start - self.part_size, 0)
            self._request(start, self.start - start)

    def _request(self, start: int, count: int, jump: str | None = None) -> None:
        if self._pending == (start, count) and jump is None:
            return
        self._pending = (start, count)
        self.post_message(self.PartNeeded(start, count, jump))

    def action_first(self) -> None:
        if self.start == 0:
            self.scroll_to(y=0, animate=False, immediate=True)
        else:
            self._request(0, self.part_size, "home")

    def action_last(self) -> None:
        if self.end >= self.length:
            self.scroll_to(y=self.max_scroll_y, animate=False, immediate=True)
            return
        last = max((self.length - 1) // self.part_size - 1, 0) * self.part_size
        self._request(last, self.length - last, "end")
