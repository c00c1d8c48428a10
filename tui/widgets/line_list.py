"""A virtual list of one-line entries with a cursor: draws only the visible lines.

The list knows how many entries there are and a :class:`LineSource` that makes the text of
one entry when it is drawn; a bounded LRU cache keeps the lines drawn lately. So a list of
100,000 commits costs what forty of them do, where a ``DataTable`` keeps every row's cells.
Moving the cursor posts :class:`LineList.Highlighted` (floods coalesce).
"""

from __future__ import annotations

from typing import ClassVar, Protocol

from rich.text import Text
from textual import events
from textual.binding import Binding, BindingType
from textual.cache import LRUCache
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

__all__ = ["LineList", "LineSource"]

#: Lines kept drawn: a few screens' worth.
CACHED_LINES = 512


class LineSource(Protocol):
    """What the list draws: the text of entry ``position`` (0-based)."""

    def line(self, position: int) -> Text: ...


class LineList(ScrollView, can_focus=True):
    """A scrollable list of ``total`` one-line entries under a fixed header line."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor(-1)", "Up", show=False, id="lines.up"),
        Binding("down", "cursor(1)", "Down", show=False, id="lines.down"),
        Binding("pageup", "page(-1)", "Page up", show=False, id="lines.page_up"),
        Binding("pagedown", "page(1)", "Page down", show=False, id="lines.page_down"),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {"line-list--header", "line-list--cursor"}

    DEFAULT_CSS = """
    LineList { height: 1fr; }
    """

    cursor_row: reactive[int] = reactive(0)
    """Position (0-based) of the entry under the cursor."""

    class Highlighted(Message):
        """The cursor is on entry ``position``."""

        def __init__(self, line_list: LineList, position: int) -> None:
            self.line_list = line_list
            self.position = position
            super().__init__()

        @property
        def control(self) -> LineList:
            return self.line_list

        def can_replace(self, message: Message) -> bool:
            return isinstance(message, LineList.Highlighted)

    def __init__(self, source: LineSource, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.source = source
        self.header = Text()
        self.total = 0
        self._lines: LRUCache[int, Strip] = LRUCache(CACHED_LINES)

    # -- what is shown ---------------------------------------------------------------------
    @property
    def row_count(self) -> int:
        return self.total

    def show(self, source: LineSource, total: int, header: Text) -> None:
        """Draw ``total`` entries of ``source`` from now on (the cursor stays where it is,
        within the new total)."""
        self.source = source
        self.total = total
        self.header = header
        self._lines.clear()
        # As wide as the header: a list narrower than the widget has no horizontal scrollbar.
        self.virtual_size = Size(self.header.cell_len, total + 1)
        if self.cursor_row >= total:
            self.cursor_row = max(total - 1, 0)
        self.refresh()
        # A horizontal scrollbar may come or go with the new width: the cursor stays in view.
        self.call_after_refresh(self._cursor_into_view)

    def move_cursor(self, *, row: int) -> None:
        """Put the cursor on ``row`` (clamped) and scroll it into view."""
        self.cursor_row = min(max(row, 0), max(self.total - 1, 0))

    @property
    def body_height(self) -> int:
        return max(self.scrollable_content_region.height - 1, 1)

    # -- drawing ---------------------------------------------------------------------------
    def notify_style_update(self) -> None:
        self._lines.clear()
        super().notify_style_update()

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        x = round(self.scroll_offset.x)
        if y == 0:
            style = self.get_component_rich_style("line-list--header")
            strip = Strip(self.header.render(self.app.console), self.header.cell_len)
            return strip.apply_style(style).crop_extend(x, x + width, style)
        position = round(self.scroll_offset.y) + y - 1
        if position >= self.total:
            return Strip.blank(width, self.rich_style)
        cached = self._lines.get(position)
        if cached is None:
            text = self.source.line(position)
            cached = self._lines[position] = Strip(text.render(self.app.console), text.cell_len)
        strip = cached
        style = self.rich_style
        if position == self.cursor_row:
            style = self.get_component_rich_style("line-list--cursor")
        return strip.apply_style(style).crop_extend(x, x + width, style)

    # -- cursor ----------------------------------------------------------------------------
    def _cursor_into_view(self) -> None:
        top, row = round(self.scroll_offset.y), self.cursor_row
        if row < top:
            self.scroll_to(y=row, animate=False, immediate=True, force=True)
        elif row >= top + self.body_height:
            self.scroll_to(y=row - self.body_height + 1, animate=False, immediate=True, force=True)

    def on_resize(self) -> None:
        self.call_after_refresh(self._cursor_into_view)

    def watch_cursor_row(self, old: int, new: int) -> None:
        self._cursor_into_view()
        self.refresh()
        if self.total:
            self.post_message(self.Highlighted(self, new))

    def action_cursor(self, delta: int) -> None:
        self.move_cursor(row=self.cursor_row + delta)

    def action_page(self, delta: int) -> None:
        self.move_cursor(row=self.cursor_row + self.body_height * delta)

    def on_click(self, event: events.Click) -> None:
        if event.y >= 1:
            self.move_cursor(row=round(self.scroll_offset.y) + event.y - 1)
