"""Fuzzy matching of names typed in a filter: which match, and in what order.

An exact name comes first, then names that start with what was typed, then names with a
word that starts with it, then names that contain it, then names holding its letters in
order (``osp`` finds ``order_spells``). Typing ``spells`` and Enter must open ``spells``, not
``cheap_spells`` listed before it.
"""

from __future__ import annotations

from collections.abc import Sequence

_WORD_BREAKS = frozenset(" _-.:/")


def match_score(needle: str, name: str) -> tuple[int, int, int] | None:
    """How well ``name`` matches ``needle`` (lower is better), None when it does not.

    Case does not matter. The score is (tier, a measure within the tier, the name's length).
    """
    needle, name = needle.casefold(), name.casefold()
    if not needle:
        return (0, 0, 0)
    if name == needle:
        return (0, 0, len(name))
    if name.startswith(needle):
        return (1, 0, len(name))
    at = name.find(needle)
    while at > 0:
        if name[at - 1] in _WORD_BREAKS:
            return (2, at, len(name))
        at = name.find(needle, at + 1)
    at = name.find(needle)
    if at >= 0:
        return (3, at, len(name))
    span = _subsequence_span(needle, name)
    if span is not None:
        return (4, span, len(name))
    return None


def rank(needle: str, names: Sequence[str]) -> list[int]:
    """The indexes of the names that match ``needle``, best first; ties keep their order."""
    scores = [(match_score(needle, name), i) for i, name in enumerate(names)]
    scored = [(score, i) for score, i in scores if score is not None]
    if not needle:
        return [i for _, i in scored]
    return [i for _, i in sorted(scored)]


def _subsequence_span(needle: str, name: str) -> int | None:
    """The length of the shortest stretch of ``name`` holding ``needle``'s letters in order."""
    best: int | None = None
    start = name.find(needle[0])
    while start >= 0:
        at = start
        for char in needle[1:]:
            at = name.find(char, at + 1)
            if at < 0:
                return best
        span = at - start + 1
        best = span if best is None else min(best, span)
        start = name.find(needle[0], start + 1)
    return best


__all__ = ["match_score", "rank"]
