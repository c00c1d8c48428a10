"""Matches of the view's text filters inside a cell: split, never changed."""

from __future__ import annotations

import pytest

from tui.db.paging import FilterOp, FilterSpec
from tui.text.cells import Part, cell_pieces
from tui.text.highlight import column_patterns, filter_pattern, like_pattern, mark_matches


def marked(value: object, spec: FilterSpec, width: int = 30, *, fold: bool = True) -> list[str]:
    pattern = filter_pattern(spec, like_ignores_case=fold)
    assert pattern is not None
    pieces = cell_pieces(value, width)
    split = mark_matches(pieces, [pattern])
    # The pieces are only split: joined again they are what the cell shows without a match.
    assert "".join(t for t, _, _ in split) == "".join(t for t, _ in pieces)
    return [t for t, _, hit in split if hit]


@pytest.mark.parametrize(
    ("value", "spec", "expected"),
    [
        ("banana", FilterSpec("c", FilterOp.CONTAINS, "an"), ["anan"]),  # adjacent: one run
        ("Banana", FilterSpec("c", FilterOp.CONTAINS, "ba"), ["Ba"]),
        ("banana", FilterSpec("c", FilterOp.STARTS_WITH, "an"), []),
        ("banana", FilterSpec("c", FilterOp.STARTS_WITH, "ban"), ["ban"]),
        ("banana", FilterSpec("c", FilterOp.EQ, "banana"), ["banana"]),
        ("bananas", FilterSpec("c", FilterOp.EQ, "banana"), []),
        ("banana", FilterSpec("c", FilterOp.LIKE, "%n_n%"), ["nan"]),
        ("banana", FilterSpec("c", FilterOp.LIKE, "b%a"), ["banana"]),
        ("banana", FilterSpec("c", FilterOp.REGEXP, "a(?=n)"), ["a", "a"]),
        ("a.b", FilterSpec("c", FilterOp.CONTAINS, "."), ["."]),  # literal, not any char
        ("50% off", FilterSpec("c", FilterOp.LIKE, "%0\\%%"), []),  # no escape in LIKE here
        (1234, FilterSpec("c", FilterOp.CONTAINS, "23"), ["23"]),
        # An escape is shown as an escape, and never matched as the text \x1b.
        ("a\x1bx1b", FilterSpec("c", FilterOp.CONTAINS, "x1b"), ["x1b"]),
        # Markup stays text; the match is on the characters as typed.
        ("[bold]x[/bold]", FilterSpec("c", FilterOp.CONTAINS, "[bold]"), ["[bold]"]),
    ],
)
def test_matches(value: object, spec: FilterSpec, expected: list[str]) -> None:
    assert marked(value, spec) == expected


def test_escapes_keep_their_part_and_are_never_highlighted() -> None:
    pattern = filter_pattern(FilterSpec("c", FilterOp.REGEXP, "a.b"), like_ignores_case=False)
    assert pattern is not None
    split = mark_matches(cell_pieces("a\tb a-b", 30), [pattern])
    assert ("⇥", Part.ESCAPE, False) in split
    # The tab is a real character of the value, so a.b matches across it; its escape is
    # still drawn as an escape, not highlighted.
    assert [t for t, _, hit in split if hit] == ["a", "b", "a-b"]


def test_case_follows_the_engine_for_like_and_is_ignored_by_contains() -> None:
    like = FilterSpec("c", FilterOp.LIKE, "%an%")
    assert marked("BANANA", like, fold=True) == ["ANAN"]
    assert marked("BANANA", like, fold=False) == []
    # contains and the search ignore case on every engine (PostgreSQL: ILIKE).
    contains = FilterSpec("c", FilterOp.CONTAINS, "an")
    assert marked("BANANA", contains, fold=False) == ["ANAN"]
    found = column_patterns([], "ünï", ["c"], like_ignores_case=False)["c"]
    assert [t for t, _, hit in mark_matches(cell_pieces("ÜNÏcode", 30), found) if hit] == ["ÜNÏ"]


def test_a_cut_value_shows_matches_before_the_cut_only() -> None:
    spec = FilterSpec("c", FilterOp.CONTAINS, "xy")
    assert marked("xy" + "-" * 20 + "xy", spec, width=10) == ["xy"]


def test_nothing_to_mark() -> None:
    for spec in (
        FilterSpec("c", FilterOp.NOT_LIKE, "a%"),
        FilterSpec("c", FilterOp.IS_NULL),
        FilterSpec("c", FilterOp.GT, 3),
        FilterSpec("c", FilterOp.EQ, 3),
        FilterSpec("c", FilterOp.LIKE, "%%"),
        FilterSpec("c", FilterOp.REGEXP, "[[:alpha:]"),  # a server's syntax Python cannot read
    ):
        assert filter_pattern(spec, like_ignores_case=True) is None, spec
    assert like_pattern("__") is None


def test_a_catastrophic_pattern_does_not_hang_the_drawing() -> None:
    spec = FilterSpec("c", FilterOp.REGEXP, "(a|aa)+$")
    pattern = filter_pattern(spec, like_ignores_case=False)
    assert pattern is not None
    split = mark_matches(cell_pieces("a" * 60 + "!", 80), [pattern])
    assert not any(hit for _, _, hit in split)


def test_column_patterns_from_filters_and_search() -> None:
    patterns = column_patterns(
        [FilterSpec("name", FilterOp.CONTAINS, "an"), FilterSpec("qty", FilterOp.GT, 1)],
        "zz",
        ["name", "note"],
        like_ignores_case=True,
    )
    assert sorted(patterns) == ["name", "note"]
    assert len(patterns["name"]) == 2 and len(patterns["note"]) == 1


def test_conditions_read_as_typed() -> None:
    import datetime as dt
    import uuid
    from decimal import Decimal

    day = dt.date(2024, 1, 1)
    assert str(FilterSpec("d", FilterOp.BETWEEN, (day, dt.date(2024, 12, 31)))) == (
        "d between '2024-01-01' and '2024-12-31'"
    )
    assert str(FilterSpec("t", FilterOp.EQ, dt.datetime(2024, 1, 1, 13, 45))) == (
        "t = '2024-01-01 13:45:00'"
    )
    assert str(FilterSpec("n", FilterOp.IN, (1, Decimal("2.50"), True))) == "n in (1, 2.50, true)"
    assert str(FilterSpec("u", FilterOp.EQ, uuid.UUID(int=1))) == (
        "u = '00000000-0000-0000-0000-000000000001'"
    )
    assert str(FilterSpec("b", FilterOp.EQ, b"\x00\xff")) == "b = x'00ff'"
    assert str(FilterSpec("s", FilterOp.LIKE, "it's%")) == "s like 'it''s%'"
    assert str(FilterSpec("s", FilterOp.REGEXP, r"\d+")) == r"s regexp '\d+'"
