"""The database as it stood right after one commit of its WAL, browsed over the live one.

A :class:`BrowseScreen` on its own read-only source (:meth:`tui.db.source.DataSource.open`
of a target with ``as_of``): sort, filter, search, cell detail and export work as on the
live database, which goes on changing underneath. ``N`` lists how the open table differs
from the past state to now; ``L`` goes back to the live database (closing the status screen
and history view it was opened from), ``H`` back to that history view; the past state's source
is closed when the screen goes.
"""

from __future__ import annotations

from typing import ClassVar

from textual import events
from textual.binding import Binding, BindingType
from textual.screen import Screen

from tui.screens.browse import BrowseScreen
from tui.text.escape import escaped_plain

#: The commands that change the database (or stage a change): a past state has none of them,
#: so the footer and the command palette do not offer them.
EDIT_ACTIONS = frozenset(
    {
        "edit_cell",
        "insert_row",
        "duplicate_row",
        "toggle_select",
        "delete_rows",
        "pending",
        "save_changes",
        "undo_edit",
        "redo_edit",
        "discard_changes",
    }
)


class PastBrowseScreen(BrowseScreen):
    """A past state of the database, pushed over the live browse screen."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("L", "back_to_live", "Back to now", id="past.live"),
        Binding("H", "back_to_history", "Back to history", id="past.history"),
        Binding("N", "diff_now", "Changes since", id="past.diff_now"),
    ]

    def __init__(self, *, over_live: bool = True) -> None:
        super().__init__()
        #: Pushed over the live view (its source is this screen's to close), or the app's only
        #: browse screen (``dbbrowse --as-of K``: no live view to go back to).
        self.over_live = over_live

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action == "back_to_live" and not self.over_live:
            return False
        if action == "back_to_history" and self._history_screen() is None:
            return False
        if action in EDIT_ACTIONS:
            return False  # hidden; its key says why (on_key)
        return super().check_action(action, parameters)

    def on_key(self, event: events.Key) -> None:
        """An edit key, hidden here, says why nothing happened instead of doing nothing."""
        bindings = self._bindings.key_to_bindings.get(event.key, [])
        if any(binding.action in EDIT_ACTIONS for binding in bindings):
            event.stop()
            event.prevent_default()  # Textual calls each class's on_key: the base's says nothing
            source = self.source
            reason = source.target.read_only_reason if source is not None else None
            self.notify(
                escaped_plain(reason or "a past state of the database: nothing can be changed"),
                title="Read-only",
                severity="warning",
                markup=False,
            )

    def _history_screen(self) -> Screen[object] | None:
        """The WAL history view this past state was opened from, if it is right underneath."""
        from tui.screens.wal_history import WalHistoryScreen

        if not self.over_live:
            return None
        stack = self.app.screen_stack
        if self in stack and stack.index(self) > 0:
            below = stack[stack.index(self) - 1]
            if isinstance(below, WalHistoryScreen):
                return below
        return None

    def action_back_to_live(self) -> None:
        """Leave the past state for the live database: every screen above the live browse
        screen (this one, the history view and the status screen it came from) closes."""
        stack = self.app.screen_stack
        lives = [s for s in stack if isinstance(s, BrowseScreen)]
        live = lives[0] if lives and not isinstance(lives[0], PastBrowseScreen) else None
        if live is None or not self.over_live:
            return
        for _ in range(len(stack) - 1 - stack.index(live)):
            self.app.pop_screen()

    def action_back_to_history(self) -> None:
        """Leave the past state for the WAL history view it was opened from."""
        if self._history_screen() is not None:
            self.dismiss()

    def action_diff_now(self) -> None:
        """The rows of the open table that differ between this past state and now."""
        from tui.screens.row_diff import RowDiffScreen

        source, table = self.source, self.table
        if source is None or table is None or source.target.as_of is None:
            return
        path = source.target.sqlite_path
        assert path is not None
        self.app.push_screen(
            RowDiffScreen(
                path, table.name, source.target.as_of, None, generation=source.as_of_generation
            )
        )

    async def on_unmount(self) -> None:
        if self.over_live and self.source is not None:
            await self.source.close()
