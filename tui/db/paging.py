"""Keyset page queries over one relation, with server-side sort and filters.

A :class:`RowQuery` says what the user asked for (sort, filters, quick search). A
:class:`Pager` turns it into SQLAlchemy statements over one relation: the user's columns plus
the *order key* — the sort columns followed by the relation's unique key (rowid, primary key)
— whose values form each row's cursor. Pages are then fetched strictly after or before a
cursor, so paging never skips or repeats rows and never needs OFFSET, except for relations
with no key (views), where OFFSET is the only way and the caller is told so.

The canonical order puts NULLs first when ascending and last when descending (SQLite's and
MySQL's native behaviour; PostgreSQL is told explicitly), so one predicate builder serves
every engine.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Select,
    String,
    and_,
    cast,
    false,
    func,
    literal_column,
    or_,
    select,
    true,
)
from sqlalchemy import column as sa_column
from sqlalchemy import table as sa_table
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.expression import FromClause

from tui.db.conditions import FilterOp, FilterSpec, InvalidQueryError, condition
from tui.db.dialects.base import DialectStrategy
from tui.db.filter_spec import literal
from tui.db.key_match import exact_param, key_matches
from tui.db.model import ColumnInfo, KeyKind, RowCount, TableInfo
from tui.db.values import PREVIEW, RowKey, preview_columns, with_previews

Cursor = tuple[Any, ...]
# Filter conditions live in their own module; these names are the paging API's too.
__all__ = [
    "Cursor",
    "FilterOp",
    "FilterSpec",
    "InvalidQueryError",
    "Page",
    "Pager",
    "RowQuery",
    "SortSpec",
    "relation_of",
]


def relation_of(info: TableInfo) -> FromClause:
    """What the pages are read from: the relation, or a console query's statement."""
    if info.sql:
        from tui.db.console import query_relation

        return query_relation(info)
    return sa_table(
        info.ref.name, *(sa_column(c.name) for c in info.columns), schema=info.ref.schema
    )


_ROWID_ALIASES = ("rowid", "_rowid_", "oid")


@dataclass(frozen=True)
class SortSpec:
    column: str
    descending: bool = False

    def __str__(self) -> str:
        return f"{self.column} {'↓' if self.descending else '↑'}"


@dataclass(frozen=True)
class RowQuery:
    """What the user asked to see of a relation."""

    sort: tuple[SortSpec, ...] = ()
    filters: tuple[FilterSpec, ...] = ()
    search: str = ""

    @property
    def is_plain(self) -> bool:
        return not self.sort and not self.filters and not self.search

    def describe(self) -> str:
        parts = []
        if self.sort:
            parts.append("sort " + ", ".join(map(str, self.sort)))
        if self.filters:
            parts.append("where " + " and ".join(map(str, self.filters)))
        if self.search:
            parts.append(f"search {literal(self.search)}")  # as typed, as conditions are
        return "; ".join(parts)


@dataclass(frozen=True)
class Page:
    """Consecutive rows in display order, each with the cursor that locates it."""

    rows: tuple[tuple[Any, ...], ...]
    cursors: tuple[Cursor, ...]

    def __len__(self) -> int:
        return len(self.rows)


@dataclass(frozen=True)
class _OrderItem:
    expr: ColumnElement[Any]
    descending: bool
    nullable: bool
    #: The column it orders by (None for the hidden rowid).
    name: str | None = None

    def reversed(self) -> _OrderItem:
        return _OrderItem(self.expr, not self.descending, self.nullable, self.name)


_TEXTY = re.compile(r"CHAR|CLOB|TEXT|STRING|JSON|ENUM|UUID|NAME", re.IGNORECASE)


@dataclass
class Pager:
    """Builds and runs the page queries of one relation under one :class:`RowQuery`."""

    info: TableInfo
    strategy: DialectStrategy
    query: RowQuery = field(default_factory=RowQuery)
    #: Characters (or bytes) of a value a page carries; longer ones become a Preview. Only
    #: where a key can read the rest later (see :mod:`tui.db.values`).
    preview: int | None = PREVIEW

    def __post_init__(self) -> None:
        columns = [c for c in self.info.columns if not c.hidden] or list(self.info.columns)
        self.columns: tuple[ColumnInfo, ...] = tuple(columns)
        self._by_name = {c.name: c for c in self.info.columns}
        self.table: FromClause = relation_of(self.info)
        self._order = self._order_items()
        self._where = self._where_clause()
        # A cursor value of a shown column is that column's value in the row (read whole):
        # selected once, so that a table as wide as the engine allows still pages.
        shown = {c.name: at for at, c in enumerate(self.columns)}
        # The hidden rowid's value is its alias's, an INTEGER PRIMARY KEY (SQLite only).
        alias = self.info.rowid_alias
        rowid = shown.get(alias) if alias and self.info.key_kind is KeyKind.ROWID else None
        self._cursor_at: tuple[int | None, ...] = tuple(
            rowid if item.name is None else shown.get(item.name) for item in self._order
        )
        self._values: list[ColumnElement[Any]] = [self.table.c[c.name] for c in self.columns]
        self._extras: list[ColumnElement[Any]] = []
        self._bounded: list[int] = []
        if self.preview is not None and self.keyed:
            labels = sum(1 for at in self._cursor_at if at is None)
            self._values, self._extras, self._bounded = preview_columns(
                self.strategy.name,
                self.columns,
                self.table,
                self.preview,
                room=self.strategy.max_result_columns - len(self.columns) - labels,
                whole={self.columns[at].name for at in self._cursor_at if at is not None},
            )

    # -- what the caller needs to know ---------------------------------------------------
    @property
    def keyed(self) -> bool:
        """Whether rows have a unique key, so keyset paging is exact."""
        return self.info.key_kind is not KeyKind.NONE

    @property
    def filtered(self) -> bool:
        return bool(self.query.filters or self.query.search)

    # -- statement building --------------------------------------------------------------
    def _col(self, name: str) -> ColumnElement[Any]:
        if name not in self._by_name:
            raise InvalidQueryError(f"no column {name!r} in {self.info.ref}")
        return self.table.c[name]

    def _key_items(self) -> list[tuple[str | None, ColumnElement[Any]]]:
        """The unique key as (column name, expression); the name is None for the hidden rowid."""
        if self.info.key_kind is KeyKind.ROWID:
            name = self.info.key_columns[0] if self.info.key_columns else "rowid"
            if name in self._by_name and name.lower() not in _ROWID_ALIASES:
                return [(name, self._col(name))]  # an INTEGER PRIMARY KEY, the rowid's alias
            if name.lower() not in _ROWID_ALIASES:
                raise InvalidQueryError(f"not a rowid alias: {name!r}")
            # A user column may be called rowid (SQLite names are case-insensitive) and would
            # hide the real one: take the first alias no column shadows.
            taken = {c.name.lower() for c in self.info.columns}
            alias = next((a for a in _ROWID_ALIASES if a not in taken), None)
            if alias is None:
                raise InvalidQueryError(f"every rowid alias is a column of {self.info.ref}")
            # A fixed keyword, never user text: safe to emit literally.
            return [(None, literal_column(alias))]
        if self.info.key_kind is KeyKind.PRIMARY_KEY and not self.info.key_columns:
            raise InvalidQueryError(f"{self.info.ref} has a primary key with no columns")
        return [(name, self._col(name)) for name in self.info.key_columns]

    def _order_items(self) -> list[_OrderItem]:
        items = [
            _OrderItem(
                self._col(s.column), s.descending, self._by_name[s.column].nullable, s.column
            )
            for s in self.query.sort
        ]
        sorted_names = {s.column for s in self.query.sort}
        for name, expr in self._key_items():
            # A sorted key column already orders uniquely; the hidden rowid (None) never is.
            if name not in sorted_names:
                items.append(_OrderItem(expr, False, False, name))
        return items

    def _order_by(self, items: Sequence[_OrderItem]) -> list[Any]:
        clauses: list[Any] = []
        explicit = not self.strategy.nulls_first_when_ascending
        for item in items:
            if item.descending:
                clause = item.expr.desc()
                clauses.append(clause.nulls_last() if explicit and item.nullable else clause)
            else:
                clause = item.expr.asc()
                clauses.append(clause.nulls_first() if explicit and item.nullable else clause)
        return clauses

    def _filter_expr(self, spec: FilterSpec) -> ColumnElement[bool]:
        return condition(self._col(spec.column), spec, self.strategy)

    def search_columns(self) -> list[ColumnInfo]:
        """Columns the quick search looks in: text-like ones (all, where types are unknown)."""
        texty = [c for c in self.columns if not c.type_name or _TEXTY.search(c.type_name)]
        return texty or list(self.columns)

    def _where_clause(self) -> ColumnElement[bool] | None:
        conditions = [self._filter_expr(f) for f in self.query.filters]
        if self.query.search:
            needle = self.query.search
            conditions.append(
                or_(
                    *(
                        self.strategy.contains(cast(self.table.c[c.name], String), needle)
                        for c in self.search_columns()
                    )
                )
            )
        return and_(*conditions) if conditions else None

    def _after(
        self, items: Sequence[_OrderItem], values: Cursor, inclusive: bool = False
    ) -> ColumnElement[bool]:
        """Rows strictly after ``values`` in the order ``items`` (or equal, if inclusive)."""
        if len(values) != len(items):
            raise InvalidQueryError("cursor does not match the order key")
        result: ColumnElement[bool] = true() if inclusive else false()
        # Built from the last item outwards: after_i = gt_i OR (eq_i AND after_{i+1}).
        for item, stored in reversed(list(zip(items, values, strict=True))):
            expr, value = item.expr, exact_param(self.strategy.name, stored)
            if stored is None:
                eq = expr.is_(None)
                gt = false() if item.descending else expr.is_not(None)
            else:
                eq = expr == value
                if item.descending:
                    gt = or_(expr < value, expr.is_(None)) if item.nullable else expr < value
                else:
                    gt = expr > value
            result = or_(gt, and_(eq, result))
        first, first_value = items[0], exact_param(self.strategy.name, values[0])
        if values[0] is not None:
            # A redundant range on the leading column lets the engine seek its index.
            if not first.descending:
                result = and_(first.expr >= first_value, result)
            elif not first.nullable:
                result = and_(first.expr <= first_value, result)
        return result

    def _select(self, items: Sequence[_OrderItem]) -> Select[Any]:
        labels = [
            item.expr.label(f"__k{i}") for i, item in enumerate(items) if self._cursor_at[i] is None
        ]
        stmt = select(*self._values, *self._extras, *labels).select_from(self.table)
        if self._where is not None:
            stmt = stmt.where(self._where)
        return stmt.order_by(*self._order_by(items))

    def statement(
        self,
        *,
        after: Cursor | None = None,
        before: Cursor | None = None,
        at_or_after: Cursor | None = None,
        until: Cursor | None = None,
        from_end: bool = False,
        limit: int,
        offset: int = 0,
    ) -> tuple[Select[Any], bool]:
        """The statement for one page, and whether its rows come back in reverse order.

        ``until`` bounds the rows from above (strictly before it): it changes no answer the
        caller expects, but lets an unindexed sort keep only the rows up to it.
        """
        items = self._order
        reverse = before is not None or from_end
        relative = reverse or after is not None or at_or_after is not None
        if relative and not items:
            # With no ORDER BY there is nothing to reverse or compare against: "from the end"
            # would silently return the first rows backwards.
            raise InvalidQueryError(f"{self.info.ref} has no order to page by: use an offset")
        if reverse:
            items = [i.reversed() for i in items]
        stmt = self._select(items)
        if after is not None:
            stmt = stmt.where(self._after(self._order, after))
        if before is not None:
            stmt = stmt.where(self._after(items, before))
        if at_or_after is not None:
            stmt = stmt.where(self._after(self._order, at_or_after, inclusive=True))
        if until is not None:
            stmt = stmt.where(self._after([i.reversed() for i in self._order], until))
        stmt = stmt.limit(limit)
        if offset:
            stmt = stmt.offset(offset)
        return stmt, reverse

    def export_statement(self) -> Select[Any]:
        """Every row of the view, in its order, the shown columns only, each value whole."""
        values = [self.table.c[c.name] for c in self.columns]
        stmt = select(*values).select_from(self.table)
        if self._where is not None:
            stmt = stmt.where(self._where)
        return stmt.order_by(*self._order_by(self._order))

    def row_key(self, cursor: Cursor) -> RowKey | None:
        """The unique key of the row at ``cursor`` (to read its values again); None if keyless."""
        if not self.keyed:
            return None
        sorted_names = [s.column for s in self.query.sort]
        names: list[str] = []
        values: list[Any] = []
        rowid = False
        tail = len(sorted_names)  # key columns not sorted follow the sort columns
        for name, expr in self._key_items():
            if name is not None and name in sorted_names:
                values.append(cursor[sorted_names.index(name)])
            else:
                values.append(cursor[tail])
                tail += 1
            if name is None:
                rowid = True
                names.append(str(expr))  # the alias keyword itself (rowid, _rowid_, oid)
            else:
                names.append(name)
        return RowKey(tuple(names), tuple(values), rowid)

    def _key_where(self, key: RowKey) -> ColumnElement[bool] | None:
        """The row named by ``key`` (as :meth:`row_key` gives it); None if it names another
        key than this relation's."""
        items = self._key_items()
        if len(items) != len(key.values):
            return None
        dialect = self.strategy.name
        columns = [expr for _, expr in items]
        return key_matches(dialect, self.info, columns, key, lambda _, v: exact_param(dialect, v))

    # -- running -------------------------------------------------------------------------
    async def fetch(
        self,
        conn: AsyncConnection,
        *,
        after: Cursor | None = None,
        before: Cursor | None = None,
        at_or_after: Cursor | None = None,
        until: Cursor | None = None,
        from_end: bool = False,
        limit: int,
        offset: int = 0,
    ) -> Page:
        """One page in display order. Each call is one statement in its own short read."""
        stmt, reverse = self.statement(
            after=after,
            before=before,
            at_or_after=at_or_after,
            until=until,
            from_end=from_end,
            limit=limit,
            offset=offset,
        )
        result = await conn.execute(stmt)
        raw = result.all()
        await conn.rollback()
        width = len(self.columns)
        extra = width + len(self._extras)
        if reverse:
            raw.reverse()
        rows = tuple(with_previews(r[:width], r[width:extra], self._bounded) for r in raw)
        cursors = tuple(self._cursor(r) for r in raw)
        return Page(rows, cursors)

    def _cursor(self, row: Sequence[Any]) -> Cursor:
        """The cursor of a row :meth:`_select` read: its shown columns', then its labels."""
        labels = iter(row[len(self.columns) + len(self._extras) :])
        return tuple(row[at] if at is not None else next(labels) for at in self._cursor_at)

    async def cursor_of(self, conn: AsyncConnection, key: RowKey) -> Cursor | None:
        """The cursor of the row with ``key`` as it is now (its sort values may have changed
        since the key was read); None when it is gone or the query no longer matches it."""
        where = self._key_where(key)
        if where is None or not self._order:
            return None
        stmt = self._select(self._order).where(where).limit(1)
        row = (await conn.execute(stmt)).first()
        await conn.rollback()
        if row is None:
            return None
        return self._cursor(row)

    async def count(self, conn: AsyncConnection, cap: int | None = None) -> RowCount:
        """Rows matching the query: exact, or a lower bound when ``cap`` is reached."""
        inner: Select[Any] = select(literal_column("1")).select_from(self.table)
        if self._where is not None:
            inner = inner.where(self._where)
        if cap is not None:
            inner = inner.limit(cap + 1)
        stmt = select(func.count()).select_from(inner.subquery())
        value = int((await conn.execute(stmt)).scalar_one())
        await conn.rollback()
        if cap is not None and value > cap:
            return RowCount(cap, at_least=True)
        return RowCount(value, exact=True)

    async def rows_before(self, conn: AsyncConnection, cursor: Cursor) -> int:
        """How many matching rows come before ``cursor``: its position, if it still exists."""
        before = self._after([item.reversed() for item in self._order], cursor)
        inner: Select[Any] = select(literal_column("1")).select_from(self.table).where(before)
        if self._where is not None:
            inner = inner.where(self._where)
        stmt = select(func.count()).select_from(inner.subquery())
        value = int((await conn.execute(stmt)).scalar_one())
        await conn.rollback()
        return value

    async def key_bounds(self, conn: AsyncConnection) -> tuple[Any, Any] | None:
        """Min and max of a single-column key with no sort or filter (O(log n) on an index)."""
        if not self.keyed or len(self._order) != 1:
            return None
        expr = self._order[0].expr
        # One aggregate per subquery: SQLite answers a lone min() or max() from the index
        # in O(log n), but scans the whole table for min() and max() in one SELECT.
        low = select(func.min(expr)).select_from(self.table)
        high = select(func.max(expr)).select_from(self.table)
        if self._where is not None:
            low, high = low.where(self._where), high.where(self._where)
        stmt = select(low.scalar_subquery(), high.scalar_subquery())
        row = (await conn.execute(stmt)).one()
        await conn.rollback()
        return (row[0], row[1])

    async def key_bounds_and_count(self, conn: AsyncConnection) -> tuple[Any, Any, int] | None:
        """Min and max of a single-column key and the row count, from one snapshot.

        One statement (scalar subqueries), so the three agree even while others write; the
        count keeps each engine's fast path for a bare ``count(*)``.
        """
        if not self.keyed or len(self._order) != 1:
            return None
        expr = self._order[0].expr

        def scalar(column: ColumnElement[Any]) -> Any:
            inner = select(column).select_from(self.table)
            if self._where is not None:
                inner = inner.where(self._where)
            return inner.scalar_subquery()

        stmt = select(scalar(func.min(expr)), scalar(func.max(expr)), scalar(func.count()))
        row = (await conn.execute(stmt)).one()
        await conn.rollback()
        return (row[0], row[1], int(row[2]))

    def order_key_statement(self, *, every: int = 0) -> Select[Any]:
        """The order key of every matching row, in order; with ``every``, only each K-th.

        ``every`` numbers the rows with ``row_number()`` on the server and keeps rows 1,
        K + 1, 2K + 1…: one ordered pass yields the whole sparse position index.
        """
        labels = [item.expr.label(f"__k{i}") for i, item in enumerate(self._order)]
        if not every:
            stmt = select(*labels).select_from(self.table)
            if self._where is not None:
                stmt = stmt.where(self._where)
            return stmt.order_by(*self._order_by(self._order))
        number = func.row_number().over(order_by=self._order_by(self._order)).label("__rn")
        inner = select(*labels, number).select_from(self.table)
        if self._where is not None:
            inner = inner.where(self._where)
        rows = inner.subquery("numbered")
        keys = [rows.c[f"__k{i}"] for i in range(len(labels))]
        return select(*keys).where((rows.c["__rn"] - 1) % every == 0).order_by(rows.c["__rn"])
