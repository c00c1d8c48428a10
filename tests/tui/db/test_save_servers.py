"""Editing the demo schema on SQLite, PostgreSQL and MariaDB: every column type round-trips
through the editor's text, and conflicts, constraints and triggers behave on the servers."""

from __future__ import annotations

import json
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import column as sa_column
from sqlalchemy import create_engine, select, text
from sqlalchemy import table as sa_table
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import AsyncEngine

from app.engines import create_engines
from tests.conftest import MARIADB_ADMIN_URL, POSTGRES_ADMIN_URL, _server_missing
from tests.tui.db.edithelpers import describe, details
from tests.tui.db.savehelpers import save
from tui.db.delete_effects import delete_effects, describe_effects
from tui.db.edit_values import parse_for_column, value_as_text
from tui.db.edits import CellEdit, Change, RowDelete, RowInsert, insert_hint, same_value
from tui.db.model import TableInfo, TableRef
from tui.db.values import RowKey

SERVERS = {"postgresql": POSTGRES_ADMIN_URL, "mariadb": MARIADB_ADMIN_URL}
ENGINES = [
    pytest.param("sqlite"),
    pytest.param("postgresql", marks=pytest.mark.postgres),
    pytest.param("mariadb", marks=pytest.mark.mariadb),
]


def public_id(dialect: str, number: int) -> uuid.UUID | str:
    return uuid.UUID(int=number) if dialect == "postgresql" else uuid.UUID(int=number).hex


@pytest.fixture(params=ENGINES)
def demo_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database of its own holding the demo schema with one row per table."""
    import app.models  # noqa: F401
    from app.database import Base
    from app.engines import derive_urls

    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path / 'demo.db'}"
        admin = None
        name = ""
    else:
        admin_url, _ = derive_urls(SERVERS[request.param])
        name = f"dbbrowse_edit_{uuid.uuid4().hex[:10]}"
        admin = create_engine(admin_url, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                extra = " CHARACTER SET utf8mb4" if request.param == "mariadb" else ""
                quote = '"' if request.param == "postgresql" else "`"
                conn.execute(text(f"CREATE DATABASE {quote}{name}{quote}{extra}"))
        except Exception as exc:
            admin.dispose()
            _server_missing(request.param, exc)
        url = make_url(SERVERS[request.param]).set(database=name).render_as_string(False)
    sync_engine, _ = create_engines(url, sqlite_wal=False)
    try:
        Base.metadata.create_all(sync_engine)
        with sync_engine.begin() as conn:
            conn.execute(
                text(
                    "INSERT INTO customers (public_id, name, email, tier, is_active,"
                    " created_at) VALUES (:p, 'ada', 'ada@example.org', 'free', :t, :c)"
                ),
                {"p": public_id(request.param, 1), "t": True, "c": "2024-01-01 00:00:00"},
            )
            conn.execute(
                text(
                    "INSERT INTO products (sku, name, price, in_stock, created_at)"
                    " VALUES ('S1', 'thing', 1.25, :t, '2024-01-01 00:00:00')"
                ),
                {"t": True},
            )
            conn.execute(
                text(
                    "INSERT INTO orders (customer_id, status, placed_at, total)"
                    " VALUES (1, 'pending', '2024-01-01 00:00:00', 0)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO order_items (order_id, product_id, quantity, unit_price)"
                    " VALUES (1, 1, 1, 1.25)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO events (occurred_at, kind, amount)"
                    " VALUES ('2024-01-01 00:00:00', 'k', 1.5)"
                )
            )
            conn.execute(
                text(
                    "INSERT INTO attachments (filename, content_type, data, size_bytes,"
                    " created_at) VALUES ('f', 'x/y', :d, 2, '2024-01-01 00:00:00')"
                ),
                {"d": b"\x00\xff"},
            )
        yield url
    finally:
        sync_engine.dispose()
        if admin is not None:
            with admin.connect() as conn:
                if request.param == "postgresql":
                    conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
                else:
                    conn.execute(text(f"DROP DATABASE IF EXISTS `{name}`"))
            admin.dispose()


@pytest.fixture
async def engine(demo_url: str) -> AsyncIterator[AsyncEngine]:
    sync_engine, async_engine = create_engines(demo_url, sqlite_wal=False)
    sync_engine.dispose()
    yield async_engine
    await async_engine.dispose()


async def read_row(engine: AsyncEngine, info: TableInfo, key: int) -> dict[str, Any]:
    """The row as the grid reads it: untyped columns, the driver's values."""
    table = sa_table(info.name, *(sa_column(n) for n in info.column_names))
    async with engine.connect() as conn:
        row = (await conn.execute(select(table).where(table.c.id == key))).one()
    return dict(zip(info.column_names, row, strict=True))


TYPED = {
    "customers": {
        "public_id": "0f1e2d3c4b5a69788796a5b4c3d2e1f0",
        "name": "Zoë \u00e9 e\u0301",
        "email": "z@example.org",
        "country": "FR",
        "tier": "gold",
        "is_active": "false",
        "notes": "line one\nline two  ",
        "created_at": "2024-05-01 13:45:00.25",
    },
    "products": {
        "sku": "S-2",
        "name": "other thing",
        "description": "",
        "price": "12345678.90",
        "weight_kg": "0.1",
        "attributes": '{"colour": "red", "sizes": [1, 2.5]}',
        "in_stock": "no",
    },
    "orders": {
        "status": "shipped",
        "placed_at": "2024-05-01 10:00:00",
        "shipped_on": "2024-05-02",
        "total": "10.50",
        "note": "fragile",
    },
    "order_items": {"quantity": "3", "unit_price": "2.00"},
    "events": {"kind": "signup", "amount": "-2.5e-3", "payload": '[1, {"a": null}]'},
    "attachments": {"filename": "notes.txt", "data": "x'00010203ff'", "size_bytes": "5"},
}


@pytest.mark.parametrize("name", list(TYPED))
async def test_every_demo_column_round_trips(engine: AsyncEngine, name: str) -> None:
    """Typed text -> parsed value -> saved -> read back by the grid's query: the same value
    of the same type, and what the editor shows for it parses back to it too."""
    info = await describe(engine, name)
    before = await read_row(engine, info, 1)
    dialect = engine.dialect.name
    columns = {c.name: c for c in info.columns}
    edits: list[Change] = []
    for column, typed in TYPED[name].items():
        typed_here = typed
        if column in ("created_at", "placed_at") and dialect == "postgresql":
            typed_here = typed + "+00:00"
        new = parse_for_column(typed_here, columns[column], dialect)
        edits.append(CellEdit(TableRef(name), RowKey(("id",), (1,)), column, before[column], new))
    outcome = await save(engine, edits, [name])
    assert outcome.ok, outcome.reason
    after = await read_row(engine, info, 1)
    for edit in edits:
        assert isinstance(edit, CellEdit)
        got = after[edit.column]
        if isinstance(got, dict | list):
            got = json.dumps(got)  # the driver decodes PostgreSQL's json
        assert got == edit.new or str(got) == str(edit.new), (edit.column, got, edit.new)
        text_form = value_as_text(after[edit.column], columns[edit.column], dialect)
        again = parse_for_column(text_form, columns[edit.column], dialect)
        if "JSON" in columns[edit.column].type_name.upper() and isinstance(again, str):
            # The editor shows JSON pretty-printed and stores what it holds as typed: the
            # same document, laid out otherwise.
            assert isinstance(got, str) and json.loads(again) == json.loads(got), edit.column
            continue
        assert same_value(again, after[edit.column]) or again in (got, after[edit.column])
    # The row reads as changed only where it was edited.
    for column, value in before.items():
        if column not in TYPED[name]:
            assert same_value(after[column], value) or after[column] == value, column


async def test_conflicts_on_every_engine(engine: AsyncEngine) -> None:
    """A change that differs only in case or trailing spaces is a change (MariaDB's
    collations would call them equal); another column's change is kept."""
    name = TableRef("customers")
    key = RowKey(("id",), (1,))
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE customers SET name = 'ADA' WHERE id = 1"))
    outcome = await save(engine, [CellEdit(name, key, "name", "ada", "mine")], ["customers"])
    assert outcome.conflict is not None, outcome.reason
    assert dict(outcome.conflict.current or ())["name"] == "ADA"
    async with engine.begin() as conn:
        await conn.execute(text("UPDATE customers SET name = 'ADA ', notes = 'n' WHERE id = 1"))
    outcome = await save(engine, [CellEdit(name, key, "name", "ADA", "mine")], ["customers"])
    assert outcome.conflict is not None, outcome.reason
    outcome = await save(engine, [CellEdit(name, key, "name", "ADA ", "mine")], ["customers"])
    assert outcome.ok, outcome.reason
    info = await describe(engine, "customers")
    row = await read_row(engine, info, 1)
    assert (row["name"], row["notes"]) == ("mine", "n")
    deleted = RowDelete(name, key, tuple(row.items()))
    async with engine.begin() as conn:
        await conn.execute(text("DELETE FROM customers WHERE id = 1"))
    outcome = await save(engine, [deleted], ["customers"])
    assert outcome.conflict is not None
    assert outcome.conflict.current is None


async def test_constraints_are_named_and_saves_are_atomic(engine: AsyncEngine) -> None:
    """The insert runs first and succeeds, the update fails its CHECK: nothing is kept."""
    dialect = engine.dialect.name
    products = TableRef("products")
    columns = {c.name: c for c in (await describe(engine, "products")).columns}
    price = parse_for_column("2", columns["price"], dialect)
    insert = RowInsert(products, (("sku", "S9"), ("name", "n"), ("price", price)), 1)
    before = await read_row(engine, await describe(engine, "products"), 1)
    negative = parse_for_column("-1", columns["price"], dialect)
    update = CellEdit(products, RowKey(("id",), (1,)), "price", before["price"], negative)
    outcome = await save(engine, [update, insert], ["products"])
    assert not outcome.ok
    assert outcome.failed == update
    assert "price_not_negative" in outcome.reason
    async with engine.connect() as conn:
        count = await conn.scalar(text("SELECT count(*) FROM products"))
    assert count == 1
    customers = {c.name: c for c in (await describe(engine, "customers")).columns}
    duplicate = RowInsert(
        TableRef("customers"),
        (
            ("public_id", parse_for_column(uuid.UUID(int=2).hex, customers["public_id"], dialect)),
            ("name", "b"),
            ("email", "ada@example.org"),
        ),
        2,
    )
    outcome = await save(engine, [duplicate], ["customers"])
    assert not outcome.ok
    assert "email" in outcome.reason


@pytest.mark.parametrize(
    "demo_url", [pytest.param("postgresql", marks=pytest.mark.postgres)], indirect=True
)
async def test_a_postgres_trigger_that_raises(engine: AsyncEngine) -> None:
    async with engine.begin() as conn:
        await conn.execute(
            text(
                "CREATE FUNCTION no_gold() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN"
                " IF NEW.tier = 'gold' THEN RAISE EXCEPTION 'gold is sold out'; END IF;"
                " RETURN NEW; END $$"
            )
        )
        await conn.execute(
            text(
                "CREATE TRIGGER customers_no_gold BEFORE UPDATE ON customers"
                " FOR EACH ROW EXECUTE FUNCTION no_gold()"
            )
        )
    edit = CellEdit(TableRef("customers"), RowKey(("id",), (1,)), "tier", "free", "gold")
    outcome = await save(engine, [edit], ["customers"])
    assert not outcome.ok
    assert "gold is sold out" in outcome.reason
    assert "no_gold" in outcome.reason


async def test_deleting_a_customer_says_what_goes_with_it(engine: AsyncEngine) -> None:
    """Orders go with the customer (CASCADE), events keep their rows with customer_id NULL:
    counted before, and so it happens at save, on every engine (SQLite: foreign keys are
    enforced on the write connection)."""
    async with engine.begin() as conn:
        for _ in range(2):
            await conn.execute(
                text(
                    "INSERT INTO orders (customer_id, status, placed_at, total)"
                    " VALUES (1, 'paid', '2024-01-02 00:00:00', 3)"
                )
            )
        await conn.execute(text("UPDATE events SET customer_id = 1"))
    info = await describe(engine, "customers")
    row = await read_row(engine, info, 1)
    detail = await details(engine, "customers")
    async with engine.connect() as conn:
        effects = await delete_effects(conn, detail, [row])
    found = {(e.table, e.action, e.rows) for e in effects}
    assert found == {("orders", "CASCADE", 3), ("events", "SET NULL", 1)}
    sentence = describe_effects(effects)
    assert "also deletes 3 rows of orders" in sentence
    assert "sets customer_id to NULL in 1 row of events" in sentence
    delete = RowDelete(TableRef("customers"), RowKey(("id",), (1,)), tuple(row.items()))
    outcome = await save(engine, [delete], ["customers"])
    assert outcome.ok, outcome.reason
    async with engine.connect() as conn:
        assert await conn.scalar(text("SELECT count(*) FROM orders")) == 0
        assert await conn.scalar(text("SELECT count(*) FROM order_items")) == 0
        assert await conn.scalar(text("SELECT count(*) FROM events WHERE customer_id IS NULL")) == 1


async def test_an_order_added_after_staging_stops_the_deletion(engine: AsyncEngine) -> None:
    """Another connection adds an order of the customer between the confirmation and the
    save: the cascade would take one more row than announced, so nothing is deleted and the
    save says what changed, on every engine; kept knowingly, it saves."""
    from tui.db.delete_effects import row_effects
    from tui.db.edits import ChangeSet
    from tui.db.save import resolve_conflict

    insert_order = text(
        "INSERT INTO orders (customer_id, status, placed_at, total)"
        " VALUES (1, 'paid', '2024-01-02 00:00:00', 3)"
    )
    info = await describe(engine, "customers")
    row = await read_row(engine, info, 1)
    detail = await details(engine, "customers")
    async with engine.connect() as conn:
        (effects,) = await row_effects(conn, detail, [row])
    key = RowKey(("id",), (1,))
    delete = RowDelete(TableRef("customers"), key, tuple(row.items()), effects)
    async with engine.begin() as conn:  # the other user
        await conn.execute(insert_order)
    outcome = await save(engine, [delete], ["customers"])
    assert outcome.conflict is not None and outcome.conflict.effects is not None
    assert "2 rows of orders refer to it (CASCADE) instead of 1" in outcome.reason
    async with engine.connect() as conn:
        assert await conn.scalar(text("SELECT count(*) FROM orders")) == 2
        assert await conn.scalar(text("SELECT count(*) FROM customers")) == 1
    changes = ChangeSet()
    changes.stage(delete)
    resolve_conflict(changes, outcome.conflict, keep_mine=True)
    outcome = await save(engine, list(changes.changes), ["customers"])
    assert outcome.ok, outcome.reason
    async with engine.connect() as conn:
        assert await conn.scalar(text("SELECT count(*) FROM orders")) == 0


async def test_an_order_swapped_for_another_stops_the_deletion(engine: AsyncEngine) -> None:
    """The customer's one order is replaced by another between the confirmation and the save:
    the count is the same, the rows are not, so nothing is deleted, on every engine."""
    from tui.db.delete_effects import row_effects

    info = await describe(engine, "customers")
    row = await read_row(engine, info, 1)
    detail = await details(engine, "customers")
    async with engine.connect() as conn:
        (effects,) = await row_effects(conn, detail, [row])
    delete = RowDelete(TableRef("customers"), RowKey(("id",), (1,)), tuple(row.items()), effects)
    async with engine.begin() as conn:  # the other user
        await conn.execute(text("DELETE FROM orders WHERE customer_id = 1"))
        await conn.execute(
            text(
                "INSERT INTO orders (customer_id, status, placed_at, total)"
                " VALUES (1, 'paid', '2024-01-02 00:00:00', 3)"
            )
        )
    outcome = await save(engine, [delete], ["customers"])
    assert outcome.conflict is not None and outcome.conflict.effects is not None
    assert (
        "the row of orders that refers to it (CASCADE) is not the one announced" in outcome.reason
    )
    async with engine.connect() as conn:
        assert await conn.scalar(text("SELECT count(*) FROM orders")) == 1
        assert await conn.scalar(text("SELECT count(*) FROM customers")) == 1


async def test_a_column_added_by_another_connection_stops_the_save(engine: AsyncEngine) -> None:
    """Planned on the columns as read; another connection adds one: nothing is saved, the
    reason names it, and on the table as it is now the same change saves."""
    from tui.db.save import plan_save, save_changes

    info = await describe(engine, "customers")
    ref = TableRef("customers")
    edit = CellEdit(ref, RowKey(("id",), (1,)), "name", "ada", "grace")
    planned = plan_save([edit], {ref: info}, engine.dialect)
    async with engine.begin() as conn:  # the other user
        await conn.execute(text("ALTER TABLE customers ADD COLUMN nickname VARCHAR(20)"))
    async with engine.connect() as conn:
        outcome = await save_changes(conn, planned, {ref: info})
    assert not outcome.ok and "added nickname" in outcome.reason, outcome.reason
    async with engine.connect() as conn:
        assert await conn.scalar(text("SELECT name FROM customers WHERE id = 1")) == "ada"
    (now,) = outcome.changed_tables
    planned = plan_save([edit], {ref: now}, engine.dialect)
    async with engine.connect() as conn:
        outcome = await save_changes(conn, planned, {ref: now})
    assert outcome.ok, outcome.reason


async def test_a_new_row_for_a_column_dropped_by_another_connection_is_refused(
    engine: AsyncEngine,
) -> None:
    """Planned on the columns as read; another connection drops a column the new row fills:
    nothing is saved and the reason names the column (it was a plan error, 'no column')."""
    from tui.db.edits import RowInsert
    from tui.db.save import plan_save, save_changes

    info = await describe(engine, "customers")
    ref = TableRef("customers")
    insert = RowInsert(ref, (("name", "newcomer"), ("notes", "hello")), token=1)
    planned = plan_save([insert], {ref: info}, engine.dialect)
    async with engine.begin() as conn:  # the other user
        await conn.execute(text("ALTER TABLE customers DROP COLUMN notes"))
    async with engine.connect() as conn:
        outcome = await save_changes(conn, planned, {ref: info})
    assert not outcome.ok and outcome.failed is insert
    assert "dropped the column notes since you staged this new row" in outcome.reason
    async with engine.connect() as conn:
        count = await conn.scalar(text("SELECT count(*) FROM customers WHERE name = 'newcomer'"))
    assert count == 0


async def test_the_insert_form_knows_what_the_database_fills_in(engine: AsyncEngine) -> None:
    columns = {c.name: c for c in (await describe(engine, "customers")).columns}
    assert insert_hint(columns["id"]) == "auto"
    assert insert_hint(columns["name"]) == ""
    assert insert_hint(columns["notes"]) == "NULL"
    assert insert_hint(columns["tier"]).startswith("default ")
    assert "free" in insert_hint(columns["tier"])
    assert not columns["email"].auto
