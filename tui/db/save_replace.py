"""Refusing a save that would make SQLite delete another row (``ON CONFLICT REPLACE``).

A PRIMARY KEY or UNIQUE constraint declared ``ON CONFLICT REPLACE`` resolves a collision by
deleting the row that already holds the value, and ``changes()`` does not count that row:
the UPDATE reports one row, as if nothing else happened. So before an INSERT or UPDATE of
such a table, inside the save's transaction (what earlier statements of the save did is
seen), the row the new values would collide with is looked up; the save is refused, naming
it, rather than let SQLite delete it. The constraints come from the table's ``CREATE TABLE``
text (:mod:`tui.db.sqlite_ddl`); the lookup compares as the unique index does (``=``, the
column's affinity and collation).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, literal_column, not_, select, text
from sqlalchemy.ext.asyncio import AsyncConnection

from tui.db.edits import CellEdit, Change, RowInsert, row_identity
from tui.db.model import TableInfo, TableRef
from tui.db.save_errors import describe_change
from tui.db.save_plan import PlannedStatement, key_condition, table_of
from tui.db.sqlite_ddl import ReplaceConstraint, replace_constraints
from tui.db.values import RowKey

__all__ = ["ReplaceGuard", "ReplaceRefusal"]


@dataclass(frozen=True)
class ReplaceRefusal:
    change: Change  # the insert, or the edit of a column of the constraint
    reason: str


class ReplaceGuard:
    """Checks each statement of one save (SQLite only); reads each table's SQL once."""

    def __init__(self, tables: Mapping[TableRef, TableInfo]) -> None:
        self._tables = tables
        self._constraints: dict[TableRef, tuple[ReplaceConstraint, ...]] = {}

    async def refusal(self, conn: AsyncConnection, step: PlannedStatement) -> ReplaceRefusal | None:
        """Why ``step`` must not run (it would delete another row), or None."""
        change = step.change
        if not isinstance(change, CellEdit | RowInsert):
            return None
        constraints = await self._of(conn, change.table)
        if not constraints:
            return None
        info = self._tables[change.table]
        own: RowKey | None = None
        if isinstance(change, RowInsert):
            new = dict(change.values)
        else:
            new = {e.column: e.new for e in step.changes if isinstance(e, CellEdit)}
            own = step.key if step.key is not None else change.key
        for constraint in constraints:
            if not any(name in new for name in constraint.columns):
                continue  # an UPDATE that leaves these columns alone collides with nothing new
            values = await _values(conn, info, constraint, new, own)
            if values is None:
                continue
            other = await _other_row(conn, info, constraint, values, own)
            if other is None:
                continue
            blamed = next(
                (
                    e
                    for e in step.changes
                    if isinstance(e, CellEdit) and e.column in constraint.columns
                ),
                change,
            )
            return ReplaceRefusal(
                blamed,
                f"{describe_change(blamed)}: saving would make SQLite delete row {other} of"
                f" {info.ref} ({constraint.text}), which does not count as a change;"
                " nothing was saved (saves run in staging order: change that row first,"
                " or swap through a temporary value)",
            )
        return None

    async def _of(self, conn: AsyncConnection, ref: TableRef) -> tuple[ReplaceConstraint, ...]:
        if ref not in self._constraints:
            master = "sqlite_master"
            if ref.schema is not None:
                master = f"{conn.dialect.identifier_preparer.quote(ref.schema)}.sqlite_master"
            sql = await conn.scalar(
                text(f"SELECT sql FROM {master} WHERE type = 'table' AND name = :n"),
                {"n": ref.name},
            )
            self._constraints[ref] = replace_constraints(str(sql)) if sql else ()
        return self._constraints[ref]


async def _values(
    conn: AsyncConnection,
    info: TableInfo,
    constraint: ReplaceConstraint,
    new: Mapping[str, Any],
    own: RowKey | None,
) -> tuple[Any, ...] | None:
    """The constraint's columns as the statement would leave them; None when one is NULL
    (NULLs never collide) or not known (an INSERT leaving it to its default)."""
    missing = [name for name in constraint.columns if name not in new]
    kept: dict[str, Any] = {}
    if missing:
        if own is None:
            return None
        table = table_of(info, [*missing, *([] if own.rowid else own.names)])
        row = (
            await conn.execute(
                select(*(table.c[n] for n in missing)).where(
                    key_condition(conn.dialect, table, info, own)
                )
            )
        ).first()
        if row is None:
            return None  # the UPDATE will find no row either: a conflict, reported as such
        kept = dict(zip(missing, row, strict=True))
    values = tuple(new[n] if n in new else kept[n] for n in constraint.columns)
    return None if any(v is None for v in values) else values


async def _other_row(
    conn: AsyncConnection,
    info: TableInfo,
    constraint: ReplaceConstraint,
    values: tuple[Any, ...],
    own: RowKey | None,
) -> str | None:
    """``id=7`` of another row holding ``values`` in the constraint's columns, or None."""
    identity = row_identity(info)
    names = identity.columns or constraint.columns
    real = [] if identity.rowid else list(names)
    table = table_of(
        info, [*constraint.columns, *real, *([] if own is None or own.rowid else own.names)]
    )
    shown: list[ColumnElement[Any]] = [
        literal_column(n) if identity.rowid else table.c[n] for n in names
    ]
    query = select(*shown).where(
        # What the constraint calls a collision: its own collation's equality.
        key_condition(
            conn.dialect, table, info, RowKey(constraint.columns, values), "u", exact=False
        )
    )
    if own is not None:
        query = query.where(not_(key_condition(conn.dialect, table, info, own)))
    row = (await conn.execute(query.limit(1))).first()
    if row is None:
        return None
    return ", ".join(f"{n}={v!r}" for n, v in zip(names, row, strict=True))
