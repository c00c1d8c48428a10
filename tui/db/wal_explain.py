"""The WAL's state in sentences: how big it is, how much is checkpointed, who pins it and why.

Built from the three read-only views: the ``-wal`` file (:mod:`tui.db.wal`), the wal-index
(:mod:`tui.db.shm`) and the lock holders (:mod:`tui.db.locks`). How SQLite decides, in short:
a checkpoint copies frames up to ``mxFrame`` into the database, but not past the read mark of
a reader slot whose lock is held (that reader's snapshot still needs the older page
versions); ``nBackfill`` records how far it got. Once every frame is copied, the next writer
starts the WAL over from frame 1, unless a reader still holds one of the slots 1..4.
"""

from __future__ import annotations

from tui.db.locks import LockHolder
from tui.db.shm import ShmState
from tui.db.wal import WalSummary

_COMMAND_WIDTH = 60


def explain(wal: WalSummary, shm: ShmState | None, holders: list[LockHolder]) -> list[str]:
    """Sentences a person needs to understand the WAL right now, most important first.

    A WAL larger than the database is a warning, said once by the inspector, not here.
    """
    lines: list[str] = []
    if not wal.exists or wal.size == 0:
        lines.append(
            "The WAL is empty: no -wal file"
            if not wal.exists
            else "The WAL is empty: the -wal file has no content (truncated, or not written yet)"
        )
    else:
        lines.extend(_progress(wal, shm, holders))
        lines.extend(_file_shape(wal))
    lines.extend(_other_locks(holders))
    same_generation = (
        shm is not None
        and shm.is_init
        and wal.header is not None
        and shm.salts == (wal.header.salt1, wal.header.salt2)
    )
    if shm is not None and same_generation and shm.max_frame != wal.last_commit_frame:
        lines.append(
            f"The wal-index says the last commit is frame {shm.max_frame:,}, the -wal file"
            f" says {wal.last_commit_frame:,}: a commit happened between reading the two"
            " files, or the wal-index is behind until the next connection rebuilds it."
        )
    lines.extend(f"WAL file: {problem}." for problem in wal.problems)
    if shm is not None:
        lines.extend(f"WAL index (-shm): {problem}." for problem in shm.problems)
    return lines


def _progress(wal: WalSummary, shm: ShmState | None, holders: list[LockHolder]) -> list[str]:
    use_shm = shm is not None and shm.is_init
    frames = shm.max_frame if shm is not None and use_shm else wal.last_commit_frame
    size = exact_size(frames * wal.frame_size)
    if shm is None or not use_shm:
        return [
            f"{frames:,} committed frames ({size}) in the WAL; no wal-index (-shm) to tell"
            " how many are checkpointed."
        ]
    backfilled = shm.checkpoint.backfilled
    lines = [f"{frames:,} frames ({size}) in the WAL, {backfilled:,} checkpointed."]
    readers = [h for h in holders if h.read_slot is not None and h.read_slot > 0]
    if backfilled < frames:
        pinning = pinning_readers(shm, holders, frames)
        for mark, holder in pinning:
            lines.append(
                f"Checkpoint is held back at frame {mark:,} by a reader in {describe(holder)},"
                f" whose read transaction began when the WAL ended there; frames after it"
                " cannot be copied into the database, and the WAL cannot be reset, while"
                " that transaction stays open."
            )
        if not pinning:
            lines.append(
                f"{frames - backfilled:,} frames are not checkpointed yet and no other"
                " process's reader holds them back: the next checkpoint (automatic or"
                " manual) can copy them."
            )
    elif frames:
        if readers:
            who = ", ".join(describe(h) for h in readers)
            lines.append(
                f"All frames are checkpointed, but a reader in {who} keeps the WAL from being"
                f" reset: new commits are appended after frame {frames:,} instead of"
                " starting over."
            )
        else:
            lines.append(
                "All frames are checkpointed: the next write starts the WAL over from the"
                " beginning."
            )
    return lines


def _file_shape(wal: WalSummary) -> list[str]:
    lines = []
    if wal.uncommitted_frames:
        lines.append(
            f"{wal.uncommitted_frames:,} frames after frame {wal.last_commit_frame:,} belong to"
            " a transaction that did not commit (a write in progress, or cut short: a writer"
            " that died leaves them; they are never read)."
        )
    if wal.stale_frames and wal.broken_frame:
        lines.append(
            f"{wal.stale_frames:,} frames from frame {wal.broken_frame:,} on are not part of"
            f" the log: frame {wal.broken_frame:,} carries the current salts but does not"
            " verify."
        )
    elif wal.stale_frames:
        lines.append(
            f"{wal.stale_frames:,} frames ({exact_size(wal.stale_frames * wal.frame_size)})"
            f" after frame {wal.valid_frames:,} are left over from before the WAL was last"
            " reset: SQLite reuses the file from the start rather than shrinking it."
        )
    return lines


def _other_locks(holders: list[LockHolder]) -> list[str]:
    lines = []
    for holder in holders:
        if holder.lock == "write":
            lines.append(f"{_cap(describe(holder))} holds the write lock: a write is under way.")
        elif holder.lock == "checkpoint":
            lines.append(f"{_cap(describe(holder))} is running a checkpoint.")
        elif holder.lock == "recover":
            lines.append(f"{_cap(describe(holder))} is rebuilding the wal-index (recovery).")
        elif holder.read_slot == 0:
            lines.append(
                f"{_cap(describe(holder))} is reading the database file alone (its snapshot"
                " needs nothing from the WAL)."
            )
    return lines


def pinning_readers(
    shm: ShmState, holders: list[LockHolder], frames: int
) -> list[tuple[int, LockHolder]]:
    """The other processes' readers whose snapshot ends before frame ``frames`` (their read
    mark, lowest first): a checkpoint cannot copy the frames after their mark."""
    readers = [h for h in holders if h.read_slot is not None and h.read_slot > 0]
    pins = [(mark, h) for h in readers if (mark := _mark(shm, h)) is not None and mark < frames]
    return sorted(pins, key=lambda pair: pair[0])


def checkpoint_held_back(
    shm: ShmState | None, holders: list[LockHolder], log_frames: int, copied: int
) -> str:
    """Who kept a checkpoint from copying frames ``copied + 1`` to ``log_frames``, in words
    (as the status screen says it); "" when no other process's reader is seen doing it."""
    if shm is None or not shm.is_init or copied >= log_frames:
        return ""
    pins = [(mark, h) for mark, h in pinning_readers(shm, holders, log_frames) if mark <= copied]
    if not pins:
        return ""
    mark, holder = pins[0]
    if mark + 1 == log_frames:
        frames = f"frame {log_frames:,} is"
    else:
        frames = f"frames {mark + 1:,}–{log_frames:,} are"
    others = f" (and {len(pins) - 1} other readers)" if len(pins) > 1 else ""
    return (
        f"{frames} still needed by the read transaction of {describe(holder)}{others},"
        f" which began when the WAL ended at frame {mark:,}; they can be copied once it ends"
    )


def _mark(shm: ShmState, holder: LockHolder) -> int | None:
    slot = holder.read_slot
    return None if slot is None else shm.checkpoint.read_marks[slot]


def describe(holder: LockHolder) -> str:
    """``process 4242 (`python worker.py`)``, the command shortened to fit a line."""
    if holder.pid is None:
        return "a process the kernel does not name"
    if not holder.cmdline:
        return f"process {holder.pid}"
    program, _, rest = holder.cmdline.partition(" ")
    command = " ".join(f"{program.rsplit('/', 1)[-1]} {rest}".split())
    if len(command) > _COMMAND_WIDTH:
        command = command[: _COMMAND_WIDTH - 1] + "…"
    return f"process {holder.pid} (`{command}`)"


def _cap(text: str) -> str:
    return text[:1].upper() + text[1:]


def exact_size(size: int) -> str:
    """``4.7 MB = 4,928,512 bytes``: the rounded figure and the exact count; ``812 bytes``."""
    if size < 1024:
        return f"{size:,} bytes"
    return f"{human_bytes(size)} = {size:,} bytes"


def human_bytes(size: int) -> str:
    """``4.7 MB`` (powers of 1024), ``812 B``."""
    if size < 1024:
        return f"{size:,} B"
    value = size / 1024
    for unit in ("KB", "MB"):
        if value < 1024:
            return f"{value:.1f} {unit}"
        value /= 1024
    return f"{value:,.1f} GB"
