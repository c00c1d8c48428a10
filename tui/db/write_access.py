"""Whether this user may write a SQLite database file: the file, its journal, WAL and shared
memory files, and the directory SQLite creates its journal in. Asked before a save, so the
refusal names the file to fix instead of SQLite's "attempt to write a readonly database"."""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["file_write_refusal", "read_only_mount"]


def read_only_mount(path: Path) -> bool:
    """Whether ``path`` lies on a file system mounted read-only (no one may write it, whatever
    its permissions say; ``os.access`` reports that as EROFS, like a permission)."""
    try:
        return bool(os.statvfs(path).f_flag & os.ST_RDONLY)
    except OSError:
        return False


def file_write_refusal(path: Path) -> str | None:
    """Which file or directory this user may not write for saving to ``path``; else None."""
    if read_only_mount(path):
        return (
            f"{path} is on a read-only file system: nobody can write it there; copy it to a"
            " writable place to edit it, or open it with --read-only"
        )
    if not os.access(path, os.W_OK):
        return (
            f"{path} is read-only for this user (its file permissions): ask its owner for"
            " write access, or open it with --read-only"
        )
    for suffix in ("-wal", "-shm", "-journal"):
        side = Path(f"{path}{suffix}")
        if side.exists() and not os.access(side, os.W_OK):
            return f"{side} is read-only for this user: SQLite must write it to save"
    directory = path.parent
    wal_ready = Path(f"{path}-wal").exists() and Path(f"{path}-shm").exists()
    if not os.access(directory, os.W_OK | os.X_OK) and not wal_ready:
        return (
            f"the directory {directory} is not writable for this user: SQLite creates its"
            " journal file there to write"
        )
    return None
