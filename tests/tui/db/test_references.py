"""'Referenced by': the rows of other tables whose foreign keys point at one row."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.ext.asyncio import AsyncEngine

from tests.tui.navigation_db import navigation_source, orders_of
from tui.db.catalog import describe_table, list_tables, table_details
from tui.db.model import RowCount, TableDetails, TableInfo
from tui.db.paging import Pager
from tui.db.references import NoReferencesError, Referrer, count_referrers, referring_views
from tui.db.source import DataSource


@pytest.fixture
async def source(tmp_path: Path) -> AsyncIterator[DataSource]:
    async with navigation_source(tmp_path / "nav.db") as opened:
        yield opened


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


async def test_servers_count_and_open_the_referring_rows_of_odd_names(
    server_engine: AsyncEngine,
) -> None:
    """A keyword, a quote, a space and unicode in names; a composite key; then Back's lookup
    of a row by its key after its sort value changed."""
    from sqlalchemy import (
        Column,
        ForeignKey,
        ForeignKeyConstraint,
        Integer,
        MetaData,
        String,
        Table,
        insert,
        update,
    )

    from tui.db.dialects import strategy_for
    from tui.db.paging import RowQuery, SortSpec
    from tui.db.values import RowKey
    from tui.db.visits import Visit, find_row
    from tui.db.window import RowWindow

    prefix = f"ref{uuid.uuid4().hex[:6]}"
    meta = MetaData()
    parent = Table(
        f"{prefix} cüst omer",
        meta,
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("näme", String(20)),
    )
    region = Table(
        f"{prefix}_select",
        meta,
        Column("country", String(2), primary_key=True),
        Column("code", String(3), primary_key=True),
    )
    child = Table(
        f'{prefix} or"der',
        meta,
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column('cust "id"', Integer, ForeignKey(parent.c.id)),
        Column("country", String(2)),
        Column("code", String(3)),
        Column("total", Integer),
        ForeignKeyConstraint(["country", "code"], [region.c.country, region.c.code]),
    )
    async with server_engine.begin() as conn:
        await conn.run_sync(meta.create_all)
        await conn.execute(insert(parent), [{"id": i, "näme": f"c{i}"} for i in range(1, 6)])
        await conn.execute(
            insert(region), [{"country": "fr", "code": "75"}, {"country": "fr", "code": "13"}]
        )
        await conn.execute(
            insert(child),
            [
                {
                    "id": i,
                    'cust "id"': i % 3 + 1,
                    "country": "fr",
                    "code": ("75", "13")[i % 2],
                    "total": i * 10,
                }
                for i in range(1, 10)
            ],
        )
    strategy = strategy_for(server_engine.dialect.name)

    async def run(operation: Any) -> Any:
        async with server_engine.connect() as conn:
            return await operation(conn)

    try:
        tables = (await run(lambda c: list_tables(c, strategy))).tables
        by_name = {t.name: t for t in tables}

        async def details(name: str) -> TableDetails:
            info = await run(lambda c: describe_table(c, strategy, by_name[name]))
            return await run(lambda c: table_details(c, strategy, info))

        customers = await details(parent.name)
        [to_orders] = referring_views(customers, ["id", "näme"], (2, "c2"), tables)
        described = await run(lambda c: describe_table(c, strategy, to_orders.table))
        to_orders = Referrer(described, to_orders.foreign_key, to_orders.query)
        counted = await run(lambda c: count_referrers(c, strategy, to_orders))
        expected = sorted(i for i in range(1, 10) if i % 3 + 1 == 2)
        assert counted.count == RowCount(len(expected), exact=True)
        page = await run(lambda c: Pager(described, strategy, to_orders.query).fetch(c, limit=50))
        assert sorted(r[0] for r in page.rows) == expected

        regions = await details(region.name)
        [to_shops] = referring_views(regions, ["country", "code"], ("fr", "75"), tables)
        assert to_shops.label == f"{child.name} (country, code)"
        to_shops = Referrer(described, to_shops.foreign_key, to_shops.query)
        counted = await run(lambda c: count_referrers(c, strategy, to_shops))
        assert counted.count == RowCount(len([i for i in range(1, 10) if i % 2 == 0]), exact=True)

        # Back finds order 4 by its key after its total moved it to the top of the sort.
        by_total = RowQuery(sort=(SortSpec("total", descending=True),))
        window = RowWindow(Pager(described, strategy, by_total), total=9)
        seen = Visit(described, by_total, RowKey(("id",), (4,)), 5)
        assert await run(lambda c: find_row(c, window, seen)) == 5  # totals 90…50, then 40
        async with server_engine.begin() as conn:
            await conn.execute(update(child).where(child.c.id == 4).values(total=1000))
        window.data_changed()
        assert await run(lambda c: find_row(c, window, seen)) == 0
    finally:
        async with server_engine.begin() as conn:
            await conn.run_sync(meta.drop_all)
