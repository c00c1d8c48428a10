"""WAL history benchmark: building the history of a big WAL, first time and incrementally.

``python -m bench --only history [--frames N] [--page-size B] [--rows-per-commit R]``.
Builds a temporary WAL database (automatic checkpoints off) holding about ``--frames``
(default 200,000) frames of a realistic mix: commits of 1 to ``R`` inserted rows into a table
with an index, with an update and a delete every few commits. Then it prints the time and CPU
of a first :meth:`HistoryBuilder.refresh` (reads every frame, attributes every commit's pages
to tables and indexes), of a refresh with nothing new, of refreshes after one and after 100
more commits (only the new frames are read), the process's peak RSS after the first build,
and how long one commit's row changes take to decode. The files are built just before, so
these are warm-cache numbers. Nothing is asserted; the files are removed afterwards.
"""

from __future__ import annotations

import argparse
import random
import resource
import sqlite3
import sys
import time
from pathlib import Path

from bench.common import run_in_scratch
from tui.db.row_changes import commit_changes
from tui.db.wal import FRAME_HEADER_SIZE, WAL_HEADER_SIZE
from tui.db.wal_history import HistoryBuilder


def wal_frames(db: Path, page_size: int) -> int:
    wal = db.with_name(db.name + "-wal")
    size = wal.stat().st_size if wal.exists() else 0
    return max(0, size - WAL_HEADER_SIZE) // (page_size + FRAME_HEADER_SIZE)


def commit_some(con: sqlite3.Connection, rng: random.Random, rows: int, step: int) -> None:
    con.execute("BEGIN")
    con.executemany(
        "INSERT INTO t (name, payload) VALUES (?, randomblob(?))",
        [(f"name {rng.randrange(10**6)}", rng.randrange(20, 300)) for _ in range(rows)],
    )
    if step % 3 == 0:
        con.execute(
            "UPDATE t SET name = 'updated' WHERE id = (SELECT abs(random()) % max(id) + 1 FROM t)"
        )
    if step % 5 == 0:
        con.execute("DELETE FROM t WHERE id = (SELECT abs(random()) % max(id) + 1 FROM t)")
    con.execute("COMMIT")


def timed(builder: HistoryBuilder) -> tuple[float, float, int]:
    wall, cpu = time.perf_counter(), time.process_time()
    history = builder.refresh()
    return time.perf_counter() - wall, time.process_time() - cpu, len(history.commits)


async def run(args: argparse.Namespace, directory: Path) -> None:
    db = directory / "history.db"
    con = sqlite3.connect(db, isolation_level=None)
    try:
        con.execute(f"PRAGMA page_size={int(args.page_size)}")
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA wal_autocheckpoint=0")
        con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, name TEXT, payload BLOB)")
        con.execute("CREATE INDEX t_name ON t (name)")
        rng = random.Random(13)
        start = time.perf_counter()
        step = 0
        while wal_frames(db, args.page_size) < args.frames:
            step += 1
            commit_some(con, rng, rng.randint(1, args.rows_per_commit), step)
        wal = db.with_name(db.name + "-wal")
        print(
            f"built a WAL of {wal_frames(db, args.page_size):,} frames"
            f" ({wal.stat().st_size / 2**20:,.1f} MiB, page size {args.page_size:,})"
            f" in {time.perf_counter() - start:.1f} s",
            flush=True,
        )

        rss_before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        builder = HistoryBuilder(db)
        wall, cpu, commits = timed(builder)
        rss_after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        print(f"\n  {commits:,} commits")
        print(
            f"  {'first build (every frame, every commit)':<46} {wall * 1000:10.1f} ms"
            f"   CPU {cpu * 1000:10.1f} ms   ({wall / commits * 1e6:.0f} µs per commit,"
            f" {wall / args.frames * 1e6:.1f} µs per frame)"
        )
        print(
            f"  {'peak RSS of the process after it':<46} {rss_after / 1024:10.1f} MiB"
            f"   (before: {rss_before / 1024:.1f} MiB)"
        )
        wall, cpu, _ = timed(builder)
        print(
            f"  {'refresh, nothing new':<46} {wall * 1000:10.3f} ms"
            f"   read {builder.index.last_read_bytes:,} bytes"
        )
        commit_some(con, rng, 5, step + 1)
        wall, cpu, _ = timed(builder)
        print(
            f"  {'refresh after 1 more commit':<46} {wall * 1000:10.3f} ms"
            f"   read {builder.index.last_read_bytes:,} bytes, {builder.commits_read} commit"
        )
        for i in range(100):
            commit_some(con, rng, rng.randint(1, args.rows_per_commit), step + 2 + i)
        wall, cpu, total = timed(builder)
        print(
            f"  {'refresh after 100 more commits':<46} {wall * 1000:10.3f} ms"
            f"   read {builder.index.last_read_bytes:,} bytes, {builder.commits_read} commits"
        )
        history = builder.refresh()
        for label, number in (("first", 1), ("middle", total // 2), ("last", total)):
            start = time.perf_counter()
            changes = commit_changes(builder, history, number)
            rows = sum(len(tree.changes) for tree in changes.trees)
            print(
                f"  {'row changes of the ' + label + ' commit':<46}"
                f" {(time.perf_counter() - start) * 1000:10.3f} ms   ({rows} rows and entries)"
            )
    finally:
        con.close()  # the last connection: SQLite checkpoints the WAL as it closes


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench --only history")
    parser.add_argument("--frames", type=int, default=200_000)
    parser.add_argument("--page-size", type=int, default=1024)
    parser.add_argument("--rows-per-commit", type=int, default=40)
    args = parser.parse_args(argv)
    print("WAL history benchmark", flush=True)
    return run_in_scratch("dbbrowse-history-bench-", lambda directory: run(args, directory))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
