"""Export benchmark: ``dbbrowse export`` beside ``sqlite3 -csv`` on the same events table.

Each export runs as its own process writing to a file; its peak RSS comes from ``wait4``,
so every figure is that process's alone. Rows per second are rows over wall-clock time.
Run: ``python -m bench --only export [--rows N ...]`` (default 1,000,000 and 10,000,000).
"""

from __future__ import annotations

import argparse
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bench.browse import database

# Started from a fresh, small interpreter: a child's peak RSS counts the memory it had
# before exec, and this process has just generated the database.
_LAUNCHER = """
import os, subprocess, sys
process = subprocess.Popen(sys.argv[2:], stdout=open(sys.argv[1], "wb"))
_pid, status, usage = os.wait4(process.pid, 0)
print(os.waitstatus_to_exitcode(status), usage.ru_maxrss // 1024)
"""


def _run(command: list[str], out: Path) -> tuple[float, int]:
    """Seconds and peak RSS (MiB) of ``command`` writing to ``out``."""
    start = time.monotonic()
    done = subprocess.run(
        [sys.executable, "-c", _LAUNCHER, str(out), *command],
        capture_output=True,
        text=True,
        check=False,
    )
    seconds = time.monotonic() - start
    status, rss = (int(word) for word in done.stdout.split())
    if status != 0:
        raise SystemExit(f"{command[0]} failed: {done.stderr}")
    return seconds, rss


def _line(label: str, rows: int, seconds: float, rss: int, size: int) -> None:
    print(
        f"{label:<40} {seconds:7.2f} s {rows / seconds:>11,.0f} rows/s "
        f"peak RSS {rss:>4} MiB  {size / 2**20:,.0f} MiB written",
        flush=True,
    )


def measure(rows: int, formats: list[str]) -> None:
    path = database(rows)
    print(f"events table: {rows:,} rows, {path.stat().st_size / 2**20:,.0f} MiB", flush=True)
    scratch = Path(tempfile.mkdtemp(prefix="dbbrowse-export-bench-"))
    try:
        out = scratch / "out"
        dbbrowse = [sys.executable, "-m", "tui", "export", str(path), "events"]
        for fmt in formats:
            seconds, rss = _run([*dbbrowse, "--format", fmt], out)
            _line(f"dbbrowse export --format {fmt}", rows, seconds, rss, out.stat().st_size)
        sqlite3 = shutil.which("sqlite3")
        if sqlite3 is None:
            print("sqlite3 -csv: not installed, no comparison")
            return
        query = "SELECT * FROM events ORDER BY id"
        seconds, rss = _run([sqlite3, "-readonly", "-csv", "-header", str(path), query], out)
        _line("sqlite3 -csv (C, for comparison)", rows, seconds, rss, out.stat().st_size)
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


def main(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench --only export")
    parser.add_argument("--rows", type=int, nargs="*", default=[1_000_000, 10_000_000])
    parser.add_argument("--formats", nargs="*", default=["csv", "jsonl"])
    args = parser.parse_args(argv)
    for rows in args.rows:
        measure(rows, args.formats)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
