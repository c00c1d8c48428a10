"""Deterministic demo data for the shop schema of :mod:`app.models`.

``python -m app.demo [--url URL] [--events N] [--customers N] [--products N] [--orders N]
[--seed S] [--force]`` fills a database with data made to exercise a browser: names in many
scripts (accents, CJK, Greek, Arabic, a few emoji), NULL next to empty strings, long
multi-line notes, notes that look like Rich markup, JSON documents, small binary files, money
as ``Decimal``, dates, timestamps and enums. :func:`generate` does the same from Python.

Everything is a function of the seed and of the first free id of each table (so a ``--force``
run adds new rows instead of colliding with old ones): each table draws from its own
``random.Random`` and all times count from :data:`BASE_TIME`, never from the clock. The same
seed against the same starting database writes byte-identical data.

The event log can be huge. Its rows are pure functions of their index (three integer hashes
per row), so on SQLite they are computed set-based, one ``INSERT … SELECT`` over a recursive
CTE per chunk, with no Python work per row (3x faster than the ``executemany`` path). Other
databases get the same rows computed in Python and inserted in chunks. Both paths are built
from one description of the event kinds (:mod:`app.demo_events`), and a test checks that
they agree.

This module writes the rows and owns the command line; :mod:`app.demo_shop` makes the
customers, products, orders and attachments (from the words of :mod:`app.demo_words`), and
:mod:`app.demo_run` holds the timeline and id ranges they share.
"""

from __future__ import annotations

import argparse
import dataclasses
import random
import sys
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from decimal import Decimal
from typing import TypeVar

from sqlalchemy import Connection, Table, func, insert, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import ArgumentError, SQLAlchemyError

from app.config import settings
from app.database import Base, create_engines, ensure_database_schema, mask_url
from app.demo_events import _EVENTS_SQL, _event, _EventPlan
from app.demo_run import BASE_TIME as BASE_TIME
from app.demo_run import SPAN as SPAN
from app.demo_run import _Ids
from app.demo_shop import _customers, _orders, _products
from app.models import Attachment, Customer, Event, Order, OrderItem, Product

DEFAULT_SEED = 42

_ROWS_PER_INSERT = 5_000
_EVENTS_PER_STATEMENT = 200_000  # Ctrl-C is only seen between statements
_DEMO_TABLES: tuple[type[Base], ...] = (Product, Customer, Order, OrderItem, Attachment, Event)
_T = TypeVar("_T")

ProgressCallback = Callable[[str, int, float], None]
"""Told after each table: (table name, rows written, seconds taken)."""


@dataclass(frozen=True)
class DemoCounts:
    """Rows written to each table by one :func:`generate` call."""

    customers: int = 0
    products: int = 0
    orders: int = 0
    order_items: int = 0
    attachments: int = 0
    events: int = 0

    @property
    def total(self) -> int:
        return sum(dataclasses.astuple(self))


class DemoDataExistsError(Exception):
    """The demo tables already hold rows and the caller did not ask to add more."""

    def __init__(self, tables: Sequence[str]) -> None:
        super().__init__(f"the demo tables already hold rows: {', '.join(tables)}")
        self.tables = tuple(tables)


# --- writing -------------------------------------------------------------------------------


def _rng(seed: int, table: str, first_id: int) -> random.Random:
    # A str seed is hashed with SHA-512: stable across processes, unlike hash().
    return random.Random(f"dbbrowse-demo:{seed}:{table}:{first_id}")


def _chunks(rows: Iterable[_T], size: int = _ROWS_PER_INSERT) -> Iterator[list[_T]]:
    chunk: list[_T] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) == size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def _table(model: type[Base]) -> Table:
    table = model.__table__
    assert isinstance(table, Table)
    return table


def _non_empty_tables(conn: Connection) -> list[str]:
    tables = [_table(model) for model in _DEMO_TABLES]
    return [t.name for t in tables if conn.execute(select(t.c.id).limit(1)).first() is not None]


def _next_id(conn: Connection, model: type[Base]) -> int:
    largest = conn.execute(select(func.max(_table(model).c.id))).scalar_one()
    return 1 if largest is None else int(largest) + 1


@contextmanager
def _bulk_load(conn: Connection) -> Iterator[None]:
    """On SQLite, no fsync and a 64 MiB page cache while loading; put back afterwards."""
    if conn.dialect.name != "sqlite":
        yield
        return
    synchronous = int(conn.exec_driver_sql("PRAGMA synchronous").scalar_one())
    cache_size = int(conn.exec_driver_sql("PRAGMA cache_size").scalar_one())
    conn.exec_driver_sql("PRAGMA synchronous = OFF")
    conn.exec_driver_sql("PRAGMA cache_size = -65536")
    conn.commit()
    try:
        yield
    finally:
        conn.exec_driver_sql(f"PRAGMA synchronous = {synchronous}")
        conn.exec_driver_sql(f"PRAGMA cache_size = {cache_size}")
        conn.commit()


def _advance_sequences(conn: Connection) -> None:
    """On PostgreSQL, move each ``SERIAL`` past the explicit ids written (others do it alone)."""
    if conn.dialect.name != "postgresql":
        return
    for model in _DEMO_TABLES:
        table = _table(model)
        sequence = func.pg_get_serial_sequence(table.name, "id")
        largest = select(func.max(table.c.id)).scalar_subquery()
        conn.execute(select(func.setval(sequence, largest)))


def _write_events(conn: Connection, plan: _EventPlan, sqlite_fast_path: bool) -> None:
    if sqlite_fast_path and conn.dialect.name == "sqlite":
        params = plan.params()
        for start in range(0, plan.count, _EVENTS_PER_STATEMENT):
            stop = min(plan.count, start + _EVENTS_PER_STATEMENT)
            conn.execute(_EVENTS_SQL, {**params, "start": start, "stop": stop})
    else:
        for chunk in _chunks(_event(plan, n) for n in range(plan.count)):
            conn.execute(insert(Event), chunk)


def generate(
    engine: Engine,
    *,
    customers: int = 2_000,
    products: int = 300,
    orders: int = 10_000,
    events: int = 100_000,
    seed: int = DEFAULT_SEED,
    force: bool = False,
    sqlite_fast_path: bool = True,
    progress: ProgressCallback | None = None,
) -> DemoCounts:
    """Create the schema if it is missing and write the demo rows in one transaction.

    Raises :class:`DemoDataExistsError` if a demo table already holds rows, unless ``force``:
    then ids continue after the largest existing one. New rows refer only to customers and
    products written by the same call, so orders need ``customers > 0``.
    ``sqlite_fast_path=False`` makes SQLite take the portable path for events (to test that
    both agree).
    """
    if min(customers, products, orders, events) < 0:
        raise ValueError("row counts cannot be negative")
    if orders and not customers:
        raise ValueError("orders need customers: ask for at least one customer")
    ensure_database_schema(engine)
    counts: dict[str, int] = {}

    def done(table: str, rows: int, started: float) -> None:
        counts[table] = rows
        if progress is not None:
            progress(table, rows, time.perf_counter() - started)

    with engine.connect() as conn, _bulk_load(conn), conn.begin():
        if not force and (non_empty := _non_empty_tables(conn)):
            raise DemoDataExistsError(non_empty)
        first = {model: _next_id(conn, model) for model in _DEMO_TABLES}
        product_ids, customer_ids = _Ids(first[Product], products), _Ids(first[Customer], customers)

        started = time.perf_counter()
        prices: list[Decimal] = []
        for chunk in _chunks(
            _products(_rng(seed, "products", product_ids.first), product_ids, prices)
        ):
            conn.execute(insert(Product), chunk)
        done("products", products, started)

        started = time.perf_counter()
        for chunk in _chunks(_customers(_rng(seed, "customers", customer_ids.first), customer_ids)):
            conn.execute(insert(Customer), chunk)
        done("customers", customers, started)

        started = time.perf_counter()
        all_orders = _orders(
            _rng(seed, "orders", first[Order]),
            _Ids(first[Order], orders),
            customer_ids,
            product_ids,
            prices,
            first[OrderItem],
            first[Attachment],
        )
        items_written = attachments_written = 0
        for batch in _chunks(all_orders, _ROWS_PER_INSERT // 5):
            conn.execute(insert(Order), [order for order, _, _ in batch])
            if items := [item for _, order_items, _ in batch for item in order_items]:
                conn.execute(insert(OrderItem), items)
            if attachments := [a for _, _, order_attachments in batch for a in order_attachments]:
                conn.execute(insert(Attachment), attachments)
            items_written += len(items)
            attachments_written += len(attachments)
        counts["order_items"], counts["attachments"] = items_written, attachments_written
        done("orders", orders, started)

        started = time.perf_counter()
        salts = _rng(seed, "events", first[Event])
        plan = _EventPlan(
            first[Event],
            events,
            (salts.getrandbits(31), salts.getrandbits(31), salts.getrandbits(31)),
            customer_ids,
            product_ids,
        )
        _write_events(conn, plan, sqlite_fast_path)
        done("events", events, started)
        _advance_sequences(conn)
    return DemoCounts(**counts)


# --- command line --------------------------------------------------------------------------


def _count(value: str) -> int:
    try:
        number = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a whole number: {value!r}") from None
    if number < 0:
        raise argparse.ArgumentTypeError(f"cannot be negative: {value}")
    return number


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="python -m app.demo",
        description="Fill a database with deterministic demo data: the same seed writes the "
        "same rows.",
    )
    add = parser.add_argument
    add("--url", default=settings.DATABASE_URL, help="SQLAlchemy URL (default: $DATABASE_URL)")
    add("--events", type=_count, default=100_000, help="event rows (default: %(default)s)")
    add("--customers", type=_count, default=2_000, help="customers (default: %(default)s)")
    add("--products", type=_count, default=300, help="products (default: %(default)s)")
    add("--orders", type=_count, default=10_000, help="orders (default: %(default)s)")
    add("--seed", type=int, default=DEFAULT_SEED, help="random seed (default: %(default)s)")
    add("--force", action="store_true", help="add rows even if the demo tables hold some")
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = _parser()
    args = parser.parse_args(argv)
    if args.orders and not args.customers:
        parser.error("--orders needs --customers > 0")
    try:
        engine, _ = create_engines(args.url)
    except ArgumentError as exc:
        parser.error(str(exc))
    where = mask_url(args.url)

    def report(table: str, rows: int, seconds: float) -> None:
        print(f"  {table:<10} {rows:>12,} rows {seconds:9.2f} s", flush=True)

    print(f"Writing demo data (seed {args.seed}) to {where}", flush=True)
    started = time.perf_counter()
    try:
        counts = generate(
            engine,
            customers=args.customers,
            products=args.products,
            orders=args.orders,
            events=args.events,
            seed=args.seed,
            force=args.force,
            progress=report,
        )
    except DemoDataExistsError as exc:
        print(
            f"error: {where} already holds demo data ({', '.join(exc.tables)} not empty); "
            "nothing was written. Pass --force to add more rows.",
            file=sys.stderr,
        )
        return 2
    except SQLAlchemyError as exc:
        print(f"error: cannot write demo data to {where}: {exc}", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("interrupted: nothing was written", file=sys.stderr)
        return 130
    finally:
        engine.dispose()
    print(
        f"Wrote {counts.total:,} rows in {time.perf_counter() - started:.2f} s: "
        f"{counts.customers:,} customers, {counts.products:,} products, {counts.orders:,} "
        f"orders, {counts.order_items:,} order items, {counts.attachments:,} attachments, "
        f"{counts.events:,} events."
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
