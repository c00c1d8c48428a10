"""Counting the view on screen and indexing its positions, as background jobs.

What a count means and when a full scan may run are decided in :mod:`tui.db.counting`; this
layer runs the jobs (a quick guess, then the exact count, then the position index when the
view needs one), shows their progress in their status slots, and brings the grid, the tail
rows read before the count and the status bar's position in line with each count.
"""

from __future__ import annotations

import asyncio
import math
import time
from typing import TYPE_CHECKING

from tui.db.counting import CAPPED_COUNT, refresh_guess
from tui.db.model import RowCount, TableKind
from tui.screens.browse_base import BrowseBase

if TYPE_CHECKING:
    from tui.db.model import TableRef
    from tui.db.window import RowWindow
    from tui.screens.jobs import Job

#: The share of a core the position index may use (SQLite works in this process).
INDEX_CPU = 0.5


class BrowseCounting(BrowseBase):
    """The count and position-index jobs of the browse screen."""

    def _start_count(self, *, refresh: bool = False) -> None:
        self._count_stopped = False
        if self.job_running("count"):
            # Restarting would throw away a count under way: a busy writer could then keep
            # it from ever finishing. Count once more after it instead.
            self._recount = True
            return

        async def body(job: Job) -> None:
            again = refresh
            while True:
                self._recount = False
                await self._count_rows(job, again)
                if not job.current or not self._recount:
                    return
                again = True

        self.start_job("count", body)

    async def _count_rows(self, job: Job, refresh: bool) -> None:
        """Count the open query's rows (quick guess, then exact) and map positions to keys.

        On a ``refresh`` (someone else committed), the exact count waits until it is cheap
        enough (see :class:`~tui.db.counting.ScanPolicy`) but always comes: a shown estimate
        is replaced.
        """
        from tui.db.window import first_count

        await self.schema_checked()
        source, window = self._require_source(), self.window
        if window is None:
            return
        pager = window.pager
        version = window.version
        guess = await source.run(lambda conn: first_count(pager, conn, CAPPED_COUNT))
        if not job.current:
            return
        self._set_count(refresh_guess(self.count.count, guess) if refresh else guess, version)
        if not guess.exact:
            await self._count_down(job, self.scans.exact_wait(refresh=refresh), "recount")
            job.say("counting rows… (Esc cancels)")
            version = window.version
            with self.scans.exact.timing():
                exact = await source.run(pager.count)
            if not job.current:
                return
            self._set_count(exact, version)
        job.say("")
        was_dense = window.dense_start is not None
        dense = await source.run(window.detect_dense_key)
        wanted = self.scans.wants_index(
            keyed=pager.keyed,
            dense=dense,
            was_dense=was_dense,
            total=window.total,
            page_size=window.page_size,
            refresh=refresh,
        )
        if wanted and job.current:
            self._start_indexing(window)
        self.grid.rows_arrived()

    @staticmethod
    async def _count_down(job: Job, wait: float, what: str) -> None:
        """Wait ``wait`` seconds, saying "<what> in N s" in the job's slot, N counting down."""
        deadline = time.monotonic() + wait
        while (left := deadline - time.monotonic()) > 0:
            whole = math.ceil(left)
            job.say(f"{what} in {whole} s")
            await asyncio.sleep(left - (whole - 1))  # until the shown number is due to drop

    def resume_count(self) -> None:
        """A count stopped by Esc starts again when the user moves (or the data changes)."""
        if not self._count_stopped:
            return
        self._count_stopped = False
        if self.window is not None and not self.count.exact and not self.job_running("count"):
            self._start_count()

    def _start_indexing(self, window: RowWindow) -> None:
        async def body(job: Job) -> None:
            def progress(done: int, total: int) -> None:
                self._indexed = f"indexing positions {done * 100 // max(total, 1)}%"
                job.say(self._indexed)

            await self.schema_checked()
            source = self._require_source()
            with self.scans.anchors.timing():
                await window.build_anchors(source.run, progress=progress, cpu_share=INDEX_CPU)
            if job.current:
                self.grid.rows_arrived()

        self.start_job("index", body)

    def _set_count(self, count: RowCount, version: int | None = None) -> None:
        """A count, counted in data ``version`` (default: the current one)."""
        window, grid = self.window, self.grid
        if window is None:
            return
        if count.exact and version is not None and version != window.version:
            # Counted before another connection's commit: no longer exact for what is shown.
            count = RowCount(count.value)
        self.count = self.count.with_count(count)
        total = self.count.grid_total(window.page_size)
        window.set_total(total, exact=count.exact, version=version)
        tail = self.tail
        # A cursor on a row read from the end stays on it when the total moves.
        distance = tail.from_end(grid.cursor_row) if tail is not None else None
        if tail is not None:
            tail.recounted(count, version)
        grid.set_total(window.total)
        if tail is not None and distance is not None:
            grid.move_to(tail.total - distance, center=False)
        grid.total_exact = count.exact
        self._share_count()
        self._update_position()
        if count.exact and self._pending_jump is not None:
            answer, self._pending_jump = self._pending_jump, None
            self.status.notice = ""  # it no longer waits
            self.go_to(answer)

    def whole_table_count(self, ref: TableRef) -> RowCount | None:
        """The open view's exact count when it is all of table ``ref`` (no filter, no
        search: a sort keeps every row), counted in the current data; else None."""
        table, query, window = self.table, self.query_spec, self.window
        if table is None or window is None or table.ref != ref or table.kind is TableKind.QUERY:
            return None
        if query is not None and (query.filters or query.search):
            return None
        count = self.count.count
        return count if window.total_exact and count is not None and count.exact else None

    def _share_count(self) -> None:
        """The table list shows the open table's exact count too (it kept an estimate, or a
        count from before another connection's commit, while the status bar had this one)."""
        from tui.widgets.table_list import TableList

        table = self.table
        count = None if table is None else self.whole_table_count(table.ref)
        if table is None or count is None:
            return
        table_list = self.query_one(TableList)
        if any(t.ref == table.ref for t in table_list.tables):
            table_list.set_count(table.ref, count)

    def _grow(self) -> None:
        """More rows were seen before any count: let the grid scroll on into them."""
        window = self.window
        if window is None:
            return
        total = self.count.grid_total(window.page_size)
        if self.tail is not None:
            total = max(total, self.tail.total)
        if total > window.total:
            window.total = total
            self.grid.set_total(total)
        self._update_position()

    def _update_position(self) -> None:
        if self.window is None or self.query_spec is None:
            self.status.position = ""
            return
        cursor = self.grid.cursor_row
        from_end = None if self.tail is None or self.tail.counted else self.tail.from_end(cursor)
        self.status.position = self.count.describe(cursor, self.query_spec, from_end=from_end)

    # -- background work only while the screen is in use --------------------------------
    def on_screen_suspend(self) -> None:
        from textual.screen import ModalScreen

        if isinstance(self.app.screen, ModalScreen):
            return  # a dialog over this screen: the user is still here
        for worker in self.running("index"):
            # Cancelled (so no read stays open meanwhile) and started again on return.
            worker.cancel()
            self._index_paused = True

    def on_screen_resume(self) -> None:
        if self._index_paused and self.window is not None and not self.window.anchors_current:
            self._start_indexing(self.window)
        self._index_paused = False


__all__ = ["INDEX_CPU", "BrowseCounting"]
