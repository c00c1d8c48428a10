"""The WAL history in words: one line per commit, and what a commit did to rows.

Shared by ``dbbrowse history`` (which prints ``.plain``) and the history view. Names and
values go through the escaping functions (:mod:`tui.text.escape`, :mod:`tui.text.literal`):
a stored value's control characters or markup are shown, never obeyed.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence

from rich.text import Text

from tui.db.row_changes import DELETE, INSERT, UPDATE, CommitChanges, RowChange, TreeChanges
from tui.db.wal_commits import Commit
from tui.db.wal_history import FREELIST, POINTER_MAP, UNUSED, HistoryCommit, WalHistory
from tui.text.escape import append_name, escaped_plain
from tui.text.literal import append_sized_value

__all__ = ["changes_lines", "commit_cells", "commit_line", "history_summary"]

#: How wide one value may be in a change line.
VALUE_WIDTH = 40
_MARKS = {INSERT: "+", UPDATE: "~", DELETE: "-"}
_NOT_BTREES = (FREELIST, POINTER_MAP, UNUSED)


def _s(count: int) -> str:
    return "" if count == 1 else "s"


def history_summary(history: WalHistory, *, salts: bool = True) -> Text:
    """What the history covers: generation (with its salts unless told otherwise), commits,
    checkpoint, the uncommitted tail."""
    text = Text()
    if history.generation is None:
        if history.no_wal:
            return text.append(history.no_wal)
        text.append("No usable WAL: there is no commit to show.")
        for problem in history.problems:
            text.append(f"\n{problem}")
        return text
    count = len(history.commits)
    salt1, salt2 = history.generation
    if history.unread_commits:
        total = count + history.unread_commits
        text.append(f"reading the WAL: {count:,} of {total:,} commits so far")
    else:
        text.append(f"{count:,} commit{_s(count)} in the WAL")
    text.append(f" · generation {history.generation_number}")
    if salts:
        text.append(f" (salts {salt1:08x} {salt2:08x})")
    if history.resets_seen:
        text.append(" · the WAL was reset since dbbrowse first read it", "bold")
    if history.backfilled is None:
        text.append(" · checkpointed: unknown (no wal-index)")
    else:
        text.append(f" · checkpointed up to frame {history.backfilled:,}")
        if history.backfill_unsure:
            text.append(
                f", perhaps up to frame {history.backfill_unsure:,} (a rebuilt wal-index, or a"
                " checkpoint under way)"
            )
    if history.uncommitted_frames:
        frames = history.uncommitted_frames
        text.append(
            f"\n{frames:,} uncommitted frame{_s(frames)} after the last commit"
            " (a write in progress, or cut short): not a commit",
            "italic",
        )
    if history.torn_tail_bytes:
        text.append(f"\na partial frame of {history.torn_tail_bytes:,} bytes ends the file")
    for problem in history.problems:
        text.append(f"\n{problem}")
    return text


def checkpointed_word(history: WalHistory, commit: HistoryCommit) -> str:
    done = history.is_checkpointed(commit)
    return "?" if done is None else "yes" if done else "no"


def touched_text(commit: HistoryCommit) -> Text:
    """``t, t_name (index), freelist`` — tables plain, the rest labelled."""
    text = Text()
    if commit.problem:
        text.append(commit.problem, "italic")
        return text
    for index, touched in enumerate(commit.touched):
        if index:
            text.append(", ")
        if touched.kind in _NOT_BTREES:
            text.append(f"{touched.kind} ({len(touched.pages)})", "dim")
            continue
        append_name(text, touched.name)
        if touched.kind not in ("table", touched.name):
            text.append(f" ({touched.kind})", "dim")
    if commit.schema_words:
        text.append(" · ", "dim")
        append_name(text, "; ".join(commit.schema_words))
    if commit.approximate:
        text.append("  ~approximate", "italic")
    return text


def commit_cells(history: WalHistory, commit: HistoryCommit) -> tuple[str, str, str, str, str]:
    """Number, frames, database pages after, pages written, checkpointed (for a table)."""
    frames = (
        f"{commit.first_frame:,}"
        if commit.first_frame == commit.last_frame
        else f"{commit.first_frame:,}–{commit.last_frame:,}"
    )
    return (
        str(commit.number),
        frames,
        f"{commit.db_pages:,}",
        f"{len(commit.pages):,}",
        checkpointed_word(history, commit),
    )


def _widths(history: WalHistory) -> tuple[int, int, int]:
    """How wide the commit, frames and db-pages columns are for ``history``: as wide as its
    last commit's values (the largest number and frame; the file's size), at least their
    headers, so that the list fits a narrow terminal and its columns still line up."""
    last: Commit | HistoryCommit | None = history.wal_commits[-1] if history.wal_commits else None
    if last is None and history.commits:
        last = history.commits[-1]
    if last is None:
        return 6, 6, 8
    frame = len(f"{last.last_frame:,}")
    return (
        max(6, len(str(last.number))),
        max(6, 2 * frame + 1),
        max(8, len(f"{last.db_pages:,}") + 1),
    )


def commit_line(history: WalHistory, commit: HistoryCommit) -> Text:
    number, frames, db_pages, pages, done = commit_cells(history, commit)
    n, f, d = _widths(history)
    text = Text(f"{number:>{n}}  {frames:>{f}}  {db_pages:>{d}}  {pages:>5}  {done:>4}  ")
    return text.append_text(touched_text(commit))


def commit_header(history: WalHistory) -> str:
    n, f, d = _widths(history)
    return (
        f"{'commit':>{n}}  {'frames':>{f}}  {'db pages':>{d}}  {'pages':>5}  {'ckpt':>4}  touched"
    )


def _row_text(columns: Sequence[str], row: Sequence[object], only: Sequence[int] = ()) -> Text:
    text = Text()
    shown = only or range(len(row))
    for n, index in enumerate(shown):
        if n:
            text.append(", ")
        if index < len(columns):
            append_name(text, columns[index], "bold")
            text.append("=")
        append_sized_value(text, row[index], VALUE_WIDTH)
    return text


def change_line(tree: TreeChanges, change: RowChange) -> Text:
    text = Text(f"  {_MARKS[change.kind]} ", "bold")
    if tree.kind in ("table", "sqlite_schema"):
        text.append(f"rowid {change.key[0]!r}: ")
    elif tree.kind == "without rowid":
        text.append("key ")
        text.append_text(_row_text((), change.key))
        text.append(": ")
    if change.kind == UPDATE and change.before is not None and change.after is not None:
        for n, index in enumerate(change.changed_columns):
            if n:
                text.append("; ")
            if index < len(tree.columns):
                append_name(text, tree.columns[index], "bold")
                text.append(": ")
            append_sized_value(text, change.before[index], VALUE_WIDTH)
            text.append(" → ")
            append_sized_value(text, change.after[index], VALUE_WIDTH)
        return text
    row = change.after if change.after is not None else change.before
    assert row is not None
    return text.append_text(_row_text(tree.columns, row))


def tree_heading(tree: TreeChanges) -> Text:
    text = Text()
    append_name(text, tree.name, "bold")
    if tree.kind != tree.name or tree.identity:
        text.append(" (")
        text.append(tree.kind if tree.kind != tree.name else "")
        if tree.identity:
            text.append("; " if tree.kind != tree.name else "")
            append_name(text, tree.identity)
        text.append(")")
    if tree.note:
        return text.append(f": {tree.note}", "italic")
    counts = [
        f"{tree.count(kind):,} {word}"
        for kind, word in (
            (INSERT, "inserted" if tree.columns else "added"),
            (UPDATE, "updated"),
            (DELETE, "deleted" if tree.columns else "removed"),
        )
        if tree.count(kind) or kind != UPDATE
    ]
    text.append(": " + ", ".join(counts) if tree.changes else ": no row changed")
    if tree.identity and "columns changed" in tree.identity:
        text.append(" (compared on the columns both sides have)", "dim")
    if tree.virtual:
        text.append(" · not listed, generated VIRTUAL (not stored): ", "dim")
        for n, column in enumerate(tree.virtual):
            if n:
                text.append(", ", "dim")
            append_name(text, column, "dim")
    pages = sorted(set(tree.pages_before) | set(tree.pages_after))
    if pages:
        listed = ", ".join(map(str, pages[:12])) + (" …" if len(pages) > 12 else "")
        text.append(f" · page{_s(len(pages))} {listed}", "dim")
    return text


def changes_lines(changes: CommitChanges, limit: int | None = None) -> Iterator[Text]:
    """The commit's changes, b-tree by b-tree; at most ``limit`` change lines per b-tree."""
    if changes.approximate:
        yield Text(
            "approximate: some pages this commit's earlier state was read from were since"
            " overwritten by a checkpoint with later versions",
            "italic",
        )
    for schema_change in changes.schema:
        line = Text("schema: ", "bold")
        append_name(line, schema_change.words())
        yield line
    if not changes.trees and changes.unknown is not None:
        yield Text(f"its row changes cannot be known: {escaped_plain(changes.unknown)}", "italic")
    elif not changes.trees:
        yield Text("no table or index changed")
    for tree in changes.trees:
        yield tree_heading(tree)
        for page, first, last in tree.key_ranges:
            line = Text(f"  page {page}: keys ", "dim")
            line.append_text(_row_text((), first)).append(" … ", "dim")
            yield line.append_text(_row_text((), last))
        shown = tree.changes if limit is None else tree.changes[:limit]
        for change in shown:
            yield change_line(tree, change)
        if len(shown) < len(tree.changes):
            yield Text(f"  … and {len(tree.changes) - len(shown):,} more", "dim")
