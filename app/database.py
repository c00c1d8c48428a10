"""Process-wide engines, session factories and the declarative base.

One sync :class:`~sqlalchemy.engine.Engine` and one :class:`~sqlalchemy.ext.asyncio.AsyncEngine`
exist per process. They are created **at import** for ``settings.DATABASE_URL``
(``create_engine`` does not connect, so importing stays cheap and never touches the database)
and are reused by :data:`SessionLocal` and :data:`AsyncSessionLocal`.

To point the process at another database (tests, ``dbbrowse FILE``) call :func:`configure`
with a URL; :func:`reset_engines` goes back to the settings. Both dispose the old engines and
rebind the session factories in place, so ``SessionLocal``/``AsyncSessionLocal`` imported
elsewhere stay valid. Read the current engines through :func:`get_engine` and
:func:`get_async_engine` (a name imported with ``from app.database import engine`` keeps the
engine of the moment it was imported).

SQLite engines pass ``check_same_thread=False`` and run ``PRAGMA busy_timeout``,
``PRAGMA journal_mode=WAL`` and ``PRAGMA foreign_keys=ON`` on every new DBAPI connection.
Where WAL cannot be set (``:memory:``, a read-only file) the connection keeps the mode it has.
A database that is not the application's own (``sqlite_wal=False``) gets only the busy
timeout: its journal mode and foreign-key enforcement stay as SQLite leaves them.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncGenerator, Generator
from dataclasses import dataclass
from typing import Any

from sqlalchemy import MetaData, event
from sqlalchemy.engine import URL, Engine, create_engine, make_url
from sqlalchemy.exc import ArgumentError, SQLAlchemyError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
    create_async_engine,
)
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from app.config import settings

NAMING_CONVENTION = {
    "ix": "ix_%(table_name)s_%(column_0_N_name)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every ORM model, with a naming convention for constraints."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UnsupportedDatabaseError(ArgumentError):
    """The URL names a database this project has no drivers for."""


class SchemaSetupError(SQLAlchemyError):
    """The application's schema could not be created in the configured database."""


@dataclass(frozen=True)
class _Family:
    """Drivers of one database family: which is sync, which is async, and the defaults."""

    backend: str
    sync_default: str
    async_default: str
    sync_drivers: frozenset[str]
    async_drivers: frozenset[str]


_FAMILIES: dict[str, _Family] = {
    "sqlite": _Family(
        "sqlite", "pysqlite", "aiosqlite", frozenset({"pysqlite"}), frozenset({"aiosqlite"})
    ),
    "postgresql": _Family(
        "postgresql",
        "psycopg",
        "asyncpg",
        frozenset({"psycopg", "psycopg2", "psycopg2cffi", "pg8000"}),
        frozenset({"asyncpg", "psycopg_async"}),
    ),
    "mysql": _Family(
        "mysql",
        "pymysql",
        "aiomysql",
        frozenset({"pymysql", "mysqldb", "mysqlconnector", "mariadbconnector"}),
        frozenset({"aiomysql", "asyncmy"}),
    ),
}
_BACKEND_ALIASES = {"postgres": "postgresql", "mariadb": "mysql"}


def mask_url(url: str | URL) -> str:
    """The URL as text with any password replaced by ``***``."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable URL>"


def derive_urls(url: str | URL) -> tuple[URL, URL]:
    """The (sync, async) URL pair for one database.

    A URL without a driver gets this project's defaults (``pysqlite``/``aiosqlite``,
    ``psycopg``/``asyncpg``, ``pymysql``/``aiomysql``). A URL that names a driver keeps it on
    its own side and gets the default driver on the other.
    """
    parsed = make_url(url)
    backend, _, driver = parsed.drivername.partition("+")
    family_key = _BACKEND_ALIASES.get(backend, backend)
    family = _FAMILIES.get(family_key)
    if family is None:
        raise UnsupportedDatabaseError(
            f"unsupported database {backend!r} in {mask_url(parsed)}: "
            "use a sqlite://, postgresql:// or mysql:// (mariadb://) URL"
        )
    # MariaDB keeps its own backend name so SQLAlchemy applies its MariaDB dialect.
    name = "mariadb" if backend == "mariadb" else family.backend
    if not driver:
        sync_driver, async_driver = family.sync_default, family.async_default
    elif driver in family.sync_drivers:
        sync_driver, async_driver = driver, family.async_default
    elif driver in family.async_drivers:
        sync_driver, async_driver = family.sync_default, driver
    else:
        raise UnsupportedDatabaseError(
            f"unknown driver {driver!r} for {backend} in {mask_url(parsed)}"
        )
    return (
        parsed.set(drivername=f"{name}+{sync_driver}"),
        parsed.set(drivername=f"{name}+{async_driver}"),
    )


def is_sqlite(url: str | URL) -> bool:
    """Whether the URL names a SQLite database."""
    return make_url(url).get_backend_name() == "sqlite"


def _install_sqlite_hooks(
    sync_engine: Engine, *, busy_timeout_ms: int, wal: bool, foreign_keys: bool
) -> None:
    """Set the busy timeout (and WAL and foreign keys, when asked) on every new DBAPI connection.

    For aiosqlite the event receives SQLAlchemy's sync-facing adapter of the connection, so
    the same plain cursor calls work for both drivers.
    """
    dbapi_error: type[Exception] = sync_engine.dialect.loaded_dbapi.Error

    @event.listens_for(sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        try:
            cursor.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
            if wal:
                try:
                    cursor.execute("PRAGMA journal_mode=WAL")
                    cursor.fetchall()
                except dbapi_error:
                    # Read-only files cannot change their journal; keep what they have.
                    pass
            if foreign_keys:
                # Only takes effect outside a transaction, which a new connection is.
                cursor.execute("PRAGMA foreign_keys = ON")
        finally:
            cursor.close()


def create_engines(
    url: str | URL,
    *,
    busy_timeout_ms: int | None = None,
    echo: bool | None = None,
    sqlite_wal: bool = True,
    sqlite_foreign_keys: bool | None = None,
) -> tuple[Engine, AsyncEngine]:
    """A new (sync, async) engine pair for ``url``, configured the way this project needs.

    ``sqlite_wal=False`` leaves a SQLite file's journal mode alone (for databases that are
    not the application's own). ``sqlite_foreign_keys`` turns on SQLite's enforcement of
    foreign keys (the models rely on ON DELETE CASCADE/SET NULL); ``None`` follows
    ``sqlite_wal``, so a foreign database keeps SQLite's default (off) unless asked.
    """
    sync_url, async_url = derive_urls(url)
    timeout = settings.BUSY_TIMEOUT_MS if busy_timeout_ms is None else busy_timeout_ms
    echo_sql = settings.SQL_ECHO if echo is None else echo
    foreign_keys = sqlite_wal if sqlite_foreign_keys is None else sqlite_foreign_keys
    kwargs: dict[str, Any] = {"echo": echo_sql}
    if sync_url.get_backend_name() == "sqlite":
        kwargs["connect_args"] = {"check_same_thread": False}
    else:
        kwargs["pool_pre_ping"] = True
    sync_engine = create_engine(sync_url, **kwargs)
    async_engine = create_async_engine(async_url, **kwargs)
    if sync_url.get_backend_name() == "sqlite":
        for eng in (sync_engine, async_engine.sync_engine):
            _install_sqlite_hooks(
                eng, busy_timeout_ms=timeout, wal=sqlite_wal, foreign_keys=foreign_keys
            )
    return sync_engine, async_engine


engine, async_engine = create_engines(settings.DATABASE_URL)
SessionLocal: sessionmaker[Session] = sessionmaker(bind=engine, autoflush=False)
AsyncSessionLocal: async_sessionmaker[AsyncSession] = async_sessionmaker(
    bind=async_engine, expire_on_commit=False, autoflush=False
)
_pending_disposals: set[asyncio.Task[None]] = set()


def get_engine() -> Engine:
    """The process's sync engine."""
    return engine


def get_async_engine() -> AsyncEngine:
    """The process's async engine."""
    return async_engine


def _dispose_async(old: AsyncEngine) -> None:
    try:
        loop = asyncio.get_running_loop()
    except RuntimeError:
        asyncio.run(old.dispose())
        return
    task = loop.create_task(old.dispose())
    _pending_disposals.add(task)
    task.add_done_callback(_pending_disposals.discard)


def configure(
    url: str | URL,
    *,
    busy_timeout_ms: int | None = None,
    echo: bool | None = None,
    sqlite_wal: bool = True,
    sqlite_foreign_keys: bool | None = None,
) -> None:
    """Replace the process's engines with ones for ``url`` and rebind the session factories.

    The keywords are those of :func:`create_engines`. A URL that cannot be used raises before
    anything changes.
    """
    global engine, async_engine
    new_sync, new_async = create_engines(
        url,
        busy_timeout_ms=busy_timeout_ms,
        echo=echo,
        sqlite_wal=sqlite_wal,
        sqlite_foreign_keys=sqlite_foreign_keys,
    )
    old_sync, old_async = engine, async_engine
    engine, async_engine = new_sync, new_async
    SessionLocal.configure(bind=new_sync)
    AsyncSessionLocal.configure(bind=new_async)
    old_sync.dispose()
    _dispose_async(old_async)


def reset_engines() -> None:
    """Go back to engines for ``settings.DATABASE_URL``."""
    configure(settings.DATABASE_URL)


async def dispose_engines() -> None:
    """Close every pooled connection of both engines (they stay usable and reconnect)."""
    engine.dispose()
    await async_engine.dispose()


def _already_exists(exc: SQLAlchemyError) -> bool:
    text = str(getattr(exc, "orig", exc)).lower()
    return "already exists" in text or "duplicate key" in text


def ensure_database_schema(bind: Engine | None = None) -> None:
    """Create every table of :data:`Base.metadata` that is missing; safe to call repeatedly.

    Two processes may race to create the same table; the loser retries and finds it there.
    Any failure is raised as :class:`SchemaSetupError` naming the (password-masked) URL.
    """
    import app.models  # noqa: F401  (registers the models on Base.metadata)

    target = bind if bind is not None else engine
    attempts = 5
    for attempt in range(attempts):
        try:
            Base.metadata.create_all(target, checkfirst=True)
            return
        except SQLAlchemyError as exc:
            if attempt + 1 < attempts and _already_exists(exc):
                continue
            reason = getattr(exc, "orig", None) or exc
            raise SchemaSetupError(
                f"cannot create the schema in {mask_url(target.url)}: {reason}"
            ) from exc
        except OSError as exc:
            raise SchemaSetupError(
                f"cannot create the schema in {mask_url(target.url)}: {exc}"
            ) from exc


def get_session() -> Generator[Session, None, None]:
    """FastAPI dependency: one sync session per request, always closed."""
    with SessionLocal() as session:
        yield session


async def get_async_session() -> AsyncGenerator[AsyncSession, None]:
    """FastAPI dependency: one async session per request, always closed."""
    async with AsyncSessionLocal() as session:
        yield session
