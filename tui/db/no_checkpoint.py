"""Closing a SQLite connection without checkpointing, truncating or deleting the WAL.

When the last connection to a WAL database closes, SQLite copies the whole WAL into the
database file and deletes ``-wal`` and ``-shm``, unless the connection has
``SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE`` set. An inspector must leave the WAL it was shown as it
was, so every connection dbbrowse opens to a SQLite file gets that flag.

Why this and not the alternatives:

- Read-only (``mode=ro``) connections for browsing also leave the WAL alone, but the
  maintenance actions need a writable connection, and its close would checkpoint all the
  same: the flag is needed there anyway, so one mechanism serves both.
- APSW would be a second SQLite binding beside the one SQLAlchemy and aiosqlite use.
- Python 3.12 has ``Connection.setconfig``; this project runs on 3.11, where the flag is set
  by calling ``sqlite3_db_config`` through ctypes on the connection's ``sqlite3*`` handle.
  The handle is the first field after ``PyObject_HEAD`` of CPython's connection object
  (``Modules/_sqlite/connection.h``, unchanged from 3.7 to 3.13); the function is looked up
  in the ``_sqlite3`` extension itself, so it is the library that connection lives in. The
  handle is trusted only after ``sqlite3_db_filename`` on it names the file the connection
  reports (``PRAGMA database_list``), and the flag only after reading it back; anything
  unexpected leaves the connection as it is and returns False, never crashes on a guess.
"""

from __future__ import annotations

import ctypes
import logging
import sqlite3
import sys
from functools import cache
from typing import Any

log = logging.getLogger("dbbrowse")

SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE = 1006  # sqlite3.h (1010 is DEFENSIVE)
_QUERY = -1  # sqlite3_db_config: a negative value reads the setting without changing it


@cache
def _library() -> ctypes.CDLL | None:
    import _sqlite3

    try:
        lib = ctypes.CDLL(_sqlite3.__file__)
        config, filename = lib.sqlite3_db_config, lib.sqlite3_db_filename
    except (OSError, AttributeError):
        return None
    config.restype = ctypes.c_int
    filename.restype = ctypes.c_char_p
    filename.argtypes = [ctypes.c_void_p, ctypes.c_char_p]
    return lib


def _layout_known() -> bool:
    # A debug build with Py_TRACE_REFS puts two more pointers in PyObject_HEAD.
    return (
        sys.implementation.name == "cpython"
        and (3, 7) <= sys.version_info[:2] <= (3, 13)
        and not hasattr(sys, "getobjects")
    )


def _handle(conn: sqlite3.Connection) -> int | None:
    offset = object.__basicsize__  # ob_refcnt and ob_type: 16 bytes on 64-bit builds
    if type(conn).__basicsize__ < offset + ctypes.sizeof(ctypes.c_void_p):
        return None
    value = ctypes.c_void_p.from_address(id(conn) + offset).value
    return value or None


def _main_file(conn: sqlite3.Connection) -> str | None:
    try:
        rows = conn.execute("PRAGMA database_list").fetchall()
    except sqlite3.Error:
        return None
    return next((str(file or "") for _, name, file in rows if name == "main"), None)


def _verified_handle(conn: sqlite3.Connection) -> tuple[ctypes.CDLL, int] | None:
    """The library and ``conn``'s ``sqlite3*``, once SQLite names the same main file."""
    lib = _library()
    if lib is None or not _layout_known() or not isinstance(conn, sqlite3.Connection):
        return None
    handle = _handle(conn)
    expected = _main_file(conn)
    if handle is None or expected is None:
        return None
    reported = lib.sqlite3_db_filename(ctypes.c_void_p(handle), b"main")
    if reported is None or reported.decode("utf-8", "surrogateescape") != expected:
        return None
    return lib, handle


def _config(lib: ctypes.CDLL, handle: int, value: int) -> int | None:
    out = ctypes.c_int(-1)
    rc = lib.sqlite3_db_config(
        ctypes.c_void_p(handle),
        ctypes.c_int(SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE),
        ctypes.c_int(value),
        ctypes.byref(out),
    )
    return out.value if rc == 0 else None


def disable_checkpoint_on_close(conn: sqlite3.Connection) -> bool:
    """Set ``SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE`` on ``conn``; True once SQLite confirms it."""
    setconfig: Any = getattr(conn, "setconfig", None)
    if setconfig is not None:  # Python 3.12+
        setconfig(SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE, True)
        return bool(conn.getconfig(SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE))  # type: ignore[attr-defined]
    found = _verified_handle(conn)
    if found is None:
        return False
    lib, handle = found
    return _config(lib, handle, 1) == 1 and _config(lib, handle, _QUERY) == 1


def checkpoint_on_close_disabled(conn: sqlite3.Connection) -> bool | None:
    """Whether ``conn`` has the flag set; None when it cannot be read (for tests and logs)."""
    getconfig: Any = getattr(conn, "getconfig", None)
    if getconfig is not None:
        return bool(getconfig(SQLITE_DBCONFIG_NO_CKPT_ON_CLOSE))
    found = _verified_handle(conn)
    if found is None:
        return None
    value = _config(*found, _QUERY)
    return None if value is None else bool(value)


def sqlite3_connection_of(dbapi_connection: Any) -> sqlite3.Connection | None:
    """The ``sqlite3.Connection`` behind what SQLAlchemy's connect event hands over.

    pysqlite gives the connection itself; aiosqlite an adapter whose ``driver_connection``
    is an ``aiosqlite.Connection`` running the ``sqlite3.Connection`` in its own thread.
    """
    driver = getattr(dbapi_connection, "driver_connection", dbapi_connection)
    if isinstance(driver, sqlite3.Connection):
        return driver
    inner = getattr(driver, "_conn", None)
    return inner if isinstance(inner, sqlite3.Connection) else None
