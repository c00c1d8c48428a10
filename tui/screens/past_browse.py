"""The database as it stood right after one commit of its WAL, browsed over the live one.

A :class:`BrowseScreen` on its own read-only source (:meth:`tui.db.source.DataSource.open`
of a target with ``as_of``): sort, filter, search, cell detail and export work as on the
live database, which goes on changing underneath. ``N`` lists how the open table differs
from the past state to now; ``L`` goes back to the live database; the past state's source is
closed when the screen goes.
"""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType

from tui.screens.browse import BrowseScreen


class PastBrowseScreen(BrowseScreen):
    """A past state of the database, pushed over the live browse screen."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("L", "back_to_live", "Back to now", id="past.live"),
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
        return super().check_action(action, parameters)

    def action_back_to_live(self) -> None:
        """Leave the past state for the live database underneath."""
        self.dismiss()

    def action_diff_now(self) -> None:
        """The rows of the open table that differ between this past state and now."""
        from tui.screens.row_diff import RowDiffScreen

        source, table = self.source, self.table
        if source is None or table is None or source.target.as_of is None:
            return
        path = source.target.sqlite_path
        assert path is not None
        self.app.push_screen(RowDiffScreen(path, table.name, source.target.as_of, None))

    async def on_unmount(self) -> None:
        if self.over_live and self.source is not None:
            await self.source.close()
