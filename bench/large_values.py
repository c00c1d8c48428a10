"""Large-values benchmark: peak RSS scrolling a table of 1 MiB values vs one of short values.

``python -m bench.large_values [--rows N] [--size BYTES]`` builds two tables of the same shape
(cached in ``bench/.cache``): ``big`` with a text and a BLOB of ``--size`` in every row, and
``small`` with a few characters. Each is paged through, top to bottom and back, in a fresh
process running the real app headless, and its peak RSS is printed. A page carries only a
bounded preview of each value, so the two should be within about 20 % of each other.
Then it opens the detail view of one large value, jumps to its end and back, and reports how
long that took.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import sqlite3
import statistics
import subprocess
import sys
import time
from pathlib import Path

from bench.common import cached_database


def database(rows: int, size: int) -> Path:
    def build(path: Path) -> None:
        conn = sqlite3.connect(path)
        for name in ("big", "small"):
            conn.execute(f"CREATE TABLE {name} (id INTEGER PRIMARY KEY, body TEXT, data BLOB)")
        text = ("lorem ipsum dolor sit amet " * (size // 27 + 1))[:size]
        for i in range(rows):
            conn.execute(
                "INSERT INTO big VALUES (?, ?, ?)", (i + 1, f"{i:08d} {text}"[:size], bytes(size))
            )
            conn.execute("INSERT INTO small VALUES (?, ?, ?)", (i + 1, f"{i:08d} short", b"\x01"))
        conn.commit()
        conn.close()

    what = f"{rows:,} rows of {size:,}-byte values"
    return cached_database(f"values_{rows}x{size}.db", what, build)


async def scroll(path: Path, table: str) -> int:
    """Page through ``table`` down and back up; the peak RSS in MiB."""
    from tests.tui.scenes import browse_app, wait_for_work
    from tui.widgets.row_grid import RowGrid
    from tui.widgets.table_list import TableList

    app = browse_app(path)
    async with app.run_test(size=(160, 45)) as pilot:
        await wait_for_work(app)
        screen = app.get_screen_browse()
        assert screen is not None
        info = next(t for t in screen.query_one(TableList).tables if t.name == table)
        screen.open_table(info)
        await wait_for_work(app)
        grid = app.screen.query_one(RowGrid)
        grid.focus()
        for key in ["pagedown"] * (grid.total // 30 + 2) + ["pageup"] * (grid.total // 30 + 2):
            await pilot.press(key)
            await wait_for_work(app)
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


async def detail(path: Path, repeat: int) -> dict[str, list[float]]:
    """Open the detail view of a large value, End, Home: seconds each."""
    from tests.tui.scenes import browse_app, wait_for_work
    from tui.screens.cell_detail import CellDetailScreen
    from tui.widgets.row_grid import RowGrid
    from tui.widgets.table_list import TableList
    from tui.widgets.value_view import ValueView

    results: dict[str, list[float]] = {"open": [], "end": [], "home": []}
    app = browse_app(path)
    async with app.run_test(size=(160, 45)) as pilot:
        await wait_for_work(app)
        screen = app.get_screen_browse()
        assert screen is not None
        info = next(t for t in screen.query_one(TableList).tables if t.name == "big")
        screen.open_table(info)
        await wait_for_work(app)
        grid = app.screen.query_one(RowGrid)
        grid.focus()
        grid.cursor_column = 1
        for _ in range(repeat):
            start = time.perf_counter()
            await pilot.press("enter")
            await wait_for_work(app)
            await pilot.pause()
            assert isinstance(app.screen, CellDetailScreen)
            view = app.screen.query_one(ValueView)
            results["open"].append(time.perf_counter() - start)
            for key in ("end", "home"):
                start = time.perf_counter()
                await pilot.press(key)
                await wait_for_work(app)
                await pilot.pause()
                results[key].append(time.perf_counter() - start)
            assert view.start == 0
            await pilot.press("escape")
            await pilot.pause()
    return results


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.large_values")
    parser.add_argument("--rows", type=int, default=150)
    parser.add_argument("--size", type=int, default=2**20)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rss-only", nargs=2, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.rss_only is not None:
        print(asyncio.run(scroll(Path(args.rss_only[0]), args.rss_only[1])))
        return 0
    path = database(args.rows, args.size)
    print(f"values tables: {args.rows:,} rows, {path.stat().st_size / 2**20:,.0f} MiB")
    peaks = {}
    # Peak RSS is per process: each table in a fresh one, so they compare fairly.
    for table in ("small", "big"):
        done = subprocess.run(
            [sys.executable, "-m", "bench.large_values", "--rss-only", str(path), table],
            capture_output=True,
            text=True,
            check=True,
        )
        peaks[table] = int(done.stdout.split()[-1])
        label = f"peak RSS, paged through {table}"
        print(f"{label:<34} {peaks[table]:,} MiB", flush=True)
    ratio = peaks["big"] / max(peaks["small"], 1)
    print(f"{'large / short values RSS':<34} ×{ratio:.2f} (target ≤ ×1.20)", flush=True)
    times = asyncio.run(detail(path, args.repeat))
    for key, samples in times.items():
        ms = [s * 1000 for s in samples]
        print(
            f"{'1 MiB value detail: ' + key:<34} min {min(ms):8.1f} ms"
            f"   median {statistics.median(ms):8.1f} ms",
            flush=True,
        )
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
