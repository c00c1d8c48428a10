"""NUMERIC/DECIMAL values are shown, copied, edited and exported in fixed-point notation with
every digit, as the server prints them: MariaDB decimal(40,10) zero is 0.0000000000 and
PostgreSQL numeric 1e-30 is 0.000000000000000000000000000001, never Python's 0E-10 / 1E-30
(hostile report, 22)."""

from __future__ import annotations

import io
import json
import uuid
from decimal import Decimal

import pytest
from sqlalchemy import create_engine, text

from app.engines import derive_urls
from tui.db.decimals import decimal_text
from tui.db.export import export_rows, query_statement
from tui.db.export_formats import ExportFormat, ExportOptions
from tui.db.source import DataSource
from tui.db.target import resolve_target
from tui.text.cells import value_text
from tui.text.detail import copy_text

TINY = "0.000000000000000000000000000001"
CASES = [
    (Decimal("0E-10"), "0.0000000000"),
    (Decimal("1E-30"), TINY),
    (Decimal("-1.50E-7"), "-0.000000150"),
    (Decimal("1E+5"), "100000"),
    (
        Decimal("123456789012345678901234567890.123456789"),
        "123456789012345678901234567890.123456789",
    ),
    (Decimal("NaN"), "NaN"),
    (Decimal("-Infinity"), "-Infinity"),
]


@pytest.mark.parametrize(("value", "shown"), CASES)
def test_a_decimal_is_shown_and_copied_in_fixed_point(value: Decimal, shown: str) -> None:
    assert decimal_text(value) == shown
    assert value_text(value)[0] == shown
    assert copy_text(value) == shown
    assert copy_text([value]) == f'["{shown}"]'  # inside a numeric[] (as the export writes it)
    if value.is_finite():  # exactness: the text is the same number, scale included
        assert Decimal(shown) == value
        if value.as_tuple().exponent <= 0:  # type: ignore[operator]
            assert Decimal(shown).as_tuple() == value.as_tuple()  # the scale kept too


@pytest.mark.parametrize(
    ("server", "column", "stored", "shown"),
    [
        pytest.param(
            "mariadb_url", "DECIMAL(40,10)", "0", "0.0000000000", marks=pytest.mark.mariadb
        ),
        pytest.param("postgres_url", "NUMERIC", "1e-30", TINY, marks=pytest.mark.postgres),
    ],
)
async def test_a_server_decimal_exports_as_the_server_prints_it(
    request: pytest.FixtureRequest, server: str, column: str, stored: str, shown: str
) -> None:
    url: str = request.getfixturevalue(server)
    engine = create_engine(derive_urls(url)[0])
    name = f"dec_{uuid.uuid4().hex[:6]}"
    with engine.begin() as conn:
        conn.execute(text(f"CREATE TABLE {name} (id INTEGER PRIMARY KEY, n {column})"))
        conn.execute(text(f"INSERT INTO {name} VALUES (1, {stored})"))
        printed = conn.execute(text(f"SELECT CAST(n AS CHAR(80)) FROM {name}")).scalar_one()
    assert printed.strip() == shown  # what the server itself prints (CHAR pads it)
    source = await DataSource.open(resolve_target(url, default_url="", read_only=True))
    try:
        statement = query_statement(f"SELECT n FROM {name}")
        got = {}
        for fmt in (ExportFormat.CSV, ExportFormat.TSV, ExportFormat.JSONL):
            out = io.StringIO()
            await source.run(
                lambda conn, o=out, f=fmt: export_rows(conn, statement, o, ExportOptions(f))  # type: ignore[misc]
            )
            got[fmt] = out.getvalue().splitlines()[-1]
        assert got[ExportFormat.CSV] == shown
        assert got[ExportFormat.TSV] == shown
        assert got[ExportFormat.JSONL] == f'{{"n": {shown}}}'
        assert Decimal(
            str(json.loads(got[ExportFormat.JSONL], parse_float=Decimal)["n"])
        ) == Decimal(shown)
    finally:
        await source.close()
        with engine.begin() as conn:
            conn.execute(text(f"DROP TABLE {name}"))
        engine.dispose()
