"""The commits still in a SQLite ``-wal`` file: which frames each one wrote, and what of it
has been checkpointed.

A commit is a run of frames ending in a frame whose "database size after commit" field is not
zero; frames after the last commit frame (a write in progress, or the remains of a crash) are
the *uncommitted tail* and are never counted as committed. Frames are numbered from 1, as
SQLite numbers them; commits are numbered from 1 within one *generation* of the WAL (the
frames written since the last reset, told apart by the header's salts).

The file is read with plain read-only opens, and frames are validated by the same salt and
checksum chain SQLite uses (:mod:`tui.db.wal`). :class:`WalCommitIndex` refreshes
incrementally: committed frames never change until the WAL is reset, so a refresh reads only
the frames after the last commit it knows. What checkpoints copied into the database file
comes from the ``-shm`` file's ``nBackfill`` (:func:`tui.db.shm.read_shm`).

Each refresh returns a :class:`WalCommits`, an immutable value: ``frame_of(page, k)``, the
last frame at or before commit ``k`` that wrote ``page``, is what the as-of view
(:mod:`tui.db.as_of_pages`) and the history build on.
"""

from __future__ import annotations

import os
import threading
from array import array
from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from io import BufferedReader
from types import MappingProxyType
from typing import ClassVar

from tui.db.lazy_sequence import LazySequence
from tui.db.shm import read_shm
from tui.db.wal import (
    WAL_HEADER_SIZE,
    FrameScan,
    WalHeader,
    parse_wal_header,
)

__all__ = [
    "Commit",
    "CommitList",
    "WalCommitIndex",
    "WalCommits",
    "checkpointed",
    "read_commits",
]

_MASK32 = 0xFFFFFFFF


@dataclass(frozen=True)
class Commit:
    """One committed transaction of the WAL's current generation."""

    number: int  # 1, 2, … within the generation, oldest first
    first_frame: int  # 1-based frame numbers, both inclusive
    last_frame: int  # the commit frame
    db_pages: int  # database size in pages after this commit
    pages: Mapping[int, int]  # page number -> last frame within this commit that wrote it

    @property
    def frame_count(self) -> int:
        return self.last_frame - self.first_frame + 1


class _CommitArrays:
    """Every commit of one generation, four bytes a frame and eight a commit: a WAL of
    100,000 commits would otherwise hold 100,000 objects and dictionaries for the whole
    time it is followed. Append-only; a new generation gets new arrays."""

    __slots__ = ("db_pages", "frame_pages", "last_frames", "page_frames")

    def __init__(self) -> None:
        self.last_frames = array("I")  # per commit, its commit frame
        self.db_pages = array("I")  # per commit, the database size after it
        self.frame_pages = array("I")  # per committed frame (frame - 1), the page it wrote
        # page -> its committed frames, ascending; only a page's last frame within each
        # commit is kept: every lookup is bounded by a commit frame, and nBackfill too ends
        # at one.
        self.page_frames: dict[int, array[int]] = {}

    def append(self, first: int, last: int, db_pages: int, pages: list[int]) -> None:
        """Record the commit of frames ``first..last``; ``pages`` is each frame's page."""
        self.frame_pages.extend(pages)
        latest: dict[int, int] = {}
        for frame, page in enumerate(pages, first):
            latest[page] = frame
        for page, frame in latest.items():
            frames = self.page_frames.get(page)
            if frames is None:
                frames = self.page_frames[page] = array("I")
            frames.append(frame)
        self.last_frames.append(last)
        self.db_pages.append(db_pages)

    def commit(self, index: int) -> Commit:
        last = self.last_frames[index]
        first = self.last_frames[index - 1] + 1 if index else 1
        pages: dict[int, int] = {}
        for frame, page in enumerate(self.frame_pages[first - 1 : last], first):
            pages[page] = frame
        return Commit(index + 1, first, last, self.db_pages[index], MappingProxyType(pages))


class CommitList(LazySequence[Commit]):
    """The first ``count`` commits of a generation, each made when it is asked for (and
    equal to any sequence of the same commits, see :class:`~tui.db.lazy_sequence.LazySequence`).
    """

    __slots__ = ("_arrays",)
    noun = "commits"

    def __init__(self, arrays: _CommitArrays | None = None, count: int = 0) -> None:
        super().__init__(count)
        self._arrays = arrays or _CommitArrays()

    def _make(self, index: int) -> Commit:
        return self._arrays.commit(index)

    def last_frame(self, index: int) -> int:
        """The commit frame of the commit at ``index`` (0-based), without making the commit."""
        return self._arrays.last_frames[index]

    def index_of_frame(self, frame: int) -> int:
        """The index of the first commit whose commit frame is at or after ``frame``."""
        return bisect_left(self._arrays.last_frames, frame, 0, self._count)


@dataclass(frozen=True)
class WalCommits:
    """What a ``-wal`` file holds at one moment, commit by commit.

    ``header`` is None when there is no usable WAL (missing, empty, or a header SQLite would
    ignore): then there are no commits. ``backfilled`` is the ``-shm`` file's ``nBackfill``
    (frames ``1..backfilled`` are copied into the database file), or None when it is not
    known for this generation (no ``-shm``, or one describing another generation).
    """

    wal_path: str
    header: WalHeader | None
    commits: CommitList
    uncommitted_frames: int = 0  # valid frames after the last commit frame
    uncommitted_pages: frozenset[int] = frozenset()
    torn_tail_bytes: int = 0  # a partial frame at the end of the file
    backfilled: int | None = 0
    # nBackfillAttempted when beyond nBackfill (a checkpoint under way or cut short, or a
    # -shm rebuilt, which sets nBackfill to 0 and this to the end of the WAL): frames up to it
    # may be in the database file too. 0 when it is not beyond.
    backfill_unsure: int = 0
    problems: tuple[str, ...] = ()
    unscanned_frames: int = 0  # frames a refresh with ``max_frames`` left for the next one
    # page -> its committed frames, ascending. Shared with the index that made this value and
    # appended to by its later refreshes, which is safe because every lookup here is bounded
    # by a frame of ``commits`` (a new generation gets new arrays).
    _page_frames: Mapping[int, Sequence[int]] = field(
        default_factory=dict, repr=False, compare=False
    )

    @property
    def generation(self) -> tuple[int, int] | None:
        """The header's salts: they change with every WAL reset."""
        return None if self.header is None else (self.header.salt1, self.header.salt2)

    @property
    def page_size(self) -> int:
        return 0 if self.header is None else self.header.page_size

    @property
    def last_commit_frame(self) -> int:
        count = len(self.commits)
        return self.commits.last_frame(count - 1) if count else 0

    @property
    def uncommitted_first_frame(self) -> int:
        """The first frame of the uncommitted tail; 0 when there is none."""
        return self.last_commit_frame + 1 if self.uncommitted_frames else 0

    def commit(self, number: int) -> Commit:
        """Commit ``number`` (1-based); IndexError when the WAL holds no such commit."""
        if not 1 <= number <= len(self.commits):
            raise IndexError(f"no commit {number} in the WAL (it holds {len(self.commits)})")
        return self.commits[number - 1]

    def is_checkpointed(self, number: int) -> bool | None:
        """Whether commit ``number`` is copied into the database file; None when unknown."""
        return checkpointed(self.commit(number).last_frame, self.backfilled, self.backfill_unsure)

    def commit_of_frame(self, frame: int) -> Commit | None:
        """The commit that ``frame`` belongs to; None for the uncommitted tail or beyond."""
        index = self.commits.index_of_frame(frame)
        if frame < 1 or index >= len(self.commits):
            return None
        return self.commits[index]

    def frame_of(self, page: int, number: int) -> int | None:
        """The last frame at or before commit ``number`` that wrote ``page``; None if none.

        ``number`` 0 means the state before the first commit of this generation.
        """
        bound = self._bound(number)
        frames = self._page_frames.get(page)
        if not frames:
            return None
        index = bisect_right(frames, bound)
        return frames[index - 1] if index else None

    def _bound(self, number: int) -> int:
        if not number:
            return 0
        if not 1 <= number <= len(self.commits):
            self.commit(number)  # raises the IndexError that says so
        return self.commits.last_frame(number - 1)

    def next_frame_of(self, page: int, after_frame: int) -> int | None:
        """The first committed frame after ``after_frame`` that wrote ``page``; None if none."""
        frames = self._page_frames.get(page)
        if not frames:
            return None
        index = bisect_right(frames, after_frame)
        if index >= len(frames) or frames[index] > self.last_commit_frame:
            return None
        return frames[index]

    def frame_offset(self, frame: int) -> int:
        """Byte offset of frame ``frame``'s header in the file (its page follows)."""
        assert self.header is not None
        return WAL_HEADER_SIZE + (frame - 1) * self.header.frame_size


def checkpointed(last_frame: int, backfilled: int | None, unsure: int) -> bool | None:
    """Whether a commit ending at ``last_frame`` is in the database file; None when unknown."""
    if backfilled is None:
        return None
    if last_frame <= backfilled:
        return True
    return None if last_frame <= unsure else False


def read_commits(wal_path: str | os.PathLike[str]) -> WalCommits:
    """The commits of the ``-wal`` file at ``wal_path``, read once."""
    return WalCommitIndex(wal_path).refresh()


class WalCommitIndex:
    """Follows one ``-wal`` file, reading only the frames appended since the last refresh.

    A refresh resumes after the last commit frame it verified when the file's identity and
    header bytes are unchanged and it did not shrink; otherwise (a WAL reset writes new salts)
    it starts over as a new generation. ``last_read_bytes`` is what the last refresh read.
    """

    _shared: ClassVar[dict[str, WalCommitIndex]] = {}
    _shared_lock: ClassVar[threading.Lock] = threading.Lock()

    @classmethod
    def shared(cls, wal_path: str | os.PathLike[str]) -> WalCommitIndex:
        """The process's one index of the file at ``wal_path`` (by absolute path): a second
        snapshot of the same WAL refreshes it instead of reading every frame again."""
        key = os.path.abspath(wal_path)
        with cls._shared_lock:
            index = cls._shared.get(key)
            if index is None:
                index = cls._shared[key] = cls(key)
            return index

    def __init__(self, wal_path: str | os.PathLike[str]) -> None:
        self._lock = threading.Lock()  # one refresh at a time (VFS reads come from threads)
        self.wal_path = os.fspath(wal_path)
        self.shm_path = (
            self.wal_path[: -len("-wal")] + "-shm" if self.wal_path.endswith("-wal") else ""
        )
        self.last_read_bytes = 0
        self._start_over()

    def _start_over(self) -> None:
        self._identity: tuple[int, int] | None = None
        self._header_raw = b""
        self._size = 0
        self._offset = WAL_HEADER_SIZE  # after the last verified commit frame
        self._checksum: tuple[int, int] | None = None
        self._arrays = _CommitArrays()
        self._scanned_to = WAL_HEADER_SIZE  # after the last frame the last scan verified

    def refresh(self, max_frames: int | None = None) -> WalCommits:
        """The file as it is now; never raises for a missing, short or damaged file.

        With ``max_frames``, about that many frames after the last commit read so far are
        verified (more when no commit ends among them): the rest wait for the next refresh
        (``unscanned_frames``), so a caller can show a huge WAL's first commits at once.
        """
        with self._lock:
            return self._refresh(max_frames)

    def _refresh(self, max_frames: int | None = None) -> WalCommits:
        self.last_read_bytes = 0
        try:
            file = open(self.wal_path, "rb")  # noqa: SIM115  (closed below, on every path)
        except FileNotFoundError:
            self._start_over()
            return WalCommits(self.wal_path, None, CommitList(), backfilled=None)
        with file:
            stat = os.fstat(file.fileno())
            raw = file.read(WAL_HEADER_SIZE)
            self.last_read_bytes += len(raw)
            identity = (stat.st_dev, stat.st_ino)
            if identity != self._identity or raw != self._header_raw or stat.st_size < self._size:
                self._start_over()
                self._identity, self._header_raw = identity, raw
            self._size = stat.st_size
            header, problems = parse_wal_header(raw) if raw else (None, [])
            if header is None or problems:
                return WalCommits(
                    self.wal_path, None, CommitList(), backfilled=None, problems=tuple(problems)
                )
            fs = header.frame_size
            total, torn = divmod(stat.st_size - WAL_HEADER_SIZE, fs)
            if self._checksum is None:
                self._checksum = (header.checksum1, header.checksum2)
            end = WAL_HEADER_SIZE + total * fs
            known = len(self._arrays.last_frames)
            stop = end if max_frames is None else min(end, self._offset + max_frames * fs)
            tail_frames, tail_pages, problem = self._scan(file, header, stop)
            if stop < end and len(self._arrays.last_frames) == known and not problem:
                # No commit ended within the budget (one big transaction): read on to the end.
                stop = end
                tail_frames, tail_pages, problem = self._scan(file, header, stop)
            unscanned = 0
            if stop < end and self._scanned_to == stop:
                # The budget, not the log, ended the scan: the frames after the last commit
                # read are no tail yet, more of the file is to come.
                unscanned = (end - self._offset) // fs
                tail_frames, tail_pages = 0, set()
        if problem:
            problems.append(problem)
        if torn:
            problems.append(f"the last frame is incomplete: {torn:,} of {fs:,} bytes")
        backfilled, unsure = self._backfilled(header)
        return WalCommits(
            wal_path=self.wal_path,
            header=header,
            commits=CommitList(self._arrays, len(self._arrays.last_frames)),
            uncommitted_frames=tail_frames,
            uncommitted_pages=frozenset(tail_pages),
            torn_tail_bytes=torn,
            backfilled=backfilled,
            backfill_unsure=unsure,
            problems=tuple(problems),
            unscanned_frames=unscanned,
            _page_frames=self._arrays.page_frames,
        )

    def _backfilled(self, header: WalHeader) -> tuple[int | None, int]:
        """``nBackfill`` for this generation, if the ``-shm`` file says it, and
        ``nBackfillAttempted`` where it goes beyond (else 0)."""
        shm = read_shm(self.shm_path) if self.shm_path else None
        if shm is None or not shm.is_init:
            return None, 0
        if shm.salts == (header.salt1, header.salt2):
            done, attempted = shm.checkpoint.backfilled, shm.checkpoint.backfill_attempted
            return done, attempted if attempted > done else 0
        # A restart increments salt1: the wal-index already describes the next generation,
        # which SQLite begins only once every frame of this one is in the database file.
        if shm.salts[0] == (header.salt1 + 1) & _MASK32:
            last_frames = self._arrays.last_frames
            return (last_frames[-1] if last_frames else 0), 0
        return None, 0

    def _scan(
        self, file: BufferedReader, header: WalHeader, end: int
    ) -> tuple[int, set[int], str | None]:
        """Verify frames from the last commit on up to ``end``, recording each new commit.

        Returns the uncommitted tail (frame count, pages) and why the valid frames stop early.
        """
        assert self._checksum is not None
        frame = (self._offset - WAL_HEADER_SIZE) // header.frame_size  # frames verified so far
        tail: list[int] = []  # the page of each frame since the last commit frame
        tail_first = frame + 1
        scan = FrameScan(file, header, self._offset, self._checksum, end)
        for offset, state, pgno, db_pages in scan:
            frame += 1
            tail.append(pgno)
            if db_pages:
                self._arrays.append(tail_first, frame, db_pages, tail)
                self._offset, self._checksum = offset, state
                tail, tail_first = [], frame + 1
        self.last_read_bytes += scan.bytes_read
        self._scanned_to = WAL_HEADER_SIZE + frame * header.frame_size
        problem = None
        if scan.broken is not None:
            problem = (
                f"frame {frame + 1:,} carries the current salts but {scan.broken}:"
                " the log ends before it"
            )
        return frame - tail_first + 1, set(tail), problem
