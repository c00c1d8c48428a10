"""Live refresh: another connection committed while a view is on screen.

The window forgets every position it knew (:meth:`~tui.db.window.RowWindow.data_changed`:
rows stay drawn, dimmed, until reloaded), the view is counted again, and the cursor is kept
on its record (:class:`~tui.db.keep.CursorKeeper` notes it; the page job finds it again
before reloading the rows around it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.screens.browse_counting import BrowseCounting
from tui.widgets.table_list import TableList

if TYPE_CHECKING:
    from tui.screens.jobs import Job


class BrowseLive(BrowseCounting):
    """What the browse screen does when the data changes under it."""

    def data_changed(self) -> None:
        """Another connection committed: recount, reload the visible rows, keep the cursor."""
        window = self.window
        self.status.notice = "changed by another connection: refreshed"
        if self.source is not None:
            tables = self.query_one(TableList).tables
            # The commit may have been DDL: every described table is read again when opened.
            self.columns_stale.update(t.ref for t in tables if t.described)
            # Quick counts only: a busy writer must not keep us recounting big tables.
            self.count_tables(tables, exact=False)
        if window is None:
            return
        self.keeper.note(window, self.grid.cursor_row)
        window.data_changed()
        if self.tail is not None:
            # The last rows read may be gone: read everything again through the window.
            self.tail = None
            self.grid.source = window
        self._start_count(refresh=True)
        # The page job first finds the cursor's row (see _relocate), then reloads around it.
        self.grid.rows_arrived()

    async def _relocate(self, job: Job) -> None:
        """Keep the cursor on the same row (by key) after rows came or went before it."""
        source, window, grid = self._require_source(), self.window, self.grid
        kept = self.keeper.pending
        if window is None or kept is None:
            return
        if grid.cursor_row != kept.row or kept.window is not window:
            self.keeper.pending = None  # the user moved on meanwhile: stay where they went
            return
        # Free when a reloaded page holds the row or the key is dense; otherwise one count of
        # the rows before it, which also gives the pages around it a point to load from. That
        # count waits its turn (see ScanPolicy.placing): meanwhile the rows stay drawn as
        # stale, never under a guessed number.
        position = window.known_position(kept.cursor)
        if position is None:
            await self._count_down(job, self.scans.placing.wait(), "placing rows")
            if not job.current or self.keeper.pending is not kept:
                return
            with self.scans.placing.timing():
                position = await source.run(lambda conn: window.locate(conn, kept.cursor))
        if not job.current or position is None or self.keeper.pending is not kept:
            return
        self.keeper.pending = None
        if grid.cursor_row != kept.row:
            return
        if position >= grid.total:  # rows came before it: at least this many now
            window.total = position + 1
            grid.set_total(position + 1)
        offset = grid.cursor_row - grid.first_visible  # keep the row on the same screen line
        grid.jump_to(y=max(position - offset, 0))
        grid.move_to(position, center=False)
        self.keeper.found(kept, grid.cursor_row)


__all__ = ["BrowseLive"]
