"""What else a deletion touches: rows of other tables whose foreign keys point at the rows.

The confirmation for deleting rows says how many rows go and, through each foreign key that
refers to them, how many rows of the referring table are deleted with them (``ON DELETE
CASCADE``), set to NULL or to their default, or stop the deletion (``RESTRICT`` / ``NO
ACTION``, reported by the database at save). Only the direct referrers are counted: a cascade
that cascades again is announced as such, not counted to the end.

On SQLite the save enforces foreign keys on its own connection (``PRAGMA foreign_keys = ON``)
even for a file whose other users never turn them on, so these effects do happen.

What the person agreed to is kept with each staged deletion (:func:`row_effects`: one count
per foreign key, zeros included) and counted again inside the save's transaction, before
anything runs (:func:`recount`): another user who added a referring row meanwhile would
otherwise make the save delete more than was announced. A difference is a conflict
(:mod:`tui.db.save`).

A count alone misses another set of the same size (one child replaced by another the person
never saw), so for the foreign keys that change rows (CASCADE, SET NULL, SET DEFAULT) the
referring rows are kept too, as a digest of the whole rows (keys and values: SQLite gives a
deleted row's key again to the next new row) read in key order (the referring table's
primary key; SQLite's rowid where none is declared; every column on a server table without
one). A change to such a row is a conflict too. Beyond :data:`CAP` referring rows per
foreign key and row the deletion is refused at staging (:class:`TooManyReferrersError`)
rather than saved unchecked.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import ColumnElement, and_, bindparam, func, inspect, literal_column, or_, select
from sqlalchemy import column as sa_column
from sqlalchemy import table as sa_table
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.types import NullType

from tui.db.catalog import short_read
from tui.db.key_match import exact_param
from tui.db.model import ForeignKeyInfo, TableDetails

__all__ = [
    "CAP",
    "DeleteEffect",
    "TooManyReferrersError",
    "delete_effects",
    "describe_effects",
    "recount",
    "refer_phrase",
    "row_effects",
    "total",
]

_CHUNK = 200  # parent rows per count statement (bound parameters stay well under limits)
#: Referring rows whose identities a staged deletion notes, per foreign key and row.
CAP = 10_000
_CHANGING = frozenset({"CASCADE", "SET NULL", "SET DEFAULT"})


class TooManyReferrersError(ValueError):
    """A deletion would change more referring rows than can be checked again at save."""


@dataclass(frozen=True)
class DeleteEffect:
    """Rows of ``table`` whose foreign key ``columns`` refer to the rows being deleted."""

    table: str
    columns: tuple[str, ...]
    action: str  # CASCADE, SET NULL, SET DEFAULT, RESTRICT or NO ACTION
    rows: int
    #: The columns of the deleted table the foreign key refers to (to count them again).
    referred: tuple[str, ...] = ()
    #: A digest of the referring rows (whole), in key order ("" where not noted: RESTRICT,
    #: NO ACTION, no row, or a total for the confirmation).
    identities: str = ""


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
                effects.append(_effect(source, fk, count))
    return tuple(effects)


async def row_effects(
    conn: AsyncConnection, details: TableDetails, rows: Sequence[Mapping[str, Any]]
) -> tuple[tuple[DeleteEffect, ...], ...]:
    """For each of ``rows``, one effect per foreign key referring to the table, zeros kept
    (what a staged deletion of that row remembers; :func:`total` adds them up)."""
    found = []
    async with short_read(conn):
        for row in rows:
            effects = []
            for source, fk in details.referenced_by:
                effect = await _noted(conn, source, details.info.ref.schema, fk, row)
                if effect.action in _CHANGING and effect.rows > CAP:
                    raise TooManyReferrersError(
                        f"deleting this row would change {effect.rows:,} rows of {source}"
                        f" ({effect.action}): more than {CAP:,} cannot be checked again when"
                        " saving; delete or change them first"
                    )
                effects.append(effect)
            found.append(tuple(effects))
    return tuple(found)


async def recount(
    conn: AsyncConnection,
    schema: str | None,
    effects: Sequence[DeleteEffect],
    row: Mapping[str, Any],
) -> tuple[DeleteEffect, ...]:
    """``effects`` of deleting ``row`` counted again, on ``conn`` as it is (inside the save's
    transaction: no transaction of its own)."""
    again = []
    for effect in effects:
        fk = ForeignKeyInfo(effect.columns, "", effect.referred, on_delete=effect.action)
        again.append(await _noted(conn, effect.table, schema, fk, row))
    return tuple(again)


async def _noted(
    conn: AsyncConnection,
    source: str,
    schema: str | None,
    fk: ForeignKeyInfo,
    row: Mapping[str, Any],
) -> DeleteEffect:
    """The effect of deleting ``row`` through ``fk``: its count and, for a foreign key that
    changes rows, the digest of their identities (none beyond :data:`CAP`: the count
    differs from any staged one then)."""
    effect = _effect(source, fk, await _count(conn, source, schema, fk, [row]))
    if effect.action not in _CHANGING or not effect.rows or effect.rows > CAP:
        return effect
    identity, every = await _identity(conn, source, schema)
    names = dict.fromkeys([*fk.columns, *(identity or ()), *every])
    referring = sa_table(source, *(sa_column(c) for c in names), schema=schema)
    # None: SQLite's rowid (a keyword, not user text).
    order: list[ColumnElement[Any]] = (
        [literal_column("rowid")] if identity is None else [referring.c[n] for n in identity]
    )
    # The whole rows: a key given again to a new row (SQLite reuses the largest rowid) would
    # otherwise pass for the row that was announced.
    columns = [*order, *(referring.c[n] for n in every)]
    where = and_(
        *(
            referring.c[name] == _param(conn.dialect.name, row.get(referred))
            for name, referred in zip(fk.columns, fk.referred_columns, strict=True)
        )
    )
    digest = hashlib.sha256()
    result = await conn.execute(select(*columns).where(where).order_by(*order))
    for found in result:
        digest.update(repr(tuple(found)).encode("utf-8", "surrogateescape"))
        digest.update(b"\n")
    return replace(effect, identities=digest.hexdigest())


async def _identity(
    conn: AsyncConnection, source: str, schema: str | None
) -> tuple[list[str] | None, list[str]]:
    """What orders the rows of ``source``: its primary key, else SQLite's rowid (None), else
    (a server table without a key) every column; and every column."""

    def read(sync_conn: Any) -> tuple[list[str] | None, list[str]]:
        inspector = inspect(sync_conn)
        every = [str(c["name"]) for c in inspector.get_columns(source, schema)]
        key = inspector.get_pk_constraint(source, schema).get("constrained_columns") or []
        if key:
            return list(key), every
        return (None if sync_conn.dialect.name == "sqlite" else every), every

    return await conn.run_sync(read)


def total(per_row: Sequence[Sequence[DeleteEffect]]) -> tuple[DeleteEffect, ...]:
    """The effects of deleting several rows: the counts of each foreign key added up, the
    ones touching no row left out."""
    sums: dict[tuple[str, tuple[str, ...], str], DeleteEffect] = {}
    for effects in per_row:
        for effect in effects:
            name = (effect.table, effect.columns, effect.action)
            seen = sums.get(name)
            sums[name] = effect if seen is None else replace(seen, rows=seen.rows + effect.rows)
    return tuple(e for e in sums.values() if e.rows)


def _effect(source: str, fk: ForeignKeyInfo, count: int) -> DeleteEffect:
    action = (fk.on_delete or "NO ACTION").upper()
    return DeleteEffect(source, fk.columns, action, count, fk.referred_columns)


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
                    referring.c[name] == _param(conn.dialect.name, value)
                    for name, value in zip(fk.columns, key, strict=True)
                )
            )
            for key in ordered[start : start + _CHUNK]
        ]
        statement = select(func.count()).select_from(referring).where(or_(*matches))
        total += int(await conn.scalar(statement) or 0)
    return total


def _param(dialect_name: str, value: Any) -> Any:
    exact = exact_param(dialect_name, value)
    return bindparam(None, value, type_=NullType()) if exact is value else exact


def refer_phrase(rows: int, deleted: int) -> str:
    """``refers to it``, ``refer to them``: ``rows`` referring to ``deleted`` rows."""
    return f"{'refers' if rows == 1 else 'refer'} to {'it' if deleted == 1 else 'them'}"


def describe_effects(effects: Sequence[DeleteEffect], deleted: int = 1) -> str:
    """One sentence for the confirmation of deleting ``deleted`` rows: what goes with them,
    what is changed, what refuses; "" when nothing refers to them."""
    parts = []
    for effect in (e for e in effects if e.rows):  # a staged deletion keeps its zeros too
        rows = f"{effect.rows:,} row{'s' if effect.rows != 1 else ''} of {effect.table}"
        columns = ", ".join(effect.columns)
        if effect.action == "CASCADE":
            parts.append(f"also deletes {rows} (ON DELETE CASCADE, and what they cascade to)")
        elif effect.action in ("SET NULL", "SET DEFAULT"):
            parts.append(f"sets {columns} to {effect.action[4:]} in {rows}")
        else:
            refer = refer_phrase(effect.rows, deleted)
            parts.append(f"{rows} still {refer} ({effect.action}): the save will fail")
    return "; ".join(parts)
