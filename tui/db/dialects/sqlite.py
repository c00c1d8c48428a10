"""SQLite: the catalog from ``sqlite_master`` and table-valued pragmas, rowid paging keys.

Every pragma is read through its table-valued form (``pragma_table_xinfo(:name)``) so that
table names travel as bound parameters, never spliced into SQL text.
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from typing import Any

from sqlalchemy import (
    ColumnElement,
    LargeBinary,
    String,
    cast,
    column,
    func,
    literal,
    select,
    table,
    text,
)
from sqlalchemy.engine import Dialect
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.sql.expression import ColumnClause
from sqlalchemy.types import TypeEngine

from tui.db.dialects.base import DialectStrategy, Relation, type_text
from tui.db.model import (
    ColumnInfo,
    ForeignKeyInfo,
    IndexInfo,
    KeyKind,
    RowCount,
    TableInfo,
    TableKind,
    TableRef,
    ValueKind,
)
from tui.db.sqlite_fold import FUNCTION as FOLD_FUNCTION
from tui.db.sqlite_fold import needs_folding
from tui.db.typed_values import kind_from_affinity
from tui.db.typed_values import sqlite_affinity as affinity

log = logging.getLogger(__name__)

# Names SQLite resolves to the rowid unless a real column takes them, in order of preference.
ROWID_NAMES = ("rowid", "_rowid_", "oid")
# Suffixes of the tables FTS3/4/5 and R*Tree keep beside a virtual table.
SHADOW_SUFFIXES = (
    "_content",
    "_data",
    "_idx",
    "_docsize",
    "_config",
    "_segments",
    "_segdir",
    "_stat",
    "_node",
    "_rowid",
    "_parent",
)
# Virtual table modules whose rowid is stable and cheap to seek, so it can page them.
_ROWID_MODULES = frozenset({"fts3", "fts4", "fts5", "rtree", "rtree_i32", "geopoly"})
_MODULE = re.compile(r"\bUSING\s+(\w+)", re.IGNORECASE)
_WITHOUT_ROWID = re.compile(r"\bWITHOUT\s+ROWID\b", re.IGNORECASE)
_STRICT = re.compile(r"\bSTRICT\b", re.IGNORECASE)

# sqlite_master is sqlite_schema under the name every SQLite version knows.
# The CREATE text (long, and decoded row by row) only where it may declare WITHOUT ROWID
# or STRICT.
_RELATIONS = text(
    "SELECT type, name, sql LIKE 'CREATE VIRTUAL TABLE%' AS is_virtual, "
    "CASE WHEN sql LIKE '%WITHOUT%ROWID%' OR sql LIKE '%STRICT%' THEN sql END AS sql "
    "FROM sqlite_master WHERE type IN ('table', 'view')"
)
_TABLE_LIST = text("SELECT name, type, wr FROM pragma_table_list WHERE schema = 'main'")
_COLUMNS = text(
    'SELECT name, type, "notnull", dflt_value, pk, hidden '
    "FROM pragma_table_xinfo(:name, 'main') ORDER BY cid"
)
_INDEXES = text(
    'SELECT il.name, il."unique", il.partial, ix.cid, ix.name AS column_name '
    "FROM pragma_index_list(:name, 'main') AS il "
    "JOIN pragma_index_xinfo(il.name, 'main') AS ix "
    "WHERE ix.key = 1 ORDER BY il.seq, ix.seqno"
)
_FK_COLUMNS = 'f.id, f."table", f."from", f."to", f.on_update, f.on_delete'
_FOREIGN_KEYS = text(
    f"SELECT {_FK_COLUMNS} FROM pragma_foreign_key_list(:name, 'main') AS f ORDER BY f.id, f.seq"
)
# lower() folds ASCII only, exactly as SQLite compares identifiers. A table can refer to
# :name only if its CREATE text spells it: with thousands of tables, checking that first
# spares reading every table's foreign keys. A name with a quote character may be spelled
# with the quote doubled, so then every table is read (:any_table).
_REFERENCED_BY = text(
    f"SELECT m.name AS source, {_FK_COLUMNS} FROM sqlite_master AS m "
    "JOIN pragma_foreign_key_list(m.name, 'main') AS f "
    "WHERE m.type = 'table' AND m.sql NOT LIKE 'CREATE VIRTUAL TABLE%' "
    "AND (:any_table OR instr(lower(m.sql), lower(:name)) > 0) "
    'AND lower(f."table") = lower(:name) ORDER BY m.name, f.id, f.seq'
)
_CREATE_SQL = text("SELECT sql FROM sqlite_master WHERE type IN ('table', 'view') AND name = :name")
_PK_COLUMNS = text("SELECT name FROM pragma_table_info(:name, 'main') WHERE pk > 0 ORDER BY pk")
# A primary key that is not the rowid gets an automatic unique index (origin 'pk'); an
# INTEGER PRIMARY KEY, the rowid itself, has none. This tells the "INTEGER PRIMARY KEY DESC"
# column quirk (not an alias) apart without parsing the CREATE text.
_PK_INDEX = text("SELECT count(*) FROM pragma_index_list(:name, 'main') WHERE origin = 'pk'")


def _no_action(value: str | None) -> str | None:
    # The Inspector reports the default as None on servers; do the same here.
    return None if value is None or value.upper() == "NO ACTION" else value


class _Pacer:
    """A progress handler that keeps a statement busy at most ``share`` of the time."""

    def __init__(self, share: float) -> None:
        self.share = min(max(share, 0.05), 1.0)
        self.resumed = self.last = time.perf_counter()

    def __call__(self) -> int:
        now = time.perf_counter()
        if now - self.last > _PACE_IDLE:
            # The statement was not running in between (the caller was busy with rows it
            # had): that was not work to pace.
            self.resumed = now
        self.last = now
        busy = now - self.resumed
        if busy >= _PACE_SLICE and self.share < 1.0:
            # Runs on the driver's own thread: sleeping there leaves the event loop free.
            time.sleep(busy * (1 - self.share) / self.share)
            self.resumed = self.last = time.perf_counter()
        return 0  # never abort: cancelling goes through interrupt()


def _as_blob(value: ColumnElement[Any]) -> ColumnElement[Any]:
    """``value``'s bytes for one of dbbrowse's Python functions: Python's sqlite3 fails the
    call before it runs on a TEXT that is not valid UTF-8 (sqlite_calls.py)."""
    return cast(value, LargeBinary)


_PACE_STEPS = 20_000
_PACE_SLICE = 0.05
_PACE_IDLE = 0.01


class SQLiteStrategy(DialectStrategy):
    name = "sqlite"
    has_schema_token = True
    nulls_first_when_ascending = True
    # regexp() is dbbrowse's own, registered on each of its connections (sqlite_regexp.py).
    has_regexp = True
    like_ignores_case = True  # LIKE: ASCII only; contains and search: every letter
    table_names_ignore_case = True  # ASCII only
    has_rowid = True
    loose_column_types = True  # type affinity, not types (but STRICT tables)
    # Numbering 10M rows with row_number() takes SQLite about twice as long as streaming
    # the sorted keys and keeping every K-th here.
    anchors_by_row_number = False
    max_result_columns = 2000  # SQLITE_MAX_COLUMN, as SQLite is built by default

    def contains(self, text: ColumnElement[Any], needle: str) -> ColumnElement[bool]:
        # LIKE reads a text only up to its first NUL ('a\0needle' is not like '%needle%');
        # instr() and lower() read all its bytes, and lower() folds ASCII only, as LIKE does.
        # A needle with other cased letters (ü, É) is compared by dbbrowse's own function,
        # casefold() in Python: slower per row, so only then (sqlite_fold.py).
        if needs_folding(needle):
            folded: ColumnElement[Any] = getattr(func, FOLD_FUNCTION)(
                _as_blob(text), literal(needle, String)
            )
            return folded == 1
        return func.instr(func.lower(text), func.lower(literal(needle))) > 0

    def regexp_match(self, text: ColumnElement[Any], pattern: str) -> ColumnElement[bool]:
        # regexp(pattern, value) is what SQLite's `value REGEXP pattern` calls (sqlite_regexp.py).
        found: ColumnElement[Any] = func.regexp(literal(pattern, String), _as_blob(text))
        return found == 1

    async def interrupt(
        self,
        conn: AsyncConnection,
        engine: AsyncEngine,
        still_running: Callable[[], bool] = lambda: True,
    ) -> None:
        # sqlite3_interrupt is safe from any thread; aiosqlite calls it directly, not queued.
        raw = await conn.get_raw_connection()
        driver = raw.driver_connection
        if driver is not None and hasattr(driver, "interrupt"):
            await driver.interrupt()

    async def limit_cpu(self, conn: AsyncConnection, share: float) -> None:
        # SQLite runs in this process: a progress handler, called every few thousand VM
        # steps (sorting included), sleeps so the statement works ``share`` of the time.
        driver = (await conn.get_raw_connection()).driver_connection
        if driver is None or not hasattr(driver, "set_progress_handler"):
            return
        await driver.set_progress_handler(_Pacer(share), _PACE_STEPS)

    async def unlimit_cpu(self, conn: AsyncConnection) -> None:
        driver = (await conn.get_raw_connection()).driver_connection
        if driver is not None and hasattr(driver, "set_progress_handler"):
            await driver.set_progress_handler(None, 0)

    async def change_token(self, conn: AsyncConnection) -> object | None:
        # data_version changes when *another* connection commits; it is cheap (no I/O
        # beyond the header) and reading it outside a transaction pins nothing.
        value = (await conn.execute(text("PRAGMA data_version"))).scalar()
        await conn.rollback()
        return value

    def is_internal_table(self, name: str) -> bool:
        return name.lower().startswith("sqlite_")

    async def estimate_count(self, conn: AsyncConnection, info: TableInfo) -> RowCount | None:
        if info.internal:
            # A virtual table's shadow tables number their rows their own way (FTS5's
            # ft_data: segment ids, ~274,877,906,945 for a handful of rows): no estimate,
            # they are counted (up to a cap) instead.
            return None
        if info.key_kind is KeyKind.ROWID and info.kind is TableKind.TABLE:
            # max() of the rowid is one seek to the last leaf of the table's b-tree, and it
            # follows every commit (sqlite_stat1 says what the last ANALYZE counted).
            key: ColumnClause[Any] = column(info.key_columns[0])
            top = await conn.scalar(select(func.max(key)).select_from(table(info.name)))
            if top is None:
                return RowCount(0, exact=True)
            # A row takes at least 5 bytes of a leaf page (its cell pointer, sizes, rowid):
            # a larger rowid than the file could hold rows says nothing of the count.
            pages = await conn.scalar(text("PRAGMA page_count"))
            size = await conn.scalar(text("PRAGMA page_size"))
            if pages is not None and size is not None and int(top) > int(pages) * int(size) // 5:
                return None
            return RowCount(int(top))
        has_stat = await conn.scalar(
            text("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat1'")
        )
        if has_stat:
            rows = await conn.scalars(
                text("SELECT stat FROM sqlite_stat1 WHERE tbl = :name"), {"name": info.name}
            )
            # The first number of each row counts the rows of the table (a partial index's
            # row counts fewer), so the largest is the table's.
            counts = [int(s.split()[0]) for s in rows if s and s.split()[0].isdigit()]
            if counts:
                return RowCount(max(counts))
        return None

    async def schema_token(self, conn: AsyncConnection) -> object | None:
        # schema_version is bumped by every schema change of any connection; read outside a
        # transaction, it pins nothing.
        value = (await conn.execute(text("PRAGMA schema_version"))).scalar()
        await conn.rollback()
        return value

    async def table_roots(self, conn: AsyncConnection) -> dict[str, int]:
        # A rename keeps the root page: the b-tree stays, only its schema row changes.
        rows = (
            await conn.execute(
                text(
                    "SELECT name, rootpage FROM sqlite_schema WHERE type = 'table' AND rootpage > 0"
                )
            )
        ).all()
        await conn.rollback()
        return {str(name): int(root) for name, root in rows}

    # -- listing ---------------------------------------------------------------------------

    async def list_relations(self, conn: AsyncConnection) -> list[Relation]:
        return [await self.describe(conn, info) for info in await self.list_names(conn)]

    async def list_names(self, conn: AsyncConnection) -> list[TableInfo]:
        # One statement whatever the number of tables; a second (pragma table_list, which
        # knows shadow tables for sure) only where virtual tables can have shadow tables.
        rows = (await conn.execute(_RELATIONS)).all()
        virtual = {r.name.lower() for r in rows if r.is_virtual}
        listed = await self._table_list(conn) if virtual else {}
        infos = []
        for row in rows:
            if row.type == "view":
                kind = TableKind.VIEW
            else:
                kind = TableKind.VIRTUAL if row.is_virtual else TableKind.TABLE
            if row.name in listed:
                without_rowid, is_shadow = listed[row.name]
            else:
                without_rowid = kind is TableKind.TABLE and _declares_without_rowid(row.sql)
                is_shadow = False
            internal = (
                self.is_internal_table(row.name)
                or is_shadow
                or _is_shadow_name(row.name.lower(), virtual)
            )
            infos.append(
                TableInfo(
                    ref=TableRef(row.name),
                    kind=kind,
                    columns=(),
                    key_columns=(),
                    key_kind=KeyKind.NONE,
                    internal=internal,
                    without_rowid=without_rowid,
                    strict=kind is TableKind.TABLE and _declares_strict(row.sql),
                    described=False,
                )
            )
        return infos

    async def describe(self, conn: AsyncConnection, info: TableInfo) -> Relation:
        columns = await self._columns(conn, info.name)
        if info.strict:
            # ANY in a STRICT table has no affinity at all (elsewhere it is NUMERIC).
            columns = tuple(
                replace(c, value_kind=ValueKind.ANY) if c.type_name.upper() == "ANY" else c
                for c in columns
            )
        module = ""
        if info.kind is TableKind.VIRTUAL:
            sql = await conn.scalar(_CREATE_SQL, {"name": info.name})
            found = _MODULE.search(sql or "")
            module = found.group(1).lower() if found else ""
        pk_index = False
        if _may_alias_rowid(info.kind, columns, info.without_rowid):
            pk_index = bool(await conn.scalar(_PK_INDEX, {"name": info.name}))
        described = _table_info(
            info.ref,
            info.kind,
            columns,
            without_rowid=info.without_rowid,
            internal=info.internal,
            module=module,
            pk_index=pk_index,
        )
        described = replace(described, strict=info.strict)
        return Relation(described, {c.name: affinity(c.type_name) for c in columns})

    async def _table_list(self, conn: AsyncConnection) -> dict[str, tuple[bool, bool]]:
        """Name -> (WITHOUT ROWID, shadow table) from ``pragma table_list`` (SQLite 3.37+)."""
        try:
            rows = (await conn.execute(_TABLE_LIST)).all()
        except DBAPIError:
            # Older SQLite, or a virtual table whose module is not loaded: parse the SQL.
            return {}
        return {r.name: (bool(r.wr), r.type == "shadow") for r in rows}

    async def _columns(self, conn: AsyncConnection, name: str) -> tuple[ColumnInfo, ...]:
        try:
            rows = (await conn.execute(_COLUMNS, {"name": name})).all()
        except DBAPIError as exc:
            # A view over a dropped table, a virtual table of a module not loaded here.
            log.warning("cannot read the columns of %r: %s", name, exc.orig)
            return ()
        return tuple(
            ColumnInfo(
                name=r.name,
                type_name=r.type or "",
                nullable=not r.notnull,
                default=r.dflt_value,
                primary_key=r.pk,
                hidden=r.hidden == 1,
                generated=r.hidden in (2, 3),
                generated_as={2: "VIRTUAL", 3: "STORED"}.get(r.hidden, ""),
                value_kind=kind_from_affinity(r.type or ""),
            )
            for r in rows
        )

    # -- drift -----------------------------------------------------------------------------

    def model_type_class(self, type_: TypeEngine[Any], dialect: Dialect) -> str:
        return affinity(type_text(type_, dialect))

    def type_classes_compatible(self, model: str, database: str) -> bool:
        # SQLite documents INTEGER and NUMERIC affinity as differing only inside CAST.
        return model == database or {model, database} == {"INTEGER", "NUMERIC"}

    # -- details ---------------------------------------------------------------------------

    async def indexes(self, conn: AsyncConnection, info: TableInfo) -> tuple[IndexInfo, ...]:
        rows = (await conn.execute(_INDEXES, {"name": info.name})).all()
        sql = await self.index_sql(conn, info)
        grouped: dict[str, list[Any]] = {}
        for r in rows:
            grouped.setdefault(r.name, []).append(r)
        return tuple(
            IndexInfo(
                name=name,
                columns=tuple(_index_column(r.cid, r.column_name) for r in parts),
                unique=bool(parts[0].unique),
                partial=bool(parts[0].partial),
                sql=sql.get(name),
            )
            for name, parts in grouped.items()
        )

    async def index_sql(self, conn: AsyncConnection, info: TableInfo) -> Mapping[str, str]:
        rows = await conn.execute(
            text(
                "SELECT name, sql FROM sqlite_master "
                "WHERE type = 'index' AND tbl_name = :name AND sql IS NOT NULL"
            ),
            {"name": info.name},
        )
        return {r.name: r.sql for r in rows}

    async def foreign_keys(
        self, conn: AsyncConnection, info: TableInfo
    ) -> tuple[ForeignKeyInfo, ...]:
        rows = (await conn.execute(_FOREIGN_KEYS, {"name": info.name})).all()
        result = []
        for parts in _group_by_id(rows).values():
            referred_pk: Sequence[str] = ()
            if any(r.to is None for r in parts):
                # "REFERENCES t" without columns means t's primary key.
                pk_rows = await conn.scalars(_PK_COLUMNS, {"name": parts[0].table})
                referred_pk = tuple(pk_rows)
            result.append(_foreign_key(parts, referred_pk))
        return tuple(result)

    async def referenced_by(
        self, conn: AsyncConnection, info: TableInfo
    ) -> tuple[tuple[str, ForeignKeyInfo], ...]:
        quoted = any(q in info.name for q in "\"'`[]")
        rows = (await conn.execute(_REFERENCED_BY, {"name": info.name, "any_table": quoted})).all()
        pk = tuple(
            c.name for c in sorted(info.columns, key=lambda c: c.primary_key) if c.primary_key
        )
        by_source: dict[tuple[str, int], list[Any]] = {}
        for r in rows:
            by_source.setdefault((r.source, r.id), []).append(r)
        return tuple((source, _foreign_key(parts, pk)) for (source, _), parts in by_source.items())

    async def triggers(self, conn: AsyncConnection, info: TableInfo) -> tuple[tuple[str, str], ...]:
        rows = await conn.execute(
            text(
                "SELECT name, sql FROM sqlite_master "
                "WHERE type = 'trigger' AND lower(tbl_name) = lower(:name) ORDER BY name"
            ),
            {"name": info.name},
        )
        return tuple((r.name, r.sql) for r in rows)

    async def create_sql(self, conn: AsyncConnection, info: TableInfo) -> str | None:
        sql = await conn.scalar(_CREATE_SQL, {"name": info.name})
        return str(sql) if sql is not None else None


def _declares_without_rowid(sql: str | None) -> bool:
    # Table options follow the closing parenthesis of the column list.
    return sql is not None and bool(_WITHOUT_ROWID.search(sql[sql.rfind(")") :]))


def _declares_strict(sql: str | None) -> bool:
    # A table option, like WITHOUT ROWID: after the column list's closing parenthesis.
    return sql is not None and bool(_STRICT.search(sql[sql.rfind(")") :]))


def _is_shadow_name(lowered: str, virtual: set[str]) -> bool:
    return bool(virtual) and any(
        lowered.endswith(suffix) and lowered[: -len(suffix)] in virtual
        for suffix in SHADOW_SUFFIXES
    )


def _may_alias_rowid(kind: TableKind, columns: Sequence[ColumnInfo], without_rowid: bool) -> bool:
    """Whether the table's primary key is one column declared exactly INTEGER (a rowid alias,
    unless it was declared ``INTEGER PRIMARY KEY DESC`` on the column)."""
    pk = [c for c in columns if c.primary_key]
    return (
        kind is TableKind.TABLE
        and not without_rowid
        and len(pk) == 1
        and pk[0].type_name.upper() == "INTEGER"
    )


def _table_info(
    ref: TableRef,
    kind: TableKind,
    columns: tuple[ColumnInfo, ...],
    *,
    without_rowid: bool,
    internal: bool,
    module: str,
    pk_index: bool = False,
) -> TableInfo:
    pk = tuple(c.name for c in sorted(columns, key=lambda c: c.primary_key) if c.primary_key)
    taken = {c.name.lower() for c in columns}
    free = next((n for n in ROWID_NAMES if n not in taken), None)
    alias = None
    if _may_alias_rowid(kind, columns, without_rowid) and not pk_index:
        alias = pk[0]
        # The rowid cannot be NULL, whatever the declaration says.
        columns = tuple(
            replace(c, nullable=False, auto=True) if c.name == alias else c for c in columns
        )
    key_kind: KeyKind = KeyKind.NONE
    key: tuple[str, ...] = ()
    if kind is TableKind.VIEW:
        pass
    elif kind is TableKind.VIRTUAL:
        if module in _ROWID_MODULES and free:
            key_kind, key = KeyKind.ROWID, (free,)
    elif without_rowid:
        key_kind, key = KeyKind.PRIMARY_KEY, pk
    elif free:
        key_kind, key = KeyKind.ROWID, (free,)
    elif pk:
        # Every rowid name is a real column: page by the declared key instead.
        key_kind, key = KeyKind.PRIMARY_KEY, pk
    return TableInfo(
        ref=ref,
        kind=kind,
        columns=columns,
        key_columns=key,
        key_kind=key_kind,
        internal=internal,
        without_rowid=without_rowid,
        rowid_alias=alias,
    )


def _index_column(cid: int, name: str | None) -> str:
    if cid == -1:
        return "rowid"
    return name if name is not None else "<expression>"


def _group_by_id(rows: Sequence[Any]) -> dict[int, list[Any]]:
    grouped: dict[int, list[Any]] = {}
    for r in rows:
        grouped.setdefault(r.id, []).append(r)
    return grouped


def _foreign_key(parts: Sequence[Any], referred_pk: Sequence[str]) -> ForeignKeyInfo:
    first = parts[0]
    referred = tuple(r.to for r in parts)
    if any(name is None for name in referred):
        referred = tuple(referred_pk)
    return ForeignKeyInfo(
        columns=tuple(r._mapping["from"] for r in parts),  # a Python keyword
        referred_table=first.table,
        referred_columns=referred,
        on_delete=_no_action(first.on_delete),
        on_update=_no_action(first.on_update),
    )
