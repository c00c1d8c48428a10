"""What else a deletion touches: rows of other tables whose foreign keys point at the rows.

The confirmation for deleting rows says how many rows go and, through each foreign key that
refers to them, how many rows of the referring table are deleted with them (``ON DELETE
CASCADE``), set to NULL or to their default, or stop the deletion (``RESTRICT`` / ``NO
ACTION``, reported by the database at save). Only the direct referrers are counted: a cascade
that cascades again is announced as such, not counted to the end.

On SQLite the save enforces foreign keys on its own connection (``PRAGMA foreign_keys = ON``)
even for a file whose other users never turn them on, so these effects do happen.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, bindparam, func, or_, select
from sqlalchemy import column as sa_column
from sqlalchemy import table as sa_table
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.types import NullType

from tui.db.catalog import short_read
from tui.db.model import ForeignKeyInfo, TableDetails

__all__ = ["DeleteEffect", "delete_effects", "describe_effects"]

_CHUNK = 200  # parent rows per count statement (bound parameters stay well under limits)


@dataclass(frozen=True)
class DeleteEffect:
    """Rows of ``table`` whose foreign key ``columns`` refer to the rows being deleted."""

    table: str
    columns: tuple[str, ...]
    action: str  # CASCADE, SET NULL, SET DEFAULT, RESTRICT or NO ACTION
    rows: int


async def delete_effects(
    conn: AsyncConnection, details: TableDetails, rows: Sequence[Mapping[str, Any]]
) -> tuple[DeleteEffect, ...]:
    """For each foreign key referring to ``details.info``, the rows of ``rows`` (column name
    -> value as stored) it holds references to; effects touching no row are left out."""
    effects = []
    async with short_read(conn):
        for source, fk in details.referenced_by:
            count = await _count(conn, source, details.info.ref.schema, fk, rows)
            if count:
                action = (fk.on_delete or "NO ACTION").upper()
                effects.append(DeleteEffect(source, fk.columns, action, count))
    return tuple(effects)


async def _count(
    conn: AsyncConnection,
    source: str,
    schema: str | None,
    fk: ForeignKeyInfo,
    rows: Sequence[Mapping[str, Any]],
) -> int:
    referring = sa_table(source, *(sa_column(c) for c in fk.columns), schema=schema)
    keys = {
        tuple(row.get(c) for c in fk.referred_columns)
        for row in rows
        if all(row.get(c) is not None for c in fk.referred_columns)
    }
    ordered = list(keys)
    total = 0
    for start in range(0, len(ordered), _CHUNK):
        matches = [
            and_(
                *(
                    referring.c[name] == bindparam(None, value, type_=NullType())
                    for name, value in zip(fk.columns, key, strict=True)
                )
            )
            for key in ordered[start : start + _CHUNK]
        ]
        statement = select(func.count()).select_from(referring).where(or_(*matches))
        total += int(await conn.scalar(statement) or 0)
    return total


def describe_effects(effects: Sequence[DeleteEffect]) -> str:
    """One sentence for the confirmation: what goes with the rows, what is changed, what
    refuses; "" when nothing refers to them."""
    parts = []
    for effect in effects:
        rows = f"{effect.rows:,} row{'s' if effect.rows != 1 else ''} of {effect.table}"
        columns = ", ".join(effect.columns)
        if effect.action == "CASCADE":
            parts.append(f"also deletes {rows} (ON DELETE CASCADE, and what they cascade to)")
        elif effect.action in ("SET NULL", "SET DEFAULT"):
            parts.append(f"sets {columns} to {effect.action[4:]} in {rows}")
        else:
            parts.append(f"{rows} still refer to them ({effect.action}): the save will fail")
    return "; ".join(parts)
