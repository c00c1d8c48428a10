"""Filter conditions: what a person can ask of one column, and the SQL expression for it.

A :class:`FilterSpec` is one condition (column, operator, value); a view's conditions are
combined with AND (:class:`tui.db.paging.RowQuery`). Every value is a bound parameter, and
every column an identifier SQLAlchemy quotes; a pattern (``like``, ``regexp``) is a value
too, never SQL text.

What each engine does with a pattern is its own: ``like`` ignores ASCII case on SQLite and
under MariaDB's default collations, not on PostgreSQL; ``regexp`` is PostgreSQL's ``~``
(POSIX), MariaDB's ``REGEXP`` (PCRE) and, on SQLite, dbbrowse's own ``regexp()`` function
(:mod:`tui.db.sqlite_regexp`, Python's ``regex`` syntax), registered on dbbrowse's
connections only. An engine without one is told by :attr:`DialectStrategy.has_regexp`.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlalchemy import ColumnElement, String, cast

from tui.db.dialects.base import DialectStrategy


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
            return f"{self.column} between {low!r} and {high!r}"
        if self.op is FilterOp.IN and isinstance(self.value, tuple):
            return f"{self.column} in ({', '.join(map(repr, self.value))})"
        return f"{self.column} {self.op.value} {self.value!r}"


class InvalidQueryError(ValueError):
    """A sort or filter names a column the relation does not have, lacks a value, or asks
    what the engine cannot do (the message is for a person)."""


def condition(
    col: ColumnElement[Any], spec: FilterSpec, strategy: DialectStrategy
) -> ColumnElement[bool]:
    """The WHERE expression of ``spec`` on ``col``, every value bound."""
    value = spec.value
    if spec.op.takes_value and value is None:
        raise InvalidQueryError(f"{spec.op.value} on {spec.column} needs a value")
    text = cast(col, String)  # what contains, like and regexp look in (numbers as text too)
    result: ColumnElement[bool]
    match spec.op:
        case FilterOp.EQ:
            result = col == value
        case FilterOp.NE:
            result = col.is_distinct_from(value)
        case FilterOp.LT:
            result = col < value
        case FilterOp.LE:
            result = col <= value
        case FilterOp.GT:
            result = col > value
        case FilterOp.GE:
            result = col >= value
        case FilterOp.IN:
            result = col.in_(_values(spec, at_least=1))
        case FilterOp.BETWEEN:
            low, high = _values(spec, exactly=2)
            result = col.between(low, high)
        case FilterOp.CONTAINS:
            result = text.contains(str(value), autoescape=True)
        case FilterOp.STARTS_WITH:
            result = text.startswith(str(value), autoescape=True)
        case FilterOp.LIKE:
            result = text.like(str(value))
        case FilterOp.NOT_LIKE:
            # NULL is not like anything: those rows are shown too, as ≠ shows them.
            result = text.not_like(str(value)) | col.is_(None)
        case FilterOp.REGEXP:
            if not strategy.has_regexp:
                raise InvalidQueryError(f"this database ({strategy.name}) has no regexp operator")
            result = text.regexp_match(str(value))
        case FilterOp.IS_NULL:
            result = col.is_(None)
        case FilterOp.NOT_NULL:
            result = col.is_not(None)
    return result


def _values(spec: FilterSpec, *, at_least: int = 0, exactly: int = 0) -> tuple[Any, ...]:
    value = spec.value
    values = tuple(value) if isinstance(value, tuple | list) else (value,)
    if exactly and len(values) != exactly:
        raise InvalidQueryError(f"{spec.op.value} on {spec.column} needs {exactly} values")
    if len(values) < at_least:
        raise InvalidQueryError(f"{spec.op.value} on {spec.column} needs a value")
    return values
