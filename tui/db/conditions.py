"""Filter conditions as SQL: the expression for one :class:`~tui.db.filter_spec.FilterSpec`.

A :class:`FilterSpec` is one condition (column, operator, value); a view's conditions are
combined with AND (:class:`tui.db.paging.RowQuery`). Every value is a bound parameter, and
every column an identifier SQLAlchemy quotes; a pattern (``like``, ``regexp``) is a value
too, never SQL text.

``contains`` (and the quick search) ignores letter case on every engine, accents counting
(:meth:`DialectStrategy.contains`). What each engine does with a pattern is its own: ``like``
and ``starts with`` ignore ASCII case on SQLite and under MariaDB's default collations, not
on PostgreSQL; ``regexp`` is PostgreSQL's ``~``
(POSIX), MariaDB's ``REGEXP`` (PCRE) and, on SQLite, dbbrowse's own ``regexp()`` function
(:mod:`tui.db.sqlite_regexp`, Python's ``regex`` syntax), registered on dbbrowse's
connections only. An engine without one is told by :attr:`DialectStrategy.has_regexp`.
"""

from __future__ import annotations

from typing import Any

from sqlalchemy import ColumnElement, String, cast

from tui.db.dialects.base import DialectStrategy
from tui.db.filter_spec import FilterOp, FilterSpec
from tui.db.key_match import exact_param, has_surrogates

__all__ = ["FilterOp", "FilterSpec", "InvalidQueryError", "condition"]


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
    if _not_utf8(spec.value) and spec.op.matches_text:
        raise InvalidQueryError(
            f"{spec.op.value} on {spec.column}: the value holds bytes that are not UTF-8"
            " (shown \\xNN), which a pattern cannot hold; = finds that exact value"
        )
    value = _exact(value, strategy)
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
            result = col.in_([_exact(v, strategy) for v in _values(spec, at_least=1)])
        case FilterOp.BETWEEN:
            low, high = (_exact(v, strategy) for v in _values(spec, exactly=2))
            result = col.between(low, high)
        case FilterOp.CONTAINS:
            result = strategy.contains(text, str(value))
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
            result = strategy.regexp_match(text, str(value))
        case FilterOp.IS_NULL:
            result = col.is_(None)
        case FilterOp.NOT_NULL:
            result = col.is_not(None)
    return result


def _not_utf8(value: Any) -> bool:
    values = value if isinstance(value, tuple | list) else (value,)
    return any(isinstance(v, str) and has_surrogates(v) for v in values)


def _exact(value: Any, strategy: DialectStrategy) -> Any:
    """A value as bound for a comparison: a text that is not valid UTF-8 (read with
    surrogateescape, as a cell holding one prefills it) as its bytes cast to TEXT, which the
    driver can send (:func:`tui.db.key_match.exact_param`)."""
    return value if isinstance(value, tuple | list) else exact_param(strategy.name, value)


def _values(spec: FilterSpec, *, at_least: int = 0, exactly: int = 0) -> tuple[Any, ...]:
    value = spec.value
    values = tuple(value) if isinstance(value, tuple | list) else (value,)
    if exactly and len(values) != exactly:
        raise InvalidQueryError(f"{spec.op.value} on {spec.column} needs {exactly} values")
    if len(values) < at_least:
        raise InvalidQueryError(f"{spec.op.value} on {spec.column} needs a value")
    return values
