"""Pages of a SQLite WAL database as they stood right after commit k, read from the files.

A page's version as of commit k is its last ``-wal`` frame at or before k's commit frame
(:meth:`tui.db.wal_commits.WalCommits.frame_of`), else the database file's page. The file's
page is exact unless a checkpoint copied a later frame of that page into the file. The
``-shm``'s ``nBackfill`` cannot settle that alone: it is gone with the ``-shm``, and a
connection that rebuilds the ``-shm`` resets it to 0 while the file keeps what was copied. So
the file's page is also compared with every committed frame of that page (a checkpoint copies
a frame's bytes as they are): equal to one of them, or at or below ``nBackfill``, it may be a
later version. Such reads are counted in :attr:`PageVersions.inexact`, so a caller can say
its result may mix in later versions, or, through a strict getter, raise :class:`PageUnknown`.

Files are read with plain read-only descriptors, never through SQLite and never under a lock.
The database file's descriptor is the process's kept one (:func:`tui.db.shm.open_shm_fd`
keeps any file's descriptor): closing a descriptor of the database file would drop this
process's own SQLite locks on it. Each frame read checks the frame's salts, so a WAL reset
under the reader raises :class:`GenerationChanged` rather than serving a newer page.
"""

from __future__ import annotations

import os
import struct

from tui.db.btree import BtreeError
from tui.db.shm import open_shm_fd
from tui.db.wal import FRAME_HEADER_SIZE
from tui.db.wal_commits import WalCommits

__all__ = ["GenerationChanged", "PageUnknown", "PageVersions"]

_SALTS = struct.Struct(">II")


class GenerationChanged(BtreeError):
    """The ``-wal`` file was reset (new salts) while its frames were being read."""


class PageUnknown(BtreeError):
    """A page's version as of a commit is no longer in the files: the database file's page
    may be a later version a checkpoint copied there. The message says which, for a person."""


class PageVersions:
    """Reads pages as of any commit of ``commits`` (0: before the first commit).

    Open it as a context manager: the ``-wal`` descriptor is closed on exit (SQLite takes no
    POSIX locks on the ``-wal``, so closing it is harmless); the database file's is kept.
    """

    def __init__(self, db_path: str | os.PathLike[str], commits: WalCommits) -> None:
        if commits.header is None:
            raise ValueError("no usable -wal file: there are no commits to read pages of")
        self.db_path = os.fspath(db_path)
        self.commits = commits
        self.page_size = commits.page_size
        self.backfilled = commits.backfilled or 0
        self.inexact = 0  # file pages read that a checkpoint may have overwritten since
        self.last_unknown: str | None = None  # why the last such page may be a later version
        self.reads = 0
        self._wal_fd: int | None = None
        self._copied: dict[int, int | None] = {}  # page -> the frame the file's page equals

    def __enter__(self) -> PageVersions:
        self._wal_fd = os.open(self.commits.wal_path, os.O_RDONLY | os.O_CLOEXEC)
        return self

    def __exit__(self, *exc: object) -> None:
        if self._wal_fd is not None:
            os.close(self._wal_fd)
            self._wal_fd = None

    def getter(self, number: int, *, strict: bool = False) -> PageGetter:
        """A :data:`tui.db.btree.PageSource` of the pages as of commit ``number``; a strict
        one raises :class:`PageUnknown` where a lenient one counts an inexact read."""
        return PageGetter(self, number, strict)

    def read(self, page: int, number: int, *, strict: bool = False) -> bytes:
        """Page ``page`` as of commit ``number``; :class:`BtreeError` beyond the database,
        :class:`PageUnknown` (``strict``) when the file's page may be a later version."""
        self.reads += 1
        frame = self.commits.frame_of(page, number)
        if frame is not None:
            return self._frame(frame)
        db_pages = self.commits.commit(number).db_pages if number else None
        if db_pages is not None and page > db_pages:
            raise BtreeError(f"page {page} is past the end of the database ({db_pages} pages)")
        bound = self.commits.commit(number).last_frame if number else 0
        later = self.commits.next_frame_of(page, bound)
        fd = open_shm_fd(self.db_path)
        if fd is None:
            raise BtreeError(f"page {page}: the database file is gone")
        data = os.pread(fd, self.page_size, (page - 1) * self.page_size)
        if later is not None:
            copied = self._copied_frame(page, data, later)
            if copied is not None or later <= self.backfilled:
                self.inexact += 1
                self.last_unknown = self._unknown(page, copied)
                if strict:
                    raise PageUnknown(self.last_unknown)
        if len(data) < self.page_size:
            raise BtreeError(f"page {page} is past the end of the database file")
        return data

    def _copied_frame(self, page: int, data: bytes, first: int) -> int | None:
        """The committed frame of ``page`` (from ``first`` on) whose bytes the file's page
        equals; None when it equals none of them."""
        if page not in self._copied:
            found = None
            frame: int | None = first
            while frame is not None and found is None:
                if self._frame(frame) == data:
                    found = frame
                frame = self.commits.next_frame_of(page, frame)
            self._copied[page] = found
        return self._copied[page]

    def _unknown(self, page: int, copied: int | None) -> str:
        commit = None if copied is None else self.commits.commit_of_frame(copied)
        if commit is None:
            return f"page {page} was checkpointed: the database file may hold a later version of it"
        return (
            f"page {page} was checkpointed: the database file holds its version from"
            f" commit {commit.number}"
        )

    def _frame(self, frame: int) -> bytes:
        assert self._wal_fd is not None, "use PageVersions as a context manager"
        header = self.commits.header
        assert header is not None
        offset = self.commits.frame_offset(frame)
        data = os.pread(self._wal_fd, FRAME_HEADER_SIZE + self.page_size, offset)
        if len(data) < FRAME_HEADER_SIZE + self.page_size:
            raise GenerationChanged(f"frame {frame} is gone: the -wal file was truncated")
        if _SALTS.unpack_from(data, 8) != (header.salt1, header.salt2):
            raise GenerationChanged(f"frame {frame} was overwritten: the -wal file was reset")
        return data[FRAME_HEADER_SIZE:]


class PageGetter:
    """``PageVersions.read`` bound to one commit, callable as a page source."""

    __slots__ = ("number", "strict", "versions")

    def __init__(self, versions: PageVersions, number: int, strict: bool = False) -> None:
        self.versions = versions
        self.number = number
        self.strict = strict

    def __call__(self, page: int) -> bytes:
        return self.versions.read(page, self.number, strict=self.strict)
