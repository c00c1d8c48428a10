"""Optimistic concurrency in the HTTP API: ETag on reads, If-Match on PATCH and DELETE.

The same rule as dbbrowse's editor: a write conditional on what was read never overwrites a
change someone else committed in between. Run on SQLite, PostgreSQL and MariaDB, with a
second client (plain SQL on its own connection) as the other writer.
"""

from __future__ import annotations

import asyncio
import base64
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from fastapi import FastAPI
from sqlalchemy import create_engine, text

import app.models  # noqa: F401  (registers the models)
from app import database
from app.engines import derive_urls
from app.main import create_app
from app.versioning import entity_tag, tag_matches


@pytest.fixture(params=["sqlite", "postgres", "mariadb"])
def any_url(request: pytest.FixtureRequest) -> str:
    url: str = request.getfixturevalue(f"{request.param}_url")
    return url


@pytest.fixture
async def client(any_url: str) -> AsyncIterator[httpx.AsyncClient]:
    database.configure(any_url)
    application: FastAPI = create_app()
    try:
        async with application.router.lifespan_context(application):
            transport = httpx.ASGITransport(app=application)
            async with httpx.AsyncClient(transport=transport, base_url="http://test") as http:
                yield http
            # The server databases are shared by the run: leave no rows behind.
            async with database.get_async_engine().begin() as conn:
                for table in reversed(database.Base.metadata.sorted_tables):
                    await conn.execute(table.delete())
    finally:
        database.reset_engines()
        await asyncio.sleep(0)


def other_client_runs(url: str, sql: str, **params: Any) -> None:
    """Another writer, on its own connection, commits ``sql``."""
    engine = create_engine(derive_urls(url)[0])
    try:
        with engine.begin() as conn:
            conn.execute(text(sql), params)
    finally:
        engine.dispose()


def race_before_the_write(monkeypatch: pytest.MonkeyPatch, url: str, sql: str, item: int) -> None:
    """Another writer commits ``sql`` after the tag check, just before the conditional write."""
    import app.main

    original = app.main.unchanged_since

    def race(*args: Any) -> Any:
        other_client_runs(url, sql, i=item)
        return original(*args)

    monkeypatch.setattr(app.main, "unchanged_since", race)


async def new_product(client: httpx.AsyncClient) -> tuple[int, str]:
    body = {"sku": "SKU-1", "name": "Lamp", "price": "9.99", "attributes": {"w": 3}}
    response = await client.post("/products", json=body)
    assert response.status_code == 201, response.text
    return response.json()["id"], response.headers["ETag"]


async def test_get_create_and_patch_carry_the_same_tag_for_the_same_row(
    client: httpx.AsyncClient,
) -> None:
    item, created_tag = await new_product(client)
    got = await client.get(f"/products/{item}")
    assert got.headers["ETag"] == created_tag
    patched = await client.patch(f"/products/{item}", json={"name": "Lamp 2"})
    assert patched.status_code == 200
    assert patched.headers["ETag"] != created_tag
    assert (await client.get(f"/products/{item}")).headers["ETag"] == patched.headers["ETag"]


async def test_patch_with_the_current_tag_writes(client: httpx.AsyncClient) -> None:
    item, tag = await new_product(client)
    response = await client.patch(
        f"/products/{item}", json={"name": "Desk lamp"}, headers={"If-Match": tag}
    )
    assert response.status_code == 200, response.text
    assert response.json()["name"] == "Desk lamp"


async def test_patch_after_another_client_changed_the_row_is_412_and_writes_nothing(
    client: httpx.AsyncClient, any_url: str
) -> None:
    item, tag = await new_product(client)
    other_client_runs(any_url, "UPDATE products SET description = 'theirs' WHERE id = :i", i=item)
    response = await client.patch(
        f"/products/{item}", json={"name": "mine"}, headers={"If-Match": tag}
    )
    assert response.status_code == 412
    assert "changed since" in response.json()["detail"]
    now = (await client.get(f"/products/{item}")).json()
    assert now["name"] == "Lamp" and now["description"] == "theirs"
    assert response.headers["ETag"] == (await client.get(f"/products/{item}")).headers["ETag"]


async def test_delete_after_another_client_changed_the_row_is_412_and_keeps_it(
    client: httpx.AsyncClient, any_url: str
) -> None:
    item, tag = await new_product(client)
    other_client_runs(any_url, "UPDATE products SET price = 10.5 WHERE id = :i", i=item)
    response = await client.delete(f"/products/{item}", headers={"If-Match": tag})
    assert response.status_code == 412
    assert (await client.get(f"/products/{item}")).status_code == 200


async def test_delete_with_the_current_tag_deletes(client: httpx.AsyncClient) -> None:
    item, tag = await new_product(client)
    response = await client.delete(f"/products/{item}", headers={"If-Match": tag})
    assert response.status_code == 204
    assert (await client.get(f"/products/{item}")).status_code == 404


async def test_a_null_json_and_a_null_column_match_their_own_tag(
    client: httpx.AsyncClient,
) -> None:
    """None reads back from SQL NULL and JSON null: the condition must accept either."""
    body = {"sku": "SKU-9", "name": "Bare", "price": "1.00"}
    created = await client.post("/products", json=body)
    item, tag = created.json()["id"], created.headers["ETag"]
    assert created.json()["attributes"] is None and created.json()["weight_kg"] is None
    response = await client.patch(
        f"/products/{item}", json={"name": "B"}, headers={"If-Match": tag}
    )
    assert response.status_code == 200, response.text


async def test_without_if_match_the_last_writer_wins(
    client: httpx.AsyncClient, any_url: str
) -> None:
    item, _tag = await new_product(client)
    other_client_runs(any_url, "UPDATE products SET name = 'theirs' WHERE id = :i", i=item)
    response = await client.patch(f"/products/{item}", json={"name": "mine"})
    assert response.status_code == 200
    assert response.json()["name"] == "mine"


def test_tags_tell_apart_values_that_print_alike() -> None:
    assert entity_tag({"a": 1}) != entity_tag({"a": "1"})
    assert entity_tag({"a": ""}) != entity_tag({"a": None})
    assert entity_tag({"a": b"x"}) != entity_tag({"a": "x"})
    assert entity_tag({"a": 1, "b": 2}) != entity_tag({"a": 2, "b": 1})
    assert entity_tag({"ab": "c"}) != entity_tag({"a": "bc"})
    assert entity_tag({"a": 0.1}) == entity_tag({"a": 0.1})


def test_if_match_lists_and_the_wildcard() -> None:
    tag = entity_tag({"a": 1})
    assert tag_matches(tag, tag)
    assert tag_matches(f'"other", {tag}', tag)
    assert tag_matches("*", tag)
    assert not tag_matches('"other"', tag)
    assert not tag_matches(f"W/{tag}", tag)  # a weak tag never matches strongly


async def test_a_change_between_the_check_and_the_write_is_not_overwritten(
    client: httpx.AsyncClient, any_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The tag matched when read; another writer commits before our UPDATE runs."""
    item, tag = await new_product(client)
    sql = "UPDATE products SET name = 'theirs' WHERE id = :i"
    race_before_the_write(monkeypatch, any_url, sql, item)
    response = await client.patch(
        f"/products/{item}", json={"name": "mine"}, headers={"If-Match": tag}
    )
    monkeypatch.undo()
    if any_url.startswith("sqlite"):
        # SQLite refuses to turn a read transaction whose snapshot is stale into a write.
        assert response.status_code in (412, 503)
    else:
        assert response.status_code == 412
        assert "changed while it was being written" in response.json()["detail"]
    assert (await client.get(f"/products/{item}")).json()["name"] == "theirs"


async def test_a_change_of_case_or_trailing_spaces_is_a_change(
    client: httpx.AsyncClient, any_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """MariaDB's collations find 'Lamp' = 'LAMP ': the write's condition compares the bytes.

    The other writer commits between the tag check and the UPDATE, so only the statement's
    own condition can notice.
    """
    item, tag = await new_product(client)
    sql = "UPDATE products SET name = 'LAMP ' WHERE id = :i"
    race_before_the_write(monkeypatch, any_url, sql, item)
    response = await client.patch(
        f"/products/{item}", json={"description": "mine"}, headers={"If-Match": tag}
    )
    monkeypatch.undo()
    assert response.status_code in ((412, 503) if any_url.startswith("sqlite") else (412,))
    now = (await client.get(f"/products/{item}")).json()
    assert now["name"] == "LAMP " and now["description"] is None


async def test_binary_rows_are_written_conditionally_on_every_engine(
    client: httpx.AsyncClient,
) -> None:
    raw = bytes(range(256))
    body = {"filename": "all.bin", "data": base64.b64encode(raw).decode()}
    created = await client.post("/attachments", json=body)
    assert created.status_code == 201, created.text
    item, tag = created.json()["id"], created.headers["ETag"]
    patched = await client.patch(
        f"/attachments/{item}",
        json={"data": base64.b64encode(b"\x00abc").decode()},
        headers={"If-Match": tag},
    )
    assert patched.status_code == 200, patched.text
    assert base64.b64decode(patched.json()["data"]) == b"\x00abc"
    stale = await client.delete(f"/attachments/{item}", headers={"If-Match": tag})
    assert stale.status_code == 412
    fresh = await client.delete(
        f"/attachments/{item}", headers={"If-Match": patched.headers["ETag"]}
    )
    assert fresh.status_code == 204
