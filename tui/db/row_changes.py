"""What one commit did to the rows of each table, and to the entries of each index.

Only the pages the commit changed are decoded: the leaf pages a b-tree had among the pages
the commit wrote or dropped, as they stood before the commit (as of commit k-1), against its
leaf pages among the pages the commit wrote or added, after it (as of k). A page the commit
did not write holds the same rows before and after, so rows present on one side only were
inserted or deleted, and rows on both sides with different values were updated. Rows of a
rowid table are matched by rowid, those of a WITHOUT ROWID table by primary key; an index
(whose interior pages hold entries too) lists the entries added and removed and, per page it
wrote, the first and last key.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass

from tui.db.btree import (
    ROLE_INTERIOR,
    ROLE_LEAF,
    ROLE_OVERFLOW,
    BtreeError,
    PageSource,
    Value,
    count_entries,
    decode_record,
    index_payloads,
    leaf_entries,
    table_leaf_payloads,
)
from tui.db.commit_owners import CommitOwners, commit_owners
from tui.db.page_owners import Owner
from tui.db.page_versions import PageUnknown, PageVersions
from tui.db.schema_changes import (
    ALTERED,
    DROPPED,
    MOVED,
    RECREATED,
    RENAMED,
    SchemaChange,
    schema_changes,
)
from tui.db.schema_pages import SCHEMA_NAME, SchemaObject, TableLayout, read_schema, table_layout
from tui.db.wal_history import HistoryBuilder, WalHistory

__all__ = ["Cancelled", "CommitChanges", "RowChange", "TreeChanges", "commit_changes"]

Row = tuple[Value, ...]
INSERT, UPDATE, DELETE = "insert", "update", "delete"
_SCHEMA_LAYOUT = TableLayout(
    ("type", "name", "tbl_name", "rootpage", "sql"), False, 0, None, (None,) * 5
)


@dataclass(frozen=True)
class RowChange:
    """One row inserted, updated or deleted (one index entry added or removed)."""

    kind: str  # insert, update, delete
    key: Row  # (rowid,), the primary key, or the index entry itself
    before: Row | None
    after: Row | None

    @property
    def changed_columns(self) -> tuple[int, ...]:
        """Columns whose value differs (by value and storage class), for an update."""
        if self.before is None or self.after is None:
            return ()
        return tuple(
            i
            for i, (a, b) in enumerate(zip(self.before, self.after, strict=True))
            if type(a) is not type(b) or a != b
        )


@dataclass(frozen=True)
class TreeChanges:
    """What a commit did in one b-tree."""

    name: str
    kind: str  # table, without rowid, index, sqlite_schema
    columns: tuple[str, ...]  # of rows; () for an index (entries are shown raw)
    changes: tuple[RowChange, ...]
    pages_before: tuple[int, ...]  # the pages decoded as of k-1
    pages_after: tuple[int, ...]  # and as of k
    key_ranges: tuple[tuple[int, Row, Row], ...] = ()  # (page, first, last key) as of k
    note: str | None = None  # instead of row changes: why there are none to list
    #: How the table's definition changed (renamed from, columns changed), rows compared
    #: across it (see :mod:`tui.db.schema_changes`).
    identity: str | None = None
    #: Generated VIRTUAL columns: not in the records the WAL holds, so not listed (export
    #: and diff, which query the state, show them).
    virtual: tuple[str, ...] = ()

    def count(self, kind: str) -> int:
        return sum(1 for change in self.changes if change.kind == kind)


@dataclass(frozen=True)
class CommitChanges:
    number: int
    trees: tuple[TreeChanges, ...]
    approximate: bool  # pages read from the database file may be later, checkpointed ones
    schema: tuple[SchemaChange, ...] = ()  # tables, indexes… created, dropped, renamed, altered
    #: Why no row change of this commit can be known (a state around it was overwritten by
    #: a checkpoint): its b-trees, if known, are listed with that note and nothing else.
    unknown: str | None = None


class Cancelled(Exception):
    """The caller's ``stop`` was set while the changes were read (another commit was
    highlighted, the view closed)."""


_reading = threading.local()  # .stop: the Event of the commit_changes running in this thread


def _check_stop(count: int) -> None:
    """Raise :class:`Cancelled` when the running read's ``stop`` is set (every 1,024th call
    looks, so a long loop calls this on every step)."""
    if count & 1023 == 0:
        stop = getattr(_reading, "stop", None)
        if stop is not None and stop.is_set():
            raise Cancelled("the read of the commit's changes was cancelled")


def commit_changes(
    builder: HistoryBuilder,
    history: WalHistory,
    number: int,
    *,
    stop: threading.Event | None = None,
) -> CommitChanges:
    """The row changes of commit ``number``; :class:`LookupError` if the WAL lacks it, and
    :class:`Cancelled` if ``stop`` is set before they are all read."""
    _reading.stop = stop
    try:
        return _commit_changes(builder, history, number)
    finally:
        _reading.stop = None


def _commit_changes(builder: HistoryBuilder, history: WalHistory, number: int) -> CommitChanges:
    entry = history.commit(number)
    commits = builder.last
    if commits is None or commits.generation != history.generation or commits.header is None:
        raise LookupError("the WAL changed since this history was read: refresh it first")
    owners = builder.page_changes[number - 1]
    with PageVersions(builder.db_path, commits) as versions:
        # Strict: a page whose earlier version a checkpoint overwrote is reported, not
        # decoded as if it were that version (its rows would look unchanged).
        before_get = versions.getter(number - 1, strict=True)
        after_get = versions.getter(number, strict=True)
        header = _header(versions.getter(number))
        usable, encoding = header
        # The history's owners may derive from pages a checkpoint overwrote: checked again,
        # or only the b-trees of the pages this commit wrote are named, as unknown.
        previous = history.commit(number - 1) if number > 1 else None
        checked = commit_owners(entry, owners, versions, previous, usable, encoding)
        owners = checked.owners
        if checked.unknown is not None:
            return CommitChanges(number, _unknown_trees(checked), True, (), unknown=checked.unknown)
        schema_before = _schema(before_get, usable, encoding)
        schema_after = _schema(after_get, usable, encoding)
        # An unknown side (a checkpoint overwrote it) says nothing of the schema: a diff
        # against it would call every table created or dropped.
        schema = (
            schema_changes(schema_before, schema_after)
            if schema_before is not None and schema_after is not None
            else ()
        )
        schema_before = schema_before or ()
        if schema_after is None:
            schema_after = schema_before
        renamed = {c.old_name: c for c in schema if c.kind == RENAMED}
        names = sorted(
            {
                renamed[o[0]].name if o[0] in renamed else o[0]
                for pair in owners.values()
                for o in pair
                if o is not None
            },
            key=lambda n: (n != SCHEMA_NAME, n),
        )
        hints = {touched.name: touched.kind for touched in entry.touched}
        trees = []
        for name in names:
            change = next((c for c in schema if c.name == name and c.kind != DROPPED), None)
            old_name = change.old_name if change is not None else name
            after_item = _find(schema_after, name)
            before_item = _find(schema_before, old_name)
            dropped = name != SCHEMA_NAME and after_item is None and before_item is not None
            trees.append(
                _tree(
                    _Sides(
                        name, old_name, before_item, after_item or before_item, change,
                        hints.get(name, "index"),
                    ),
                    owners, before_get, after_get, usable, encoding, entry.pages, dropped,
                )
            )  # fmt: skip
        approximate = versions.inexact > 0 or entry.approximate
    return CommitChanges(number, tuple(trees), approximate, schema)


def _unknown_trees(checked: CommitOwners) -> tuple[TreeChanges, ...]:
    """The b-trees owning the pages a commit wrote, each saying its rows cannot be known."""
    pages: dict[str, list[int]] = {}
    for page, (_, owner) in sorted(checked.owners.items()):
        if owner is not None:
            pages.setdefault(owner[0], []).append(page)
    kinds = checked.kinds or {}
    note = f"its row changes cannot be known: {checked.unknown}"
    order = sorted(pages, key=lambda name: (name != SCHEMA_NAME, name))
    return tuple(
        TreeChanges(name, kinds.get(name, "unknown"), (), (), (), tuple(pages[name]), note=note)
        for name in order
    )


def _header(get: PageSource) -> tuple[int, str]:
    from tui.db.btree import parse_database_header

    header = parse_database_header(get(1))
    return header.usable_size, header.text_encoding


def _schema(get: PageSource, usable: int, encoding: str) -> tuple[SchemaObject, ...] | None:
    """The schema the pages of ``get`` hold; () before the first commit of a new database (no
    page 1 yet), None when its pages are unknown or unreadable."""
    try:
        return read_schema(get, usable, encoding)
    except PageUnknown:
        return None
    except BtreeError:
        try:
            get(1)
        except PageUnknown:
            return None
        except BtreeError:
            return ()  # no database before the first commit: page 1 is not there
        return None


def _find(schema: tuple[SchemaObject, ...], name: str) -> SchemaObject | None:
    return next((item for item in schema if item.name == name), None)


def _pages(
    owners: dict[int, tuple[Owner, Owner]], name: str, side: int, roles: set[str]
) -> list[int]:
    return sorted(
        page
        for page, pair in owners.items()
        if (owner := pair[side]) is not None and owner[0] == name and owner[1] in roles
    )


@dataclass(frozen=True)
class _Sides:
    """One b-tree across a commit: its name and definition before and after."""

    name: str  # after the commit (before it, when dropped)
    old_name: str  # before it: another name when the table was renamed
    before: SchemaObject | None
    after: SchemaObject | None
    change: SchemaChange | None  # what the commit did to its definition, if anything
    #: Its kind as the history listed it, for when neither schema is known (a checkpoint
    #: overwrote page 1): not called an index for want of its definition.
    kind_hint: str = "index"


def _layout_kind(
    name: str, item: SchemaObject | None, hint: str = "index"
) -> tuple[TableLayout | None, str]:
    if name == SCHEMA_NAME:
        return _SCHEMA_LAYOUT, SCHEMA_NAME
    if item is not None and item.type == "table":
        layout = table_layout(item.sql) if item.sql else None
        return layout, "without rowid" if layout is not None and layout.without_rowid else "table"
    return None, item.type if item is not None else hint


def _tree(
    sides: _Sides,
    owners: dict[int, tuple[Owner, Owner]],
    before_get: PageSource,
    after_get: PageSource,
    usable: int,
    encoding: str,
    written: tuple[int, ...],
    dropped: bool,
) -> TreeChanges:
    name, old_name, change = sides.name, sides.old_name, sides.change
    layout, kind = _layout_kind(name, sides.after, sides.kind_hint)
    before_layout = layout
    if change is not None and sides.before is not None:
        before_layout = _layout_kind(name, sides.before)[0]
    is_rowid_table = kind in ("table", SCHEMA_NAME)
    roles = {ROLE_LEAF} if is_rowid_table else {ROLE_LEAF, ROLE_INTERIOR}
    pages_before = _pages(owners, old_name, 0, roles)
    pages_after = _pages(owners, name, 1, roles)
    if old_name != name:
        # Renamed: a page the commit did not write holds the same rows under the new name.
        same = {
            page
            for page, (was, now) in owners.items()
            if page not in written
            and was is not None
            and now is not None
            and (was[0], now[0], was[1]) == (old_name, name, now[1])
        }
        pages_before = [p for p in pages_before if p not in same]
        pages_after = [p for p in pages_after if p not in same]
    if dropped:
        # Its rows are not listed one by one: a DROP of a big table would decode all of it.
        freed = len(_pages(owners, name, 0, {ROLE_LEAF, ROLE_INTERIOR, ROLE_OVERFLOW}))
        return TreeChanges(
            name, kind, (), (), tuple(pages_before), (),
            note=f"dropped: its {freed:,} page{'' if freed == 1 else 's'} left the b-tree",
        )  # fmt: skip
    if change is not None and change.kind == RECREATED:
        return TreeChanges(
            name, kind, (), (), tuple(pages_before), tuple(pages_after),
            note=_recreated(change, before_get, after_get),
        )  # fmt: skip
    identity = _identity(change)
    columns, project_before, project_after = _projection(layout, before_layout, change)
    try:
        if is_rowid_table:
            # Cells are compared as bytes and decoded only where they differ: most rows of
            # the pages a commit wrote are unchanged.
            changes = _keyed_raw(
                _payloads(before_get, pages_before, usable),
                _payloads(after_get, pages_after, usable),
                lambda r, p: _pick(
                    _row(before_layout, r, decode_record(p, encoding)), project_before
                ),
                lambda r, p: _pick(_row(layout, r, decode_record(p, encoding)), project_after),
                same_decoding=before_layout == layout and project_before == project_after,
            )
        elif kind == "without rowid" and layout is not None and before_layout is not None:
            before = [
                e for p in pages_before for e in leaf_entries(before_get, p, usable, encoding)
            ]
            after = [e for p in pages_after for e in leaf_entries(after_get, p, usable, encoding)]
            width = layout.key_columns
            changes = _keyed(
                {r[:width]: _pick(before_layout.row(None, r), project_before) for _, r in before},
                {r[:width]: _pick(layout.row(None, r), project_after) for _, r in after},
            )
        else:
            # An index's entries, compared as bytes: only those added or removed are decoded.
            changes = _entries_raw(
                [e for p in pages_before for e in index_payloads(before_get, p, usable)],
                [e for p in pages_after for e in index_payloads(after_get, p, usable)],
                encoding,
            )
    except PageUnknown as exc:
        return TreeChanges(
            name, kind, (), (), tuple(pages_before), tuple(pages_after),
            note=f"its row changes cannot be known: {exc}", identity=identity,
        )  # fmt: skip
    except BtreeError as exc:
        return TreeChanges(
            name, kind, (), (), tuple(pages_before), tuple(pages_after),
            note=f"its pages could not be decoded: {exc}", identity=identity,
        )  # fmt: skip
    ranges = []
    if not is_rowid_table:
        # A WITHOUT ROWID table's record holds its other columns after the key: the range
        # shows only the key.
        key_width = layout.key_columns if kind == "without rowid" and layout is not None else None
        for page in pages_after:
            if page in written:
                entries = index_payloads(after_get, page, usable)
                if entries:
                    first, last = (decode_record(entries[i], encoding) for i in (0, -1))
                    ranges.append((page, first[:key_width], last[:key_width]))
    return TreeChanges(
        name, kind, columns, changes, tuple(pages_before), tuple(pages_after), tuple(ranges),
        identity=identity, virtual=layout.virtual if layout is not None else (),
    )  # fmt: skip


def _identity(change: SchemaChange | None) -> str | None:
    """How rows were matched across a change of the table's definition, in words."""
    if change is None:
        return None
    if change.kind == RENAMED:
        text = f"renamed from {change.old_name}"
    elif change.kind == ALTERED and change.columns_changed:
        text = f"columns changed: {change.column_words()}"
    elif change.kind == ALTERED:
        text = "definition changed"
    elif change.kind == MOVED:
        assert change.before is not None and change.after is not None
        text = f"root page moved from {change.before.root} to {change.after.root}"
    else:
        return None
    if change.columns_changed and change.kind == RENAMED:
        text += f"; columns changed: {change.column_words()}"
    return text


def _recreated(change: SchemaChange, before_get: PageSource, after_get: PageSource) -> str:
    """``re-created …: N rows before, M after``: a new table, its rows not matched."""
    counts = []
    for item, get in ((change.before, before_get), (change.after, after_get)):
        try:
            counts.append(f"{count_entries(get, item.root):,}" if item is not None else "0")
        except BtreeError:
            counts.append("an unknown number of")
    rows = "row" if counts[0] == "1" else "rows"
    return (
        f"table re-created (dropped and created again in this commit): {counts[0]} {rows} "
        f"before, {counts[1]} after; the new rows are not matched with the old ones"
    )


def _projection(
    layout: TableLayout | None, before_layout: TableLayout | None, change: SchemaChange | None
) -> tuple[tuple[str, ...], tuple[int, ...] | None, tuple[int, ...] | None]:
    """The columns rows are compared on, and which of each side's values those are: across a
    change of columns, the columns both sides have (None: all, as they are)."""
    columns = layout.columns if layout is not None else ()
    if before_layout is None or layout is None or before_layout.columns == columns:
        return columns, None, None
    renamed = change.renamed if change is not None else ()
    pairs = _pairs(before_layout.columns, columns, renamed)
    return (
        tuple(columns[j] for _, j in pairs),
        tuple(i for i, _ in pairs),
        tuple(j for _, j in pairs),
    )


def _payloads(get: PageSource, pages: list[int], usable: int) -> dict[int | None, bytes]:
    """rowid -> the record's bytes, over the leaf pages ``pages``."""
    found: dict[int | None, bytes] = {}
    for page in pages:
        _check_stop(0)
        found.update(table_leaf_payloads(get, page, usable))
    return found


def _keyed_raw(
    before: dict[int | None, bytes],
    after: dict[int | None, bytes],
    decode_before: Callable[[int | None, bytes], Row],
    decode_after: Callable[[int | None, bytes], Row],
    *,
    same_decoding: bool,
) -> tuple[RowChange, ...]:
    """:func:`_keyed` over undecoded records by rowid: a record whose bytes did not change
    is not decoded at all."""
    changes = []
    keys = before.keys() | after.keys()
    order = sorted(keys, key=lambda k: (k is not None, k or 0))
    for count, key in enumerate(order):
        _check_stop(count)
        old, new = before.get(key), after.get(key)
        if old is None:
            assert new is not None
            changes.append(RowChange(INSERT, (key,), None, decode_after(key, new)))
        elif new is None:
            changes.append(RowChange(DELETE, (key,), decode_before(key, old), None))
        elif old != new or not same_decoding:
            # (Equal bytes can still compare differently across a change of columns.)
            old_row, new_row = decode_before(key, old), decode_after(key, new)
            # Rows unequal as tuples differ; equal ones may still differ in storage class.
            if old_row != new_row or not _same(old_row, new_row):
                changes.append(RowChange(UPDATE, (key,), old_row, new_row))
    return tuple(changes)


def _pairs(
    before: tuple[str, ...], after: tuple[str, ...], renamed: tuple[tuple[str, str], ...]
) -> tuple[tuple[int, int], ...]:
    """(before index, after index) of each column both sides have, in the after order."""
    new_to_old = {new.casefold(): old.casefold() for old, new in renamed}
    where = {column.casefold(): i for i, column in enumerate(before)}
    pairs = []
    for j, column in enumerate(after):
        i = where.get(new_to_old.get(column.casefold(), column.casefold()))
        if i is not None:
            pairs.append((i, j))
    return tuple(pairs)


def _pick(row: Row, indexes: tuple[int, ...] | None) -> Row:
    return row if indexes is None else tuple(row[i] for i in indexes)


def _row(layout: TableLayout | None, rowid: int | None, record: Row) -> Row:
    return layout.row(rowid, record) if layout is not None else record


def _same(a: Row, b: Row) -> bool:
    return len(a) == len(b) and all(
        type(x) is type(y) and x == y for x, y in zip(a, b, strict=True)
    )


def _keyed(before: dict[Row, Row], after: dict[Row, Row]) -> tuple[RowChange, ...]:
    changes = []
    for key in sorted(before.keys() | after.keys(), key=_sort_key):
        old, new = before.get(key), after.get(key)
        if old is None:
            changes.append(RowChange(INSERT, key, None, new))
        elif new is None:
            changes.append(RowChange(DELETE, key, old, None))
        elif not _same(old, new):
            changes.append(RowChange(UPDATE, key, old, new))
    return tuple(changes)


def _entries_raw(before: list[bytes], after: list[bytes], encoding: str) -> tuple[RowChange, ...]:
    """An index's entries added and removed (as multisets), from undecoded records: an
    entry on both sides is not decoded."""
    old, new = Counter(before), Counter(after)
    decoded: dict[bytes, Row] = {}

    def row(payload: bytes) -> Row:
        found = decoded.get(payload)
        if found is None:
            _check_stop(len(decoded))
            found = decoded[payload] = decode_record(payload, encoding)
        return found

    changes = [RowChange(DELETE, row(p), row(p), None) for p in (old - new).elements()] + [
        RowChange(INSERT, row(p), None, row(p)) for p in (new - old).elements()
    ]
    changes.sort(key=lambda c: _sort_key(c.key))
    return tuple(changes)


def _sort_key(row: Row) -> tuple[object, ...]:
    """SQLite's order of storage classes: NULL, numbers, text, blob."""
    rank = {type(None): 0, int: 1, float: 1, str: 2, bytes: 3}
    return tuple((rank[type(v)], v if v is not None else 0) for v in row)
