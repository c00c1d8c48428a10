"""Read-only parser of a SQLite ``-shm`` file (the wal-index): its header and checkpoint info.

The first 136 bytes hold two copies of the 48-byte ``WalIndexHdr`` and then ``WalCkptInfo``,
all in the byte order of the machine that wrote them (hence ``=`` struct formats: the file is
shared memory of processes on this machine), except the salts, copied byte for byte from the
big-endian WAL header.

Why the file is never closed: POSIX advisory locks belong to the process, and closing *any*
descriptor of a file drops all of the process's locks on it. SQLite connections in this very
process hold locks on the ``-shm`` file (every connection a shared lock on the "dead man
switch" byte, readers on their read-mark slot); reading the file with ``open()``/``close()``
would silently release them, letting another process reset the WAL under a reader of ours.
So :func:`open_shm_fd` opens each ``-shm`` file once and keeps the descriptor for the life of
the process, like SQLite's own unix VFS keeps descriptors it cannot close yet.
"""

from __future__ import annotations

import os
import struct
import threading
from dataclasses import dataclass

WAL_INDEX_VERSION = 3007000
READMARK_NOT_USED = 0xFFFFFFFF
WAL_INDEX_HEADER_SIZE = 48
CHECKPOINT_INFO_OFFSET = 2 * WAL_INDEX_HEADER_SIZE  # 96
SHM_HEADER_SIZE = 136  # both header copies and WalCkptInfo

# iVersion, unused, iChange, isInit, bigEndCksum, szPage, mxFrame, nPage,
# aFrameCksum[2], aSalt[2], aCksum[2]
_INDEX_HEADER = struct.Struct("=IIIBBHII2I2I2I")
_SALTS = struct.Struct(">2I")
_SALTS_OFFSET = 32
# nBackfill, aReadMark[5], aLock[8] (never written: the bytes are only locked),
# nBackfillAttempted, notUsed0
_CHECKPOINT_INFO = struct.Struct("=I5I8xII")

_fds: dict[str, tuple[int, int, int]] = {}  # path -> (fd, st_dev, st_ino)
_fds_lock = threading.Lock()


@dataclass(frozen=True)
class WalIndexHeader:
    """One copy of ``WalIndexHdr``: the wal-index's view of the WAL."""

    version: int  # iVersion, 3007000
    change_counter: int  # iChange: bumped by every write transaction
    is_init: bool
    big_endian_checksum: bool  # byte order of the WAL frame checksums
    page_size: int
    max_frame: int  # mxFrame: the last committed frame a new reader will use
    db_pages: int  # nPage: database size in pages after that commit
    frame_checksum: tuple[int, int]  # checksum of frame mxFrame
    salt1: int  # as in the WAL header (SQLite copies these bytes unconverted)
    salt2: int
    checksum: tuple[int, int]  # over the first 40 bytes, native byte order
    checksum_ok: bool


@dataclass(frozen=True)
class CheckpointInfo:
    """``WalCkptInfo``: how far checkpoints got, and where each reader slot starts reading."""

    backfilled: int  # nBackfill: frames already copied into the database
    backfill_attempted: int  # nBackfillAttempted: frames a checkpoint set out to copy
    read_marks: tuple[int | None, ...]  # aReadMark[0..4]; None for an unused slot


@dataclass(frozen=True)
class ShmState:
    """The wal-index at one moment: both header copies and the checkpoint info."""

    size: int
    header: WalIndexHeader  # the first copy, the one readers trust when both agree
    header_copy: WalIndexHeader
    headers_agree: bool  # byte for byte; they differ only mid-update (or after a crash)
    checkpoint: CheckpointInfo
    problems: tuple[str, ...] = ()

    @property
    def max_frame(self) -> int:
        return self.header.max_frame

    @property
    def db_pages(self) -> int:
        return self.header.db_pages

    @property
    def salts(self) -> tuple[int, int]:
        return self.header.salt1, self.header.salt2

    @property
    def change_counter(self) -> int:
        return self.header.change_counter

    @property
    def is_init(self) -> bool:
        return self.header.is_init

    @property
    def page_size(self) -> int:
        return self.header.page_size


def open_shm_fd(path: str | os.PathLike[str]) -> int | None:
    """A read-only descriptor of the ``-shm`` file at ``path``, kept open; None if missing.

    See the module docstring for why it is never closed while the file stays the same. When
    the path names a new file (SQLite deleted and recreated it), the old descriptor is closed:
    no connection can hold locks on a ``-shm`` file that is no longer at its path.
    """
    key = os.fspath(path)
    with _fds_lock:
        try:
            stat = os.stat(key)
        except FileNotFoundError:
            stat = None
        known = _fds.get(key)
        if known is not None:
            if stat is not None and (stat.st_dev, stat.st_ino) == known[1:]:
                return known[0]
            os.close(known[0])
            del _fds[key]
        if stat is None:
            return None
        try:
            fd = os.open(key, os.O_RDONLY | os.O_CLOEXEC)
        except FileNotFoundError:
            return None
        opened = os.fstat(fd)
        _fds[key] = (fd, opened.st_dev, opened.st_ino)
        return fd


def read_shm(path: str | os.PathLike[str]) -> ShmState | None:
    """The wal-index in the ``-shm`` file, or None if the file is missing or too short."""
    fd = open_shm_fd(path)
    if fd is None:
        return None
    return parse_shm(os.pread(fd, SHM_HEADER_SIZE, 0), os.fstat(fd).st_size)


def parse_shm(data: bytes, size: int | None = None) -> ShmState | None:
    """Parse the first 136 bytes of a wal-index; None when there are fewer."""
    if len(data) < SHM_HEADER_SIZE:
        return None
    first = _parse_index_header(data[:WAL_INDEX_HEADER_SIZE])
    second = _parse_index_header(data[WAL_INDEX_HEADER_SIZE:CHECKPOINT_INFO_OFFSET])
    agree = data[:WAL_INDEX_HEADER_SIZE] == data[WAL_INDEX_HEADER_SIZE:CHECKPOINT_INFO_OFFSET]
    backfilled, *marks, attempted, _ = _CHECKPOINT_INFO.unpack_from(data, CHECKPOINT_INFO_OFFSET)
    checkpoint = CheckpointInfo(
        backfilled=backfilled,
        backfill_attempted=attempted,
        read_marks=tuple(None if mark == READMARK_NOT_USED else mark for mark in marks),
    )
    problems = []
    if not first.is_init:
        problems.append("the wal-index is not initialised (no connection has built it yet)")
    else:
        if first.version != WAL_INDEX_VERSION:
            problems.append(f"unsupported wal-index version {first.version}")
        if not first.checksum_ok:
            problems.append("the wal-index header checksum does not verify")
    if not agree:
        problems.append(
            "the two copies of the wal-index header differ (a writer was updating them,"
            " or stopped halfway)"
        )
    return ShmState(
        size=len(data) if size is None else size,
        header=first,
        header_copy=second,
        headers_agree=agree,
        checkpoint=checkpoint,
        problems=tuple(problems),
    )


def _parse_index_header(raw: bytes) -> WalIndexHeader:
    (version, _, change, is_init, big_endian, size_code, max_frame, n_page, fc1, fc2, _, _,
     c1, c2) = _INDEX_HEADER.unpack(raw)  # fmt: skip
    # SQLite copies the salts byte for byte from the WAL header, which is big-endian.
    salt1, salt2 = _SALTS.unpack_from(raw, _SALTS_OFFSET)
    return WalIndexHeader(
        version=version,
        change_counter=change,
        is_init=bool(is_init),
        big_endian_checksum=bool(big_endian),
        # A 16-bit field: SQLite stores 65536 as 1 (its low bit), every other size as is.
        page_size=(size_code & 0xFE00) + ((size_code & 1) << 16),
        max_frame=max_frame,
        db_pages=n_page,
        frame_checksum=(fc1, fc2),
        salt1=salt1,
        salt2=salt2,
        checksum=(c1, c2),
        checksum_ok=_native_checksum(raw[:40]) == (c1, c2),
    )


def _native_checksum(data: bytes) -> tuple[int, int]:
    """SQLite's Fletcher-like checksum over native-order 32-bit words, as for the index."""
    words = struct.unpack(f"={len(data) // 4}I", data)
    s0 = s1 = 0
    for i in range(0, len(words), 2):
        s0 = (s0 + words[i] + s1) & 0xFFFFFFFF
        s1 = (s1 + words[i + 1] + s0) & 0xFFFFFFFF
    return s0, s1
