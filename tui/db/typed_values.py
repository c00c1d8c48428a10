"""Text typed by a person, turned into the value a column compares with (or stores).

A filter value, a go-to row number and, later, an edited cell are typed as text. What that
text means depends on the column, never on what the text happens to look like: ``007`` in a
text column is the string ``"007"``; in an integer column it is 7; ``abc`` in an integer
column is refused with a sentence, and nothing runs. On PostgreSQL the Python type of a bound
value becomes the parameter's SQL type (asyncpg casts ``$1::INTEGER``), so comparing a
``varchar`` with an int fails: the type must come from the column.

Each column gets a :class:`~tui.db.model.ValueKind` when the catalog reads it: on SQLite from
its declared type by the affinity rules (https://www.sqlite.org/datatype3.html, section 3.1),
on the servers from the SQLAlchemy type the dialect reflects. :func:`parse_value` then does
the rest and raises :class:`BadValueError` (a ``ValueError``) with a message for a person.
"""

from __future__ import annotations

import datetime as dt
import math
import re
import uuid
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any, TypeVar

from sqlalchemy import (
    JSON,
    Boolean,
    Date,
    DateTime,
    Float,
    Integer,
    LargeBinary,
    Numeric,
    String,
    Time,
    TypeDecorator,
    Uuid,
)
from sqlalchemy.types import NullType, TypeEngine

from tui.db.model import ValueKind

__all__ = [
    "BadValueError",
    "ValueKind",
    "kind_from_affinity",
    "kind_from_type",
    "parse_value",
    "sqlite_affinity",
]

T = TypeVar("T")
INT64_MIN, INT64_MAX = -(2**63), 2**63 - 1
# SQLite's own literal syntax (and Python's, minus underscores, nan and inf).
_INTEGER = re.compile(r"[+-]?\d+", re.ASCII)  # ASCII: not other scripts' digits
_REAL = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", re.ASCII)
_INFINITY = re.compile(r"[+-]?inf(inity)?", re.ASCII | re.IGNORECASE)  # as cells show it
_CANONICAL_INTEGER = re.compile(r"0|-?[1-9]\d*", re.ASCII)
_HEX_BLOB = re.compile(r"[xX]'((?:[0-9a-fA-F]{2})*)'")
_TRUE = frozenset({"true", "t", "yes", "y", "on", "1"})
_FALSE = frozenset({"false", "f", "no", "n", "off", "0"})


class BadValueError(ValueError):
    """The text is not a value of the column's type; the message says why, for a person."""


def sqlite_affinity(declared: str) -> str:
    """The affinity SQLite gives a column declared as ``declared`` (rules of section 3.1).

    The rules apply in order: "INT" anywhere gives INTEGER (so ``POINT`` is an integer
    column); "CHAR", "CLOB" or "TEXT" give TEXT; "BLOB" or no type at all give BLOB (no
    affinity); "REAL", "FLOA" or "DOUB" give REAL; anything else (``DATE``, ``BOOLEAN``,
    ``DECIMAL(10,2)``, ``STRING``) gives NUMERIC.
    """
    t = declared.upper()
    if "INT" in t:
        return "INTEGER"
    if "CHAR" in t or "CLOB" in t or "TEXT" in t:
        return "TEXT"
    if "BLOB" in t or not t.strip():
        return "BLOB"
    if "REAL" in t or "FLOA" in t or "DOUB" in t:
        return "REAL"
    return "NUMERIC"


_AFFINITY_KINDS = {
    "INTEGER": ValueKind.INTEGER,
    "TEXT": ValueKind.TEXT,
    "BLOB": ValueKind.ANY,  # no affinity: SQLite stores what it is given
    "REAL": ValueKind.REAL,
    "NUMERIC": ValueKind.NUMERIC,
}


def kind_from_affinity(declared: str) -> ValueKind:
    """The value kind of a SQLite column declared as ``declared``."""
    return _AFFINITY_KINDS[sqlite_affinity(declared)]


# Checked in order: Boolean before Integer (MySQL keeps it as TINYINT), Float before Numeric.
_TYPE_KINDS: tuple[tuple[type[TypeEngine[Any]], ValueKind], ...] = (
    (Boolean, ValueKind.BOOLEAN),
    (Integer, ValueKind.INTEGER),
    (Float, ValueKind.REAL),  # before Numeric: Float subclasses it in SQLAlchemy 2.0
    (Numeric, ValueKind.DECIMAL),
    (Uuid, ValueKind.UUID),
    (JSON, ValueKind.TEXT),  # MariaDB keeps JSON as LONGTEXT
    (String, ValueKind.TEXT),  # Enum too: MySQL compares an ENUM with a number by index
    (LargeBinary, ValueKind.BINARY),
    (DateTime, ValueKind.DATETIME),
    (Date, ValueKind.DATE),
    (Time, ValueKind.TIME),
)


def kind_from_type(type_: TypeEngine[Any]) -> ValueKind:
    """The value kind of a column of SQLAlchemy type ``type_`` (as a server reflects it)."""
    if isinstance(type_, TypeDecorator):
        type_ = type_.impl_instance
    if isinstance(type_, NullType):
        return ValueKind.ANY
    for cls, kind in _TYPE_KINDS:
        if isinstance(type_, cls):
            return kind
    return ValueKind.ANY


def parse_value(text: str, kind: ValueKind) -> Any:
    """``text`` as a value of a column of ``kind``; :class:`BadValueError` when it is not one.

    - TEXT: the text exactly as typed (spaces and leading zeros kept).
    - INTEGER: an integer (``-12``, ``007`` is 7) within 64 bits; anything else is refused.
    - REAL, DECIMAL: a number (``1.5``, ``-3``, ``2e10``) as float or :class:`~decimal.Decimal`.
    - NUMERIC (SQLite): a number when the text is one, else the text (a ``DATE`` column holds
      ``2024-05-01`` as text), which is what SQLite itself does with such a value.
    - ANY (no affinity, unknown type): a number only when the text is written exactly as the
      number would print (``7``, ``-2.5``; not ``007`` or ``1.50``), ``x'00ff'`` as bytes,
      else the text.
    - BOOLEAN: true/false, t/f, yes/no, on/off, 1/0.
    - DATE, DATETIME, TIME: ISO 8601 (``2024-05-01``, ``2024-05-01 13:45:00``, ``13:45``).
    - UUID: any form :class:`uuid.UUID` reads. BINARY: ``x'00ff'``, else the text's UTF-8.
    """
    stripped = text.strip()
    match kind:
        case ValueKind.TEXT:
            return text
        case ValueKind.INTEGER:
            return _integer(stripped)
        case ValueKind.REAL:
            return float(_number(stripped, "a number"))
        case ValueKind.DECIMAL:
            return _number(stripped, "a decimal number")
        case ValueKind.NUMERIC:
            return _sqlite_numeric(stripped) if _REAL.fullmatch(stripped) else text
        case ValueKind.BOOLEAN:
            return _boolean(stripped)
        case ValueKind.DATE:
            return _iso(stripped, dt.date.fromisoformat, "a date (YYYY-MM-DD)")
        case ValueKind.DATETIME:
            return _iso(stripped, dt.datetime.fromisoformat, "a date and time (ISO 8601)")
        case ValueKind.TIME:
            return _iso(stripped, dt.time.fromisoformat, "a time (HH:MM[:SS])")
        case ValueKind.UUID:
            return _uuid(stripped)
        case ValueKind.BINARY:
            blob = _HEX_BLOB.fullmatch(stripped)
            return bytes.fromhex(blob.group(1)) if blob else text.encode("utf-8")
        case ValueKind.ANY:
            return _guess(text)
    raise AssertionError(kind)  # pragma: no cover - every kind is handled above


def parse_loose_value(text: str, kind: ValueKind) -> Any:
    """``text`` as :func:`parse_value` reads it, or, where that refuses it, as what a column
    that is not strictly typed (SQLite's, but for STRICT tables) may hold all the same: a
    real (``1e+23`` or ``inf`` in an INTEGER column) or the text as typed (``abc``). Every
    value such a column shows can then be matched; a comparison with text leaves the stored
    numbers alone (SQLite converts a text compared with a numeric column only when it reads
    as a number)."""
    try:
        return parse_value(text, kind)
    except BadValueError:
        stripped = text.strip()
        if _REAL.fullmatch(stripped) or _INFINITY.fullmatch(stripped):
            return float(stripped)
        return text


def _integer(text: str) -> int:
    if not _INTEGER.fullmatch(text):
        raise BadValueError(f"not an integer: {text!r}")
    value = int(text)
    if not INT64_MIN <= value <= INT64_MAX:
        raise BadValueError(f"out of range for a 64-bit integer: {text}")
    return value


def _number(text: str, what: str) -> Decimal:
    if not _REAL.fullmatch(text):
        raise BadValueError(f"not {what}: {text!r}")
    try:
        value = Decimal(text)
    except InvalidOperation:  # pragma: no cover - the pattern admits only valid literals
        raise BadValueError(f"not {what}: {text!r}") from None
    if not math.isfinite(float(value)):
        raise BadValueError(f"out of range: {text}")
    return value


def _sqlite_numeric(text: str) -> int | float:
    # NUMERIC affinity keeps an integer literal as INTEGER when it fits in 64 bits, and
    # makes every other number a REAL.
    if _INTEGER.fullmatch(text) and INT64_MIN <= int(text) <= INT64_MAX:
        return int(text)
    value = float(text)
    if not math.isfinite(value):
        raise BadValueError(f"out of range: {text}")
    return value


def _guess(text: str) -> Any:
    if _CANONICAL_INTEGER.fullmatch(text) and INT64_MIN <= int(text) <= INT64_MAX:
        return int(text)
    if _REAL.fullmatch(text) and not _INTEGER.fullmatch(text):
        value = float(text)
        if math.isfinite(value) and repr(value) == text:
            return value
    blob = _HEX_BLOB.fullmatch(text)
    if blob:
        return bytes.fromhex(blob.group(1))
    return text


def _boolean(text: str) -> bool:
    lowered = text.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise BadValueError(f"not true or false: {text!r}")


def _iso(text: str, parse: Callable[[str], T], what: str) -> T:
    try:
        return parse(text)
    except ValueError:
        raise BadValueError(f"not {what}: {text!r}") from None


def _uuid(text: str) -> uuid.UUID:
    try:
        return uuid.UUID(text)
    except ValueError:
        raise BadValueError(f"not a UUID: {text!r}") from None
