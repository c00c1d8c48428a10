"""How fast the demo generator writes the event log to a new SQLite file.

``python -m bench.demo_generation [--events N] [--portable]`` writes N events (default one
million, with 2,000 customers and 300 products for them to refer to) into a temporary file
and prints the time and rows per second. ``--portable`` times the chunked ``executemany``
path that other databases use instead of SQLite's set-based ``INSERT … SELECT``.
"""

from __future__ import annotations

import argparse
import tempfile
import time
from collections.abc import Sequence
from pathlib import Path

from app.database import create_engines
from app.demo import generate


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.demo_generation")
    parser.add_argument("--events", type=int, default=1_000_000, help="default: %(default)s")
    parser.add_argument("--portable", action="store_true", help="time the executemany path")
    args = parser.parse_args(argv)

    seconds: dict[str, float] = {}
    with tempfile.TemporaryDirectory(prefix="dbbrowse-bench-") as tmp:
        path = Path(tmp) / "demo.db"
        engine, _ = create_engines(f"sqlite:///{path}")
        started = time.perf_counter()
        try:
            generate(
                engine,
                customers=2_000,
                products=300,
                orders=0,
                events=args.events,
                sqlite_fast_path=not args.portable,
                progress=lambda table, _rows, took: seconds.__setitem__(table, took),
            )
        finally:
            engine.dispose()
        total = time.perf_counter() - started
        size = sum(f.stat().st_size for f in Path(tmp).iterdir())

    took = seconds["events"]
    path_name = "executemany" if args.portable else "set-based INSERT … SELECT"
    print(f"demo events on SQLite ({path_name}):")
    print(f"  {args.events:,} rows in {took:.2f} s = {args.events / took:,.0f} rows/s")
    print(f"  whole run (schema, customers, products, commit): {total:.2f} s, {size / 1e6:,.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
