"""SQLite's ``REGEXP`` on dbbrowse's own connections, with a time limit per value.

SQLite parses ``x REGEXP y`` but has no function behind it: each connection may register a
``regexp(pattern, value)``. dbbrowse registers this one on the connections it opens (it is a
property of the connection, not of the file: nothing is written). Patterns use the syntax of
the ``regex`` package (Python's ``re`` syntax), which can stop a match after a time limit: a
pattern that backtracks catastrophically (``(a|aa)+$`` on a long run of a's) makes the
statement fail after :data:`MATCH_TIMEOUT_S` on one value, with :data:`TIMEOUT_MESSAGE`,
instead of keeping SQLite's thread busy for hours. Esc still interrupts between values.

SQLAlchemy's pysqlite dialect registers an unguarded ``regexp`` first; this one replaces it.
dbbrowse's filters call it as ``regexp(pattern, CAST(x AS BLOB))`` and the value is read as the
grid shows it (:mod:`tui.db.sqlite_calls`): a BLOB as its text, a text that is not valid UTF-8
by its valid parts. Only the time limit is reported as :data:`TIMEOUT_MESSAGE`.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any

import regex

from tui.db.sqlite_calls import guarded, value_text

#: The longest one value may be matched against one pattern.
MATCH_TIMEOUT_S = 0.5
TIMEOUT_MESSAGE = (
    f"the regular expression took longer than {MATCH_TIMEOUT_S:g} s on one value"
    " (a pattern that backtracks without end, such as (a|aa)+$?): simplify it"
)


class BadPatternError(ValueError):
    """The text is not a regular expression (the message says where, for a person)."""


@lru_cache(maxsize=64)
def compiled(pattern: str) -> regex.Pattern[str]:
    """``pattern`` compiled; :class:`BadPatternError` when it is not a regular expression."""
    try:
        return regex.compile(pattern)
    except regex.error as exc:
        raise BadPatternError(f"not a regular expression: {exc}") from None


def _timed_out(exc: Exception) -> str | None:
    return TIMEOUT_MESSAGE if isinstance(exc, TimeoutError) else None


@guarded("regexp", _timed_out)
def regexp(pattern: str | None, value: Any) -> bool | None:
    """SQLite's ``value REGEXP pattern``: NULL for NULL, else whether the pattern is found."""
    if pattern is None or value is None:
        return None
    # TimeoutError (or a bad pattern) fails the statement: see TIMEOUT_MESSAGE.
    return compiled(pattern).search(value_text(value), timeout=MATCH_TIMEOUT_S) is not None


def install(dbapi_connection: Any) -> None:
    """Register :func:`regexp` on a connection SQLAlchemy just opened (its connect event)."""
    dbapi_connection.create_function("regexp", 2, regexp, deterministic=True)
