"""The rows of one table that differ between two states of a SQLite database: two commits of
its WAL (:mod:`tui.db.as_of`), or a commit and the database as it is now.

Both sides are read in key order (the rowid, or a WITHOUT ROWID table's primary key, compared
byte for byte: ``COLLATE BINARY``) and merged as they stream, a few hundred rows at a time,
so a table of any size is compared in constant memory. Both sides read through the as-of VFS
(no lock, nothing written): "now" is the WAL's last commit. A SQLite connection to the live
file would not do: when no other process has the database open, opening it rebuilds the
``-shm`` (:mod:`tui.db.recovery`), and a reader records its read mark there in any case.
A row is *updated* when a column's value or storage class differs; generated columns
(STORED and VIRTUAL) are columns like the others, as in export. A table or column renamed in
between is followed by the history's rename model (:mod:`tui.db.table_renames`): its rows and
values are matched across the rename, and the rename is told once, not as every row changed.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal

from sqlalchemy.dialects import sqlite as sqlite_dialect

from tui.db.apsw_dbapi import ApswConnection
from tui.db.as_of import AsOfSnapshot
from tui.db.table_renames import Renames, followed_renames

__all__ = ["DiffError", "RowDifference", "TableDiff"]

_BATCH = 500
_ROWID_NAMES = ("rowid", "_rowid_", "oid")
_QUOTE = sqlite_dialect.dialect().identifier_preparer.quote_identifier

Kind = Literal["inserted", "updated", "deleted"]


class DiffError(Exception):
    """The two states cannot be compared (no such table, a view...); says why, for a person."""


@dataclass(frozen=True)
class RowDifference:
    """One row that differs: its key, and its values before and after (None where absent)."""

    kind: Kind
    key: tuple[Any, ...]
    before: tuple[Any, ...] | None  # in the order of TableDiff.before_columns
    after: tuple[Any, ...] | None  # in the order of TableDiff.after_columns
    changed: tuple[str, ...] = ()  # updated: the columns that differ, in the after order


@dataclass(frozen=True)
class _Side:
    label: str
    columns: tuple[str, ...] | None  # None: no such table in this state
    key_columns: tuple[str, ...]
    key_width: int
    table: str = ""  # its name in this state (another one across a rename)


class TableDiff:
    """The differences of table ``table`` from commit ``from_commit`` to ``to_commit`` (None:
    the database now). Iterate for :class:`RowDifference`, in key order; close it after.

    Raises :class:`DiffError`, or :class:`tui.db.as_of.NotReconstructableError` when a state
    can no longer be rebuilt (also while iterating: a page needed later may be gone).
    ``generation`` pins the commit numbers to the WAL they were read from (a past state opened
    earlier): once the WAL was reset, its commit ``from_commit`` is another state, refused.
    """

    def __init__(
        self,
        db_path: str | Path,
        table: str,
        from_commit: int,
        to_commit: int | None,
        *,
        generation: tuple[int, int] | None = None,
    ) -> None:
        self.db_path = Path(db_path)
        self.table = table
        self._snapshots: list[AsOfSnapshot] = []
        self._connections: list[Any] = []
        self._renames: dict[tuple[int, int], Renames] = {}
        #: before column name -> after column name, for the columns renamed in between
        self._column_names: dict[str, str] = {}
        #: ``column v renamed to w between …``, one per column followed across a rename
        self.renamed_columns: tuple[str, ...] = ()
        try:
            self._before = self._open_past(from_commit, generation)
            # "Now" is the last commit the WAL holds as the before side found it, of the
            # same generation (a reset between the two opens is refused, not mixed).
            first = self._snapshots[0]
            latest = first.total_commits
            self._after = self._open_past(
                latest if to_commit is None else to_commit, first.generation
            )
            before = self._side(self._before, f"commit {from_commit}", table)
            after = self._side(
                self._after, "now" if to_commit is None else f"commit {to_commit}", table
            )
            #: ``table t renamed to u between …``: the table was followed across a rename.
            self.renamed: str | None = None
            last = latest if to_commit is None else to_commit
            if (before.columns is None) != (after.columns is None):
                before, after = self._follow(before, after, from_commit, last, first.generation)
            #: ``table u was dropped and created again between …``: its rows are not matched.
            self.recreated: str | None = None
            if before.columns is not None and after.columns is not None and last != from_commit:
                self._follow_columns(before, after, from_commit, last, first.generation)
                self._check_recreated(before, after, from_commit, last, first.generation)
        except BaseException:
            self.close()
            raise
        if before.columns is None and after.columns is None:
            self.close()
            now = (
                ", and does not exist now" if after.label == "now" else f" nor after {after.label}"
            )
            raise DiffError(f"table {table} did not exist after {before.label}{now}")
        known = before if before.columns is not None else after
        for side in (before, after):
            if side.columns is not None and side.key_columns != known.key_columns:
                self.close()
                raise DiffError(
                    f"the key of {table!r} changed between {before.label} and {after.label}:"
                    " its rows cannot be matched"
                )
        self.before, self.after = before, after
        self.key_columns = known.key_columns

    @property
    def notices(self) -> tuple[str, ...]:
        """What a person must know before reading the rows: a side where the table did not
        exist, so that every row is listed as inserted (or deleted)."""
        found = [] if self.renamed is None else [self.renamed]
        if self.recreated is not None:
            found.append(self.recreated)
        found.extend(self.renamed_columns)
        found.extend(self._one_sided_columns())
        for side, rows in ((self.before, "inserted"), (self.after, "deleted")):
            if side.columns is None:
                when = (
                    "does not exist now"
                    if side.label == "now"
                    else f"did not exist after {side.label}"
                )
                found.append(f"table {self.table} {when}: each of its rows is listed as {rows}")
        return tuple(found)

    @property
    def before_columns(self) -> tuple[str, ...]:
        return self.before.columns or ()

    @property
    def column_renames(self) -> Mapping[str, str]:
        """Before name -> after name of the columns renamed in between: an updated row's
        ``changed`` names are after names; a deleted row's values are under before names."""
        return MappingProxyType(self._column_names)

    @property
    def after_columns(self) -> tuple[str, ...]:
        return self.after.columns or ()

    def close(self) -> None:
        for connection in reversed(self._connections):
            connection.close()
        for snapshot in self._snapshots:
            snapshot.close()
        self._connections, self._snapshots = [], []

    def __enter__(self) -> TableDiff:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _one_sided_columns(self) -> list[str]:
        """A column on one side only (added or dropped in between): said once, not compared
        (every row would otherwise differ by it)."""
        if self.before.columns is None or self.after.columns is None or self.recreated:
            return []
        before = [self._column_names.get(c, c) for c in self.before.columns]

        def at(label: str) -> str:
            return "now" if label == "now" else f"after {label}"

        old, new = at(self.before.label), at(self.after.label)
        found = [
            f"column {name}: in the table {new}, not {old}: its values are not compared"
            for name in self.after.columns
            if name not in before
        ]
        found.extend(
            f"column {name}: in the table {old}, not {new}: its values are not compared"
            for name in self.before.columns
            if self._column_names.get(name, name) not in self.after.columns
        )
        return found

    def __iter__(self) -> Iterator[RowDifference]:
        before = self._rows(self._before, self.before)
        after = self._rows(self._after, self.after)
        if self.recreated is not None:  # another table under the name: nothing matches
            for key, row in before:
                yield RowDifference("deleted", key, row, None)
            for key, row in after:
                yield RowDifference("inserted", key, None, row)
            return
        old, new = next(before, None), next(after, None)
        b_cols, a_cols = self.before_columns, self.after_columns
        while old is not None or new is not None:
            if new is None or (old is not None and _order(old[0]) < _order(new[0])):
                assert old is not None
                yield RowDifference("deleted", old[0], old[1], None)
                old = next(before, None)
            elif old is None or _order(new[0]) < _order(old[0]):
                yield RowDifference("inserted", new[0], None, new[1])
                new = next(after, None)
            else:
                changed = _changed(b_cols, old[1], a_cols, new[1], self._column_names)
                if changed:
                    yield RowDifference("updated", new[0], old[1], new[1], changed)
                old, new = next(before, None), next(after, None)

    # -- the two sides ---------------------------------------------------------------------
    def _open_past(self, commit: int, generation: tuple[int, int] | None) -> Any:
        snapshot = AsOfSnapshot(self.db_path, commit, generation=generation)
        self._snapshots.append(snapshot)
        connection = ApswConnection(snapshot.connect())
        self._connections.append(connection)
        return connection

    def _side(self, connection: Any, label: str, table: str) -> _Side:
        found = connection.execute(
            "SELECT type, wr FROM pragma_table_list WHERE schema = 'main' AND name = ?",
            (table,),
        ).fetchall()
        if not found:
            return _Side(label, None, (), 0, table)
        kind, without_rowid = found[0]
        if kind != "table":
            raise DiffError(
                f"{table!r} is a {kind} in {label}: only tables have keys to match rows by"
            )
        # table_xinfo, not table_info: generated columns (STORED and VIRTUAL) are compared
        # too, as export shows them; hidden 1 is a virtual table's hidden column.
        info = connection.execute(
            "SELECT name, pk FROM pragma_table_xinfo(?) WHERE hidden != 1 ORDER BY cid",
            (table,),
        ).fetchall()
        columns = tuple(str(name) for name, _ in info)
        if without_rowid:
            keys = tuple(name for name, pk in sorted(info, key=lambda c: c[1]) if pk)
            return _Side(label, columns, keys, len(keys), table)
        taken = {c.casefold() for c in columns}
        alias = next((n for n in _ROWID_NAMES if n not in taken), None)
        if alias is None:
            raise DiffError(
                f"every name of the rowid of {table!r} is a column's: rows cannot be keyed"
            )
        return _Side(label, columns, (alias,), 1, table)

    def _follow(
        self, before: _Side, after: _Side, from_commit: int, last: int, generation: tuple[int, int]
    ) -> tuple[_Side, _Side]:
        """The two sides, the missing one under the table's other name when the table was
        renamed in between, by the history's model (:mod:`tui.db.table_renames`): the schema
        followed commit by commit, so a table dropped and another created on its root page
        is not taken for it. Told in the order it happened, whichever way the diff goes."""
        backwards = last < from_commit
        first, second = sorted((from_commit, last))
        names = self._followed(first, second, generation).tables
        earlier, later = (after, before) if backwards else (before, after)
        connection = {id(before): self._before, id(after): self._after}
        if earlier.columns is not None and self.table in names:
            found = self._side(connection[id(later)], later.label, names[self.table])
            later = found if found.columns is not None else later
        elif later.columns is not None:
            old = next((o for o, new in names.items() if new == self.table), None)
            if old is not None:
                found = self._side(connection[id(earlier)], earlier.label, old)
                earlier = found if found.columns is not None else earlier
        if earlier.columns is None or later.columns is None:
            return before, after
        self.renamed = (
            f"table {earlier.table} renamed to {later.table} between {earlier.label} and"
            f" {later.label}: its rows are matched across the rename"
        )
        return (later, earlier) if backwards else (earlier, later)

    def _followed(self, first: int, last: int, generation: tuple[int, int]) -> Renames:
        if (first, last) not in self._renames:
            self._renames[first, last] = followed_renames(self.db_path, first, last, generation)
        return self._renames[first, last]

    def _check_recreated(
        self, before: _Side, after: _Side, from_commit: int, last: int, generation: tuple[int, int]
    ) -> None:
        """The same name on both sides may be two tables: one dropped (or re-created) in
        between and another created under its name, by the history's model."""
        first, second = sorted((from_commit, last))
        earlier, later = (after, before) if last < from_commit else (before, after)
        if earlier.table in self._followed(first, second, generation).ended:
            self.recreated = (
                f"table {later.table} was dropped and created again between {earlier.label}"
                f" and {later.label}: another table, whose rows match none of the old ones"
                " (each old row is listed as deleted, each new one as inserted)"
            )
            self._column_names = {}
            self.renamed_columns = ()

    def _follow_columns(
        self, before: _Side, after: _Side, from_commit: int, last: int, generation: tuple[int, int]
    ) -> None:
        """Match the columns renamed in between (``RENAME COLUMN``), so that their values are
        compared with each other instead of every row showing one column gone and one new."""
        backwards = last < from_commit
        earlier, later = (after, before) if backwards else (before, after)
        first, second = min(from_commit, last), max(from_commit, last)
        pairs = self._followed(first, second, generation).columns.get(earlier.table, ())
        assert earlier.columns is not None and later.columns is not None
        pairs = tuple((o, n) for o, n in pairs if o in earlier.columns and n in later.columns)
        self._column_names = {n: o for o, n in pairs} if backwards else dict(pairs)
        self.renamed_columns = tuple(
            f"column {o} renamed to {n} between {earlier.label} and {later.label}:"
            " its values are matched across the rename"
            for o, n in pairs
        )

    def _rows(
        self, connection: Any, side: _Side
    ) -> Iterator[tuple[tuple[Any, ...], tuple[Any, ...]]]:
        """(key, row) in key order, read a batch at a time."""
        if side.columns is None:
            return
        keys = ", ".join(f"{_QUOTE(k)}" for k in side.key_columns)
        columns = ", ".join(_QUOTE(c) for c in side.columns)
        order = ", ".join(f"{_QUOTE(k)} COLLATE BINARY" for k in side.key_columns)
        if side.key_columns[0] in _ROWID_NAMES and side.key_width == 1:
            keys = side.key_columns[0]  # the rowid itself, not quoted as a column
            order = keys
        cursor = connection.cursor()
        cursor.execute(f"SELECT {keys}, {columns} FROM {_QUOTE(side.table)} ORDER BY {order}")
        width = side.key_width
        try:
            while batch := cursor.fetchmany(_BATCH):
                for row in batch:
                    yield tuple(row[:width]), tuple(row[width:])
        finally:
            cursor.close()


def _order(key: tuple[Any, ...]) -> tuple[tuple[int, Any], ...]:
    """A key as SQLite orders it with BINARY collation: NULL, numbers, text, BLOBs."""
    return tuple(_rank(value) for value in key)


def _rank(value: Any) -> tuple[int, Any]:
    if value is None:
        return 0, 0
    if isinstance(value, int | float):
        return 1, value
    if isinstance(value, str):
        # UTF-8 bytes compare as code points do; lone surrogates (invalid UTF-8) included.
        return 2, value.encode("utf-8", "surrogateescape")
    return 3, bytes(value)


def _changed(
    before_columns: tuple[str, ...],
    before: tuple[Any, ...],
    after_columns: tuple[str, ...],
    after: tuple[Any, ...],
    renamed: dict[str, str] | None = None,
) -> tuple[str, ...]:
    """Columns on both sides whose value or storage class differs;
    ``renamed`` maps a before column's name to its name after."""
    names = renamed or {}
    before_columns = tuple(names.get(c, c) for c in before_columns)
    old = dict(zip(before_columns, before, strict=True))
    new = dict(zip(after_columns, after, strict=True))
    out = []
    for name in after_columns:  # a column on one side only is said once (notices), not here
        if name not in old:
            continue
        a, b = old[name], new[name]
        if type(a) is not type(b) or a != b:
            out.append(name)
    return tuple(out)
