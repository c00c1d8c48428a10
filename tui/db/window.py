"""Which rows sit at which positions: a bounded cache of pages and the position→key mapping.

The grid asks for positions (row 0 .. total-1); this module decides how to fetch the page
that holds a position as cheaply as possible, always exactly:

1. next to a fresh cached page: pure keyset (``after``/``before`` a neighbour's edge cursor);
2. at the end, when the total is exact: the reversed order from the end (plus a short OFFSET);
3. dense integer key (max - min + 1 == count, typical of rowid tables): the key *is* the
   position, so any jump is one index seek;
4. from a known point, a (position, cursor) pair: an anchor of the sparse anchor index, a row
   of a fresh page, or a position counted by key (:meth:`RowWindow.locate`): one seek plus a
   short OFFSET either way;
5. re-anchoring after a change: the position of a stale page's first key is counted again
   (the rows before it), which gives a point next to the rows on screen;
6. otherwise OFFSET from the start, the last resort (keyless views), which the caller reports.

Data versions. Everything the window knows — each cached page, the total, the dense-key
shortcut, the anchors, the counted points — is a claim about one *version* of the data: the
span between two commits of other connections that the caller noticed (a change token that
moved) and reported with :meth:`RowWindow.data_changed`. Every claim is tagged with the
version current when its statement *started*; only claims of the current version are used to
compute positions. Pages of older versions are still returned by :meth:`RowWindow.row_at`, so a
refresh never blanks the screen, but :meth:`RowWindow.is_fresh` is False for them: whoever
draws them must mark them as stale, since their positions may have moved.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Protocol, TypeVar

from sqlalchemy.ext.asyncio import AsyncConnection

from tui.db.model import RowCount
from tui.db.paging import Cursor, Page, Pager

T = TypeVar("T")


class Runner(Protocol):
    """Runs one operation on a short-lived connection (``DataSource.run``)."""

    def __call__(self, operation: Callable[[AsyncConnection], Awaitable[T]], /) -> Awaitable[T]: ...


PAGE_SIZE = 128
MAX_PAGES = 48
NEAR_END_ROWS = 2_000
MAX_POINTS = 64
# How far (in pages) a stale page may be from the wanted one to be worth re-anchoring.
REANCHOR_PAGES = 8


class FetchMethod(StrEnum):
    KEYSET = "keyset"
    FROM_END = "from end"
    DENSE_KEY = "dense key"
    ANCHOR = "anchor"
    REANCHOR = "re-anchor"
    OFFSET = "offset"


@dataclass(frozen=True)
class LoadedPage:
    number: int
    page: Page
    method: FetchMethod


class RowWindow:
    """Positions → rows for one :class:`Pager`, with at most ``max_pages`` pages in memory.

    ``total`` given here is taken as exact for the first version; :meth:`set_total` records
    later ones with their exactness, and assigning :attr:`total` sets one that is not exact
    (a guess, or a lower bound to scroll into).
    """

    def __init__(
        self,
        pager: Pager,
        total: int,
        *,
        page_size: int = PAGE_SIZE,
        max_pages: int = MAX_PAGES,
    ) -> None:
        self.pager = pager
        self.page_size = page_size
        self.max_pages = max_pages
        #: Bumped by :meth:`data_changed`: the data version every fresh claim is about.
        self.version = 0
        self._total = total
        self._total_version: int | None = 0  # the version ``total`` is exact for, if any
        self._pages: OrderedDict[int, Page] = OrderedDict()
        self._page_versions: dict[int, int] = {}
        self._page_totals: dict[int, int] = {}  # the total when a page was read (short pages)
        self.dense_start: int | None = None  # key of row 0 when the key is dense
        self._dense_version = -1
        self.anchor_step = 0
        self.anchors: list[Cursor] = []  # anchors[j] = cursor of row j * anchor_step
        self._anchors_version = -1
        # Positions counted by key in the current version: position -> cursor, where the
        # cursor is of the first row at or after it (the row itself may have been deleted).
        self._points: dict[int, Cursor] = {}
        self.last_method: FetchMethod | None = None

    # -- versions ---------------------------------------------------------------------------
    def data_changed(self) -> None:
        """Another connection committed: every position known so far may have moved.

        Cached pages stay readable (shown as stale until reloaded); the total stops being
        exact, and the dense-key shortcut, the anchors and counted points stop being used,
        until each is established again for the new version.
        """
        self.version += 1
        self._points.clear()

    @property
    def total(self) -> int:
        """How many rows the positions run over (exact only if :attr:`total_exact`)."""
        return self._total

    @total.setter
    def total(self, value: int) -> None:
        self._total = value
        self._total_version = None

    def set_total(self, value: int, *, exact: bool, version: int | None = None) -> None:
        """The number of rows, exact or not, as counted in ``version`` (default: current)."""
        self._total = value
        counted_in = self.version if version is None else version
        self._total_version = counted_in if exact else None

    @property
    def total_exact(self) -> bool:
        """Whether :attr:`total` is the exact count of the current version."""
        return self._total_version == self.version

    @property
    def dense(self) -> int | None:
        """The dense key's first value, when it holds for the current version."""
        return self.dense_start if self._dense_version == self.version else None

    @property
    def anchors_current(self) -> bool:
        """Whether the anchor index was built in the current version."""
        return bool(self.anchors) and self._anchors_version == self.version

    # -- reading (synchronous, for render) ------------------------------------------------
    def page_of(self, position: int) -> int:
        return position // self.page_size

    def row_at(self, position: int) -> tuple[Any, ...] | None:
        """The row cached for ``position``; it may be stale (see :meth:`is_fresh`)."""
        page = self._pages.get(position // self.page_size)
        if page is None:
            return None
        index = position % self.page_size
        return page.rows[index] if index < len(page.rows) else None

    def is_fresh(self, position: int) -> bool:
        """Loaded in the current data version: its row (if any) is exactly at ``position``."""
        number = position // self.page_size
        return number in self._pages and self._page_versions[number] == self.version

    def version_at(self, position: int) -> int | None:
        """The data version the row cached for ``position`` was read in."""
        number = position // self.page_size
        return self._page_versions.get(number)

    def cursor_at(self, position: int) -> Cursor | None:
        page = self._pages.get(position // self.page_size)
        if page is None:
            return None
        index = position % self.page_size
        return page.cursors[index] if index < len(page.cursors) else None

    def position_of(self, cursor: Cursor) -> int | None:
        """Where a cursor sits among the fresh cached pages (to keep the user on its row)."""
        for number, page in self._pages.items():
            if self._page_versions[number] != self.version:
                continue
            for index, candidate in enumerate(page.cursors):
                if candidate == cursor:
                    return number * self.page_size + index
        return None

    def missing(self, first: int, last: int) -> list[int]:
        """Page numbers needed to show positions first..last: absent, stale or cut short."""
        last = min(last, self.total - 1)
        if last < first:
            return []
        wanted = range(self.page_of(max(first, 0)), self.page_of(last) + 1)
        return [p for p in wanted if self._needs_load(p)]

    def _needs_load(self, number: int) -> bool:
        page = self._pages.get(number)
        if page is None or self._page_versions[number] != self.version:
            return True
        # A page read when the total said it would be short, and the total has grown since.
        return len(page) < self._rows_in(number) and self._page_totals[number] != self.total

    def has_page(self, number: int) -> bool:
        return number in self._pages

    def clear(self) -> None:
        self._pages.clear()
        self._page_versions.clear()
        self._page_totals.clear()

    @property
    def cached_pages(self) -> int:
        return len(self._pages)

    # -- loading ------------------------------------------------------------------------
    def _store(self, number: int, page: Page, version: int) -> None:
        if self._page_versions.get(number, -1) > version:
            return  # a newer copy arrived while this one was read
        self._pages[number] = page
        self._page_versions[number] = version
        self._page_totals[number] = self.total
        self._pages.move_to_end(number)
        while len(self._pages) > self.max_pages:
            evicted, _ = self._pages.popitem(last=False)
            del self._page_versions[evicted]
            del self._page_totals[evicted]

    def touch(self, number: int) -> None:
        if number in self._pages:
            self._pages.move_to_end(number)

    def _rows_in(self, number: int) -> int:
        return max(0, min(self.page_size, self.total - number * self.page_size))

    def _fresh(self, number: int) -> Page | None:
        if self._page_versions.get(number) != self.version:
            return None
        return self._pages.get(number)

    async def load(self, conn: AsyncConnection, number: int) -> LoadedPage:
        """Fetch page ``number`` by the cheapest exact method available and cache it.

        The page is tagged with the version current when the load started: if the data
        changed meanwhile, it is stored as stale.
        """
        version = self.version
        page, method = await self._fetch(conn, number)
        self._store(number, page, version)
        self.last_method = method
        return LoadedPage(number, page, method)

    async def _fetch(self, conn: AsyncConnection, number: int) -> tuple[Page, FetchMethod]:
        size = self._rows_in(number) or self.page_size
        start = number * self.page_size
        pager = self.pager
        previous, following = self._fresh(number - 1), self._fresh(number + 1)
        if not pager.keyed:
            page = await pager.fetch(conn, limit=size, offset=start)
            return page, FetchMethod.OFFSET if start else FetchMethod.KEYSET
        if number == 0:
            return await pager.fetch(conn, limit=size), FetchMethod.KEYSET
        if previous is not None and len(previous) == self.page_size and previous.cursors:
            page = await pager.fetch(conn, after=previous.cursors[-1], limit=size)
            return page, FetchMethod.KEYSET
        if following is not None and following.cursors:
            page = await pager.fetch(conn, before=following.cursors[0], limit=size)
            return page, FetchMethod.KEYSET
        if self.total_exact and 0 < self.total - start <= NEAR_END_ROWS:
            # Only for a page that exists, and with the exact total of this version: counting
            # back from a wrong end would put the last rows under the wrong positions.
            from_end = self.total - start - size
            page = await pager.fetch(conn, from_end=True, limit=size, offset=max(from_end, 0))
            return page, FetchMethod.FROM_END
        dense = self.dense
        if dense is not None:
            page = await pager.fetch(conn, at_or_after=(dense + start,), limit=size)
            return page, FetchMethod.DENSE_KEY
        point = self._nearest_point(start)
        near = max(self.anchor_step, REANCHOR_PAGES * self.page_size)
        if point is not None and abs(start - point[0]) <= near:
            return await self._from_point(conn, start, size, point), FetchMethod.ANCHOR
        stale = self._nearest_stale(number)
        if stale is not None:
            located = await self._locate(conn, stale)
            if located is not None:
                return await self._from_point(conn, start, size, located), FetchMethod.REANCHOR
        if point is not None and abs(start - point[0]) < start:
            return await self._from_point(conn, start, size, point), FetchMethod.ANCHOR
        return await pager.fetch(conn, limit=size, offset=start), FetchMethod.OFFSET

    def plan(self, number: int) -> FetchMethod:
        """How :meth:`load` would fetch page ``number`` now, without fetching it.

        An ``OFFSET`` far from the top reads (and under an unindexed sort, sorts) every row
        before the page: a caller can say so, or wait for the anchor index instead.
        """
        start = number * self.page_size
        previous, following = self._fresh(number - 1), self._fresh(number + 1)
        if not self.pager.keyed:
            return FetchMethod.OFFSET if start else FetchMethod.KEYSET
        if number == 0 or (previous is not None and len(previous) == self.page_size):
            return FetchMethod.KEYSET
        if following is not None and following.cursors:
            return FetchMethod.KEYSET
        if self.total_exact and 0 < self.total - start <= NEAR_END_ROWS:
            return FetchMethod.FROM_END
        if self.dense is not None:
            return FetchMethod.DENSE_KEY
        point = self._nearest_point(start)
        near = max(self.anchor_step, REANCHOR_PAGES * self.page_size)
        if point is not None and abs(start - point[0]) <= near:
            return FetchMethod.ANCHOR
        if self._nearest_stale(number) is not None:
            return FetchMethod.REANCHOR
        if point is not None and abs(start - point[0]) < start:
            return FetchMethod.ANCHOR
        return FetchMethod.OFFSET

    def _nearest_point(self, start: int) -> tuple[int, Cursor] | None:
        """The known (position, cursor) of the current version closest to ``start``."""
        candidates: list[tuple[int, Cursor]] = list(self._points.items())
        if self.anchors_current and self.anchor_step:
            j = min(start // self.anchor_step, len(self.anchors) - 1)
            candidates.append((j * self.anchor_step, self.anchors[j]))
            if j + 1 < len(self.anchors):
                candidates.append(((j + 1) * self.anchor_step, self.anchors[j + 1]))
        for number, page in self._pages.items():
            if self._page_versions[number] == self.version and page.cursors:
                candidates.append((number * self.page_size, page.cursors[0]))
        if not candidates:
            return None
        return min(candidates, key=lambda point: abs(start - point[0]))

    def _point_at_or_after(self, position: int) -> tuple[int, Cursor] | None:
        """The known point of the current version closest after ``position``, if any."""
        candidates = [(p, c) for p, c in self._points.items() if p >= position]
        if self.anchors_current and self.anchor_step:
            j = -(-position // self.anchor_step)
            if j < len(self.anchors):
                candidates.append((j * self.anchor_step, self.anchors[j]))
        for number, page in self._pages.items():
            start = number * self.page_size
            if start >= position and self._page_versions[number] == self.version and page.cursors:
                candidates.append((start, page.cursors[0]))
        return min(candidates, key=lambda point: point[0], default=None)

    def _nearest_stale(self, number: int) -> Cursor | None:
        """The first cursor of the stale page closest to page ``number``, if one is near."""
        best: tuple[int, Cursor] | None = None
        for other, page in self._pages.items():
            distance = abs(other - number)
            if self._page_versions[other] == self.version or not page.cursors:
                continue
            if distance <= REANCHOR_PAGES and (best is None or distance < best[0]):
                best = (distance, page.cursors[0])
        return best[1] if best is not None else None

    async def _from_point(
        self, conn: AsyncConnection, start: int, size: int, point: tuple[int, Cursor]
    ) -> Page:
        """Rows start..start+size-1, seeking from the row known to be at ``point``."""
        position, cursor = point
        pager = self.pager
        if start >= position:
            # The next known row after the page bounds it: an unindexed sort then sorts only
            # the rows between the two instead of everything after the point.
            bound = self._point_at_or_after(start + size)
            until = bound[1] if bound is not None else None
            return await pager.fetch(
                conn, at_or_after=cursor, until=until, offset=start - position, limit=size
            )
        # Some or all of the page lies before the point: read back from it, then forwards.
        before = min(position, start + size) - start
        head = await pager.fetch(
            conn, before=cursor, offset=position - start - before, limit=before
        )
        if start + size <= position:
            return head
        tail = await pager.fetch(conn, at_or_after=cursor, limit=start + size - position)
        return Page(head.rows + tail.rows, head.cursors + tail.cursors)

    # -- the position → key mapping ------------------------------------------------------
    async def locate(
        self, conn: AsyncConnection, cursor: Cursor, *, count: bool = True
    ) -> int | None:
        """The position of the row with ``cursor`` in the current version.

        Free when a fresh page holds it or the key is dense; otherwise, with ``count``, the
        rows before it are counted (and the answer kept, so pages next to it load by keyset).
        A deleted row's position is where it would be. None when it cannot be had for free
        and ``count`` is False, or when the data changed while counting.
        """
        known = self.known_position(cursor)
        if known is not None:
            return known
        if not count or not self.pager.keyed:
            return None
        located = await self._locate(conn, cursor)
        return located[0] if located is not None else None

    def known_position(self, cursor: Cursor) -> int | None:
        """The position of the row with ``cursor`` when it is free: a fresh page holds it, or
        the key is dense. None when finding it would need a count (see :meth:`locate`)."""
        known = self.position_of(cursor)
        if known is not None:
            return known
        dense = self.dense
        if dense is not None and len(cursor) == 1 and isinstance(cursor[0], int):
            return min(max(cursor[0] - dense, 0), max(self.total - 1, 0))
        return None

    async def _locate(self, conn: AsyncConnection, cursor: Cursor) -> tuple[int, Cursor] | None:
        version = self.version
        position = await self.pager.rows_before(conn, cursor)
        if version != self.version:
            return None
        if len(self._points) >= MAX_POINTS:
            self._points.pop(next(iter(self._points)))
        self._points[position] = cursor
        return position, cursor

    async def detect_dense_key(self, conn: AsyncConnection) -> bool:
        """Use the key as the position when it is an integer run without gaps.

        The count and the key's bounds come from one statement, so they describe one
        snapshot; the count is kept as the exact total of the version it was read in.
        """
        version = self.version
        if not self.pager.query.is_plain:
            self.dense_start = None
            return False
        found = await self.pager.key_bounds_and_count(conn)
        if found is None:
            self.dense_start = None
            return False
        low, high, count = found
        if version == self.version:
            self.set_total(count, exact=True, version=version)
        if isinstance(low, int) and isinstance(high, int) and high - low + 1 == count:
            self.dense_start, self._dense_version = low, version
            return version == self.version
        self.dense_start = None
        return False

    async def build_anchors(
        self,
        run: Runner,
        *,
        target_anchors: int = 4096,
        progress: Callable[[int, int], None] | None = None,
        cpu_share: float = 1.0,
    ) -> None:
        """Record the cursor of every K-th row, in one ordered pass (see :mod:`tui.db.anchors`).

        ``run`` executes the pass on a short-lived connection (see ``DataSource.run``), which
        interrupts it if the caller is cancelled. The anchors serve the version the pass
        started in: if the data changes meanwhile, they are kept but not used.
        """
        from tui.db.anchors import read_anchors

        if not self.pager.keyed or self.total <= self.page_size:
            return
        version, total, pager = self.version, self.total, self.pager
        step = max(self.page_size, -(-total // target_anchors))
        step = -(-step // self.page_size) * self.page_size  # a whole number of pages
        anchors = await run(
            lambda conn: read_anchors(
                pager, conn, step, total, progress=progress, cpu_share=cpu_share
            )
        )
        self.anchor_step = step
        self.anchors = anchors
        self._anchors_version = version


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
