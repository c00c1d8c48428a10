"""Live refresh: another connection committed while a view is on screen.

The window forgets every position it knew (:meth:`~tui.db.window.RowWindow.data_changed`:
rows stay drawn, dimmed, until reloaded), the view is counted again, and the cursor is kept
on its record (:class:`~tui.db.keep.CursorKeeper` notes it; the page job finds it again
before reloading the rows around it).

The commit may have changed the schema. Where the engine tells it cheaply (SQLite's
``schema_version``) that is asked first, and the table list is read again when it moved:
tables created elsewhere appear, dropped ones go, the highlighted entry and the grid's cursor
stay. The open table is described again: when its columns changed (ADD/DROP COLUMN) it is
reopened with the cursor on the same row and column; renamed (SQLite: the same root page
under a new name, with the same columns) it is followed to its new name; gone, it says so
where its rows were, and opens again by itself if it comes back. Elsewhere (servers) the
list is read again on refresh (``r``), as it is on SQLite.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from tui.db.model import TableInfo, TableKind, TableRef
from tui.screens.browse_counting import BrowseCounting
from tui.screens.jobs import log
from tui.widgets.table_list import TableList

if TYPE_CHECKING:
    from tui.db.visits import Visit
    from tui.screens.jobs import Job


class BrowseLive(BrowseCounting):
    """What the browse screen does when the data changes under it."""

    def __init__(self) -> None:
        super().__init__()
        #: The schema token the table list was read at (None: not known, or not told).
        self.schema_seen: object | None = None
        #: The open table, dropped by another connection (its rows are no longer shown).
        self.dropped: TableRef | None = None
        #: The open view could not be read (a lock, an error): the next commit seen elsewhere
        #: opens it again, instead of leaving the failure on screen under "refreshed".
        self.view_failed = False
        #: Each table's storage identity when the list was read (see ``table_roots``).
        self.roots: dict[str, int] = {}

    def data_changed(self, *, certain: bool = True) -> None:
        """Another connection committed: recount, reload the visible rows, keep the cursor;
        where it is told cheaply, follow a schema change too (see module). Not ``certain``
        (the engine's token says only that a commit may have gone unseen): the same, without
        saying so in the status bar (where a save's failure may be said)."""
        if certain:
            self.status.notice = "changed by another connection: refreshed"
        source = self.source
        if source is not None and source.strategy.has_schema_token:
            # Where the cursor is, before the rows' positions are forgotten: an ALTER TABLE
            # reopens the table there.
            before = self.here()

            async def body(job: Job) -> None:
                followed = await self._follow_schema(force=False, before=before)
                if followed is not None and self.is_mounted:
                    # New tables are counted too (the count started below has the old list).
                    self.count_tables(self.query_one(TableList).tables, exact=False)

            # The view's reads wait for it (schema_checked): a table it finds dropped or
            # altered is never read with its old columns.
            self.start_job("relist", body, scoped=False)
        self._refresh_view()

    def relist_tables(self, then: Callable[[], None]) -> None:
        """Read the table list again (refresh), then ``then()`` unless the open table is gone
        or was reopened (its columns changed)."""
        before = self.here()

        async def body(job: Job) -> None:
            followed = await self._follow_schema(force=True, before=before)
            if not self.is_mounted:
                return
            if not followed:
                then()
            self.count_tables(self.query_one(TableList).tables, exact=False)

        self.start_job("relist", body, scoped=False)

    async def _follow_schema(self, *, force: bool, before: Visit | None) -> bool | None:
        """Read the table list again if the schema changed (or ``force``); None when it was
        not read, True when the open table is gone, or was opened again (renamed, altered or
        back: its view needs no refresh). A failure is said, and the view is refreshed anyway."""
        from tui.db.catalog import list_tables, schema_token, table_roots

        source = self._require_source()
        strategy = source.strategy
        try:
            token = await source.run(lambda conn: schema_token(conn, strategy))
            if not force and (token is None or token == self.schema_seen):
                return None
            listed = (await source.run(lambda conn: list_tables(conn, strategy))).tables
            roots = await source.run(lambda conn: table_roots(conn, strategy))
            tables = await self.drift_marked(listed)
        except Exception as exc:  # the rows can still be refreshed: say it, go on
            log.warning("reading the table list again failed", exc_info=exc)
            self.status.notice = f"the table list could not be read again: {self.explain(exc)}"
            return None
        if not self.is_mounted:  # the app closed meanwhile
            return None
        roots_before, self.roots = self.roots, roots
        self.schema_seen = token
        table_list = self.query_one(TableList)
        table_list.set_tables(tables)
        self.columns_stale.update(t.ref for t in tables)  # an ALTER TABLE, perhaps
        try:
            return await self._open_table_followed({t.ref: t for t in tables}, roots_before, before)
        except Exception as exc:  # the open table could not be described again
            log.warning("reading the open table's columns again failed", exc_info=exc)
            self.status.notice = f"the table could not be read again: {self.explain(exc)}"
            return None

    async def _open_table_followed(
        self, listed: dict[TableRef, TableInfo], roots_before: dict[str, int], before: Visit | None
    ) -> bool:
        """The open table after the list was read again: renamed (followed), gone (said where
        its rows were), back (opened again) or altered (reopened where the cursor was); True
        in these cases."""
        table = self.table
        if table is None or table.sql:  # nothing open, or a console query: no table of ours
            return False
        kind = "view" if table.kind is TableKind.VIEW else "table"
        if table.ref not in listed:
            renamed = await self._renamed(table, listed, roots_before)
            if renamed is not None:
                self.dropped = None
                notice = f"table {table.name} was renamed to {renamed.name} by another connection"
                staged = self.staged_tables().count(table.ref)
                if staged:
                    self.tables_renamed[table.ref] = renamed.ref
                    notice = self.renamed_reason(table.ref, renamed.ref)
                    self._warn_staged(notice)
                self._follow(renamed, before, notice)
                return True
            self.current_tables[table.ref] = replace(table, columns=())
            if self.dropped != table.ref:
                self.dropped = table.ref
                self.new_scope()  # its jobs stop; what they return late is dropped
                self.show_nothing()
                gone = f"{kind} {table.name} was renamed or dropped by another connection"
                self.say(gone)
                self.status.notice = gone  # not "refreshed": there is nothing to refresh
            return True
        if self.dropped == table.ref:
            self.dropped = None
            self.open_table(listed[table.ref])
            return True
        if not table.described:  # being described now: it reads the columns as they are
            return False
        source = self._require_source()
        from tui.db.catalog import describe_table

        now = await source.run(
            lambda conn: describe_table(conn, source.strategy, listed[table.ref])
        )
        if not self.is_mounted or self.table is not table:  # something else opened meanwhile
            return False
        self.columns_stale.discard(table.ref)
        self.query_one(TableList).update_table(now)
        if (now.columns, now.key_columns) == (table.columns, table.key_columns):
            return False
        notice = f"the columns of {kind} {table.name} changed elsewhere: read again"
        if table.ref in self.staged_tables():
            self.current_tables[table.ref] = now
            self.follow_columns(table.ref)  # what cannot be carried over is counted here
            orphans = len(self.gone_changes())
            if orphans:
                are = "s are" if orphans != 1 else " is"
                said = (
                    f"{orphans} staged change{are} on a column renamed or dropped there:"
                    " never saved to another column (p shows it, x there discards it)"
                )
                notice += f"; {said}"
                self._warn_staged(said)
        self._follow(now, before, notice)
        return True

    async def _renamed(
        self, table: TableInfo, listed: dict[TableRef, TableInfo], roots_before: dict[str, int]
    ) -> TableInfo | None:
        """The open ``table`` under its new name, when another connection renamed it: the
        one new table on its storage (root page) with its columns; else None."""
        from tui.db.catalog import describe_table

        root = roots_before.get(table.name)
        if root is None or table.ref.schema is not None:
            return None
        names = [n for n, r in self.roots.items() if r == root and n not in roots_before]
        entry = listed.get(TableRef(names[0])) if len(names) == 1 else None
        if entry is None:
            return None
        source = self._require_source()
        now = await source.run(lambda conn: describe_table(conn, source.strategy, entry))
        if not self.is_mounted or self.table is not table:
            return None
        # A table dropped and another created on its freed page is no rename: other columns.
        if now.column_names != table.column_names:
            return None
        self.columns_stale.discard(now.ref)
        self.query_one(TableList).update_table(now)
        return now

    def _warn_staged(self, text: str) -> None:
        """A toast as well as the notice: the change monitor's next refresh rewrites that."""
        from tui.text.escape import escaped_plain

        self.notify(
            escaped_plain(text),
            title="Staged changes",
            severity="warning",
            timeout=15,
            markup=False,
        )

    def _follow(self, table: TableInfo, before: Visit | None, notice: str) -> None:
        """Open ``table`` (the open one, altered or renamed) under what still applies of the
        query, with the cursor put back on its row and column, and ``notice`` once shown."""
        from tui.db.paging import RowQuery
        from tui.db.query_edits import within_columns

        query = within_columns(self.query_spec or RowQuery(), table.column_names)
        self.follow_view(table, query, before)
        self.reopen_notice = notice

    async def drift_marked(self, listed: tuple[TableInfo, ...]) -> tuple[TableInfo, ...]:
        """``listed`` marked with their drift from the ORM models where that is asked for
        (``compare_models``), with the models' missing tables; else as they are."""
        from tui.db.catalog import drift_marks

        source = self._require_source()
        if not source.target.compare_models:
            return listed
        # Importing the models costs a moment: off the event loop.
        models = await asyncio.to_thread(source.models)
        if models is None:
            return listed
        strategy = source.strategy
        return tuple(await source.run(lambda conn: drift_marks(conn, strategy, listed, models)))

    def _refresh_view(self) -> None:
        """Recount the tables quickly and the view, reload its visible rows, keep its cursor."""
        window = self.window
        if self.source is not None:
            tables = self.query_one(TableList).tables
            # The commit may have been DDL: every described table is read again when opened.
            self.columns_stale.update(t.ref for t in tables if t.described)
            # Quick counts only: a busy writer must not keep us recounting big tables.
            self.count_tables(tables, exact=False)
        if window is None:
            if self.view_failed and self.table is not None and self.dropped is None:
                self.open_table(self.table, self.query_spec)  # try again: it may read now
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
