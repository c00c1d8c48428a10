"""The demo-data generator: deterministic, consistent, readable back, and careful with data."""

from __future__ import annotations

import datetime as dt
import sqlite3
import subprocess
import sys
import uuid
from collections.abc import Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any, TypedDict

import pytest
from sqlalchemy import Engine, func, inspect, select
from sqlalchemy.orm import Session

from app.database import Base, create_engines
from app.demo import DemoCounts, DemoDataExistsError, _event, _EventPlan, _Ids, generate, main
from app.models import (
    Attachment,
    Customer,
    CustomerTier,
    Event,
    Order,
    OrderItem,
    OrderStatus,
    Product,
)


class Sizes(TypedDict):
    customers: int
    products: int
    orders: int
    events: int


SMALL = Sizes(customers=40, products=15, orders=80, events=700)
# Big enough that every rare case (emoji names, markup notes, empty blobs, …) shows up.
MEDIUM = Sizes(customers=600, products=80, orders=900, events=6000)
MODELS: tuple[type[Base], ...] = (Customer, Product, Order, OrderItem, Attachment, Event)

MakeDb = Callable[[str], tuple[Engine, Path]]


@pytest.fixture
def make_db(tmp_path: Path) -> Iterator[MakeDb]:
    """Engines on new SQLite files in the test's directory, disposed at the end."""
    engines: list[Engine] = []

    def make(name: str) -> tuple[Engine, Path]:
        path = tmp_path / f"{name}.db"
        engine, _ = create_engines(f"sqlite:///{path}")
        engines.append(engine)
        return engine, path

    yield make
    for engine in engines:
        engine.dispose()


def dump(engine: Engine, path: Path) -> list[str]:
    """The whole database (schema and rows, blobs as hex) as SQL text."""
    engine.dispose()
    with sqlite3.connect(path) as conn:
        return list(conn.iterdump())


def row_counts(engine: Engine) -> dict[str, int]:
    with engine.connect() as conn:
        names = set(inspect(conn).get_table_names())
        return {
            model.__tablename__: conn.execute(select(func.count()).select_from(model)).scalar_one()
            if model.__tablename__ in names
            else 0
            for model in MODELS
        }


def orm_rows(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every row of every demo table as loaded by the ORM, column values in order."""
    rows: dict[str, list[tuple[Any, ...]]] = {}
    with Session(engine) as session:
        for model in MODELS:
            mapper = inspect(model)
            columns = [c.key for c in mapper.column_attrs]
            loaded = session.scalars(select(model).order_by(*mapper.primary_key)).all()
            rows[model.__tablename__] = [tuple(getattr(r, c) for c in columns) for r in loaded]
    return rows


def test_same_seed_writes_identical_databases(make_db: MakeDb) -> None:
    first, first_path = make_db("first")
    second, second_path = make_db("second")

    generate(first, **SMALL, seed=7)
    generate(second, **SMALL, seed=7)

    assert dump(first, first_path) == dump(second, second_path)


def test_another_seed_writes_other_data(make_db: MakeDb) -> None:
    first, first_path = make_db("first")
    second, second_path = make_db("second")

    generate(first, **SMALL, seed=7)
    generate(second, **SMALL, seed=8)

    first_rows, second_rows = orm_rows(first), orm_rows(second)
    for table in ("customers", "products", "orders", "events"):
        assert first_rows[table] != second_rows[table], table
    assert dump(first, first_path) != dump(second, second_path)


def test_writes_the_rows_asked_for(make_db: MakeDb) -> None:
    engine, _ = make_db("demo")

    counts = generate(engine, **SMALL, seed=1)

    assert counts == DemoCounts(
        **SMALL, order_items=counts.order_items, attachments=counts.attachments
    )
    assert counts.order_items >= SMALL["orders"]  # every order has at least one item
    assert counts.attachments > 0
    assert row_counts(engine) == {
        "customers": 40,
        "products": 15,
        "orders": 80,
        "order_items": counts.order_items,
        "attachments": counts.attachments,
        "events": 700,
    }
    assert counts.total == sum(row_counts(engine).values())


def test_rows_are_consistent_with_each_other(make_db: MakeDb) -> None:
    engine, path = make_db("demo")
    generate(engine, **MEDIUM, seed=3)
    engine.dispose()

    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
        duplicates = conn.execute(
            "SELECT order_id, product_id FROM order_items GROUP BY 1, 2 HAVING count(*) > 1"
        ).fetchall()
        assert duplicates == []

    with Session(engine) as session:
        customers = {c.id: c for c in session.scalars(select(Customer))}
        for order in session.scalars(select(Order)):
            assert order.items, order.id
            assert order.total == sum(i.quantity * i.unit_price for i in order.items)
            # An order is placed by a customer who already had an account.
            assert customers[order.customer_id].created_at <= order.placed_at
            if order.shipped_on is not None:
                assert order.status in (OrderStatus.SHIPPED, OrderStatus.DELIVERED)
                assert order.shipped_on >= order.placed_at.date()
        events = session.scalars(select(Event).order_by(Event.id)).all()
        times = [e.occurred_at for e in events]
        assert times == sorted(times) and len(set(times)) == len(times)
        assert all(
            customers[e.customer_id].created_at <= e.occurred_at
            for e in events
            if e.customer_id is not None
        )
        for attachment in session.scalars(select(Attachment)):
            assert attachment.size_bytes == len(attachment.data)


def test_orm_reads_every_row_back_with_its_python_type(make_db: MakeDb) -> None:
    engine, _ = make_db("demo")
    generate(engine, **MEDIUM, seed=3)

    with Session(engine) as session:
        customers = session.scalars(select(Customer)).all()
        products = session.scalars(select(Product)).all()
        orders = session.scalars(select(Order)).all()
        items = session.scalars(select(OrderItem)).all()
        attachments = session.scalars(select(Attachment)).all()
        events = session.scalars(select(Event)).all()

    assert all(isinstance(c.public_id, uuid.UUID) for c in customers)
    assert all(isinstance(c.tier, CustomerTier) for c in customers)
    assert all(isinstance(c.created_at, dt.datetime) for c in customers)
    assert all(isinstance(p.price, Decimal) and p.price >= 0 for p in products)
    assert all(p.attributes is None or isinstance(p.attributes, dict) for p in products)
    assert all(isinstance(o.status, OrderStatus) for o in orders)
    assert all(o.shipped_on is None or type(o.shipped_on) is dt.date for o in orders)
    assert all(isinstance(i.unit_price, Decimal) and i.quantity > 0 for i in items)
    assert all(isinstance(a.data, bytes) for a in attachments)
    assert all(e.payload is None or isinstance(e.payload, dict) for e in events)
    assert all(e.amount is None or isinstance(e.amount, float) for e in events)


def test_data_has_the_cases_a_browser_must_show(make_db: MakeDb) -> None:
    engine, _ = make_db("demo")
    generate(engine, **MEDIUM, seed=3)

    with Session(engine) as session:
        customers = session.scalars(select(Customer)).all()
        products = session.scalars(select(Product)).all()
        orders = session.scalars(select(Order)).all()
        attachments = session.scalars(select(Attachment)).all()
        events = session.scalars(select(Event)).all()

    names = [c.name for c in customers]
    assert any(not n.isascii() and n.isprintable() for n in names)  # accents and other scripts
    assert any(any("\u4e00" <= ch <= "\u9fff" for ch in n) for n in names)  # CJK
    assert any(any(ord(ch) > 0xFFFF for ch in n) for n in names)  # emoji
    assert all(c.email.isascii() and "@" in c.email for c in customers)
    assert len({c.email for c in customers}) == len(customers)
    assert {c.country is None for c in customers} == {True, False}
    assert {c.tier for c in customers} == set(CustomerTier)
    assert {o.status for o in orders} == set(OrderStatus)

    notes = [c.notes for c in customers] + [o.note for o in orders]
    assert None in notes and "" in notes
    assert any(n and "\n\n" in n and len(n) > 300 for n in notes)  # long multi-line text
    assert any(n and "[bold]" in n for n in notes)  # looks like Rich markup
    assert "" in [p.description for p in products]
    assert {} in [p.attributes for p in products] and None in [p.attributes for p in products]

    data = [a.data for a in attachments]
    assert any(d.startswith(b"\x89PNG\r\n\x1a\n") for d in data)
    assert any(d.startswith(b"%PDF-") for d in data)
    assert b"" in data and max(map(len, data)) > 1000
    assert any(a.order_id is None for a in attachments)

    assert any(e.customer_id is None for e in events)
    assert any(e.payload is None for e in events) and any(e.payload == {} for e in events)
    assert any(e.amount is not None and e.amount < 0 for e in events)  # refunds
    assert len({e.kind for e in events}) > 10


def test_sqlite_set_based_events_equal_the_portable_rows(make_db: MakeDb) -> None:
    fast, _ = make_db("fast")
    portable, _ = make_db("portable")

    generate(fast, **SMALL, seed=11)
    generate(portable, **SMALL, seed=11, sqlite_fast_path=False)

    assert orm_rows(fast) == orm_rows(portable)


def test_event_rows_are_pure_functions_of_their_index() -> None:
    plan = _EventPlan(1, 1000, (5, 6, 7), _Ids(1, 10), _Ids(1, 3))
    assert _event(plan, 123) == _event(plan, 123)
    assert _event(plan, 123) != _event(plan, 124)
    without_refs = _EventPlan(1, 1000, (5, 6, 7), _Ids(1, 0), _Ids(1, 0))
    assert all(_event(without_refs, n)["customer_id"] is None for n in range(200))


def test_refuses_to_add_to_existing_data_unless_forced(make_db: MakeDb) -> None:
    engine, _ = make_db("demo")
    generate(engine, **SMALL, seed=2)
    before = orm_rows(engine)

    with pytest.raises(DemoDataExistsError) as raised:
        generate(engine, **SMALL, seed=2)
    assert "customers" in raised.value.tables
    assert orm_rows(engine) == before

    added = generate(engine, **SMALL, seed=2, force=True)
    after = row_counts(engine)
    assert after["customers"] == 80 and after["events"] == 1400
    assert after["order_items"] == len(before["order_items"]) + added.order_items
    with Session(engine) as session:
        # The second batch continues the ids and draws new public ids and e-mail addresses.
        assert session.scalar(select(func.min(Customer.id)).where(Customer.id > 40)) == 41
        assert session.scalar(select(func.count(func.distinct(Customer.public_id)))) == 80


def test_rejects_orders_without_customers(make_db: MakeDb) -> None:
    engine, _ = make_db("demo")
    with pytest.raises(ValueError, match="customers"):
        generate(engine, customers=0, products=3, orders=5, events=0)
    with pytest.raises(ValueError, match="negative"):
        generate(engine, customers=1, products=1, orders=1, events=-1)


def run_cli(*args: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app.demo", *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def test_cli_writes_then_refuses_then_adds_with_force(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'cli.db'}"
    counts = ("--customers", "10", "--products", "5", "--orders", "12", "--events", "300")

    created = run_cli("--url", url, *counts, "--seed", "4", cwd=tmp_path)
    assert created.returncode == 0, created.stderr
    assert "300 events" in created.stdout and " s" in created.stdout

    refused = run_cli("--url", url, *counts, cwd=tmp_path)
    assert refused.returncode == 2
    assert "already holds demo data" in refused.stderr and "--force" in refused.stderr

    forced = run_cli("--url", url, *counts, "--force", cwd=tmp_path)
    assert forced.returncode == 0, forced.stderr
    with sqlite3.connect(tmp_path / "cli.db") as conn:
        assert conn.execute("SELECT count(*) FROM events").fetchone() == (600,)
        assert conn.execute("SELECT count(*) FROM customers").fetchone() == (20,)


def test_cli_rejects_bad_counts(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exited:
        main(["--url", "sqlite://", "--events", "-5"])
    assert exited.value.code == 2
    assert "cannot be negative" in capsys.readouterr().err


@pytest.mark.parametrize(
    "url_fixture",
    [
        pytest.param("postgres_url", marks=pytest.mark.postgres),
        pytest.param("mariadb_url", marks=pytest.mark.mariadb),
    ],
)
def test_generates_on_database_servers(url_fixture: str, request: pytest.FixtureRequest) -> None:
    engine, _ = create_engines(request.getfixturevalue(url_fixture))
    try:
        # The server database is shared with other tests: count what this test adds.
        before = row_counts(engine)
        counts = generate(engine, **MEDIUM, seed=9, force=True)
        after = row_counts(engine)
        assert {t: after[t] - before[t] for t in after} == {
            **MEDIUM,
            "order_items": counts.order_items,
            "attachments": counts.attachments,
        }
        rows = orm_rows(engine)
        assert all(rows.values())
        with Session(engine) as session:
            for order in session.scalars(select(Order)):
                assert order.total == sum(i.quantity * i.unit_price for i in order.items)
            null_payloads = select(func.count()).where(Event.payload.is_(None))
            assert session.execute(null_payloads).scalar_one() > 0
            # Ids were given explicitly: the server must still number the next row after them.
            largest = session.execute(select(func.max(Customer.id))).scalar_one()
            later = Customer(name="Added later", email="later@example.com")
            session.add(later)
            session.flush()
            assert later.id > largest
            names = session.scalars(select(Customer.name)).all()
            assert any(any(ord(ch) > 0xFFFF for ch in n) for n in names)  # 4-byte UTF-8 kept
    finally:
        Base.metadata.drop_all(engine)
        engine.dispose()
