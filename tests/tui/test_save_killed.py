"""A save cut short by ``kill -9`` of the real dbbrowse process is all or nothing.

The process is driven through a pseudo-terminal as a person would: rows selected with space,
staged for deletion with ``d``, saved with ctrl+s, and the process killed at a random moment
around the save. Every trial the database must pass ``PRAGMA integrity_check`` and hold
either every row (the transaction never committed) or none of the deleted ones.
"""

from __future__ import annotations

import random
import sqlite3
import time
from pathlib import Path

import pytest

from tests.tui.terminal import RealApp

ROWS = 120
DELETED = 80


def database(path: Path, mode: str) -> Path:
    conn = sqlite3.connect(path)
    conn.execute(f"PRAGMA journal_mode = {mode}")
    conn.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, v TEXT NOT NULL)")
    conn.executemany(
        "INSERT INTO items (id, v) VALUES (?, ?)", [(i, f"value {i}" * 5) for i in range(ROWS)]
    )
    conn.commit()
    conn.close()
    return path


def state(path: Path) -> tuple[str, int]:
    conn = sqlite3.connect(path)
    try:
        check = conn.execute("PRAGMA integrity_check").fetchone()[0]
        count = conn.execute("SELECT count(*) FROM items").fetchone()[0]
    finally:
        conn.close()
    return check, count


def staged_deletes(app: RealApp) -> None:
    """Select the first rows with space, stage their deletion, and wait until it is staged."""
    app.wait_for(f"row 1 of {ROWS}")
    app.press(" " * DELETED)  # space selects the row and moves down
    app.wait_for(f"row {DELETED + 1} of {ROWS}")
    app.press("d")
    app.wait_for("Delete")
    app.press("y")
    app.wait_for(f"{DELETED} changes pending")


@pytest.mark.parametrize(("mode", "trials"), [("wal", 20), ("delete", 10)])
def test_a_save_killed_at_any_moment_is_all_or_nothing(
    tmp_path: Path, mode: str, trials: int
) -> None:
    # How long a whole save takes here, to spread the kills over it.
    path = database(tmp_path / "calibrate.db", mode)
    with RealApp(str(path), cwd=tmp_path) as app:
        staged_deletes(app)
        started = time.monotonic()
        app.press("ctrl+s")
        app.wait_for(f"saved {DELETED} changes")
        took = time.monotonic() - started
    assert state(path) == ("ok", ROWS - DELETED)
    chance = random.Random(20261130)
    outcomes: list[int] = []
    for trial in range(trials):
        path = database(tmp_path / f"crash{trial}.db", mode)
        with RealApp(str(path), cwd=tmp_path) as app:
            staged_deletes(app)
            app.press("ctrl+s")
            app.pump(chance.uniform(0.0, took * 1.2))
            app.kill9()
        check, count = state(path)
        assert check == "ok", f"trial {trial}: {check}"
        assert count in (ROWS, ROWS - DELETED), f"trial {trial}: {count} rows left"
        outcomes.append(count)
    print(
        f"{mode}: save took {took * 1000:.0f} ms; {outcomes.count(ROWS)} trials killed before"
        f" the commit, {outcomes.count(ROWS - DELETED)} after"
    )
