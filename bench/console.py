"""Console benchmark: query results paged by OFFSET, and a plain select by the table's key.

A console query is paged by chunked OFFSET (:mod:`tui.db.console`): each page is one short
statement ``WITH RECURSIVE dbbrowse_result(…) AS (<query>) SELECT … LIMIT n OFFSET k``. This
prints what that costs on the generated events table: reading the columns, the first page,
a page at 50 % and the last page (SQLite steps over the rows before the offset), the count,
and the peak RSS after reading pages all over the result (flat: one page at a time).
Run: ``python -m bench --only console [--rows N]`` (default 1,000,000).
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import statistics
import sys
import time

from bench.browse import database

QUERY = "SELECT id, kind, amount, occurred_at FROM events WHERE kind <> 'x' ORDER BY id"


async def measure(rows: int, repeat: int) -> None:
    from tui.db.catalog import exact_count
    from tui.db.console import describe_query
    from tui.db.paging import Pager, RowQuery
    from tui.db.source import DataSource
    from tui.db.target import resolve_target

    path = database(rows)
    print(f"events table: {rows:,} rows; query: {QUERY}", flush=True)
    source = await DataSource.open(resolve_target(str(path), default_url="", read_only=True))
    try:
        timings: dict[str, list[float]] = {}

        def timed(name: str, seconds: float) -> None:
            timings.setdefault(name, []).append(seconds * 1000)

        start = time.perf_counter()
        info = await source.run(lambda conn: describe_query(conn, QUERY, 1))
        timed("read the columns (LIMIT 0)", time.perf_counter() - start)
        pager = Pager(info, source.strategy, RowQuery())
        for _ in range(repeat):
            for label, offset in (
                ("first page", 0),
                ("page at 50%", rows // 2),
                ("last page", rows - 100),
            ):
                start = time.perf_counter()
                page = await source.run(
                    lambda conn, o=offset: pager.fetch(conn, limit=100, offset=o)
                )
                timed(label, time.perf_counter() - start)
                assert len(page) == 100
            start = time.perf_counter()
            await source.run(lambda conn: exact_count(conn, info))
            timed("count(*) of the result", time.perf_counter() - start)
        # A plain select of one table: paged by the table's key.
        from tui.db.catalog import describe_table, list_tables
        from tui.db.model import TableRef

        catalog = await source.run(lambda conn: list_tables(conn, source.strategy))
        listed = catalog.find(TableRef("events"))
        assert listed is not None
        events = await source.run(lambda conn: describe_table(conn, source.strategy, listed))
        plain = "SELECT * FROM events WHERE kind <> 'x'"
        keyed = await source.run(lambda conn: describe_query(conn, plain, 2, events))
        keyset = Pager(keyed, source.strategy, RowQuery())
        assert keyset.keyed
        for _ in range(repeat):
            start = time.perf_counter()
            await source.run(lambda conn: keyset.fetch(conn, limit=100))
            timed("plain select (keyset): first page", time.perf_counter() - start)
            start = time.perf_counter()
            await source.run(lambda conn: keyset.fetch(conn, from_end=True, limit=100))
            timed("plain select (keyset): last page", time.perf_counter() - start)
        for name, samples in timings.items():
            print(f"{name:<32} median {statistics.median(samples):9.1f} ms", flush=True)
        step = max(rows // 200, 1)
        for offset in range(0, rows - 100, step):
            await source.run(lambda conn, o=offset: pager.fetch(conn, limit=100, offset=o))
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024
        print(f"{'peak RSS after 200 pages across':<32} {peak:9} MiB", flush=True)
    finally:
        await source.close()


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench --only console")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    asyncio.run(measure(args.rows, args.repeat))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
