"""Read-only parser of a SQLite ``-wal`` file: its header, its frames, and what a reader sees.

The file is read with plain ``open(path, "rb")``: never through SQLite and never under a lock
(SQLite takes no POSIX locks on the ``-wal`` file, so opening and closing it cannot release
any lock this process's own connections hold; the ``-shm`` file is another matter, see
:mod:`tui.db.shm`). :class:`WalReader` parses incrementally, so a refresh of a 1 GB WAL reads
only what was appended since the last one.

The checksum is SQLite's running Fletcher-like sum over 32-bit words, two at a time:
``s0 += x[i] + s1; s1 += x[i+1] + s0`` (mod 2**32), seeded by the header checksum and chained
from frame to frame. One step is affine in the state, so a frame's result is
``M**P · previous + D`` where ``D`` depends on the frame alone. :func:`frame_checksums`
computes ``D`` for many frames at once with one big integer per word position (each frame a
64-bit lane of it): about ten times faster than a word-by-word loop, in pure Python.
"""

from __future__ import annotations

import os
import struct
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import cache
from io import BufferedReader
from typing import Literal

WAL_MAGIC_LITTLE_ENDIAN = 0x377F0682  # checksums over little-endian words
WAL_MAGIC_BIG_ENDIAN = 0x377F0683  # checksums over big-endian words
WAL_FORMAT_VERSION = 3007000
WAL_HEADER_SIZE = 32
FRAME_HEADER_SIZE = 24

_MASK32 = 0xFFFFFFFF
_HEADER = struct.Struct(">8I")
_FRAME_HEADER = struct.Struct(">6I")
# Bounds what one read holds in memory, whatever the size of the WAL.
_MAX_CHUNK_BYTES = 8 << 20
# Lanes are 64 bits and every value starts each stretch below 2**32; the sums grow by less
# than 2.7x a step, so 16 steps stay far below 2**64 and masking only then is safe.
MASK_EVERY = 16


@dataclass(frozen=True)
class WalHeader:
    """The 32-byte WAL header, as written (all fields big-endian in the file)."""

    magic: int
    format_version: int
    page_size: int
    checkpoint_seq: int
    salt1: int
    salt2: int
    checksum1: int
    checksum2: int
    checksum_ok: bool  # the header's own checksum over its first 24 bytes verifies

    @property
    def big_endian_checksum(self) -> bool:
        return self.magic == WAL_MAGIC_BIG_ENDIAN

    @property
    def frame_size(self) -> int:
        return FRAME_HEADER_SIZE + self.page_size


@dataclass(frozen=True)
class WalSummary:
    """What a ``-wal`` file holds at one moment.

    ``total_frames == valid_frames + stale_frames`` always. ``valid_frames`` is the prefix
    whose salts match the header and whose running checksum verifies; of those, the frames up
    to ``last_commit_frame`` are what a new reader sees (SQLite's ``mxFrame``), the rest
    belong to a transaction that has not committed. ``stale_frames`` are complete frames after
    the valid prefix: usually left over from an earlier generation after a WAL reset.
    """

    exists: bool
    size: int
    header: WalHeader | None = None
    total_frames: int = 0
    valid_frames: int = 0
    commit_frames: int = 0  # committed transactions in the valid prefix
    last_commit_frame: int = 0  # 1-based; 0 when nothing is committed
    last_commit_db_pages: int = 0  # database size in pages after that commit
    distinct_pages: int = 0  # pages touched by the valid frames
    stale_frames: int = 0
    torn_tail_bytes: int = 0  # bytes of a partial frame at the end of the file
    # 1-based frame that ends the valid prefix although it carries the current salts (a
    # rolled-back or interrupted write); 0 when the prefix ends at the end of the file or
    # at a frame of an earlier generation.
    broken_frame: int = 0
    problems: tuple[str, ...] = ()

    @property
    def frame_size(self) -> int:
        return self.header.frame_size if self.header is not None else 0

    @property
    def uncommitted_frames(self) -> int:
        return self.valid_frames - self.last_commit_frame


def wal_checksum(data: bytes, big_endian: bool, s0: int = 0, s1: int = 0) -> tuple[int, int]:
    """SQLite's WAL checksum of ``data`` (a multiple of 8 bytes), word by word."""
    words = struct.unpack(f"{'>' if big_endian else '<'}{len(data) // 4}I", data)
    for i in range(0, len(words), 2):
        s0 = (s0 + words[i] + s1) & _MASK32
        s1 = (s1 + words[i + 1] + s0) & _MASK32
    return s0, s1


def frame_checksums(
    data: bytes | bytearray, count: int, frame_size: int, big_endian: bool
) -> list[tuple[int, int]]:
    """Each frame's own checksum contribution, starting from a zero state.

    The first ``count`` frames of ``data`` are summed over the first 8 bytes of the frame
    header and the page, as SQLite does. Chaining them is :func:`chain_checksum`'s job.
    """
    if count <= 0:
        return []
    pairs_per_frame = frame_size // 8
    items = memoryview(data)[: count * frame_size].cast("Q")
    buf = bytearray(8 * count)
    lane_items = memoryview(buf).cast("Q")
    order: Literal["big", "little"] = "big" if big_endian else "little"
    low = int.from_bytes(b"\xff\xff\xff\xff\0\0\0\0" * count, "little")
    s0 = s1 = 0
    # Pair 0 is the page number and commit size; pairs 1 and 2 (salts, checksum) are skipped.
    for step, position in enumerate((0, *range(3, pairs_per_frame)), start=1):
        lane_items[:] = items[position::pairs_per_frame]
        both = int.from_bytes(buf, order)
        if big_endian:
            first, second = (both >> 32) & low, both & low
        else:
            first, second = both & low, (both >> 32) & low
        s0 = s0 + first + s1
        s1 = s1 + second + s0
        if step % MASK_EVERY == 0:
            s0 &= low
            s1 &= low
    lanes0 = struct.unpack(f"<{2 * count}I", (s0 & low).to_bytes(8 * count, "little"))[0::2]
    lanes1 = struct.unpack(f"<{2 * count}I", (s1 & low).to_bytes(8 * count, "little"))[0::2]
    sums = list(zip(lanes0, lanes1, strict=True))
    if big_endian:  # read as one big-endian number, the first frame is the highest lane
        sums.reverse()
    return sums


@cache
def _advance(page_size: int) -> tuple[int, int, int]:
    """``M**P`` as ``(p, q, r)`` for ``[[p, q], [q, r]]``: how a frame carries the state on."""
    pairs = 1 + page_size // 8
    columns = []
    for s0, s1 in ((1, 0), (0, 1)):
        for _ in range(pairs):
            s0 = (s0 + s1) & _MASK32
            s1 = (s1 + s0) & _MASK32
        columns.append((s0, s1))
    (p, q), (_, r) = columns
    return p, q, r


def chain_checksum(state: tuple[int, int], own: tuple[int, int], page_size: int) -> tuple[int, int]:
    """The running checksum after a frame of ``own`` contribution, from ``state`` before it."""
    p, q, r = _advance(page_size)
    s0, s1 = state
    return (p * s0 + q * s1 + own[0]) & _MASK32, (q * s0 + r * s1 + own[1]) & _MASK32


def parse_wal_header(raw: bytes) -> tuple[WalHeader | None, list[str]]:
    """The header, or None when ``raw`` is no WAL header at all, and what is wrong with it."""
    if len(raw) < WAL_HEADER_SIZE:
        return None, [f"the WAL header is incomplete: {len(raw)} of {WAL_HEADER_SIZE} bytes"]
    magic, version, page_size, seq, salt1, salt2, c1, c2 = _HEADER.unpack_from(raw)
    if magic not in (WAL_MAGIC_LITTLE_ENDIAN, WAL_MAGIC_BIG_ENDIAN):
        return None, [f"not a WAL file: bad magic number 0x{magic:08x}"]
    checksum = wal_checksum(raw[:24], magic == WAL_MAGIC_BIG_ENDIAN)
    header = WalHeader(magic, version, page_size, seq, salt1, salt2, c1, c2, checksum == (c1, c2))
    problems = []
    if version != WAL_FORMAT_VERSION:
        problems.append(f"unsupported WAL format version {version} (expected {WAL_FORMAT_VERSION})")
    if not _valid_page_size(page_size):
        problems.append(f"invalid page size {page_size} in the WAL header")
    if not header.checksum_ok:
        problems.append("the WAL header checksum does not verify")
    if problems:
        problems.append("SQLite ignores a WAL whose header is invalid: no frame counts")
    return header, problems


def _valid_page_size(page_size: int) -> bool:
    return 512 <= page_size <= 65536 and page_size & (page_size - 1) == 0


class FrameScan:
    """The valid frames of one WAL generation, read and verified from a known point on.

    Iterating yields ``(offset, checksum, page, db_pages)`` for each frame whose salts match
    the header and whose running checksum verifies, in order: the byte offset just after the
    frame, the running checksum after it, its page number and its "database size after
    commit" (not zero on a commit frame). It stops at ``end``, at a frame of another
    generation, or at the first frame that carries the current salts but is invalid; then
    ``broken`` says why that frame is invalid. ``bytes_read`` is what the scan read.
    Reads grow from one frame to ``_MAX_CHUNK_BYTES``, so a refresh with little new costs
    little and a big WAL is never held in memory at once.
    """

    def __init__(
        self,
        file: BufferedReader,
        header: WalHeader,
        offset: int,
        checksum: tuple[int, int],
        end: int,
    ) -> None:
        self._file = file
        self._header = header
        self._offset = offset
        self._checksum = checksum
        self._end = end
        self.bytes_read = 0
        self.broken: str | None = None

    def __iter__(self) -> Iterator[tuple[int, tuple[int, int], int, int]]:
        header, file, end = self._header, self._file, self._end
        salts = (header.salt1, header.salt2)
        fs = header.frame_size
        max_batch = max(1, _MAX_CHUNK_BYTES // fs)
        batch = 1
        offset, state = self._offset, self._checksum
        while offset < end:
            count = min(batch, max_batch, (end - offset) // fs)
            data = bytearray(count * fs)
            file.seek(offset)
            got = file.readinto(data)
            self.bytes_read += got
            count = min(count, got // fs)
            if count == 0:
                return
            usable = count
            for i in range(count):
                pgno, _, salt1, salt2, _, _ = _FRAME_HEADER.unpack_from(data, i * fs)
                if (salt1, salt2) != salts or pgno == 0:
                    usable = i
                    break
            own = frame_checksums(data, usable, fs, header.big_endian_checksum)
            for i in range(usable):
                pgno, db_pages, _, _, c1, c2 = _FRAME_HEADER.unpack_from(data, i * fs)
                state = chain_checksum(state, own[i], header.page_size)
                if state != (c1, c2):
                    usable = i
                    break
                offset += fs
                yield offset, state, pgno, db_pages
            if usable < count:
                pgno, _, salt1, salt2, _, _ = _FRAME_HEADER.unpack_from(data, usable * fs)
                if (salt1, salt2) == salts:
                    self.broken = "has page number 0" if pgno == 0 else "fails the checksum"
                return
            batch *= 2


@dataclass
class _Committed:
    """The scan up to the last verified commit frame; frames before it never change."""

    offset: int
    checksum: tuple[int, int]
    frames: int = 0
    commits: int = 0
    db_pages: int = 0
    pages: set[int] = field(default_factory=set)


@dataclass
class _Tail:
    """Valid frames after the last commit, found again on every refresh."""

    frames: int = 0
    pages: set[int] = field(default_factory=set)
    broken_frame: int = 0
    problem: str | None = None


class WalReader:
    """Parses one ``-wal`` file again and again, reading only what is new each time.

    It remembers the offset and checksum after the last verified commit frame. Frames up to
    there are immutable until the WAL is reset, which rewrites the header (new salts), so a
    refresh whose header bytes, file identity and size (not smaller) are unchanged resumes
    there; anything else starts over. Frames after the last commit are re-read each time:
    SQLite may rewrite them in place until they commit. ``last_read_bytes`` is how many bytes
    the last :meth:`refresh` read.
    """

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = os.fspath(path)
        self.last_read_bytes = 0
        self._identity: tuple[int, int] | None = None
        self._header_raw = b""
        self._size = 0
        self._committed: _Committed | None = None

    def reset(self) -> None:
        """Forget everything: the next refresh reads the whole file."""
        self._identity = None
        self._header_raw = b""
        self._size = 0
        self._committed = None

    def refresh(self) -> WalSummary:
        """The file as it is now; never raises for a missing, short or damaged file."""
        self.last_read_bytes = 0
        try:
            file = open(self.path, "rb")  # noqa: SIM115  (closed below, on every path)
        except FileNotFoundError:
            self.reset()
            return WalSummary(exists=False, size=0)
        with file:
            stat = os.fstat(file.fileno())
            size = stat.st_size
            raw = file.read(WAL_HEADER_SIZE)
            self.last_read_bytes += len(raw)
            identity = (stat.st_dev, stat.st_ino)
            if identity != self._identity or raw != self._header_raw or size < self._size:
                self.reset()
                self._identity, self._header_raw = identity, raw
            self._size = size
            if size == 0:
                return WalSummary(exists=True, size=0)
            header, problems = parse_wal_header(raw)
            if header is None:
                return WalSummary(exists=True, size=size, problems=tuple(problems))
            if not _valid_page_size(header.page_size):
                return WalSummary(True, size, header, problems=tuple(problems))
            header_ok = not problems
            fs = header.frame_size
            total, torn = divmod(size - WAL_HEADER_SIZE, fs)
            if torn:
                problems.append(
                    f"the last frame is incomplete: {torn:,} of {fs:,} bytes"
                    " (a write in progress, or one cut short)"
                )
            if not header_ok:
                return WalSummary(
                    True,
                    size,
                    header,
                    total,
                    stale_frames=total,
                    torn_tail_bytes=torn,
                    problems=tuple(problems),
                )
            if self._committed is None:
                self._committed = _Committed(WAL_HEADER_SIZE, (header.checksum1, header.checksum2))
            tail = self._scan(file, header, WAL_HEADER_SIZE + total * fs)
        done = self._committed
        if tail.problem is not None:
            problems.append(tail.problem)
        valid = done.frames + tail.frames
        return WalSummary(
            exists=True,
            size=size,
            header=header,
            total_frames=total,
            valid_frames=valid,
            commit_frames=done.commits,
            last_commit_frame=done.frames,
            last_commit_db_pages=done.db_pages,
            distinct_pages=len(done.pages) + len(tail.pages - done.pages),
            stale_frames=total - valid,
            torn_tail_bytes=torn,
            broken_frame=tail.broken_frame,
            problems=tuple(problems),
        )

    def _scan(self, file: BufferedReader, header: WalHeader, end: int) -> _Tail:
        """Verify frames from the last commit on, up to ``end``, moving the commit point."""
        assert self._committed is not None
        done = self._committed
        fs = header.frame_size
        offset = done.offset
        tail = _Tail()
        scan = FrameScan(file, header, done.offset, done.checksum, end)
        for offset, state, pgno, db_pages in scan:
            tail.frames += 1
            tail.pages.add(pgno)
            if db_pages:
                done.offset, done.checksum, done.db_pages = offset, state, db_pages
                done.frames += tail.frames
                done.commits += 1
                done.pages |= tail.pages
                tail = _Tail()
        self.last_read_bytes += scan.bytes_read
        if scan.broken is not None:
            frame = (offset - WAL_HEADER_SIZE) // fs + 1
            after = (end - offset) // fs - 1
            tail.broken_frame = frame
            tail.problem = (
                f"frame {frame:,} carries the current salts but {scan.broken}: it and the"
                f" {after:,} frames after it are not part of the log (the rest of a"
                " rolled-back or interrupted write)"
            )
        return tail
