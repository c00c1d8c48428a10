"""One filter condition as plain data: column, operator and value (no SQL here).

The grid's highlighting reads these too (:mod:`tui.text.highlight`), so this module imports
nothing of SQLAlchemy; :mod:`tui.db.conditions` turns a condition into SQL.
"""

from __future__ import annotations

import datetime as dt
import uuid
from dataclasses import dataclass
from decimal import Decimal
from enum import StrEnum
from typing import Any

from tui.db.decimals import decimal_text
from tui.db.pg_types import Infinite, JsonScalar


class FilterOp(StrEnum):
    EQ = "="
    NE = "≠"
    LT = "<"
    LE = "≤"
    GT = ">"
    GE = "≥"
    IN = "in"
    BETWEEN = "between"
    CONTAINS = "contains"
    STARTS_WITH = "starts with"
    LIKE = "like"
    NOT_LIKE = "not like"
    REGEXP = "regexp"
    IS_NULL = "is null"
    NOT_NULL = "is not null"

    @property
    def takes_value(self) -> bool:
        return self not in (FilterOp.IS_NULL, FilterOp.NOT_NULL)

    @property
    def matches_text(self) -> bool:
        """The value is text to look for (taken as typed), whatever the column's type."""
        return self in _TEXT_MATCH

    @property
    def takes_list(self) -> bool:
        """The value is several values of the column's type (``in``: one or more, ``between``:
        two)."""
        return self in (FilterOp.IN, FilterOp.BETWEEN)


_TEXT_MATCH = frozenset(
    {FilterOp.CONTAINS, FilterOp.STARTS_WITH, FilterOp.LIKE, FilterOp.NOT_LIKE, FilterOp.REGEXP}
)


@dataclass(frozen=True)
class FilterSpec:
    """One condition on one column. ``value``: a tuple for ``in`` and ``between``, None for
    ``is null`` and ``is not null``, else one value (a pattern for like and regexp)."""

    column: str
    op: FilterOp
    value: Any = None

    def __str__(self) -> str:
        if not self.op.takes_value:
            return f"{self.column} {self.op.value}"
        if self.op is FilterOp.BETWEEN and isinstance(self.value, tuple) and len(self.value) == 2:
            low, high = self.value
            return f"{self.column} between {literal(low)} and {literal(high)}"
        if self.op is FilterOp.IN and isinstance(self.value, tuple):
            return f"{self.column} in ({', '.join(map(literal, self.value))})"
        return f"{self.column} {self.op.value} {literal(self.value)}"


def literal(value: Any) -> str:
    """A condition's value as a person would type it in SQL: text, dates and UUIDs quoted,
    numbers bare, bytes as ``x'00ff'`` (never Python's ``datetime.date(2024, 1, 1)``).

    Text is an SQL string literal, its quotes doubled, every other character as typed: a
    pattern ``\\d+`` reads ``'\\d+'``, not Python's ``'\\\\d+'``. Control characters stay
    too; whoever shows this escapes them (:mod:`tui.text.escape`)."""
    if isinstance(value, str):
        return _quoted(value)
    if isinstance(value, bool) or value is None:
        return str(value).lower() if value is not None else "NULL"
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, int | float):
        return str(value)
    if isinstance(value, bytes):
        return f"x'{value.hex()}'"
    if isinstance(value, Infinite | JsonScalar):
        return _quoted(str(value))  # as PostgreSQL reads them: 'infinity', 'null', '"s"'
    if isinstance(value, dt.datetime | dt.date | dt.time | uuid.UUID):
        text = value.isoformat(sep=" ") if isinstance(value, dt.datetime) else str(value)
        return _quoted(text)
    return repr(value)


def _quoted(text: str) -> str:
    return "'" + text.replace("'", "''") + "'"
