"""What the browse screen's keys do to a query, as pure functions of plain data.

Sort toggling, adding a filter or a search, parsing "go to row", and turning a foreign key
under the cursor into the query that shows the row it points at.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from tui.db.model import TableDetails, TableInfo, ValueKind
from tui.db.paging import FilterOp, FilterSpec, RowQuery, SortSpec
from tui.db.typed_values import BadValueError, parse_value


def toggle_sort(query: RowQuery, column: str) -> RowQuery:
    """Sort by ``column``: ascending, then descending, then not at all."""
    current = next((s for s in query.sort if s.column == column), None)
    if current is None:
        sort: tuple[SortSpec, ...] = (SortSpec(column),)
    elif not current.descending:
        sort = (SortSpec(column, descending=True),)
    else:
        sort = ()
    return RowQuery(sort, query.filters, query.search)


def with_filter(query: RowQuery, spec: FilterSpec) -> RowQuery:
    return RowQuery(query.sort, (*query.filters, spec), query.search)


def with_filters(query: RowQuery, filters: tuple[FilterSpec, ...]) -> RowQuery:
    """The same sort and search under ``filters`` (some added or removed)."""
    return RowQuery(query.sort, filters, query.search)


def with_search(query: RowQuery, text: str) -> RowQuery:
    return RowQuery(query.sort, query.filters, text)


def within_columns(query: RowQuery, columns: Sequence[str]) -> RowQuery:
    """``query`` without the sort keys and conditions on columns not among ``columns`` (a
    column dropped by another connection): what still applies of it."""
    kept = set(columns)
    return RowQuery(
        tuple(s for s in query.sort if s.column in kept),
        tuple(f for f in query.filters if f.column in kept),
        query.search,
    )


def parse_position(answer: str, total: int) -> int:
    """A 0-based position from "1000" (1-based row) or "50%".

    :class:`~tui.db.typed_values.BadValueError` (a ValueError), with a message for a person,
    when the answer is neither, or a row before the first, or a percentage outside 0 to 100.
    """
    text = answer.strip().replace(",", "").replace("_", "")
    if text.endswith("%"):
        percent = float(parse_value(text[:-1], ValueKind.REAL))
        if not 0 <= percent <= 100:
            raise BadValueError(f"not a percentage from 0% to 100%: {answer.strip()!r}")
        return round(percent / 100 * max(total - 1, 0))
    try:
        row = parse_value(text, ValueKind.INTEGER)
    except BadValueError:
        raise BadValueError(f"not a row number (N or N%): {answer.strip()!r}") from None
    if row < 1:
        raise BadValueError(f"rows are numbered from 1: {answer.strip()!r}")
    return int(row) - 1


def _ascii_lower(name: str) -> str:
    """SQLite folds only A-Z in names ("É" and "é" are two tables)."""
    return name.translate(_ASCII_LOWER)


_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


class NoForeignKeyError(ValueError):
    """The cell under the cursor does not point at a row (message says why)."""


def foreign_key_target(
    details: TableDetails,
    column_names: Sequence[str],
    row: Sequence[Any],
    column: str,
    tables: Sequence[TableInfo],
    *,
    names_ignore_case: bool = False,
) -> tuple[TableInfo, RowQuery]:
    """The table and the query that show the row the foreign key in ``column`` points at.

    ``names_ignore_case``: the engine resolves table names ignoring ASCII case (SQLite), so
    the key's spelling finds the table the engine finds (the exact spelling first)."""
    fk = next((f for f in details.foreign_keys if column in f.columns), None)
    if fk is None:
        raise NoForeignKeyError(f"{column} is not a foreign key")
    values = [row[list(column_names).index(c)] for c in fk.columns]
    if any(v is None for v in values):
        raise NoForeignKeyError("the key is NULL: it points nowhere")
    target = next((t for t in tables if t.name == fk.referred_table), None)
    if target is None and names_ignore_case:
        folded = _ascii_lower(fk.referred_table)
        target = next((t for t in tables if _ascii_lower(t.name) == folded), None)
    if target is None:
        raise NoForeignKeyError(f"no table {fk.referred_table!r}")
    filters = tuple(
        FilterSpec(c, FilterOp.EQ, v) for c, v in zip(fk.referred_columns, values, strict=False)
    )
    return target, RowQuery(filters=filters)
