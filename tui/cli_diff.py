"""``dbbrowse diff DB TABLE --from K [--to M|now]``: the rows of a table that differ between
two commits of a SQLite database's WAL, or between a commit and now, for scripts and bug
reports.

Both states are streamed in key order (:mod:`tui.db.row_diff`), so any size of table is
compared in constant memory; nothing is written and no lock is taken on the past side.
Exit status: 0 done, 1 a state can no longer be rebuilt or the database refused (the reason is
printed), 2 bad arguments, 141 the reader of standard output went away.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from tui.cli_scripts import WAL_HELP, quiet_stdout, sqlite_file, wal_salts


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="dbbrowse diff",
        description=(
            "Print the rows of a table that differ between commit K of a SQLite database's "
            "write-ahead log and commit M, or now: + inserted, - deleted, ~ updated "
            "(column: old → new). Commits are numbered as dbbrowse history lists them."
        ),
    )
    parser.add_argument("database", help="a SQLite file path")
    parser.add_argument("table", help="a table name")
    parser.add_argument("--from", dest="from_commit", type=int, required=True, metavar="K")
    parser.add_argument(
        "--to", dest="to_commit", default="now", metavar="M", help="a commit, or now (default)"
    )
    parser.add_argument(
        "--limit", type=int, default=None, metavar="N", help="print at most N rows (all counted)"
    )
    parser.add_argument("--wal", type=wal_salts, metavar="SALT1:SALT2", help=WAL_HELP)
    return parser


def _error(message: str) -> None:
    from tui.text.escape import escaped_plain

    print(f"dbbrowse diff: error: {escaped_plain(message)}", file=sys.stderr)


def main(argv: Sequence[str]) -> int:
    args = build_parser().parse_args(argv)
    to_commit: int | None = None
    if args.to_commit != "now":
        try:
            to_commit = int(args.to_commit)
        except ValueError:
            _error(f"--to takes a commit number or now, not {args.to_commit!r}")
            return 2
    if args.from_commit < 0 or (to_commit is not None and to_commit < 0):
        _error("commit numbers are 0 or more")
        return 2
    if args.limit is not None and args.limit < 0:
        _error(f"--limit must be 0 or more, not {args.limit}")
        return 2
    path = sqlite_file(args.database, "the states are", _error)
    if path is None:
        return 2
    try:
        return _print(path, args.table, args.from_commit, to_commit, args.limit, args.wal)
    except BrokenPipeError:
        return quiet_stdout()


def _print(
    path: str,
    table: str,
    from_commit: int,
    to_commit: int | None,
    limit: int | None,
    generation: tuple[int, int] | None = None,
) -> int:
    import sqlite3

    from tui.db.row_diff import DiffError, TableDiff
    from tui.text.escape import escaped_plain
    from tui.text.row_diff import difference_line, summary_line

    counts: dict[str, int] = {}
    try:
        with TableDiff(path, table, from_commit, to_commit, generation=generation) as diff:
            for notice in diff.notices:
                print(escaped_plain(notice))
            for change in diff:
                counts[change.kind] = counts.get(change.kind, 0) + 1
                if limit is None or sum(counts.values()) <= limit:
                    line = difference_line(
                        diff.key_columns,
                        diff.before_columns,
                        diff.after_columns,
                        change,
                        diff.column_renames,
                    )
                    print(line.plain)
            print(summary_line(table, diff.before.label, diff.after.label, counts).plain)
    except DiffError as exc:
        _error(str(exc))
        return 2
    except sqlite3.Error as exc:  # the as-of refusal (NotReconstructableError) is one
        _error(str(exc))
        return 1
    sys.stdout.flush()
    return 0
