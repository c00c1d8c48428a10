"""'Referenced by': the rows of other tables whose foreign keys point at one row."""

from __future__ import annotations

import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from tests.tui.navigation_db import make_navigation_database, orders_of
from tui.db.catalog import describe_table, list_tables, table_details
from tui.db.model import RowCount, TableDetails, TableInfo
from tui.db.paging import Pager
from tui.db.references import NoReferencesError, Referrer, count_referrers, referring_views
from tui.db.source import DataSource
from tui.db.target import resolve_target


@pytest.fixture
async def source(tmp_path: Path) -> AsyncIterator[DataSource]:
    path = make_navigation_database(tmp_path / "nav.db")
    opened = await DataSource.open(resolve_target(str(path), default_url=""))
    try:
        yield opened
    finally:
        await opened.close()


async def catalog(source: DataSource) -> tuple[TableInfo, ...]:
    snapshot = await source.run(lambda conn: list_tables(conn, source.strategy))
    return snapshot.tables


async def details_of(source: DataSource, name: str) -> TableDetails:
    table = next(t for t in await catalog(source) if t.name == name)
    table = await source.run(lambda conn: describe_table(conn, source.strategy, table))
    return await source.run(lambda conn: table_details(conn, source.strategy, table))


async def counted(
    source: DataSource, referrers: list[Referrer], cap: int = 10_000
) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for referrer in referrers:
        table = await source.run(
            lambda conn, t=referrer.table: describe_table(conn, source.strategy, t)  # type: ignore[misc]
        )
        done = await source.run(
            lambda conn, r=referrer, t=table: count_referrers(  # type: ignore[misc]
                conn, source.strategy, Referrer(t, r.foreign_key, r.query, null_key=r.null_key), cap
            )
        )
        result[done.label] = done
    return result


async def rows_of(source: DataSource, referrer: Referrer) -> list[tuple[Any, ...]]:
    table = await source.run(lambda conn: describe_table(conn, source.strategy, referrer.table))
    pager = Pager(table, source.strategy, referrer.query)
    page = await source.run(lambda conn: pager.fetch(conn, limit=1000))
    return list(page.rows)


async def test_the_tables_referring_to_a_row_are_counted_exactly(source: DataSource) -> None:
    details = await details_of(source, "cust omers")
    names = [c.name for c in details.info.columns]
    referrers = referring_views(details, names, (7, "client 7"), await catalog(source))
    by_label = await counted(source, referrers)
    assert set(by_label) == {'order (cust "id")', "reviews (customer)"}
    assert by_label['order (cust "id")'].count == RowCount(orders_of(7), exact=True)
    assert by_label["reviews (customer)"].count == RowCount(2, exact=True)
    # Opening one shows exactly those rows (the keyword table, the quoted column).
    rows = await rows_of(source, by_label['order (cust "id")'])
    path = source.target.sqlite_path
    assert path is not None
    with sqlite3.connect(path) as conn:
        expected = conn.execute(
            'SELECT * FROM "order" WHERE "cust ""id""" = 7 ORDER BY id'
        ).fetchall()
    conn.close()
    assert rows == expected and len(rows) == 4


async def test_a_composite_key_filters_on_every_column(source: DataSource) -> None:
    details = await details_of(source, "regions")
    names = [c.name for c in details.info.columns]
    row = dict(country="fr", code="75", name="Paris")
    [referrer] = referring_views(details, names, [row[n] for n in names], await catalog(source))
    assert referrer.label == "shops ✓ (country, code)"
    [done] = (await counted(source, [referrer])).values()
    assert done.count == RowCount(2, exact=True)  # not 3: ("de", "13") and ("fr", "13") differ
    assert sorted(r[0] for r in await rows_of(source, done)) == [1, 2]


async def test_a_count_past_the_cap_is_labelled_a_lower_bound(source: DataSource) -> None:
    details = await details_of(source, "cust omers")
    names = [c.name for c in details.info.columns]
    referrers = referring_views(details, names, (7, "client 7"), await catalog(source))
    by_label = await counted(source, referrers, cap=3)
    count = by_label['order (cust "id")'].count
    assert count == RowCount(3, at_least=True) and str(count) == "> 3"


async def test_no_foreign_key_points_here_or_the_key_is_null(source: DataSource) -> None:
    details = await details_of(source, "reviews")
    with pytest.raises(NoReferencesError, match="no foreign key refers to reviews"):
        referring_views(details, ["id", "customer", "body"], (1, 7, "fine"), await catalog(source))
    regions = await details_of(source, "regions")
    names = [c.name for c in regions.info.columns]
    values = {"country": None, "code": "75", "name": "?"}
    [referrer] = referring_views(regions, names, [values[n] for n in names], await catalog(source))
    assert referrer.null_key
    [done] = (await counted(source, [referrer])).values()
    assert done.count == RowCount(0, exact=True)
