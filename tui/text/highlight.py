"""Where the view's text filters match inside a grid cell, to highlight them.

A condition that looks for text (``=`` a text, ``contains``, ``starts with``, ``like``,
``regexp``) and the quick search each become a pattern of the ``regex`` package, per column.
The grid asks :func:`mark_matches` to split a cell's pieces (:func:`tui.text.cells.cell_pieces`)
at the matches; the pieces themselves are never changed, so the literal display rules
(escapes, markers, quotes, the ellipsis) hold with or without highlighting.

Only plain text and numbers are highlighted: an escape (``\\x1b``), a marker (``∅ NULL``,
``⟨empty⟩``) or a cut (``…``) never is, and its own text is never matched (a pattern's ``.``
may still stand for the one character an escape shows). What is on screen is
the start of a value, so a match past the cut is not shown. The patterns approximate each
engine: ``contains`` and the quick search ignore case on every engine, ``like`` and
``starts with`` where the engine's LIKE does (SQLite, MariaDB), and a ``regexp`` is read
with Python's syntax (exact on SQLite, close on the servers); a pattern Python cannot read
highlights nothing. Each search stops after :data:`TIMEOUT_S`.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import regex

from tui.db.filter_spec import FilterOp, FilterSpec
from tui.text.cells import Part, Pieces

#: The longest one cell's search may take while a line is drawn.
TIMEOUT_S = 0.01
_SEARCHED = frozenset({Part.TEXT, Part.NUMBER})
#: Stands for an unsearchable piece's characters: matches no pattern built here from text.
_HOLE = "\x00"

Patterns = Mapping[str, Sequence[regex.Pattern[str]]]


def filter_pattern(spec: FilterSpec, *, like_ignores_case: bool) -> regex.Pattern[str] | None:
    """The pattern of what ``spec`` matches in a cell's text; None when it matches no text."""
    value = spec.value
    fold = regex.IGNORECASE if like_ignores_case else 0
    source: str | None = None
    flags = 0
    match spec.op:
        case FilterOp.EQ if isinstance(value, str) and value:
            source = rf"\A{regex.escape(value)}\Z"
        case FilterOp.CONTAINS if value:
            source, flags = regex.escape(str(value)), regex.IGNORECASE
        case FilterOp.STARTS_WITH if value:
            source, flags = rf"\A{regex.escape(str(value))}", fold
        case FilterOp.LIKE if value:
            source, flags = like_pattern(str(value)), fold
        case FilterOp.REGEXP if value:
            source = str(value)
    if source is None:
        return None
    try:
        return regex.compile(source, flags)
    except regex.error:
        return None  # a server's own syntax Python cannot read: nothing to highlight


def like_pattern(like: str) -> str | None:
    """A LIKE pattern as a regular expression for what it matches: ``%`` at either end is
    left out (so ``%an%`` marks just the ``an``), ``%`` inside is any run, ``_`` one
    character. None when only wildcards are left (everything matches: nothing to mark)."""
    start, end = not like.startswith("%"), not like.endswith("%")
    core = like.strip("%")
    if not core.strip("_%"):
        return None
    parts = [".*?" if c == "%" else "." if c == "_" else regex.escape(c) for c in core]
    return ("\\A" if start else "") + "".join(parts) + ("\\Z" if end else "")


def column_patterns(
    filters: Sequence[FilterSpec],
    search: str,
    search_columns: Sequence[str],
    *,
    like_ignores_case: bool,
) -> dict[str, list[regex.Pattern[str]]]:
    """Each column's patterns from the view's conditions and its quick search."""
    patterns: dict[str, list[regex.Pattern[str]]] = {}
    for spec in filters:
        pattern = filter_pattern(spec, like_ignores_case=like_ignores_case)
        if pattern is not None:
            patterns.setdefault(spec.column, []).append(pattern)
    if search:
        found = regex.compile(regex.escape(search), regex.IGNORECASE)
        for name in search_columns:
            patterns.setdefault(name, []).append(found)
    return patterns


def mark_matches(
    pieces: Pieces, patterns: Sequence[regex.Pattern[str]]
) -> list[tuple[str, Part, bool]]:
    """``pieces`` split where a pattern matches, each with whether it is part of a match."""
    if not patterns or not pieces:
        return [(text, part, False) for text, part in pieces]
    joined = "".join(t if p in _SEARCHED else _HOLE * len(t) for t, p in pieces)
    marked = [False] * len(joined)
    for pattern in patterns:
        try:
            for found in pattern.finditer(joined, timeout=TIMEOUT_S):
                for i in range(found.start(), found.end()):
                    marked[i] = joined[i] != _HOLE
        except TimeoutError:
            continue  # a pattern too slow to draw with: this cell shows no match for it
    result: list[tuple[str, Part, bool]] = []
    at = 0
    for text, part in pieces:
        start = 0
        for i in range(1, len(text) + 1):
            if i == len(text) or marked[at + i] != marked[at + start]:
                result.append((text[start:i], part, marked[at + start]))
                start = i
        at += len(text)
    return result
