# ruff: noqa: B023  (the lambdas are awaited inside the loop iteration that made them)
"""As-of benchmark: a 1,000,000-row table browsed as it stood after an old commit.

``python -m bench --only asof [--rows N] [--commits C] [--repeat K]``. A copy of a cached
table (in the database file) gets C commits in WAL mode, each updating 200 rows spread over
the table, with checkpoints off; then, as of commit 1 (the oldest) and live, side by side:
reading the WAL's commit index (first time, and a refresh with nothing new), opening the
database (catalog and first page of 100 rows through the app's pager; as of commit 1 the
first time in the process, which reads the WAL, and again, which refreshes the process's
index), the first page sorted by an unindexed column, and an exact count. Prints min/median
milliseconds and the ratio of the as-of figure to the live one.
"""

from __future__ import annotations

import argparse
import logging
import shutil
import sqlite3
import statistics
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

from bench.common import CACHE, cached_database, run_in_scratch


def database(rows: int, cache: Path = CACHE) -> Path:
    def build(path: Path) -> None:
        con = sqlite3.connect(path)
        con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, n INTEGER, note TEXT)")
        con.execute(
            "WITH RECURSIVE s(value) AS (SELECT 1 UNION ALL SELECT value + 1 FROM s"
            " WHERE value < ?) INSERT INTO t SELECT value, 'name ' || value,"
            " (value * 7919) % 1000003, hex(randomblob(24)) FROM s",
            (rows,),
        )
        con.commit()
        con.close()

    return cached_database(f"asof_{rows}.db", f"{rows:,} rows", build, cache)


def summary(name: str, samples: list[float], live: list[float] | None = None) -> None:
    ms = [s * 1000 for s in samples]
    line = f"{name:<58} min {min(ms):9.1f} ms   median {statistics.median(ms):9.1f} ms"
    if live:
        line += f"   ×{statistics.median(samples) / statistics.median(live):5.1f} of live"
    print(line, flush=True)


async def _timed(run: Callable[[], Awaitable[Any]]) -> float:
    start = time.perf_counter()
    await run()
    return time.perf_counter() - start


async def _first_rows(target: Any, sort: str | None) -> None:
    """What opening the table does: the catalog, the table's description, its first page."""
    from tui.db.catalog import describe_table, list_tables
    from tui.db.paging import Pager, RowQuery, SortSpec
    from tui.db.source import DataSource

    source = await DataSource.open(target)
    try:
        catalog = await source.run(lambda conn: list_tables(conn, source.strategy))
        info = next(t for t in catalog.tables if t.name == "t")
        info = await source.run(lambda conn: describe_table(conn, source.strategy, info))
        query = RowQuery(sort=(SortSpec(sort),)) if sort else RowQuery()
        pager = Pager(info, source.strategy, query)
        page = await source.run(lambda conn: pager.fetch(conn, limit=100))
        assert len(page.rows) == 100
    finally:
        await source.close()


async def _count(target: Any) -> int:
    from sqlalchemy import text

    from tui.db.source import DataSource

    source = await DataSource.open(target)
    try:
        return int(await source.run(lambda conn: conn.scalar(text("SELECT count(*) FROM t"))))
    finally:
        await source.close()


async def measure(directory: Path, rows: int, commits: int, repeat: int) -> None:
    from tui.db.target import resolve_target
    from tui.db.wal_commits import WalCommitIndex

    # The live side's opening notes (recovery reports) are not what is measured.
    logging.getLogger("tui").setLevel(logging.ERROR)
    db = directory / "asof.db"
    shutil.copyfile(database(rows), db)
    writer = sqlite3.connect(db, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("PRAGMA wal_autocheckpoint=0")
    writer.execute("PRAGMA synchronous=OFF")
    step = max(1, rows // 200)
    start = time.perf_counter()
    for c in range(commits):
        writer.execute(
            "UPDATE t SET n = n + 1, note = ? WHERE id % ? = ?", (f"commit {c}", step, c % step)
        )
    frames = WalCommitIndex(f"{db}-wal").refresh().last_commit_frame
    print(
        f"{rows:,} rows, {commits} commits of {rows // step:,} updated rows each:"
        f" {frames:,} WAL frames (written in {time.perf_counter() - start:.1f} s)",
        flush=True,
    )
    try:
        index_cold, index_warm = [], []
        for _ in range(repeat):
            index = WalCommitIndex(f"{db}-wal")
            start = time.perf_counter()
            index.refresh()
            index_cold.append(time.perf_counter() - start)
            start = time.perf_counter()
            index.refresh()
            index_warm.append(time.perf_counter() - start)
        summary("WAL commit index, first read", index_cold)
        summary("WAL commit index, refresh (nothing new)", index_warm)
        live = resolve_target(str(db), default_url="", read_only=True)
        past = resolve_target(str(db), default_url="", as_of=1)
        for name, sort in (("open → first 100 rows", None), ("first 100 rows sorted by n", "n")):
            live_times = [await _timed(lambda: _first_rows(live, sort)) for _ in range(repeat)]
            WalCommitIndex._shared.clear()  # the first as-of open in this process reads the WAL
            first = await _timed(lambda: _first_rows(past, sort))
            past_times = [await _timed(lambda: _first_rows(past, sort)) for _ in range(repeat)]
            summary(f"{name}, live", live_times)
            summary(f"{name}, as of commit 1, first time", [first], live_times)
            summary(f"{name}, as of commit 1, again", past_times, live_times)
        live_counts = [await _timed(lambda: _count(live)) for _ in range(repeat)]
        past_counts = [await _timed(lambda: _count(past)) for _ in range(repeat)]
        summary("count(*), live", live_counts)
        summary("count(*), as of commit 1", past_counts, live_counts)
    finally:
        writer.close()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench --only asof")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--commits", type=int, default=100)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    return run_in_scratch(
        "dbbrowse-bench-asof-", lambda d: measure(d, args.rows, args.commits, args.repeat)
    )
