"""Staged changes: how rows are named for writes, what may be edited, and the change set.

Pure functions over frozen data; nothing here touches a database. The statements and the one
short transaction that apply a :class:`ChangeSet` live in :mod:`tui.db.save`.

Row identity follows SQLite's rules (https://www.sqlite.org/lang_createtable.html#rowid):

- A declared primary key names a row (composite keys and WITHOUT ROWID tables included). A
  column declared exactly ``INTEGER PRIMARY KEY`` is the rowid itself (the catalog's
  ``rowid_alias``); ``INT PRIMARY KEY``, ``BIGINT PRIMARY KEY`` and the ``INTEGER PRIMARY KEY
  DESC`` column quirk are ordinary unique columns beside a hidden rowid.
- In a rowid table an ordinary primary key may hold NULL (a legacy quirk SQLite keeps), and
  ``NULL = NULL`` is never true: such a row is named by its rowid instead.
- A table with no primary key is named by its rowid, under whichever of ``rowid``, ``_rowid_``
  and ``oid`` no user column shadows, with a warning: VACUUM may renumber rowids that no
  INTEGER PRIMARY KEY column pins.
- Views, virtual tables, and tables with neither a key nor a usable rowid cannot be edited;
  :attr:`RowIdentity.refused` says why.

The change set keeps the order changes were staged in (save runs them in that order, see
:mod:`tui.db.save_plan`) and merges as a person expects: a second edit of the same cell
replaces the value the cell's staged edit writes, in place, keeping the first edit's
``original`` (what the user saw before any edit); editing a cell back to its original removes
the edit, deleting a row drops its cell edits, and re-staging an insert with the same token
replaces its values. One exception keeps a swap of unique values possible: when a change to
*another row of the same table*, staged after the cell's edit, gives up the very value the
cell is now edited to (``a -> tmp``, then the other row ``b -> a``, then ``tmp -> b``: the
other row releases ``b``), the re-edit is a step of its own after it, whose ``original`` is
the value the earlier step wrote; merged into ``a -> b`` the swap could never be saved. Any
other re-edit replaces the earlier value, so a bad value staged first never stays behind to
block the save.

Equal values of different storage classes (``1``, ``1.0``, ``'1'``) are different values: an
edit that changes only the storage class is kept.
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from typing import Any

from tui.db.column_changes import ColumnChanges, column_changes
from tui.db.delete_effects import DeleteEffect
from tui.db.model import ColumnInfo, Drift, KeyKind, Preview, TableInfo, TableKind, TableRef
from tui.db.value_keys import pairs_key, value_key
from tui.db.values import RowKey

__all__ = [
    "ROWID_NAMES",
    "CellEdit",
    "Change",
    "ChangeSet",
    "ColumnPlace",
    "EditRefusedError",
    "RowDelete",
    "RowIdentity",
    "RowInsert",
    "StagingError",
    "column_place",
    "edit_key",
    "edit_refusal",
    "first_unbound",
    "insert_hint",
    "named_by_rowid",
    "row_identity",
    "same_value",
    "unbound_edit",
    "unbound_insert",
]

#: Names SQLite resolves to the rowid unless a real column takes them, in order of preference.
ROWID_NAMES = ("rowid", "_rowid_", "oid")
_VACUUM_WARNING = (
    "rows are named by their rowid: VACUUM may renumber them, so save before another program"
    " vacuums the database"
)
READ_ONLY_REASON = "opened read-only (--read-only): nothing can be changed"


class EditRefusedError(ValueError):
    """This row or value cannot be edited; the message says why, for a person."""


class StagingError(ValueError):
    """A change that contradicts what is already staged (editing a row staged for deletion)."""


@dataclass(frozen=True)
class RowIdentity:
    """How rows of one relation are named for writes."""

    columns: tuple[str, ...]  # key column names, or the unshadowed rowid alias
    rowid: bool = False  # identified by the hidden rowid -> warning shown
    refused: str | None = None  # why rows cannot be edited at all; columns == () then
    warning: str | None = None  # e.g. "rows are named by rowid; VACUUM may renumber them"
    #: The unshadowed rowid name a row whose declared key holds NULL falls back to (SQLite
    #: rowid tables with an ordinary primary key); None where there is no such fallback.
    fallback_rowid: str | None = None


def _free_rowid_name(info: TableInfo) -> str | None:
    taken = {c.name.lower() for c in info.columns}
    return next((name for name in ROWID_NAMES if name not in taken), None)


def _has_rowid(info: TableInfo) -> bool:
    # Only SQLite's catalog pages a relation by the hidden rowid.
    return info.key_kind is KeyKind.ROWID and info.kind is TableKind.TABLE


def row_identity(info: TableInfo) -> RowIdentity:
    """How rows of ``info`` are named for UPDATE and DELETE (see the module docstring)."""
    if not info.described:
        return RowIdentity((), refused=f"{info.ref} is not described yet")
    if info.drift is Drift.MISSING_TABLE:
        return RowIdentity((), refused=f"{info.ref} is not in the database (only in the models)")
    if info.kind is TableKind.VIEW:
        return RowIdentity((), refused=f"{info.ref} is a view: its rows are computed, not stored")
    if info.kind is TableKind.QUERY:
        return RowIdentity(
            (), refused="these are the rows of a console query: edit them in their table"
        )
    if info.kind is TableKind.VIRTUAL:
        return RowIdentity(
            (), refused=f"{info.ref} is a virtual table: its module decides what a write does"
        )
    if info.internal:
        return RowIdentity((), refused=f"{info.ref} is maintained by the database engine itself")
    pk = tuple(c.name for c in sorted(info.columns, key=lambda c: c.primary_key) if c.primary_key)
    rowid_name = _free_rowid_name(info) if _has_rowid(info) else None
    if info.rowid_alias is not None:
        # INTEGER PRIMARY KEY: the column is the rowid, never NULL, never renumbered.
        return RowIdentity((info.rowid_alias,))
    if pk:
        return RowIdentity(pk, fallback_rowid=rowid_name)
    if rowid_name is not None:
        return RowIdentity((rowid_name,), rowid=True, warning=_VACUUM_WARNING)
    if info.without_rowid:  # pragma: no cover - SQLite requires their primary key
        return RowIdentity((), refused=f"{info.ref} is a WITHOUT ROWID table with no key")
    if _free_rowid_name(info) is None:
        # Only SQLite has a rowid; there every name of it can be a user column.
        return RowIdentity(
            (),
            refused=(
                f"{info.ref} has no primary key, and its columns rowid, _rowid_ and oid hide"
                " the rowid: a row cannot be told apart from an identical one"
            ),
        )
    return RowIdentity(
        (),
        refused=(
            f"{info.ref} has no primary key: a row cannot be told apart from an identical one"
        ),
    )


def edit_refusal(info: TableInfo, column: ColumnInfo | None, *, read_only: bool) -> str | None:
    """Why ``column`` of ``info`` (or, with None, a whole row) cannot be edited; None if it can.

    File and directory permissions are :meth:`tui.db.source.DataSource.write_refusal`'s.
    """
    if read_only:
        return READ_ONLY_REASON
    identity = row_identity(info)
    if identity.refused is not None:
        return identity.refused
    if column is None:
        return None
    if column.generated:
        how = f" ({column.generated_as})" if column.generated_as else ""
        return f"generated column: its value is computed{how}"
    if column.hidden:
        return f"{column.name} is a hidden column of the table"
    return None


def insert_hint(column: ColumnInfo) -> str:
    """What a column left out of a new row gets, for the insert form: ``auto`` (numbered by
    the database), ``computed``, ``default <expression>``, ``NULL``, or "" (a value is needed)."""
    if column.auto:
        return "auto"
    if column.generated:
        return "computed"
    if column.default is not None:
        return f"default {column.default}"
    return "NULL" if column.nullable else ""


def edit_key(identity: RowIdentity, row: Mapping[str, Any], paging_key: RowKey | None) -> RowKey:
    """The key naming one row for a write: its declared key's values as stored, or its rowid.

    ``row`` maps column names to the values the grid holds for the row; ``paging_key`` is
    what :meth:`tui.db.paging.Pager.row_key` gave for it (the rowid on SQLite rowid tables).
    Raises :class:`EditRefusedError` when no key can name the row exactly.
    """
    if identity.refused is not None:
        raise EditRefusedError(identity.refused)
    if identity.rowid:
        return _rowid_key(paging_key, "the row's rowid is not known")
    values = tuple(row.get(name) for name in identity.columns)
    if any(isinstance(v, Preview) for v in values):
        if identity.fallback_rowid is not None:
            return _rowid_key(paging_key, "the row's key is too long to carry")
        raise EditRefusedError("the row's key is a value too long to name the row by")
    if any(v is None for v in values):
        if identity.fallback_rowid is not None:
            return _rowid_key(paging_key, "the row's key holds NULL and its rowid is not known")
        raise EditRefusedError("the row's key holds NULL: NULL never equals anything")
    return RowKey(identity.columns, values)


def _rowid_key(paging_key: RowKey | None, reason: str) -> RowKey:
    if paging_key is None or not paging_key.rowid or any(v is None for v in paging_key.values):
        raise EditRefusedError(reason)
    return paging_key


def same_value(a: Any, b: Any) -> bool:
    """Whether two stored values are the same value of the same storage class."""
    if a is None or b is None:
        return a is b
    if isinstance(a, uuid.UUID) and isinstance(b, uuid.UUID):
        return a == b  # asyncpg reads its own UUID subclass
    if type(a) is not type(b):
        return False
    if isinstance(a, float) and math.isnan(a):
        return math.isnan(b)
    return bool(a == b)


@dataclass(frozen=True)
class ColumnPlace:
    """Which column an edit was staged on. Its name alone does not say it: another connection
    may rename it (``bal`` -> ``oldbal``) and add another column under the old name, which
    the edit must never be written to. A column keeps its place while its name and declared
    type stay and every column before it was before it then (one dropped before it is no
    matter; ADD COLUMN only appends). A renamed column before it moves it: refused too, the
    safe side."""

    name: str
    type_name: str
    before: tuple[str, ...]  # the names of the columns before it, in order

    def holds(self, now: ColumnPlace, renamed: Mapping[str, str] | None = None) -> bool:
        """Whether ``now`` (the column of this name as the table is now) is this column;
        ``renamed``: the new names of columns renamed since (told apart by
        :func:`tui.db.column_changes.column_changes`), which then do not move it."""
        if (now.name, now.type_name) != (self.name, self.type_name):
            return False
        names = renamed or {}
        earlier = iter([names.get(name, name) for name in self.before])
        return all(name in earlier for name in now.before)  # a subsequence: drops only


def column_place(info: TableInfo, column: str) -> ColumnPlace | None:
    """Where ``column`` is in ``info`` (None: no such column)."""
    names = [c.name for c in info.columns]
    for position, described in enumerate(info.columns):
        if described.name == column:
            before = tuple(names[:position])
            return ColumnPlace(described.name, described.type_name.upper(), before)
    return None


@dataclass(frozen=True)
class CellEdit:
    table: TableRef
    key: RowKey
    column: str
    original: Any  # the value the user saw (full value, as stored)
    new: Any  # the parsed value to store (None = SQL NULL)
    #: The row's other columns as the user saw them, when the row is named by its rowid:
    #: VACUUM may give that rowid to another row, so only the whole row names it (the save
    #: compares them all, as a deletion does). Empty for rows named by a declared key.
    row: tuple[tuple[str, Any], ...] = ()
    #: The column as it was when the edit was staged (see :class:`ColumnPlace`); None: not
    #: known (an edit built without its table), checked by name only.
    place: ColumnPlace | None = None

    # Values may be unhashable (a jsonb object, an array) or equal across storage classes
    # (1 == 1.0): compared and hashed by their type-tagged keys (see tui.db.value_keys).
    def _exact(self) -> tuple[object, ...]:
        return (
            self.table,
            self.key,
            self.column,
            value_key(self.original),
            value_key(self.new),
            pairs_key(self.row),
            self.place,
        )

    def __eq__(self, other: object) -> bool:
        return isinstance(other, CellEdit) and self._exact() == other._exact()

    def __hash__(self) -> int:
        return hash(self._exact())


def unbound_edit(edit: CellEdit, info: TableInfo, moved: ColumnChanges | None = None) -> str | None:
    """Why ``edit`` can no longer be saved to ``info`` (the table as it is now): its column
    is not the column it was staged on; None when it still is. ``moved``: how the columns
    changed since it was staged, where that is known (renames are then said as such)."""
    if edit.place is None:
        return None
    value = _shown(edit.new)
    renamed = moved.new_names if moved is not None else {}
    if edit.column in renamed:
        new = renamed[edit.column]
        return (
            f"another connection renamed {edit.column} to {new} since you staged {value}:"
            f" discard this change or stage it again on {new}"
        )
    if not info.columns:
        return (
            f"table {edit.table} was renamed or dropped by another connection since you"
            f" staged {value} in its column {edit.column}: discard this change or stage it"
            " again"
        )
    now = column_place(info, edit.column)
    if now is None:
        return (
            f"{edit.column} was renamed or dropped by another connection since you staged"
            f" {value}: discard this change or stage it again"
        )
    # Columns gone before it and others added: a drop and an add read the same as a rename
    # of this column away and of one before it to its name (c -> x, a -> c). The safe side.
    was_before = tuple(renamed.get(name, name) for name in edit.place.before)
    shifted = moved is not None and bool(moved.added) and now.before != was_before
    if shifted or not edit.place.holds(now, renamed):
        return (
            f"{edit.column} was renamed or re-created by another connection since you staged"
            f" {value}: discard this change or stage it again"
        )
    return None


def unbound_insert(
    insert: RowInsert, info: TableInfo, renamed: Mapping[str, str] | None = None
) -> str | None:
    """Why the new row ``insert`` can no longer be saved to ``info`` (the table as it is
    now): a column it gives a value is gone; None when every one is there."""
    if not info.columns:
        return (
            f"table {insert.table} was renamed or dropped by another connection since you"
            " staged this new row: discard it or stage it again"
        )
    present = set(info.column_names)
    for name, value in insert.values:
        if renamed and name in renamed:
            return (
                f"another connection renamed {name} to {renamed[name]} since you staged this"
                f" new row ({name} = {_shown(value)}): discard it or stage it again"
            )
        if name not in present:
            return (
                f"another connection dropped the column {name} since you staged this new row"
                f" ({name} = {_shown(value)}): discard it or stage it again without {name}"
            )
    return None


def first_unbound(
    changes: tuple[Change, ...],
    tables: Mapping[TableRef, TableInfo],
    staged: Mapping[TableRef, TableInfo] | None = None,
) -> tuple[Change, str] | None:
    """The first staged edit whose column is no longer the one it was staged on in
    ``tables`` (the tables as they are now), or new row with a value for a column gone
    there, with the reason; None when every one is saveable. ``staged``: the tables as the
    changes were staged on, to tell renamed columns."""
    for change in changes:
        info = tables.get(change.table)
        if info is None or isinstance(change, RowDelete):
            continue
        was = None if staged is None else staged.get(change.table)
        moved = None if was is None else column_changes(was, info)
        if isinstance(change, CellEdit):
            reason = unbound_edit(change, info, moved)
        else:
            reason = unbound_insert(change, info, None if moved is None else moved.new_names)
        if reason is not None:
            return change, reason
    return None


def _shown(value: Any) -> str:
    if value is None:
        return "NULL"
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return repr(value)


@dataclass(frozen=True)
class RowInsert:
    table: TableRef
    values: tuple[tuple[str, Any], ...]  # only columns the user gave; others take defaults
    token: int  # local id of the new row (for marking it in the grid)

    def _exact(self) -> tuple[object, ...]:
        return (self.table, pairs_key(self.values), self.token)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RowInsert) and self._exact() == other._exact()

    def __hash__(self) -> int:
        return hash(self._exact())


@dataclass(frozen=True)
class RowDelete:
    table: TableRef
    key: RowKey
    original: tuple[tuple[str, Any], ...]  # every column as the user saw it (full values)
    #: What the confirmation said goes with the row (one count per foreign key referring to
    #: the table, zeros included), counted again when the save runs; None: not counted.
    effects: tuple[DeleteEffect, ...] | None = None

    def _exact(self) -> tuple[object, ...]:
        return (self.table, self.key, pairs_key(self.original), self.effects)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, RowDelete) and self._exact() == other._exact()

    def __hash__(self) -> int:
        return hash(self._exact())


Change = CellEdit | RowInsert | RowDelete


def named_by_rowid(change: Change, table: TableInfo | None) -> bool:
    """Whether ``change``'s row is named by SQLite's rowid rather than a declared key (a row
    VACUUM may renumber: its rowid can come to name another record)."""
    if isinstance(change, RowInsert):
        return False
    if isinstance(change, CellEdit) and change.row:
        return True
    return table is not None and row_identity(table).rowid


def _row_of(change: Change) -> tuple[TableRef, RowKey] | None:
    if isinstance(change, RowInsert):
        return None
    return change.table, change.key


def _released(later: list[Change], edit: CellEdit, value: Any) -> bool:
    """Whether a change in ``later`` to another row of ``edit``'s table gives up ``value`` in
    ``edit``'s column (edits it away, or deletes the row holding it): a swap's second step."""
    for change in later:
        if change.table != edit.table or _row_of(change) == _row_of(edit):
            continue
        if isinstance(change, CellEdit):
            if change.column == edit.column and same_value(change.original, value):
                return True
        elif isinstance(change, RowDelete):
            held = dict(change.original)
            if edit.column in held and same_value(held[edit.column], value):
                return True
    return False


def _index_of(changes: tuple[Change, ...], change: Change) -> int | None:
    """Where ``change`` itself is staged; else an equal change of the same storage classes."""
    for at, staged in enumerate(changes):
        if staged is change:
            return at
    for at, staged in enumerate(changes):
        if staged == change and repr(staged) == repr(change):  # 1 == 1.0, but not as staged
            return at
    return None


class ChangeSet:
    """Staged changes in memory: nothing held open in the database while the user edits.

    Every staging operation (and :meth:`discard`) is one step of the undo history;
    :meth:`clear` forgets everything, history included (after a successful save).
    """

    def __init__(self) -> None:
        self._history: list[tuple[Change, ...]] = [()]
        self._at = 0
        self._tokens = 0

    # -- reading ---------------------------------------------------------------------------

    @property
    def changes(self) -> tuple[Change, ...]:
        """In staging order."""
        return self._history[self._at]

    def __len__(self) -> int:
        return len(self.changes)

    def __bool__(self) -> bool:
        return bool(self.changes)

    def edit_of(
        self, table: TableRef, key: RowKey, column: str, place: ColumnPlace | None = None
    ) -> CellEdit | None:
        """The latest staged step of the cell (its ``new`` is what save leaves in it).

        With ``place`` (the column as it is now), an edit staged on another column of the
        same name (renamed elsewhere, and a new one added under its name) is not this cell's.
        """
        found = None
        for change in self.changes:
            if (
                isinstance(change, CellEdit)
                and change.table == table
                and change.key == key
                and change.column == column
                and (place is None or change.place is None or change.place.holds(place))
            ):
                found = change
        return found

    def is_deleted(self, table: TableRef, key: RowKey) -> bool:
        return any(
            isinstance(c, RowDelete) and c.table == table and c.key == key for c in self.changes
        )

    def inserts(self, table: TableRef) -> tuple[RowInsert, ...]:
        return tuple(c for c in self.changes if isinstance(c, RowInsert) and c.table == table)

    def tables(self) -> tuple[TableRef, ...]:
        """Tables with staged changes, in order of their first change."""
        return tuple(dict.fromkeys(c.table for c in self.changes))

    def next_token(self) -> int:
        """A new local id for a row to insert."""
        self._tokens += 1
        return self._tokens

    @property
    def can_undo(self) -> bool:
        return self._at > 0

    @property
    def can_redo(self) -> bool:
        return self._at < len(self._history) - 1

    # -- staging ---------------------------------------------------------------------------

    def stage(self, change: Change) -> None:
        """Add ``change``, merged with what is staged (see the module docstring).

        Raises :class:`StagingError` for an edit of a row staged for deletion.
        """
        changes = list(self.changes)
        if isinstance(change, CellEdit):
            self._stage_edit(changes, change)
        elif isinstance(change, RowInsert):
            at = next(
                (
                    i
                    for i, c in enumerate(changes)
                    if isinstance(c, RowInsert)
                    and c.table == change.table
                    and c.token == change.token
                ),
                None,
            )
            if at is None:
                changes.append(change)
            else:
                changes[at] = change
            self._tokens = max(self._tokens, change.token)
        else:
            if self.is_deleted(change.table, change.key):
                return
            row = (change.table, change.key)
            changes = [c for c in changes if _row_of(c) != row]
            # The row as the user saw it: edits staged on it do not change what is compared.
            original = dict(change.original)
            first_steps = set()
            for edit in self.changes:
                if isinstance(edit, CellEdit) and _row_of(edit) == row:
                    if edit.column not in first_steps:  # later steps start from an edit
                        original[edit.column] = edit.original
                    first_steps.add(edit.column)
            changes.append(replace(change, original=tuple(original.items())))
        self._push(tuple(changes))

    def _stage_edit(self, changes: list[Change], edit: CellEdit) -> None:
        if self.is_deleted(edit.table, edit.key):
            raise StagingError("this row is staged for deletion: undo the deletion to edit it")
        previous = self.edit_of(edit.table, edit.key, edit.column, edit.place)
        if previous is None:
            if not same_value(edit.original, edit.new):
                changes.append(edit)
            return
        at = next(i for i, c in enumerate(changes) if c is previous)
        if _released(changes[at + 1 :], previous, edit.new):
            # A step of its own (a swap through a temporary value needs the order).
            if not same_value(previous.new, edit.new):
                changes.append(replace(previous, original=previous.new, new=edit.new))
        elif same_value(previous.original, edit.new):
            del changes[at]
        else:
            changes[at] = replace(previous, new=edit.new)

    def unstage(self, change: Change) -> bool:
        """Remove one staged change (an insert the user no longer wants); False if absent."""
        at = _index_of(self.changes, change)
        if at is None:
            return False
        self._push(tuple(c for i, c in enumerate(self.changes) if i != at))
        return True

    def rebind(self, follow: Callable[[Change], Change]) -> None:
        """``follow(change)`` in place of each change, in every step of the history (no step
        of its own): another connection changed a table's columns, and the changes now name
        them as they are (see :mod:`tui.db.column_follow`)."""
        followed: dict[int, Change] = {}

        def one(change: Change) -> Change:
            if id(change) not in followed:
                followed[id(change)] = follow(change)
            return followed[id(change)]

        self._history = [tuple(one(c) for c in state) for state in self._history]

    def replace(self, old: Change, new: Change) -> bool:
        """Put ``new`` where ``old`` is staged, as one step (a conflict resolved); False if
        ``old`` is not staged."""
        at = _index_of(self.changes, old)
        if at is None:
            return False
        self._push(tuple(new if i == at else c for i, c in enumerate(self.changes)))
        return True

    def _push(self, state: tuple[Change, ...]) -> None:
        # By identity: == finds an edit from 1 equal to one from 1.0 (the dataclasses compare
        # their values as Python does), and a re-staging on another class would be lost.
        if len(state) == len(self.changes) and all(
            a is b for a, b in zip(state, self.changes, strict=True)
        ):
            return
        del self._history[self._at + 1 :]
        self._history.append(state)
        self._at += 1

    def undo(self) -> bool:
        if not self.can_undo:
            return False
        self._at -= 1
        return True

    def redo(self) -> bool:
        if not self.can_redo:
            return False
        self._at += 1
        return True

    def discard(self) -> None:
        """Drop every staged change (one step: undo brings them back)."""
        self._push(())

    def clear(self) -> None:
        """Forget every change and the history (the changes were saved)."""
        self._history = [()]
        self._at = 0
