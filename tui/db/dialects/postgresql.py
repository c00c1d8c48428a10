"""PostgreSQL: planner statistics for estimates, ``pg_catalog`` for view and trigger text."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import ColumnElement, text
from sqlalchemy.engine import Inspector
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.sql.expression import Executable

from tui.db.dialects.base import DialectStrategy
from tui.db.model import RowCount, TableInfo, TableKind

# The relation's pg_class row, by name in its schema (the search path's first by default).
_RELATION = (
    "FROM pg_catalog.pg_class AS c "
    "JOIN pg_catalog.pg_namespace AS n ON n.oid = c.relnamespace "
    "WHERE c.relname = :name AND n.nspname = coalesce(:schema, current_schema())"
)


class PostgreSQLStrategy(DialectStrategy):
    async def change_token(self, conn: AsyncConnection) -> object | None:
        # Rows written in *this* database, from its statistics: the WAL position would move
        # with every write anywhere in the cluster (other databases, checkpoints), and every
        # move was shown as a change. Our reads write no rows; DDL writes catalog rows, so it
        # counts too. A backend publishes its counts within about a second of committing.
        # No snapshot is kept (rollback), so each read sees the latest published counts.
        try:
            row = (
                await conn.execute(
                    text(
                        "SELECT tup_inserted, tup_updated, tup_deleted "
                        "FROM pg_catalog.pg_stat_database WHERE datname = current_database()"
                    )
                )
            ).first()
        except DBAPIError:
            row = None
        await conn.rollback()
        return None if row is None else tuple(row)

    name = "postgresql"
    nulls_first_when_ascending = False
    has_regexp = True  # ~ (POSIX regular expressions)
    max_result_columns = 1664  # MaxTupleAttributeNumber: a target list's limit
    has_rowid = False
    has_infinite_dates = True

    def contains(self, text: ColumnElement[Any], needle: str) -> ColumnElement[bool]:
        # ILIKE, not lower(x) LIKE lower(y): a pg_trgm index on the column (gin_trgm_ops)
        # serves ILIKE '%needle%' as it serves LIKE, and lower() would need an index of its
        # own. The cast to varchar of a text column is a relabel the planner looks through.
        return text.icontains(needle, autoescape=True)

    async def limit_lock_wait(self, conn: AsyncConnection, ms: int) -> None:
        # SET LOCAL: ends with the transaction, so the pooled connection keeps no trace.
        await conn.execute(
            text("SELECT pg_catalog.set_config('lock_timeout', :ms, true)"), {"ms": f"{ms}ms"}
        )

    def session_id_statement(self) -> Executable | None:
        return text("SELECT pg_backend_pid()")

    def cancel_statement(self, session_id: Any) -> Executable | None:
        # Cancels the backend's current statement only; its session and transaction survive
        # (the transaction is aborted, and the pool's rollback clears it).
        return text("SELECT pg_cancel_backend(:pid)").bindparams(pid=int(session_id))

    async def blocked_by(self, side: AsyncConnection, session_id: Any) -> str | None:
        row = (
            await side.execute(
                text(
                    "SELECT pid, usename, application_name, left(query, 60) AS query"
                    " FROM pg_catalog.pg_stat_activity"
                    " WHERE pid = ANY(pg_catalog.pg_blocking_pids(:pid)) ORDER BY pid LIMIT 1"
                ),
                {"pid": int(session_id)},
            )
        ).first()
        await side.rollback()
        if row is None:
            return None
        who = ", ".join(str(part) for part in (row.usename, row.application_name) if part)
        said = f": {' '.join(str(row.query).split())}" if row.query else ""
        return f"PostgreSQL session {row.pid}" + (f" ({who}{said})" if who or said else "")

    def is_internal_table(self, name: str) -> bool:
        # System catalogs live in pg_catalog/information_schema, outside the listed schema.
        return False

    def view_names(self, insp: Inspector) -> list[str]:
        return [*insp.get_view_names(), *insp.get_materialized_view_names()]

    async def estimate_count(self, conn: AsyncConnection, info: TableInfo) -> RowCount | None:
        reltuples = await conn.scalar(text(f"SELECT c.reltuples {_RELATION}"), _params(info))
        # -1 means never vacuumed or analyzed (PostgreSQL 14+); before 14 that was 0.
        if reltuples is None or reltuples <= 0:
            return None
        return RowCount(round(reltuples))

    async def index_sql(self, conn: AsyncConnection, info: TableInfo) -> Mapping[str, str]:
        rows = await conn.execute(
            text(
                "SELECT indexname, indexdef FROM pg_catalog.pg_indexes "
                "WHERE tablename = :name AND schemaname = coalesce(:schema, current_schema())"
            ),
            _params(info),
        )
        return {r.indexname: r.indexdef for r in rows}

    async def triggers(self, conn: AsyncConnection, info: TableInfo) -> tuple[tuple[str, str], ...]:
        rows = await conn.execute(
            text(
                "SELECT t.tgname, pg_catalog.pg_get_triggerdef(t.oid, true) AS sql "
                "FROM pg_catalog.pg_trigger AS t "
                f"JOIN (SELECT c.oid {_RELATION}) AS r ON r.oid = t.tgrelid "
                "WHERE NOT t.tgisinternal ORDER BY t.tgname"
            ),
            _params(info),
        )
        return tuple((r.tgname, r.sql) for r in rows)

    async def create_sql(self, conn: AsyncConnection, info: TableInfo) -> str | None:
        if info.kind is not TableKind.VIEW:
            return await super().create_sql(conn, info)
        row = (
            await conn.execute(
                text(
                    f"SELECT c.relkind, pg_catalog.pg_get_viewdef(c.oid, true) AS body {_RELATION}"
                ),
                _params(info),
            )
        ).first()
        if row is None or row.body is None:
            return None
        preparer = conn.dialect.identifier_preparer
        name = preparer.quote(info.name)
        if info.ref.schema is not None:
            name = f"{preparer.quote_schema(info.ref.schema)}.{name}"
        kind = "MATERIALIZED VIEW" if row.relkind == "m" else "VIEW"
        return f"CREATE {kind} {name} AS\n{row.body}"


def _params(info: TableInfo) -> dict[str, str | None]:
    return {"name": info.name, "schema": info.ref.schema}
