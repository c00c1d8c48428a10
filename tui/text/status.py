"""The inspector's panels as Rich Text: pragmas, files, WAL, wal-index, locks, space.

Panels are :class:`~tui.text.hanging.Hanging` text: drawn at the panel's width, a long value
wraps under its own column and a long file name breaks after a ``-``, ``.`` or ``_``.

Pure functions of the data layer's frozen snapshots, so they are tested without a terminal
and the screen only decides where each panel goes.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from rich.cells import cell_len, set_cell_size
from rich.text import Text

from tui.db.locks import LockHolder
from tui.db.shm import ShmState
from tui.db.status import FileStatus, PragmaStatus, SpaceUsage
from tui.db.wal import WalSummary
from tui.db.wal_explain import describe, exact_size
from tui.text.escape import append_escaped, name_text
from tui.text.hanging import Hanging

_HEADING = "bold underline"
_MUTED = "dim"


def _rows(text: Hanging, rows: Iterable[tuple[str, str]], width: int = 20) -> None:
    """Label and value per line, the value at column ``width`` + 2; a label too long for it is
    cut with an ellipsis, so a value never runs into its label, and a value that wraps goes
    on under itself, never under the label."""
    # Labels and values may quote file names, paths and command lines: escaped.
    for label, value in rows:
        text.hang_here(width + 2)
        append_escaped(text.text, f"  {fit_label(label, width)}", _MUTED)
        append_escaped(text.text, value)
        text.append("\n")


def fit_label(label: str, width: int) -> str:
    """``label`` padded to ``width`` cells, or cut in the middle (``abc…xyz``) to leave one
    space before the value."""
    if cell_len(label) < width:
        return label + " " * (width - cell_len(label))
    room = width - 2  # the ellipsis and a space
    head = room - room // 2
    tail = set_cell_size(label[::-1], room - head)[::-1] if room > head else ""
    return f"{set_cell_size(label, head)}…{tail} "


def _onoff(value: bool) -> str:
    return "on" if value else "off"


def pragmas_text(status: PragmaStatus) -> Hanging:
    text = Hanging()
    text.append("Pragmas\n", style=_HEADING)
    _rows(
        text,
        [
            ("journal_mode", status.journal_mode),
            ("synchronous", status.synchronous),
            ("busy_timeout", f"{status.busy_timeout:,} ms"),
            ("locking_mode", status.locking_mode),
            ("page_size", f"{status.page_size:,}"),
            ("page_count", f"{status.page_count:,} ({exact_size(status.database_bytes)})"),
            ("freelist_count", f"{status.freelist_count:,} ({exact_size(status.free_bytes)})"),
            ("cache_size", _cache(status.cache_size)),
            ("auto_vacuum", status.auto_vacuum),
            ("wal_autocheckpoint", _autockpt(status.wal_autocheckpoint)),
            ("journal_size_limit", _limit(status.journal_size_limit)),
            ("foreign_keys", _onoff(status.foreign_keys)),
            ("user_version", str(status.user_version)),
            ("application_id", f"{status.application_id} (0x{status.application_id:08x})"),
            ("encoding", status.encoding),
        ],
    )
    text.append("\nSQLite library\n", style=_HEADING)
    features = status.features
    available = [
        name
        for name, on in (
            ("dbstat", features.dbstat),
            ("fts5", features.fts5),
            ("fts4", features.fts4),
            ("json", features.json),
            ("rtree", features.rtree),
            ("math", features.math),
        )
        if on
    ]
    missing = [n for n in ("dbstat", "fts5", "fts4", "json", "rtree", "math") if n not in available]
    _rows(
        text,
        [
            ("version", status.sqlite_version),
            ("has", ", ".join(available) or "none of the optional parts"),
            ("lacks", ", ".join(missing) or "nothing we look for"),
        ],
    )
    text.append("  per-connection values are dbbrowse's own\n", style=_MUTED)
    return text


def _cache(value: int) -> str:
    return f"{value:,} pages" if value >= 0 else f"{-value:,} KiB"


def _autockpt(value: int) -> str:
    return f"{value:,} pages" if value > 0 else "off"


def _limit(value: int) -> str:
    return "no limit" if value < 0 else exact_size(value)


def files_text(files: FileStatus) -> Hanging:
    """The database file and its companions. The name is on a line of its own (a long name
    wraps there, after a ``-``, ``.`` or ``_``); the rows are labelled by the suffix alone, so
    no name runs into a size."""
    text = Hanging()
    text.append("Files\n", style=_HEADING)
    append_escaped(text.text, f"  {files.db_path.name}").append("\n")

    def size(value: int | None) -> str:
        return "absent" if value is None else exact_size(value)

    _rows(
        text,
        [
            ("database", size(files.db_bytes)),
            ("-wal", size(files.wal_bytes)),
            ("-shm", size(files.shm_bytes)),
            ("-journal", size(files.journal_bytes)),
        ],
    )
    for note in files.notes:
        text.hang_here(4)
        append_escaped(
            text.text, f"  ! {note}", "bold" if files.hot_journal_suspected else _MUTED
        ).append("\n")
    return text


def wal_text(wal: WalSummary) -> Hanging:
    text = Hanging()
    text.append("WAL file\n", style=_HEADING)
    if not wal.exists:
        text.append("  no -wal file (nothing written since the last reset)\n", style=_MUTED)
        return text
    header = wal.header
    rows = [("size", exact_size(wal.size))]
    if header is not None:
        order = "big-endian" if header.big_endian_checksum else "little-endian"
        rows += [
            ("magic", f"0x{header.magic:08x} ({order} checksums)"),
            ("format", str(header.format_version)),
            ("page size", f"{header.page_size:,}"),
            ("checkpoint seq", f"{header.checkpoint_seq:,}"),
            ("salts", f"0x{header.salt1:08x} 0x{header.salt2:08x}"),
            ("header checksum", "ok" if header.checksum_ok else "BAD"),
        ]
    rows += [
        ("frames", f"{wal.total_frames:,} ({exact_size(wal.total_frames * wal.frame_size)})"),
        ("valid", f"{wal.valid_frames:,}"),
        ("transactions", f"{wal.commit_frames:,}"),
        ("last commit frame", f"{wal.last_commit_frame:,}"),
        ("pages touched", f"{wal.distinct_pages:,}"),
        ("stale frames", f"{wal.stale_frames:,}"),
    ]
    if wal.torn_tail_bytes:
        rows.append(("torn tail", f"{wal.torn_tail_bytes:,} bytes"))
    _rows(text, rows)
    for problem in wal.problems:
        text.hang_here(4)
        text.append(f"  ! {problem}\n", style="bold")
    return text


def shm_text(shm: ShmState) -> Hanging:
    text = Hanging()
    text.append("wal-index (-shm)\n", style=_HEADING)
    marks = ", ".join("–" if m is None else f"{m:,}" for m in shm.checkpoint.read_marks)
    _rows(
        text,
        [
            ("mxFrame", f"{shm.max_frame:,}"),
            ("nPage", f"{shm.db_pages:,}"),
            ("change counter", f"{shm.change_counter:,}"),
            ("header copies", "agree" if shm.headers_agree else "DIFFER (mid-update?)"),
            ("nBackfill", f"{shm.checkpoint.backfilled:,}"),
            ("nBackfillAttempted", f"{shm.checkpoint.backfill_attempted:,}"),
            ("read marks", marks),
        ],
    )
    for problem in shm.problems:
        text.hang_here(4)
        text.append(f"  ! {problem}\n", style="bold")
    return text


def locks_text(holders: Sequence[LockHolder]) -> Hanging:
    text = Hanging()
    text.append("Who holds WAL locks\n", style=_HEADING)
    if not holders:
        text.append("  no other process holds a WAL lock\n", style=_MUTED)
    for holder in holders:
        text.hang_here(24)  # under the description
        text.append(f"  {holder.lock:<11} {holder.kind.value:<9} ", style=_MUTED)
        append_escaped(text.text, describe(holder)).append("\n")
    return text


def space_rows(space: Sequence[SpaceUsage]) -> list[tuple[Text, str, str, str, str]]:
    """Rows for the space table: name, kind, pages, size, unused (largest first).

    The name is Text: a DataTable reads a plain string cell as markup.
    """
    return [
        (
            name_text(u.name),
            u.kind or "?",
            f"{u.pages:,}",
            exact_size(u.bytes),
            exact_size(u.unused),
        )
        for u in space
    ]


def summary_text(explanation: Sequence[str], warnings: Sequence[str]) -> Hanging:
    text = Hanging()
    for line in warnings:
        text.hang_here(2)
        text.append("⚠ ", style="bold")
        append_escaped(text.text, line, "bold").append("\n")
    for line in explanation:
        append_escaped(text.text, line).append("\n")
    return text
