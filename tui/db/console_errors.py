"""Where in a statement the database found an error, when the engine says it."""

from __future__ import annotations

from typing import Any


def _position(error: BaseException) -> int | None:
    """PostgreSQL's 1-based character position of the error (asyncpg and psycopg)."""
    seen: set[int] = set()
    current: Any = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        for candidate in (
            getattr(current, "position", None),
            getattr(getattr(current, "diag", None), "statement_position", None),
        ):
            if isinstance(candidate, int | str) and str(candidate).isdigit():
                return int(candidate)
        current = getattr(current, "orig", None) or current.__cause__ or current.__context__
    return None


def error_position(error: BaseException, sql: str) -> str:
    """``line L, column C: …near text…`` of the error in ``sql``, or "" when not reported."""
    position = _position(error)
    if position is None or not 0 < position <= len(sql) + 1:
        return ""
    before = sql[: position - 1]
    line = before.count("\n") + 1
    column = len(before) - (before.rfind("\n") + 1) + 1
    near = sql[position - 1 : position + 19].split("\n")[0]
    return f"line {line}, column {column}" + (f", at {near!r}" if near else "")
