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

from sqlalchemy import MetaData
from sqlalchemy.engine import URL, Engine
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import (
    AsyncEngine,
    AsyncSession,
    async_sessionmaker,
)
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker

from app import engines
from app.config import settings
from app.engines import UnsupportedDatabaseError, derive_urls, is_sqlite, mask_url

__all__ = [
    "AsyncSessionLocal",
    "Base",
    "SchemaSetupError",
    "SessionLocal",
    "UnsupportedDatabaseError",
    "configure",
    "create_engines",
    "derive_urls",
    "dispose_engines",
    "ensure_database_schema",
    "get_async_engine",
    "get_async_session",
    "get_engine",
    "get_session",
    "is_sqlite",
    "mask_url",
    "reset_engines",
]

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


class SchemaSetupError(SQLAlchemyError):
    """The application's schema could not be created in the configured database."""


def create_engines(
    url: str | URL,
    *,
    busy_timeout_ms: int | None = None,
    echo: bool | None = None,
    sqlite_wal: bool = True,
    sqlite_foreign_keys: bool | None = None,
) -> tuple[Engine, AsyncEngine]:
    """:func:`app.engines.create_engines` with the settings' busy timeout and echo as defaults."""
    return engines.create_engines(
        url,
        busy_timeout_ms=settings.BUSY_TIMEOUT_MS if busy_timeout_ms is None else busy_timeout_ms,
        echo=settings.SQL_ECHO if echo is None else echo,
        sqlite_wal=sqlite_wal,
        sqlite_foreign_keys=sqlite_foreign_keys,
    )


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
        if old.dialect.name == "sqlite":
            # aiosqlite connections live in threads: any loop can close them.
            asyncio.run(old.dispose())
        else:
            # asyncpg/aiomysql sockets belong to the loop that opened them, which is gone:
            # closing them from a new loop fails. Drop them; call dispose_engines() inside
            # the loop beforehand to close them properly.
            old.sync_engine.dispose(close=False)
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

    The tables are those of the models registered on :data:`Base` (``import app.models``).

    On SQLite the whole check-and-create runs in one ``BEGIN IMMEDIATE`` transaction, so two
    processes take turns (the busy timeout covers the wait) and the schema appears all at
    once. Elsewhere two processes may race to create the same table; the loser retries and
    finds it there. Any failure is raised as :class:`SchemaSetupError` naming the
    (password-masked) URL.
    """
    if not Base.metadata.tables:
        # The models import this module for Base, so this module must not import them
        # (that was an import cycle): whoever wants the schema imports app.models first.
        raise SchemaSetupError(
            "no models are registered on Base.metadata: import app.models before "
            "calling ensure_database_schema()"
        )
    target = bind if bind is not None else engine
    attempts = 20
    for attempt in range(attempts):
        try:
            if target.dialect.name == "sqlite":
                with target.connect() as conn:
                    conn.exec_driver_sql("BEGIN IMMEDIATE")
                    Base.metadata.create_all(conn, checkfirst=True)
                    conn.commit()
            else:
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
