"""Row identity by SQLite's exact rules, what may be edited, and the change set's merge rules."""

from __future__ import annotations

import uuid
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import text

from tests.tui.db.edithelpers import async_engine, describe, describe_file, sqlite_file
from tui.db.edits import (
    CellEdit,
    ChangeSet,
    EditRefusedError,
    RowDelete,
    RowIdentity,
    RowInsert,
    StagingError,
    edit_key,
    edit_refusal,
    row_identity,
    same_value,
)
from tui.db.model import ColumnInfo, Preview, TableRef
from tui.db.values import RowKey, read_value


async def identity_of(tmp_path: Path, create: str, name: str = "t") -> RowIdentity:
    path = sqlite_file(tmp_path / f"{uuid.uuid4().hex}.db", [create])
    return row_identity(await describe_file(path, name))


@pytest.mark.parametrize(
    ("create", "expected"),
    [
        # Exactly INTEGER (any case): the column is the rowid.
        ("CREATE TABLE t (id INTEGER PRIMARY KEY, v)", RowIdentity(("id",))),
        ("CREATE TABLE t (id integer primary key, v)", RowIdentity(("id",))),
        ("CREATE TABLE t (id INTEGER, v, PRIMARY KEY (id DESC))", RowIdentity(("id",))),
        # Not an alias: an ordinary unique key beside a hidden rowid, which may hold NULL.
        ("CREATE TABLE t (id INT PRIMARY KEY, v)", RowIdentity(("id",), fallback_rowid="rowid")),
        ("CREATE TABLE t (id BIGINT PRIMARY KEY, v)", RowIdentity(("id",), fallback_rowid="rowid")),
        # The DESC quirk: on the column, INTEGER PRIMARY KEY DESC is not the rowid.
        (
            "CREATE TABLE t (id INTEGER PRIMARY KEY DESC, v)",
            RowIdentity(("id",), fallback_rowid="rowid"),
        ),
        (
            "CREATE TABLE t (a TEXT, b INTEGER, v, PRIMARY KEY (b, a))",
            RowIdentity(("b", "a"), fallback_rowid="rowid"),
        ),
        (
            "CREATE TABLE t (a TEXT, b INT, v, PRIMARY KEY (a, b)) WITHOUT ROWID",
            RowIdentity(("a", "b")),
        ),
        (
            "CREATE TABLE t (id INTEGER PRIMARY KEY, v) WITHOUT ROWID",
            RowIdentity(("id",)),
        ),
    ],
)
async def test_declared_keys(tmp_path: Path, create: str, expected: RowIdentity) -> None:
    assert await identity_of(tmp_path, create) == expected


async def test_keyless_tables_are_named_by_an_unshadowed_rowid(tmp_path: Path) -> None:
    plain = await identity_of(tmp_path, "CREATE TABLE t (a, b)")
    assert plain.columns == ("rowid",)
    assert plain.rowid
    assert plain.warning is not None
    assert "VACUUM" in plain.warning
    shadowed = await identity_of(tmp_path, "CREATE TABLE t (ROWID TEXT, b)")
    assert shadowed.columns == ("_rowid_",)
    both = await identity_of(tmp_path, "CREATE TABLE t (rowid, _rowid_, b)")
    assert both.columns == ("oid",)


async def test_refused_relations(tmp_path: Path) -> None:
    hidden = await identity_of(tmp_path, "CREATE TABLE t (rowid, _rowid_, oid)")
    assert hidden.columns == ()
    assert hidden.refused is not None
    assert "rowid, _rowid_ and oid" in hidden.refused
    path = sqlite_file(
        tmp_path / "v.db",
        [
            "CREATE TABLE t (id INTEGER PRIMARY KEY)",
            "CREATE VIEW v AS SELECT id FROM t",
            "CREATE VIRTUAL TABLE f USING fts5(body)",
        ],
    )
    view = row_identity(await describe_file(path, "v"))
    assert view.refused is not None
    assert "view" in view.refused
    fts = row_identity(await describe_file(path, "f"))
    assert fts.refused is not None
    assert "virtual table" in fts.refused
    # An internal table (here FTS5's own storage) is the engine's.
    shadow = row_identity(await describe_file(path, "f_data"))
    assert shadow.refused is not None


async def test_edit_refusal_reasons(tmp_path: Path) -> None:
    path = sqlite_file(
        tmp_path / "g.db",
        ["CREATE TABLE g (id INTEGER PRIMARY KEY, a INT, b INT GENERATED ALWAYS AS (a * 2))"],
    )
    info = await describe_file(path, "g")
    by_name = {c.name: c for c in info.columns}
    assert edit_refusal(info, by_name["a"], read_only=False) is None
    assert edit_refusal(info, None, read_only=False) is None
    reason = edit_refusal(info, by_name["b"], read_only=False)
    assert reason == "generated column: its value is computed (VIRTUAL)"
    for column in (by_name["a"], None):
        refused = edit_refusal(info, column, read_only=True)
        assert refused is not None
        assert "--read-only" in refused


@pytest.mark.parametrize("server", ["postgres_url", "mariadb_url"])
async def test_server_identity(server: str, request: pytest.FixtureRequest) -> None:
    url: str = request.getfixturevalue(server)
    suffix = uuid.uuid4().hex[:6]
    engine = async_engine(url)
    names = (f"k_{suffix}", f"n_{suffix}", f"v_{suffix}")
    try:
        async with engine.begin() as conn:
            await conn.execute(text(f"CREATE TABLE {names[0]} (a INT, b INT, PRIMARY KEY (b, a))"))
            await conn.execute(text(f"CREATE TABLE {names[1]} (a INT)"))
            await conn.execute(text(f"CREATE VIEW {names[2]} AS SELECT a FROM {names[1]}"))
        keyed = row_identity(await describe(engine, names[0]))
        assert keyed == RowIdentity(("b", "a"))
        keyless = row_identity(await describe(engine, names[1]))
        assert keyless.refused is not None
        assert "no primary key" in keyless.refused
        view = row_identity(await describe(engine, names[2]))
        assert view.refused is not None
        assert "view" in view.refused
    finally:
        async with engine.begin() as conn:
            await conn.execute(text(f"DROP VIEW IF EXISTS {names[2]}"))
            await conn.execute(text(f"DROP TABLE IF EXISTS {names[1]}"))
            await conn.execute(text(f"DROP TABLE IF EXISTS {names[0]}"))
        await engine.dispose()


# -- edit_key: the key names exactly the chosen row -----------------------------------------


async def test_a_null_key_falls_back_to_the_rowid(tmp_path: Path) -> None:
    path = sqlite_file(
        tmp_path / "n.db",
        [
            "CREATE TABLE t (k TEXT PRIMARY KEY, v TEXT)",
            "INSERT INTO t VALUES (NULL, 'first'), (NULL, 'second'), ('x', 'third')",
        ],
    )
    engine = async_engine(f"sqlite:///{path}")
    try:
        info = await describe(engine, "t")
        identity = row_identity(info)
        second = edit_key(identity, {"k": None, "v": "second"}, RowKey(("rowid",), (2,), True))
        assert second == RowKey(("rowid",), (2,), True)
        third = edit_key(identity, {"k": "x", "v": "third"}, RowKey(("rowid",), (3,), True))
        assert third == RowKey(("k",), ("x",))
        async with engine.connect() as conn:
            assert await read_value(conn, info, second, "v") == "second"
            assert await read_value(conn, info, third, "v") == "third"
        with pytest.raises(EditRefusedError, match="NULL"):
            edit_key(identity, {"k": None}, None)
    finally:
        await engine.dispose()


def test_a_null_key_without_a_rowid_is_refused() -> None:
    identity = RowIdentity(("a", "b"))
    with pytest.raises(EditRefusedError, match="NULL never equals"):
        edit_key(identity, {"a": 1, "b": None}, None)
    with pytest.raises(EditRefusedError, match="too long"):
        edit_key(identity, {"a": 1, "b": Preview("x" * 512, 10_000)}, None)
    with pytest.raises(EditRefusedError, match="view"):
        edit_key(RowIdentity((), refused="t is a view"), {}, None)
    with pytest.raises(EditRefusedError, match="rowid"):
        edit_key(RowIdentity(("rowid",), rowid=True), {}, None)


async def test_keys_as_stored_name_one_row(tmp_path: Path) -> None:
    """Trailing spaces, storage classes (1, '1', 1.5, x'31'), a column named rowid."""
    path = sqlite_file(
        tmp_path / "k.db",
        [
            "CREATE TABLE w (k, v TEXT, PRIMARY KEY (k)) WITHOUT ROWID",
            "INSERT INTO w VALUES (1, 'int'), ('1', 'text'), (1.5, 'real'), (x'31', 'blob'),"
            " ('a', 'a'), ('a ', 'a space')",
            "CREATE TABLE r (rowid TEXT, v TEXT)",
            "INSERT INTO r VALUES ('10', 'one'), ('20', 'two')",
        ],
    )
    engine = async_engine(f"sqlite:///{path}")
    try:
        w = await describe(engine, "w")
        r = await describe(engine, "r")
        async with engine.connect() as conn:
            for key, expected in [
                (1, "int"),
                ("1", "text"),
                (1.5, "real"),
                (b"1", "blob"),
                ("a", "a"),
                ("a ", "a space"),
            ]:
                row_key = edit_key(row_identity(w), {"k": key}, None)
                assert await read_value(conn, w, row_key, "v") == expected
            identity = row_identity(r)
            assert identity.columns == ("_rowid_",)
            rowid = await conn.scalar(text("SELECT _rowid_ FROM r WHERE v = 'two'"))
            key = edit_key(identity, {"rowid": "10"}, RowKey(("_rowid_",), (rowid,), True))
            assert await read_value(conn, r, key, "v") == "two"
    finally:
        await engine.dispose()


# -- the change set ---------------------------------------------------------------------------

T = TableRef("t")
U = TableRef("u")
K1 = RowKey(("id",), (1,))
K2 = RowKey(("id",), (2,))


def edit(column: str, original: object, new: object, key: RowKey = K1) -> CellEdit:
    return CellEdit(T, key, column, original, new)


def test_second_edit_keeps_the_first_original() -> None:
    changes = ChangeSet()
    changes.stage(edit("a", "seen", "one"))
    changes.stage(edit("a", "one", "two"))
    assert changes.changes == (edit("a", "seen", "two"),)
    assert changes.edit_of(T, K1, "a") == edit("a", "seen", "two")
    assert changes.edit_of(T, K2, "a") is None


def test_a_swap_through_a_temporary_value_is_a_step_of_its_own() -> None:
    """A swap through a temporary value keeps its three steps (save runs them in order); a
    change to another table in between still merges; deleting the row compares what was seen."""
    changes = ChangeSet()
    changes.stage(edit("u", "a", "tmp"))
    changes.stage(edit("u", "b", "a", key=K2))
    changes.stage(edit("u", "a", "b"))  # the editor's original is what the database holds
    assert changes.changes == (
        edit("u", "a", "tmp"),
        edit("u", "b", "a", key=K2),
        edit("u", "tmp", "b"),
    )
    assert changes.edit_of(T, K1, "u") == edit("u", "tmp", "b")
    changes.stage(edit("u", "a", "c"))  # nothing in between now: merges into the last step
    assert changes.changes[-1] == edit("u", "tmp", "c")
    changes.stage(edit("u", "a", "tmp"))  # back to what the last step started from
    assert len(changes) == 2
    changes.stage(RowDelete(T, K1, (("id", 1), ("u", "tmp"))))
    assert changes.changes[-1] == RowDelete(T, K1, (("id", 1), ("u", "a")))
    other = ChangeSet()
    other.stage(edit("u", "a", "tmp"))
    other.stage(CellEdit(U, K2, "u", "b", "a"))
    other.stage(edit("u", "a", "b"))
    assert other.changes == (edit("u", "a", "b"), CellEdit(U, K2, "u", "b", "a"))


def test_a_re_edit_after_other_rows_replaces_the_cells_staged_value() -> None:
    """A bad value staged first, other rows edited, the cell edited again: one edit of the
    cell remains, in its place, writing the last value; undo brings the bad one back."""
    changes = ChangeSet()
    changes.stage(edit("n", 5, -1))
    changes.stage(edit("n", 7, 8, key=K2))
    changes.stage(edit("u", "x", "y", key=K2))
    changes.stage(edit("n", 5, 6))  # the editor's original is what the database holds
    assert changes.changes == (
        edit("n", 5, 6),
        edit("n", 7, 8, key=K2),
        edit("u", "x", "y", key=K2),
    )
    assert changes.undo()
    assert changes.changes[0] == edit("n", 5, -1) and len(changes) == 3
    assert changes.redo()
    changes.stage(edit("n", 5, 5))  # back to what the database holds: the edit goes
    assert changes.changes == (edit("n", 7, 8, key=K2), edit("u", "x", "y", key=K2))
    # Deleting another row that holds the value is a release too: a step after it.
    swap = ChangeSet()
    swap.stage(edit("u", "a", "tmp"))
    swap.stage(RowDelete(T, K2, (("id", 2), ("u", "b"))))
    swap.stage(edit("u", "a", "b"))
    assert swap.changes[-1] == edit("u", "tmp", "b")


def test_re_staging_on_another_storage_class_is_a_step() -> None:
    """1 == 1.0 in Python: replacing an edit seen as 1 by one seen as 1.0 (keep mine, edit
    again after their change of class) must still change what is staged, and undo."""
    changes = ChangeSet()
    seen_one = edit("v", 1, 5)
    changes.stage(seen_one)
    assert changes.replace(seen_one, edit("v", 1.0, 5))
    (now,) = changes.changes
    assert isinstance(now, CellEdit) and type(now.original) is float
    assert changes.undo()
    (before,) = changes.changes
    assert isinstance(before, CellEdit) and type(before.original) is int
    assert changes.unstage(edit("v", 1, 5))  # an equal change of the same classes
    assert not changes


def test_editing_back_to_the_original_removes_the_edit() -> None:
    changes = ChangeSet()
    changes.stage(edit("a", "seen", "one"))
    changes.stage(edit("a", "one", "seen"))
    assert len(changes) == 0
    changes.stage(edit("b", 5, 5))  # no change at all: nothing staged
    assert not changes


def test_a_change_of_storage_class_is_an_edit() -> None:
    changes = ChangeSet()
    changes.stage(edit("a", 1, "1"))
    changes.stage(edit("b", 1, 1.0))
    changes.stage(edit("c", None, ""))
    changes.stage(edit("d", "", None))
    assert len(changes) == 4
    assert not same_value(float("nan"), 1.0)
    assert same_value(float("nan"), float("nan"))
    assert not same_value(True, 1)


def test_deleting_a_row_drops_its_edits_and_keeps_what_was_seen() -> None:
    changes = ChangeSet()
    changes.stage(edit("a", "seen", "one"))
    changes.stage(edit("a", "x", "y", key=K2))
    changes.stage(RowDelete(T, K1, (("id", 1), ("a", "one"))))
    assert changes.changes == (
        edit("a", "x", "y", key=K2),
        RowDelete(T, K1, (("id", 1), ("a", "seen"))),
    )
    assert changes.is_deleted(T, K1)
    assert not changes.is_deleted(T, K2)
    with pytest.raises(StagingError, match="deletion"):
        changes.stage(edit("a", "seen", "again"))
    changes.stage(RowDelete(T, K1, (("id", 1), ("a", "seen"))))  # twice: once
    assert len(changes) == 2


def test_inserts_by_token() -> None:
    changes = ChangeSet()
    first = changes.next_token()
    second = changes.next_token()
    assert first != second
    changes.stage(RowInsert(U, (("a", 1),), first))
    changes.stage(RowInsert(T, (("a", 2),), second))
    changes.stage(RowInsert(U, (("a", 3),), first))  # the same new row, edited
    assert changes.inserts(U) == (RowInsert(U, (("a", 3),), first),)
    assert changes.tables() == (U, T)
    assert changes.unstage(RowInsert(T, (("a", 2),), second))
    assert not changes.unstage(RowInsert(T, (("a", 2),), second))
    assert changes.tables() == (U,)
    assert changes.next_token() > second


def test_undo_redo_discard_clear() -> None:
    changes = ChangeSet()
    assert not changes.undo()
    changes.stage(edit("a", 0, 1))
    changes.stage(edit("a", 1, 2))
    changes.stage(edit("b", 0, 1))
    assert changes.undo()
    assert changes.changes == (edit("a", 0, 2),)
    assert changes.undo()
    assert changes.changes == (edit("a", 0, 1),)
    assert changes.redo()
    assert changes.changes == (edit("a", 0, 2),)
    changes.stage(edit("c", 0, 1))  # a new step forgets what could be redone
    assert not changes.redo()
    changes.discard()
    assert len(changes) == 0
    assert changes.undo()
    assert changes.changes == (edit("a", 0, 2), edit("c", 0, 1))
    changes.clear()
    assert not changes
    assert not changes.undo()


values = st.one_of(st.none(), st.integers(-3, 3), st.text("ab", max_size=2), st.binary(max_size=1))
operations = st.lists(
    st.tuples(st.sampled_from(["edit", "delete", "undo", "redo"]), st.sampled_from("ab"), values),
    max_size=25,
)


@settings(max_examples=200, deadline=None)
@given(operations)
def test_change_set_invariants(ops: list[tuple[str, str, object]]) -> None:
    """Whatever is staged: one edit per cell, never a no-op edit, never an edit of a deleted
    row; undoing every step empties the set and redoing them all restores it."""
    changes = ChangeSet()
    shown = {("a",): "a0", ("b",): "b0"}
    for op, column, value in ops:
        if op == "edit":
            current = changes.edit_of(T, K1, column)
            seen = current.new if current else shown[(column,)]
            try:
                changes.stage(edit(column, seen, value))
            except StagingError:
                assert changes.is_deleted(T, K1)
        elif op == "delete":
            changes.stage(RowDelete(T, K1, (("a", "a0"), ("b", "b0"))))
        elif op == "undo":
            changes.undo()
        else:
            changes.redo()
        cells = [(c.key, c.column) for c in changes.changes if isinstance(c, CellEdit)]
        assert len(cells) == len(set(cells))
        for change in changes.changes:
            if isinstance(change, CellEdit):
                assert not same_value(change.original, change.new)
                assert change.original == shown[(change.column,)]
                assert not changes.is_deleted(T, change.key)
    final = changes.changes
    steps = 0
    while changes.undo():
        steps += 1
    assert changes.changes == ()
    for _ in range(steps):
        assert changes.redo()
    assert changes.changes == final


def test_edit_refusal_of_a_hidden_column() -> None:
    from tui.db.model import KeyKind, TableInfo, TableKind

    hidden = ColumnInfo("h", "", hidden=True)
    info = TableInfo(
        T,
        TableKind.TABLE,
        (ColumnInfo("id", "INT", primary_key=1), hidden),
        ("id",),
        KeyKind.PRIMARY_KEY,
    )
    assert edit_refusal(info, hidden, read_only=False) == "h is a hidden column of the table"
