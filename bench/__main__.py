"""``make bench``: every benchmark, printing numbers (never asserting on them).

``python -m bench [--only NAME] [ARGS...]``, NAME one of browse, wal, idle, values, catalog,
export, console, asof, history, filters. Without ``--only`` the browse benchmark runs first, then
the WAL inspector refresh benchmark, then the idle cost (CPU and SQL statements per second while
dbbrowse sits idle, and what a writer without a busy timeout feels), then the large-values
one (peak RSS with 1 MiB values, the detail view of one), then the catalog benchmark (5,000
tables), then the export one (beside ``sqlite3 -csv``), then the console's OFFSET paging, then
a 1,000,000-row table as of an old commit, then the WAL history of a 200,000-frame WAL, then
what each kind of filter condition costs. The remaining arguments go to the browse benchmark
(``--rows``, ``--repeat``), or to the one that runs alone.
"""

from __future__ import annotations

import argparse
import sys

from bench import (
    as_of,
    browse,
    catalog,
    console,
    export,
    filters,
    idle,
    large_values,
    wal_history,
    wal_refresh,
)

_ONLY = (
    "browse",
    "wal",
    "idle",
    "values",
    "catalog",
    "export",
    "console",
    "asof",
    "history",
    "filters",
)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", add_help=False)
    parser.add_argument("--only", choices=_ONLY)
    args, rest = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    if args.only == "wal":
        return wal_refresh.main(rest)
    if args.only == "idle":
        return idle.main(rest)
    if args.only == "values":
        return large_values.main(rest)
    if args.only == "catalog":
        return catalog.main(rest)
    if args.only == "export":
        return export.main(rest)
    if args.only == "console":
        return console.main(rest)
    if args.only == "asof":
        return as_of.main(rest)
    if args.only == "history":
        return wal_history.main(rest)
    if args.only == "filters":
        return filters.main(rest)
    status = browse.main(rest)
    if args.only is None:
        status = wal_refresh.main([]) or status
        status = idle.main([]) or status
        status = large_values.main([]) or status
        status = catalog.main([]) or status
        status = export.main([]) or status
        status = console.main([]) or status
        status = as_of.main([]) or status
        status = wal_history.main([]) or status
        status = filters.main([]) or status
    return status


if __name__ == "__main__":
    sys.exit(main())
