"""The interface every dialect strategy implements, with generic defaults.

The defaults answer through SQLAlchemy's Inspector, which is sync-only and so runs on the
async connection with ``run_sync``; they serve any dialect for the default schema. The SQLite,
PostgreSQL and MySQL strategies override what their engine answers better or more cheaply.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    JSON,
    Boolean,
    ColumnElement,
    Date,
    DateTime,
    Enum,
    Float,
    Integer,
    Interval,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    Time,
    TypeDecorator,
    Uuid,
    inspect,
)
from sqlalchemy.engine import Connection, Dialect, Inspector
from sqlalchemy.engine.reflection import ObjectKind
from sqlalchemy.exc import CompileError
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine
from sqlalchemy.schema import CreateTable
from sqlalchemy.sql.expression import Executable
from sqlalchemy.types import NullType, TypeEngine

from tui.db.model import (
    ColumnInfo,
    ForeignKeyInfo,
    IndexInfo,
    KeyKind,
    RowCount,
    TableInfo,
    TableKind,
    TableRef,
)
from tui.db.typed_values import kind_from_type

# Checked in order: Boolean before Integer (it is not a subclass, but MySQL stores it as
# TINYINT), Uuid and JSON before String-like fallbacks.
_TYPE_CLASSES: tuple[tuple[type[TypeEngine[Any]], str], ...] = (
    (Boolean, "integer"),
    (Integer, "integer"),
    (Numeric, "numeric"),
    (Float, "numeric"),  # no longer a Numeric subclass in SQLAlchemy 2.1
    (Uuid, "uuid"),
    (JSON, "json"),
    (String, "string"),
    (LargeBinary, "binary"),
    (DateTime, "datetime"),
    (Date, "date"),
    (Time, "time"),
    (Interval, "interval"),
)
# Types that engines without a native form store as text (MySQL: UUID as CHAR(32), MariaDB:
# JSON as LONGTEXT).
_STORED_AS_TEXT = frozenset({"uuid", "json"})
#: Where :meth:`DialectStrategy.remember_session` keeps a pooled connection's session id.
SESSION_KEY = "dbbrowse.session_id"
#: The escape character of LIKE patterns built from a user's text (SQLAlchemy's autoescape's).
LIKE_ESCAPE = "/"


def like_escape(text: str) -> str:
    """``text`` as a LIKE pattern matching it literally (with ``ESCAPE`` :data:`LIKE_ESCAPE`)."""
    for special in (LIKE_ESCAPE, "%", "_"):
        text = text.replace(special, LIKE_ESCAPE + special)
    return text


def generic_type_class(type_: TypeEngine[Any]) -> str:
    """A loose class of ``type_`` ("integer", "string", ...); "" when the type is unknown."""
    if isinstance(type_, TypeDecorator):
        type_ = type_.impl_instance
    if isinstance(type_, NullType):
        return ""
    for cls, name in _TYPE_CLASSES:
        if isinstance(type_, cls):
            return name
    return type(type_).__name__.lower()


def type_text(type_: TypeEngine[Any], dialect: Dialect) -> str:
    """``type_`` as DDL text of ``dialect``; "" for types the dialect cannot render."""
    try:
        return type_.compile(dialect=dialect)
    except (CompileError, NotImplementedError, TypeError):
        return "" if isinstance(type_, NullType) else str(type_)


@dataclass(frozen=True)
class Relation:
    """A relation as a strategy lists it, with what drift detection needs besides the info."""

    info: TableInfo
    type_classes: Mapping[str, str] = field(default_factory=dict)  # column -> loose class


def foreign_key_from_reflection(fk: Mapping[str, Any]) -> ForeignKeyInfo:
    """A :class:`ForeignKeyInfo` from one ``Inspector.get_foreign_keys`` entry."""
    options = fk.get("options") or {}
    return ForeignKeyInfo(
        columns=tuple(fk["constrained_columns"]),
        referred_table=fk["referred_table"],
        referred_columns=tuple(fk["referred_columns"]),
        referred_schema=fk.get("referred_schema"),
        on_delete=options.get("ondelete"),
        on_update=options.get("onupdate"),
        name=fk.get("name"),
    )


def listed_info(name: str, kind: TableKind, strategy: DialectStrategy) -> TableInfo:
    """A relation as the quick listing knows it: name, kind, whether it is internal."""
    return TableInfo(
        ref=TableRef(name),
        kind=kind,
        columns=(),
        key_columns=(),
        key_kind=KeyKind.NONE,
        internal=strategy.is_internal_table(name),
        described=False,
    )


def _generated_as(computed: Mapping[str, Any] | None) -> str:
    """ "(a * 2) STORED" from the Inspector's ``computed`` entry of a column."""
    if not computed:
        return ""
    persisted = computed.get("persisted")
    how = "" if persisted is None else " STORED" if persisted else " VIRTUAL"
    return f"{computed.get('sqltext', '')}{how}".strip()


def _enum_values(type_: TypeEngine[Any]) -> tuple[str, ...]:
    """The values of an ENUM type (PostgreSQL's and MySQL's reflect as ``Enum``)."""
    return tuple(str(v) for v in type_.enums) if isinstance(type_, Enum) else ()


def _auto(col: Mapping[str, Any]) -> bool:
    """Whether the Inspector's column is numbered by the database (serial, identity,
    AUTO_INCREMENT)."""
    default = str(col.get("default") or "")
    return (
        col.get("autoincrement") is True
        or bool(col.get("identity"))
        or (default.startswith("nextval("))
    )


def _kinds(strategy: DialectStrategy, sync_conn: Connection) -> list[tuple[str, TableKind]]:
    insp = inspect(sync_conn)
    kinds = {name: TableKind.TABLE for name in insp.get_table_names()}
    kinds.update((name, TableKind.VIEW) for name in strategy.view_names(insp))
    return list(kinds.items())


class DialectStrategy:
    """Generic behaviour; subclasses override what their engine does differently."""

    name = "generic"
    #: Whether :meth:`schema_token` tells schema changes (else the table list is read again
    #: on refresh only).
    has_schema_token = False
    #: Whether ``ORDER BY x ASC`` puts NULLs first natively (SQLite, MySQL: yes; PostgreSQL: no).
    nulls_first_when_ascending = True
    #: Whether ``col REGEXP pattern`` (SQLAlchemy's ``regexp_match``) runs on this engine.
    has_regexp = False
    #: Whether LIKE (``like``, ``starts with``) ignores case (ASCII) by default, so that
    #: matches are shown the same way. ``contains`` and the quick search always ignore case.
    like_ignores_case = False
    #: Whether a table name in SQL (``REFERENCES "p"``) finds the table of another ASCII
    #: letter case ("P"): SQLite resolves names so, and its foreign keys keep the spelling.
    table_names_ignore_case = False
    #: Whether a column may hold values of other types than its declared one (SQLite, but
    #: for STRICT tables): a filter value not of the column's type is still matched.
    loose_column_types = False
    #: Whether the engine has a hidden integer row id usable as a paging key.
    has_rowid = False
    #: Dates and timestamps may be ``infinity`` / ``-infinity`` (typed so in a filter).
    has_infinite_dates = False
    #: Whether the sparse position index is best numbered on the server (``row_number()``,
    #: only every K-th row sent back) rather than by streaming the ordered keys.
    anchors_by_row_number = True
    #: The most columns one result may have (the page query keeps within it).
    max_result_columns = 1000

    def contains(self, text: ColumnElement[Any], needle: str) -> ColumnElement[bool]:
        """Whether ``text`` contains ``needle`` in any letter case (accents count), the
        needle bound and its ``%`` and ``_`` meant literally."""
        # lower(text) LIKE lower(needle); PostgreSQL's compiler makes it ILIKE.
        return text.icontains(needle, autoescape=True)

    def regexp_match(self, text: ColumnElement[Any], pattern: str) -> ColumnElement[bool]:
        """Whether the regular expression ``pattern`` (bound) is found in ``text``."""
        return text.regexp_match(pattern)

    async def limit_cpu(self, conn: AsyncConnection, share: float) -> None:
        """Make statements on ``conn`` use at most ``share`` of a core, where the engine can.

        Undone by :meth:`unlimit_cpu`. A server does the work in its own process: nothing to
        pace from here.
        """
        return None

    async def unlimit_cpu(self, conn: AsyncConnection) -> None:
        return None

    async def limit_lock_wait(self, conn: AsyncConnection, ms: int) -> None:
        """Make ``conn``'s statements give up after ``ms`` waiting for another session's lock,
        from here to the end of its transaction (undone by :meth:`unlimit_lock_wait`).

        A server waits for a row lock without limit (PostgreSQL) or for 50 s (MariaDB): a
        save blocked by another session's open transaction would hold the screen that long.
        SQLite's connections already have their busy timeout.
        """
        return None

    async def unlimit_lock_wait(self, conn: AsyncConnection) -> None:
        return None

    async def remember_session(self, conn: AsyncConnection) -> None:
        """Note the server session of ``conn`` (once per pooled connection), for :meth:`interrupt`.

        A statement cannot be cancelled from the connection that runs it: the driver is busy
        waiting for its result. So the session id is read when the connection is checked out,
        before anything slow runs, and kept with the pooled DBAPI connection (``conn.info``).
        """
        if SESSION_KEY in conn.info:
            return
        statement = self.session_id_statement()
        if statement is None:
            return
        began_here = not conn.in_transaction()
        conn.info[SESSION_KEY] = await conn.scalar(statement)
        if began_here:
            await conn.rollback()

    def session_id_statement(self) -> Executable | None:
        """A query for the server's id of the current session; None where there is none."""
        return None

    def cancel_statement(self, session_id: Any) -> Executable | None:
        """What another connection runs to stop ``session_id``'s statement (it stays open)."""
        return None

    async def interrupt(
        self,
        conn: AsyncConnection,
        engine: AsyncEngine,
        still_running: Callable[[], bool] = lambda: True,
    ) -> None:
        """Ask the server to abandon the statement running on ``conn`` (best effort).

        Server engines are asked from another connection of ``engine``; the interrupted
        statement fails (or, for MariaDB's ``SLEEP``, returns early) and ``conn`` stays usable.
        ``still_running`` is asked again once that connection is ready: had the operation
        ended meanwhile, its pooled connection may already be serving another one.
        """
        session_id = conn.info.get(SESSION_KEY)
        statement = None if session_id is None else self.cancel_statement(session_id)
        if statement is None:
            return
        async with engine.connect() as side:
            if still_running():
                await side.execute(statement)
            await side.rollback()

    async def blocked_by(self, side: AsyncConnection, session_id: Any) -> str | None:
        """Who the statement of session ``session_id`` waits for, in words, read on ``side``
        (another connection); None where the server does not say."""
        return None

    async def change_token(self, conn: AsyncConnection) -> object | None:
        """A value that changes when another connection commits; None when not detectable.

        Called about once a second on one long-lived connection that holds no transaction.
        """
        return None

    def change_is_certain(self, before: object, after: object) -> bool:
        """Whether ``after`` differing from ``before`` (two :meth:`change_token` values) says
        that something was committed, or only that it may have been (a token that moves
        with a clock while it cannot tell): the view is read again either way, but only a
        certain change is announced as another connection's."""
        return True

    async def schema_token(self, conn: AsyncConnection) -> object | None:
        """A value that changes when any connection changes the schema (creates, drops or
        alters a relation); None when the engine has no cheap one (the table list is then
        read again on refresh only). Read after another connection's commit was seen."""
        return None

    async def table_roots(self, conn: AsyncConnection) -> dict[str, int]:
        """Each table's storage identity by name (SQLite: its root page), to tell a table
        renamed by another connection from one dropped; empty where there is none."""
        return {}

    def is_internal_table(self, name: str) -> bool:
        """Tables the engine maintains itself (grouped apart in the table list)."""
        return False

    async def estimate_count(self, conn: AsyncConnection, info: TableInfo) -> RowCount | None:
        """A cheap row-count estimate from engine statistics, or None when there is none."""
        return None

    # -- listing ---------------------------------------------------------------------------

    async def list_relations(self, conn: AsyncConnection) -> list[Relation]:
        """Every table and view of the default schema, described, unsorted."""
        return await conn.run_sync(self._reflect_relations)

    async def list_names(self, conn: AsyncConnection) -> list[TableInfo]:
        """Every table and view of the default schema by name and kind only, unsorted.

        One or two catalog queries whatever the number of relations: the entries are not
        described (``described=False``); :meth:`describe` reads one when it is opened.
        """

        def names(sync_conn: Connection) -> list[TableInfo]:
            return [listed_info(name, kind, self) for name, kind in _kinds(self, sync_conn)]

        return await conn.run_sync(names)

    async def describe(self, conn: AsyncConnection, info: TableInfo) -> Relation:
        """One listed relation with its columns and paging key (and its columns' classes)."""

        def reflect(sync_conn: Connection) -> Relation:
            insp = inspect(sync_conn)
            schema = info.ref.schema
            columns = insp.get_columns(info.name, schema=schema)
            pk_columns: Sequence[str] = ()
            if info.kind is TableKind.TABLE:
                pk_columns = insp.get_pk_constraint(info.name, schema=schema)["constrained_columns"]
            return self._relation(info.ref, info.kind, columns, pk_columns, sync_conn.dialect)

        return await conn.run_sync(reflect)

    def view_names(self, insp: Inspector) -> list[str]:
        """Names of the default schema's views (PostgreSQL adds materialized views)."""
        return insp.get_view_names()

    def _reflect_relations(self, sync_conn: Connection) -> list[Relation]:
        insp = inspect(sync_conn)
        kinds = dict(_kinds(self, sync_conn))
        if not kinds:
            return []
        columns = insp.get_multi_columns(kind=ObjectKind.ANY)
        pks = insp.get_multi_pk_constraint(kind=ObjectKind.TABLE)
        relations = []
        for name, kind in kinds.items():
            pk = pks.get((None, name))
            pk_columns: Sequence[str] = pk["constrained_columns"] if pk else ()
            relations.append(
                self._relation(
                    TableRef(name),
                    kind,
                    columns.get((None, name), []),
                    pk_columns,
                    sync_conn.dialect,
                )
            )
        return relations

    def _relation(
        self,
        ref: TableRef,
        kind: TableKind,
        columns: Sequence[Mapping[str, Any]],
        pk_columns: Sequence[str],
        dialect: Dialect,
    ) -> Relation:
        """A described relation from the Inspector's columns and primary key."""
        infos = []
        classes = {}
        for col in columns:
            position = pk_columns.index(col["name"]) + 1 if col["name"] in pk_columns else 0
            infos.append(
                ColumnInfo(
                    name=col["name"],
                    type_name=type_text(col["type"], dialect),
                    nullable=bool(col["nullable"]),
                    default=col.get("default"),
                    primary_key=position,
                    generated=bool(col.get("computed")),
                    generated_as=_generated_as(col.get("computed")),
                    value_kind=kind_from_type(col["type"]),
                    choices=_enum_values(col["type"]),
                    auto=_auto(col),
                )
            )
            classes[col["name"]] = generic_type_class(col["type"])
        key_kind = KeyKind.PRIMARY_KEY if pk_columns and kind is TableKind.TABLE else None
        info = TableInfo(
            ref=ref,
            kind=kind,
            columns=tuple(infos),
            key_columns=tuple(pk_columns) if key_kind else (),
            key_kind=key_kind or KeyKind.NONE,
            internal=self.is_internal_table(ref.name),
        )
        return Relation(info, classes)

    # -- drift -----------------------------------------------------------------------------

    def model_type_class(self, type_: TypeEngine[Any], dialect: Dialect) -> str:
        """The loose class of a model column's type, comparable with the listed classes."""
        return generic_type_class(type_.dialect_impl(dialect))

    def type_classes_compatible(self, model: str, database: str) -> bool:
        """Whether a model column's type class matches the database column's."""
        if not model or not database or model == database:
            return True
        # Engines without native UUID/JSON keep them as text.
        return {model, database} <= _STORED_AS_TEXT | {"string"}

    # -- details ---------------------------------------------------------------------------

    async def indexes(self, conn: AsyncConnection, info: TableInfo) -> tuple[IndexInfo, ...]:
        if info.kind is not TableKind.TABLE:
            return ()
        reflected = await conn.run_sync(
            lambda c: inspect(c).get_indexes(info.name, schema=info.ref.schema)
        )
        sql = await self.index_sql(conn, info)
        result = []
        for ix in reflected:
            names = ix["column_names"]
            # An expression's column name is None; "expressions" then has its text.
            expressions = ix.get("expressions") or names
            columns = tuple(
                str(n if n is not None else e) for n, e in zip(names, expressions, strict=True)
            )
            options = ix.get("dialect_options") or {}
            name = ix["name"] or ""
            result.append(
                IndexInfo(
                    name=name,
                    columns=columns,
                    unique=bool(ix["unique"]),
                    partial=any(k.endswith("_where") and v is not None for k, v in options.items()),
                    sql=sql.get(name),
                )
            )
        return tuple(result)

    async def index_sql(self, conn: AsyncConnection, info: TableInfo) -> Mapping[str, str]:
        """The CREATE INDEX statement of each index of ``info`` the engine can give."""
        return {}

    async def foreign_keys(
        self, conn: AsyncConnection, info: TableInfo
    ) -> tuple[ForeignKeyInfo, ...]:
        if info.kind is not TableKind.TABLE:
            return ()
        reflected = await conn.run_sync(
            lambda c: inspect(c).get_foreign_keys(info.name, schema=info.ref.schema)
        )
        return tuple(foreign_key_from_reflection(fk) for fk in reflected)

    async def referenced_by(
        self, conn: AsyncConnection, info: TableInfo
    ) -> tuple[tuple[str, ForeignKeyInfo], ...]:
        """Foreign keys of other tables (and of ``info`` itself) that point at ``info``."""

        def reflect(sync_conn: Connection) -> list[tuple[str, ForeignKeyInfo]]:
            found = []
            schema = info.ref.schema
            for (_, table), fks in inspect(sync_conn).get_multi_foreign_keys(schema).items():
                for fk in fks:
                    if fk["referred_table"] == info.name and fk.get("referred_schema") in (
                        None,
                        schema,
                    ):
                        found.append((table, foreign_key_from_reflection(fk)))
            return sorted(found, key=lambda item: (item[0], item[1].columns))

        return tuple(await conn.run_sync(reflect))

    async def triggers(self, conn: AsyncConnection, info: TableInfo) -> tuple[tuple[str, str], ...]:
        """(name, CREATE TRIGGER text) of each trigger on ``info``."""
        return ()

    async def create_sql(self, conn: AsyncConnection, info: TableInfo) -> str | None:
        """The CREATE statement of ``info``; for tables a reconstruction from reflection."""

        def build(sync_conn: Connection) -> str | None:
            if info.kind is TableKind.VIEW:
                definition = inspect(sync_conn).get_view_definition(
                    info.name, schema=info.ref.schema
                )
                return str(definition) if definition else None
            table = Table(info.name, MetaData(), schema=info.ref.schema, autoload_with=sync_conn)
            return str(CreateTable(table).compile(dialect=sync_conn.dialect)).strip()

        return await conn.run_sync(build)
