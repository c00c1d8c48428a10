"""How dbbrowse's own SQLite functions read a value, and what they report when they fail.

Python's ``sqlite3`` decodes a TEXT argument as strict UTF-8 *before* calling a function: a
text that is not valid UTF-8 (or a BLOB cast to text) makes the call fail without the
function ever running. dbbrowse therefore passes what its functions read as a BLOB
(``CAST(x AS BLOB)``, the same bytes) and decodes it here the way the grid shows it:
valid UTF-8 as its characters, each other byte as a lone surrogate (``\\xNN`` on screen),
which no typed text contains, so such a value is matched by its valid parts.

SQLite reports any exception inside a function as :data:`FUNCTION_FAILED`, the cause lost.
:func:`guarded` keeps the cause (a regular expression's time limit or anything else) for
:func:`take_failure`, so an error is never told as another.
"""

from __future__ import annotations

import functools
import logging
import threading
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

log = logging.getLogger(__name__)

#: SQLite's message for any exception inside a function (the cause is not passed on).
FUNCTION_FAILED = "user-defined function raised exception"

P = ParamSpec("P")
R = TypeVar("R")

_lock = threading.Lock()
_last_failure: list[str] = []


def value_text(value: Any) -> str:
    """The text a function reads from a SQL value (bytes decoded as the grid shows them)."""
    if isinstance(value, bytes):
        return value.decode("utf-8", "surrogateescape")
    return str(value)


def guarded(
    name: str, explain: Callable[[Exception], str | None] = lambda _exc: None
) -> Callable[[Callable[P, R]], Callable[P, R]]:
    """Keep why ``name`` failed (``explain(exc)``, or the exception itself) for
    :func:`take_failure`, then let the statement fail as SQLite makes it."""

    def decorate(fn: Callable[P, R]) -> Callable[P, R]:
        @functools.wraps(fn)
        def call(*args: P.args, **kwargs: P.kwargs) -> R:
            try:
                return fn(*args, **kwargs)
            except Exception as exc:
                reason = explain(exc)
                if reason is None:
                    log.exception("dbbrowse's SQL function %s() failed", name)
                    reason = f"dbbrowse's {name}() failed on a value: {type(exc).__name__}: {exc}"
                with _lock:
                    _last_failure[:] = [reason]
                raise

        return call

    return decorate


def take_failure() -> str | None:
    """Why the latest failed call of one of dbbrowse's functions failed (once), if one did."""
    with _lock:
        return _last_failure.pop() if _last_failure else None
