"""The record under the cursor, found again after other connections' commits.

When rows come or go before the cursor, its position no longer holds the same record. When a
change is noticed, :meth:`CursorKeeper.note` remembers the key of the cursor's record (before
the window forgets its positions); once pages reload, the caller asks the window where that
key is now (:meth:`~tui.db.window.RowWindow.locate`) and reports it with
:meth:`CursorKeeper.found`.

Pure bookkeeping: no database, no terminal.
"""

from __future__ import annotations

from dataclasses import dataclass

from tui.db.paging import Cursor
from tui.db.window import RowWindow


@dataclass(frozen=True)
class KeptRow:
    """The cursor's record when a change was noticed."""

    window: RowWindow  #: the window it was read in (another window: another view)
    cursor: Cursor  #: its key
    row: int  #: the cursor's position then


class CursorKeeper:
    """The cursor's record to find again (:attr:`pending`) and where it was last found."""

    def __init__(self) -> None:
        self.pending: KeptRow | None = None
        self._found: tuple[Cursor, int] | None = None

    def reset(self) -> None:
        """Another view: nothing to keep."""
        self.pending = self._found = None

    def note(self, window: RowWindow, row: int) -> None:
        """Another connection committed: remember the record at the cursor's ``row``.

        Call before :meth:`RowWindow.data_changed`. A record noted at the same row and not
        found yet stays the one to find (a burst of commits must not lose it).
        """
        if not window.pager.keyed:
            self.pending = None
            return
        pending = self.pending
        if pending is not None and pending.window is window and pending.row == row:
            return
        cursor = window.cursor_at(row)
        found = self._found
        if not window.is_fresh(row) and found is not None and found[1] == row:
            # Moved to its record's new position, whose page is not reloaded yet: the stale
            # row drawn there is another record.
            cursor = found[0]
        self.pending = KeptRow(window, cursor, row) if cursor is not None else None

    def found(self, kept: KeptRow, position: int) -> None:
        """``kept`` was found at ``position`` (where the cursor now is)."""
        if self.pending is kept:
            self.pending = None
        self._found = (kept.cursor, position)


__all__ = ["CursorKeeper", "KeptRow"]
