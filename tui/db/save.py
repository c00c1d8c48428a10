"""Applying staged changes: the statements, and the one short transaction that runs them.

:func:`plan_save` turns a :class:`~tui.db.edits.ChangeSet`'s changes into SQLAlchemy
``insert()``/``update()``/``delete()`` statements on ``table()``/``column()`` constructs, every
value bound, never spliced into SQL text:

- **staging order**: the statements run in the order the user staged the changes, so a swap
  of unique values through a temporary value (``a -> tmp``, ``b -> a``, ``tmp -> b``, kept
  as three steps by the change set) and a delete followed by an insert of the same key save
  as they were staged. Cell edits of one row staged one after another (nothing else staged
  between them) are one UPDATE, at that place; an edit staged after a change to anything
  else is an UPDATE of its own at its own place, conditional on what the earlier UPDATEs of
  the same save wrote (its key included, when one of them changed the key);
- UPDATE and DELETE are conditional on what the user saw: ``WHERE key = :k AND col IS
  :original`` for each edited column (SQLite ``IS``, PostgreSQL ``IS NOT DISTINCT FROM``,
  MariaDB ``<=>``, over the bytes of text there since its collations ignore case and trailing
  spaces), and every column for a DELETE; large values are compared whole;
- **foreign keys** are checked when the transaction commits where the engine allows it:
  SQLite ``PRAGMA defer_foreign_keys = ON`` (a child inserted before its parent saves; a real
  violation fails the COMMIT, which SQLite does not attribute to any statement, so no change
  is pointed at unless the save is one statement), PostgreSQL ``SET CONSTRAINTS ALL
  DEFERRED`` (only constraints declared DEFERRABLE; the others are checked at each
  statement). MariaDB checks at each statement:
  there, and on PostgreSQL, an insert of a child row staged before the insert of the parent
  row it refers to runs right after it, and a delete of a parent row staged before the delete
  of a child row referring to it runs right after that (matched value for value); anything
  else keeps staging order, and the engine's refusal names the constraint.

**Concurrent changes to other columns.** Only the edited columns (and the key) are compared.
If another connection changed a *different* column of the same row since it was read, the
save still applies: the other change is kept and this one is added beside it; nothing is
lost on either side. A change to the *same* column, or a deleted row, is a :class:`Conflict`.
A DELETE compares every column, so any change to the row stops it, and so does an edit of
a row named by its rowid (no declared key): VACUUM may give that rowid to another row, so only
the whole row names it (``CellEdit.row``).

**What a deletion takes with it.** A staged deletion keeps what its confirmation announced
(rows of other tables deleted by ``ON DELETE CASCADE``, set to NULL or default, or refusing):
the counts are taken again inside the transaction before any statement runs (the state the
confirmation counted, before this save's own changes), after locking the row on the servers
so that no referring row can be added until the save ends; the rows a CASCADE or SET NULL /
DEFAULT would change are compared too (a digest of them, whole), so another set of the same
size is no match. Effects that differ are a
:class:`Conflict` (``effects`` holds them): nothing is written, the deletion stays staged,
and keeping it re-stages it with the new counts, knowingly.

:func:`save_changes` runs the plan all-or-nothing: on SQLite ``PRAGMA foreign_keys = ON``
then ``BEGIN IMMEDIATE`` (so waiting for the write lock happens before anything is written,
within the busy timeout) on a connection whose driver issues no BEGIN of its own; each
statement must touch exactly one row. Database errors become a :class:`SaveOutcome` naming
the constraint or trigger (:mod:`tui.db.save_errors`), pointing at the edit of the column
the error names when one UPDATE carries several; nothing here raises for them.

**Schema changes.** The statements are built from each table's columns as they were read
when the changes were staged. Another connection may have added, dropped, renamed or retyped
a column since (a deletion would then take values the person never saw). So inside the
transaction, before anything runs, each table saved to is described again
(:meth:`~tui.db.dialects.base.DialectStrategy.describe`); a table whose columns differ stops
the save: nothing is written, every change stays staged, and the outcome carries the new
descriptions (``changed_tables``) so the screen reads them and the next save runs on them.

**ON CONFLICT REPLACE** (SQLite): an INSERT or UPDATE that collides with another row on a
PRIMARY KEY or UNIQUE constraint declared ``ON CONFLICT REPLACE`` makes SQLite delete that
row silently (``changes()`` does not count it). Before each INSERT or UPDATE of such a
table, inside the transaction, the other row is looked up (:mod:`tui.db.save_replace`); if
there is one, nothing is saved and the refusal names it. An INSERT that leaves a column of
such a constraint to its default is not checked.
"""

from __future__ import annotations

import contextlib
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sqlalchemy import select
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection

from app.engines import DEFAULT_BUSY_TIMEOUT_MS
from tui.db.column_changes import column_changes
from tui.db.delete_effects import DeleteEffect, recount
from tui.db.edits import (
    CellEdit,
    Change,
    ChangeSet,
    RowDelete,
    RowInsert,
    StagingError,
    first_unbound,
    same_value,
)
from tui.db.model import TableInfo, TableRef
from tui.db.save_errors import (
    blamed_change,
    describe_change,
    explain_error,
    refused_deletion,
)
from tui.db.save_plan import PlannedStatement, key_condition, plan_save, table_of
from tui.db.save_replace import ReplaceGuard
from tui.db.source import mark_committed
from tui.db.values import RowKey

__all__ = [
    "Conflict",
    "PlannedStatement",
    "SaveOutcome",
    "plan_save",
    "resolve_conflict",
    "save_changes",
]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Conflict:
    change: Change
    mine: Any  # what the user wants (CellEdit.new; None for deletes)
    original: Any  # what the user saw
    current: tuple[tuple[str, Any], ...] | None  # the row as it is now; None when it is gone
    #: A deletion whose effects changed since it was staged: what it would take now.
    effects: tuple[DeleteEffect, ...] | None = None


@dataclass(frozen=True)
class SaveOutcome:
    ok: bool
    applied: int  # statements run (0 when rolled back)
    failed: Change | None = None
    reason: str = ""
    conflict: Conflict | None = None
    #: Tables whose columns changed since they were read, as they are now (the save stopped).
    changed_tables: tuple[TableInfo, ...] = ()


# -- running -------------------------------------------------------------------------------


async def _begin(conn: AsyncConnection, sqlite: bool, lock_wait_ms: int) -> None:
    if conn.in_transaction():
        await conn.rollback()  # a read the connection had open: nothing of ours
    if sqlite:
        # The driver must not BEGIN on its own (pysqlite and aiosqlite do, before DML): the
        # transaction is ours, and IMMEDIATE takes the write lock before anything runs.
        await conn.execution_options(isolation_level="AUTOCOMMIT")
        # Only takes effect outside a transaction: so before BEGIN.
        await conn.exec_driver_sql("PRAGMA foreign_keys = ON")
        await conn.exec_driver_sql("BEGIN IMMEDIATE")
        # Reset by every COMMIT and ROLLBACK: so inside the transaction.
        await conn.exec_driver_sql("PRAGMA defer_foreign_keys = ON")
    else:
        from tui.db.dialects import strategy_for

        await conn.begin()
        if conn.dialect.name == "postgresql":
            await conn.exec_driver_sql("SET CONSTRAINTS ALL DEFERRED")
        # Another session's row lock stops the save after the wait SQLite's busy timeout
        # allows, naming that session, instead of holding the screen until it lets go.
        await strategy_for(conn.dialect.name).limit_lock_wait(conn, lock_wait_ms)


async def _commit(conn: AsyncConnection, sqlite: bool) -> None:
    if sqlite:
        await conn.exec_driver_sql("COMMIT")
    await conn.commit()


async def _rollback(conn: AsyncConnection, sqlite: bool) -> None:
    """Best effort: a lost connection or a transaction SQLite already ended must not mask the
    reason the save failed."""
    if sqlite:
        with contextlib.suppress(SQLAlchemyError):
            raw = await conn.get_raw_connection()
            driver = raw.driver_connection
            if driver is None or getattr(driver, "in_transaction", True):
                await conn.exec_driver_sql("ROLLBACK")
    with contextlib.suppress(SQLAlchemyError):
        await conn.rollback()


async def _current_row(
    conn: AsyncConnection, info: TableInfo, key: RowKey
) -> tuple[tuple[str, Any], ...] | None:
    table = table_of(info, [*info.column_names, *([] if key.rowid else key.names)])
    columns = [table.c[name] for name in info.column_names]
    row = (
        await conn.execute(select(*columns).where(key_condition(conn.dialect, table, info, key)))
    ).first()
    return None if row is None else tuple(zip(info.column_names, row, strict=True))


def _as_seen(step: PlannedStatement, current: tuple[tuple[str, Any], ...]) -> bool:
    """Whether the row still holds every value the change was conditional on."""
    now = dict(current)
    seen: dict[str, Any] = {}
    for change in step.changes:
        if isinstance(change, CellEdit):
            seen.update(change.row)
            seen[change.column] = change.original
        elif isinstance(change, RowDelete):
            seen.update(change.original)
        else:
            return False
    return all(name in now and same_value(now[name], value) for name, value in seen.items())


def _conflict(step: PlannedStatement, current: tuple[tuple[str, Any], ...] | None) -> Conflict:
    first = step.change
    if isinstance(first, RowDelete):
        return Conflict(first, None, first.original, current)
    if isinstance(first, RowInsert):  # a trigger's RAISE(IGNORE) dropped the new row
        return Conflict(first, first.values, None, None)
    now = dict(current or ())
    edits = [c for c in step.changes if isinstance(c, CellEdit)]
    changed = next((e for e in edits if not same_value(now.get(e.column), e.original)), first)
    return Conflict(changed, changed.new, changed.original, current)


def _column_shape(info: TableInfo) -> dict[str, tuple[str, int, bool]]:
    return {c.name: (c.type_name.upper(), c.primary_key, c.generated) for c in info.columns}


def schema_difference(before: TableInfo, now: TableInfo) -> str:
    """``added note; renamed a to b; column price INTEGER -> TEXT``: how ``now`` differs from
    ``before`` ("" when the columns are the same)."""
    old, new = _column_shape(before), _column_shape(now)
    moved = column_changes(before, now)
    parts = [moved.words()] if moved else []
    for name in (n for n in old if n in new and old[n] != new[n]):
        was, is_ = old[name][0], new[name][0]
        if was != is_:
            parts.append(f"column {name} {was or '(no type)'} -> {is_ or '(no type)'}")
        else:
            parts.append(f"column {name} changed (key or generated)")
    if not parts and [c.name for c in before.columns] != [c.name for c in now.columns]:
        parts.append("columns reordered")
    return "; ".join(parts)


async def _changed_tables(
    conn: AsyncConnection,
    planned: Sequence[PlannedStatement],
    tables: Mapping[TableRef, TableInfo],
) -> tuple[list[tuple[TableInfo, TableInfo]], dict[TableRef, TableInfo]]:
    """(as staged, as now) for each table saved to whose columns changed since it was read,
    and every table saved to as it is now."""
    from tui.db.dialects import strategy_for

    strategy = strategy_for(conn.dialect.name)
    changed = []
    described = {}
    for ref in dict.fromkeys(c.table for step in planned for c in step.changes):
        staged = tables[ref]
        now = (await strategy.describe(conn, staged)).info
        now = replace(now, drift=staged.drift, drift_details=staged.drift_details)
        described[ref] = now
        if schema_difference(staged, now):
            changed.append((staged, now))
    return changed, described


def _schema_reason(changed: Sequence[tuple[TableInfo, TableInfo]]) -> str:
    what = "; ".join(f"{old.ref}: {schema_difference(old, new)}" for old, new in changed)
    return (
        f"the schema changed since the table was read ({what}): nothing was saved and every"
        " change is still staged; the columns are read again now: look at the pending"
        " changes (p) and save again"
    )


async def _effects_conflict(
    conn: AsyncConnection,
    planned: Sequence[PlannedStatement],
    tables: Mapping[TableRef, TableInfo],
) -> Conflict | None:
    """The first staged deletion whose effects differ from the ones it was staged with."""
    for step in planned:
        for change in step.changes:
            if not isinstance(change, RowDelete) or change.effects is None:
                continue
            info = tables[change.table]
            if conn.dialect.name != "sqlite" and not change.key.rowid:
                # No referring row can be added (it would lock this row) until the save ends.
                table = table_of(info, list(change.key.names))
                condition = key_condition(conn.dialect, table, info, change.key)
                await conn.execute(select(*table.c).where(condition).with_for_update())
            now = await recount(conn, change.table.schema, change.effects, dict(change.original))
            if now != change.effects:
                current = await _current_row(conn, info, change.key)
                return Conflict(change, None, change.original, current, now)
    return None


def effects_changed(before: Sequence[DeleteEffect], now: Sequence[DeleteEffect]) -> str:
    """``3 rows of pets (ON DELETE CASCADE) instead of 2``, for each count that changed;
    ``the 2 rows of pets that refer to it (CASCADE) are not the ones announced ...`` for
    another set of the same size."""
    parts = []
    for old, new in zip(before, now, strict=True):
        if old.rows == new.rows and old.identities != new.identities:
            rows = f"the {new.rows:,} rows" if new.rows != 1 else "the row"
            verb = "refer" if new.rows != 1 else "refers"
            are = "are not the ones" if new.rows != 1 else "is not the one"
            parts.append(
                f"{rows} of {new.table} that {verb} to it ({new.action}) {are}"
                " announced (replaced or changed)"
            )
        elif old.rows != new.rows:
            rows = f"{new.rows:,} rows" if new.rows != 1 else "1 row"
            verb = "refer" if new.rows != 1 else "refers"
            parts.append(
                f"{rows} of {new.table} {verb} to it ({new.action}) instead of {old.rows:,}"
            )
    return "; ".join(parts)


def _conflict_reason(conflict: Conflict) -> str:
    what = describe_change(conflict.change)
    if conflict.effects is not None and isinstance(conflict.change, RowDelete):
        changed = effects_changed(conflict.change.effects or (), conflict.effects)
        return (
            f"{what}: what the deletion takes with it changed since it was staged ({changed});"
            " nothing was saved"
        )
    if isinstance(conflict.change, RowInsert):
        return f"{what}: the database stored no row (a trigger ignored it); nothing was saved"
    if conflict.current is None:
        return (
            f"{what}: the row was deleted (or its key changed) since it was read; nothing was saved"
        )
    if isinstance(conflict.change, CellEdit):
        now = dict(conflict.current).get(conflict.change.column)
        return (
            f"{what}: changed by someone else since it was read (it was {conflict.original!r},"
            f" it is now {now!r}); nothing was saved"
        )
    return f"{what}: the row was changed by someone else since it was read; nothing was saved"


async def save_changes(
    conn: AsyncConnection,
    planned: Sequence[PlannedStatement],
    tables: Mapping[TableRef, TableInfo],
    *,
    lock_wait_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
    holder: Callable[[], str | None] | None = None,
) -> SaveOutcome:
    """Run ``planned`` all or nothing in one short transaction (see the module docstring).

    Never raises for database errors: they, conflicts and a key that names several rows
    roll everything back and come back as ``SaveOutcome(ok=False, ...)``. On a server, a
    statement waiting more than ``lock_wait_ms`` for another session's lock fails the save;
    ``holder`` names that session (the caller watches the wait), for the message.
    """
    if conn.dialect.name == "sqlite":
        return await _save(conn, planned, tables, lock_wait_ms, holder)
    from tui.db.dialects import strategy_for

    try:
        return await _save(conn, planned, tables, lock_wait_ms, holder)
    finally:
        with contextlib.suppress(SQLAlchemyError):
            await strategy_for(conn.dialect.name).unlimit_lock_wait(conn)


async def _save(
    conn: AsyncConnection,
    planned: Sequence[PlannedStatement],
    tables: Mapping[TableRef, TableInfo],
    lock_wait_ms: int,
    holder: Callable[[], str | None] | None,
) -> SaveOutcome:
    sqlite = conn.dialect.name == "sqlite"
    step: PlannedStatement | None = None
    committing = False
    guard = ReplaceGuard(tables) if sqlite else None
    try:
        await _begin(conn, sqlite, lock_wait_ms)
        changed, described = await _changed_tables(conn, planned, tables)
        # Checked on every save, not only when the columns differ from the ones planned on:
        # after a first refusal the screen plans on the new columns, where a column of the
        # edit's name may be another column (renamed elsewhere, a new one added).
        unbound = first_unbound(tuple(c for s in planned for c in s.changes), described, tables)
        if unbound is not None:
            await _rollback(conn, sqlite)
            new = tuple(now for _, now in changed)
            return SaveOutcome(False, 0, unbound[0], unbound[1], changed_tables=new)
        if changed:
            await _rollback(conn, sqlite)
            first = planned[0].change if planned else None
            new = tuple(now for _, now in changed)
            return SaveOutcome(False, 0, first, _schema_reason(changed), changed_tables=new)
        effects = await _effects_conflict(conn, planned, tables)
        if effects is not None:
            await _rollback(conn, sqlite)
            return SaveOutcome(False, 0, effects.change, _conflict_reason(effects), effects)
        for step in planned:
            if step.statement is None:
                raise ValueError("a planned statement without its statement: use plan_save()")
            refusal = None if guard is None else await guard.refusal(conn, step)
            if refusal is not None:
                await _rollback(conn, sqlite)
                return SaveOutcome(False, 0, refusal.change, refusal.reason)
            count = (await conn.execute(step.statement)).rowcount
            if count == step.expected_rows:
                continue
            if count == 0:
                info = tables[step.change.table]
                key = step.key
                if key is None and not isinstance(step.change, RowInsert):
                    key = step.change.key
                current = None if key is None else await _current_row(conn, info, key)
                await _rollback(conn, sqlite)
                if current is not None and _as_seen(step, current):
                    # Nobody changed the row: the database itself skipped the statement
                    # (SQLite: a trigger's RAISE(IGNORE); elsewhere no trigger can).
                    why = (
                        "the database skipped it although the row is as it was read (a"
                        " trigger's RAISE(IGNORE)?)"
                        if sqlite
                        else "the statement found no row although the row reads as it was"
                        " read (a value dbbrowse cannot compare exactly?)"
                    )
                    return SaveOutcome(
                        False,
                        0,
                        step.change,
                        f"{describe_change(step.change)}: {why}; nothing was saved",
                    )
                conflict = _conflict(step, current)
                return SaveOutcome(False, 0, conflict.change, _conflict_reason(conflict), conflict)
            await _rollback(conn, sqlite)
            return SaveOutcome(
                False,
                0,
                step.change,
                f"{describe_change(step.change)}: the key is not unique: the statement would"
                f" change {count} rows instead of {step.expected_rows}; nothing was saved",
            )
        step, committing = None, True
        await _commit(conn, sqlite)
    except SQLAlchemyError as exc:
        await _rollback(conn, sqlite)
        if committing and len(planned) == 1:
            step = planned[0]  # checks deferred to COMMIT can only be about its one statement
        failed = None if step is None else await blamed_change(conn, exc, step.changes)
        if failed is None and committing:
            failed = refused_deletion(exc, [c for s in planned for c in s.changes])
        held_by = None if holder is None else holder()
        reason = await explain_error(conn, exc, failed, at_commit=committing, holder=held_by)
        log.info("save failed: %s", reason)
        return SaveOutcome(False, 0, failed, reason)
    except BaseException:
        await _rollback(conn, sqlite)
        raise
    mark_committed(conn)
    return SaveOutcome(True, len(planned))


def resolve_conflict(changes: ChangeSet, conflict: Conflict, *, keep_mine: bool) -> None:
    """Keep mine: re-stage the change on the current value as its new original (so the next
    save overwrites what the other writer stored, knowingly). Take theirs: drop the change.

    Raises :class:`~tui.db.edits.StagingError` for "keep mine" on a row that is gone.
    """
    change = conflict.change
    if not keep_mine:
        changes.unstage(change)
        return
    if conflict.current is None:
        raise StagingError("the row is gone: there is nothing to keep your change on")
    now = dict(conflict.current)
    if isinstance(change, CellEdit):
        current = now.get(change.column)
        if same_value(current, change.new):
            changes.unstage(change)  # they stored what I wanted: nothing left to do
        else:
            # A rowid-named row is compared whole: whole as it is now.
            row = tuple((n, v) for n, v in conflict.current if n != change.column)
            changes.replace(
                change, replace(change, original=current, row=row if change.row else ())
            )
    elif isinstance(change, RowDelete):
        seen = {name for name, _ in change.original}
        original = tuple((n, v) for n, v in conflict.current if n in seen)
        # Kept knowingly: what it takes with it now is what the person agreed to.
        effects = change.effects if conflict.effects is None else conflict.effects
        changes.replace(change, replace(change, original=original, effects=effects))
