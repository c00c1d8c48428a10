"""The pages of a SQLite database as they stood right after one commit of its WAL.

A page's version as of commit ``k`` is its last WAL frame at or before ``k``; a page no frame
up to ``k`` wrote is read from the database file, which is right only if no checkpoint has
copied a later version of it there. Which frames a checkpoint copied (or is copying) is in the
``-shm`` file: ``nBackfill``, and ``nBackfillAttempted``, which SQLite raises *before* it
writes a page into the database file. So every page read from the file is checked *after* it
is read: if a frame after ``k`` that wrote the page is at or below that bound, the page read
may be a later version and :class:`NotReconstructableError` says so. That makes every state
``k ≥ nBackfill`` readable, and older ones as far as the pages read were not overwritten.

Only ``nBackfill`` says a copy was made. ``nBackfillAttempted`` alone (a checkpoint under way
or interrupted, or a ``-shm`` rebuilt by a connection, which sets it to the end of the WAL and
``nBackfill`` to 0), or no ``-shm`` at all, says only that it may have been. Then the page is
checked by its bytes: a checkpoint copies a frame's page as it is, so a file page equal to none
of the page's committed frames after ``k`` was not overwritten, provided no other process has
the database open (none can be copying it meanwhile). Otherwise the refusal says it cannot
tell, never that the page was checkpointed.

Everything here reads: plain ``O_RDONLY`` descriptors of the database and ``-wal`` files, and
:func:`tui.db.shm.read_shm`'s descriptor of the ``-shm`` file; no lock is ever taken. The
database file's descriptor is kept for the life of the process, because closing any
descriptor of a file drops every POSIX lock this process holds on it (see :mod:`tui.db.shm`).
"""

from __future__ import annotations

import os
import sqlite3
import struct
import threading
from pathlib import Path

from tui.db.shm import SHM_HEADER_SIZE, open_shm_fd, read_shm
from tui.db.wal import FRAME_HEADER_SIZE
from tui.db.wal_commits import WalCommitIndex, WalCommits

__all__ = ["NotReconstructableError", "SnapshotPages", "patch_page_one"]

_FRAME_START = struct.Struct(">4I")  # page number, size after commit, salt1, salt2
# The wal-index header: isInit, the salts (big-endian, as copied from the WAL header), and in
# WalCkptInfo nBackfill and nBackfillAttempted (native order: shared memory of this machine).
_IS_INIT, _SALTS_AT, _BACKFILL, _ATTEMPTED = 12, 32, 96, 128
_SALTS = struct.Struct(">2I")
_WORD = struct.Struct("=I")
_kept: dict[tuple[int, int], int] = {}  # (st_dev, st_ino) -> descriptor, never closed
_kept_lock = threading.Lock()


class NotReconstructableError(sqlite3.OperationalError):
    """The state asked for cannot be rebuilt (any more); the message says why, for a person.

    A :class:`sqlite3.OperationalError`, so that it reaches SQLAlchemy's callers as the
    ``orig`` of an ``OperationalError`` like any other failed read.
    """


def _kept_fd(path: Path) -> int:
    """A read-only descriptor of the file at ``path``, opened once per file and never closed."""
    stat = os.stat(path)
    with _kept_lock:
        fd = _kept.get((stat.st_dev, stat.st_ino))
        if fd is None:
            fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
            opened = os.fstat(fd)  # the path may name another file by now: key by this one
            _kept.setdefault((opened.st_dev, opened.st_ino), fd)
        return fd


def patch_page_one(page: bytes, db_pages: int) -> bytes:
    """Page 1 as a rollback-journal database of ``db_pages`` pages would have it.

    Bytes 18-19 (write and read version) become 1: SQLite then looks for no WAL. The
    in-header database size (28-31) is set, and "version-valid-for" (92-95) made equal to the
    change counter (24-27) so that SQLite trusts that size.
    """
    out = bytearray(page)
    out[18] = out[19] = 1
    out[28:32] = db_pages.to_bytes(4, "big")
    out[92:96] = out[24:28]
    return bytes(out)


class SnapshotPages:
    """Reads pages of the database at ``db_path`` as of commit ``commit`` of its WAL.

    ``commit`` 0 is the state before the first commit still in the WAL (the database file as
    the current generation of the WAL found it). Raises :class:`NotReconstructableError`
    when the WAL holds no such commit, when its generation (salts) is not ``generation`` (a
    state opened earlier, pinned to the WAL it was read from), and from :meth:`page` when a
    page is not known.
    """

    def __init__(
        self,
        db_path: str | os.PathLike[str],
        commit: int,
        index: WalCommitIndex | None = None,
        *,
        generation: tuple[int, int] | None = None,
    ) -> None:
        self.db_path = Path(db_path)
        self.commit = commit
        self._index = index or WalCommitIndex.shared(f"{self.db_path}-wal")
        self._shm_path = f"{self.db_path}-shm"
        self._lock = threading.Lock()
        commits = self._index.refresh()
        if commits.header is None:
            from tui.db.wal_mode import no_wal_reason

            reason = no_wal_reason(self.db_path)
            if reason is not None:
                raise NotReconstructableError(reason)
            raise NotReconstructableError(
                f"the database has no WAL (or an empty one): there is no commit {commit}"
                " to go back to"
            )
        if generation is not None and commits.generation != generation:
            # Commit k of a new generation is another state: never read it as the old one.
            raise NotReconstructableError(
                f"not reconstructable: the WAL was reset after commit {commit} was opened"
                " (a new generation began: its frames hold other commits)"
            )
        if not 0 <= commit <= len(commits.commits):
            raise NotReconstructableError(
                f"no commit {commit} in the WAL: it holds {_commits_phrase(len(commits.commits))}"
            )
        self.commits: WalCommits = commits
        assert commits.generation is not None  # a WAL with a header has its salts
        self.generation: tuple[int, int] = commits.generation
        self.page_size = commits.page_size
        self.last_frame = commits.commit(commit).last_frame if commit else 0
        self._shm_at_open = _shm_of_generation(self._shm_path, commits) is not None
        self._db_fd = _kept_fd(self.db_path)
        self._wal_fd: int | None = os.open(commits.wal_path, os.O_RDONLY | os.O_CLOEXEC)
        if commit:
            self.db_pages = commits.commit(commit).db_pages
        else:
            header = self.page(1)[:100]
            in_header = int.from_bytes(header[28:32], "big")
            valid = in_header and header[24:28] == header[92:96]
            self.db_pages = in_header if valid else os.fstat(self._db_fd).st_size // self.page_size

    @property
    def total_commits(self) -> int:
        """Commits in the WAL when this snapshot last looked (the live database goes on)."""
        return len(self.commits.commits)

    def close(self) -> None:
        """Close the ``-wal`` descriptor (the database file's is kept, see the module)."""
        with self._lock:
            if self._wal_fd is not None:
                os.close(self._wal_fd)
                self._wal_fd = None

    def page(self, pgno: int) -> bytes:
        """Page ``pgno`` (1-based) as of the commit, exactly as stored (page 1 unpatched)."""
        with self._lock:
            frame = self.commits.frame_of(pgno, self.commit)
            if frame is not None:
                return self._frame_page(pgno, frame)
            return self._file_page(pgno)

    def read(self, amount: int, offset: int) -> bytes:
        """``amount`` bytes at ``offset`` of the database file as of the commit, in
        rollback-journal format (see :func:`patch_page_one`); what a VFS's xRead returns."""
        size = self.page_size
        out = bytearray()
        pgno = offset // size + 1
        skip = offset % size
        while len(out) < amount:
            if pgno > self.db_pages:
                break
            page = self.page(pgno)
            if pgno == 1:
                page = patch_page_one(page, self.db_pages)
            out += page[skip : skip + amount - len(out)]
            pgno, skip = pgno + 1, 0
        return bytes(out)

    def _frame_page(self, pgno: int, frame: int) -> bytes:
        if self._wal_fd is None:
            raise NotReconstructableError("the snapshot is closed")
        offset = self.commits.frame_offset(frame)
        data = os.pread(self._wal_fd, FRAME_HEADER_SIZE + self.page_size, offset)
        if len(data) == FRAME_HEADER_SIZE + self.page_size:
            number, _, salt1, salt2 = _FRAME_START.unpack_from(data)
            if number == pgno and (salt1, salt2) == self.generation:
                return data[FRAME_HEADER_SIZE:]
        raise NotReconstructableError(
            f"not reconstructable: the WAL was reset after commit {self.commit} was opened"
            f" (frame {frame} of page {pgno} is overwritten or gone)"
        )

    def _file_page(self, pgno: int) -> bytes:
        data = os.pread(self._db_fd, self.page_size, (pgno - 1) * self.page_size)
        # Judged only after the read: a checkpoint announces a copy before it makes it.
        copied, done = self._copied_up_to(pgno)
        later = self.commits.next_frame_of(pgno, self.last_frame)
        if later is not None and later <= done:
            raise NotReconstructableError(
                f"not reconstructable: page {pgno} was checkpointed after commit"
                f" {self.commit} (the database file holds its version from commit"
                f" {self._commit_number(later)} or later)"
            )
        if later is not None and later <= copied:
            why = self._unverified(pgno, data, later)
            if why is not None:
                raise NotReconstructableError(
                    f"not reconstructable: cannot tell whether page {pgno} was checkpointed"
                    f" after commit {self.commit}: {why}"
                )
        if len(data) < self.page_size:
            raise NotReconstructableError(
                f"not reconstructable: page {pgno} is no longer in the database file"
                f" (a checkpoint after commit {self.commit} truncated it)"
            )
        return data

    def _commit_number(self, frame: int) -> int | str:
        by = self.commits.commit_of_frame(frame)
        return by.number if by is not None else "?"

    def _unverified(self, pgno: int, data: bytes, later: int) -> str | None:
        """Why the file's page ``data`` may be a later version; None once its bytes show it
        is not (it equals none of the page's committed frames from ``later`` on)."""
        from tui.db.recovery import open_by_others

        frame: int | None = later
        while frame is not None:
            if self._frame_page(pgno, frame) == data:
                return (
                    f"{self._shm_says()}, and the database file holds the same page as commit"
                    f" {self._commit_number(frame)} wrote"
                )
            frame = self.commits.next_frame_of(pgno, frame)
        if open_by_others(self.db_path):
            return (
                f"{self._shm_says()}, and another process has the database open (a checkpoint"
                " may be copying it)"
            )
        return None

    def _shm_says(self) -> str:
        if _checkpoint_progress(self._shm_path) is None:
            return "there is no -shm to say how far checkpoints got"
        return (
            "the -shm says only that a checkpoint may have copied it (a checkpoint under way"
            " or interrupted, or a -shm rebuilt since)"
        )

    def _copied_up_to(self, pgno: int) -> tuple[int, int]:
        """The last frame a checkpoint may have copied into the database file, and the last
        one it did copy, refreshing what is known of the WAL when that lies beyond it."""
        progress = _checkpoint_progress(self._shm_path)
        if progress is not None:
            salts, done, copied = progress
            if salts != self.generation:
                raise NotReconstructableError(
                    f"not reconstructable: the WAL was reset after commit {self.commit} (a new"
                    f" generation began), so the database file may hold a later page {pgno}"
                )
        elif self._shm_at_open:
            raise NotReconstructableError(
                f"not reconstructable: every connection closed the database after commit"
                f" {self.commit} was opened, which checkpoints the whole WAL into the file"
            )
        else:
            # No wal-index at all: nothing says how far checkpoints got, so assume anything.
            done, copied = 0, 1 << 32
        if copied > self.commits.last_commit_frame:
            fresh = self._index.refresh()
            if fresh.generation != self.generation:
                raise NotReconstructableError(
                    f"not reconstructable: the WAL was reset after commit {self.commit}, so the"
                    f" database file may hold a later page {pgno}"
                )
            self.commits = fresh
        return copied, done


def _checkpoint_progress(shm_path: str) -> tuple[tuple[int, int], int, int] | None:
    """The wal-index's salts, how far a checkpoint got (``nBackfill``) and how far one may
    have got (``max(nBackfill, nBackfillAttempted)``: the latter is raised before pages are
    copied); None without one.

    Read on every page taken from the database file, so only the fields needed, and no
    checksum: each is a single aligned word, and a header caught mid-update shows salts that
    are not ours, which is refused, never trusted.
    """
    fd = open_shm_fd(shm_path)
    if fd is None:
        return None
    data = os.pread(fd, SHM_HEADER_SIZE, 0)
    if len(data) < SHM_HEADER_SIZE or not data[_IS_INIT]:
        return None
    backfilled, attempted = (
        _WORD.unpack_from(data, _BACKFILL)[0],
        _WORD.unpack_from(data, _ATTEMPTED)[0],
    )
    return _SALTS.unpack_from(data, _SALTS_AT), backfilled, max(backfilled, attempted)


def _shm_of_generation(path: str, commits: WalCommits) -> object | None:
    shm = read_shm(path)
    if shm is None or not shm.is_init or shm.salts != commits.generation:
        return None
    return shm


def _commits_phrase(count: int) -> str:
    return "no commit" if count == 0 else f"commits 1 to {count}" if count > 1 else "commit 1"
