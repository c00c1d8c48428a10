"""WAL inspector benchmark: the cost of one ``Inspector.refresh`` on a small and a big WAL.

``python -m bench.wal_refresh [--small N] [--big N] [--page-size B] [--repeat K]``. Builds
temporary SQLite files in WAL mode with automatic checkpoints off, holding about ``--small``
(default 10) and ``--big`` (default 200,000) frames. The default page size is 1,024 bytes so
the big WAL takes about 210 MB of disk instead of the 820 MB 4 KB pages would need. For each
WAL it prints min/median milliseconds of the first refresh (a new inspector parses the whole
WAL) and of steady-state refreshes (nothing new), CPU time per refresh as a percentage of the
one second between refreshes, the pragma read alone for comparison, and the bytes read by the
refresh after one more commit. The files are built just before, so they are in the page
cache: these are warm-cache numbers. Nothing is asserted; the temporary files are removed.
"""

from __future__ import annotations

import argparse
import sqlite3
import statistics
import sys
import time
from pathlib import Path

from bench.common import run_in_scratch
from tui.db.inspector import Inspector, InspectorSnapshot
from tui.db.source import DataSource
from tui.db.status import read_pragmas
from tui.db.target import resolve_target
from tui.db.wal import FRAME_HEADER_SIZE, WAL_HEADER_SIZE, WalReader


def wal_frames(db: Path, page_size: int) -> int:
    wal = db.with_name(db.name + "-wal")
    size = wal.stat().st_size if wal.exists() else 0
    return max(0, size - WAL_HEADER_SIZE) // (page_size + FRAME_HEADER_SIZE)


def create(db: Path, page_size: int) -> None:
    con = sqlite3.connect(db, isolation_level=None)
    con.execute(f"PRAGMA page_size={int(page_size)}")
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, payload BLOB)")
    con.close()


def fill(con: sqlite3.Connection, db: Path, frames: int, page_size: int) -> None:
    """Commit rows of about one page each until the WAL holds at least ``frames`` frames."""
    payload = page_size - 100  # one row per leaf page, no overflow pages
    while (now := wal_frames(db, page_size)) < frames:
        rows = max(1, min(5000, (frames - now) * 9 // 10))
        con.execute("BEGIN")
        con.executemany(
            "INSERT INTO t (payload) VALUES (randomblob(?))", [(payload,) for _ in range(rows)]
        )
        con.execute("COMMIT")


def ms(samples: list[float]) -> str:
    values = [s * 1000 for s in samples]
    return f"min {min(values):9.2f} ms   median {statistics.median(values):9.2f} ms"


async def timed(inspector: Inspector, source: DataSource) -> tuple[float, float, InspectorSnapshot]:
    """Wall time and CPU time (every thread of the process) of one refresh."""
    wall, cpu = time.perf_counter(), time.process_time()
    snap = await inspector.refresh(source.run)
    return time.perf_counter() - wall, time.process_time() - cpu, snap


async def measure(
    label: str, db: Path, con: sqlite3.Connection, page_size: int, repeat: int
) -> None:
    source = await DataSource.open(resolve_target(str(db), default_url=""))
    try:
        wal = db.with_name(db.name + "-wal")
        print(
            f"\n{label}: {wal_frames(db, page_size):,} frames,"
            f" {wal.stat().st_size / 2**20:,.1f} MiB WAL, page size {page_size:,}",
            flush=True,
        )
        pragma_times = []
        for _ in range(repeat):
            start = time.perf_counter()
            await source.run(read_pragmas)
            pragma_times.append(time.perf_counter() - start)
        parse_times = []
        for _ in range(max(2, repeat // 2)):
            start = time.perf_counter()
            WalReader(wal).refresh()
            parse_times.append(time.perf_counter() - start)

        first_wall, first_cpu, first_read = [], [], 0
        for _ in range(max(2, repeat // 2)):
            inspector = Inspector(db)
            wall, cpu, snap = await timed(inspector, source)
            first_wall.append(wall)
            first_cpu.append(cpu)
            first_read = snap.wal_bytes_read
        steady_wall, steady_cpu = [], []
        for _ in range(repeat):
            wall, cpu, snap = await timed(inspector, source)
            steady_wall.append(wall)
            steady_cpu.append(cpu)
        steady_read = snap.wal_bytes_read

        print(f"  {'pragmas alone (run(read_pragmas))':<44} {ms(pragma_times)}")
        print(f"  {'WAL parse alone, from scratch (WalReader)':<44} {ms(parse_times)}")
        print(
            f"  {'first refresh (new Inspector)':<44} {ms(first_wall)}"
            f"   CPU {statistics.median(first_cpu) * 1000:9.2f} ms"
        )
        print(
            f"  {'steady refresh (nothing new)':<44} {ms(steady_wall)}"
            f"   CPU {statistics.median(steady_cpu) * 1000:9.2f} ms"
        )
        print(
            f"  {'CPU at 1 Hz, steady state':<44} {statistics.median(steady_cpu) * 100:.2f} %"
            f"   (first refresh: {statistics.median(first_cpu) * 100:.1f} % of that second)"
        )
        print(
            f"  {'WAL bytes read':<44} first refresh {first_read:,}"
            f" (the whole file, {wal.stat().st_size:,} bytes); steady refresh {steady_read:,}"
        )

        before = wal.stat().st_size
        con.execute("INSERT INTO t (payload) VALUES (randomblob(100))")
        appended = wal.stat().st_size - before
        wall, cpu, snap = await timed(inspector, source)
        print(
            f"  {'after one more commit (+' + format(appended, ',') + ' bytes)':<44}"
            f" refresh read {snap.wal_bytes_read:,} bytes"
            f" ({snap.wal_bytes_read - WAL_HEADER_SIZE:,} new + the {WAL_HEADER_SIZE}-byte"
            f" header) in {wall * 1000:.2f} ms, CPU {cpu * 1000:.2f} ms",
            flush=True,
        )
    finally:
        await source.close()


async def run(args: argparse.Namespace, directory: Path) -> None:
    for label, frames in (("small WAL", args.small), ("big WAL", args.big)):
        db = directory / f"wal_{frames}.db"
        create(db, args.page_size)
        # Resolve before our own connection opens the file: resolve_target reads the header
        # with open()/close(), which would drop that connection's POSIX locks.
        resolve_target(str(db), default_url="")
        con = sqlite3.connect(db, isolation_level=None)
        try:
            con.execute("PRAGMA wal_autocheckpoint=0")
            start = time.perf_counter()
            fill(con, db, frames, args.page_size)
            print(f"built {label} in {time.perf_counter() - start:.1f} s", flush=True)
            await measure(label, db, con, args.page_size, args.repeat)
        finally:
            con.close()  # the last connection: SQLite checkpoints the WAL as it closes


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.wal_refresh")
    parser.add_argument("--small", type=int, default=10, help="frames in the small WAL")
    parser.add_argument("--big", type=int, default=200_000, help="frames in the big WAL")
    parser.add_argument("--page-size", type=int, default=1024)
    parser.add_argument("--repeat", type=int, default=10)
    args = parser.parse_args(argv)
    return run_in_scratch("dbbrowse-wal-bench-", lambda directory: run(args, directory))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
