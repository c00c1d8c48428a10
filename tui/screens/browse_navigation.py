"""Jumps between views and the way back: follow a foreign key (``j``), list the rows that
refer to this one (``J``), and Back/Forward (``backspace``/``alt+left``, ``alt+right``).

Every jump first remembers where the person was (:class:`~tui.db.visits.Visit`); going back
reopens that view (table or console query, sort, filter, search) and, once its first rows
are in, puts the cursor on the same record by its key, at the same line of the screen and on
the same column.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from tui.db.model import TableKind
from tui.screens.browse_base import BrowseBase
from tui.text.escape import escaped_plain
from tui.widgets.table_list import TableList

if TYPE_CHECKING:
    from tui.db.model import TableInfo
    from tui.db.paging import RowQuery
    from tui.db.references import Referrer
    from tui.db.visits import Visit
    from tui.screens.jobs import Job


class BrowseNavigation(BrowseBase):
    """Jumps and the way back (mixed into the browse screen)."""

    def __init__(self) -> None:
        from tui.db.visits import Visits

        super().__init__()
        self.visits = Visits()
        self._restoring: Visit | None = None  # the visit being reopened, until its row is found

    # -- where the person is ---------------------------------------------------------------
    def here(self) -> Visit | None:
        """The view on screen and the cursor's record, or None when nothing is shown."""
        from tui.db.visits import Visit

        table, query, window, grid = self.table, self.query_spec, self.window, self.grid
        if table is None or query is None:
            return None
        restoring = self._restoring
        if restoring is not None and restoring.same_view(table, query):
            return restoring  # its row is not found yet: the cursor is not on it
        position = grid.cursor_row
        key = None
        if window is not None and window.pager.info.ref == table.ref:
            cursor = window.cursor_at(position)
            tail = self.tail
            if cursor is None and tail is not None:
                index = position - tail.start
                if 0 <= index < len(tail.tail.cursors):
                    cursor = tail.tail.cursors[index]
            key = window.pager.row_key(cursor) if cursor is not None else None
        column = grid.columns[grid.cursor_column].name if grid.columns else None
        offset = position - grid.first_visible
        return Visit(table, query, key, position, max(offset, 0), column)

    def remember_visit(self) -> None:
        """About to jump elsewhere: Back returns here."""
        here = self.here()
        if here is not None:
            self.visits.leave(here)

    def jump(self, table: TableInfo, query: RowQuery | None) -> None:
        """Open ``table`` under ``query`` as a jump: Back comes back here."""
        self.remember_visit()
        self._restoring = None
        self.query_one(TableList).select(table.ref)
        self.open_table(table, query)
        self.set_focus(self.grid)

    # -- back and forward ------------------------------------------------------------------
    def action_back(self) -> None:
        self._travel(forward=False)

    def action_forward(self) -> None:
        self._travel(forward=True)

    def _travel(self, *, forward: bool) -> None:
        here = self.here()
        if here is None:
            return
        visits = self.visits
        if not (visits.can_go_forward if forward else visits.can_go_back):
            self.status.notice = "nothing further forward" if forward else "nothing to go back to"
            return

        def go() -> None:
            target = visits.forward(here) if forward else visits.back(here)
            if target is not None:
                self._reopen_visit(target)

        self.confirm_leave("go " + ("forward" if forward else "back"), go)

    def _reopen_visit(self, visit: Visit) -> None:
        table = visit.table
        if table.kind is not TableKind.QUERY:
            # The listed table as it is now (described again after a schema change).
            listed = next((t for t in self.query_one(TableList).tables if t.ref == table.ref), None)
            table = listed if listed is not None and listed.described else table
            self.query_one(TableList).select(table.ref)
        self._restoring = visit
        self.open_table(table, visit.query)
        self.set_focus(self.grid)

    def follow_view(self, table: TableInfo, query: RowQuery, before: Visit | None) -> None:
        """Open ``table`` (the open one, altered or renamed elsewhere) under ``query``, the
        cursor put back where ``before`` had it once its first rows are in."""
        from dataclasses import replace

        self._restoring = None if before is None else replace(before, table=table, query=query)
        if self.table is None or self.table.ref != table.ref:  # renamed: its new entry
            self.query_one(TableList).select(table.ref)
        self.open_table(table, query)

    def restore_visit(self) -> None:
        """The first rows of a view are shown: if it is a visit being reopened, find its row."""
        visit, table, window = self._restoring, self.table, self.window
        if visit is None or table is None or window is None:
            return
        if not visit.same_view(table, self.query_spec):
            self._restoring = None  # something else was opened meanwhile
            return
        grid = self.grid
        names = [c.name for c in grid.columns]
        if visit.column in names:
            grid.cursor_column = names.index(visit.column)
        self.start_job("place", self._place_visit, label="finding the row… (Esc cancels)")

    async def _place_visit(self, job: Job) -> None:
        from tui.db.visits import find_row

        source, window, visit = self._require_source(), self.window, self._restoring
        if window is None or visit is None:
            return
        position = None
        for _ in range(3):  # another connection's commit while counting: count again
            version = window.version
            position = await source.run(lambda conn: find_row(conn, window, visit))
            if not job.current or self._restoring is not visit:
                return
            if position is not None or window.version == version:
                break
        self._restoring = None
        grid = self.grid
        if position is None:  # gone, or keyless: where it was
            position = min(visit.position, max(grid.total - 1, 0))
            if visit.key is not None:
                self.status.notice = "that row is gone: the cursor is where it was"
        if position >= grid.total:  # found past the rows known so far
            window.total = position + 1
            grid.set_total(position + 1)
        grid.jump_to(y=max(position - visit.offset, 0))
        grid.move_to(position, center=False)

    # -- foreign keys, both ways -----------------------------------------------------------
    def action_follow_key(self) -> None:
        """Open the row the foreign key under the cursor points at."""
        from tui.db.query_edits import NoForeignKeyError, foreign_key_target

        grid, details = self.grid, self.details
        row = grid.source.row_at(grid.cursor_row)
        if details is None or not grid.columns or row is None:
            return
        names = [c.name for c in grid.columns]
        # The values the cells show: a staged edit (not saved yet) in place of the stored one.
        shown = tuple(
            edit.new if (edit := self.staged_edit(grid.cursor_row, name)) is not None else value
            for name, value in zip(names, row, strict=False)
        )
        try:
            target, query = foreign_key_target(
                details,
                names,
                shown,
                grid.columns[grid.cursor_column].name,
                self.query_one(TableList).tables,
                names_ignore_case=self._require_source().strategy.table_names_ignore_case,
            )
        except NoForeignKeyError as exc:
            self.notify(escaped_plain(str(exc)), severity="warning", markup=False)
            return
        # Another table: asks first while changes are staged (they stay staged).
        self.confirm_leave("open the referenced table", lambda: self.jump(target, query))

    def action_referrers(self) -> None:
        """List the other tables' rows that point at this row, counted; open the one chosen."""
        from tui.db.references import NoReferencesError, referring_views

        grid, details, table = self.grid, self.details, self.table
        row = grid.source.row_at(grid.cursor_row)
        if details is None or table is None or not grid.columns or row is None:
            return
        try:
            referrers = referring_views(
                details, [c.name for c in grid.columns], row, self.query_one(TableList).tables
            )
        except NoReferencesError as exc:
            self.notify(escaped_plain(str(exc)), severity="warning", markup=False)
            return
        self.start_job(
            "references",
            lambda job: self._count_referrers(job, table, referrers),
            label="counting the rows that refer here… (Esc cancels)",
        )

    async def _count_referrers(self, job: Job, table: TableInfo, referrers: list[Referrer]) -> None:
        from dataclasses import replace

        from tui.db.catalog import describe_table
        from tui.db.references import count_referrers, referred_values
        from tui.screens.references import ReferencesScreen

        source = self._require_source()
        table_list = self.query_one(TableList)
        counted: list[Referrer] = []
        for referrer in referrers:
            info = referrer.table
            if not info.described:
                info = await source.run(
                    lambda conn, i=info: describe_table(conn, source.strategy, i)  # type: ignore[misc]
                )
                table_list.update_table(info)
            described = replace(referrer, table=info)
            counted.append(
                await source.run(
                    lambda conn, r=described: count_referrers(conn, source.strategy, r)  # type: ignore[misc]
                )
            )
            if not job.current:
                return

        def chosen(referrer: Referrer | None) -> None:
            if referrer is not None:
                self.confirm_leave(
                    "open the referring rows", lambda: self.jump(referrer.table, referrer.query)
                )

        self.app.push_screen(
            ReferencesScreen(
                f"Referenced by: rows pointing at {table.name} {referred_values(counted)}",
                counted,
            ),
            chosen,
        )


__all__ = ["BrowseNavigation"]
