"""The browse screen's state, shared by the parts it is split into.

:class:`~tui.screens.browse.BrowseScreen` is built from layers, each a module of its own:
counting (:mod:`tui.screens.browse_counting`), live refresh
(:mod:`tui.screens.browse_live`), pages on demand (:mod:`tui.screens.browse_pages`) and key
actions (:mod:`tui.screens.browse_actions`). This base holds what they share: the view on
screen, what is known of its count, and the widgets they talk to.
"""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING, Any

from tui.db.counting import ScanPolicy, ViewCount
from tui.db.keep import CursorKeeper
from tui.db.window import PAGE_SIZE
from tui.screens.jobs import JobScreen
from tui.widgets.row_grid import RowGrid
from tui.widgets.status_bar import StatusBar

if TYPE_CHECKING:
    from tui.db.edits import CellEdit, Change
    from tui.db.model import TableDetails, TableInfo, TableRef
    from tui.db.paging import RowQuery
    from tui.db.source import DataSource
    from tui.db.tail import TailRows
    from tui.db.visits import Visit
    from tui.db.window import RowWindow

#: The jobs that serve the view on screen (Esc cancels them), in the order their status
#: slots are shown.
VIEW_JOBS = ("describe", "query", "place", "page", "tail", "count", "index", "schema", "references")
#: Every job whose slot the status bar shows: the view's, then reading for an editor and
#: saving (they say when they wait on a lock).
SHOWN_JOBS = (*VIEW_JOBS, "edit", "save")


class BrowseBase(JobScreen):
    """The state of the browse screen (see module)."""

    def __init__(self) -> None:
        super().__init__()
        self.source: DataSource | None = None
        self.table: TableInfo | None = None
        self.query_spec: RowQuery | None = None
        self.window: RowWindow | None = None
        #: Rows read at a time (the config file's ``page_size``).
        self.page_size = PAGE_SIZE
        self.details: TableDetails | None = None
        #: What is known of the shown view's row count (it belongs with ``window``).
        self.count = ViewCount()
        self.tail: TailRows | None = None
        #: When the exact count and the position index run (kept across views: the cost of
        #: the last scan is the best guess for the next).
        self.scans = ScanPolicy()
        #: The cursor's record, to find again after another connection's commit.
        self.keeper = CursorKeeper()
        self._wanted: tuple[int, int] = (0, 0)  # the rows the grid asked for last
        self._recount = False  # the data changed while a count ran: count again after it
        self._count_stopped = False  # Esc stopped the count: count again on the next move
        self._indexed = ""  # the index job's progress, for a jump that waits for it
        self._index_paused = False
        self._pending_jump: str | None = None  # a jump that waits for the count
        self._describing: TableRef | None = None  # a listed table being described to open
        #: Described tables whose columns may have changed since (another connection
        #: committed, perhaps an ALTER TABLE): read again when next opened.
        self.columns_stale: set[TableRef] = set()
        #: The table whose rows the grid shows, and the column the cursor was on when each
        #: table was left: a table opens where the user left it, else at its first column.
        self.grid_table: TableRef | None = None
        self.left_at: dict[TableRef, str] = {}
        #: Said once the view reopened after a change elsewhere shows its rows ("" if none).
        self.reopen_notice = ""
        #: Tables with staged changes as another connection's DDL left them (read again
        #: since): an edit whose column is gone there is flagged at once.
        self.current_tables: dict[TableRef, TableInfo] = {}
        #: Tables with staged changes renamed by another connection, to their new name: the
        #: changes were made on the old name and are never saved to the new one.
        self.tables_renamed: dict[TableRef, TableRef] = {}

    @property
    def transaction_open(self) -> bool:
        """Whether the SQL console's transaction is open (see :mod:`browse_console`)."""
        return False

    def transaction_words(self) -> str:
        """The SQL console's open transaction in words (see :mod:`browse_console`)."""
        return "none open"

    def key_of(self, action_id: str) -> str:
        """The keys of ``action_id`` as bound now (a ``[keys]`` rebinding included), for a
        sentence that says which key does it."""
        from tui.keymap import key_of

        keymap: dict[str, str] = getattr(self.app, "_keymap", {})  # Textual keeps it private
        return key_of(action_id, keymap)

    def transaction_keys(self) -> tuple[str, str]:
        """The keys that commit and roll back the SQL console's transaction."""
        return self.key_of("browse.console_commit"), self.key_of("browse.console_rollback")

    @property
    def grid(self) -> RowGrid:
        return self.query_one("#grid", RowGrid)  # (#new-rows is a RowGrid too)

    @property
    def status(self) -> StatusBar:
        return self.query_one(StatusBar)

    async def schema_checked(self) -> None:
        """Wait while the table list is read again after a commit (see browse_live): the
        view's reads wait for it, so that a table it finds dropped is never read."""
        while busy := self.current_jobs("relist"):
            await asyncio.gather(*(worker.wait() for worker in busy), return_exceptions=True)

    def _require_source(self) -> DataSource:
        if self.source is None:
            raise RuntimeError("no database is open")
        return self.source

    # -- provided by the layers above ------------------------------------------------------
    def open_table(self, table: TableInfo, query: RowQuery | None = None) -> None:
        raise NotImplementedError

    def count_tables(self, tables: tuple[TableInfo, ...], exact: bool = True) -> None:
        raise NotImplementedError

    def go_to(self, answer: str) -> None:
        raise NotImplementedError

    def data_changed(self, *, certain: bool = True) -> None:
        """The data may have changed: reread what is shown, keep the cursor (browse_live)."""
        raise NotImplementedError

    def say(self, message: str) -> None:
        """Words in place of the grid; "" hides them (see browse)."""
        raise NotImplementedError

    def show_nothing(self) -> None:
        """An empty grid: no rows, count or position of any view (see browse)."""
        raise NotImplementedError

    def confirm_leave(self, doing: str, proceed: Any, *, forgets: bool = False) -> None:
        """Run ``proceed()`` now, or after asking when changes are staged (browse_staging)."""
        raise NotImplementedError

    def staged_edit(self, position: int, column: str) -> CellEdit | None:
        """The staged edit of a cell of the grid (see browse_staging)."""
        raise NotImplementedError

    def remember_visit(self) -> None:
        """About to show another view: Back returns to this one (see browse_navigation)."""
        raise NotImplementedError

    def staged_tables(self) -> tuple[TableRef, ...]:
        """The table of each staged change, in staging order (see browse_staging)."""
        raise NotImplementedError

    def gone_changes(self) -> dict[int, str]:
        """Staged edits whose column is gone, by index (see browse_saving)."""
        raise NotImplementedError

    def follow_columns(self, ref: TableRef) -> tuple[Change, str] | None:
        """Carry the changes staged on ``ref`` over to its columns as read again (see
        browse_saving); the first that cannot be, and why."""
        raise NotImplementedError

    def renamed_reason(self, old: TableRef, new: TableRef) -> str:
        """Why changes staged on ``old``, renamed ``new``, are not saved (see browse_saving)."""
        raise NotImplementedError

    def here(self) -> Visit | None:
        """The view on screen and the cursor's record (see browse_navigation)."""
        raise NotImplementedError

    def follow_view(self, table: TableInfo, query: RowQuery, before: Visit | None) -> None:
        """Open ``table`` (the open one, changed elsewhere) with the cursor where ``before``
        had it (see browse_navigation)."""
        raise NotImplementedError

    def restore_visit(self) -> None:
        """A view's first rows are shown: put the cursor back if it is a visit reopened."""
        raise NotImplementedError


__all__ = ["SHOWN_JOBS", "VIEW_JOBS", "BrowseBase"]
