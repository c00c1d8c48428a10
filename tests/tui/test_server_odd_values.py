"""Server values that Python cannot hash or that the driver reads as something else, driven
through the keys a person presses: PostgreSQL's ``infinity`` timestamps and dates (shown,
edited and saved as such, never as 9999-12-31 / 0001-01-01), reviewing a staged deletion of
a row holding a jsonb object or an array (PostgreSQL) or a JSON document (MariaDB).

Each test gets a table of its own in the run's ``dbbrowse_*`` database and reads back what
was written with a connection of its own.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from textual.widgets import Input, Select, TextArea

from tests.tui.editing import edit_to, editing, press, rows, save, sync_url, to_column
from tests.tui.scenes import eventually, settle
from tui.db.filter_spec import FilterOp
from tui.db.paging import RowQuery, SortSpec
from tui.screens.confirm import ConfirmScreen
from tui.screens.edit_cell import CellEditorScreen
from tui.screens.filter import FilterScreen
from tui.screens.pending import PendingScreen
from tui.text.cells import value_text


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
    """Rows 1..5 holding a jsonb object, an int[] with a NULL, an empty array, the jsonb
    documents null and "str", and SQL NULL."""
    yield from _table(
        postgres_url,
        "CREATE TABLE {t} (id INTEGER PRIMARY KEY, j JSONB, arr INTEGER[])",
        "INSERT INTO {t} VALUES (1, '{\"a\": [1, 2, {\"b\": null}]}', '{1,2,NULL}'),"
        " (2, '[1, \"x\"]', '{}'), (3, 'null', NULL), (4, '\"str\"', NULL), (5, NULL, NULL)",
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
    assert rows(postgres_url, f"SELECT id FROM {quoted} ORDER BY id") == [(3,), (4,), (5,)]


@pytest.mark.postgres
async def test_jsonb_null_and_strings_are_not_sql_null_or_text(
    postgres_url: str, pg_docs: tuple[str, str]
) -> None:
    name, quoted = pg_docs
    async with editing(postgres_url, name) as (app, pilot, screen, grid):
        shown = []
        for position in (2, 3, 4):
            grid.move_to(position)
            row = grid.current_row() or ()
            shown.append(value_text(row[1]))
        assert [text for text, _part in shown] == ["null", '"str"', "∅ NULL"]
        assert shown[0][1] is not shown[2][1]  # drawn as a value, not as NULL
        grid.move_to(3)
        to_column(grid, "j")
        await press(pilot, "e")
        editor = app.screen
        assert isinstance(editor, CellEditorScreen)
        area = editor.query_one("#editor", TextArea)
        assert area.text == '"str"'  # the document, not the bare text (invalid JSON)
        area.load_text('"other"')
        await press(pilot, "ctrl+s")
        assert screen.status.pending == 1
        grid.move_to(2)
        await press(pilot, "d")
        assert isinstance(app.screen, ConfirmScreen)
        await press(pilot, "y")  # the row holding the document null (and no SQL NULL)
        await save(pilot)
        assert screen.status.pending == 0, screen.status.notice
    got = rows(postgres_url, f"SELECT id, j::text FROM {quoted} WHERE id > 2 ORDER BY id")
    assert got == [(4, '"other"'), (5, None)]


@pytest.mark.mariadb
async def test_reviewing_deleted_rows_with_json(
    mariadb_url: str, maria_docs: tuple[str, str]
) -> None:
    name, quoted = maria_docs
    await _delete_and_review(mariadb_url, name, [0, 1])
    assert rows(mariadb_url, f"SELECT id FROM {quoted}") == []


@pytest.fixture
def pg_times(postgres_url: str) -> Iterator[tuple[str, str]]:
    """Rows 1..2 holding infinite timestamps and dates, and a note."""
    yield from _table(
        postgres_url,
        "CREATE TABLE {t} (id INTEGER PRIMARY KEY, ts TIMESTAMPTZ, d DATE, note TEXT)",
        "INSERT INTO {t} VALUES (1, 'infinity', '-infinity', 'a'),"
        " (2, '-infinity', 'infinity', 'b')",
    )


@pytest.mark.postgres
async def test_infinite_timestamps_are_shown_edited_and_kept(
    postgres_url: str, pg_times: tuple[str, str]
) -> None:
    name, quoted = pg_times
    async with editing(postgres_url, name) as (app, pilot, screen, grid):
        shown = []
        for position in (0, 1):
            grid.move_to(position)
            shown.append([value_text(v)[0] for v in grid.current_row() or ()])
        grid.move_to(0)
        assert shown == [["1", "infinity", "-infinity", "a"], ["2", "-infinity", "infinity", "b"]]
        to_column(grid, "note")
        await edit_to(pilot, "edited")  # the row's infinities are not written back clamped
        to_column(grid, "d")
        await edit_to(pilot, "infinity")
        grid.move_to(1)
        await press(pilot, "d")
        assert isinstance(app.screen, ConfirmScreen)
        await press(pilot, "y")  # the deletion compares the whole row, infinities included
        await save(pilot)
        assert screen.status.pending == 0, screen.status.notice
    got = rows(postgres_url, f"SELECT id, ts::text, d::text, note FROM {quoted}")
    assert got == [(1, "infinity", "infinity", "edited")]


@pytest.fixture
def maria_bits(mariadb_url: str) -> Iterator[tuple[str, str]]:
    """Rows 1..3 with BIT(8) values other than zero, zero, and a BIT(16) with a high byte."""
    yield from _table(
        mariadb_url,
        "CREATE TABLE {t} (id INTEGER PRIMARY KEY, bits BIT(8), wide BIT(16), note TEXT)",
        "INSERT INTO {t} VALUES (1, b'10101010', b'1000000000000001', 'a'),"
        " (2, b'0', b'0', 'b'), (3, b'11111111', NULL, 'c')",
    )


@pytest.mark.mariadb
async def test_rows_with_bit_values_are_deleted(
    mariadb_url: str, maria_bits: tuple[str, str]
) -> None:
    name, quoted = maria_bits
    async with editing(mariadb_url, name) as (app, pilot, screen, grid):
        for position in (0, 1):
            grid.move_to(position)
            await press(pilot, "d")
            assert isinstance(app.screen, ConfirmScreen)
            await press(pilot, "y")
        await save(pilot)
        assert screen.status.pending == 0, screen.status.notice
    got = rows(mariadb_url, f"SELECT id, bits + 0, note FROM {quoted}")
    assert got == [(3, 255, "c")]


@pytest.mark.postgres
async def test_filtering_on_infinity(postgres_url: str, pg_times: tuple[str, str]) -> None:
    name, _quoted = pg_times
    async with editing(postgres_url, name) as (app, pilot, _screen, grid):
        to_column(grid, "ts")
        await press(pilot, "f")
        dialog = app.screen
        assert isinstance(dialog, FilterScreen)
        dialog.query_one("#filter-op", Select).value = FilterOp.EQ
        await pilot.pause()
        dialog.query_one("#filter-value", Input).value = "-Infinity"
        await pilot.click("#apply")
        await settle(pilot)
        assert grid.total == 1
        row = grid.source.row_at(0)
        assert row is not None and row[0] == 2


@pytest.fixture
def pg_many_times(postgres_url: str) -> Iterator[tuple[str, str]]:
    """600 rows whose timestamps are infinity, -infinity or a real one, by thirds."""
    yield from _table(
        postgres_url,
        "CREATE TABLE {t} (id INTEGER PRIMARY KEY, ts TIMESTAMPTZ)",
        "INSERT INTO {t} SELECT i, CASE i % 3 WHEN 0 THEN 'infinity'::timestamptz"
        " WHEN 1 THEN '-infinity' ELSE '2024-01-01'::timestamptz + i * interval '1 hour' END"
        " FROM generate_series(1, 600) AS i",
    )


@pytest.mark.postgres
async def test_paging_sorted_by_infinite_timestamps(
    postgres_url: str, pg_many_times: tuple[str, str]
) -> None:
    """Pages after the first are read from the last row's infinity (bound as the server's)."""
    name, _quoted = pg_many_times
    async with editing(postgres_url, name) as (_app, pilot, screen, grid):
        table = screen.table
        screen.open_table(table, RowQuery(sort=(SortSpec("ts"), SortSpec("id"))))
        await settle(pilot)
        seen = []
        for position in range(600):
            grid.move_to(position)
            await eventually(pilot, lambda p=position: grid.source.row_at(p) is not None, "row")
            row = grid.source.row_at(position)
            assert row is not None
            seen.append(row[0])
        assert sorted(seen) == list(range(1, 601))
        assert seen[:3] == [1, 4, 7] and seen[-1] == 600  # -infinity first, infinity last


@pytest.fixture
def maria_bit_key(mariadb_url: str) -> Iterator[tuple[str, str]]:
    """A table keyed by a BIT(8): 0b10101010, 1 and 0."""
    yield from _table(
        mariadb_url,
        "CREATE TABLE {t} (b BIT(8) PRIMARY KEY, note TEXT)",
        "INSERT INTO {t} VALUES (b'10101010', 'a'), (b'1', 'b'), (b'0', 'c')",
    )


@pytest.mark.mariadb
async def test_rows_keyed_by_bit_are_edited_and_deleted(
    mariadb_url: str, maria_bit_key: tuple[str, str]
) -> None:
    name, quoted = maria_bit_key
    async with editing(mariadb_url, name) as (app, pilot, screen, grid):
        by_key = {}
        for position in range(3):
            grid.move_to(position)
            row = grid.current_row()
            assert row is not None
            by_key[row[0]] = position
        grid.move_to(by_key[b"\x01"])
        to_column(grid, "note")
        await edit_to(pilot, "edited")
        grid.move_to(by_key[b"\xaa"])
        await press(pilot, "d")
        assert isinstance(app.screen, ConfirmScreen)
        await press(pilot, "y")
        await save(pilot)
        assert screen.status.pending == 0, screen.status.notice
    got = rows(mariadb_url, f"SELECT b + 0, note FROM {quoted} ORDER BY b")
    assert got == [(0, "c"), (1, "edited")]
