"""What is typed in the filter dialog, turned into a condition's value.

Each operator reads the text its own way, and every value is read by the column's type
(:func:`tui.db.typed_values.parse_value`), never by what the text looks like; in a column
that is not strictly typed (SQLite's), a value that is not of its type is still matched as
what it may hold (a real, or the text):

- ``=`` ``≠`` ``<`` ``≤`` ``>`` ``≥``: one value of the column's type.
- ``in``: values separated by commas, each of the column's type (``1, 2, 5``); a value that
  holds a comma is written in double quotes (``"Smith, J", Doe``).
- ``between``: two such values, low and high (``10, 20``), both included.
- ``contains``, ``starts with``: the text exactly as typed.
- ``like``, ``not like``: a pattern as typed: ``%`` any run of characters, ``_`` one.
- ``regexp``: a regular expression as typed; on SQLite checked here (it runs in dbbrowse,
  :mod:`tui.db.sqlite_regexp`), on a server by the server when the query runs.
"""

from __future__ import annotations

from typing import Any

from tui.db.conditions import FilterOp
from tui.db.model import ValueKind
from tui.db.pg_types import SPELLED
from tui.db.sqlite_regexp import BadPatternError, compiled
from tui.db.typed_values import BadValueError, parse_loose_value, parse_value

_DATED = frozenset({ValueKind.DATE, ValueKind.DATETIME})


def filter_value(
    op: FilterOp,
    text: str,
    kind: ValueKind,
    *,
    local_regexp: bool = False,
    loose: bool = False,
    infinities: bool = False,
) -> Any:
    """The value of a condition ``op`` typed as ``text`` on a column of ``kind``.

    :class:`~tui.db.typed_values.BadValueError` with a sentence for a person when the text is
    not one. ``local_regexp``: the pattern runs in dbbrowse (SQLite), so it is checked now.
    ``loose``: the column is not strictly typed (SQLite, not STRICT): a value that is not of
    its type is what it may hold all the same (:func:`~tui.db.typed_values.parse_loose_value`),
    so that any value the grid shows can be filtered on. ``infinities``: a date or timestamp
    may be ``infinity`` / ``-infinity`` (PostgreSQL).
    """
    by_type = parse_loose_value if loose else parse_value

    def parse(text: str, kind: ValueKind) -> Any:
        spelled = text.strip().lower()
        if infinities and kind in _DATED and spelled in SPELLED:
            return SPELLED[spelled]
        return by_type(text, kind)

    if not op.takes_value:
        return None
    if op is FilterOp.REGEXP:
        if not text:
            raise BadValueError("type a regular expression")
        if local_regexp:
            try:
                compiled(text)
            except BadPatternError as exc:
                raise BadValueError(str(exc)) from None
        return text
    if op.matches_text:
        return text
    if not op.takes_list:
        return parse(text, kind)
    items = split_values(text)
    if op is FilterOp.BETWEEN and len(items) != 2:
        raise BadValueError(f"between needs two values, low and high (e.g. 10, 20): {text!r}")
    if not items:
        raise BadValueError("in needs one or more values, separated by commas")
    values = tuple(parse(item, kind) for item in items)
    if op is FilterOp.BETWEEN and _after(values[0], values[1]):
        # SQL's BETWEEN does not swap its bounds: reversed, it silently matches no row.
        raise BadValueError(
            f"between takes the low value first: {items[0]} is after {items[1]}, so no row"
            f" could match (type {items[1]}, {items[0]})"
        )
    return values


def _after(low: object, high: object) -> bool:
    """Whether ``low`` sorts after ``high`` as SQLite orders values (numbers, text, blobs)."""
    rank = {int: 1, float: 1, bool: 1, str: 2, bytes: 3}
    a, b = rank.get(type(low)), rank.get(type(high))
    if a is None or b is None:
        return False  # NULL or a value of another kind: leave it to SQLite
    if a != b:
        return a > b
    return bool(low > high)  # type: ignore[operator]


def split_values(text: str) -> list[str]:
    """Comma-separated values; a value in double quotes keeps its commas and spaces (``""``
    inside it is one quote). Unquoted values lose their surrounding spaces, and an empty one
    is dropped (the empty text is written ``""``)."""
    values: list[str] = []
    i, n = 0, len(text)
    while i < n:
        while i < n and text[i] == " ":
            i += 1
        if i < n and text[i] == '"':
            value, i = _quoted(text, i + 1)
            while i < n and text[i] == " ":
                i += 1
            if i < n and text[i] != ",":
                raise BadValueError(f"a comma must follow a quoted value: {text!r}")
            values.append(value)
        else:
            end = text.find(",", i)
            end = n if end < 0 else end
            value = text[i:end].strip()
            if value:
                values.append(value)
            i = end
        i += 1  # past the comma
    return values


def _quoted(text: str, i: int) -> tuple[str, int]:
    """The value of a quoted field starting after its opening quote, and where it ends."""
    chars: list[str] = []
    while i < len(text):
        if text[i] == '"':
            if text[i + 1 : i + 2] == '"':
                chars.append('"')
                i += 2
                continue
            return "".join(chars), i + 1
        chars.append(text[i])
        i += 1
    raise BadValueError(f"a quote is not closed: {text!r}")
