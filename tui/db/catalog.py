"""Tables, views, columns, paging keys, indexes, foreign keys, row counts and ORM drift.

Every function takes an :class:`~sqlalchemy.ext.asyncio.AsyncConnection` and leaves it in the
transaction state it found it: a transaction that SQLAlchemy began for our reads is rolled
back before returning, so no read snapshot outlives the call (it would pin a SQLite WAL or
hold a PostgreSQL snapshot). What differs between engines is asked of the
:class:`~tui.db.dialects.base.DialectStrategy`; table and column names only ever reach SQL
through SQLAlchemy constructs, which quote them.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace

from sqlalchemy import Column, MetaData, Select, Table, func, literal_column, select, table
from sqlalchemy.engine import Dialect
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.expression import FromClause

from tui.db.dialects.base import DialectStrategy, Relation, type_text
from tui.db.model import (
    CatalogSnapshot,
    ColumnInfo,
    Drift,
    KeyKind,
    RowCount,
    TableDetails,
    TableInfo,
    TableKind,
    TableRef,
)
from tui.db.typed_values import kind_from_type

DEFAULT_COUNT_CAP = 10_000


@asynccontextmanager
async def short_read(conn: AsyncConnection) -> AsyncIterator[None]:
    """End, on exit, the transaction that the reads inside began (not one the caller holds)."""
    began_here = not conn.in_transaction()
    try:
        yield
    finally:
        if began_here and conn.in_transaction():
            await conn.rollback()


async def load_catalog(
    conn: AsyncConnection, strategy: DialectStrategy, models: MetaData | None = None
) -> CatalogSnapshot:
    """Every table, view and virtual table, user ones by name then internal ones.

    With ``models``, relations are marked with their drift from the models, but only when the
    database holds at least one of the models' tables (otherwise it is not the app's).
    """
    async with short_read(conn):
        relations = await strategy.list_relations(conn)
    if models is None:
        infos = [r.info for r in relations]
    else:
        infos = mark_drift(relations, models, strategy, conn.dialect)
    return CatalogSnapshot(tuple(sorted(infos, key=_sort_key)))


async def list_tables(conn: AsyncConnection, strategy: DialectStrategy) -> CatalogSnapshot:
    """Every relation by name and kind only, sorted as :func:`load_catalog` sorts them.

    A constant number of catalog queries whatever the number of tables, so the table list
    is drawn at once; each entry is described (columns, paging key) by
    :func:`describe_table` when it is opened.
    """
    async with short_read(conn):
        infos = await strategy.list_names(conn)
    return CatalogSnapshot(tuple(sorted(infos, key=_sort_key)))


async def schema_token(conn: AsyncConnection, strategy: DialectStrategy) -> object | None:
    """What changes when the schema does (see :meth:`DialectStrategy.schema_token`): the
    table list read at one value is still true while it holds."""
    return await strategy.schema_token(conn)


async def table_roots(conn: AsyncConnection, strategy: DialectStrategy) -> dict[str, int]:
    """Each table's storage identity by name (see :meth:`DialectStrategy.table_roots`)."""
    return await strategy.table_roots(conn)


async def describe_table(
    conn: AsyncConnection, strategy: DialectStrategy, info: TableInfo
) -> TableInfo:
    """``info`` with its columns and paging key read; as it is when already described."""
    if info.described:
        return info
    async with short_read(conn):
        relation = await strategy.describe(conn, info)
    return replace(relation.info, drift=info.drift, drift_details=info.drift_details)


async def drift_marks(
    conn: AsyncConnection,
    strategy: DialectStrategy,
    tables: Sequence[TableInfo],
    models: MetaData,
) -> list[TableInfo]:
    """``tables`` marked with their drift from ``models``, plus the models' missing tables.

    Only the tables that have a model are described (their columns are compared); the
    others need nothing but their names.
    """
    modelled = {TableRef(t.name, t.schema) for t in models.tables.values()}
    relations = []
    async with short_read(conn):
        for info in tables:
            if info.ref in modelled:
                relations.append(await strategy.describe(conn, info))
            else:
                relations.append(Relation(info))
    return sorted(mark_drift(relations, models, strategy, conn.dialect), key=_sort_key)


async def table_details(
    conn: AsyncConnection, strategy: DialectStrategy, info: TableInfo
) -> TableDetails:
    """Indexes, foreign keys both ways, triggers and the CREATE statement of ``info``."""
    if info.drift is Drift.MISSING_TABLE:
        return TableDetails(info=info)
    async with short_read(conn):
        return TableDetails(
            info=info,
            indexes=await strategy.indexes(conn, info),
            foreign_keys=await strategy.foreign_keys(conn, info),
            referenced_by=await strategy.referenced_by(conn, info),
            triggers=await strategy.triggers(conn, info),
            create_sql=await strategy.create_sql(conn, info),
        )


# -- row counts ----------------------------------------------------------------------------


def relation_clause(info: TableInfo) -> FromClause:
    """A lightweight ``FROM`` target for ``info``; SQLAlchemy quotes its name as needed.

    A console query's rows come from its statement (:func:`tui.db.console.query_relation`).
    """
    if info.sql:
        from tui.db.console import query_relation

        return query_relation(info)
    return table(info.name, schema=info.ref.schema)


async def estimate_count(
    conn: AsyncConnection, strategy: DialectStrategy, info: TableInfo
) -> RowCount | None:
    """The engine's cheap estimate of the row count, or None when it has none."""
    if info.drift is Drift.MISSING_TABLE or info.kind is TableKind.QUERY:
        return None  # a console query has no statistics (a table of that name is another)
    async with short_read(conn):
        return await strategy.estimate_count(conn, info)


async def capped_count(
    conn: AsyncConnection, info: TableInfo, cap: int = DEFAULT_COUNT_CAP
) -> RowCount:
    """The row count when it is at most ``cap`` (exact), else ``cap`` as a lower bound."""
    probe: Select[tuple[object]] = (
        select(literal_column("1")).select_from(relation_clause(info)).limit(cap + 1)
    )
    async with short_read(conn):
        counted = await conn.scalar(select(func.count()).select_from(probe.subquery()))
    n = int(counted or 0)
    if n > cap:
        return RowCount(cap, at_least=True)
    return RowCount(n, exact=True)


async def exact_count(conn: AsyncConnection, info: TableInfo) -> RowCount:
    """``count(*)`` of the whole relation (a full scan on most engines)."""
    async with short_read(conn):
        counted = await conn.scalar(select(func.count()).select_from(relation_clause(info)))
    return RowCount(int(counted or 0), exact=True)


async def read_probe(conn: AsyncConnection, info: TableInfo) -> None:
    """Read no rows of ``info``: raises the database's own error when it cannot be read.

    A relation whose columns could not be listed (a view over a dropped table) is probed
    so that the user sees why, not an error about the empty column list.
    """
    probe: Select[tuple[object]] = (
        select(literal_column("*")).select_from(relation_clause(info)).limit(0)
    )
    async with short_read(conn):
        await conn.execute(probe)


# -- drift ---------------------------------------------------------------------------------


def mark_drift(
    relations: Sequence[Relation],
    models: MetaData,
    strategy: DialectStrategy,
    dialect: Dialect,
) -> list[TableInfo]:
    """The relations' infos marked with their drift from ``models``, plus missing tables."""
    model_tables = {TableRef(t.name, t.schema): t for t in models.tables.values()}
    listed = {r.info.ref for r in relations}
    if not model_tables.keys() & listed:
        return [r.info for r in relations]
    result = []
    for relation in relations:
        info = relation.info
        model = model_tables.get(info.ref)
        if model is None:
            if info.kind is not TableKind.VIEW and not info.internal:
                info = replace(info, drift=Drift.NO_MODEL)
        else:
            details = column_drift(model, relation, strategy, dialect)
            if details:
                info = replace(info, drift=Drift.COLUMNS_DIFFER, drift_details=details)
        result.append(info)
    result.extend(
        missing_table_info(model, dialect)
        for ref, model in model_tables.items()
        if ref not in listed
    )
    return result


def column_drift(
    model: Table, relation: Relation, strategy: DialectStrategy, dialect: Dialect
) -> tuple[str, ...]:
    """One human-readable line per column that differs between ``model`` and the database."""
    in_db = {c.name: c for c in relation.info.columns}
    details = []
    for mc in model.columns:
        wanted = _describe(type_text(mc.type, dialect), bool(mc.nullable))
        dc = in_db.get(mc.name)
        if dc is None:
            details.append(f"column {mc.name}: model {wanted}, not in the database")
            continue
        same_type = strategy.type_classes_compatible(
            strategy.model_type_class(mc.type, dialect), relation.type_classes.get(dc.name, "")
        )
        # Primary key columns are NOT NULL in effect, whatever an old declaration says.
        same_null = dc.nullable == mc.nullable or bool(mc.primary_key) or dc.primary_key > 0
        if not (same_type and same_null):
            have = _describe(dc.type_name, dc.nullable)
            details.append(f"column {mc.name}: model {wanted}, database {have}")
    modelled = {c.name for c in model.columns}
    details.extend(
        f"column {dc.name}: not in the model, database {_describe(dc.type_name, dc.nullable)}"
        for dc in relation.info.columns
        if dc.name not in modelled and not dc.hidden
    )
    return tuple(details)


def missing_table_info(model: Table, dialect: Dialect) -> TableInfo:
    """A :class:`TableInfo` for a model table the database lacks, built from the model."""
    pk = [c.name for c in model.primary_key.columns]
    columns = tuple(
        ColumnInfo(
            name=c.name,
            type_name=type_text(c.type, dialect),
            nullable=bool(c.nullable),
            default=_server_default(c, dialect),
            primary_key=pk.index(c.name) + 1 if c.name in pk else 0,
            generated=c.computed is not None,
            generated_as=str(c.computed.sqltext) if c.computed is not None else "",
            value_kind=kind_from_type(c.type),
        )
        for c in model.columns
    )
    return TableInfo(
        ref=TableRef(model.name, model.schema),
        kind=TableKind.TABLE,
        columns=columns,
        key_columns=tuple(pk),
        key_kind=KeyKind.PRIMARY_KEY if pk else KeyKind.NONE,
        drift=Drift.MISSING_TABLE,
    )


def _describe(type_name: str, nullable: bool) -> str:
    return f"{type_name or 'untyped'} {'NULL' if nullable else 'NOT NULL'}"


def _server_default(col: Column[object], dialect: Dialect) -> str | None:
    arg = getattr(col.server_default, "arg", None)
    if arg is None:
        return None
    if isinstance(arg, str):
        # As the database reports it: the DDL literal.
        return "'" + arg.replace("'", "''") + "'"
    return str(arg.compile(dialect=dialect))


def _sort_key(info: TableInfo) -> tuple[bool, str, str]:
    return (info.internal, info.name.casefold(), info.name)
