# ruff: noqa: B023  (the lambdas are awaited inside the loop iteration that made them)
"""Catalog benchmark: a database of thousands of tables, each with an index and a foreign key.

``python -m bench --only catalog [--tables N] [--repeat K]`` (default 5,000 tables, cached in
``bench/.cache``). Prints min/median milliseconds for: database open → table list drawn (in
process), launch → table list (a fresh process, imports included), and open a table → first
rows drawn, for tables at the start, middle and end of the list, next to the same figure on a
5-table database.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench.common import cached_database

ROWS_PER_TABLE = 20


def database(tables: int) -> Path:
    """``tables`` tables t00000…: an integer key, a foreign key to the previous table, an index."""

    def build(path: Path) -> None:
        conn = sqlite3.connect(path)
        conn.execute("PRAGMA journal_mode = OFF")
        conn.execute("PRAGMA synchronous = OFF")
        with conn:
            for i in range(tables):
                name = f"t{i:05d}"
                parent = f"t{max(i - 1, 0):05d}"
                conn.execute(
                    f"CREATE TABLE {name} (id INTEGER PRIMARY KEY, "
                    f"parent_id INTEGER REFERENCES {parent} (id), name TEXT NOT NULL, "
                    "amount REAL, created TEXT)"
                )
                conn.execute(f"CREATE INDEX ix_{name}_name ON {name} (name)")
                conn.executemany(
                    f"INSERT INTO {name} (parent_id, name, amount, created) VALUES (?, ?, ?, ?)",
                    [
                        (r + 1, f"{name} row {r}", r * 1.5, f"2024-01-{r % 28 + 1:02d}")
                        for r in range(ROWS_PER_TABLE)
                    ],
                )
        conn.execute("PRAGMA journal_mode = DELETE")
        conn.close()

    return cached_database(f"catalog_{tables}.db", f"{tables:,} tables", build)


def summary(name: str, samples: list[float]) -> None:
    ms = [s * 1000 for s in samples]
    line = f"{name:<44} min {min(ms):8.1f} ms   median {statistics.median(ms):8.1f} ms"
    print(line, flush=True)


async def _until(predicate: Callable[[], bool]) -> None:
    while not predicate():  # noqa: ASYNC110 - polling is the measurement here
        await asyncio.sleep(0.001)


async def measure(path: Path, repeat: int, names: list[str]) -> dict[str, list[float]]:
    """Open → table list, then open each of ``names`` → first rows, ``repeat`` times."""
    from tests.tui.scenes import browse_app
    from tui.widgets.row_grid import RowGrid
    from tui.widgets.table_list import TableList

    results: dict[str, list[float]] = {"list": [], **{n: [] for n in names}}
    for _ in range(repeat):
        app = browse_app(path)
        async with app.run_test(size=(160, 45)):
            await _until(lambda: app.source is not None or app.failed is not None)
            opened = time.perf_counter()
            screen = app.get_screen_browse()
            assert screen is not None
            table_list = screen.query_one(TableList)
            await _until(lambda: bool(table_list.tables))
            results["list"].append(time.perf_counter() - opened)
            grid = screen.query_one(RowGrid)
            for name in names:
                info = next(t for t in table_list.tables if t.name == name)
                await asyncio.sleep(0.05)  # let the first table's own work settle
                start = time.perf_counter()
                screen.open_table(info)
                screen.window = None  # measure the new window, not the previous table's
                await _until(
                    lambda: (
                        screen.window is not None
                        and screen.window.pager.info.name == name
                        and grid.source.row_at(0) is not None
                    )
                )
                for y in range(grid.size.height):
                    grid.render_line(y)
                results[name].append(time.perf_counter() - start)
    return results


def launch(path: Path, repeat: int) -> list[float]:
    probe = Path(__file__).resolve().parent / "launch_probe.py"
    listed = []
    for _ in range(repeat):
        started = time.time()
        done = subprocess.run(
            [sys.executable, str(probe), "app", str(path)],
            capture_output=True,
            text=True,
            check=True,
        )
        listed.append(float(done.stdout.split()[1]) - started)
    return listed


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench --only catalog")
    parser.add_argument("--tables", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    big, small = database(args.tables), database(5)
    print(f"catalog: {args.tables:,} tables, {big.stat().st_size / 2**20:,.0f} MiB")
    last = args.tables - 1
    # The first table (t00000) is opened by the app itself with the list: measure another
    # one first, 50 ms after the list appears, while the launch's own work still runs.
    names = [f"t{last // 2:05d}", f"t{last:05d}", f"t{0:05d}"]
    summary(f"launch → table list ({args.tables:,} tables)", launch(big, args.repeat))
    summary("launch → table list (5 tables)", launch(small, args.repeat))
    measured = asyncio.run(measure(big, args.repeat, names))
    summary(f"database open → table list ({args.tables:,})", measured["list"])
    for name in names:
        summary(f"open {name} → first rows ({args.tables:,})", measured[name])
    measured_small = asyncio.run(measure(small, args.repeat, ["t00004"]))
    summary("database open → table list (5)", measured_small["list"])
    summary("open t00004 → first rows (5)", measured_small["t00004"])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
