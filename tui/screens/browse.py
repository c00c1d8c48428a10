"""The main screen: table list on the left, the row grid (and schema) on the right.

The screen wires widgets to the data layer: widgets post messages up, the screen runs the
database work as jobs (see :mod:`tui.screens.jobs`: one kind per job, each tied to the table
and query it serves) and calls widget methods down. What a count means and how pages are
read before it is known live in :mod:`tui.db.counting` and :mod:`tui.db.tail`.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any, ClassVar

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.widgets import ContentSwitcher, Footer, Static

from tui.db.counting import CAPPED_COUNT, Throttle, ViewCount, refresh_guess
from tui.db.model import RowCount, TableDetails, TableInfo, TableKind, TableRef
from tui.screens.browse_actions import BrowseActions
from tui.screens.jobs import Job
from tui.widgets.row_grid import NoRows, RowGrid, fit_columns
from tui.widgets.status_bar import StatusBar
from tui.widgets.table_list import TableList

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection

    from tui.db.paging import RowQuery
    from tui.db.source import DataSource
    from tui.db.tail import TailRows
    from tui.db.window import RowWindow

#: The order in which the jobs' slots are shown in the status bar.
SLOT_ORDER = ("describe", "query", "page", "tail", "count", "index", "schema")
#: The share of a core the position index may use (SQLite works in this process).
INDEX_CPU = 0.5


class BrowseScreen(BrowseActions):
    """Tables and rows of one database."""

    AUTO_FOCUS = "#grid"  # never the table filter: `q` must quit, not type a q
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+t", "focus_tables", "Tables"),
        Binding("ctrl+g", "focus_rows", "Rows", show=False),
        Binding("g", "goto", "Go to row"),
        Binding("s", "sort", "Sort"),
        Binding("f", "filter", "Filter"),
        Binding("slash", "search", "Search"),
        Binding("c", "clear_query", "Clear sort/filter", show=False),
        Binding("v", "toggle_schema", "Schema"),
        Binding("r", "refresh", "Refresh", show=False),
        Binding("w", "app.status", "SQLite status"),
        Binding("escape", "cancel", "Cancel", show=False),
        Binding("j", "follow_key", "Follow foreign key", show=False),
        Binding("i", "toggle_internal", "Internal tables", show=False),
    ]

    def __init__(self) -> None:
        super().__init__()
        self.source: DataSource | None = None
        self.table: TableInfo | None = None
        self.query_spec: RowQuery | None = None
        self.window: RowWindow | None = None
        self.details: TableDetails | None = None
        #: What is known of the shown view's row count (it belongs with ``window``).
        self.count = ViewCount()
        self.tail: TailRows | None = None
        # Exact counts and anchor builds scan the whole table: under a busy writer they rerun
        # only after thirty times their own cost (about 3% of a core at most).
        self._exact_cost = Throttle(factor=30.0)
        self._anchor_cost = Throttle(factor=30.0)
        self._wanted: tuple[int, int] = (0, 0)
        self._recount = False  # the data changed while a count ran: count again after it
        # The cursor's row (its window, key, and the cursor's position then), to find after
        # a change.
        self._keep: tuple[RowWindow, tuple[Any, ...], int] | None = None
        self._kept: tuple[tuple[Any, ...], int] | None = None  # (its key, where it was found)
        self._indexed = ""  # the index job's progress, for a jump that waits for it
        self._index_paused = False
        self._pending_jump: str | None = None  # a jump that waits for the count
        self._describing: TableRef | None = None  # a listed table being described to open

    def compose(self) -> ComposeResult:
        with Horizontal(id="body"):
            yield TableList(id="tables")
            with Vertical(id="main"):
                yield Static("", id="grid-message", markup=False)
                with ContentSwitcher(id="tabs", initial="grid"):
                    yield RowGrid(id="grid")
                    with VerticalScroll(id="schema-tab"):
                        yield Static("", id="schema", markup=False)
        yield StatusBar(id="status")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#grid-message").display = False

    # -- helpers ---------------------------------------------------------------------------
    @property
    def grid(self) -> RowGrid:
        return self.query_one(RowGrid)

    @property
    def status(self) -> StatusBar:
        return self.query_one(StatusBar)

    def attach(self, source: DataSource) -> None:
        """Called by the app once the database is open."""
        self.source = source
        status = self.status
        status.database = source.target.display
        status.mode = "READ-ONLY" if source.target.read_only else ""
        self.start_job("catalog", self._load_catalog, scoped=False)

    def say(self, message: str) -> None:
        """Words in place of the grid (no tables, a view that cannot be read); "" hides them."""
        from tui.text.escape import escaped_plain

        widget = self.query_one("#grid-message", Static)
        widget.update(escaped_plain(message, keep_newlines=True))
        widget.display = bool(message)

    def jobs_changed(self) -> None:
        slots = self.slots
        if self.is_mounted:
            self.status.jobs = "  ".join(slots[k] for k in SLOT_ORDER if k in slots)

    def job_failed(self, job: Job, error: Exception) -> None:
        """Put the screen back in a usable state, then say what failed."""
        message = self.explain(error)
        if job.kind == "query":
            self._show_nothing()  # nothing of the previous table may stay under this name
            name = self.table.name if self.table is not None else "the table"
            self.say(f"cannot read {name}: {message}")
        elif job.kind == "schema":
            self.query_one("#schema", Static).update(f"cannot read the schema: {message}")
        elif job.kind == "catalog":
            self.say(f"cannot list the tables: {message}")
        if job.kind in ("page", "tail"):
            self.status.notice = f"rows failed to load (move to retry): {message}"
        elif job.kind in ("count", "index"):
            self.status.notice = f"{job.kind} failed: {message}"
        super().job_failed(job, error)

    def _show_nothing(self) -> None:
        self.window, self.tail, self.count = None, None, ViewCount()
        self.grid.show(NoRows(), [], 0)
        self.grid.total_exact = True
        self.status.position = ""

    # -- catalog ---------------------------------------------------------------------------
    async def _load_catalog(self, job: Job) -> None:
        from tui.db.catalog import drift_marks, list_tables

        source = self._require_source()
        strategy = source.strategy
        # Names and kinds first, drawn at once: a table is described when it is opened.
        snapshot = await source.run(lambda conn: list_tables(conn, strategy))
        tables = self.query_one(TableList)
        tables.set_tables(snapshot.tables)
        if not snapshot.tables:
            self.say("this database has no tables")
            self.grid.focus()
            return
        user_tables = [t for t in snapshot.tables if not t.internal and t.kind is TableKind.TABLE]
        first = next(iter(user_tables or snapshot.tables), None)
        if first is not None and self.table is None:
            self.open_table(first)
        if source.target.compare_models:
            # Drift against the ORM models only where it means something: the application's
            # own database, or when asked. Importing the models costs a moment: after the list.
            models = await asyncio.to_thread(source.models)
            if models is not None:
                marked = await source.run(
                    lambda conn: drift_marks(conn, strategy, snapshot.tables, models)
                )
                tables.set_tables(tuple(marked))
        self.count_tables(tables.tables)

    def count_tables(self, tables: tuple[TableInfo, ...], exact: bool = True) -> None:
        """Row counts for the table list, each table on its own: one failure stops none."""

        async def body(job: Job) -> None:
            from tui.db.catalog import capped_count, describe_table, estimate_count, exact_count

            source = self._require_source()
            table_list = self.query_one(TableList)
            present = [t for t in tables if t.drift.value != "missing"]

            async def quick(conn: AsyncConnection, table: TableInfo) -> RowCount:
                if source.strategy.has_rowid and table.kind is TableKind.TABLE:
                    # SQLite estimates from the rowid, which needs the table's columns (one
                    # pragma): a column may be named rowid.
                    table = await describe_table(conn, source.strategy, table)
                estimate = await estimate_count(conn, source.strategy, table)
                return estimate or await capped_count(conn, table, CAPPED_COUNT)

            failed: set[int] = set()
            for index, table in enumerate(present):
                try:
                    count = await source.run(lambda conn, t=table: quick(conn, t))  # type: ignore[misc]
                except Exception as exc:  # a broken view must not hide the other counts
                    self._log_count_failure(table, exc)
                    failed.add(index)
                    continue
                table_list.set_count(table.ref, count)
            if not exact:
                return
            for index, table in enumerate(present):
                current = table_list.counts.get(table.ref)
                if index in failed or (current is not None and current.exact):
                    continue
                try:
                    counted = await source.run(lambda conn, t=table: exact_count(conn, t))  # type: ignore[misc]
                except Exception as exc:
                    self._log_count_failure(table, exc)
                    continue
                table_list.set_count(table.ref, counted)

        self.start_job("counts", body, scoped=False)

    def _log_count_failure(self, table: TableInfo, error: Exception) -> None:
        from tui.screens.jobs import log

        log.warning("counting %s failed: %s", table.name, self.explain(error), exc_info=error)

    # -- opening a table -------------------------------------------------------------------
    @on(TableList.TableChosen)
    def _table_chosen(self, event: TableList.TableChosen) -> None:
        self.open_table(event.table)
        self.grid.focus()

    def open_table(self, table: TableInfo, query: RowQuery | None = None) -> None:
        from tui.db.paging import RowQuery

        # A table from the quick listing is described first (its columns and key), then
        # opened again by that job; the screen already shows that it is this table's turn.
        self._describing = None if table.described else table.ref
        self.table = table
        self.query_spec = query or RowQuery()
        self.new_scope()  # the previous view's jobs stop; their late results are dropped
        self._recount, self._keep, self._kept, self._pending_jump = False, None, None, None
        if self.window is not None and self.window.pager.info.ref != table.ref:
            # Another table: its rows, count and position are not this one's. (A new sort or
            # filter of the same table keeps its rows on screen until the new ones arrive.)
            self._show_nothing()
        self.status.table = table.name
        self.status.query_text = self.query_spec.describe()
        self.status.notice = ""
        self.query_one("#schema", Static).update("")
        self.details = None
        if not table.described:
            self.describe_and_open(table, self.query_spec)
            return
        spec = self.query_spec
        filtered = spec.filters or spec.search
        doing = "sorting" if spec.sort else "filtering" if filtered else "loading"
        self.start_job("query", self._load_first_page, label=f"{doing}… (Esc cancels)")
        self.start_job("schema", self._load_schema)

    def describe_and_open(self, table: TableInfo, query: RowQuery | None) -> None:
        """Read the columns and paging key of a table from the quick listing, then open it."""

        async def body(job: Job) -> None:
            from tui.db.catalog import describe_table

            source = self._require_source()
            described = await source.run(lambda conn: describe_table(conn, source.strategy, table))
            self.query_one(TableList).update_table(described)
            if job.current and self._describing == table.ref:  # nothing else was opened
                self.open_table(described, query)

        self.start_job("describe", body, label="reading the columns… (Esc cancels)")

    async def _load_first_page(self, job: Job) -> None:
        from tui.db.paging import Pager
        from tui.db.window import RowWindow

        source = self._require_source()
        table, query = self.table, self.query_spec
        if table is None or query is None:
            return
        if table.drift.value == "missing":
            self._show_nothing()
            self.status.notice = "this model's table is missing from the database"
            return
        if not table.columns:
            from tui.db.catalog import read_probe

            await source.run(lambda conn: read_probe(conn, table))  # the database says why
        pager = Pager(table, source.strategy, query)
        window = RowWindow(pager, total=0)
        loaded = await source.run(lambda conn: window.load(conn, 0))
        if not job.current:
            return
        rows = loaded.page.rows
        frozen = table.leading_key_columns([c.name for c in pager.columns])
        columns = fit_columns(
            [c.name for c in pager.columns],
            [c.type_name for c in pager.columns],
            list(rows),
            frozen,
            [c.generated for c in pager.columns],
        )
        self.say("")
        self.window, self.tail = window, None
        self.count = ViewCount.first_page(len(rows), window.page_size)
        window.set_total(self.count.grid_total(window.page_size), exact=self.count.exact)
        self.grid.show(window, columns, window.total)
        self.grid.total_exact = self.count.exact
        if not isinstance(self.focused, RowGrid) and self.app.screen is self:
            self.grid.focus()
        self.status.notice = "" if pager.keyed else "no key: OFFSET paging (slow far from the top)"
        self._update_position()
        if not self.count.exact:
            self._start_count()

    # -- counting --------------------------------------------------------------------------
    def _start_count(self, *, refresh: bool = False) -> None:
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
        enough (see :class:`Throttle`) but always comes: a shown estimate is replaced.
        """
        from tui.db.window import first_count

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
            wait = self._exact_cost.wait() if refresh else 0.0
            if wait > 0:
                job.say(f"recount in {wait:.0f} s")
                await asyncio.sleep(wait)
            job.say("counting rows… (Esc cancels)")
            version = window.version
            with self._exact_cost.timing():
                exact = await source.run(pager.count)
            if not job.current:
                return
            self._set_count(exact, version)
        job.say("")
        had_dense = window.dense_start is not None
        dense = await source.run(window.detect_dense_key)
        big = pager.keyed and window.total > window.page_size * 8
        # On a refresh, an index that was dense a moment ago is most likely still dense and
        # the count raced a writer: rebuilding anchors would cost more than it could fix.
        rebuild = not refresh or (not had_dense and self._anchor_cost.due())
        if not dense and big and rebuild and job.current:
            self._start_indexing(window)
        self.grid.rows_arrived()

    def _start_indexing(self, window: RowWindow) -> None:
        async def body(job: Job) -> None:
            def progress(done: int, total: int) -> None:
                self._indexed = f"indexing positions {done * 100 // max(total, 1)}%"
                job.say(self._indexed)

            source = self._require_source()
            with self._anchor_cost.timing():
                await window.build_anchors(source.run, progress=progress, cpu_share=INDEX_CPU)
            if job.current:
                self.grid.rows_arrived()

        self.start_job("index", body)

    def _set_count(self, count: RowCount, version: int | None = None) -> None:
        """A count, counted in data ``version`` (default: the current one)."""
        window, grid = self.window, self.grid
        if window is None:
            return
        self.count = self.count.with_count(count)
        total = self.count.grid_total(window.page_size)
        window.set_total(total, exact=count.exact, version=version)
        tail = self.tail
        # A cursor on a row read from the end stays on it when the total moves.
        distance = tail.from_end(grid.cursor_row) if tail is not None else None
        if tail is not None and count.exact:
            tail.place(count.value)
        elif tail is not None:
            window.total = tail.total = max(window.total, tail.total)
        grid.set_total(window.total)
        if tail is not None and distance is not None:
            grid.move_to(tail.total - distance, center=False)
        grid.total_exact = count.exact
        self._update_position()
        if count.exact and self._pending_jump is not None:
            answer, self._pending_jump = self._pending_jump, None
            self.status.notice = ""  # it no longer waits
            self.go_to(answer)

    def _update_position(self) -> None:
        if self.window is None or self.query_spec is None:
            self.status.position = ""
            return
        cursor = self.grid.cursor_row
        from_end = None if self.tail is None or self.tail.counted else self.tail.from_end(cursor)
        self.status.position = self.count.describe(cursor, self.query_spec, from_end=from_end)

    def data_changed(self) -> None:
        """Another connection committed: recount, reload the visible rows, keep the cursor."""
        window = self.window
        self.status.notice = "changed by another connection: refreshed"
        if self.source is not None:
            # Quick counts only: a busy writer must not keep us recounting big tables.
            self.count_tables(self.query_one(TableList).tables, exact=False)
        if window is None:
            return
        row = self.grid.cursor_row
        if not window.pager.keyed:
            self._keep = None
        elif self._keep is None or self._keep[0] is not window or self._keep[2] != row:
            keep = window.cursor_at(row)
            if not window.is_fresh(row) and self._kept is not None and self._kept[1] == row:
                # Moved to its row's new position, whose page is not reloaded yet: the stale
                # row drawn there is another record.
                keep = self._kept[0]
            self._keep = (window, keep, row) if keep is not None else None
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
        source, window, keep, grid = self._require_source(), self.window, self._keep, self.grid
        if window is None or keep is None:
            return
        kept_in, cursor, row = keep
        if grid.cursor_row != row or kept_in is not window:
            self._keep = None  # the user moved on meanwhile: stay where they went
            return
        # Free when a reloaded page holds the row or the key is dense; otherwise one count of
        # the rows before it, which also gives the pages around it a point to load from.
        position = await source.run(lambda conn: window.locate(conn, cursor))
        if not job.current or position is None or self._keep is not keep:
            return
        self._keep = None
        if grid.cursor_row != row:
            return
        if position >= grid.total:  # rows came before it: at least this many now
            window.total = position + 1
            grid.set_total(position + 1)
        offset = grid.cursor_row - grid.first_visible  # keep the row on the same screen line
        grid.scroll_to(y=max(position - offset, 0), animate=False, immediate=True)
        grid.move_to(position, center=False)
        self._kept = (cursor, grid.cursor_row)

    # -- pages on demand -------------------------------------------------------------------
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
            loaded = await source.run(lambda conn, n=number: window.load(conn, n))  # type: ignore[misc]
            if not job.current:
                return
            job.say("")
            if not self.count.exact and len(loaded.page) < window.page_size:
                # A short page read by keyset steps from the start is the end of the view.
                counted = RowCount(start + len(loaded.page), exact=True)
                self._set_count(counted, window.version_at(start))
            elif not self.count.exact:
                self.count = self.count.with_seen(start + len(loaded.page))
                self._grow()
            self.grid.widen(loaded.page.rows)
            self.grid.rows_arrived()

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

    @on(RowGrid.CursorMoved)
    def _cursor_moved(self) -> None:
        self._update_position()

    # -- schema ----------------------------------------------------------------------------
    async def _load_schema(self, job: Job) -> None:
        from tui.db.catalog import table_details
        from tui.text.schema import schema_text

        source, table = self._require_source(), self.table
        if table is None:
            return
        details = await source.run(lambda conn: table_details(conn, source.strategy, table))
        if not job.current:
            return
        self.details = details
        self.query_one("#schema", Static).update(schema_text(details))

    def _require_source(self) -> DataSource:
        if self.source is None:
            raise RuntimeError("no database is open")
        return self.source


__all__ = ["BrowseScreen"]
