# ruff: noqa: B023  (the lambdas are awaited inside the loop iteration that made them)
"""Browse benchmark: the real app, headless, on a generated events table.

``python -m bench.browse [--rows N] [--repeat K]`` (default 10,000,000 rows, cached in
``bench/.cache``). Prints min/median milliseconds for: launch → first paint and → table list
(separate processes), open table → first rows, End → last row, End pressed 100 ms after the
first rows (before the count) → last row, go to 50%, sort by an
unindexed column → first page; the peak RSS after paging through the table; and the floor:
the same page queries run on bare aiosqlite, with each figure as a ratio to it.
"""

from __future__ import annotations

import argparse
import asyncio
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

from bench.common import CACHE, cached_database


def database(rows: int, cache: Path = CACHE) -> Path:
    def build(path: Path) -> None:
        import sqlite3

        from app.database import create_engines
        from app.demo import generate

        engine, _async = create_engines(f"sqlite:///{path}")
        generate(engine, events=rows, customers=2000, products=300, orders=10000)
        engine.dispose()
        conn = sqlite3.connect(path)
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        conn.execute("PRAGMA journal_mode=DELETE")
        conn.close()

    return cached_database(f"events_{rows}.db", f"{rows:,} events", build, cache)


def summary(name: str, samples: list[float], floor: float | None = None) -> None:
    ms = [s * 1000 for s in samples]
    line = f"{name:<34} min {min(ms):8.1f} ms   median {statistics.median(ms):8.1f} ms"
    if floor:
        line += f"   ×{statistics.median(samples) / floor:6.1f} of floor"
    print(line, flush=True)


async def _until(predicate: Callable[[], bool], pilot: object) -> None:
    """Poll (without Pilot's wait-for-idle, which would add its own delay) until the rows
    are loaded, then draw every visible line of the grid, as the next frame would."""
    from tui.widgets.row_grid import RowGrid

    while not predicate():  # noqa: ASYNC110 - polling is the measurement here
        await asyncio.sleep(0.001)
    app = getattr(pilot, "app", None)
    if app is not None:
        grid = app.screen.query_one(RowGrid)
        for y in range(grid.size.height):
            grid.render_line(y)


async def measure_app(path: Path, repeat: int) -> dict[str, list[float]]:
    from tests.tui.scenes import browse_app, wait_for_work
    from tui.db.paging import RowQuery, SortSpec
    from tui.widgets.row_grid import RowGrid

    keys = (
        "open",
        "end",
        "end_early",
        "half",
        "sort",
        "unindexed index",
        "unindexed jump",
        "anchors",
        "jump",
    )
    results: dict[str, list[float]] = {k: [] for k in keys}
    for _ in range(repeat):
        app = browse_app(path)
        async with app.run_test(size=(160, 45)) as pilot:
            await wait_for_work(app)
            screen = app.get_screen_browse()
            assert screen is not None
            grid = app.screen.query_one(RowGrid)
            events = next(t for t in screen.query_one("TableList").tables if t.name == "events")  # type: ignore[attr-defined]
            start = time.perf_counter()
            screen.open_table(events)
            screen.window = None  # measure the new window, not the previous table's
            await _until(
                lambda: screen.window is not None and grid.source.row_at(0) is not None, pilot
            )
            results["open"].append(time.perf_counter() - start)
            await wait_for_work(app)
            grid.focus()
            start = time.perf_counter()
            grid.action_last()  # what the End key runs (Pilot.press adds ~80 ms of idle-waiting)
            await _until(lambda: grid.source.row_at(grid.total - 1) is not None, pilot)
            results["end"].append(time.perf_counter() - start)
            # End before the count: 100 ms after the first rows of a freshly opened table.
            last = events_last_key(path)
            screen.open_table(events)
            screen.window = None
            await _until(
                lambda: screen.window is not None and grid.source.row_at(0) is not None, pilot
            )
            await asyncio.sleep(0.1)
            counted_before = screen.count.exact
            start = time.perf_counter()
            grid.action_last()
            await _until(lambda: _row_key(grid) == last, pilot)
            results["end_early"].append(time.perf_counter() - start)
            if counted_before:
                print("  (End early: the count had already arrived)", flush=True)
            await wait_for_work(app)
            start = time.perf_counter()
            screen.go_to("50%")
            await _until(lambda: grid.source.row_at(grid.cursor_row) is not None, pilot)
            results["half"].append(time.perf_counter() - start)
            start = time.perf_counter()
            screen.open_table(events, RowQuery(sort=(SortSpec("amount", descending=True),)))
            await _until(
                lambda: (
                    screen.window is not None
                    and screen.window.pager.query.sort != ()
                    and grid.source.row_at(0) is not None
                ),
                pilot,
            )
            results["sort"].append(time.perf_counter() - start)
            if not results["unindexed index"]:  # minutes on 10M rows: measured once
                # The count, then the position index in one ordered pass (CPU-capped), then
                # a jump to the middle from an anchor.
                await wait_for_work(app)
                results["unindexed index"].append(time.perf_counter() - start)
                start = time.perf_counter()
                screen.go_to("50%")
                await _until(lambda: grid.source.is_fresh(grid.cursor_row), pilot)
                results["unindexed jump"].append(time.perf_counter() - start)
            # A key that is not the position: sorted by an indexed timestamp, positions come
            # from the sparse anchor index built in the background after the exact count.
            start = time.perf_counter()
            screen.open_table(events, RowQuery(sort=(SortSpec("occurred_at", descending=True),)))
            await wait_for_work(app)
            window = screen.window
            assert window is not None
            results["anchors"].append(time.perf_counter() - start)
            for fraction in ("37%", "50%", "83%"):
                start = time.perf_counter()
                screen.go_to(fraction)
                await _until(lambda: grid.source.row_at(grid.cursor_row) is not None, pilot)
                results["jump"].append(time.perf_counter() - start)
    return results


def events_last_key(path: Path) -> int:
    import sqlite3

    conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
    try:
        return int(conn.execute("SELECT max(id) FROM events").fetchone()[0])
    finally:
        conn.close()


def _row_key(grid: object) -> object:
    from tui.widgets.row_grid import RowGrid

    assert isinstance(grid, RowGrid)
    row = grid.source.row_at(grid.cursor_row)
    return None if row is None else row[0]


async def measure_rss(path: Path, steps: int = 400) -> int:
    from tests.tui.scenes import browse_app, wait_for_work
    from tui.widgets.row_grid import RowGrid

    app = browse_app(path)
    async with app.run_test(size=(160, 45)) as pilot:
        await wait_for_work(app)
        screen = app.get_screen_browse()
        assert screen is not None
        events = next(t for t in screen.query_one("TableList").tables if t.name == "events")  # type: ignore[attr-defined]
        screen.open_table(events)
        await wait_for_work(app)
        grid = app.screen.query_one(RowGrid)
        for step in range(steps + 1):
            grid.move_to(round(step / steps * (grid.total - 1)))
            await _until(lambda: grid.source.row_at(grid.cursor_row) is not None, pilot)
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss // 1024


async def floor(path: Path, total: int, repeat: int) -> dict[str, list[float]]:
    import aiosqlite

    out: dict[str, list[float]] = {"first": [], "last": [], "half": []}
    async with aiosqlite.connect(path) as db:
        for _ in range(repeat):
            for key, sql, args in (
                ("first", "SELECT * FROM events ORDER BY id LIMIT 128", ()),
                ("last", "SELECT * FROM events ORDER BY id DESC LIMIT 128", ()),
                ("half", "SELECT * FROM events WHERE id >= ? ORDER BY id LIMIT 128", (total // 2,)),
            ):
                start = time.perf_counter()
                async with db.execute(sql, args) as cursor:
                    await cursor.fetchall()
                out[key].append(time.perf_counter() - start)
    return out


def launch(path: Path, repeat: int) -> tuple[list[float], list[float], list[float]]:
    probe = Path(__file__).resolve().parent / "launch_probe.py"
    paint, listed, bare = [], [], []
    for _ in range(repeat):
        for mode, sink in (("app", None), ("bare", bare)):
            started = time.time()
            done = subprocess.run(
                [sys.executable, str(probe), mode, str(path)],
                capture_output=True,
                text=True,
                check=True,
            )
            values = [float(v) - started for v in done.stdout.split()]
            if sink is bare:
                bare.append(values[0])
            else:
                paint.append(values[0])
                listed.append(values[1])
    return paint, listed, bare


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.browse")
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--rss-small", type=int, default=1_000_000)
    parser.add_argument("--rss-only", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.rss_only is not None:
        print(asyncio.run(measure_rss(args.rss_only)))
        return 0
    path = database(args.rows)
    print(f"events table: {args.rows:,} rows, {path.stat().st_size / 2**20:,.0f} MiB")
    raw = asyncio.run(floor(path, args.rows, max(args.repeat, 5)))
    page_floor = statistics.median(raw["first"] + raw["last"] + raw["half"])
    for key, samples in raw.items():
        summary(f"floor: aiosqlite page ({key})", samples)
    paint, listed, bare = launch(path, args.repeat)
    summary("bare Textual app → first paint", bare)
    summary("launch → first paint", paint)
    summary("launch → table list", listed)
    app = asyncio.run(measure_app(path, args.repeat))
    summary("open table → first rows", app["open"], page_floor)
    summary("End → last row", app["end"], page_floor)
    summary("End 100 ms after first rows → last row", app["end_early"], page_floor)
    summary("go to 50% → rows", app["half"], page_floor)
    summary("sort unindexed column → first page", app["sort"], page_floor)
    summary("unindexed sort: count + anchor index", app["unindexed index"])
    summary("unindexed sort: go to 50%", app["unindexed jump"], page_floor)
    summary("sorted by index: count + anchor index", app["anchors"])
    summary("sorted by index: jump (anchors)", app["jump"], page_floor)
    # Peak RSS is per process: measure each size in a fresh one, so they compare fairly.
    for rows in sorted({args.rss_small, args.rows}):
        rss_path = database(rows)
        done = subprocess.run(
            [sys.executable, "-m", "bench.browse", "--rss-only", str(rss_path)],
            capture_output=True,
            text=True,
            check=True,
        )
        label = f"peak RSS, paged through {rows:,}"
        print(f"{label:<34} {int(done.stdout.split()[-1]):,} MiB", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
