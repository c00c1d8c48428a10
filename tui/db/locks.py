"""Who holds SQLite's WAL locks: a probe of the lock bytes in the ``-shm`` file.

SQLite's unix VFS takes POSIX advisory locks on bytes 120..127 of the ``-shm`` file: the
write lock, the checkpoint lock, the recover lock and the five reader slots. The probe asks
the kernel, with ``fcntl(F_GETLK)``, whether an exclusive lock on each byte *would* conflict,
and with what. ``F_GETLK`` never acquires anything, so the probe never takes a lock, and it
works on a read-only descriptor.

Limits, all from POSIX locks themselves:

- Locks held by this same process are never reported (they cannot conflict with their owner),
  so dbbrowse's own connections are invisible here.
- For a byte several processes share, the kernel names one of them.
- Linux only (``/proc`` for command lines, and the ``struct flock`` layout); elsewhere the
  probe returns an empty list.
"""

from __future__ import annotations

import os
import struct
import sys
from dataclasses import dataclass
from enum import StrEnum

from tui.db.shm import open_shm_fd

WAL_LOCK_OFFSET = 120  # byte of lock 0 in the -shm file
LOCK_NAMES = ("write", "checkpoint", "recover", "read-0", "read-1", "read-2", "read-3", "read-4")
WAL_WRITE_LOCK = 0
WAL_CKPT_LOCK = 1
WAL_RECOVER_LOCK = 2
WAL_READ_LOCK_0 = 3

# struct flock on 64-bit Linux: short l_type, short l_whence, off_t l_start, off_t l_len,
# pid_t l_pid, padded to 32 bytes.
_FLOCK = struct.Struct("@hhqqi4x")


class LockKind(StrEnum):
    SHARED = "shared"  # F_RDLCK: readers of a slot, for instance
    EXCLUSIVE = "exclusive"  # F_WRLCK: the writer, a checkpointer, recovery


@dataclass(frozen=True)
class LockHolder:
    """Another process holding one of the WAL locks."""

    lock: str  # "write", "checkpoint", "recover", "read-0" .. "read-4"
    index: int  # 0..7, the lock's byte is 120 + index
    kind: LockKind
    pid: int | None  # None when the kernel does not say (open file description locks)
    cmdline: str | None  # /proc/<pid>/cmdline, arguments joined by spaces, when readable

    @property
    def read_slot(self) -> int | None:
        """The reader slot (0..4) for a read lock, else None."""
        return self.index - WAL_READ_LOCK_0 if self.index >= WAL_READ_LOCK_0 else None


def probe_wal_locks(shm_path: str | os.PathLike[str]) -> list[LockHolder]:
    """Every WAL lock another process holds on ``shm_path``; [] if missing or not Linux."""
    if not sys.platform.startswith("linux"):
        return []
    import fcntl  # not on Windows

    fd = open_shm_fd(shm_path)
    if fd is None:
        return []
    holders = []
    for index, name in enumerate(LOCK_NAMES):
        query = _FLOCK.pack(fcntl.F_WRLCK, os.SEEK_SET, WAL_LOCK_OFFSET + index, 1, 0)
        lock_type, _, _, _, pid = _FLOCK.unpack(fcntl.fcntl(fd, fcntl.F_GETLK, query))
        if lock_type == fcntl.F_UNLCK:
            continue
        kind = LockKind.EXCLUSIVE if lock_type == fcntl.F_WRLCK else LockKind.SHARED
        known_pid = pid if pid > 0 else None
        holders.append(LockHolder(name, index, kind, known_pid, command_line(known_pid)))
    return holders


def command_line(pid: int | None) -> str | None:
    """The command line of ``pid`` from /proc, or None when it cannot be read."""
    if pid is None:
        return None
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as file:
            raw = file.read()
    except OSError:
        return None
    args = [arg.decode(errors="replace") for arg in raw.split(b"\0") if arg]
    return " ".join(args) or None
