"""WAL history at scale: 100,000 small commits, a live writer, one commit of 300,000 rows.

``python -m bench --only history-scale [--commits N] [--follow K] [--bulk R]``. A second
process (:mod:`bench.wal_writer`) writes a WAL database with automatic checkpoints off:
``--commits`` (default 100,000) single-row INSERT/UPDATE transactions. Then, each in a fresh
child process (so its peak RSS is its own):

- the history view, headless (``App.run_test``): time until its first commits are listed,
  until every commit is attributed, and the child's peak RSS;
- the same through the data layer alone (:class:`HistoryBuilder`);
- following the writer: CPU per new commit, one commit then one refresh of the view, ``--follow``
  times (at 1 Hz, CPU per commit in ms is also ‰ of a core);
- a second database where one transaction inserts ``--bulk`` (default 300,000) rows and the
  next updates them all: how long the detail of that update takes; and a third, the same
  with an index on the column the update changes.

Warm-cache numbers; nothing is asserted; the files are removed afterwards.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import resource
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from bench.common import run_in_scratch


class Writer:
    """The writing process, driven one command at a time."""

    def __init__(self, db: Path) -> None:
        self.process = subprocess.Popen(
            [sys.executable, "-m", "bench.wal_writer", str(db)],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )

    def send(self, command: str) -> None:
        assert self.process.stdin is not None and self.process.stdout is not None
        self.process.stdin.write(command + "\n")
        self.process.stdin.flush()
        if self.process.stdout.readline().strip() != "ok":
            raise RuntimeError(f"the writer failed on {command!r}")

    def close(self) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write("quit\n")
        self.process.stdin.close()
        self.process.wait()


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def rss_mib() -> float:
    """The resident set size now (Linux; 0 elsewhere)."""
    try:
        with open("/proc/self/statm") as statm:
            return int(statm.read().split()[1]) * resource.getpagesize() / 2**20
    except OSError:
        return 0.0


def child(*args: str) -> dict[str, Any]:
    """Run one measurement in a fresh interpreter; its JSON answer."""
    out = subprocess.run(
        [sys.executable, "-m", "bench.wal_history_scale", "--child", *args],
        check=True,
        stdout=subprocess.PIPE,
        text=True,
    )
    result: dict[str, Any] = json.loads(out.stdout.strip().splitlines()[-1])
    return result


# -- measurements, each run in a child -----------------------------------------------------
async def until(pilot: Any, done: Any) -> None:
    """Let the app run until ``done()`` (the app's monitor never completes, so waiting for
    every worker would wait for ever)."""
    while not done():
        await pilot.pause(0.005)


async def until_idle(pilot: Any) -> float:
    """Let the app run until a half second passes with under 5 % of a core used; how long."""
    start = time.perf_counter()
    while True:
        cpu, wall = time.process_time(), time.perf_counter()
        await pilot.pause(0.5)
        if time.process_time() - cpu < 0.05 * (time.perf_counter() - wall):
            return time.perf_counter() - start


def measure_builder(db: str, follow: int) -> dict[str, Any]:
    from tui.db.wal_history import HistoryBuilder

    base = peak_rss_mib()
    wall, cpu = time.perf_counter(), time.process_time()
    builder = HistoryBuilder(db)
    history = builder.refresh()
    result = {
        "commits": len(history.commits),
        "wall": time.perf_counter() - wall,
        "cpu": time.process_time() - cpu,
        "rss": peak_rss_mib(),
        "rss_base": base,
        "rss_now": rss_mib(),
    }
    writer = Writer(Path(db))
    try:
        spent = 0.0
        for _ in range(follow):
            writer.send("small 1")
            cpu = time.process_time()
            builder.refresh()
            spent += time.process_time() - cpu
        result["follow_cpu"] = spent / max(follow, 1)
    finally:
        writer.process.stdin.close()  # type: ignore[union-attr]
        writer.process.kill()
        writer.process.wait()
    return result


async def measure_view(db: str, writer_db: str, follow: int) -> dict[str, Any]:
    from tui.app import DbBrowseApp
    from tui.db.target import resolve_target
    from tui.screens.wal_history import WalHistoryScreen

    base = peak_rss_mib()
    app = DbBrowseApp(resolve_target(db, default_url=""))
    result: dict[str, Any] = {"rss_base": base}
    async with app.run_test(size=(140, 40)) as pilot:
        # As a person would: the app's own start-up (its first look at the WAL) is over
        # before the history is opened.
        result["startup"] = await until_idle(pilot)
        result["rss_app"] = rss_mib()
        wall, cpu = time.perf_counter(), time.process_time()
        screen = WalHistoryScreen(Path(db))
        await app.push_screen(screen)
        await until(pilot, lambda: screen.listed_commits() > 0)
        result["first_wall"] = time.perf_counter() - wall
        await until(
            pilot,
            lambda: (
                screen.history is not None
                and not screen.history.unread_commits
                and not screen.history.unscanned_frames
            ),
        )
        result["full_wall"] = time.perf_counter() - wall
        result["full_cpu"] = time.process_time() - cpu
        result["commits"] = screen.listed_commits()
        result["rss"] = peak_rss_mib()
        result["rss_now"] = rss_mib()
        if follow:
            writer = Writer(Path(writer_db))
            try:
                cpu = time.process_time()
                for _ in range(follow):
                    listed = screen.listed_commits()
                    writer.send("small 1")
                    screen.refresh_history()
                    await until(pilot, lambda: screen.listed_commits() > listed)  # noqa: B023
                result["follow_cpu"] = (time.process_time() - cpu) / follow
                result["follow_commits"] = screen.listed_commits()
            finally:
                writer.process.stdin.close()  # type: ignore[union-attr]
                writer.process.kill()
                writer.process.wait()
    return result


def measure_detail(db: str) -> dict[str, Any]:
    from tui.db.row_changes import commit_changes
    from tui.db.wal_history import HistoryBuilder

    builder = HistoryBuilder(db)
    history = builder.refresh()
    number = len(history.commits)
    wall, cpu = time.perf_counter(), time.process_time()
    changes = commit_changes(builder, history, number)
    rows = sum(len(tree.changes) for tree in changes.trees)
    return {"wall": time.perf_counter() - wall, "cpu": time.process_time() - cpu, "rows": rows}


def run_child(args: list[str]) -> int:
    what, rest = args[0], args[1:]
    if what == "builder":
        result = measure_builder(rest[0], int(rest[1]))
    elif what == "view":
        result = asyncio.run(measure_view(rest[0], rest[0], int(rest[1])))
    elif what == "detail":
        result = measure_detail(rest[0])
    else:
        raise SystemExit(f"unknown measurement {what}")
    print(json.dumps(result))
    return 0


# -- the parent ----------------------------------------------------------------------------
async def run(args: argparse.Namespace, directory: Path) -> None:
    db = directory / "small.db"
    writer = Writer(db)
    try:
        start = time.perf_counter()
        writer.send(f"small {args.commits}")
        wal = db.with_name(db.name + "-wal")
        print(
            f"built a WAL of {args.commits:,} single-row commits"
            f" ({wal.stat().st_size / 2**20:,.1f} MiB) in {time.perf_counter() - start:.1f} s",
            flush=True,
        )
        if "view" in args.parts:
            view = child("view", str(db), str(args.follow))
            print(
                f"\n  (the app started and went idle in {view['startup']:,.1f} s)"
                f"\n  history view: first commits listed in {view['first_wall'] * 1000:,.0f} ms;"
                f" all {view['commits']:,} attributed in {view['full_wall']:,.2f} s"
                f" (CPU {view['full_cpu']:,.2f} s); peak RSS {view['rss']:,.0f} MiB"
                f" (before opening the app {view['rss_base']:,.0f} MiB); RSS with the app open"
                f" {view['rss_app']:,.0f} MiB, with the history built {view['rss_now']:,.0f} MiB"
            )
            if args.follow:
                print(
                    f"  following the writer: {view['follow_cpu'] * 1000:,.2f} ms CPU per new"
                    f" commit (commit + refresh of the view, {args.follow} times;"
                    f" at 1 Hz: {view['follow_cpu'] * 100:.2f} % of a core)",
                    flush=True,
                )
        if "builder" in args.parts:
            built = child("builder", str(db), str(args.follow))
            print(
                f"  data layer alone (HistoryBuilder.refresh): {built['commits']:,} commits in"
                f" {built['wall']:,.2f} s (CPU {built['cpu']:,.2f} s);"
                f" peak RSS {built['rss']:,.0f} MiB (after imports {built['rss_base']:,.0f} MiB,"
                f" after the build {built['rss_now']:,.0f} MiB)\n"
                f"  data layer, following the writer: {built['follow_cpu'] * 1000:,.2f} ms CPU per"
                f" new commit (HistoryBuilder.refresh after each; at 1 Hz:"
                f" {built['follow_cpu'] * 100:.2f} % of a core)",
                flush=True,
            )
    finally:
        writer.close()
    if "detail" in args.parts:
        for indexed in (False, True):
            big = directory / f"bulk{int(indexed)}.db"
            writer = Writer(big)
            try:
                if indexed:
                    writer.send("index")
                writer.send(f"bulk {args.bulk}")
                detail = child("detail", str(big))
                what = "an indexed column of " if indexed else ""
                print(
                    f"  detail of a commit updating {what}{args.bulk:,} rows:"
                    f" {detail['wall']:,.2f} s (CPU {detail['cpu']:,.2f} s,"
                    f" {detail['rows']:,} rows and index entries changed)",
                    flush=True,
                )
            finally:
                writer.close()


def main(argv: list[str]) -> int:
    if argv[:1] == ["--child"]:
        return run_child(argv[1:])
    parser = argparse.ArgumentParser(prog="python -m bench --only history-scale")
    parser.add_argument("--commits", type=int, default=100_000)
    parser.add_argument("--follow", type=int, default=50)
    parser.add_argument("--bulk", type=int, default=300_000)
    parser.add_argument("--parts", default="view,builder,detail")
    args = parser.parse_args(argv)
    print("WAL history at scale benchmark", flush=True)
    return run_in_scratch("dbbrowse-history-scale-", lambda directory: run(args, directory))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
