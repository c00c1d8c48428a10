"""The browse screen's key actions: go to, sort, filter, search, follow a key, cancel.

Each turns a key into a query edit (pure functions in :mod:`tui.db.query_edits`) and reopens
the view; the layers below (:mod:`tui.screens.browse_pages` and those it builds on) do the
loading and counting.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual import events, on
from textual.widgets import ContentSwitcher

from tui.key_order import KeyOrder
from tui.screens.browse_base import VIEW_JOBS
from tui.screens.browse_pages import BrowsePages
from tui.text.escape import escaped_plain
from tui.widgets.row_grid import RowGrid
from tui.widgets.table_list import TableList

if TYPE_CHECKING:
    from tui.db.edits import CellEdit
    from tui.db.paging import FilterSpec, RowQuery


#: The table list's width from app.tcss, and the narrowest it gets with <.
SIDEBAR_WIDTH = 32
SIDEBAR_MIN = 12

SCHEMA_SHOWN = "the schema is shown"

#: Actions on the grid's cursor, rows or view: while the schema is shown the grid is hidden,
#: and a key must not edit, delete or move what the user cannot see.
GRID_ACTIONS = frozenset(
    {
        "goto",
        "sort",
        "filter",
        "search",
        "clear_query",
        "follow_key",
        "referrers",
        "edit_cell",
        "insert_row",
        "duplicate_row",
        "toggle_select",
        "delete_rows",
        "copy_menu",
    }
)


class BrowseActions(BrowsePages):
    """Actions of the browse screen (the state they edit is the screen's)."""

    # -- focus and views -------------------------------------------------------------------
    def action_focus_tables(self) -> None:
        self.query_one(TableList).display = True
        self.set_focus(self.query_one("#table-filter"))

    def action_toggle_sidebar(self) -> None:
        """Hide the table list (the grid takes its width), or show it again."""
        tables = self.query_one(TableList)
        tables.display = not tables.display
        if not tables.display and tables.has_focus_within:
            self.set_focus(self.grid)

    def action_sidebar_width(self, delta: int) -> None:
        """Make the table list narrower or wider (and show it, if hidden)."""
        tables = self.query_one(TableList)
        tables.display = True
        current = tables.outer_size.width or SIDEBAR_WIDTH
        room = max(self.size.width - 20, SIDEBAR_MIN)  # the grid keeps some width
        tables.styles.width = min(max(current + delta, SIDEBAR_MIN), room)

    def action_focus_rows(self) -> None:
        self.show_schema(False)
        self.set_focus(self.grid)

    def action_toggle_schema(self) -> None:
        self.show_schema(not self.schema_shown)

    @property
    def schema_shown(self) -> bool:
        """Whether the schema view stands in place of the (hidden) row grid."""
        return self.query_one(ContentSwitcher).current == "schema-tab"

    def show_schema(self, shown: bool) -> None:
        """The schema view (it takes the focus, so Up/Down scroll it) or the row grid."""
        if shown == self.schema_shown:
            return
        self.query_one(ContentSwitcher).current = "schema-tab" if shown else "grid"
        self.status.view = "schema" if shown else ""
        if self.status.notice.startswith(SCHEMA_SHOWN):
            self.status.notice = ""  # no longer true
        self.set_focus(self.query_one("#schema-tab") if shown else self.grid)
        self.refresh_bindings()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Grid commands are disabled (None: dimmed in the footer) under the schema view."""
        if action in GRID_ACTIONS and self.is_mounted and self.schema_shown:
            return None
        return super().check_action(action, parameters)

    def on_key(self, event: events.Key) -> None:
        """A disabled grid command's key says why nothing happened."""
        active = self.active_bindings.get(event.key)
        if active is None or active.enabled or active.binding.action not in GRID_ACTIONS:
            return
        if self.schema_shown:
            from tui.keymap import BY_ID, keys_shown

            event.stop()
            keymap: dict[str, str] = getattr(self.app, "_keymap", {})  # as rebound
            back = " or ".join(
                keys_shown(BY_ID[i], keymap) for i in ("browse.schema", "browse.rows")
            )
            self.status.notice = f"{SCHEMA_SHOWN}: {back} returns to the rows"

    def on_descendant_focus(self, event: events.DescendantFocus) -> None:
        """The hidden grid never holds the focus (its keys would move an unseen cursor)."""
        if event.widget is self.grid and self.schema_shown:
            self.set_focus(self.query_one("#schema-tab"))

    def action_toggle_internal(self) -> None:
        self.query_one(TableList).toggle_internal()

    # -- moving ------------------------------------------------------------------------------
    def action_goto(self) -> None:
        from tui.screens.prompt import PromptScreen

        def go(answer: str | None) -> None:
            if answer:
                self.go_to(answer)

        self.app.push_screen(PromptScreen("Go to row (N, or N%)", "e.g. 1000 or 50%"), go)

    def go_to(self, answer: str) -> None:
        """Move to a row ("1000") or a share of the rows ("50%")."""
        from tui.db.query_edits import parse_position

        grid = self.grid
        try:
            position = parse_position(answer, grid.total)
        except ValueError as exc:
            self.notify(escaped_plain(str(exc)), title="Go to row", severity="error", markup=False)
            return
        uncounted = self.window is not None and not self.count.exact
        if uncounted and (answer.strip().endswith("%") or position >= self.count.seen):
            # Where that row is depends on the count: go there when it arrives.
            self._pending_jump = answer
            self.status.notice = f"go to {answer.strip()}: waiting for the row count"
            if not self.job_running("count"):  # (after Esc stopped it)
                self._start_count()
            return
        grid.move_to(position)
        self.set_focus(grid)

    # -- query edits -------------------------------------------------------------------------
    def action_sort(self) -> None:
        from tui.db.query_edits import toggle_sort

        if self.table is None or self.query_spec is None or not self.grid.columns:
            return
        column = self.grid.columns[self.grid.cursor_column].name
        self._reopen(toggle_sort(self.query_spec, column))

    @on(RowGrid.HeaderClicked, "#grid")
    def _header_clicked(self, event: RowGrid.HeaderClicked) -> None:
        """A click on a column's name sorts by it; again: descending; again: unsorted."""
        event.stop()
        self.action_sort()

    def action_filter(self) -> None:
        """The filter dialog: the view's conditions, one more to add or some to remove."""
        from tui.screens.filter import FilterScreen

        if self.table is None or self.query_spec is None or not self.grid.columns:
            return
        column = self.grid.columns[self.grid.cursor_column]
        value = self.grid.current_value()

        def apply(filters: tuple[FilterSpec, ...] | None) -> None:
            from tui.db.query_edits import with_filters

            query = self.query_spec
            if filters is not None and query is not None and filters != query.filters:
                self._reopen(with_filters(query, filters))

        shown = {c.name for c in self.grid.columns}
        columns = [c for c in self.table.columns if c.name in shown]
        strategy = self._require_source().strategy
        dialog = FilterScreen(
            columns,
            column.name,
            value,
            self.query_spec.filters,
            regexp=strategy.has_regexp,
            local_regexp=strategy.name == "sqlite",
            loose_types=strategy.loose_column_types and not self.table.strict,
            infinities=strategy.has_infinite_dates,
        )
        self.app.push_screen(dialog, apply)

    def action_search(self) -> None:
        from tui.screens.prompt import PromptScreen

        def apply(answer: str | None) -> None:
            from tui.db.query_edits import with_search

            if answer is not None and self.query_spec is not None:
                self._reopen(with_search(self.query_spec, answer))

        initial = self.query_spec.search if self.query_spec else ""
        self.app.push_screen(PromptScreen("Search text columns", "text…", initial), apply)

    def action_clear_query(self) -> None:
        from tui.db.paging import RowQuery

        self._reopen(RowQuery())

    def action_refresh(self) -> None:
        """Read the table list and the view again (on a server, the only way to see tables
        created or dropped elsewhere)."""
        self.relist_tables(lambda: self._reopen(self.query_spec))

    def _reopen(self, query: RowQuery | None) -> None:
        if self.table is not None:
            self.open_table(self.table, query)
            self.set_focus(self.grid)

    def action_cancel(self) -> None:
        """Esc: stop the current view's jobs; the rows on screen stay usable."""
        if not self.current_jobs(*VIEW_JOBS):
            return
        loading = self.job_running("query")
        window = self.window
        if loading and window is not None:
            # The rows on screen are still those of the previous view: say so.
            self.table = window.pager.info
            self.query_spec = window.pager.query
            self.status.table = self.table.name
            self.status.query_text = self.query_spec.describe()
        self.new_scope()  # cancels them all; whatever they return late is dropped
        self._pending_jump = None
        self._update_position()
        not_counted = window is not None and not self.count.exact
        self._count_stopped = not_counted
        self.status.notice = "cancelled" + (
            ": not counted (counting again when you move)" if not_counted else ""
        )

    @on(RowGrid.CellSelected, "#grid")
    def _cell_selected(self, event: RowGrid.CellSelected) -> None:
        from tui.screens.cell_detail import CellDetailScreen, StoredValue

        # The row's key lets the detail view read a long value (or all of it) again.
        stored = None
        window, source = self.window, self.source
        # A staged value is shown instead, whole, from memory: nothing to read.
        staged = self.staged_edit(event.position, event.column.name)
        if staged is None and window is not None and source is not None:
            cursor = window.cursor_at(event.position)
            key = window.pager.row_key(cursor) if cursor is not None else None
            if key is not None:
                stored = StoredValue(source, window.pager.info, key, event.column.name)

        def closed(answer: str | None) -> None:
            if answer == "edit":  # e in the detail view edits the same cell
                self.call_later(self._edit_after_detail)

        if staged is not None:
            screen = CellDetailScreen(
                event.column.name,
                event.column.type_name,
                staged.new,
                staged=True,
                original=staged.original,
            )
        else:
            screen = CellDetailScreen(
                event.column.name,
                event.column.type_name,
                event.value,
                stored,
                editable=self.check_action("edit_cell", ()) is not False,
            )
        self.app.push_screen(screen, closed)

    async def _edit_after_detail(self) -> None:
        """The edit asked for by the detail view's e; the keys it held go on to the editor."""
        try:
            await self.run_action("edit_cell")
        finally:
            # An edit job started holds them itself until its editor opens.
            if isinstance(self.app, KeyOrder) and not self.job_running("edit"):
                self.app.release_keys()

    def staged_edit(self, position: int, column: str) -> CellEdit | None:
        """The staged edit of a cell of the grid (the editing layers know; this one does
        not stage anything)."""
        return None


__all__ = ["BrowseActions"]
