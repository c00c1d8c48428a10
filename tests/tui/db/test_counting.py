"""What the status bar may say about the number of rows, and reading before the count."""

from __future__ import annotations

from typing import Any, cast

from tui.db.counting import ScanPolicy, ViewCount, refresh_guess
from tui.db.model import RowCount
from tui.db.paging import FilterOp, FilterSpec, Page, RowQuery, SortSpec
from tui.db.tail import STEP_AHEAD_PAGES, TailRows, next_readable_page
from tui.db.window import RowWindow

PLAIN = RowQuery()
PAGE = 128


def test_a_short_first_page_is_the_exact_count() -> None:
    count = ViewCount.first_page(41, PAGE)
    assert count.exact and count.known == 41
    assert count.describe(40, PLAIN) == "row 41 of 41"
    assert count.grid_total(PAGE) == 41


def test_a_full_first_page_says_only_at_least() -> None:
    count = ViewCount.first_page(PAGE, PAGE)
    assert not count.exact and count.known is None
    assert count.describe(0, PLAIN) == "row 1 of ≥ 128"
    assert count.grid_total(PAGE) == 2 * PAGE  # room to scroll on into uncounted rows


def test_zero_rows_say_no_rows_and_which_filter() -> None:
    assert ViewCount.first_page(0, PAGE).describe(0, PLAIN) == "no rows"
    query = RowQuery(
        sort=(SortSpec("age"),), filters=(FilterSpec("age", FilterOp.GT, 200),), search="zz"
    )
    # The condition itself is the status bar's query slot's to say (once).
    assert ViewCount.first_page(0, PAGE).describe(0, query) == "no rows match"


def test_estimates_and_lower_bounds_are_labelled() -> None:
    seen = ViewCount.first_page(PAGE, PAGE)
    assert seen.with_count(RowCount(50_008)).describe(4, PLAIN) == "row 5 of ~50,008"
    capped = seen.with_count(RowCount(10_000, at_least=True))
    assert capped.describe(4, PLAIN) == "row 5 of > 10,000"
    assert capped.grid_total(PAGE) == 10_000
    exact = capped.with_count(RowCount(10_099, exact=True))
    assert exact.describe(4, PLAIN) == "row 5 of 10,099"
    assert exact.grid_total(PAGE) == 10_099


def test_more_rows_seen_than_an_estimate_says_at_least_the_rows_seen() -> None:
    count = ViewCount(RowCount(100), seen=1_024)
    assert count.describe(0, PLAIN) == "row 1 of ≥ 1,024"
    assert count.grid_total(PAGE) == 1_024


def test_a_row_read_from_the_end_is_placed_from_the_end() -> None:
    count = ViewCount.first_page(PAGE, PAGE)
    assert count.describe(383, PLAIN, from_end=1) == "last row of ≥ 128"
    assert count.describe(380, PLAIN, from_end=4) == "row 4 from the end of ≥ 128"
    counted = count.with_count(RowCount(3_000_000, exact=True))
    assert counted.describe(2_999_999, PLAIN, from_end=1) == "row 3,000,000 of 3,000,000"


def test_after_a_burst_of_commits_a_capped_guess_keeps_the_previous_size_as_an_estimate() -> None:
    previous = RowCount(1_000_387, exact=True)
    assert refresh_guess(previous, RowCount(10_000, at_least=True)) == RowCount(1_000_387)
    assert refresh_guess(previous, RowCount(42, exact=True)) == RowCount(42, exact=True)
    assert refresh_guess(None, RowCount(10_000, at_least=True)).at_least


class _Window:
    """What :func:`next_readable_page` and :class:`TailRows` read of a window."""

    def __init__(self, pages: dict[int, list[tuple[Any, ...]]], total: int) -> None:
        self.page_size = 4
        self.pages = pages
        self.total = total
        self.version = 0  # the data version (another connection's commits move it)

    def is_fresh(self, position: int) -> bool:
        return position // self.page_size in self.pages

    def row_at(self, position: int) -> tuple[Any, ...] | None:
        rows = self.pages.get(position // self.page_size)
        index = position % self.page_size
        return rows[index] if rows is not None and index < len(rows) else None


def window(pages: dict[int, list[tuple[Any, ...]]], total: int = 100) -> RowWindow:
    return cast(RowWindow, _Window(pages, total))


def test_before_the_count_pages_are_read_only_after_a_loaded_neighbour() -> None:
    loaded = window({0: [(1,)] * 4, 1: [(5,)] * 4})
    assert next_readable_page(loaded, [2, 3], seen=8) == 2
    # A gap walks back to the first page that follows a loaded one.
    assert next_readable_page(loaded, [5], seen=8) == 2
    # Far beyond what was seen: wait for the count.
    assert next_readable_page(loaded, [2 + STEP_AHEAD_PAGES + 1], seen=8) is None
    # Pages under the rows read from the end are not read by position.
    assert next_readable_page(loaded, [2, 3], seen=8, avoid_from=12) == 2
    assert next_readable_page(loaded, [3], seen=8, avoid_from=12) is None


def test_rows_read_from_the_end_are_numbered_from_the_end_until_counted() -> None:
    base = window({0: [(1,), (2,), (3,), (4,)]}, total=40)
    tail = TailRows(base, Page(((98,), (99,), (100,)), ((98,), (99,), (100,))), total=40)
    assert tail.start == 37
    assert tail.row_at(39) == (100,)
    assert tail.row_at(37) == (98,)
    assert tail.row_at(0) == (1,)
    assert tail.row_at(20) is None  # between: not known until counted
    assert tail.label(39) == "−1" and tail.label(37) == "−3" and tail.label(0) is None
    assert tail.is_fresh(38) and not tail.is_fresh(20)
    cast(_Window, base).total = 100
    tail.place(100)
    assert tail.counted and tail.start == 97
    assert tail.row_at(99) == (100,)
    assert tail.label(99) is None


def test_only_a_short_page_read_before_the_count_ends_the_view() -> None:
    uncounted = ViewCount.first_page(PAGE, PAGE)
    assert uncounted.end_of_page(PAGE, 7, PAGE) == RowCount(PAGE + 7, exact=True)
    assert uncounted.end_of_page(PAGE, PAGE, PAGE) is None  # a full page: more may follow
    counted = uncounted.with_count(RowCount(500, exact=True))
    assert counted.end_of_page(PAGE, 7, PAGE) is None  # the count already says it


def test_an_estimate_lets_the_tail_reach_its_rows_and_an_exact_count_places_them() -> None:
    base = window({0: [(1,)] * 4}, total=40)
    tail = TailRows(base, Page(((98,), (99,)), ((98,), (99,))), total=60)
    tail.recounted(RowCount(50))  # an estimate below the tail's floor: keep the floor
    assert (tail.total, base.total, tail.counted) == (60, 60, False)
    cast(_Window, base).total = 70
    tail.recounted(RowCount(55, at_least=True))
    assert (tail.total, base.total, tail.counted) == (70, 70, False)
    tail.recounted(RowCount(64, exact=True), version=1)  # counted in other data: no place
    assert tail.counted is False
    tail.recounted(RowCount(65, exact=True))
    assert (tail.total, tail.counted, tail.start) == (65, True, 63)


def wants_index(
    scans: ScanPolicy,
    *,
    keyed: bool = True,
    dense: bool = False,
    was_dense: bool = False,
    pages: int = 9,
    refresh: bool = False,
) -> bool:
    return scans.wants_index(
        keyed=keyed,
        dense=dense,
        was_dense=was_dense,
        total=PAGE * pages,
        page_size=PAGE,
        refresh=refresh,
    )


def test_full_scans_run_at_once_on_open_and_throttled_after_a_change() -> None:
    scans = ScanPolicy(factor=1000.0)
    assert scans.exact_wait(refresh=True) == 0.0  # never ran: due
    assert wants_index(scans, refresh=True)
    with scans.exact.timing(), scans.anchors.timing():
        pass
    assert scans.exact_wait(refresh=False) == 0.0  # a new view counts at once
    assert scans.exact_wait(refresh=True) > 0.0  # a change waits for its turn
    assert wants_index(scans)
    assert not wants_index(scans, refresh=True)


def test_no_position_index_for_dense_keyless_short_or_lately_dense_views() -> None:
    scans = ScanPolicy()
    assert wants_index(scans)
    assert not wants_index(scans, pages=8)
    assert not wants_index(scans, dense=True)
    assert not wants_index(scans, keyed=False)
    assert not wants_index(scans, was_dense=True, refresh=True)
    assert wants_index(scans, was_dense=True)  # on opening, a view is indexed afresh
