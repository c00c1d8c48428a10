"""``tui.cli.main()`` tested in-process: the app it would run is run headless instead, and the
test looks at it once its work is done; a small database to open."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.tui.scenes import SIZE, wait_for_work
from tui.app import DbBrowseApp


def make_small_database(path: Path) -> Path:
    """A SQLite file with one empty table, ``t (x INTEGER)``."""
    conn = sqlite3.connect(path)
    conn.execute("CREATE TABLE t (x INTEGER)")
    conn.commit()
    conn.close()
    return path


def run_headless(
    monkeypatch: pytest.MonkeyPatch,
    look: Callable[[DbBrowseApp, Pilot[Any]], Awaitable[None]],
) -> None:
    """Make ``DbBrowseApp.run`` (what ``main()`` calls) run the app headless at the tests'
    size and, once its workers are done, call ``look`` with it."""

    def run(self: DbBrowseApp, *args: Any, **kwargs: Any) -> None:
        async def go() -> None:
            async with self.run_test(size=SIZE) as pilot:
                await wait_for_work(self)
                await look(self, pilot)

        asyncio.run(go())

    monkeypatch.setattr(DbBrowseApp, "run", run)
