"""Case-blind "contains" for every letter on SQLite, on dbbrowse's own connections.

SQLite's ``lower()`` and ``LIKE`` fold ASCII letters only: ``ünïcode`` does not find
``Ünïcode``. :func:`contains_folded` compares Python's ``casefold()`` of both (``ß`` is
``ss``, ``É`` is ``é``); it is registered on each connection dbbrowse opens (a property of the
connection: nothing is written) and used only for a needle with letters outside ASCII
(:func:`needs_folding`), so a search for ASCII text keeps SQLite's own ``instr(lower())``
and its speed on large tables. The value is passed as a BLOB and read as the grid shows it
(:mod:`tui.db.sqlite_calls`): a BLOB is searched as its text, as ``instr()`` searches it, and
a text that is not valid UTF-8 by its valid parts.
"""

from __future__ import annotations

from typing import Any

from tui.db.sqlite_calls import guarded, value_text

#: The SQL name of :func:`contains_folded` on dbbrowse's connections.
FUNCTION = "dbbrowse_contains_folded"


def needs_folding(needle: str) -> bool:
    """Whether ``needle`` has a letter with case outside ASCII (``lower()`` would miss it)."""
    return any(not c.isascii() and (c.lower() != c or c.upper() != c) for c in needle)


@guarded("contains")
def contains_folded(value: Any, needle: str | None) -> int | None:
    """1 when ``value`` contains ``needle`` ignoring case (Unicode), 0 if not, NULL for NULL."""
    if value is None or needle is None:
        return None
    return int(needle.casefold() in value_text(value).casefold())


def install(dbapi_connection: Any) -> None:
    """Register :func:`contains_folded` on a connection SQLAlchemy just opened."""
    dbapi_connection.create_function(FUNCTION, 2, contains_folded, deterministic=True)
