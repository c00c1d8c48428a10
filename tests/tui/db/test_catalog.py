"""The catalog against real SQLite files built here, and against PostgreSQL and MariaDB."""

from __future__ import annotations

import sqlite3
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    Column,
    DateTime,
    Enum,
    Float,
    ForeignKey,
    Integer,
    LargeBinary,
    MetaData,
    Numeric,
    String,
    Table,
    Text,
    Uuid,
    column,
    select,
    table,
    text,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.ext.asyncio import AsyncEngine

import app.models  # noqa: F401  (registers the models on Base.metadata)
from app.database import Base, create_engines
from tui.db.catalog import (
    capped_count,
    estimate_count,
    exact_count,
    load_catalog,
    table_details,
)
from tui.db.dialects import strategy_for
from tui.db.dialects.sqlite import SQLiteStrategy
from tui.db.model import CatalogSnapshot, Drift, KeyKind, RowCount, TableInfo, TableKind, TableRef

APP_TABLES = sorted(Base.metadata.tables)
SQLITE = SQLiteStrategy()


@pytest.fixture
async def engines(sqlite_url: str) -> AsyncIterator[tuple[Engine, AsyncEngine]]:
    sync_engine, async_engine = create_engines(sqlite_url, sqlite_wal=False)
    yield sync_engine, async_engine
    await async_engine.dispose()
    sync_engine.dispose()


@pytest.fixture
def db(sqlite_path: Path) -> Iterator[sqlite3.Connection]:
    """A plain sqlite3 connection to build the file with (autocommit)."""
    conn = sqlite3.connect(sqlite_path, isolation_level=None)
    yield conn
    conn.close()


@pytest.fixture
def demo(engines: tuple[Engine, AsyncEngine]) -> AsyncEngine:
    """The app's schema, created by SQLAlchemy from the models."""
    Base.metadata.create_all(engines[0])
    return engines[1]


async def snapshot(engine: AsyncEngine, models: MetaData | None = None) -> CatalogSnapshot:
    async with engine.connect() as conn:
        return await load_catalog(conn, SQLITE, models)


def get(snap: CatalogSnapshot, name: str) -> TableInfo:
    info = snap.find(TableRef(name))
    assert info is not None, f"{name!r} not in {[t.name for t in snap.tables]}"
    return info


# -- drift ---------------------------------------------------------------------------------


async def test_demo_schema_matches_its_models(demo: AsyncEngine) -> None:
    snap = await snapshot(demo, Base.metadata)
    assert [t.name for t in snap.tables] == APP_TABLES
    assert {t.drift for t in snap.tables} == {Drift.NONE}
    customers = get(snap, "customers")
    assert customers.key_kind is KeyKind.ROWID
    assert customers.key_columns == ("rowid",)
    assert customers.rowid_alias == "id"
    email = next(c for c in customers.columns if c.name == "email")
    assert (email.type_name, email.nullable) == ("VARCHAR(254)", False)
    tier = next(c for c in customers.columns if c.name == "tier")
    assert tier.default == "'free'"


async def test_dropped_model_table_is_missing(demo: AsyncEngine, db: sqlite3.Connection) -> None:
    db.execute("DROP TABLE attachments")
    snap = await snapshot(demo, Base.metadata)
    missing = get(snap, "attachments")
    assert missing.drift is Drift.MISSING_TABLE
    assert missing.kind is TableKind.TABLE
    assert missing.column_names == tuple(Base.metadata.tables["attachments"].columns.keys())
    assert (missing.key_kind, missing.key_columns) == (KeyKind.PRIMARY_KEY, ("id",))
    assert [t.drift for t in snap.tables if t.name != "attachments"] == [Drift.NONE] * (
        len(APP_TABLES) - 1
    )
    async with demo.connect() as conn:
        details = await table_details(conn, SQLITE, missing)
        assert await estimate_count(conn, SQLITE, missing) is None
    assert details.create_sql is None


async def test_extra_table_has_no_model(demo: AsyncEngine, db: sqlite3.Connection) -> None:
    db.execute("CREATE TABLE scratch (x INTEGER)")
    db.execute("CREATE VIEW big_orders AS SELECT * FROM orders WHERE total > 100")
    snap = await snapshot(demo, Base.metadata)
    assert get(snap, "scratch").drift is Drift.NO_MODEL
    # Views are not tables a model could declare.
    assert get(snap, "big_orders").drift is Drift.NONE
    assert get(snap, "orders").drift is Drift.NONE


async def test_altered_columns_differ(demo: AsyncEngine, db: sqlite3.Connection) -> None:
    db.executescript(
        """
        DROP TABLE customers;
        CREATE TABLE customers (
            id INTEGER PRIMARY KEY, public_id CHAR(32) NOT NULL, name TEXT NOT NULL,
            email TEXT, country VARCHAR(2), tier VARCHAR(8) NOT NULL,
            is_active INTEGER NOT NULL, created_at DATETIME NOT NULL, nickname TEXT
        );
        DROP TABLE products;
        CREATE TABLE products (
            id INTEGER PRIMARY KEY, sku VARCHAR(32) NOT NULL, name VARCHAR(200) NOT NULL,
            description TEXT, price TEXT NOT NULL, weight_kg FLOAT, attributes JSON,
            in_stock BOOLEAN NOT NULL, created_at DATETIME NOT NULL
        );
        """
    )
    snap = await snapshot(demo, Base.metadata)
    customers = get(snap, "customers")
    assert customers.drift is Drift.COLUMNS_DIFFER
    assert customers.drift_details == (
        "column email: model VARCHAR(254) NOT NULL, database TEXT NULL",
        "column notes: model TEXT NULL, not in the database",
        "column nickname: not in the model, database TEXT NULL",
    )
    # name VARCHAR(120) vs TEXT and is_active BOOLEAN vs INTEGER share an affinity: no drift.
    products = get(snap, "products")
    assert products.drift_details == (
        "column price: model NUMERIC(10, 2) NOT NULL, database TEXT NOT NULL",
    )
    assert get(snap, "orders").drift is Drift.NONE


async def test_foreign_database_has_no_drift(
    engines: tuple[Engine, AsyncEngine], db: sqlite3.Connection
) -> None:
    db.executescript("CREATE TABLE songs (title TEXT); CREATE TABLE artists (name TEXT);")
    snap = await snapshot(engines[1], Base.metadata)
    assert [(t.name, t.drift) for t in snap.tables] == [
        ("artists", Drift.NONE),
        ("songs", Drift.NONE),
    ]


async def test_without_models_nothing_is_marked(demo: AsyncEngine, db: sqlite3.Connection) -> None:
    db.execute("DROP TABLE events")
    snap = await snapshot(demo)
    assert "events" not in [t.name for t in snap.tables]
    assert {t.drift for t in snap.tables} == {Drift.NONE}


# -- relations and keys ----------------------------------------------------------------------


async def test_views_are_listed_without_key(
    engines: tuple[Engine, AsyncEngine], db: sqlite3.Connection
) -> None:
    db.executescript(
        """
        CREATE TABLE t (a INTEGER, b TEXT);
        INSERT INTO t VALUES (1, 'x'), (2, 'y'), (3, 'z');
        CREATE VIEW v AS SELECT b, a * 2 AS doubled FROM t WHERE a > 1;
        CREATE TABLE gone (x INTEGER);
        CREATE VIEW broken AS SELECT * FROM gone;
        DROP TABLE gone;
        """
    )
    snap = await snapshot(engines[1])
    assert [t.name for t in snap.tables] == ["broken", "t", "v"]
    # A view over a dropped table is still listed, without columns.
    assert (get(snap, "broken").kind, get(snap, "broken").columns) == (TableKind.VIEW, ())
    view = get(snap, "v")
    assert (view.kind, view.key_kind, view.key_columns) == (TableKind.VIEW, KeyKind.NONE, ())
    assert view.column_names == ("b", "doubled")
    assert get(snap, "t").kind is TableKind.TABLE
    async with engines[1].connect() as conn:
        details = await table_details(conn, SQLITE, view)
        assert await capped_count(conn, view) == RowCount(2, exact=True)
        assert await estimate_count(conn, SQLITE, view) is None
    assert details.create_sql is not None
    assert details.create_sql.startswith("CREATE VIEW v AS SELECT b, a * 2")


async def test_fts5_table_and_its_shadow_tables(
    engines: tuple[Engine, AsyncEngine], db: sqlite3.Connection
) -> None:
    db.executescript(
        """
        CREATE VIRTUAL TABLE docs USING fts5(title, body);
        INSERT INTO docs VALUES ('a', 'alpha'), ('b', 'beta');
        CREATE TABLE plain_data (x INTEGER);
        CREATE TABLE zebra (x INTEGER);
        """
    )
    snap = await snapshot(engines[1])
    shadows = ["docs_config", "docs_content", "docs_data", "docs_docsize", "docs_idx"]
    assert [t.name for t in snap.tables] == ["docs", "plain_data", "zebra", *shadows]
    docs = get(snap, "docs")
    assert (docs.kind, docs.internal, docs.key_kind) == (TableKind.VIRTUAL, False, KeyKind.ROWID)
    assert [c.name for c in docs.columns if not c.hidden] == ["title", "body"]
    assert [c.name for c in docs.columns if c.hidden] == ["docs", "rank"]
    assert not get(snap, "plain_data").internal
    assert all(get(snap, name).internal for name in shadows)
    async with engines[1].connect() as conn:
        assert await exact_count(conn, docs) == RowCount(2, exact=True)
        # ft_data numbers its rows by segment id (~274,877,906,945 for a handful): shadow
        # tables get no rowid estimate, they are counted (hostile report, 22).
        data = get(snap, "docs_data")
        assert await conn.scalar(text("SELECT max(rowid) FROM docs_data")) > 10**9
        assert await estimate_count(conn, SQLITE, data) is None


async def test_a_rowid_larger_than_the_file_could_hold_is_no_estimate(
    engines: tuple[Engine, AsyncEngine], db: sqlite3.Connection
) -> None:
    db.execute("CREATE TABLE sparse (x INTEGER)")
    db.execute("INSERT INTO sparse (rowid, x) VALUES (1, 1), (4611686018427387904, 2)")
    db.execute("CREATE TABLE dense (x INTEGER)")
    db.executemany("INSERT INTO dense (x) VALUES (?)", [(i,) for i in range(500)])
    db.commit()
    snap = await snapshot(engines[1])
    async with engines[1].connect() as conn:
        assert await estimate_count(conn, SQLITE, get(snap, "sparse")) is None
        assert await estimate_count(conn, SQLITE, get(snap, "dense")) == RowCount(500)


async def test_shadow_tables_are_found_without_table_list(
    engines: tuple[Engine, AsyncEngine], db: sqlite3.Connection, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Before SQLite 3.37 there is no pragma table_list: names and SQL decide."""

    async def no_table_list(*_: object) -> dict[str, tuple[bool, bool]]:
        return {}

    monkeypatch.setattr(SQLiteStrategy, "_table_list", no_table_list)
    db.executescript(
        """
        CREATE VIRTUAL TABLE places USING rtree(id, x0, x1);
        CREATE TABLE w (a TEXT, b INTEGER, PRIMARY KEY (b, a)) WITHOUT ROWID;
        """
    )
    snap = await snapshot(engines[1])
    assert [t.name for t in snap.tables if t.internal] == [
        "places_node",
        "places_parent",
        "places_rowid",
    ]
    w = get(snap, "w")
    assert (w.without_rowid, w.key_kind, w.key_columns) == (True, KeyKind.PRIMARY_KEY, ("b", "a"))


async def test_sqlite_own_tables_are_internal(
    engines: tuple[Engine, AsyncEngine], db: sqlite3.Connection
) -> None:
    db.executescript(
        """
        CREATE TABLE Beta (id INTEGER PRIMARY KEY AUTOINCREMENT, v TEXT);
        CREATE TABLE alpha (id INTEGER);
        CREATE INDEX ix_alpha ON alpha (id);
        INSERT INTO Beta (v) VALUES ('x');
        ANALYZE;
        """
    )
    snap = await snapshot(engines[1])
    assert [(t.name, t.internal) for t in snap.tables] == [
        ("alpha", False),
        ("Beta", False),
        ("sqlite_sequence", True),
        ("sqlite_stat1", True),
    ]


async def test_without_rowid_pages_by_primary_key_in_key_order(
    engines: tuple[Engine, AsyncEngine], db: sqlite3.Connection
) -> None:
    db.execute(
        "CREATE TABLE w (a TEXT NOT NULL, b INTEGER, c REAL, PRIMARY KEY (c, a)) WITHOUT ROWID"
    )
    w = get(await snapshot(engines[1]), "w")
    assert (w.key_kind, w.key_columns, w.without_rowid) == (KeyKind.PRIMARY_KEY, ("c", "a"), True)
    assert [(c.name, c.primary_key) for c in w.columns] == [("a", 2), ("b", 0), ("c", 1)]
    assert w.rowid_alias is None


@pytest.mark.parametrize(
    ("columns", "kind", "key"),
    [
        ("rowid TEXT, v TEXT", KeyKind.ROWID, ("_rowid_",)),
        ('"ROWID" TEXT, _rowid_ TEXT, v TEXT', KeyKind.ROWID, ("oid",)),
        ("rowid TEXT, _rowid_ TEXT, oid TEXT, v TEXT PRIMARY KEY", KeyKind.PRIMARY_KEY, ("v",)),
        ("rowid TEXT, _rowid_ TEXT, oid TEXT, v TEXT", KeyKind.NONE, ()),
    ],
)
async def test_shadowed_rowid_names(
    engines: tuple[Engine, AsyncEngine],
    db: sqlite3.Connection,
    columns: str,
    kind: KeyKind,
    key: tuple[str, ...],
) -> None:
    db.execute(f"CREATE TABLE t ({columns})")
    db.execute("INSERT INTO t (v) VALUES ('a'), ('b')")
    t = get(await snapshot(engines[1]), "t")
    assert (t.key_kind, t.key_columns) == (kind, key)
    if kind is KeyKind.ROWID:
        # The chosen name really reaches the rowid, not the column that shadows another.
        async with engines[1].connect() as conn:
            keys = await conn.scalars(select(column(key[0])).select_from(table("t")))
            assert list(keys) == [1, 2]


async def test_column_details(engines: tuple[Engine, AsyncEngine], db: sqlite3.Connection) -> None:
    db.execute(
        "CREATE TABLE t (id INTEGER PRIMARY KEY, qty int DEFAULT 3 NOT NULL, raw, "
        "total REAL GENERATED ALWAYS AS (qty * 2) VIRTUAL)"
    )
    t = get(await snapshot(engines[1]), "t")
    assert [
        (c.name, c.type_name, c.nullable, c.default, c.primary_key, c.generated) for c in t.columns
    ] == [
        ("id", "INTEGER", False, None, 1, False),
        ("qty", "INT", False, "3", 0, False),
        ("raw", "", True, None, 0, False),
        ("total", "REAL", True, None, 0, True),
    ]
    assert (t.key_columns, t.rowid_alias) == (("rowid",), "id")


# -- odd identifiers -------------------------------------------------------------------------

ODD_DDL = '''
CREATE TABLE "select" (id INTEGER PRIMARY KEY, "my ""col""" TEXT, "order" INTEGER);
CREATE TABLE "日本 table" ("名前 値" TEXT, "from" INTEGER REFERENCES "select" (id)
    ON DELETE SET NULL);
CREATE TABLE "we:ird %s" ("a:b" INTEGER);
CREATE INDEX "ix ""q""" ON "select" ("my ""col""");
CREATE TRIGGER "trg 日本" AFTER INSERT ON "日本 table" BEGIN SELECT 1; END;
INSERT INTO "select" ("my ""col""", "order") VALUES ('a', 1), ('b', 2), ('c', 3);
INSERT INTO "日本 table" VALUES ('x', 1), ('y', 2);
INSERT INTO "we:ird %s" VALUES (1);
'''


async def test_odd_identifiers_flow_through(
    engines: tuple[Engine, AsyncEngine], db: sqlite3.Connection
) -> None:
    db.executescript(ODD_DDL)
    snap = await snapshot(engines[1])
    assert [t.name for t in snap.tables] == ["select", "we:ird %s", "日本 table"]
    keyword = get(snap, "select")
    assert keyword.column_names == ("id", 'my "col"', "order")
    japanese = get(snap, "日本 table")
    async with engines[1].connect() as conn:
        details = await table_details(conn, SQLITE, keyword)
        jp_details = await table_details(conn, SQLITE, japanese)
        counts = {
            t.name: (
                await exact_count(conn, t),
                await capped_count(conn, t, cap=2),
                await estimate_count(conn, SQLITE, t),
            )
            for t in snap.tables
        }
    assert [(i.name, i.columns) for i in details.indexes] == [('ix "q"', ('my "col"',))]
    assert details.referenced_by[0][0] == "日本 table"
    assert details.referenced_by[0][1].columns == ("from",)
    assert jp_details.foreign_keys[0].on_delete == "SET NULL"
    assert [name for name, _ in jp_details.triggers] == ["trg 日本"]
    assert counts == {
        "select": (RowCount(3, exact=True), RowCount(2, at_least=True), RowCount(3)),
        "日本 table": (RowCount(2, exact=True), RowCount(2, exact=True), RowCount(2)),
        "we:ird %s": (RowCount(1, exact=True), RowCount(1, exact=True), RowCount(1)),
    }


# -- counts ----------------------------------------------------------------------------------


async def test_counts(engines: tuple[Engine, AsyncEngine], db: sqlite3.Connection) -> None:
    db.executescript(
        """
        CREATE TABLE t (v INTEGER);
        WITH RECURSIVE n(i) AS (SELECT 1 UNION ALL SELECT i + 1 FROM n WHERE i < 25)
        INSERT INTO t SELECT i FROM n;
        DELETE FROM t WHERE v % 5 = 0 AND v < 25;
        CREATE TABLE empty (v INTEGER);
        CREATE TABLE w (k TEXT PRIMARY KEY, v INTEGER) WITHOUT ROWID;
        INSERT INTO w VALUES ('a', 1);
        """
    )
    snap = await snapshot(engines[1])
    t, empty, w = get(snap, "t"), get(snap, "empty"), get(snap, "w")
    async with engines[1].connect() as conn:
        assert await exact_count(conn, t) == RowCount(21, exact=True)
        at_least = await capped_count(conn, t, cap=10)
        assert at_least == RowCount(10, at_least=True)
        assert str(at_least) == "> 10"
        assert await capped_count(conn, t, cap=21) == RowCount(21, exact=True)
        # Without statistics: the largest rowid, cheap but only an estimate.
        assert await estimate_count(conn, SQLITE, t) == RowCount(25)
        assert await estimate_count(conn, SQLITE, empty) == RowCount(0, exact=True)
        assert await estimate_count(conn, SQLITE, w) is None
        assert not conn.in_transaction()
    db.execute("ANALYZE")
    db.execute("INSERT INTO t VALUES (26)")
    async with engines[1].connect() as conn:
        # A rowid table keeps its rowid's estimate: it follows commits, ANALYZE's does not.
        assert await estimate_count(conn, SQLITE, t) == RowCount(26)
        # Without a rowid: what ANALYZE counted.
        assert await estimate_count(conn, SQLITE, w) == RowCount(1)


async def test_reads_leave_the_callers_transaction_alone(demo: AsyncEngine) -> None:
    async with demo.connect() as conn:
        snap = await load_catalog(conn, SQLITE, Base.metadata)
        assert not conn.in_transaction()
        async with conn.begin():
            await table_details(conn, SQLITE, get(snap, "orders"))
            assert conn.in_transaction()


# -- details ---------------------------------------------------------------------------------

DETAILS_DDL = """
CREATE TABLE parent (id INTEGER PRIMARY KEY, code TEXT UNIQUE, name TEXT);
CREATE TABLE child (
    id INTEGER PRIMARY KEY,
    parent_id INTEGER REFERENCES parent (id) ON DELETE CASCADE ON UPDATE SET NULL,
    parent_code TEXT REFERENCES parent (code),
    other INTEGER REFERENCES parent
);
CREATE TABLE pair (a INTEGER, b INTEGER, PRIMARY KEY (a, b));
CREATE TABLE pair_ref (x INTEGER, y INTEGER,
    FOREIGN KEY (x, y) REFERENCES pair (a, b) ON DELETE RESTRICT);
CREATE INDEX ix_named ON parent (name) WHERE name IS NOT NULL;
CREATE INDEX ix_expr ON parent (lower(name), id DESC);
CREATE TRIGGER parent_touch AFTER UPDATE ON parent BEGIN SELECT 1; END;
"""


async def test_table_details(engines: tuple[Engine, AsyncEngine], db: sqlite3.Connection) -> None:
    db.executescript(DETAILS_DDL)
    snap = await snapshot(engines[1])
    async with engines[1].connect() as conn:
        parent = await table_details(conn, SQLITE, get(snap, "parent"))
        child = await table_details(conn, SQLITE, get(snap, "child"))
        pair = await table_details(conn, SQLITE, get(snap, "pair"))
    indexes = {i.name: i for i in parent.indexes}
    assert set(indexes) == {"ix_named", "ix_expr", "sqlite_autoindex_parent_1"}
    assert (indexes["ix_named"].partial, indexes["ix_named"].unique) == (True, False)
    assert (
        indexes["ix_named"].sql == "CREATE INDEX ix_named ON parent (name) WHERE name IS NOT NULL"
    )
    assert indexes["ix_expr"].columns == ("<expression>", "id")
    assert (
        indexes["sqlite_autoindex_parent_1"].unique,
        indexes["sqlite_autoindex_parent_1"].sql,
    ) == (
        True,
        None,
    )
    fks = {fk.columns: fk for fk in child.foreign_keys}
    assert fks[("parent_id",)].on_delete == "CASCADE"
    assert fks[("parent_id",)].on_update == "SET NULL"
    assert fks[("parent_code",)].referred_columns == ("code",)
    assert fks[("parent_code",)].on_delete is None
    assert fks[("other",)].referred_columns == ("id",)  # REFERENCES parent: its primary key
    assert sorted((src, fk.columns) for src, fk in parent.referenced_by) == [
        ("child", ("other",)),
        ("child", ("parent_code",)),
        ("child", ("parent_id",)),
    ]
    assert [
        (src, fk.columns, fk.referred_columns, fk.on_delete) for src, fk in pair.referenced_by
    ] == [("pair_ref", ("x", "y"), ("a", "b"), "RESTRICT")]
    assert [name for name, _ in parent.triggers] == ["parent_touch"]
    assert parent.triggers[0][1].startswith("CREATE TRIGGER parent_touch AFTER UPDATE ON parent")
    assert parent.create_sql == (
        "CREATE TABLE parent (id INTEGER PRIMARY KEY, code TEXT UNIQUE, name TEXT)"
    )
    assert child.referenced_by == ()


# -- servers ---------------------------------------------------------------------------------


@pytest.fixture(params=["postgres_url", "mariadb_url"])
async def server(request: pytest.FixtureRequest) -> AsyncIterator[tuple[Engine, AsyncEngine]]:
    url: str = request.getfixturevalue(request.param)
    sync_engine, async_engine = create_engines(url)
    yield sync_engine, async_engine
    await async_engine.dispose()
    sync_engine.dispose()


def server_models(prefix: str) -> MetaData:
    """Tables with the column kinds of the app's models, under names no other test uses."""
    models = MetaData()
    Table(
        f"{prefix}_parent",
        models,
        Column("id", Integer, primary_key=True, autoincrement=False),
        Column("name", String(50), nullable=False),
        Column("active", Boolean, nullable=False),
        Column("public_id", Uuid),
        Column("attrs", JSON),
        Column("tier", Enum("free", "gold", name=f"{prefix}_tier")),
        Column("at", DateTime(timezone=True)),
        Column("price", Numeric(10, 2)),
        Column("weight", Float),
        Column("blob", LargeBinary),
        Column("notes", Text),
    )
    Table(
        f"{prefix}_child",
        models,
        Column("id", BigInteger().with_variant(Integer(), "sqlite"), primary_key=True),
        Column("parent_id", ForeignKey(f"{prefix}_parent.id", ondelete="CASCADE")),
    )
    Table(f"{prefix}_nopk", models, Column("x", Integer))
    return models


def create_trigger_and_analyze(c: Connection, parent: str, trigger: str) -> None:
    q = c.dialect.identifier_preparer.quote
    if c.dialect.name == "postgresql":
        function = q(parent + "_fn")
        c.exec_driver_sql(
            f"CREATE FUNCTION {function}() RETURNS trigger LANGUAGE plpgsql "
            "AS $$BEGIN RETURN NEW; END$$"
        )
        c.exec_driver_sql(
            f"CREATE TRIGGER {q(trigger)} BEFORE INSERT ON {q(parent)} "
            f"FOR EACH ROW EXECUTE FUNCTION {function}()"
        )
        c.exec_driver_sql(f"ANALYZE {q(parent)}")
    else:
        c.exec_driver_sql(
            f"CREATE TRIGGER {q(trigger)} BEFORE INSERT ON {q(parent)} "
            "FOR EACH ROW SET NEW.name = NEW.name"
        )
        c.exec_driver_sql(f"ANALYZE TABLE {q(parent)}")


async def test_server_catalog(server: tuple[Engine, AsyncEngine]) -> None:
    sync_engine, async_engine = server
    prefix = f"cat_{uuid.uuid4().hex[:8]}"
    parent, child, nopk, view = (f"{prefix}_{n}" for n in ("parent", "child", "nopk", "view"))
    models = server_models(prefix)
    models.create_all(sync_engine)
    try:
        q = sync_engine.dialect.identifier_preparer.quote
        with sync_engine.begin() as c:
            c.execute(
                models.tables[parent].insert(),
                [{"id": i, "name": f"n{i}", "active": True} for i in range(30)],
            )
            c.exec_driver_sql(f"CREATE VIEW {q(view)} AS SELECT id, name FROM {q(parent)}")
            c.exec_driver_sql(f"ALTER TABLE {q(nopk)} ADD extra VARCHAR(10)")
            c.exec_driver_sql(f"CREATE INDEX {q(prefix + '_ix')} ON {q(parent)} (name)")
            create_trigger_and_analyze(c, parent, f"{prefix} trg")
        Table(f"{prefix}_missing", models, Column("id", Integer, primary_key=True))
        strategy = strategy_for(async_engine.dialect.name)
        async with async_engine.connect() as conn:
            snap = await load_catalog(conn, strategy, models)
            infos = {name: get(snap, name) for name in (parent, child, nopk, view)}
            details = await table_details(conn, strategy, infos[parent])
            child_details = await table_details(conn, strategy, infos[child])
            view_details = await table_details(conn, strategy, infos[view])
            estimate = await estimate_count(conn, strategy, infos[parent])
            capped = await capped_count(conn, infos[parent], cap=10)
            exact = await exact_count(conn, infos[view])
            assert not conn.in_transaction()
    finally:
        with sync_engine.begin() as c:
            c.exec_driver_sql(f"DROP VIEW IF EXISTS {q(view)}")
        models.drop_all(sync_engine)
        if sync_engine.dialect.name == "postgresql":
            with sync_engine.begin() as c:
                c.exec_driver_sql(f"DROP FUNCTION IF EXISTS {q(parent + '_fn')}()")

    assert [(infos[n].kind, infos[n].key_kind, infos[n].key_columns) for n in infos] == [
        (TableKind.TABLE, KeyKind.PRIMARY_KEY, ("id",)),
        (TableKind.TABLE, KeyKind.PRIMARY_KEY, ("id",)),
        (TableKind.TABLE, KeyKind.NONE, ()),
        (TableKind.VIEW, KeyKind.NONE, ()),
    ]
    # Boolean, Uuid, JSON, Enum, Float... as each server stores them are no drift.
    assert [(t.drift, t.drift_details) for t in infos.values()] == [
        (Drift.NONE, ()),
        (Drift.NONE, ()),
        (Drift.COLUMNS_DIFFER, ("column extra: not in the model, database VARCHAR(10) NULL",)),
        (Drift.NONE, ()),
    ]
    assert get(snap, f"{prefix}_missing").drift is Drift.MISSING_TABLE
    name_column = infos[parent].columns[1]
    assert (name_column.name, name_column.type_name, name_column.nullable) == (
        "name",
        "VARCHAR(50)",
        False,
    )
    assert estimate is not None
    assert not estimate.exact
    assert 20 <= estimate.value <= 40
    assert capped == RowCount(10, at_least=True)
    assert exact == RowCount(30, exact=True)
    assert [(fk.columns, fk.on_delete) for fk in child_details.foreign_keys] == [
        (("parent_id",), "CASCADE")
    ]
    assert [(src, fk.columns) for src, fk in details.referenced_by] == [(child, ("parent_id",))]
    assert details.create_sql is not None
    assert parent in details.create_sql
    assert [(i.name, i.columns, i.unique) for i in details.indexes] == [
        (f"{prefix}_ix", ("name",), False)
    ]
    assert [name for name, _ in details.triggers] == [f"{prefix} trg"]
    assert details.triggers[0][1].startswith("CREATE ")
    assert "BEFORE INSERT" in details.triggers[0][1]
    assert view_details.create_sql is not None
    assert "name" in view_details.create_sql


async def test_server_odd_identifiers(server: tuple[Engine, AsyncEngine]) -> None:
    sync_engine, async_engine = server
    name = f"select {uuid.uuid4().hex[:6]} 日本:%s"
    models = MetaData()
    odd = Table(name, models, Column('my "col"', Integer, primary_key=True, autoincrement=False))
    models.create_all(sync_engine)
    try:
        with sync_engine.begin() as c:
            c.execute(odd.insert(), [{'my "col"': i} for i in range(3)])
        strategy = strategy_for(async_engine.dialect.name)
        async with async_engine.connect() as conn:
            info = get(await load_catalog(conn, strategy), name)
            details = await table_details(conn, strategy, info)
            counts = (
                await capped_count(conn, info, cap=2),
                await exact_count(conn, info),
            )
            await estimate_count(conn, strategy, info)
    finally:
        models.drop_all(sync_engine)
    assert (info.key_kind, info.key_columns) == (KeyKind.PRIMARY_KEY, ('my "col"',))
    assert counts == (RowCount(2, at_least=True), RowCount(3, exact=True))
    assert details.create_sql is not None
    assert "日本" in details.create_sql


@pytest.mark.parametrize(
    ("dialect", "nulls_first", "has_rowid", "stat_internal"),
    [
        ("sqlite", True, True, True),
        ("postgresql", False, False, False),
        ("mariadb", True, False, False),
    ],
)
def test_strategy_flags(
    dialect: str, nulls_first: bool, has_rowid: bool, stat_internal: bool
) -> None:
    strategy = strategy_for(dialect)
    assert (strategy.nulls_first_when_ascending, strategy.has_rowid) == (nulls_first, has_rowid)
    assert strategy.is_internal_table("sqlite_stat1") is stat_internal
