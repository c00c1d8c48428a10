"""Search, ``contains`` and ``regexp`` on SQLite over a BLOB and a TEXT that is not UTF-8.

Python's sqlite3 refuses to pass such a text to a Python function, and SQLite reported the
failure as "user-defined function raised exception", which dbbrowse told as a regular
expression's time limit (hostile #6). The rule: what dbbrowse's functions read is the value
as the grid shows it: a BLOB as its text (as the ASCII search's ``instr()`` reads it), a text
that is not valid UTF-8 by its valid parts; and only the time limit is told as a time limit.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.exc import DBAPIError

from tui.db import sqlite_regexp
from tui.db.catalog import describe_table, list_tables
from tui.db.model import TableInfo
from tui.db.paging import FilterOp, FilterSpec, Pager, RowQuery
from tui.db.source import DataSource
from tui.db.target import resolve_target


@pytest.fixture
async def vals(tmp_path: Path) -> Any:
    path = tmp_path / "odd.db"
    conn = sqlite3.connect(path)
    conn.executescript(
        """
        CREATE TABLE vals (id INTEGER PRIMARY KEY, label TEXT, v);
        INSERT INTO vals VALUES
            (18, 'blob', x'000102ff'),
            (19, 'blob of utf-8', CAST('Ärger' AS BLOB)),
            (20, 'bad text', CAST(x'ff41c39c' AS TEXT)),
            (21, 'number', 12),
            (1000, 'u', 'Ärger'),
            (1001, 'null', NULL);
        """
    )
    conn.commit()
    conn.close()
    source = await DataSource.open(resolve_target(f"sqlite:///{path}", default_url=""))
    strategy = source.strategy
    snapshot = await source.run(lambda c: list_tables(c, strategy))
    (listed,) = [t for t in snapshot.tables if t.name == "vals"]
    info = await source.run(lambda c: describe_table(c, strategy, listed))
    yield source, info
    await source.close()


async def _ids(source: DataSource, info: TableInfo, query: RowQuery) -> list[int]:
    pager = Pager(info, source.strategy, query)
    page = await source.run(lambda c: pager.fetch(c, limit=50))
    return [int(r[0]) for r in page.rows]


async def test_a_non_ascii_search_reads_blobs_and_bad_text(vals: Any) -> None:
    source, info = vals
    assert await _ids(source, info, RowQuery(search="ärger")) == [19, 1000]
    # 'Ü' after the invalid byte is found; the byte itself is no letter of any needle.
    assert await _ids(source, info, RowQuery(search="ü")) == [20]
    assert await _ids(source, info, RowQuery(search="aü")) == [20]
    contains = FilterSpec("v", FilterOp.CONTAINS, "ÄRGER")
    assert await _ids(source, info, RowQuery(filters=(contains,))) == [19, 1000]


async def test_regexp_reads_blobs_and_bad_text(vals: Any) -> None:
    source, info = vals

    async def regexp(pattern: str) -> list[int]:
        spec = FilterSpec("v", FilterOp.REGEXP, pattern)
        return await _ids(source, info, RowQuery(filters=(spec,)))

    assert await regexp("rg") == [19, 1000]
    assert await regexp("^.AÜ$") == [20]  # the bad byte is one character, as on screen
    assert await regexp("^12$") == [21]
    assert await regexp("\x01") == [18]


async def test_only_the_time_limit_is_told_as_a_time_limit(
    vals: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    source, info = vals

    def broken(pattern: str) -> Any:
        raise RuntimeError("boom")

    monkeypatch.setattr(sqlite_regexp, "compiled", broken)
    spec = FilterSpec("v", FilterOp.REGEXP, "x")
    with pytest.raises(DBAPIError) as caught:
        await _ids(source, info, RowQuery(filters=(spec,)))
    said = source.explain(caught.value)
    assert said != sqlite_regexp.TIMEOUT_MESSAGE
    assert "regexp() failed" in said and "RuntimeError: boom" in said


async def test_a_function_failure_without_a_cause_is_not_a_timeout(vals: Any) -> None:
    """A console statement handing a bad text to regexp() fails before the function runs."""
    source, _info = vals

    async def run(c: Any) -> Any:
        from sqlalchemy import text

        return (await c.execute(text("SELECT id FROM vals WHERE label || v REGEXP 'x'"))).all()

    with pytest.raises(DBAPIError) as caught:
        await source.run(run)
    said = source.explain(caught.value)
    assert said != sqlite_regexp.TIMEOUT_MESSAGE
    assert "not valid UTF-8" in said
