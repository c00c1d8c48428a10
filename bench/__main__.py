"""``make bench``: every benchmark, printing numbers (never asserting on them).

``python -m bench [--only NAME] [ARGS...]``, NAME one of browse, wal, idle, values, catalog,
export, console, asof, history, filters. Without ``--only`` the browse benchmark runs first, then
the WAL inspector refresh benchmark, then the idle cost (CPU and SQL statements per second while
dbbrowse sits idle, and what a writer without a busy timeout feels), then the large-values
one (peak RSS with 1 MiB values, the detail view of one), then the catalog benchmark (5,000
tables), then the export one (beside ``sqlite3 -csv``), then the console's OFFSET paging, then
a 1,000,000-row table as of an old commit, then the WAL history of a 200,000-frame WAL, then
the history of 100,000 small commits (a live writer, a 300,000-row commit), then what each
kind of filter condition costs. The remaining arguments go to the browse benchmark
(``--rows``, ``--repeat``), or to the one that runs alone.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable

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
    wal_history_scale,
    wal_refresh,
)

#: Each benchmark by its ``--only`` name, in the order a full run runs them.
_BENCHES: dict[str, Callable[[list[str]], int]] = {
    "browse": browse.main,
    "wal": wal_refresh.main,
    "idle": idle.main,
    "values": large_values.main,
    "catalog": catalog.main,
    "export": export.main,
    "console": console.main,
    "asof": as_of.main,
    "history": wal_history.main,
    "history-scale": wal_history_scale.main,
    "filters": filters.main,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench", add_help=False)
    parser.add_argument("--only", choices=tuple(_BENCHES))
    args, rest = parser.parse_known_args(sys.argv[1:] if argv is None else argv)
    if args.only is not None:
        return _BENCHES[args.only](rest)
    status = browse.main(rest)  # the remaining arguments are the browse benchmark's
    for name, run in _BENCHES.items():
        if name != "browse":
            status = run([]) or status
    return status


if __name__ == "__main__":
    sys.exit(main())
