"""Engine factory and URL rules, without settings: cheap to import.

:mod:`app.database` builds the process's engines with these, from the settings. The TUI
imports this module alone for databases other than the application's own, which keeps
pydantic and the ORM out of its start-up path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, Engine, create_engine, make_url
from sqlalchemy.exc import ArgumentError
from sqlalchemy.ext.asyncio import AsyncEngine, create_async_engine

DEFAULT_BUSY_TIMEOUT_MS = 5000


class UnsupportedDatabaseError(ArgumentError):
    """The URL names a database this project has no drivers for."""


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


class InvalidURLError(ArgumentError):
    """The URL cannot be parsed (a port that is not a number...); the message says so."""


# user:password@ after the scheme, for URLs too broken for make_url to mask.
_PASSWORD = re.compile(r"(://[^:/@]*):[^@/]*@")


def parse_url(url: str | URL) -> URL:
    """``make_url``, with its bare ValueError (a port that is not a number) turned into an
    :class:`InvalidURLError` that says what is wrong; the caller names the (masked) URL."""
    try:
        return make_url(url)
    except ValueError as exc:
        # The only ValueError make_url lets out is int() of the port.
        reason = "the port must be a number" if "int()" in str(exc) else str(exc)
        raise InvalidURLError(reason) from None


def mask_url(url: str | URL) -> str:
    """The URL as text with any password replaced by ``***``."""
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return "<unparseable URL>"
    except ValueError:  # a URL in the right shape whose port is not a number
        return _PASSWORD.sub(r"\1:***@", str(url))


def derive_urls(url: str | URL) -> tuple[URL, URL]:
    """The (sync, async) URL pair for one database.

    A URL without a driver gets this project's defaults (``pysqlite``/``aiosqlite``,
    ``psycopg``/``asyncpg``, ``pymysql``/``aiomysql``). A URL that names a driver keeps it on
    its own side and gets the default driver on the other.
    """
    parsed = parse_url(url)
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
    timeout = DEFAULT_BUSY_TIMEOUT_MS if busy_timeout_ms is None else busy_timeout_ms
    echo_sql = bool(echo)
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
