"""Search and the filter's ``contains`` ignore letter case on every engine, and only case.

The rule, as the help and the README state it: in any letter case, accents count (``unicode``
does not find ``Ünïcode``), the needle's ``%``, ``_`` and ``/`` are plain characters, and it is
always a bound value. PostgreSQL's LIKE is case-sensitive (dbbrowse uses ILIKE there, which a
pg_trgm index serves); MariaDB's connection collation ignores accents and a ``_bin`` or binary
column ignores nothing (dbbrowse lowers both sides and compares code points).
"""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import create_engine, func, select, text

from app.engines import derive_urls
from tui.db.catalog import describe_table, list_tables
from tui.db.model import TableInfo
from tui.db.paging import FilterOp, FilterSpec, Pager, RowQuery
from tui.db.source import DataSource
from tui.db.target import resolve_target

LETTERS = [
    (1, "Banana"),
    (2, "Ünïcode"),
    (3, "50% off"),
    (4, "snake_case"),
    (5, "a/b"),
    (6, "Émile"),
    (7, None),
    (8, "apple"),
]

CASES = [
    ("ban", [1]),
    ("BAN", [1]),
    ("ünï", [2]),
    ("ÜNÏ", [2]),
    ("unicode", []),  # accents count
    ("émile", [6]),
    ("%", [3]),  # the user's % is a percent sign, not "anything"
    ("_", [4]),
    ("/", [5]),
    ("A/B", [5]),
    ("x'; --", []),
]


async def _open(url: str, create: str, rows: list[tuple[object, ...]]) -> DataSource:
    sync_url = derive_urls(url)[0] if not url.startswith("sqlite") else url
    engine = create_engine(sync_url)
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE IF EXISTS letters"))
        conn.execute(text(create))
        width = len(rows[0])
        names = ", ".join(f":v{i}" for i in range(width))
        conn.execute(
            text(f"INSERT INTO letters VALUES ({names})"),
            [{f"v{i}": v for i, v in enumerate(row)} for row in rows],
        )
    engine.dispose()
    return await DataSource.open(resolve_target(url, default_url=""))


async def _info(source: DataSource) -> TableInfo:
    strategy = source.strategy
    snapshot = await source.run(lambda conn: list_tables(conn, strategy))
    (listed,) = [t for t in snapshot.tables if t.name == "letters"]
    return await source.run(lambda conn: describe_table(conn, strategy, listed))


async def _ids(source: DataSource, info: TableInfo, query: RowQuery) -> list[int]:
    pager = Pager(info, source.strategy, query)
    page = await source.run(lambda conn: pager.fetch(conn, limit=50))
    return [int(r[0]) for r in page.rows]


@pytest.fixture(
    params=[
        pytest.param("sqlite_url", id="sqlite"),
        pytest.param("postgres_url", id="postgresql", marks=pytest.mark.postgres),
        pytest.param("mariadb_url", id="mariadb", marks=pytest.mark.mariadb),
    ]
)
async def letters(request: pytest.FixtureRequest) -> AsyncIterator[tuple[DataSource, TableInfo]]:
    url: str = request.getfixturevalue(request.param)
    create = "CREATE TABLE letters (id INTEGER PRIMARY KEY, w VARCHAR(80))"
    source = await _open(url, create, LETTERS)
    try:
        yield source, await _info(source)
    finally:
        await source.close()


@pytest.mark.parametrize(("needle", "found"), CASES, ids=[c[0] for c in CASES])
async def test_search_and_contains_ignore_case_on_every_engine(
    letters: tuple[DataSource, TableInfo], needle: str, found: list[int]
) -> None:
    source, info = letters
    assert await _ids(source, info, RowQuery(search=needle)) == found
    contains = FilterSpec("w", FilterOp.CONTAINS, needle)
    assert await _ids(source, info, RowQuery(filters=(contains,))) == found


async def test_the_needle_is_bound(letters: tuple[DataSource, TableInfo]) -> None:
    source, info = letters
    pager = Pager(info, source.strategy, RowQuery(search="Zq%_/"))
    stmt, _ = pager.statement(limit=5)
    compiled = stmt.compile(dialect=source.engine.dialect)
    assert "Zq" not in str(compiled) and "zq" not in str(compiled)
    assert any("Zq" in str(v) for v in compiled.params.values())


MARIADB_KINDS = (
    "CREATE TABLE letters (id INTEGER PRIMARY KEY,"
    " a VARCHAR(40) CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,"
    " b VARBINARY(40), c BLOB,"
    " d TEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_bin,"
    " e VARCHAR(40) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci,"
    " f VARCHAR(40) CHARACTER SET latin1 COLLATE latin1_bin)"
)


@pytest.mark.mariadb
async def test_mariadb_binary_and_bin_columns_follow_the_same_rule(mariadb_url: str) -> None:
    """A utf8mb4_bin column, VARBINARY and BLOB bytes (read as UTF-8), a _ci column (which
    would ignore accents) and a latin1_bin one: the same matches for the same needle."""
    rows: list[tuple[object, ...]] = [
        (i, w, None if w is None else w.encode(), None if w is None else w.encode(), w, w, w)
        for i, w in LETTERS
    ]
    source = await _open(mariadb_url, MARIADB_KINDS, rows)
    try:
        info = await _info(source)
        for needle, found in CASES:
            for column in "abcdef":
                spec = FilterSpec(column, FilterOp.CONTAINS, needle)
                got = await _ids(source, info, RowQuery(filters=(spec,)))
                assert got == found, (column, needle)
        # The quick search looks in the text columns, the _bin ones included.
        assert await _ids(source, info, RowQuery(search="BAN")) == [1]
        assert await _ids(source, info, RowQuery(search="unicode")) == []
    finally:
        await source.close()


@pytest.mark.postgres
async def test_postgresql_contains_can_use_a_trigram_index(postgres_url: str) -> None:
    """ILIKE, not lower() LIKE: a pg_trgm GIN index on the column serves the search."""
    sync_url, _ = derive_urls(postgres_url)
    engine = create_engine(sync_url)
    with engine.begin() as conn:
        conn.execute(text("CREATE EXTENSION IF NOT EXISTS pg_trgm"))
    engine.dispose()
    rows: list[tuple[object, ...]] = [(i, f"word{i:05d}") for i in range(1, 2001)]
    source = await _open(
        postgres_url, "CREATE TABLE letters (id INTEGER PRIMARY KEY, w TEXT)", rows
    )
    try:
        info = await _info(source)
        engine = create_engine(sync_url)
        with engine.begin() as conn:
            conn.execute(text("CREATE INDEX letters_w_trgm ON letters USING gin (w gin_trgm_ops)"))
            conn.execute(text("ANALYZE letters"))
            conn.execute(text("SET LOCAL enable_seqscan = off"))
            pager = Pager(info, source.strategy, RowQuery(search="WORD0123"))
            counted = select(func.count()).select_from(pager.export_statement().subquery())
            sql = str(counted.compile(dialect=conn.dialect, compile_kwargs={"literal_binds": True}))
            plan = "\n".join(conn.execute(text("EXPLAIN " + sql.replace("%%", "%"))).scalars())
            found = conn.execute(counted).scalar_one()
        engine.dispose()
        assert "letters_w_trgm" in plan, plan
        assert found == 10  # word01230 … word01239
    finally:
        await source.close()
