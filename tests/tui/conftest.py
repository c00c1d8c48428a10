"""Fixtures for the TUI tests: a fixed odd database in a temporary folder."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.tui.scenes import make_odd_database


@pytest.fixture
def odd_db(tmp_path: Path) -> Path:
    return make_odd_database(tmp_path / "odd.db")
