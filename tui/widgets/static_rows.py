"""Rows held whole in memory for the grid: what a statement returned, up to the console's cap."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any


class StaticRows:
    """A row source over a list (every row loaded and fresh)."""

    def __init__(self, rows: Sequence[tuple[Any, ...]]) -> None:
        self._rows = rows

    def row_at(self, position: int) -> tuple[Any, ...] | None:
        return self._rows[position] if 0 <= position < len(self._rows) else None

    def is_fresh(self, position: int) -> bool:
        return 0 <= position < len(self._rows)
