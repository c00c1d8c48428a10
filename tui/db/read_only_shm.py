"""Reading a SQLite file without writing its ``-shm``: connections opened ``readonly_shm``.

A WAL reader claims a read-mark slot of the wal-index and writes the end of the WAL it reads
into it, so a plain reader (``mode=ro`` included) changes bytes of the ``-shm`` whenever
another connection committed since the last read. Opened ``mode=ro&readonly_shm=1``, SQLite
maps the ``-shm`` read-only and reads under an existing read mark at or below the WAL's end
with only a shared lock: the mark bounds what a checkpoint may copy, and the lock keeps a
writer from starting the WAL over. With no other process attached, it reads the WAL itself
(its "unreliable shm" heap mode). Either way the database, its ``-wal`` and ``-shm`` keep
their bytes, and each read sees every commit.

Limits, all SQLite's:

- The ``-shm`` must exist: it cannot be created read-only ("unable to open database file").
  Without one, a connection opens as it always did (the target's own URL), which creates it;
  that fallback is logged once per engine.
- SQLite shares one wal-index per file per process. A writable connection of this process
  finds the read-only one and fails ("attempt to write a readonly database"); opened first,
  it lends its writable mapping to the readers, which write read marks again. So writes must
  run with every such reader closed (:meth:`tui.db.source.DataSource.write`).

Whether to read this way is decided for each new connection, since a ``-shm`` comes and goes
with other processes; a rollback-journal database has none and keeps its usual connection
(a reader there takes only a shared lock, and still rolls back a hot journal).
"""

from __future__ import annotations

import logging
import os
from pathlib import Path
from typing import Any
from urllib.parse import quote

from sqlalchemy import event
from sqlalchemy.engine import Engine

from tui.db.target import Target

log = logging.getLogger(__name__)
_READ_ONLY_SHM = "mode=ro&readonly_shm=1"
# The only SQLite URI parameter of a target URL that may be replaced: any other (immutable,
# nolock, vfs…) was the user's choice, and such a URL keeps its connections as given.
_REPLACEABLE = frozenset({"mode"})


def read_only_shm_filename(path: Path) -> str:
    """The SQLite URI filename that opens ``path`` read-only with a read-only ``-shm``.

    Quoted once (SQLite decodes %XX once), so spaces, ``?``, ``#`` and ``%`` in a name reach
    the file system as they are.
    """
    return f"file:{quote(path.as_posix(), safe='/')}?{_READ_ONLY_SHM}"


def applies_to(target: Target) -> bool:
    """Whether ``target``'s reads may go through ``readonly_shm`` connections.

    A SQLite file browsed as it is: not ``:memory:``, not ``--immutable`` (no locks, no WAL),
    not a past state (its own VFS reads the files), not the application's own database (its
    engines are the application's, with its pragmas, and may serve writes at any time).
    """
    return (
        target.sqlite_path is not None
        and not target.immutable
        and target.as_of is None
        and not target.app_database
    )


def install(sync_engine: Engine, path: Path) -> bool:
    """Open each new connection of ``sync_engine`` with a read-only ``-shm`` when that works;
    else as the engine's URL says. False (nothing installed) for a URL with SQLite options of
    its own."""
    cargs, _ = sync_engine.dialect.create_connect_args(sync_engine.url)
    given = str(cargs[0]) if cargs else ""
    if given.startswith("file:") and "?" in given:
        names = {part.partition("=")[0] for part in given.partition("?")[2].split("&") if part}
        if not names <= _REPLACEABLE:
            log.info("reads of %s use its URL as given (SQLite options: %s)", path, names)
            return False
    filename = read_only_shm_filename(path)
    shm = Path(f"{path}-shm")
    told: list[bool] = []

    def fall_back(why: str, *, error: bool = False) -> None:
        if not told:
            told.append(True)
            log.log(
                logging.WARNING if error else logging.INFO,
                "reading %s through a connection that may write its -shm (%s)",
                path,
                why,
            )

    @event.listens_for(sync_engine, "do_connect")
    def _connect(dialect: Any, _record: Any, _cargs: list[Any], cparams: dict[str, Any]) -> Any:
        if not os.path.exists(shm):
            # SQLite would create an empty -wal and then fail on the -shm: do not try.
            fall_back("there is no -shm to open read-only")
            return None
        params = {**cparams, "uri": True}
        try:
            conn = dialect.connect(filename, **params)
        except Exception as exc:
            fall_back(f"readonly_shm could not open it: {exc}", error=True)
            return None
        try:
            # The -wal and -shm open on the first read, not on connect: read page 1 now.
            cursor = conn.cursor()
            try:
                cursor.execute("PRAGMA schema_version")
                cursor.fetchall()
            finally:
                cursor.close()
            conn.rollback()
        except Exception as exc:
            try:
                conn.close()
            except Exception:
                log.debug("closing a failed readonly_shm connection failed", exc_info=True)
            fall_back(f"readonly_shm could not read it: {exc}", error=True)
            return None
        return conn

    return True


__all__ = ["applies_to", "install", "read_only_shm_filename"]
