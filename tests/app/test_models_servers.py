"""Column types keep what is written on every engine: microseconds and double precision."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterator

import pytest
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.database import Base, create_engines
from app.models import Event


@pytest.fixture(params=["postgres", "mariadb", "sqlite"])
def session(request: pytest.FixtureRequest) -> Iterator[Session]:
    name = "sqlite_url" if request.param == "sqlite" else f"{request.param}_url"
    url: str = request.getfixturevalue(name)
    engine, _async_engine = create_engines(url)
    tables = [Base.metadata.tables["customers"], Base.metadata.tables["events"]]
    Base.metadata.create_all(engine, tables=tables)
    try:
        with Session(engine) as session:
            yield session
    finally:
        Base.metadata.drop_all(engine, tables=tables)
        engine.dispose()


def test_timestamps_keep_microseconds_and_floats_keep_precision(session: Session) -> None:
    when = dt.datetime(2024, 2, 29, 23, 59, 58, 123456, tzinfo=dt.UTC)
    amount = 0.1 + 0.2  # 0.30000000000000004: survives only as a double
    session.add(Event(id=1, occurred_at=when, kind="probe", amount=amount))
    session.commit()
    session.expunge_all()
    event = session.scalars(select(Event)).one()
    stored = event.occurred_at
    # PostgreSQL returns an aware value; SQLite and MariaDB a naive one, in UTC.
    stored = stored.astimezone(dt.UTC) if stored.tzinfo else stored.replace(tzinfo=dt.UTC)
    assert stored == when
    assert event.amount == amount
