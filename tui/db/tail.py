"""Reading a view whose row count is not known yet.

Until the count arrives, a position is only certain for rows reached from the start by
keyset steps: :func:`next_readable_page` picks the page to read next so that every page
follows a loaded neighbour (never "from the end" or by OFFSET against a guessed total).

End does not need the count either: the last rows are one query in the reversed order.
:class:`TailRows` shows them at the end of the grid, numbered from the end (minus one is the
last row) until the count places them; then they keep serving until the window has reloaded
them at their real positions.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from tui.db.model import RowCount
from tui.db.paging import Page, Pager
from tui.db.window import RowWindow

#: How far past the rows seen so far a view without a count is read by keyset steps; further
#: jumps wait for the count.
STEP_AHEAD_PAGES = 8


def next_readable_page(
    window: RowWindow, missing: list[int], seen: int, *, avoid_from: int | None = None
) -> int | None:
    """The page to read next for ``missing`` pages of a view that is not counted yet.

    Only pages that follow a loaded (fresh) neighbour, or page 0, are read: walking down from
    the first missing page to the nearest such page. Pages beyond ``seen`` plus a few steps,
    or at or after ``avoid_from`` (the end shown by :class:`TailRows`), wait for the count.
    """
    size = window.page_size
    limit = seen // size + STEP_AHEAD_PAGES
    for number in missing:
        if number > limit:
            return None
        if avoid_from is not None and (number + 1) * size > avoid_from:
            continue
        while number > 0 and not window.is_fresh((number - 1) * size):
            number -= 1
        return number
    return None


async def read_tail(pager: Pager, conn: AsyncConnection, limit: int) -> Page:
    """The last ``limit`` rows of the view, in display order."""
    return await pager.fetch(conn, from_end=True, limit=limit)


class TailRows:
    """A window's rows, plus its last rows read from the end of the order (see module)."""

    def __init__(self, window: RowWindow, tail: Page, total: int) -> None:
        self.window = window
        self.tail = tail
        self.total = max(total, len(tail))
        self.counted = False
        #: The window's data version the rows were read in: only a count of that version
        #: places them (one from before another connection's commit is off by its rows).
        self.version = window.version

    @property
    def start(self) -> int:
        """Position of the first tail row."""
        return self.total - len(self.tail)

    def place(self, total: int) -> None:
        """The count arrived: the tail rows are the last ``len(tail)`` of ``total``."""
        self.total = max(total, 0)
        self.counted = True

    def recounted(self, count: RowCount, version: int | None = None) -> None:
        """A count arrived (counted in data ``version``, default the window's current one):
        an exact one of the tail's version places the tail rows; another only lets the grid
        (and the window) reach as far as the tail or the window's total, whichever is more."""
        counted_in = self.window.version if version is None else version
        if count.exact and counted_in == self.version:
            self.place(count.value)
        else:
            self.window.total = self.total = max(self.window.total, self.total)

    def from_end(self, position: int) -> int | None:
        """1 for the last row, 2 for the one before…; None outside the tail."""
        if self.start <= position < self.total:
            return self.total - position
        return None

    def row_at(self, position: int) -> tuple[Any, ...] | None:
        if self.counted and self.window.is_fresh(position):
            return self.window.row_at(position)
        index = position - self.start
        if 0 <= index < len(self.tail) and self.total <= self.window.total:
            return self.tail.rows[index]
        return self.window.row_at(position)

    def is_fresh(self, position: int) -> bool:
        if self.from_end(position) is not None and self.total <= self.window.total:
            return True
        return self.window.is_fresh(position)

    def label(self, position: int) -> str | None:
        """The gutter label: the distance from the end while the position is unknown."""
        distance = None if self.counted else self.from_end(position)
        return None if distance is None else f"−{distance:,}"


__all__ = ["STEP_AHEAD_PAGES", "TailRows", "next_readable_page", "read_tail"]
