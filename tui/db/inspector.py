"""The inspector's once-a-second refresh: pragmas, files, WAL, wal-index, lock holders, history.

One :class:`Inspector` per open database. Each :meth:`Inspector.refresh` reads the pragmas
through the caller's ``run`` (``DataSource.run``: autocommit statements on a short-lived
connection, rolled back after, so the inspector never pins the WAL it inspects), then does
all file work in one worker thread: stat the files, parse what is new in the ``-wal`` (a big
first parse must not block the event loop), read the ``-shm`` header and probe the WAL lock
bytes. It never opens or closes the database file or its ``-shm`` (that would drop this
process's own SQLite locks): sizes come from ``os.stat``, the ``-shm`` is read through
:func:`tui.db.shm.read_shm`'s kept descriptor.

A bounded history of WAL size and un-checkpointed frames feeds the sparkline and the "grows
without being reset" warning.

Warnings only past thresholds that mean something. A WAL grows with every commit and is reset
by checkpoints, which a writer with SQLite's default settings runs once the WAL holds
:data:`WARN_FRAMES` (1,000) frames (``wal_autocheckpoint``). Below that, growth is SQLite
working as designed, however many commits in a row: nothing is warned. Warned are:

- the WAL growing (one generation, never shrinking, grown within the last 3 s) over the last
  ``growth_samples`` (30) refreshes while it holds at least ``warn_frames`` frames, or the
  un-checkpointed frames rising likewise past ``warn_frames``: checkpoints are not keeping up
  (a reader pins the WAL, or automatic checkpoints are off);
- the WAL larger than the database while it holds at least ``warn_frames`` frames.
"""

from __future__ import annotations

import asyncio
import math
import os
import time
from collections import deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from itertools import pairwise
from pathlib import Path
from typing import Any, Protocol, TypeVar

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncConnection

from tui.db.fingerprint import Fingerprint, fingerprint
from tui.db.locks import LockHolder, probe_wal_locks
from tui.db.shm import ShmState, read_shm
from tui.db.status import FileStatus, PragmaStatus, file_status, read_pragmas
from tui.db.wal import WalReader, WalSummary
from tui.db.wal_explain import exact_size, explain

T = TypeVar("T")
_RECENT_S = 3.0  # seconds within which the WAL must have grown to be called growing
#: Frames below which a WAL is not warned about: SQLite's default wal_autocheckpoint.
WARN_FRAMES = 1000

_JOURNAL_MODES = {
    "delete": "each write transaction saves the original pages in a -journal file, deleted"
    " at commit",
    "truncate": "each write transaction saves the original pages in a -journal file,"
    " truncated to 0 bytes at commit",
    "persist": "each write transaction saves the original pages in a -journal file whose"
    " header is zeroed at commit (the file stays)",
    "memory": "the rollback journal is kept in memory: no -journal file, and a crash in the"
    " middle of a write can corrupt the database",
    "off": "there is no rollback journal: a write cannot be rolled back, and a crash in the"
    " middle of one can corrupt the database",
}


class Runner(Protocol):
    """``DataSource.run``: runs one operation on a short-lived connection."""

    def __call__(self, operation: Callable[[AsyncConnection], Awaitable[T]], /) -> Awaitable[T]: ...


@dataclass(frozen=True)
class HistoryPoint:
    wal_bytes: int
    pending_frames: int  # mxFrame - nBackfill (not checkpointed yet); 0 when unknown


@dataclass(frozen=True)
class InspectorSnapshot:
    """Everything the inspector screen shows, read in one refresh."""

    pragmas: PragmaStatus | None  # None when the database is not SQLite (or unreadable)
    files: FileStatus | None  # None for in-memory databases and servers
    wal: WalSummary | None  # None when not in WAL mode, or no file path
    shm: ShmState | None
    holders: tuple[LockHolder, ...]  # other processes holding WAL locks
    explanation: tuple[str, ...]
    warnings: tuple[str, ...]
    history: tuple[HistoryPoint, ...]  # oldest first, at most ``history`` points
    refresh_ms: float  # how long this refresh took
    wal_bytes_read: int  # bytes of the -wal read in this refresh
    alerts: tuple[str, ...] = ()  # committed data at risk: shown in red


@dataclass(frozen=True)
class _FileView:
    """What the worker thread read from the files."""

    files: FileStatus | None
    wal: WalSummary | None = None
    shm: ShmState | None = None
    holders: tuple[LockHolder, ...] = ()
    bytes_read: int = 0
    problems: tuple[str, ...] = ()


class Inspector:
    """Live view of one SQLite file's journal and WAL; call :meth:`refresh` about once a second.

    ``db_path`` None means a database without a file (a server, or in-memory): every
    snapshot is then empty and ``run`` is never called. ``growth_samples`` is how many
    consecutive refreshes must show the WAL growing without a reset before it is warned
    about; ``warn_frames`` how many frames the WAL (or its un-checkpointed part) must hold
    before its growth or size is warned about (see the module's docstring).
    """

    def __init__(
        self,
        db_path: Path | None,
        *,
        history: int = 300,
        growth_samples: int = 30,
        warn_frames: int = WARN_FRAMES,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        if history < 1:
            raise ValueError(f"history must be at least 1, not {history}")
        if not 2 <= growth_samples <= history:
            raise ValueError(
                f"growth_samples must be between 2 and {history}, not {growth_samples}"
            )
        self.db_path = db_path
        self.growth_samples = growth_samples
        self.warn_frames = warn_frames
        self._clock = clock  # for "growing" (seconds since the WAL last grew)
        self._history: deque[HistoryPoint] = deque(maxlen=history)
        # The WAL generation (header salts) of each history point; None for an empty WAL.
        self._salts: deque[tuple[int, int] | None] = deque(maxlen=history)
        self._reader = WalReader(f"{os.fspath(db_path)}-wal") if db_path is not None else None
        self._reading: asyncio.Future[_FileView] | None = None
        self._growing = False
        self._grew_at = -math.inf  # time.monotonic() of the last refresh that saw growth
        self._last: InspectorSnapshot | None = None
        self._fingerprint: Fingerprint | None = None
        self._polled: Fingerprint | None = None
        self._stale = False
        #: A writer is at work on a rollback-journal database: the next read waits for it.
        self.settling = False

    def _rollback_journal(self) -> bool:
        last = self._last
        return last is not None and last.pragmas is not None and not last.pragmas.is_wal

    def invalidate(self) -> None:
        """Read everything at the next refresh, even if no file changed (settings of
        dbbrowse's own connections, say, change no file)."""
        self._stale = True

    @property
    def data_token(self) -> object | None:
        """Changes whenever a commit (or checkpoint) changed the files; None before the first
        refresh and for databases without a file."""
        return self._fingerprint.data if self._fingerprint is not None else None

    @property
    def last(self) -> InspectorSnapshot | None:
        """The snapshot of the last refresh that finished."""
        return self._last

    async def refresh(self, run: Runner) -> InspectorSnapshot:
        """Read everything again; only SQLite errors from the pragma read become warnings."""
        started = time.perf_counter()
        if self.db_path is None:
            return self._finish(started, None, _FileView(None), [], [])
        # Nothing changed in the files (and "growing" needs no update): the last snapshot is
        # still true, and SQLite is not asked anything: idle costs no read and no lock.
        now = self._clock()
        seen = fingerprint(self.db_path)
        polled, self._polled = self._polled, seen
        # On a rollback-journal database every read takes a SHARED lock, and a writer with
        # no busy timeout fails when it meets one: while commits keep coming, wait for the
        # writer to pause (files unchanged since the last poll) before reading.
        self.settling = (
            self._rollback_journal()
            and seen != self._fingerprint
            and polled is not None
            and seen.data != polled.data
        )
        if self.settling and self._last is not None:
            return self._last
        growth_ended = self._growing and now - self._grew_at > _RECENT_S
        if (
            self._last is not None
            and not self._stale
            and not growth_ended
            and seen == self._fingerprint
        ):
            return self._last
        self._fingerprint, self._stale = seen, False
        warnings: list[str] = []
        pragmas: PragmaStatus | None = None
        try:
            pragmas = await run(read_pragmas)
        except SQLAlchemyError as exc:
            reason = getattr(exc, "orig", None) or exc
            warnings.append(f"Could not read the pragmas: {reason}")
        mode = pragmas.journal_mode.lower() if pragmas is not None else None
        view = await self._read_files_once(mode)
        explanation: list[str] = []
        if view.wal is not None:
            pending = _pending(view.shm)
            previous = self._history[-1] if self._history else None
            if previous is not None and (
                view.wal.size > previous.wal_bytes or pending > previous.pending_frames
            ):
                self._grew_at = now
            self._history.append(HistoryPoint(view.wal.size, pending))
            header = view.wal.header
            self._salts.append((header.salt1, header.salt2) if header is not None else None)
            db_bytes = view.files.db_bytes if view.files is not None else None
            explanation.extend(explain(view.wal, view.shm, list(view.holders)))
            big = view.wal.total_frames >= self.warn_frames
            if db_bytes and view.wal.size > db_bytes and big:
                warnings.append(
                    f"The WAL ({exact_size(view.wal.size)}) is larger than the database"
                    f" ({exact_size(db_bytes)})."
                )
            warnings.extend(self._growth(explanation, view.wal.total_frames))
        else:
            self._growing = False
            if mode is not None and mode != "wal":
                what = _JOURNAL_MODES.get(mode, "a rollback journal mode")
                explanation.append(f"journal_mode is {mode}: {what}. There is no WAL.")
        if view.files is not None:
            for note in view.files.notes:
                if note.startswith("hot journal"):
                    warnings.append(_cap(note))
                elif note.endswith("does not exist"):
                    warnings.append(note)
                else:
                    explanation.append(note)
        warnings.extend(view.problems)
        # view.wal is read when the mode is WAL, or unknown with a -wal file present.
        alerts = _missing_wal(self.db_path, view) if view.wal is not None else []
        # Our own read may have moved a read mark in the -shm: that is no news. Keep the
        # fingerprint taken before reading only if a commit came in meanwhile.
        after = fingerprint(self.db_path)
        if after.data == seen.data:
            self._fingerprint = self._polled = after
        return self._finish(started, pragmas, view, explanation, warnings, alerts)

    def compact(self) -> str:
        """One short phrase for a status bar, from the last snapshot; "" when unknown."""
        snap = self._last
        if snap is None:
            return ""
        if snap.wal is not None:
            wal = snap.wal
            if not wal.exists or wal.size == 0:
                parts = ["WAL empty"]
            else:
                shm = snap.shm if snap.shm is not None and snap.shm.is_init else None
                frames = shm.max_frame if shm is not None else wal.last_commit_frame
                parts = [f"WAL {exact_size(wal.size)}", f"{frames:,} frame{_s(frames)}"]
                if shm is not None:
                    parts.append(f"{shm.checkpoint.backfilled:,} checkpointed")
            if self._growing:
                parts.append("growing")
            return " · ".join(parts)
        if snap.pragmas is not None:
            hot = snap.files is not None and snap.files.hot_journal_suspected
            settling = " · writes under way: refresh waits for a pause" if self.settling else ""
            return (
                f"journal: {snap.pragmas.journal_mode}"
                + (" · hot journal?" if hot else "")
                + settling
            )
        return ""

    def _finish(
        self,
        started: float,
        pragmas: PragmaStatus | None,
        view: _FileView,
        explanation: list[str],
        warnings: list[str],
        alerts: list[str] | None = None,
    ) -> InspectorSnapshot:
        self._last = InspectorSnapshot(
            pragmas=pragmas,
            files=view.files,
            wal=view.wal,
            shm=view.shm,
            holders=view.holders,
            explanation=tuple(explanation),
            warnings=tuple(warnings),
            history=tuple(self._history),
            refresh_ms=(time.perf_counter() - started) * 1000,
            wal_bytes_read=view.bytes_read,
            alerts=tuple(alerts or ()),
        )
        return self._last

    async def _read_files_once(self, mode: str | None) -> _FileView:
        """The file work in a thread, one read at a time.

        A cancelled refresh cannot stop its thread; the read it started goes on (shielded)
        and the next refresh waits for it instead of starting a second one beside it, so the
        reader is never used by two threads and threads do not pile up behind a slow parse.
        """
        while self._reading is not None and not self._reading.done():
            await asyncio.wait([self._reading])
        reading = asyncio.ensure_future(asyncio.to_thread(self._read_files, mode))
        reading.add_done_callback(_retrieve)
        self._reading = reading
        return await asyncio.shield(reading)

    def _read_files(self, mode: str | None) -> _FileView:
        assert self.db_path is not None and self._reader is not None
        base = os.fspath(self.db_path)
        try:
            files = file_status(self.db_path)
        except OSError as exc:
            return _FileView(None, problems=(f"Cannot read {base}: {exc.strerror or exc}.",))
        # Without pragmas (a busy or unreadable database), a -wal or -shm file is the evidence.
        if mode != "wal" and (
            mode is not None or (files.wal_bytes is None and not files.shm_bytes)
        ):
            self._reader.reset()
            return _FileView(files)
        problems: list[str] = []
        wal: WalSummary | None = None
        try:
            wal = self._reader.refresh()
        except OSError as exc:
            self._reader.reset()
            problems.append(f"Cannot read {base}-wal: {exc.strerror or exc}.")
        shm: ShmState | None = None
        holders: tuple[LockHolder, ...] = ()
        try:
            shm = read_shm(f"{base}-shm")
            holders = tuple(probe_wal_locks(f"{base}-shm"))
        except OSError as exc:
            problems.append(f"Cannot read {base}-shm: {exc.strerror or exc}.")
        read = self._reader.last_read_bytes if wal is not None else 0
        return _FileView(files, wal, shm, holders, read, tuple(problems))

    def _growth(self, explanation: list[str], frames: int) -> list[str]:
        """Warnings (and sentences added to ``explanation``) from the recent history;
        ``frames``: how many frames the WAL holds now."""
        k = self.growth_samples
        points = list(self._history)[-k:]
        salts = list(self._salts)[-k:]
        resets = _resets(list(self._salts))
        if resets:
            explanation.append(
                f"The WAL started over {resets:,} time{_s(resets)} in the last"
                f" {len(self._salts):,} refreshes."
            )
        self._growing = False
        if len(points) < k:
            return []
        sizes = [p.wal_bytes for p in points]
        pending = [p.pending_frames for p in points]
        one_generation = salts[0] is not None and all(s == salts[0] for s in salts)
        # Growing means growing now: the WAL (or the backlog) rose within the last few
        # seconds, not only somewhere in the window.
        if self._clock() - self._grew_at > _RECENT_S:
            return []
        past = (
            f"past the {self.warn_frames:,} at which a writer with SQLite's default settings"
            " checkpoints (wal_autocheckpoint): checkpoints are not keeping up"
        )
        if one_generation and _rises(sizes) and frames >= self.warn_frames:
            warning = (
                f"The WAL grew from {exact_size(sizes[0])} to {exact_size(sizes[-1])} over"
                f" the last {k} refreshes without being reset, to {frames:,} frames, {past}."
            )
        elif _rises(pending) and pending[-1] >= self.warn_frames:
            warning = (
                f"Un-checkpointed frames kept increasing over the last {k} refreshes:"
                f" {pending[0]:,} → {pending[-1]:,}, {past}."
            )
        else:
            return []
        self._growing = True
        explanation.append(
            "SQLite starts the WAL over only after a checkpoint has copied every frame and no"
            " reader still uses one; until then each commit makes it longer."
        )
        return [warning]


def _missing_wal(db_path: Path, view: _FileView) -> list[str]:
    """A red alert when the -wal is gone while the wal-index still counts committed frames."""
    shm, wal = view.shm, view.wal
    if shm is None or not shm.is_init or shm.max_frame == 0:
        return []
    if wal is not None and wal.exists and wal.size > 0:
        return []
    from tui.db.recovery import open_by_others

    name = db_path.name
    holders = open_by_others(db_path)
    who = (
        "Processes that have the database open: "
        + ", ".join(h.describe() for h in holders)
        + " (and dbbrowse itself)."
        if holders
        else "No other process shows a lock on it; dbbrowse's own connections may still"
        " have it open."
    )
    pending = shm.max_frame - shm.checkpoint.backfilled
    return [
        f"{name}-wal is gone, but the wal-index ({name}-shm) still counts"
        f" {shm.max_frame:,} committed frames, {max(pending, 0):,} of them not yet copied"
        f" into {name}: those commits now live only in the deleted file, which exists only"
        f" as long as a process keeps it open. {who} When the last of them closes it, those"
        " commits are lost. To keep them, have one of those processes run a checkpoint (or"
        " press p here while dbbrowse's connections still have it open), or copy the file"
        " from /proc/PID/fd of a process that holds it."
    ]


def _pending(shm: ShmState | None) -> int:
    if shm is None or not shm.is_init:
        return 0
    return max(0, shm.max_frame - shm.checkpoint.backfilled)


def _rises(values: list[int]) -> bool:
    """Never went down, and ended higher than it started."""
    return values[-1] > values[0] and all(a <= b for a, b in pairwise(values))


def _resets(salts: list[tuple[int, int] | None]) -> int:
    """How many times a new WAL generation (new salts) appeared; an empty WAL is no new one."""
    count = 0
    previous: tuple[int, int] | None = None
    for current in salts:
        if current is None:
            continue
        if previous is not None and current != previous:
            count += 1
        previous = current
    return count


def _retrieve(future: asyncio.Future[Any]) -> None:
    """A read whose refresh was cancelled: its failure has nobody to report to."""
    if not future.cancelled():
        future.exception()


def _s(count: int) -> str:
    return "" if count == 1 else "s"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]
