"""Whether anything about a SQLite file changed, read without SQLite and without any lock.

Every commit changes a file: in rollback-journal modes the database header's file change
counter (offset 24) and the file's mtime; in WAL mode the ``-wal`` size or the wal-index
header in ``-shm`` (``mxFrame``, ``iChange``, salts). Checkpoints move ``nBackfill`` and the
read marks; readers and writers of other processes show in the WAL lock bytes. So a few
``stat`` calls, two ``pread`` calls and eight ``F_GETLK`` probes tell the inspector whether
its last snapshot is still true; only when it is not does it read pragmas through SQLite.
On a rollback-journal database that matters beyond CPU: each SQLite read takes a SHARED lock
on the file, and a writer with no busy timeout fails if it meets one.

The database file and ``-shm`` are read through :func:`tui.db.shm.open_shm_fd`'s descriptors,
which are kept open: closing a descriptor of a file drops this process's POSIX locks on it.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from tui.db.locks import probe_wal_locks
from tui.db.shm import SHM_HEADER_SIZE, open_shm_fd

_CHANGE_COUNTER = 24  # offset of the database header's file change counter


@dataclass(frozen=True)
class Fingerprint:
    """``data`` changes with every commit (and checkpoint); ``rest`` with readers and locks."""

    data: tuple[object, ...]
    rest: tuple[object, ...]


def _stat(path: str) -> tuple[int, int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_ino, st.st_size, st.st_mtime_ns


def _pread(path: str, size: int, offset: int) -> bytes:
    try:
        fd = open_shm_fd(path)
        return b"" if fd is None else os.pread(fd, size, offset)
    except OSError:
        return b""


def fingerprint(db_path: Path) -> Fingerprint:
    """The state of the database's files now; equal fingerprints mean nothing changed."""
    base = os.fspath(db_path)
    shm = _pread(f"{base}-shm", SHM_HEADER_SIZE, 0)
    try:
        locks = tuple((h.lock, h.kind, h.pid) for h in probe_wal_locks(f"{base}-shm"))
    except OSError:
        locks = ()
    data = (
        _stat(base),
        _pread(base, 4, _CHANGE_COUNTER),
        _stat(f"{base}-wal"),
        _stat(f"{base}-journal"),
        shm[:48],  # the wal-index header: mxFrame, iChange, salts of the last commit
    )
    rest = (_stat(f"{base}-shm"), shm[48:], locks)
    return Fingerprint(data, rest)
