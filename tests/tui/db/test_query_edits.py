"""The browse keys' effect on a query, without a terminal."""

from __future__ import annotations

import pytest

from tui.db.model import (
    ColumnInfo,
    ForeignKeyInfo,
    KeyKind,
    TableDetails,
    TableInfo,
    TableKind,
    TableRef,
)
from tui.db.paging import FilterOp, FilterSpec, RowQuery, SortSpec
from tui.db.query_edits import (
    NoForeignKeyError,
    foreign_key_target,
    parse_position,
    toggle_sort,
    with_filter,
    with_search,
)
from tui.db.typed_values import BadValueError


def table(name: str, *columns: str, pk: int = 1) -> TableInfo:
    cols = tuple(
        ColumnInfo(c, "INTEGER", primary_key=(i + 1 if i < pk else 0))
        for i, c in enumerate(columns)
    )
    return TableInfo(TableRef(name), TableKind.TABLE, cols, columns[:pk], KeyKind.PRIMARY_KEY)


def test_sort_cycles_ascending_descending_off_and_keeps_filters() -> None:
    f = FilterSpec("a", FilterOp.GT, 1)
    q = RowQuery(filters=(f,), search="x")
    q1 = toggle_sort(q, "b")
    assert q1.sort == (SortSpec("b"),)
    q2 = toggle_sort(q1, "b")
    assert q2.sort == (SortSpec("b", descending=True),)
    q3 = toggle_sort(q2, "b")
    assert q3.sort == ()
    assert q3.filters == (f,)
    assert q3.search == "x"


def test_filters_accumulate_and_search_replaces() -> None:
    a = FilterSpec("a", FilterOp.IS_NULL)
    b = FilterSpec("b", FilterOp.EQ, 2)
    q = with_filter(with_filter(RowQuery(), a), b)
    assert q.filters == (a, b)
    assert with_search(with_search(q, "one"), "two").search == "two"


@pytest.mark.parametrize(
    ("answer", "total", "expected"),
    [("1", 10, 0), ("1,000", 5000, 999), ("50%", 101, 50), ("100%", 11, 10), (" 0% ", 9, 0)],
)
def test_parse_position(answer: str, total: int, expected: int) -> None:
    assert parse_position(answer, total) == expected


def test_parse_position_rejects_words() -> None:
    with pytest.raises(ValueError, match="half"):
        parse_position("half", 10)


@pytest.mark.parametrize(
    ("answer", "message"),
    [
        ("inf%", "not a number"),  # once an OverflowError that escaped to the user
        ("nan%", "not a number"),
        ("150%", "from 0% to 100%"),
        ("-5%", "from 0% to 100%"),
        ("0", "numbered from 1"),
        ("-3", "numbered from 1"),
        ("1.5", "not a row number"),
        ("1e3", "not a row number"),
        ("", "not a row number"),
    ],
)
def test_parse_position_refuses_what_is_not_a_position(answer: str, message: str) -> None:
    with pytest.raises(BadValueError, match=message):
        parse_position(answer, 10)


def test_foreign_key_target_builds_an_equality_query() -> None:
    people = table("people", "id", "name")
    pets = table("pets", "id", "owner_id", "name")
    fk = ForeignKeyInfo(("owner_id",), "people", ("id",))
    details = TableDetails(pets, foreign_keys=(fk,))
    target, query = foreign_key_target(
        details, ["id", "owner_id", "name"], (1, 42, "Rex"), "owner_id", [people, pets]
    )
    assert target is people
    assert query.filters == (FilterSpec("id", FilterOp.EQ, 42),)
    with pytest.raises(NoForeignKeyError, match="not a foreign key"):
        foreign_key_target(details, ["id", "owner_id", "name"], (1, 42, "Rex"), "name", [people])
    with pytest.raises(NoForeignKeyError, match="NULL"):
        foreign_key_target(
            details, ["id", "owner_id", "name"], (1, None, "x"), "owner_id", [people]
        )
    with pytest.raises(NoForeignKeyError, match="no table"):
        foreign_key_target(details, ["id", "owner_id", "name"], (1, 42, "x"), "owner_id", [pets])


def test_leading_key_columns_counts_the_pk_prefix() -> None:
    pairs = table("pairs", "a", "b", "v", pk=2)
    assert pairs.leading_key_columns(["a", "b", "v"]) == 2
    assert pairs.leading_key_columns(["b", "a", "v"]) == 0
    assert pairs.leading_key_columns(["a", "v"]) == 1
