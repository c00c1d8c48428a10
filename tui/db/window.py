"""Which rows sit at which positions: a bounded cache of pages and the position→key mapping.

The grid asks for positions (row 0 .. total-1); this module decides how to fetch the page
that holds a position as cheaply as possible:

1. next to a cached page: pure keyset (``after``/``before`` a neighbour's edge cursor);
2. at the end: the reversed order from the end (plus a short OFFSET when near it);
3. dense integer key (max - min + 1 == count, typical of rowid tables): the key *is* the
   position, so any jump is one index seek;
4. a sparse anchor index (the cursor of every K-th row, built in the background by short
   ``OFFSET K`` steps from the previous anchor): one seek plus at most K steps;
5. otherwise OFFSET from the start, the last resort (keyless views), which the caller reports.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from tui.db.model import RowCount
from tui.db.paging import Cursor, Page, Pager

Runner = Callable[[Callable[[AsyncConnection], Awaitable[Page]]], Awaitable[Page]]
PAGE_SIZE = 128
MAX_PAGES = 48
NEAR_END_ROWS = 2_000


class FetchMethod(StrEnum):
    KEYSET = "keyset"
    FROM_END = "from end"
    DENSE_KEY = "dense key"
    ANCHOR = "anchor"
    OFFSET = "offset"


@dataclass(frozen=True)
class LoadedPage:
    number: int
    page: Page
    method: FetchMethod


class RowWindow:
    """Positions → rows for one :class:`Pager`, with at most ``max_pages`` pages in memory."""

    def __init__(
        self,
        pager: Pager,
        total: int,
        *,
        page_size: int = PAGE_SIZE,
        max_pages: int = MAX_PAGES,
    ) -> None:
        self.pager = pager
        self.total = total
        self.page_size = page_size
        self.max_pages = max_pages
        self._pages: OrderedDict[int, Page] = OrderedDict()
        # Pages still shown but known to be out of date (the data changed): served until
        # their fresh copy arrives, so a refresh never blanks the screen.
        self._stale: set[int] = set()
        self.dense_start: int | None = None  # key of row 0 when the key is dense
        self.anchor_step = 0
        self.anchors: list[Cursor] = []  # anchors[j] = cursor of row j * anchor_step
        self.last_method: FetchMethod | None = None

    # -- reading (synchronous, for render) ------------------------------------------------
    def page_of(self, position: int) -> int:
        return position // self.page_size

    def row_at(self, position: int) -> tuple[Any, ...] | None:
        page = self._pages.get(position // self.page_size)
        if page is None:
            return None
        index = position % self.page_size
        return page.rows[index] if index < len(page.rows) else None

    def is_fresh(self, position: int) -> bool:
        """Loaded, and not invalidated since (see :meth:`invalidate`)."""
        number = position // self.page_size
        return number in self._pages and number not in self._stale

    def cursor_at(self, position: int) -> Cursor | None:
        page = self._pages.get(position // self.page_size)
        if page is None:
            return None
        index = position % self.page_size
        return page.cursors[index] if index < len(page.cursors) else None

    def position_of(self, cursor: Cursor) -> int | None:
        """Where a cursor sits among the cached pages (to keep the user on the same row)."""
        for number, page in self._pages.items():
            for index, candidate in enumerate(page.cursors):
                if candidate == cursor:
                    return number * self.page_size + index
        return None

    def missing(self, first: int, last: int) -> list[int]:
        """Page numbers needed to show positions first..last that are not cached."""
        last = min(last, self.total - 1)
        if last < first:
            return []
        wanted = range(self.page_of(max(first, 0)), self.page_of(last) + 1)
        return [p for p in wanted if p not in self._pages or p in self._stale]

    def has_page(self, number: int) -> bool:
        return number in self._pages

    def clear(self) -> None:
        self._pages.clear()
        self._stale.clear()

    def invalidate(self) -> None:
        """The data changed: keep showing the cached rows, but reload each page when needed."""
        self._stale = set(self._pages)

    @property
    def cached_pages(self) -> int:
        return len(self._pages)

    # -- loading ------------------------------------------------------------------------
    def _store(self, number: int, page: Page) -> None:
        self._stale.discard(number)
        self._pages[number] = page
        self._pages.move_to_end(number)
        while len(self._pages) > self.max_pages:
            evicted, _ = self._pages.popitem(last=False)
            self._stale.discard(evicted)

    def touch(self, number: int) -> None:
        if number in self._pages:
            self._pages.move_to_end(number)

    def _rows_in(self, number: int) -> int:
        return max(0, min(self.page_size, self.total - number * self.page_size))

    async def load(self, conn: AsyncConnection, number: int) -> LoadedPage:
        """Fetch page ``number`` by the cheapest exact method available and cache it."""
        size = self._rows_in(number) or self.page_size
        start = number * self.page_size
        pager = self.pager
        method: FetchMethod
        # Only fresh neighbours anchor a keyset step: a stale page's positions may be off.
        previous = None if number - 1 in self._stale else self._pages.get(number - 1)
        following = None if number + 1 in self._stale else self._pages.get(number + 1)
        if not pager.keyed:
            page = await pager.fetch(conn, limit=size, offset=start)
            method = FetchMethod.OFFSET if start else FetchMethod.KEYSET
        elif number == 0:
            page = await pager.fetch(conn, limit=size)
            method = FetchMethod.KEYSET
        elif previous is not None and len(previous) == self.page_size and previous.cursors:
            page = await pager.fetch(conn, after=previous.cursors[-1], limit=size)
            method = FetchMethod.KEYSET
        elif following is not None and following.cursors:
            page = await pager.fetch(conn, before=following.cursors[0], limit=size)
            method = FetchMethod.KEYSET
        elif 0 < self.total - start <= NEAR_END_ROWS:
            # Only for a page that exists: past the end, counting back from the end would
            # return the last rows under the wrong positions.
            from_end = self.total - start - size
            page = await pager.fetch(conn, from_end=True, limit=size, offset=max(from_end, 0))
            method = FetchMethod.FROM_END
        elif self.dense_start is not None:
            page = await pager.fetch(conn, at_or_after=(self.dense_start + start,), limit=size)
            method = FetchMethod.DENSE_KEY
        elif self.anchors and self.anchor_step:
            j = min(start // self.anchor_step, len(self.anchors) - 1)
            offset = start - j * self.anchor_step
            page = await pager.fetch(conn, at_or_after=self.anchors[j], offset=offset, limit=size)
            method = FetchMethod.ANCHOR
        else:
            page = await pager.fetch(conn, limit=size, offset=start)
            method = FetchMethod.OFFSET
        self._store(number, page)
        self.last_method = method
        return LoadedPage(number, page, method)

    # -- the position → key mapping ------------------------------------------------------
    async def detect_dense_key(self, conn: AsyncConnection) -> bool:
        """Use the key as the position when it is an integer run without gaps."""
        self.dense_start = None
        if not self.pager.query.is_plain:
            return False
        bounds = await self.pager.key_bounds(conn)
        if bounds is None:
            return False
        low, high = bounds
        if isinstance(low, int) and isinstance(high, int) and high - low + 1 == self.total:
            self.dense_start = low
            return True
        return False

    async def build_anchors(
        self,
        run: Runner,
        *,
        target_anchors: int = 4096,
        progress: Callable[[int, int], None] | None = None,
    ) -> None:
        """Record the cursor of every K-th row, each step its own short statement.

        ``run`` executes one operation on a fresh short-lived connection (see
        ``DataSource.run``), so no read snapshot stays open between steps (a long read
        would pin a SQLite WAL) and a cancelled build leaves no connection half-used.
        """
        if not self.pager.keyed or self.total <= self.page_size:
            return
        step = max(self.page_size, -(-self.total // target_anchors))
        step = -(-step // self.page_size) * self.page_size  # a whole number of pages
        pager = self.pager
        first = await run(lambda conn: pager.fetch(conn, limit=1))
        if not first.cursors:
            return
        anchors: list[Cursor] = [first.cursors[0]]
        while True:
            anchor = anchors[-1]
            page = await run(
                lambda conn, a=anchor: pager.fetch(conn, at_or_after=a, offset=step, limit=1)  # type: ignore[misc]
            )
            if not page.cursors:
                break
            anchors.append(page.cursors[0])
            if progress is not None:
                progress(min(len(anchors) * step, self.total), self.total)
        self.anchor_step = step
        self.anchors = anchors


async def first_count(pager: Pager, conn: AsyncConnection, cap: int) -> RowCount:
    """A count that is quick on any size: exact when small, else the key span if plausible."""
    capped = await pager.count(conn, cap=cap)
    if capped.exact or not pager.query.is_plain:
        return capped
    bounds = await pager.key_bounds(conn)
    if bounds and isinstance(bounds[0], int) and isinstance(bounds[1], int):
        span = bounds[1] - bounds[0] + 1
        if cap < span <= 50 * 2**20:  # a dense-ish rowid range: a good first guess
            return RowCount(span)
    return capped


__all__ = ["PAGE_SIZE", "FetchMethod", "LoadedPage", "RowWindow", "first_count"]
