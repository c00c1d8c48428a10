"""Staged changes carried over to a table's columns after another connection's ALTER TABLE.

The browse screen reads an open table's columns again when another connection changes them
(and a save that finds them changed hands them back). A staged change whose every column is
still there, under its name or renamed (:mod:`tui.db.column_changes`), is carried over: its
key, the values it compares and an edit's column place name the columns as they are now, so
an ALTER of other columns never makes the next save fail. A change on a column renamed,
dropped or re-created is never carried to another column: it stays as staged, and the reason
(in words: ``another connection renamed a to b …``) marks it in the pending panel and refuses
the save.

A deletion compares the values of the row it was staged on: a column dropped since is no
longer compared (nobody can have changed it), a column added since is not compared either
(its value was not part of what the person saw when they staged it).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from tui.db.column_changes import ColumnChanges
from tui.db.edits import (
    CellEdit,
    Change,
    RowDelete,
    column_place,
    unbound_edit,
    unbound_insert,
)
from tui.db.model import TableInfo
from tui.db.values import RowKey

__all__ = ["follow_change"]


def follow_change(change: Change, now: TableInfo, moved: ColumnChanges) -> Change | str:
    """``change`` naming the columns of ``now`` (``moved``: how they changed since it was
    staged); the reason for a person when it cannot be saved to them."""
    if not now.columns:
        return f"table {change.table} was renamed or dropped by another connection"
    names = moved.new_names
    if isinstance(change, CellEdit):
        reason = unbound_edit(change, now, moved)
        if reason is not None:
            return reason
        key = _key(change.key, moved)
        if isinstance(key, str):
            return key
        place = column_place(now, change.column) if change.place is not None else None
        return replace(change, key=key, row=_values(change.row, moved), place=place)
    if isinstance(change, RowDelete):
        key = _key(change.key, moved)
        if isinstance(key, str):
            return key
        return replace(change, key=key, original=_values(change.original, moved))
    # A new row's values go to columns by name: one renamed or dropped is refused, never
    # written to another column nor silently left out.
    reason = unbound_insert(change, now, names)
    return change if reason is None else reason


def _key(key: RowKey, moved: ColumnChanges) -> RowKey | str:
    if key.rowid:
        return key
    dropped = [n for n in key.names if n in moved.dropped]
    if dropped:
        return (
            f"another connection dropped the key column {dropped[0]}: the row can no longer"
            " be named; discard this change"
        )
    names = moved.new_names
    return replace(key, names=tuple(names.get(n, n) for n in key.names))


def _values(
    values: tuple[tuple[str, Any], ...], moved: ColumnChanges
) -> tuple[tuple[str, Any], ...]:
    names: Mapping[str, str] = moved.new_names
    return tuple((names.get(n, n), v) for n, v in values if n not in moved.dropped)
