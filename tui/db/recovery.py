"""What SQLite repairs when it opens a database, told to the user, and who has a file open.

Opening a database can change its files, and rightly: a hot ``-journal`` (the original pages
of a write that was interrupted) is played back into the database and deleted, and the first
connection to a WAL database that nobody else has open rebuilds the wal-index (``-shm``) from
the ``-wal``. Both are SQLite's recovery, not dbbrowse's doing, but an inspector says when
they happen: :func:`look_before_open` notes the files before the first connection and
:func:`recovery_report` compares them with the files after it, in sentences with sizes.

:func:`holders_of` names the other processes that hold POSIX locks on a file (every SQLite
connection to a WAL database holds a shared lock on the ``-shm``), from ``/proc/locks``: that
is how "who still has the database open" is answered without taking any lock.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from tui.db.locks import command_line
from tui.db.shm import ShmState, read_shm
from tui.db.status import FileStatus, file_status
from tui.db.wal_explain import exact_size


@dataclass(frozen=True)
class Holder:
    """Another process holding a POSIX lock on a file."""

    pid: int
    cmdline: str | None

    def describe(self) -> str:
        if not self.cmdline:
            return f"process {self.pid}"
        program, _, rest = self.cmdline.partition(" ")
        command = " ".join(f"{program.rsplit('/', 1)[-1]} {rest}".split())
        return f"process {self.pid} (`{command[:59] + '…' if len(command) > 60 else command}`)"


@dataclass(frozen=True)
class BeforeOpen:
    """The files as they were before dbbrowse's first connection."""

    files: FileStatus
    shm: ShmState | None
    others_open: bool  # another process had the database open (its -shm or file locked)
    #: The -wal holds frames of its current generation after the last commit the wal-index
    #: knows: a write that never committed (a killed writer), which recovery drops.
    uncommitted_tail: bool = False


def holders_of(path: Path) -> list[Holder]:
    """Other processes with a POSIX lock on ``path`` (Linux ``/proc/locks``; else [])."""
    try:
        inode = os.stat(path).st_ino
        lines = Path("/proc/locks").read_text().splitlines()
    except OSError:
        return []
    me = os.getpid()
    pids: list[int] = []
    for line in lines:
        fields = line.split()
        # "1: POSIX  ADVISORY  READ 4242 fe:00:1234 128 128" ("->" marks a blocked waiter)
        if "->" in fields or len(fields) < 8 or fields[1] != "POSIX":
            continue
        try:
            pid, ino = int(fields[4]), int(fields[5].rsplit(":", 1)[1])
        except ValueError:
            continue
        if ino == inode and pid != me and pid not in pids:
            pids.append(pid)
    return [Holder(pid, command_line(pid)) for pid in sorted(pids)]


def open_by_others(db_path: Path) -> list[Holder]:
    """Processes other than this one that have the database open, as far as locks show."""
    seen: dict[int, Holder] = {}
    for path in (db_path, Path(f"{db_path}-shm")):
        for holder in holders_of(path):
            seen.setdefault(holder.pid, holder)
    return list(seen.values())


def look_before_open(db_path: Path) -> BeforeOpen:
    """Note the files before connecting (no connection, no lock)."""
    files = file_status(db_path)
    shm = None
    if files.shm_bytes:
        try:
            shm = read_shm(f"{db_path}-shm")
        except OSError:
            shm = None
    tail = bool(files.wal_bytes) and shm is not None and _uncommitted_tail(db_path, shm)
    return BeforeOpen(files, shm, bool(open_by_others(db_path)), tail)


def _uncommitted_tail(db_path: Path, shm: ShmState) -> bool:
    """Whether the frame after the wal-index's last committed one carries the -wal's current
    salts (written after that commit, never committed) rather than an older generation's or
    nothing. Reads two headers, whatever the size of the -wal."""
    if not shm.is_init or shm.page_size <= 0:
        return False
    offset = 32 + shm.max_frame * (shm.page_size + 24)
    try:
        with open(f"{db_path}-wal", "rb") as wal:
            header = wal.read(32)
            wal.seek(offset)
            frame = wal.read(24)
    except OSError:
        return False
    if len(header) < 32 or len(frame) < 24:
        return False
    return frame[8:16] == header[16:24] and frame[:4] != bytes(4)


def _same_index(before: ShmState | None, after: ShmState) -> bool:
    """Whether the wal-index rebuilt on open says what the one left on disk said: the same
    WAL generation, last commit and database size (dbbrowse, or any last connection that
    kept the WAL, left it complete). Then nothing was recovered: the -wal was only read."""
    return (
        before is not None
        and before.is_init
        and before.headers_agree
        and (before.max_frame, before.salts, before.db_pages)
        == (after.max_frame, after.salts, after.db_pages)
    )


def recovery_report(before: BeforeOpen, after: FileStatus, after_shm: ShmState | None) -> list[str]:
    """Sentences about what SQLite repaired while dbbrowse opened the database; [] if nothing.
    Each starts with a headline up to its first colon (:func:`headline`)."""
    name = before.files.db_path.name
    lines: list[str] = []
    was = before.files
    if was.hot_journal_suspected and not (after.journal_bytes and after.hot_journal_suspected):
        lines.append(
            f"SQLite rolled back an interrupted write while opening {name}: {name}-journal"
            f" held the original pages ({_size(was.journal_bytes)}) of a transaction that never"
            f" committed (a crash or a killed writer). The database went from"
            f" {_size(was.db_bytes)} to {_size(after.db_bytes)}; nothing that was committed is"
            " lost."
        )
    # The first connection to a WAL database nobody else has open always rebuilds the
    # wal-index: it takes the -shm's "dead man switch" lock alone, truncates the file and
    # recovers the index from the -wal's frames. That is news only when the index it built
    # differs from the one left on disk (none, a torn one, another commit) or a write that
    # never committed was dropped; a WAL kept by a clean close (dbbrowse keeps it) is not.
    rebuilt = (
        was.wal_bytes and not before.others_open and after_shm is not None and after_shm.is_init
    )
    if (
        rebuilt
        and after_shm is not None
        and (before.uncommitted_tail or not _same_index(before.shm, after_shm))
    ):
        lines.append(
            f"SQLite recovered the WAL while opening {name}: no other process had it open,"
            f" so the wal-index ({name}-shm, {_size(was.shm_bytes)} before,"
            f" {_size(after.shm_bytes)} after) was rebuilt from {name}-wal"
            f" ({_size(was.wal_bytes)} before, {_size(after.wal_bytes)} after):"
            f" {after_shm.max_frame:,} committed frames are in use. Frames after the last"
            " commit, if any, belong to a write that never committed and are ignored."
        )
    return lines


def headline(report: str) -> str:
    """The short form of a :func:`recovery_report` sentence, for a notification."""
    return report.split(": ", 1)[0]


def _size(value: int | None) -> str:
    if value is None:
        return "absent"
    return exact_size(value)
