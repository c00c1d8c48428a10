"""Back and forward between the places a person jumped to (a foreign key, another table).

A :class:`Visit` is where the person was: the relation (a table, or a console query's rows),
its sort, filter and search, the cursor's row by its unique key (rows may have moved since:
the key finds it again, the position is only the fallback), the cursor's column, and how far
down the screen the cursor was. :class:`Visits` keeps the two stacks, as a web browser does:
a new jump forgets what was ahead. :func:`find_row` says where a visited row is now.

Pure bookkeeping plus one read; no terminal.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncConnection

from tui.db.model import TableInfo
from tui.db.paging import RowQuery
from tui.db.values import RowKey
from tui.db.window import RowWindow

#: Places remembered in each direction; the oldest are forgotten first.
LIMIT = 100


@dataclass(frozen=True)
class Visit:
    """One place: what was shown, and where the cursor was in it."""

    table: TableInfo
    query: RowQuery
    key: RowKey | None  #: the cursor's row; None for a keyless view (position only)
    position: int  #: the cursor's row position then (the fallback)
    offset: int = 0  #: the cursor's line from the top of the rows
    column: str | None = None  #: the cursor's column

    def same_view(self, table: TableInfo, query: RowQuery | None) -> bool:
        """Whether ``table`` under ``query`` is this visit's view (not its cursor)."""
        return table.ref == self.table.ref and table.sql == self.table.sql and query == self.query


class Visits:
    """The back and forward stacks."""

    def __init__(self, limit: int = LIMIT) -> None:
        self._back: list[Visit] = []
        self._forward: list[Visit] = []
        self._limit = limit

    @property
    def can_go_back(self) -> bool:
        return bool(self._back)

    @property
    def can_go_forward(self) -> bool:
        return bool(self._forward)

    def leave(self, here: Visit) -> None:
        """A jump away from ``here``: it is where Back returns; what was ahead is forgotten."""
        self._push(self._back, here)
        self._forward.clear()

    def back(self, here: Visit) -> Visit | None:
        """The place before ``here`` (``here`` becomes the way forward); None at the start."""
        if not self._back:
            return None
        self._push(self._forward, here)
        return self._back.pop()

    def forward(self, here: Visit) -> Visit | None:
        """The place Back came from (``here`` becomes the way back); None at the end."""
        if not self._forward:
            return None
        self._push(self._back, here)
        return self._forward.pop()

    def _push(self, stack: list[Visit], visit: Visit) -> None:
        stack.append(visit)
        del stack[: max(len(stack) - self._limit, 0)]


async def find_row(conn: AsyncConnection, window: RowWindow, visit: Visit) -> int | None:
    """Where the visited row is now in ``window`` (same view), or None if it is gone.

    Its key reads the row's current sort values (an edit may have moved it), then the rows
    before it are counted, unless a loaded page already holds it.
    """
    if visit.key is None:
        return None
    cursor = await window.pager.cursor_of(conn, visit.key)
    if cursor is None:
        return None
    return await window.locate(conn, cursor)


__all__ = ["LIMIT", "Visit", "Visits", "find_row"]
