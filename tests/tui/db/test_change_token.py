"""The change token of PostgreSQL and MariaDB moves with writes to *this* database only.

The live refresh compares it once a second: a token that moved with writes to other
databases on the same server (or the server's own background work) made the browse screen
say "changed by another connection" and reload again and again with nothing changed.
"""

from __future__ import annotations

import asyncio
import time
import uuid
from collections.abc import Iterator
from datetime import datetime, timedelta

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.ext.asyncio import AsyncConnection

from app.engines import derive_urls
from tests.conftest import MARIADB_ADMIN_URL, POSTGRES_ADMIN_URL, _server_missing
from tui.db.dialects.mysql import settling_second
from tui.db.source import DataSource
from tui.db.target import resolve_target

SERVERS = {"postgres": POSTGRES_ADMIN_URL, "mariadb": MARIADB_ADMIN_URL}


class Server:
    """Two fresh databases on one server: ours (browsed) and another one."""

    def __init__(self, kind: str) -> None:
        self.kind = kind
        self.admin_url = SERVERS[kind]
        self.names = [f"dbbrowse_{uuid.uuid4().hex[:12]}" for _ in range(2)]
        self.admin = create_engine(derive_urls(self.admin_url)[0], isolation_level="AUTOCOMMIT")
        self.engines: list[Engine] = []

    def quote(self, name: str) -> str:
        return f'"{name}"' if self.kind == "postgres" else f"`{name}`"

    def url(self, index: int) -> str:
        return make_url(self.admin_url).set(database=self.names[index]).render_as_string(False)

    def create(self) -> None:
        with self.admin.connect() as conn:
            for name in self.names:
                conn.execute(text(f"CREATE DATABASE {self.quote(name)}"))
        self.engines = [create_engine(derive_urls(self.url(i))[0]) for i in range(2)]
        for engine in self.engines:
            # No autovacuum: its statistics would be writes of their own.
            options = " WITH (autovacuum_enabled = false)" if self.kind == "postgres" else ""
            self.write(engine, f"CREATE TABLE t (id INTEGER PRIMARY KEY, v VARCHAR(10)){options}")
            self.write(engine, "INSERT INTO t VALUES (1, 'a'), (2, 'b'), (3, 'c')")

    def write(self, engine: Engine, sql: str) -> None:
        with engine.begin() as conn:
            conn.execute(text(sql))
        if self.kind == "postgres":
            # A backend publishes its statistics within about a second; make that now.
            with engine.begin() as conn:
                conn.execute(text("SELECT pg_stat_force_next_flush()"))

    def drop(self) -> None:
        for engine in self.engines:
            engine.dispose()
        with self.admin.connect() as conn:
            for name in self.names:
                force = " WITH (FORCE)" if self.kind == "postgres" else ""
                conn.execute(text(f"DROP DATABASE IF EXISTS {self.quote(name)}{force}"))
        self.admin.dispose()


@pytest.fixture(params=["postgres", "mariadb"])
def server(request: pytest.FixtureRequest) -> Iterator[Server]:
    server = Server(request.param)
    try:
        server.create()
    except Exception as exc:
        server.drop()
        _server_missing(request.param, exc)
    try:
        yield server
    finally:
        server.drop()


async def settled_token(source: DataSource) -> object:
    """The token once the last write is old enough for it to stop moving (MariaDB counts
    write times in whole seconds, see :func:`settling_second`); waits by wall clock."""
    deadline = time.monotonic() + 30
    while True:
        token = await source.change_token()
        if not isinstance(token, tuple) or len(token) != 4:
            return token  # PostgreSQL: nothing to settle
        _tables, created, updated, clock = token
        latest = max(t for t in (created, updated) if t is not None)
        if clock == latest + timedelta(seconds=2):
            return token
        assert time.monotonic() < deadline, "the token never settled"
        await asyncio.sleep(0.1)


async def read_rows(conn: AsyncConnection) -> list[tuple[object, ...]]:
    result = await conn.execute(text("SELECT id, v FROM t ORDER BY id"))
    return [tuple(row) for row in result]


def test_a_write_in_a_second_already_seen_still_moves_the_token() -> None:
    write = datetime(2026, 1, 1, 12, 0, 0)
    seen = settling_second(write, datetime(2026, 1, 1, 12, 0, 0, 400_000))
    # Another commit later in 12:00:00 leaves UPDATE_TIME as it was; the clock moves on.
    assert settling_second(write, datetime(2026, 1, 1, 12, 0, 1, 100_000)) != seen
    # Then it stays put while nothing is written.
    settled = settling_second(write, datetime(2026, 1, 1, 12, 0, 2, 500_000))
    assert settling_second(write, datetime(2026, 1, 1, 13, 0, 0)) == settled
    assert settling_second(None, datetime(2026, 1, 1)) is None


def test_only_a_move_of_the_write_times_or_tables_is_a_certain_change() -> None:
    """The settling clock moves the token for two seconds after a write (our own failed
    save's neighbours included): the view is read again, but that is no news of a commit
    to announce as another connection's (it overwrote 'save failed' in the status bar)."""
    from tui.db.dialects import strategy_for

    mysql, sqlite = strategy_for("mysql"), strategy_for("sqlite")
    write = datetime(2026, 1, 1, 12, 0, 0)
    seen = (3, write, write, datetime(2026, 1, 1, 12, 0, 1))
    assert not mysql.change_is_certain(seen, (3, write, write, datetime(2026, 1, 1, 12, 0, 2)))
    later = write + timedelta(seconds=1)
    assert mysql.change_is_certain(seen, (3, write, later, datetime(2026, 1, 1, 12, 0, 2)))
    assert mysql.change_is_certain(seen, (4, later, write, datetime(2026, 1, 1, 12, 0, 2)))
    assert sqlite.change_is_certain(1, 2)


async def test_the_token_moves_with_writes_here_and_never_with_reads_or_other_databases(
    server: Server,
) -> None:
    ours, other = server.engines
    source = await DataSource.open(resolve_target(server.url(0), default_url=""))
    try:
        before = await settled_token(source)
        assert before is not None
        # Reading (as browsing does) and writing another database of the same server.
        assert len(await source.run(read_rows)) == 3
        server.write(other, "INSERT INTO t VALUES (4, 'd')")
        server.write(other, "UPDATE t SET v = 'z'")
        assert await source.change_token() == before
        # A write here moves it.
        server.write(ours, "UPDATE t SET v = 'x' WHERE id = 2")
        assert await source.change_token() != before
    finally:
        await source.close()
