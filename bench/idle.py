"""Idle cost: what dbbrowse costs while it just sits on a database, and what writers feel.

``python -m bench.idle [--seconds S] [--commits N]``. The real app runs headless on a
rollback-journal database and on a WAL database (with a WAL of a few hundred frames), once on
the browse screen, once on the SQLite status screen and once on its WAL history view, idle
for ``--seconds`` (default 10) after settling. Printed per case: CPU time as a percentage of
one core (every thread of the process, the headless UI included) and SQL statements per
second that dbbrowse sent to SQLite (each one, on a rollback-journal database, a SHARED lock
on the file).

Then a writer process with ``busy_timeout = 0`` commits ``--commits`` (default 3,000) single
inserts into the rollback-journal database, once with nothing else open and once while
dbbrowse is open on it, and the "database is locked" failures of each run are printed: a
writer without a busy timeout fails whenever it meets a reader's SHARED lock.
Nothing is asserted; the temporary files are removed.
"""

from __future__ import annotations

import argparse
import asyncio
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from sqlalchemy import event

from bench.common import run_in_scratch
from tui.app import DbBrowseApp
from tui.db.target import resolve_target

# Commits argv[2] single-row inserts with no busy timeout; prints how many failed as locked.
_WRITER = """
import sqlite3, sys
con = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=0)
failed = 0
for i in range(int(sys.argv[2])):
    try:
        con.execute("INSERT INTO t (v) VALUES (?)", (i,))
    except sqlite3.OperationalError as exc:
        if "locked" not in str(exc) and "busy" not in str(exc):
            raise
        failed += 1
print(failed)
"""


def make_database(path: Path, *, wal: bool) -> Path:
    con = sqlite3.connect(path, isolation_level=None)
    if wal:
        con.execute("PRAGMA journal_mode=WAL")
        con.execute("PRAGMA wal_autocheckpoint=0")
    con.execute("CREATE TABLE t (id INTEGER PRIMARY KEY, v)")
    for start in range(0, 20_000, 100):  # a few hundred frames of WAL in WAL mode
        con.execute("BEGIN")
        con.executemany("INSERT INTO t (v) VALUES (?)", [(i,) for i in range(start, start + 100)])
        con.execute("COMMIT")
    con.close()
    return path


async def _settled(app: DbBrowseApp) -> None:
    for _ in range(500):
        if app.inspector is not None and app.inspector.last is not None:
            return
        await asyncio.sleep(0.02)


async def idle(db: Path, screen: str, seconds: float) -> tuple[float, float]:
    """(CPU % of one core, SQL statements per second) of dbbrowse idle on ``db``."""
    app = DbBrowseApp(resolve_target(str(db), default_url=""))
    async with app.run_test(size=(120, 40)) as pilot:
        await _settled(app)
        if screen in ("status", "history"):
            await pilot.press("w")
        if screen == "history":
            await asyncio.sleep(0.5)
            await pilot.press("h")
        await asyncio.sleep(2.0)  # the first refreshes and pages are done
        assert app.source is not None
        statements = [0]

        def count(*_: Any) -> None:
            statements[0] += 1

        engine = app.source.engine.sync_engine
        event.listen(engine, "before_cursor_execute", count)
        cpu, wall = time.process_time(), time.perf_counter()
        await asyncio.sleep(seconds)
        cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
        event.remove(engine, "before_cursor_execute", count)
    return cpu / wall * 100, statements[0] / wall


def writer_failures(db: Path, commits: int) -> int:
    done = subprocess.run(
        [sys.executable, "-c", _WRITER, str(db), str(commits)],
        capture_output=True,
        text=True,
        check=True,
    )
    return int(done.stdout.strip())


async def writer_beside_dbbrowse(db: Path, commits: int) -> int:
    app = DbBrowseApp(resolve_target(str(db), default_url=""))
    async with app.run_test(size=(120, 40)):
        await _settled(app)
        return await asyncio.to_thread(writer_failures, db, commits)


async def run(args: argparse.Namespace, directory: Path) -> None:
    print(f"\nidle cost over {args.seconds:g} s (after settling), the real app headless:")
    for label, wal in (("rollback journal", False), ("WAL", True)):
        db = make_database(directory / f"idle_{'wal' if wal else 'rollback'}.db", wal=wal)
        for screen in ("browse", "status", "history"):
            cpu, per_second = await idle(db, screen, args.seconds)
            print(
                f"  {label:<17} {screen + ' screen':<14} CPU {cpu:5.2f} % of a core"
                f"   SQL statements {per_second:6.2f} /s",
                flush=True,
            )
    db = make_database(directory / "writer.db", wal=False)
    alone = await asyncio.to_thread(writer_failures, db, args.commits)
    beside = await writer_beside_dbbrowse(db, args.commits)
    print(
        f"  writer with busy_timeout=0, {args.commits:,} commits on a rollback-journal"
        f" database: {alone:,} 'database is locked' alone, {beside:,} with dbbrowse open",
        flush=True,
    )


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.idle")
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--commits", type=int, default=3000)
    args = parser.parse_args(argv)
    return run_in_scratch("dbbrowse-idle-bench-", lambda directory: run(args, directory))


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
