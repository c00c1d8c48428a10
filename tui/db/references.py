"""The rows of other tables that point at one row through their foreign keys ("referenced by").

:func:`referring_views` turns the schema's reverse foreign keys (``TableDetails.referenced_by``)
and the row under the cursor into one view per foreign key: the referring table filtered to
the rows whose key columns equal this row's referred columns (all of them, for a composite
key). :func:`count_referrers` counts each, exactly up to a cap and labelled beyond it. Names
go through SQLAlchemy's quoting (:class:`~tui.db.paging.Pager`), values are bound.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy.ext.asyncio import AsyncConnection

from tui.db.dialects.base import DialectStrategy
from tui.db.model import ForeignKeyInfo, RowCount, TableDetails, TableInfo
from tui.db.paging import FilterOp, FilterSpec, Pager, RowQuery

#: Rows counted exactly per referring view; past it the count says "> 10,000".
COUNT_CAP = 10_000


class NoReferencesError(ValueError):
    """Nothing can refer to the row (message says why)."""


@dataclass(frozen=True)
class Referrer:
    """One referring table's rows that point at the row, through one foreign key."""

    table: TableInfo
    foreign_key: ForeignKeyInfo
    query: RowQuery
    count: RowCount | None = None  #: None until counted; None after also when NULL keys
    null_key: bool = False  #: the row's referred value is NULL: nothing can point at it

    @property
    def label(self) -> str:
        """``orders.customer_id``: the table, and the key's columns when it has several."""
        return f"{self.table.name} ({', '.join(self.foreign_key.columns)})"


def referring_views(
    details: TableDetails,
    column_names: Sequence[str],
    row: Sequence[Any],
    tables: Sequence[TableInfo],
) -> list[Referrer]:
    """One :class:`Referrer` per foreign key that points at ``details``' table.

    ``tables`` are the listed relations (the referring ones are found there by name, in the
    same schema). :class:`NoReferencesError` when no foreign key points here.
    """
    if not details.referenced_by:
        raise NoReferencesError(f"no foreign key refers to {details.info.name}")
    schema = details.info.ref.schema
    by_name = {t.name: t for t in tables if t.ref.schema == schema}
    names = list(column_names)
    found: list[Referrer] = []
    for table_name, fk in details.referenced_by:
        table = by_name.get(table_name)
        if table is None:
            continue
        missing = [c for c in fk.referred_columns if c not in names]
        if missing:
            raise NoReferencesError(f"the grid does not show the referred column {missing[0]!r}")
        values = [row[names.index(c)] for c in fk.referred_columns]
        filters = tuple(
            FilterSpec(c, FilterOp.EQ, v) for c, v in zip(fk.columns, values, strict=True)
        )
        found.append(
            Referrer(table, fk, RowQuery(filters=filters), null_key=any(v is None for v in values))
        )
    if not found:
        raise NoReferencesError(f"no listed table refers to {details.info.name}")
    return found


def referred_values(referrers: Sequence[Referrer]) -> str:
    """The row's values the foreign keys point at: ``id = 3``, ``country = 'fr', code = '75'``."""
    pairs: dict[str, Any] = {}
    for referrer in referrers:
        columns, filters = referrer.foreign_key.referred_columns, referrer.query.filters
        for column, spec in zip(columns, filters, strict=True):
            pairs.setdefault(column, spec.value)
    return ", ".join(f"{column} = {value!r}" for column, value in pairs.items())


async def count_referrers(
    conn: AsyncConnection, strategy: DialectStrategy, referrer: Referrer, cap: int = COUNT_CAP
) -> Referrer:
    """``referrer`` with its rows counted (exact, or a lower bound past ``cap``).

    Its table must be described (columns known). A NULL referred value matches nothing: 0.
    """
    if referrer.null_key:
        return replace(referrer, count=RowCount(0, exact=True))
    pager = Pager(referrer.table, strategy, referrer.query, preview=None)
    return replace(referrer, count=await pager.count(conn, cap=cap))


__all__ = [
    "COUNT_CAP",
    "NoReferencesError",
    "Referrer",
    "count_referrers",
    "referred_values",
    "referring_views",
]
