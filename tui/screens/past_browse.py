"""The database as it stood right after one commit of its WAL, browsed over the live one.

A :class:`BrowseScreen` on its own read-only source (:meth:`tui.db.source.DataSource.open`
of a target with ``as_of``): sort, filter, search, cell detail and export work as on the
live database, which goes on changing underneath. ``L`` goes back to it; the past state's
source is closed when the screen goes.
"""

from __future__ import annotations

from typing import ClassVar

from textual.binding import Binding, BindingType

from tui.screens.browse import BrowseScreen


class PastBrowseScreen(BrowseScreen):
    """A past state of the database, pushed over the live browse screen."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("L", "back_to_live", "Back to now", id="past.live"),
    ]

    def action_back_to_live(self) -> None:
        """Leave the past state for the live database underneath."""
        self.dismiss()

    async def on_unmount(self) -> None:
        if self.source is not None:
            await self.source.close()
