"""What SQLite is configured to do and how its files look: pragmas, file sizes, space by object.

Everything here only reads. Pragmas are read in their query form (no ``=``; ``PRAGMA
journal_mode`` without an argument changes nothing), each statement runs in autocommit and
the connection is rolled back afterwards, so no read snapshot outlives the call and the WAL is
never pinned. :func:`file_status` does not connect at all: it stats the files and reads the
first byte of a leftover ``-journal`` (never the database or ``-shm``, whose POSIX locks this
process may hold through SQLite and would lose on close).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import text
from sqlalchemy.exc import DBAPIError
from sqlalchemy.ext.asyncio import AsyncConnection

_SYNCHRONOUS = {0: "OFF", 1: "NORMAL", 2: "FULL", 3: "EXTRA"}
_AUTO_VACUUM = {0: "NONE", 1: "FULL", 2: "INCREMENTAL"}

# Virtual-table modules and the compile option that builds each in, for SQLite builds whose
# pragma_module_list is missing (it needs 3.30+ or SQLITE_INTROSPECTION_PRAGMAS).
_MODULE_OPTIONS = {
    "dbstat": ("ENABLE_DBSTAT_VTAB",),
    "fts5": ("ENABLE_FTS5",),
    "fts4": ("ENABLE_FTS4", "ENABLE_FTS3"),  # FTS3 builds include the fts4 module
    "rtree": ("ENABLE_RTREE",),
}

_JOURNAL_SUFFIX = "-journal"


@dataclass(frozen=True)
class Features:
    """Optional parts of the SQLite library that matter to the browser."""

    dbstat: bool = False
    fts5: bool = False
    fts4: bool = False
    json: bool = False
    rtree: bool = False
    math: bool = False


@dataclass(frozen=True)
class PragmaStatus:
    """The pragmas of one database as one connection sees them.

    The names in :attr:`PER_CONNECTION` are settings of the connection that read them (here,
    dbbrowse's own), not of the file: another process may use different values.
    """

    PER_CONNECTION = frozenset(
        {
            "synchronous",
            "busy_timeout",
            "locking_mode",
            "cache_size",
            "wal_autocheckpoint",
            "journal_size_limit",
            "foreign_keys",
        }
    )

    journal_mode: str  # lower case, as SQLite reports it: "wal", "delete", "memory", ...
    synchronous: str  # OFF / NORMAL / FULL / EXTRA
    busy_timeout: int  # milliseconds
    locking_mode: str  # "normal" or "exclusive"
    page_size: int
    page_count: int
    freelist_count: int
    cache_size: int  # pages when positive, KiB when negative (SQLite's convention)
    auto_vacuum: str  # NONE / FULL / INCREMENTAL
    wal_autocheckpoint: int  # pages; 0 or less: off
    journal_size_limit: int  # bytes; -1: no limit
    foreign_keys: bool
    user_version: int
    application_id: int
    encoding: str
    sqlite_version: str
    compile_options: tuple[str, ...]
    features: Features

    @property
    def database_bytes(self) -> int:
        """Size of the database as SQLite counts it (page count times page size)."""
        return self.page_count * self.page_size

    @property
    def free_bytes(self) -> int:
        """Bytes held by pages on the freelist (reclaimed by VACUUM)."""
        return self.freelist_count * self.page_size

    @property
    def is_wal(self) -> bool:
        return self.journal_mode.lower() == "wal"


@dataclass(frozen=True)
class FileStatus:
    """Sizes of a SQLite database file and its companions; None for a file that is absent."""

    db_path: Path
    db_bytes: int | None
    wal_bytes: int | None
    shm_bytes: int | None
    journal_bytes: int | None
    hot_journal_suspected: bool

    @property
    def notes(self) -> tuple[str, ...]:
        """Sentences about what a person should know from the files alone."""
        notes = []
        if self.db_bytes is None:
            notes.append(f"{self.db_path.name} does not exist")
        if self.hot_journal_suspected:
            notes.append(
                f"hot journal suspected: {self.db_path.name}{_JOURNAL_SUFFIX} holds "
                f"{self.journal_bytes:,} bytes; unless a writer is committing right now, the "
                "next connection to read will roll back the interrupted transaction in it"
            )
        elif self.journal_bytes == 0:
            notes.append(f"{self.db_path.name}{_JOURNAL_SUFFIX} exists but is empty (harmless)")
        elif self.journal_bytes is not None:
            notes.append(
                f"{self.db_path.name}{_JOURNAL_SUFFIX} holds {self.journal_bytes:,} bytes "
                "with a zeroed header (journal_mode=PERSIST leaves it so; not hot)"
            )
        return tuple(notes)


@dataclass(frozen=True)
class SpaceUsage:
    """Pages and bytes one table or index occupies, from ``dbstat``."""

    name: str
    kind: str  # "table" or "index"; "" for a b-tree sqlite_schema does not list
    pages: int
    bytes: int
    unused: int  # bytes inside those pages that hold nothing

    @property
    def used(self) -> int:
        return self.bytes - self.unused


async def _pragma(conn: AsyncConnection, name: str) -> object:
    # ``name`` comes from this module's constants, never from a caller.
    return (await conn.execute(text(f"PRAGMA {name}"))).scalar()


async def _succeeds(conn: AsyncConnection, sql: str) -> bool:
    try:
        await conn.execute(text(sql))
    except DBAPIError:
        return False
    return True


async def _features(conn: AsyncConnection, options: tuple[str, ...]) -> Features:
    try:
        modules = set((await conn.execute(text("SELECT name FROM pragma_module_list"))).scalars())
    except DBAPIError:
        modules = None
    plain = {o.split("=", 1)[0] for o in options}

    def has(module: str) -> bool:
        if modules is not None:
            return module in modules
        return any(option in plain for option in _MODULE_OPTIONS[module])

    return Features(
        dbstat=has("dbstat"),
        fts5=has("fts5"),
        fts4=has("fts4"),
        # JSON is built in since 3.38 (unless omitted) and was an option before: just try it.
        json=await _succeeds(conn, "SELECT json('1')"),
        rtree=has("rtree"),
        math=await _succeeds(conn, "SELECT ln(1.0)"),
    )


# Every pragma of the file in one statement: on a rollback-journal database each statement
# takes a SHARED lock, and a writer without a busy timeout fails when it meets one.
_FILE_PRAGMAS = text(
    "SELECT * FROM pragma_journal_mode, pragma_synchronous, pragma_busy_timeout,"
    " pragma_locking_mode, pragma_page_size, pragma_page_count, pragma_freelist_count,"
    " pragma_cache_size, pragma_auto_vacuum, pragma_journal_size_limit, pragma_user_version,"
    " pragma_application_id, pragma_foreign_keys, pragma_encoding"
)
# The library's build never changes while the process runs: read once.
_library: tuple[str, tuple[str, ...], Features] | None = None


async def _library_facts(conn: AsyncConnection) -> tuple[str, tuple[str, ...], Features]:
    global _library
    if _library is None:
        version = str((await conn.execute(text("SELECT sqlite_version()"))).scalar())
        options = tuple(
            str(o) for o in (await conn.execute(text("PRAGMA compile_options"))).scalars()
        )
        _library = (version, options, await _features(conn, options))
    return _library


async def read_pragmas(conn: AsyncConnection) -> PragmaStatus:
    """The pragma status of the connection's main database; reads only, leaves no transaction.

    One statement reads the file (``wal_autocheckpoint``, a setting of the connection alone,
    has no table-valued form and touches no file); the library's version and options are
    read once per process.
    """
    try:
        row = (await conn.execute(_FILE_PRAGMAS)).one()._mapping
        autocheckpoint = int(str(await _pragma(conn, "wal_autocheckpoint")))
        version, options, features = await _library_facts(conn)
        synchronous = int(row["synchronous"])
        auto_vacuum = int(row["auto_vacuum"])
        return PragmaStatus(
            journal_mode=str(row["journal_mode"]),
            busy_timeout=int(row["timeout"]),
            page_size=int(row["page_size"]),
            page_count=int(row["page_count"]),
            freelist_count=int(row["freelist_count"]),
            cache_size=int(row["cache_size"]),
            wal_autocheckpoint=autocheckpoint,
            journal_size_limit=int(row["journal_size_limit"]),
            user_version=int(row["user_version"]),
            application_id=int(row["application_id"]),
            synchronous=_SYNCHRONOUS.get(synchronous, str(synchronous)),
            locking_mode=str(row["locking_mode"]),
            auto_vacuum=_AUTO_VACUUM.get(auto_vacuum, str(auto_vacuum)),
            foreign_keys=bool(row["foreign_keys"]),
            encoding=str(row["encoding"]),
            sqlite_version=version,
            compile_options=options,
            features=features,
        )
    finally:
        await conn.rollback()


def _size(path: Path) -> int | None:
    try:
        return path.stat().st_size
    except FileNotFoundError:
        return None


def _journal_header_live(path: Path) -> bool:
    # SQLite itself treats a journal whose first byte is zero as not hot (PERSIST mode
    # zeroes the header on commit instead of deleting the file).
    try:
        with path.open("rb") as handle:
            first = handle.read(1)
    except OSError:
        return False
    return first not in (b"", b"\x00")


def file_status(db_path: Path) -> FileStatus:
    """Sizes of the database, ``-wal``, ``-shm`` and a leftover ``-journal``; no connection.

    A non-empty ``-journal`` with a live header is flagged as a suspected hot journal. Without
    taking a lock, a journal of a write that is committing right now looks the same, hence
    "suspected".
    """
    base = os.fspath(db_path)
    journal = Path(base + _JOURNAL_SUFFIX)
    journal_bytes = _size(journal)
    return FileStatus(
        db_path=db_path,
        db_bytes=_size(db_path),
        wal_bytes=_size(Path(base + "-wal")),
        shm_bytes=_size(Path(base + "-shm")),
        journal_bytes=journal_bytes,
        hot_journal_suspected=bool(journal_bytes) and _journal_header_live(journal),
    )


# sqlite_master: the name every SQLite version knows for sqlite_schema.
_SPACE = text(
    "SELECT s.name AS name, coalesce(m.type, CASE WHEN s.name IN ('sqlite_schema', "
    "'sqlite_master') THEN 'table' END, '') AS kind, s.pages, s.bytes, s.unused FROM ("
    "SELECT name, count(*) AS pages, sum(pgsize) AS bytes, sum(unused) AS unused "
    "FROM dbstat GROUP BY name) AS s "
    "LEFT JOIN sqlite_master AS m ON m.name = s.name AND m.type IN ('table', 'index') "
    "ORDER BY s.bytes DESC, s.name"
)


async def space_by_object(conn: AsyncConnection) -> list[SpaceUsage] | None:
    """Space per table and index, largest first; None when SQLite lacks the dbstat table.

    dbstat reads every page of the database: call it on demand, not on every refresh.
    """
    try:
        rows = (await conn.execute(_SPACE)).all()
    except DBAPIError as exc:
        # sqlite_master always exists, so a missing table here can only be dbstat.
        if "no such table" in str(exc.orig):
            return None
        raise
    finally:
        await conn.rollback()
    return [
        SpaceUsage(
            name=r.name, kind=r.kind, pages=int(r.pages), bytes=int(r.bytes), unused=int(r.unused)
        )
        for r in rows
    ]
