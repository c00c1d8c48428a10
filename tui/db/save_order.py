"""The order save runs staged changes in (the rules are :mod:`tui.db.save_plan`'s docstring).

Pure functions over the staged changes and the tables' foreign keys; nothing here touches a
database or builds a statement.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from tui.db.edits import CellEdit, Change, RowDelete, RowInsert, same_value
from tui.db.model import ForeignKeyInfo, TableDetails, TableRef

__all__ = ["parents_first", "statement_groups"]

#: A row of a table named by the values of some of its columns: (table, columns, values).
_Row = tuple[TableRef, tuple[str, ...], tuple[Any, ...]]


def statement_groups(changes: Sequence[Change]) -> list[tuple[Change, ...]]:
    """``changes`` in staging order, one group per statement: cell edits of one row staged one
    after another (nothing else between them, no column twice) share one UPDATE."""
    groups: list[list[Change]] = []
    for change in changes:
        last = groups[-1] if groups else None
        if (
            isinstance(change, CellEdit)
            and last is not None
            and isinstance(last[0], CellEdit)
            and (last[0].table, last[0].key) == (change.table, change.key)
            and all(isinstance(e, CellEdit) and e.column != change.column for e in last)
        ):
            last.append(change)
        else:
            groups.append([change])
    return [tuple(group) for group in groups]


def _foreign_keys(
    details: Mapping[TableRef, TableDetails],
) -> Iterator[tuple[TableRef, TableRef, ForeignKeyInfo]]:
    """(child, parent, foreign key) of every staged table's foreign keys."""
    for child, detail in details.items():
        for fk in detail.foreign_keys:
            yield child, TableRef(fk.referred_table, fk.referred_schema or child.schema), fk


def _values(row: Mapping[str, Any], names: Sequence[str]) -> tuple[Any, ...] | None:
    if not all(name in row and row[name] is not None for name in names):
        return None  # a NULL (or unknown) column refers to nothing
    return tuple(row[name] for name in names)


def _rows(
    change: Change, details: Mapping[TableRef, TableDetails], *, as_parent: bool
) -> list[_Row]:
    """Parent rows an insert creates or a delete removes (``as_parent``), or that the row it
    inserts or deletes refers to."""
    if isinstance(change, RowInsert):
        row = dict(change.values)
    elif isinstance(change, RowDelete):
        row = dict(change.original)
    else:
        return []
    found: list[_Row] = []
    for child, parent, fk in _foreign_keys(details):
        table, names = (parent, fk.referred_columns) if as_parent else (child, fk.columns)
        if table != change.table:
            continue
        values = _values(row, names)
        if values is not None:
            found.append((parent, fk.referred_columns, values))
    return found


def _same_row(a: _Row, b: _Row) -> bool:
    return (
        a[0] == b[0]
        and a[1] == b[1]
        and all(same_value(x, y) or x == y for x, y in zip(a[2], b[2], strict=True))
    )


def parents_first(
    groups: Sequence[tuple[Change, ...]], details: Mapping[TableRef, TableDetails]
) -> list[tuple[Change, ...]]:
    """``groups`` in staging order, except where an engine that checks foreign keys at each
    statement would refuse it: an insert of a child row moves after the insert of the parent
    row it refers to, and a delete of a parent row after the delete of a child row referring
    to it. Value for value; a cycle keeps its staging order."""
    before: dict[int, set[int]] = {i: set() for i in range(len(groups))}
    made = [_rows(g[0], details, as_parent=True) for g in groups]
    refers = [_rows(g[0], details, as_parent=False) for g in groups]
    for i, group in enumerate(groups):
        for j, other in enumerate(groups):
            kinds = (type(group[0]), type(other[0]))
            if i == j or kinds[0] is not kinds[1]:
                continue
            if kinds[0] is RowInsert and any(_same_row(a, b) for a in made[j] for b in refers[i]):
                before[i].add(j)  # the parent's insert runs first
            if kinds[0] is RowDelete and any(_same_row(a, b) for a in made[i] for b in refers[j]):
                before[i].add(j)  # the child's delete runs first
    ordered: list[int] = []
    left = list(range(len(groups)))
    while left:
        ready = next((i for i in left if not (before[i] & set(left))), left[0])
        ordered.append(ready)
        left.remove(ready)
    return [groups[i] for i in ordered]
