"""What is known of the number of rows of the view on screen, and how to say it.

A view (a table under a sort, filter or search) has a count that is unknown, an estimate, a
lower bound or exact. :class:`ViewCount` keeps the best count known for the current view
together with the rows seen to exist (loaded from the start), and says the position in words
that never claim more than that: "row 5 of 300" only when 300 is exact, otherwise
"row 5 of ≥ 256" or "row 5 of ~50,000". The grid's size (how far one can scroll) comes from
here too. :class:`Throttle` keeps a busy writer from making us recount big tables forever;
:class:`ScanPolicy` decides when a view's full scans (the exact count, the position index)
run.

Pure: no database, no terminal.
"""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, replace

from tui.db.model import RowCount
from tui.db.paging import RowQuery

#: Counting beyond this many rows is a background job; up to it, counts are exact at once.
CAPPED_COUNT = 10_000
#: Full scans rerun under a busy writer only after this many times their own cost (about 3%
#: of a core at most).
RESCAN_FACTOR = 30.0
#: Placing rows again after a change waits at least this long after the last time (seconds).
PLACING_MINIMUM = 0.5
#: A keyed view longer than this many pages gets a position index (unless its key is dense).
INDEX_FROM_PAGES = 8


@dataclass(frozen=True)
class ViewCount:
    """The rows of one view as far as they are known."""

    count: RowCount | None = None  #: the best count known (None: not counted yet)
    seen: int = 0  #: rows known to exist: positions 0..seen-1 were loaded

    @property
    def exact(self) -> bool:
        return self.count is not None and self.count.exact

    @property
    def known(self) -> int | None:
        """The exact number of rows, when it is known."""
        return self.count.value if self.count is not None and self.count.exact else None

    def with_count(self, count: RowCount) -> ViewCount:
        return replace(self, count=count)

    @classmethod
    def first_page(cls, rows: int, limit: int) -> ViewCount:
        """The first page was read, asking for ``limit`` rows: a short one is the whole view."""
        if rows < limit:
            return cls(RowCount(rows, exact=True), rows)
        return cls(None, rows)

    def with_seen(self, end: int) -> ViewCount:
        """Rows up to position ``end`` (exclusive) were loaded: at least that many exist."""
        return self if end <= self.seen else replace(self, seen=end)

    def end_of_page(self, start: int, rows: int, page_size: int) -> RowCount | None:
        """The exact count, when a page read by keyset steps from the start ends the view.

        ``rows`` rows were read at position ``start`` asking for ``page_size``: a short page
        is the end of the view. None when it is not short, or the count was already exact.
        """
        if self.exact or rows >= page_size:
            return None
        return RowCount(start + rows, exact=True)

    def grid_total(self, page_size: int) -> int:
        """How many rows the grid should let the user scroll through."""
        if self.count is not None and self.count.exact:
            return self.count.value
        floor = self.seen + page_size  # room to scroll on into rows not counted yet
        if self.count is not None:
            return max(self.count.value, floor if self.count.at_least else self.seen)
        return floor

    def describe(self, cursor: int, query: RowQuery, *, from_end: int | None = None) -> str:
        """The cursor's position for the status bar: only what is known.

        ``from_end`` places a cursor on a row read from the end before the count (1: last).
        """
        count = self.count
        if count is not None and count.exact:
            if count.value == 0:
                # Which condition matched nothing is said beside this, by the query's slot.
                return "no rows match" if query.filters or query.search else "no rows"
            return f"row {cursor + 1:,} of {count.value:,}"
        if from_end is not None:
            row = "last row" if from_end == 1 else f"row {from_end:,} from the end"
        else:
            row = f"row {cursor + 1:,}"
        seen = self.seen
        if count is None or seen > count.value:
            return f"{row} of ≥ {seen:,}"
        if count.at_least:
            return f"{row} of > {count.value:,}"
        return f"{row} of ~{count.value:,}"


def refresh_guess(previous: RowCount | None, guess: RowCount) -> RowCount:
    """The count to show after another connection committed, before the exact recount.

    A capped count ("> 10,000") says less than the previous count of the same table did
    (1,000,387): keep the previous figure, labelled as an estimate, until the recount.
    """
    if guess.exact or previous is None:
        return guess
    if guess.at_least and previous.value > guess.value:
        return RowCount(previous.value)
    return guess


class Throttle:
    """Lets a slow job rerun only after ``factor`` times its own last duration has passed."""

    def __init__(self, factor: float = 10.0, minimum: float = 1.0) -> None:
        self.factor = factor
        self.minimum = minimum
        self._cost = 0.0
        self._ended = float("-inf")

    @property
    def cost(self) -> float:
        """How long the job took last time, in seconds."""
        return self._cost

    def wait(self) -> float:
        """Seconds until the job is due again (0 when it is due now)."""
        pause = max(self.minimum, self._cost * self.factor)
        return max(0.0, self._ended + pause - time.monotonic())

    def due(self) -> bool:
        return self.wait() <= 0.0

    @contextmanager
    def timing(self) -> Iterator[None]:
        started = time.monotonic()
        try:
            yield
        finally:
            self._ended = time.monotonic()
            self._cost = self._ended - started


class ScanPolicy:
    """When a view's full scans run: the exact count and the position index (anchors).

    Both read the whole view. On opening they run at once; after another connection
    committed, each waits until it is cheap enough (:class:`Throttle`) so that a busy writer
    cannot keep us scanning big tables. So do the counts that place rows again after a
    change (:attr:`placing`), which read the view up to the rows on screen.
    """

    def __init__(self, factor: float = RESCAN_FACTOR) -> None:
        self.exact = Throttle(factor=factor)
        self.anchors = Throttle(factor=factor)
        #: Counts that place rows again after a change: the rows before the cursor's record
        #: or before a stale page (RowWindow.locate, FetchMethod.REANCHOR). Until one is due,
        #: the rows stay drawn as stale (no number), never at a guessed position.
        self.placing = Throttle(factor=factor, minimum=PLACING_MINIMUM)

    def exact_wait(self, *, refresh: bool) -> float:
        """Seconds to wait before the exact count (none on opening a view)."""
        return self.exact.wait() if refresh else 0.0

    def wants_index(
        self,
        *,
        keyed: bool,
        dense: bool,
        was_dense: bool,
        total: int,
        page_size: int,
        refresh: bool,
    ) -> bool:
        """Whether to build the position index after a count.

        Not for a dense key (the key is the position), a keyless view (no key to anchor on)
        or a short one. On a refresh, an index that was dense a moment ago is most likely
        still dense and the count raced a writer: rebuilding anchors would cost more than it
        could fix.
        """
        if dense or not keyed or total <= page_size * INDEX_FROM_PAGES:
            return False
        return not refresh or (not was_dense and self.anchors.due())


__all__ = [
    "CAPPED_COUNT",
    "INDEX_FROM_PAGES",
    "PLACING_MINIMUM",
    "RESCAN_FACTOR",
    "ScanPolicy",
    "Throttle",
    "ViewCount",
    "refresh_guess",
]
