"""The command line: settings honoured for a file given as argument, broken URLs in words."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from textual.pilot import Pilot

from tests.tui.headless import make_small_database, run_headless
from tui.app import DbBrowseApp
from tui.cli import main


@pytest.fixture
def small_db(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.chdir(tmp_path)  # no .env of the developer's
    return make_small_database(tmp_path / "small.db")


@pytest.fixture
def busy_timeouts(monkeypatch: pytest.MonkeyPatch) -> list[object]:
    """Make ``main()`` run the app headless and record SQLite's busy timeout in effect."""
    seen: list[object] = []

    async def look(app: DbBrowseApp, pilot: Pilot[Any]) -> None:
        if app.source is not None:
            value = await app.source.run(lambda conn: conn.scalar(text("PRAGMA busy_timeout")))
            seen.append(value)

    run_headless(monkeypatch, look)
    return seen


def test_busy_timeout_from_the_environment_applies_to_a_file_argument(
    small_db: Path, busy_timeouts: list[object], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("BUSY_TIMEOUT_MS", "1234")
    assert main([str(small_db)]) == 0
    assert busy_timeouts == [1234]


def test_busy_timeout_from_a_dot_env_file_applies_too(
    small_db: Path, busy_timeouts: list[object]
) -> None:
    Path(".env").write_text("BUSY_TIMEOUT_MS=777\n")
    assert main([str(small_db)]) == 0
    assert busy_timeouts == [777]


def test_without_the_setting_the_default_applies(
    small_db: Path, busy_timeouts: list[object]
) -> None:
    assert main([str(small_db)]) == 0
    assert busy_timeouts == [5000]


def test_a_bad_busy_timeout_is_explained(
    small_db: Path,
    busy_timeouts: list[object],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setenv("BUSY_TIMEOUT_MS", "soon")
    assert main([str(small_db)]) == 1
    err = capsys.readouterr().err
    assert "BUSY_TIMEOUT_MS" in err
    assert "Traceback" not in err
    assert busy_timeouts == []


@pytest.mark.parametrize(
    "url", ["postgresql://me:s3cret@127.0.0.1:abc/db", "mysql://root@127.0.0.1:33o6/test"]
)
def test_a_port_that_is_not_a_number_is_explained(
    url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main([url]) == 2
    err = capsys.readouterr().err
    assert "the port must be a number" in err
    assert "invalid literal" not in err
    assert "Traceback" not in err
    assert "s3cret" not in err
