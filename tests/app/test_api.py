"""The HTTP API end to end: httpx against the ASGI app, on a real temporary SQLite file."""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import text

from app import database
from app.main import MAX_PAGE_SIZE, create_app
from app.models import Attachment, Customer, Product

RESOURCES = ["/customers", "/products", "/orders", "/order-items", "/events", "/attachments"]


@pytest.fixture
async def api(sqlite_url: str) -> AsyncIterator[FastAPI]:
    """The app on a fresh SQLite file, inside its lifespan (ASGITransport does not run it)."""
    database.configure(sqlite_url)
    application = create_app()
    try:
        async with application.router.lifespan_context(application):
            yield application
    finally:
        database.reset_engines()
        # reset_engines schedules the old async engine's disposal on this loop; let it run.
        await asyncio.sleep(0)


@pytest.fixture
async def client(api: FastAPI) -> AsyncIterator[httpx.AsyncClient]:
    transport = httpx.ASGITransport(app=api)
    async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
        yield http


async def _create(client: httpx.AsyncClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    response = await client.post(path, json=body)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def _customer(client: httpx.AsyncClient, n: int = 1, **fields: Any) -> dict[str, Any]:
    body = {"name": f"Customer {n}", "email": f"c{n}@example.com", **fields}
    return await _create(client, "/customers", body)


async def _product(client: httpx.AsyncClient, n: int = 1, **fields: Any) -> dict[str, Any]:
    body = {"sku": f"SKU-{n}", "name": f"Product {n}", "price": "9.99", **fields}
    return await _create(client, "/products", body)


async def _all_ids(client: httpx.AsyncClient, path: str) -> list[int]:
    response = await client.get(path, params={"limit": MAX_PAGE_SIZE})
    assert response.status_code == 200
    return [item["id"] for item in response.json()["items"]]


async def _foreign_keys_enforced() -> bool:
    async with database.get_async_engine().connect() as connection:
        return bool((await connection.execute(text("PRAGMA foreign_keys"))).scalar_one())


# --- lifespan and health ---------------------------------------------------------------


async def test_lifespan_creates_the_schema(api: FastAPI) -> None:
    async with database.get_async_engine().connect() as connection:
        tables = set(await connection.run_sync(lambda c: sa_inspect(c).get_table_names()))
    assert {"customers", "products", "orders", "order_items", "events", "attachments"} <= tables


async def test_health_on_sqlite_reports_wal(client: httpx.AsyncClient, sqlite_path: Path) -> None:
    response = await client.get("/health")

    assert response.status_code == 200
    body = response.json()
    assert body["status"] == "ok"
    assert body["dialect"] == "sqlite"
    assert body["journal_mode"] == "wal"
    assert body["database"].startswith("sqlite")
    assert body["database"].endswith(str(sqlite_path))


# --- CRUD round trips ------------------------------------------------------------------


async def test_customer_round_trip(client: httpx.AsyncClient) -> None:
    created = await _customer(client, country="DE", tier="gold")
    assert created["name"] == "Customer 1"
    assert created["tier"] == "gold"
    assert created["is_active"] is True
    assert created["public_id"]
    assert created["created_at"]
    url = f"/customers/{created['id']}"

    assert (await client.get(url)).json() == created

    patched = await client.patch(url, json={"name": "Renamed", "notes": "vip"})
    assert patched.status_code == 200
    assert patched.json() == {**created, "name": "Renamed", "notes": "vip"}
    assert (await client.get(url)).json()["name"] == "Renamed"
    assert await _all_ids(client, "/customers") == [created["id"]]

    deleted = await client.delete(url)
    assert deleted.status_code == 204
    assert deleted.content == b""
    assert (await client.get(url)).status_code == 404
    assert await _all_ids(client, "/customers") == []


async def test_product_round_trip_keeps_decimal_and_json(client: httpx.AsyncClient) -> None:
    created = await _product(
        client, price="1234.50", weight_kg=0.25, attributes={"colour": "red", "sizes": [1, 2]}
    )
    assert Decimal(created["price"]) == Decimal("1234.50")
    assert created["attributes"] == {"colour": "red", "sizes": [1, 2]}
    assert created["in_stock"] is True
    url = f"/products/{created['id']}"

    patched = await client.patch(url, json={"price": 0, "in_stock": False, "attributes": None})
    assert patched.status_code == 200
    fetched = (await client.get(url)).json()
    assert Decimal(fetched["price"]) == 0
    assert fetched["in_stock"] is False
    assert fetched["attributes"] is None
    assert fetched["sku"] == "SKU-1"

    assert (await client.delete(url)).status_code == 204
    assert (await client.get(url)).status_code == 404


async def test_order_round_trip_with_items(client: httpx.AsyncClient) -> None:
    customer = await _customer(client)
    pen = await _product(client, 1, price="1.50")
    ink = await _product(client, 2, price="4.00")
    order = await _create(client, "/orders", {"customer_id": customer["id"], "total": "11.00"})
    assert order["status"] == "pending"
    assert order["items"] == []
    url = f"/orders/{order['id']}"

    line_pen = await _create(
        client,
        "/order-items",
        {"order_id": order["id"], "product_id": pen["id"], "quantity": 2, "unit_price": "1.50"},
    )
    line_ink = await _create(
        client,
        "/order-items",
        {"order_id": order["id"], "product_id": ink["id"], "unit_price": "4.00"},
    )
    assert line_ink["quantity"] == 1

    items = (await client.get(url)).json()["items"]
    assert [(i["product_id"], i["quantity"]) for i in items] == [(pen["id"], 2), (ink["id"], 1)]

    patched = await client.patch(f"/order-items/{line_pen['id']}", json={"quantity": 3})
    assert patched.json()["quantity"] == 3
    shipped = await client.patch(url, json={"status": "shipped", "shipped_on": "2024-05-01"})
    assert shipped.status_code == 200
    assert shipped.json()["status"] == "shipped"
    assert shipped.json()["shipped_on"] == "2024-05-01"
    assert [i["quantity"] for i in shipped.json()["items"]] == [3, 1]

    assert (await client.delete(f"/order-items/{line_ink['id']}")).status_code == 204
    assert [i["id"] for i in (await client.get(url)).json()["items"]] == [line_pen["id"]]
    listed = (await client.get("/orders")).json()["items"]
    assert [i["id"] for i in listed[0]["items"]] == [line_pen["id"]]

    assert (await client.delete(url)).status_code == 204
    assert (await client.get(url)).status_code == 404


async def test_event_round_trip(client: httpx.AsyncClient) -> None:
    customer = await _customer(client)
    event = await _create(
        client,
        "/events",
        {
            "occurred_at": "2024-01-02T03:04:05Z",
            "kind": "login",
            "customer_id": customer["id"],
            "payload": {"ip": "10.0.0.1"},
        },
    )
    assert event["kind"] == "login"
    assert event["payload"] == {"ip": "10.0.0.1"}
    patched = await client.patch(f"/events/{event['id']}", json={"amount": 2.5})
    assert patched.json()["amount"] == 2.5
    assert await _all_ids(client, "/events") == [event["id"]]


async def test_attachment_data_travels_as_base64(client: httpx.AsyncClient) -> None:
    raw = bytes(range(256))
    encoded = base64.b64encode(raw).decode()
    created = await _create(client, "/attachments", {"filename": "all.bin", "data": encoded})
    assert created["data"] == encoded
    assert created["size_bytes"] == 256
    assert created["content_type"] == "application/octet-stream"

    async with database.AsyncSessionLocal() as session:
        stored = await session.get(Attachment, created["id"])
        assert stored is not None
        assert stored.data == raw

    patched = await client.patch(
        f"/attachments/{created['id']}", json={"data": base64.b64encode(b"abc").decode()}
    )
    assert patched.status_code == 200
    assert patched.json()["size_bytes"] == 3
    assert base64.b64decode(patched.json()["data"]) == b"abc"

    bad = await client.post("/attachments", json={"filename": "x", "data": "not base64!"})
    assert bad.status_code == 422


# --- errors ------------------------------------------------------------------------------


@pytest.mark.parametrize("path", RESOURCES)
async def test_missing_rows_are_404(client: httpx.AsyncClient, path: str) -> None:
    assert (await client.get(f"{path}/12345")).status_code == 404
    assert (await client.patch(f"{path}/12345", json={})).status_code == 404
    deleted = await client.delete(f"{path}/12345")
    assert deleted.status_code == 404
    assert deleted.json()["detail"].endswith("12345 not found")


async def test_duplicate_email_is_409_and_the_session_recovers(
    client: httpx.AsyncClient,
) -> None:
    first = await _customer(client, 1)
    other = await _customer(client, 2)

    duplicate = await client.post("/customers", json={"name": "Copy", "email": "c1@example.com"})
    assert duplicate.status_code == 409
    detail = duplicate.json()["detail"]
    assert "customers.email" in detail
    assert "INSERT" not in detail
    assert "Traceback" not in duplicate.text

    clash = await client.patch(f"/customers/{other['id']}", json={"email": first["email"]})
    assert clash.status_code == 409
    assert (await client.get(f"/customers/{other['id']}")).json()["email"] == "c2@example.com"

    await _customer(client, 3)
    assert len(await _all_ids(client, "/customers")) == 3


async def test_duplicate_sku_is_409(client: httpx.AsyncClient) -> None:
    await _product(client, 1)

    response = await client.post("/products", json={"sku": "SKU-1", "name": "x", "price": 1})

    assert response.status_code == 409
    assert "products.sku" in response.json()["detail"]
    assert len(await _all_ids(client, "/products")) == 1


async def test_same_product_twice_in_one_order_is_409(client: httpx.AsyncClient) -> None:
    customer = await _customer(client)
    product = await _product(client)
    order = await _create(client, "/orders", {"customer_id": customer["id"]})
    line = {"order_id": order["id"], "product_id": product["id"], "unit_price": "1.00"}
    await _create(client, "/order-items", line)

    response = await client.post("/order-items", json=line)

    assert response.status_code == 409
    assert response.json()["detail"].startswith("conflicts with an existing row")


@pytest.fixture
async def foreign_keys_on(client: httpx.AsyncClient) -> None:
    if not await _foreign_keys_enforced():
        pytest.skip("app.database does not enable PRAGMA foreign_keys on SQLite connections")


@pytest.mark.usefixtures("foreign_keys_on")
async def test_foreign_key_violation_is_409(client: httpx.AsyncClient) -> None:
    response = await client.post("/orders", json={"customer_id": 424242})

    assert response.status_code == 409
    assert "foreign key" in response.json()["detail"].lower()
    assert await _all_ids(client, "/orders") == []


@pytest.mark.usefixtures("foreign_keys_on")
async def test_deleting_a_product_still_ordered_is_409(client: httpx.AsyncClient) -> None:
    customer = await _customer(client)
    product = await _product(client)
    order = await _create(client, "/orders", {"customer_id": customer["id"]})
    line = {"order_id": order["id"], "product_id": product["id"], "unit_price": "1.00"}
    await _create(client, "/order-items", line)

    response = await client.delete(f"/products/{product['id']}")

    assert response.status_code == 409
    assert (await client.get(f"/products/{product['id']}")).status_code == 200


@pytest.mark.usefixtures("foreign_keys_on")
async def test_deleting_an_order_deletes_its_items(client: httpx.AsyncClient) -> None:
    customer = await _customer(client)
    product = await _product(client)
    order = await _create(client, "/orders", {"customer_id": customer["id"]})
    line = {"order_id": order["id"], "product_id": product["id"], "unit_price": "1.00"}
    item = await _create(client, "/order-items", line)

    assert (await client.delete(f"/orders/{order['id']}")).status_code == 204

    assert (await client.get(f"/order-items/{item['id']}")).status_code == 404


@pytest.mark.parametrize(
    ("path", "body"),
    [
        ("/customers", {"name": "x" * 121, "email": "a@b.co"}),
        ("/customers", {"name": "", "email": "a@b.co"}),
        ("/customers", {"name": "x", "email": "no-at-sign.example.com"}),
        ("/customers", {"name": "x", "email": "a@b.co", "tier": "platinum"}),
        ("/customers", {"name": "x", "email": "a@b.co", "country": "DEU"}),
        ("/customers", {"name": "x", "email": "a@b.co", "unknown": 1}),
        ("/customers", {"email": "a@b.co"}),
        ("/customers", {"name": None, "email": "a@b.co"}),
        ("/products", {"sku": "S", "name": "x", "price": "-0.01"}),
        ("/products", {"sku": "S", "name": "x", "price": "1.001"}),
        ("/products", {"sku": "S", "name": "x", "price": "123456789.00"}),
        ("/products", {"sku": "S" * 33, "name": "x", "price": 1}),
        ("/orders", {"customer_id": 1, "status": "lost"}),
        ("/orders", {"customer_id": 2**31}),
        ("/order-items", {"order_id": 1, "product_id": 1, "unit_price": 1, "quantity": 0}),
        ("/events", {"occurred_at": "yesterday", "kind": "x"}),
    ],
)
async def test_invalid_bodies_are_422_and_store_nothing(
    client: httpx.AsyncClient, path: str, body: dict[str, Any]
) -> None:
    response = await client.post(path, json=body)

    assert response.status_code == 422, response.text
    assert response.json()["detail"]
    assert await _all_ids(client, path) == []


@pytest.mark.parametrize(
    "patch",
    [{"name": None}, {"tier": None}, {"name": "y" * 121}, {"email": "x"}, {"id": 99}],
)
async def test_invalid_patches_are_422_and_change_nothing(
    client: httpx.AsyncClient, patch: dict[str, Any]
) -> None:
    created = await _customer(client)

    response = await client.patch(f"/customers/{created['id']}", json=patch)

    assert response.status_code == 422, response.text
    assert (await client.get(f"/customers/{created['id']}")).json() == created


@pytest.mark.parametrize(
    "url", ["/customers/0", "/customers/abc", f"/customers/{2**31}", f"/orders/{2**63}"]
)
async def test_invalid_ids_are_422(client: httpx.AsyncClient, url: str) -> None:
    assert (await client.get(url)).status_code == 422


@pytest.mark.parametrize("params", [{"limit": 0}, {"limit": "many"}, {"after": -1}])
async def test_invalid_page_parameters_are_422(
    client: httpx.AsyncClient, params: dict[str, Any]
) -> None:
    assert (await client.get("/customers", params=params)).status_code == 422


async def test_a_stored_row_the_schema_rejects_is_a_500_without_traceback(
    client: httpx.AsyncClient,
) -> None:
    # Written around the API, as another client of the database could.
    async with database.AsyncSessionLocal() as session:
        session.add(Customer(name="Odd", email="not an email"))
        await session.commit()

    response = await client.get("/customers/1")

    assert response.status_code == 500
    assert response.json() == {"detail": "a stored row does not match the API schema"}


# --- keyset pagination -------------------------------------------------------------------


async def test_pages_follow_next_after_to_the_end(client: httpx.AsyncClient) -> None:
    ids = [(await _customer(client, n))["id"] for n in range(6)]

    first = (await client.get("/customers", params={"limit": 3})).json()
    assert [c["id"] for c in first["items"]] == ids[:3]
    assert first["next_after"] == ids[2]
    second = (await client.get("/customers", params={"limit": 3, "after": ids[2]})).json()
    assert [c["id"] for c in second["items"]] == ids[3:]
    # Exactly full and nothing after it: the last page says so.
    assert second["next_after"] is None


async def test_pagination_is_stable_while_rows_change(client: httpx.AsyncClient) -> None:
    initial = [(await _product(client, n))["id"] for n in range(20)]
    # Gaps behind the cursor-to-be, filled in while paging: an OFFSET-based list would
    # repeat rows after each fill and skip rows after each delete.
    for gap in initial[1:8:2]:
        assert (await client.delete(f"/products/{gap}")).status_code == 204
    present = [i for i in initial if i not in initial[1:8:2]]

    seen: list[int] = []
    appended: list[int] = []
    after: int | None = None
    fills = iter(initial[1:8:2])
    while True:
        params = {"limit": 4} if after is None else {"limit": 4, "after": after}
        page = (await client.get("/products", params=params)).json()
        seen += [p["id"] for p in page["items"]]
        after = page["next_after"]
        if after is None:
            break
        gap = next(fills, None)
        if gap is not None:
            async with database.AsyncSessionLocal() as session:
                session.add(Product(id=gap, sku=f"FILL-{gap}", name="fill", price=Decimal(1)))
                await session.commit()
        if len(appended) < 3:
            appended.append((await _product(client, 100 + len(appended)))["id"])
        if len(seen) == 8:
            # A row already seen goes away.
            assert (await client.delete(f"/products/{seen[0]}")).status_code == 204

    assert len(seen) == len(set(seen)), "a row came twice"
    assert seen == sorted(seen)
    assert seen == present + appended


async def test_page_size_is_capped(client: httpx.AsyncClient) -> None:
    async with database.AsyncSessionLocal() as session:
        session.add_all(
            Customer(name=f"C{n}", email=f"c{n}@example.com") for n in range(MAX_PAGE_SIZE + 1)
        )
        await session.commit()

    page = (await client.get("/customers", params={"limit": 100_000})).json()

    assert len(page["items"]) == MAX_PAGE_SIZE
    assert page["next_after"] == page["items"][-1]["id"]
    rest = (await client.get("/customers", params={"after": page["next_after"]})).json()
    assert len(rest["items"]) == 1
    assert rest["next_after"] is None


async def test_openapi_documents_every_resource(client: httpx.AsyncClient) -> None:
    response = await client.get("/openapi.json")

    assert response.status_code == 200
    paths = response.json()["paths"]
    for prefix in RESOURCES:
        assert set(paths[prefix]) == {"get", "post"}
        assert set(paths[f"{prefix}/{{item_id}}"]) == {"get", "patch", "delete"}
    assert "/health" in paths
