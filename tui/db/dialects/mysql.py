"""MySQL and MariaDB: ``information_schema`` statistics and ``SHOW CREATE`` text."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import ColumnElement, cast, func, literal, table, text
from sqlalchemy.dialects.mysql import CHAR
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.expression import ClauseElement, Executable

from tui.db.dialects.base import LIKE_ESCAPE, DialectStrategy, like_escape
from tui.db.model import RowCount, TableInfo

_IN_SCHEMA = "TABLE_SCHEMA = coalesce(:schema, DATABASE())"


def max_time(*times: datetime | None) -> datetime | None:
    known = [t for t in times if t is not None]
    return max(known) if known else None


def settling_second(last_write: datetime | None, now: datetime) -> datetime | None:
    """The server's clock (whole seconds) for two seconds after ``last_write``, then fixed.

    Tables' write times count whole seconds: this moves the change token once or twice more
    after a write, so that a commit later in a second already seen is still noticed, and
    then stays put while nothing is written.
    """
    if last_write is None:
        return None
    return min(now.replace(microsecond=0), last_write + timedelta(seconds=2))


class MySQLStrategy(DialectStrategy):
    async def change_token(self, conn: AsyncConnection) -> object | None:
        # The tables of *this* database: how many, and when one was last created or written
        # (any engine, InnoDB included). InnoDB's redo-log position would move with writes to
        # every database on the server and with its own background work: each move was shown
        # as a change. UPDATE_TIME counts whole seconds, so a commit later in the second we
        # read would go unseen: until two seconds after the last write the token also carries
        # the server's clock, so the refresh that follows reads after every commit of it.
        try:
            row = (
                await conn.execute(
                    text(
                        "SELECT COUNT(*), MAX(CREATE_TIME), MAX(UPDATE_TIME), NOW() "
                        "FROM information_schema.TABLES WHERE TABLE_SCHEMA = DATABASE()"
                    )
                )
            ).first()
        except DBAPIError:
            row = None
        await conn.rollback()
        if row is None:
            return None
        tables, created, updated, now = row
        return (tables, created, updated, settling_second(max_time(created, updated), now))

    def change_is_certain(self, before: object, after: object) -> bool:
        # Only the clock of the settling seconds moved: a commit may be unseen, or not be.
        if isinstance(before, tuple) and isinstance(after, tuple):
            return before[:3] != after[:3]
        return True

    name = "mysql"
    nulls_first_when_ascending = True
    # MariaDB REGEXP (PCRE), MySQL 8 REGEXP (ICU); LIKE under the default _ci collations.
    has_regexp = True
    like_ignores_case = True
    has_rowid = False
    max_result_columns = 4096  # a result's column limit

    def contains(self, text: ColumnElement[Any], needle: str) -> ColumnElement[bool]:
        # The connection's collation (utf8mb4_general_ci, MySQL 8's _ai_ci) would ignore
        # accents too ('unicode' found 'Ünïcode'), and a _bin one or a server default of
        # another kind would not ignore case: both sides are lowered and compared by code
        # point, in utf8mb4 whatever the column's charset (BLOB and VARBINARY bytes read
        # as UTF-8), as PostgreSQL's ILIKE and SQLite's search compare. A '%…%' pattern
        # never uses a B-tree index, so lower() costs no index here.
        as_utf8 = func.lower(cast(text, CHAR(charset="utf8mb4"))).collate("utf8mb4_bin")
        return as_utf8.like(func.lower(literal(f"%{like_escape(needle)}%")), escape=LIKE_ESCAPE)

    async def limit_lock_wait(self, conn: AsyncConnection, ms: int) -> None:
        # A session variable (whole seconds, at least 1): undone by unlimit_lock_wait.
        seconds = max(1, -(-ms // 1000))
        await conn.exec_driver_sql(f"SET SESSION innodb_lock_wait_timeout = {int(seconds)}")

    async def unlimit_lock_wait(self, conn: AsyncConnection) -> None:
        await conn.exec_driver_sql("SET SESSION innodb_lock_wait_timeout = DEFAULT")

    def session_id_statement(self) -> Executable | None:
        return text("SELECT CONNECTION_ID()")

    def cancel_statement(self, session_id: Any) -> Executable | None:
        # KILL takes no placeholders; the id is the integer the server gave us. QUERY stops
        # the statement and keeps the connection (plain KILL would close it).
        return text(f"KILL QUERY {int(session_id)}")

    async def blocked_by(self, side: AsyncConnection, session_id: Any) -> str | None:
        # A row lock's holder is named by InnoDB's lock waits (needs the PROCESS privilege).
        try:
            row = (
                await side.execute(
                    text(
                        "SELECT b.trx_mysql_thread_id AS id, p.USER AS user, p.HOST AS host,"
                        " LEFT(b.trx_query, 60) AS query"
                        " FROM information_schema.INNODB_LOCK_WAITS w"
                        " JOIN information_schema.INNODB_TRX r ON r.trx_id = w.requesting_trx_id"
                        " JOIN information_schema.INNODB_TRX b ON b.trx_id = w.blocking_trx_id"
                        " LEFT JOIN information_schema.PROCESSLIST p"
                        " ON p.ID = b.trx_mysql_thread_id"
                        " WHERE r.trx_mysql_thread_id = :id LIMIT 1"
                    ),
                    {"id": int(session_id)},
                )
            ).first()
        except DBAPIError:
            row = None
        await side.rollback()
        if row is not None:
            who = f"{row.user}@{row.host}" if row.user else ""
            said = f": {' '.join(str(row.query).split())}" if row.query else ""
            return f"MariaDB session {row.id}" + (f" ({who}{said})" if who or said else "")
        # A plain read waits only on table and metadata locks (LOCK TABLES, ALTER), whose
        # holder the server does not name without a plugin: it says what the session waits on.
        state = await side.scalar(
            text("SELECT STATE FROM information_schema.PROCESSLIST WHERE ID = :id"),
            {"id": int(session_id)},
        )
        await side.rollback()
        return f"another session (the server says: {state})" if state else None

    def is_internal_table(self, name: str) -> bool:
        # The engine's own tables live in the mysql/sys/information_schema databases.
        return False

    async def estimate_count(self, conn: AsyncConnection, info: TableInfo) -> RowCount | None:
        rows = await conn.scalar(
            text(
                "SELECT TABLE_ROWS FROM information_schema.TABLES "
                f"WHERE {_IN_SCHEMA} AND TABLE_NAME = :name"
            ),
            {"name": info.name, "schema": info.ref.schema},
        )
        # NULL for views; InnoDB reports 0 both for empty tables and stale statistics.
        if rows is None or rows <= 0:
            return None
        return RowCount(int(rows))

    async def triggers(self, conn: AsyncConnection, info: TableInfo) -> tuple[tuple[str, str], ...]:
        names = await conn.scalars(
            text(
                "SELECT TRIGGER_NAME FROM information_schema.TRIGGERS "
                "WHERE EVENT_OBJECT_SCHEMA = coalesce(:schema, DATABASE()) "
                "AND EVENT_OBJECT_TABLE = :name ORDER BY ACTION_ORDER, TRIGGER_NAME"
            ),
            {"name": info.name, "schema": info.ref.schema},
        )
        result = []
        for name in names.all():
            # Columns: Trigger, sql_mode, SQL Original Statement, ...
            row = (await conn.execute(ShowCreate("TRIGGER", name, info.ref.schema))).first()
            if row is not None:
                result.append((str(name), str(row[2])))
        return tuple(result)

    async def create_sql(self, conn: AsyncConnection, info: TableInfo) -> str | None:
        # SHOW CREATE TABLE answers views too (then with the CREATE VIEW text).
        row = (await conn.execute(ShowCreate("TABLE", info.name, info.ref.schema))).first()
        return str(row[1]) if row is not None else None


class ShowCreate(Executable, ClauseElement):
    """``SHOW CREATE <kind> name``: SHOW takes no parameters, so the dialect quotes the name."""

    inherit_cache = False

    def __init__(self, kind: str, name: str, schema: str | None) -> None:
        self.kind = kind
        self.target = table(name, schema=schema)


@compiles(ShowCreate)
def _compile_show_create(element: ShowCreate, compiler: SQLCompiler, **_: Any) -> str:
    return f"SHOW CREATE {element.kind} {compiler.preparer.format_table(element.target)}"
