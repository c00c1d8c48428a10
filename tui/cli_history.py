"""``dbbrowse history DB``: the commits still in a SQLite database's ``-wal``, for scripts and
bug reports; ``--commit K`` prints what commit K did to the rows of each table.

Only the files are read, with plain read-only descriptors: the database, its ``-wal`` and its
``-shm`` are never written and no lock is taken (the database is not even opened through
SQLite). Exit status, as ``dbbrowse export --as-of`` and ``dbbrowse diff``: 0 done, 1 the
database has no such history (not in WAL mode, a commit the WAL does not hold) or its files
could not be read, 2 bad arguments (a missing file, not a SQLite file), 141 the reader of
standard output went away.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from tui.cli_scripts import quiet_stdout, salts_text, sqlite_file


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dbbrowse history",
        description=(
            "List the commits still in a SQLite database's write-ahead log (number, frames, "
            "database size after, pages written, checkpointed or not, tables and indexes "
            "touched, schema changes in words), or what one commit did to rows. Reads the "
            "files only; changes nothing. The generation is the WAL header's checkpoint "
            "sequence number + 1: 1 for a new WAL, one more at each reset (the history view "
            "says the same number)."
        ),
    )
    parser.add_argument("database", help="a SQLite file path")
    parser.add_argument(
        "--commit",
        "-c",
        type=int,
        metavar="K",
        help="print the rows commit K inserted, updated (old → new) and deleted",
    )
    parser.add_argument(
        "--limit",
        type=int,
        default=None,
        metavar="N",
        help="the last N commits (the list says how many earlier ones it leaves out); with "
        "--commit: at most N changed rows per table (default: all)",
    )
    return parser


def _error(message: str) -> None:
    from tui.text.escape import escaped_plain  # a file name's escape codes never reach the tty

    print(f"dbbrowse history: error: {escaped_plain(message, keep_newlines=True)}", file=sys.stderr)


def main(argv: Sequence[str]) -> int:
    args = build_parser().parse_args(argv)
    path = sqlite_file(args.database, "the history is", _error)
    if path is None:
        return 2
    if args.commit is not None and args.commit < 1:
        _error(
            f"--commit takes a commit number (1 or more), not {args.commit}"
            + (": 0 is the state before the first commit, not a commit" if args.commit == 0 else "")
        )
        return 2
    if args.limit is not None and args.limit < 0:
        _error(f"--limit must be 0 or more, not {args.limit}")
        return 2
    try:
        lines = list(_lines(path, args.commit, args.limit))
    except LookupError as exc:  # no WAL, or no such commit: the state the export calls gone
        _error(str(exc.args[0]) if exc.args else str(exc))
        return 1
    except (OSError, ValueError) as exc:
        _error(f"cannot read the history: {getattr(exc, 'strerror', None) or exc}")
        return 1
    try:
        for line in lines:
            print(line)
        sys.stdout.flush()
    except BrokenPipeError:
        return quiet_stdout()
    return 0


def _lines(path: str, number: int | None, limit: int | None) -> list[str]:
    from tui.db.row_changes import commit_changes
    from tui.db.wal_history import HistoryBuilder
    from tui.text.wal_history import (
        changes_lines,
        commit_header,
        commit_line,
        history_summary,
    )

    builder = HistoryBuilder(path)
    history = builder.refresh()
    if history.no_wal:
        raise LookupError(history.no_wal)
    if number is None:
        lines = [history_summary(history).plain]
        shown = history.commits if limit is None else history.commits[-limit:] if limit else ()
        if len(shown) < len(history.commits):
            left = len(history.commits) - len(shown)
            lines.append(
                f"the last {len(shown):,} commit{'' if len(shown) == 1 else 's'} (--limit"
                f" {limit}); {left:,} earlier one{'' if left == 1 else 's'} not shown"
            )
        if shown:
            lines.append(commit_header(history))
            lines.extend(commit_line(history, c).plain for c in shown)
        if history.generation is not None and history.commits:
            pin = salts_text(history.generation)
            lines.append(
                f"commit numbers are this WAL's: --wal {pin} pins them (export --as-of, diff,"
                " dbbrowse --as-of), refused once the WAL is reset"
            )
        return lines
    commit = history.commit(number)
    changes = commit_changes(builder, history, number)
    head = commit_line(history, commit).plain.strip()
    return [f"commit {head}", *(t.plain for t in changes_lines(changes, limit))]
