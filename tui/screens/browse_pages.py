"""Pages on demand: the rows the grid asks for, read the cheapest exact way.

Before the count, only pages that follow rows read from the start are read (far jumps wait
for the count, :func:`~tui.db.tail.next_readable_page`), and End reads the last rows from the
end of the order at once (:class:`~tui.db.tail.TailRows`). A jump that would read far by
OFFSET waits for the position index when one is being built, and says so either way.
"""

from __future__ import annotations

import asyncio
from contextlib import nullcontext
from typing import TYPE_CHECKING

from textual import on

from tui.screens.browse_live import BrowseLive
from tui.widgets.row_grid import RowGrid

if TYPE_CHECKING:
    from tui.screens.jobs import Job


class BrowsePages(BrowseLive):
    """The page and tail jobs of the browse screen."""

    @on(RowGrid.RowsNeeded)
    def _rows_needed(self, event: RowGrid.RowsNeeded) -> None:
        self._wanted = (event.first, event.last)
        if self.window is not None:
            self.start_job(
                "page", self._load_pages, label="loading rows… (Esc cancels)", label_after=0.25
            )

    async def _load_pages(self, job: Job) -> None:
        from tui.db.tail import next_readable_page
        from tui.db.window import NEAR_END_ROWS, FetchMethod

        await self.schema_checked()
        source, window = self._require_source(), self.window
        if window is None:
            return
        await self._relocate(job)
        while job.current:
            first, last = self._wanted
            missing = window.missing(first, last)
            number: int | None = missing[0] if missing else None
            far = number is not None and window.plan(number) is FetchMethod.OFFSET
            if far and not self.count.exact:
                # Far from every row whose position is known, before the count: read step by
                # step from the start (an OFFSET this far would read the whole table first).
                avoid = self.tail.start if self.tail is not None else None
                number = next_readable_page(window, missing, self.count.seen, avoid_from=avoid)
            if number is None:
                break
            start = number * window.page_size
            if window.plan(number) is FetchMethod.OFFSET and start > NEAR_END_ROWS:
                # Reading this far by OFFSET reads (and sorts) every row before it: wait for
                # the position index when one is being built, and say so either way.
                if self.job_running("index"):
                    job.say(f"row {start + 1:,}: waiting for the position index")
                    while self.job_running("index") and job.current:
                        job.say(f"row {start + 1:,}: waiting for the {self._indexed}")
                        await asyncio.sleep(0.2)
                    continue
                job.say(f"reading row {start + 1:,} by OFFSET… (Esc cancels)")
            placing = window.plan(number) is FetchMethod.REANCHOR
            if placing and not self.scans.placing.due():
                # Re-placing a page counts the rows before it: as often as the throttle lets.
                await self._count_down(job, self.scans.placing.wait(), "placing rows")
                continue
            with self.scans.placing.timing() if placing else nullcontext():
                loaded = await source.run(lambda conn, n=number: window.load(conn, n))  # type: ignore[misc]
            if not job.current:
                return
            job.say("")
            counted = self.count.end_of_page(start, len(loaded.page), window.page_size)
            if counted is not None:
                self._set_count(counted, window.version_at(start))
            elif not self.count.exact:
                self.count = self.count.with_seen(start + len(loaded.page))
                self._grow()
            self.grid.widen(loaded.page.rows)
            self.grid.rows_arrived()

    @on(RowGrid.EndRequested)
    def _end_requested(self) -> None:
        """End before the count: read the last rows from the end of the order at once."""
        window = self.window
        if window is None:
            return
        if not window.pager.keyed and not window.pager.query.sort:
            self._pending_jump = "100%"  # no order to reverse: End waits for the count
            self.status.notice = "End: waiting for the row count"
            return

        async def body(job: Job) -> None:
            from tui.db.tail import TailRows, read_tail

            await self.schema_checked()
            source = self._require_source()
            tail = await source.run(lambda conn: read_tail(window.pager, conn, window.page_size))
            if not job.current or self.window is not window:
                return
            if self.count.exact:  # the count won the race: End is an ordinary move now
                self.grid.move_to(self.grid.total - 1, center=False)
                return
            floor = self.count.seen + window.page_size + len(tail)
            rows = TailRows(window, tail, max(self.count.grid_total(window.page_size), floor))
            self.tail = rows
            window.total = rows.total
            self.grid.source = rows
            self.grid.set_total(rows.total)
            self.grid.move_to(rows.total - 1, center=False)
            self._update_position()

        self.start_job("tail", body, label="reading the last rows…")


__all__ = ["BrowsePages"]
