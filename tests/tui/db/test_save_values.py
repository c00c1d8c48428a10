"""Any value SQLite can hold survives a save exactly, and a deletion that compares every
column finds the row whatever it holds (hypothesis, on a real file)."""

from __future__ import annotations

import asyncio
import math
import sqlite3
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.engines import create_engines
from tests.tui.db.edithelpers import describe, sqlite_file
from tui.db.edits import CellEdit, RowDelete
from tui.db.model import TableRef
from tui.db.save import SaveOutcome, plan_save, save_changes
from tui.db.source import decode_text
from tui.db.values import RowKey

T = TableRef("t")
KEY = RowKey(("id",), (1,))
ODD = [
    2**63 - 1,
    -(2**63),
    2**53 + 1,
    0.1,
    -0.0,
    1e308,
    math.inf,
    "",
    "e\u0301",
    "\u00e9",
    "trailing  ",
    "\x00nul inside",
    decode_text(b"\xff\xfe not utf-8"),
    b"",
    b"\x00\xff",
    None,
]
values = st.one_of(
    st.sampled_from(ODD),
    st.integers(-(2**63), 2**63 - 1),
    st.floats(allow_nan=False),
    st.text(),
    st.binary().map(decode_text),  # text as a file may hold it: any bytes
    st.binary(),
)


def storage_class(value: Any) -> str:
    if value is None:
        return "null"
    return {int: "integer", float: "real", str: "text", bytes: "blob"}[type(value)]


async def edit_then_delete(
    path: Path, old: Any, new: Any
) -> tuple[SaveOutcome, list[Any], SaveOutcome]:
    sync_engine, engine = create_engines(f"sqlite:///{path}", sqlite_wal=False)
    sync_engine.dispose()
    try:
        info = await describe(engine, "t")
        planned = plan_save([CellEdit(T, KEY, "v", old, new)], {T: info}, engine.dialect)
        async with engine.connect() as conn:
            edited = await save_changes(conn, planned, {T: info})
        con = sqlite3.connect(path)
        con.text_factory = decode_text
        try:
            row = list(con.execute("SELECT typeof(v), v, typeof(w), hex(w) FROM t").fetchone())
        finally:
            con.close()
        delete = RowDelete(T, KEY, (("id", 1), ("v", new), ("w", "keep")))
        planned = plan_save([delete], {T: info}, engine.dialect)
        async with engine.connect() as conn:
            deleted = await save_changes(conn, planned, {T: info})
        return edited, row, deleted
    finally:
        await engine.dispose()


@pytest.mark.parametrize("wal", [False, True], ids=["delete-journal", "wal"])
def test_values_round_trip_through_a_save(tmp_path: Path, wal: bool) -> None:
    @settings(
        max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
    )
    @given(old=values, new=values)
    def check(old: Any, new: Any) -> None:
        path = tmp_path / "v.db"
        for suffix in ("", "-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
        sqlite_file(
            path,
            ["CREATE TABLE t (id INTEGER PRIMARY KEY, v, w TEXT)"],
            wal=wal,
        )
        con = sqlite3.connect(path)
        old_bound = old.encode("utf-8", "surrogateescape") if isinstance(old, str) else old
        cast = "CAST(? AS TEXT)" if isinstance(old, str) else "?"
        con.execute(f"INSERT INTO t VALUES (1, {cast}, 'keep')", (old_bound,))
        con.commit()
        con.close()
        edited, row, deleted = asyncio.run(edit_then_delete(path, old, new))
        assert edited.ok, edited.reason  # the original compared equal, whatever it was
        assert row[0] == storage_class(new)
        assert row[1] == new
        if isinstance(new, float):
            assert math.copysign(1, row[1]) == math.copysign(1, new)
        assert row[2:] == ["text", "6B656570"]
        assert deleted.ok, deleted.reason

    check()
