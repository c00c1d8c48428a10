"""Filter benchmark: what each kind of condition costs on the generated events table.

For each condition, the first keyset page (100 rows) and the exact count of the matching
rows, each one statement as the browse screen runs them; then how long highlighting the
matches in one grid cell takes (``tui.text.highlight.mark_matches``, run for every visible cell
of every drawn line). ``regexp`` on SQLite is dbbrowse's own function (``tui.db.sqlite_regexp``):
one Python call per row the statement looks at.
Run: ``python -m bench --only filters [--rows N] [--repeat K]`` (default 1,000,000 rows, 3).
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import time

from bench.browse import database


async def measure(rows: int, repeat: int) -> None:
    from tui.db.catalog import describe_table, list_tables
    from tui.db.paging import FilterOp, FilterSpec, Pager, RowQuery
    from tui.db.source import DataSource
    from tui.db.target import resolve_target

    path = database(rows)
    source = await DataSource.open(resolve_target(str(path), default_url="", read_only=True))
    conditions = [
        (
            "id between (keyset range)",
            FilterSpec("id", FilterOp.BETWEEN, (rows // 2, rows // 2 + 99)),
        ),
        ("kind = 'refund'", FilterSpec("kind", FilterOp.EQ, "refund")),
        ("kind in (refund, logout)", FilterSpec("kind", FilterOp.IN, ("refund", "logout"))),
        ("payload contains magic_link", FilterSpec("payload", FilterOp.CONTAINS, "magic_link")),
        ("payload like %magic_link%", FilterSpec("payload", FilterOp.LIKE, "%magic_link%")),
        ("payload regexp magic_l[i]nk", FilterSpec("payload", FilterOp.REGEXP, "magic_l[i]nk")),
        ("payload regexp (rare)", FilterSpec("payload", FilterOp.REGEXP, r"qty\":9\d")),
    ]
    try:
        strategy = source.strategy
        snapshot = await source.run(lambda conn: list_tables(conn, strategy))
        listed = next(t for t in snapshot.tables if t.name == "events")
        info = await source.run(lambda conn: describe_table(conn, strategy, listed))
        print(f"events table: {rows:,} rows; first page = 100 rows after no key", flush=True)
        for label, spec in conditions:
            pager = Pager(info, strategy, RowQuery(filters=(spec,)))
            firsts, counts = [], []
            matched = 0
            for _ in range(repeat):
                start = time.perf_counter()
                await source.run(lambda conn, p=pager: p.fetch(conn, limit=100))  # type: ignore[misc]
                firsts.append(time.perf_counter() - start)
                start = time.perf_counter()
                count = await source.run(lambda conn, p=pager: p.count(conn))  # type: ignore[misc]
                counts.append(time.perf_counter() - start)
                matched = count.value
            print(
                f"{label:<32} first page {statistics.median(firsts) * 1000:8.1f} ms"
                f"   count {statistics.median(counts) * 1000:9.1f} ms   ({matched:,} rows)",
                flush=True,
            )
    finally:
        await source.close()
    _highlight(repeat)


def _highlight(repeat: int) -> None:
    from tui.db.paging import FilterOp, FilterSpec
    from tui.text.cells import cell_pieces
    from tui.text.highlight import filter_pattern, mark_matches

    value = '{"method":"magic_link","ip":"203.0.113.7","new_device":false}'
    pieces = cell_pieces(value, 40)
    for label, spec in (
        ("contains", FilterSpec("payload", FilterOp.CONTAINS, "magic")),
        ("regexp", FilterSpec("payload", FilterOp.REGEXP, r"\d+\.\d+")),
    ):
        pattern = filter_pattern(spec, like_ignores_case=True)
        assert pattern is not None
        n = 20_000
        samples = []
        for _ in range(repeat):
            start = time.perf_counter()
            for _ in range(n):
                mark_matches(pieces, [pattern])
            samples.append((time.perf_counter() - start) / n)
        print(f"highlight one 40-cell cell, {label:<9} {statistics.median(samples) * 1e6:6.1f} µs")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench --only filters")
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(sys.argv[1:] if argv is None else argv)
    asyncio.run(measure(args.rows, args.repeat))
    return 0
