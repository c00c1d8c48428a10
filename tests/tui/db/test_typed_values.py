"""Typed text becomes the value of the column's type, or is refused in words."""

from __future__ import annotations

import datetime as dt
import sqlite3
import uuid
from decimal import Decimal
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Date,
    DateTime,
    Double,
    Enum,
    LargeBinary,
    Numeric,
    String,
    Text,
    Time,
    Uuid,
)
from sqlalchemy.dialects import mysql, postgresql
from sqlalchemy.types import NullType, TypeEngine

from tui.db.model import ValueKind
from tui.db.typed_values import (
    BadValueError,
    kind_from_affinity,
    kind_from_type,
    parse_value,
    sqlite_affinity,
)


@pytest.mark.parametrize(
    ("declared", "affinity"),
    [
        # The examples of the table in section 3.1.1 of "Datatypes In SQLite".
        ("INT", "INTEGER"),
        ("INTEGER", "INTEGER"),
        ("TINYINT", "INTEGER"),
        ("UNSIGNED BIG INT", "INTEGER"),
        ("INT8", "INTEGER"),
        ("CHARACTER(20)", "TEXT"),
        ("VARCHAR(255)", "TEXT"),
        ("NATIVE CHARACTER(70)", "TEXT"),
        ("NVARCHAR(100)", "TEXT"),
        ("TEXT", "TEXT"),
        ("CLOB", "TEXT"),
        ("BLOB", "BLOB"),
        ("", "BLOB"),
        ("REAL", "REAL"),
        ("DOUBLE", "REAL"),
        ("DOUBLE PRECISION", "REAL"),
        ("FLOAT", "REAL"),
        ("NUMERIC", "NUMERIC"),
        ("DECIMAL(10,5)", "NUMERIC"),
        ("BOOLEAN", "NUMERIC"),
        ("DATE", "NUMERIC"),
        ("DATETIME", "NUMERIC"),
        # The rules' order has surprises: "INT" wins over everything, even in POINT.
        ("FLOATING POINT", "INTEGER"),
        ("STRING", "NUMERIC"),
        ("CHARINT", "INTEGER"),
    ],
)
def test_sqlite_affinity_follows_the_documented_rules(declared: str, affinity: str) -> None:
    assert sqlite_affinity(declared) == affinity
    # And SQLite agrees: typeof() of '1' stored in such a column shows the affinity at work.
    conn = sqlite3.connect(":memory:")
    conn.execute(f"CREATE TABLE t (c {declared})")
    conn.execute("INSERT INTO t VALUES ('1')")
    stored = conn.execute("SELECT typeof(c) FROM t").fetchone()[0]
    conn.close()
    expected = {"INTEGER": "integer", "NUMERIC": "integer", "REAL": "real"}.get(affinity, "text")
    assert stored == expected


@pytest.mark.parametrize(
    ("type_", "kind"),
    [
        (BigInteger(), ValueKind.INTEGER),
        (Boolean(), ValueKind.BOOLEAN),
        (Numeric(10, 2), ValueKind.DECIMAL),
        (Double(), ValueKind.REAL),
        (postgresql.DOUBLE_PRECISION(), ValueKind.REAL),
        (mysql.DOUBLE(), ValueKind.REAL),
        (String(40), ValueKind.TEXT),
        (Text(), ValueKind.TEXT),
        (postgresql.CITEXT(), ValueKind.TEXT),
        (Enum("a", "b"), ValueKind.TEXT),
        (JSON(), ValueKind.TEXT),
        (Uuid(), ValueKind.UUID),
        (postgresql.UUID(), ValueKind.UUID),
        (LargeBinary(), ValueKind.BINARY),
        (Date(), ValueKind.DATE),
        (DateTime(timezone=True), ValueKind.DATETIME),
        (Time(), ValueKind.TIME),
        (postgresql.INET(), ValueKind.ANY),
        (NullType(), ValueKind.ANY),
    ],
)
def test_server_types_map_to_kinds(type_: TypeEngine[Any], kind: ValueKind) -> None:
    assert kind_from_type(type_) == kind


@pytest.mark.parametrize(
    ("text", "kind", "expected"),
    [
        ("007", ValueKind.TEXT, "007"),
        (" padded ", ValueKind.TEXT, " padded "),
        ("10115", ValueKind.TEXT, "10115"),
        ("", ValueKind.TEXT, ""),
        ("007", ValueKind.INTEGER, 7),
        (" -12 ", ValueKind.INTEGER, -12),
        ("9223372036854775807", ValueKind.INTEGER, 2**63 - 1),
        ("1.5", ValueKind.REAL, 1.5),
        ("-3", ValueKind.REAL, -3.0),
        ("2e3", ValueKind.REAL, 2000.0),
        ("12.30", ValueKind.DECIMAL, Decimal("12.30")),
        ("007", ValueKind.NUMERIC, 7),
        ("1.5", ValueKind.NUMERIC, 1.5),
        ("2024-05-01", ValueKind.NUMERIC, "2024-05-01"),
        ("abc", ValueKind.NUMERIC, "abc"),
        ("7", ValueKind.ANY, 7),
        ("-2.5", ValueKind.ANY, -2.5),
        ("007", ValueKind.ANY, "007"),
        ("-0", ValueKind.ANY, "-0"),
        ("1.50", ValueKind.ANY, "1.50"),
        ("x'00ff'", ValueKind.ANY, b"\x00\xff"),
        ("hello", ValueKind.ANY, "hello"),
        ("yes", ValueKind.BOOLEAN, True),
        ("F", ValueKind.BOOLEAN, False),
        ("2024-05-01", ValueKind.DATE, dt.date(2024, 5, 1)),
        ("2024-05-01 13:45", ValueKind.DATETIME, dt.datetime(2024, 5, 1, 13, 45)),
        ("13:45:10", ValueKind.TIME, dt.time(13, 45, 10)),
        (
            "12345678-1234-5678-1234-567812345678",
            ValueKind.UUID,
            uuid.UUID("12345678-1234-5678-1234-567812345678"),
        ),
        ("x'CAFE'", ValueKind.BINARY, b"\xca\xfe"),
        ("hé", ValueKind.BINARY, "hé".encode()),
    ],
)
def test_parse_value(text: str, kind: ValueKind, expected: object) -> None:
    value = parse_value(text, kind)
    assert value == expected
    assert type(value) is type(expected)


@pytest.mark.parametrize(
    ("text", "kind", "message"),
    [
        ("abc", ValueKind.INTEGER, "not an integer"),
        ("1.5", ValueKind.INTEGER, "not an integer"),
        ("", ValueKind.INTEGER, "not an integer"),
        ("1_000", ValueKind.INTEGER, "not an integer"),
        ("9223372036854775808", ValueKind.INTEGER, "out of range"),
        ("nan", ValueKind.REAL, "not a number"),
        ("inf", ValueKind.REAL, "not a number"),
        ("1e999", ValueKind.REAL, "out of range"),
        ("ten", ValueKind.DECIMAL, "not a decimal"),
        ("maybe", ValueKind.BOOLEAN, "not true or false"),
        ("May 1st", ValueKind.DATE, "not a date"),
        ("noon", ValueKind.TIME, "not a time"),
        ("not-a-uuid", ValueKind.UUID, "not a UUID"),
    ],
)
def test_bad_values_are_refused_in_words(text: str, kind: ValueKind, message: str) -> None:
    with pytest.raises(BadValueError, match=message):
        parse_value(text, kind)


@given(st.text())
def test_text_is_always_kept_exactly(text: str) -> None:
    assert parse_value(text, ValueKind.TEXT) == text


@given(st.integers(min_value=-(2**63), max_value=2**63 - 1))
def test_integers_round_trip(number: int) -> None:
    assert parse_value(str(number), ValueKind.INTEGER) == number
    assert parse_value(str(number), ValueKind.ANY) == number
    assert parse_value(str(number), ValueKind.NUMERIC) == number


@given(st.floats(allow_nan=False, allow_infinity=False))
def test_floats_round_trip(number: float) -> None:
    assert parse_value(repr(number), ValueKind.REAL) == number
    assert parse_value(repr(number), ValueKind.ANY) == number


@given(st.text())
def test_any_text_either_parses_or_is_refused_in_words(text: str) -> None:
    """No kind lets another exception (OverflowError, InvalidOperation...) escape."""
    messages = []
    for kind in ValueKind:
        try:
            parse_value(text, kind)
        except BadValueError as exc:
            messages.append(str(exc))
    assert all(messages)


@given(st.text())
def test_a_guess_never_changes_what_the_text_says(text: str) -> None:
    """Without a type, text becomes a number only when the number prints back as the text."""
    value = parse_value(text, ValueKind.ANY)
    if isinstance(value, int | float):
        assert repr(value) == text


def test_sqlite_compares_a_text_column_with_the_text() -> None:
    """'007' in a TEXT column matches only '007'; in an INTEGER column it is 7."""
    conn = sqlite3.connect(":memory:")
    conn.execute("CREATE TABLE t (code TEXT, n INTEGER)")
    conn.executemany("INSERT INTO t VALUES (?, ?)", [("007", 7), ("7", 8)])
    code = parse_value("007", kind_from_affinity("TEXT"))
    n = parse_value("007", kind_from_affinity("INTEGER"))
    assert conn.execute("SELECT n FROM t WHERE code = ?", (code,)).fetchall() == [(7,)]
    assert conn.execute("SELECT code FROM t WHERE n = ?", (n,)).fetchall() == [("007",)]
    conn.close()


async def test_server_filters_compare_with_the_columns_type(server_url: str) -> None:
    """PostgreSQL refuses ``varchar = integer``: a value typed for a text column stays text."""
    from sqlalchemy import text as sql
    from sqlalchemy.ext.asyncio import create_async_engine

    from app.engines import derive_urls
    from tui.db.catalog import load_catalog
    from tui.db.dialects import strategy_for
    from tui.db.model import TableRef
    from tui.db.paging import FilterOp, FilterSpec, Pager, RowQuery

    engine = create_async_engine(derive_urls(server_url)[1])
    strategy = strategy_for(engine.dialect.name)
    name = f"typed_{uuid.uuid4().hex[:6]}"
    try:
        async with engine.begin() as conn:
            await conn.execute(
                sql(
                    f"CREATE TABLE {name} (id INTEGER PRIMARY KEY, code VARCHAR(10), "
                    "amount NUMERIC(10, 2), born DATE, flag BOOLEAN)"
                )
            )
            await conn.execute(
                sql(f"INSERT INTO {name} VALUES (1, '10115', 1.50, '2024-05-01', true)")
            )
            await conn.execute(sql(f"INSERT INTO {name} VALUES (2, '007', 2, '2023-01-01', false)"))
        async with engine.connect() as conn:
            info = (await load_catalog(conn, strategy)).find(TableRef(name))
            assert info is not None
            kinds = {c.name: c.value_kind for c in info.columns}
            for column, typed, expected_id in [
                ("code", "10115", 1),
                ("code", "007", 2),
                ("amount", "1.5", 1),
                ("born", "2023-01-01", 2),
                ("flag", "1", 1),  # MariaDB: BOOLEAN is TINYINT(1)
            ]:
                value = parse_value(typed, kinds[column])
                pager = Pager(
                    info, strategy, RowQuery(filters=(FilterSpec(column, FilterOp.EQ, value),))
                )
                page = await pager.fetch(conn, limit=10)
                assert [row[0] for row in page.rows] == [expected_id], (column, typed)
    finally:
        async with engine.begin() as conn:
            await conn.execute(sql(f"DROP TABLE IF EXISTS {name}"))
        await engine.dispose()
