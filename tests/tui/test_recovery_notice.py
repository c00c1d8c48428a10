"""Pilot tests: what SQLite recovered on open is a short, timed notice (the status screen
keeps the whole report), and a WAL kept by a clean close raises none."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.tui.db.test_recovery import kept_wal
from tests.tui.scenes import running
from tui.app import RECOVERY_NOTICE_SECONDS


@pytest.mark.parametrize("with_shm", [True, False], ids=["kept", "no-shm"])
async def test_the_recovery_notice_is_short_timed_and_only_when_true(
    tmp_path: Path, with_shm: bool
) -> None:
    db = kept_wal(tmp_path, with_shm=with_shm)
    async with running(db) as (app, _pilot, _screen, _grid, _status):
        notices = [n for n in app._notifications if n.title == "SQLite recovered the database"]
        if with_shm:
            assert notices == []
            return
        (notice,) = notices
        assert notice.timeout == RECOVERY_NOTICE_SECONDS <= 10
        assert notice.message == (
            "SQLite recovered the WAL while opening kept.db: details on the status screen (w)"
        )
