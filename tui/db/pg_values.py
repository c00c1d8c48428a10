"""PostgreSQL's ``infinity`` and ``-infinity`` dates and timestamps, read as themselves.

asyncpg reads them as ``datetime.max`` / ``datetime.min`` (``date.max`` / ``date.min``):
real-looking values (9999-12-31 23:59:59.999999, 0001-01-01) that are not in the database,
and that a real 9999-12-31 23:59:59.999999 cannot be told from. On every new connection
this module replaces the codecs of ``date``, ``timestamp`` and ``timestamptz`` with ones
that read the server's binary form themselves: an infinity becomes :data:`INFINITY` or
:data:`NEG_INFINITY` (shown, edited and exported as ``infinity`` / ``-infinity``, and bound
as the server's infinity again), any other value the same ``date``/``datetime`` as before.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine


@dataclass(frozen=True)
class Infinite:
    """PostgreSQL's ``infinity`` (later than every date) or ``-infinity``."""

    negative: bool

    def __str__(self) -> str:
        return "-infinity" if self.negative else "infinity"


INFINITY = Infinite(False)
NEG_INFINITY = Infinite(True)
#: What a person types for each (as psql prints them; ``+infinity`` too).
SPELLED = {"infinity": INFINITY, "+infinity": INFINITY, "-infinity": NEG_INFINITY}

# The binary forms: microseconds (int64) or days (int32) since 2000-01-01, the extremes
# of each integer standing for the infinities.
_EPOCH = dt.datetime(2000, 1, 1)
_EPOCH_UTC = _EPOCH.replace(tzinfo=dt.UTC)
_EPOCH_DAY = dt.date(2000, 1, 1).toordinal()
_MICRO = dt.timedelta(microseconds=1)
_TS_INF, _TS_NINF = 2**63 - 1, -(2**63)
_DATE_INF, _DATE_NINF = 2**31 - 1, -(2**31)


def _infinite(raw: int, top: int, bottom: int) -> Infinite | None:
    return INFINITY if raw == top else NEG_INFINITY if raw == bottom else None


def _decode_timestamp(parts: tuple[int]) -> Any:
    return _infinite(parts[0], _TS_INF, _TS_NINF) or _EPOCH + parts[0] * _MICRO


def _decode_timestamptz(parts: tuple[int]) -> Any:
    return _infinite(parts[0], _TS_INF, _TS_NINF) or _EPOCH_UTC + parts[0] * _MICRO


def _decode_date(parts: tuple[int]) -> Any:
    found = _infinite(parts[0], _DATE_INF, _DATE_NINF)
    return found or dt.date.fromordinal(parts[0] + _EPOCH_DAY)


def _timestamp(value: Any, aware: bool) -> dt.datetime:
    # What asyncpg accepts: a datetime, or a date taken as its midnight (local time for
    # timestamptz, as asyncpg takes a naive datetime there).
    if isinstance(value, dt.datetime):
        moment = value
    elif isinstance(value, dt.date):
        moment = dt.datetime(value.year, value.month, value.day)
    else:
        raise TypeError(f"expected a datetime.datetime, got {type(value).__name__}")
    return moment.astimezone(dt.UTC) if aware else moment


def _encode_timestamp(value: Any) -> tuple[int]:
    if isinstance(value, Infinite):
        return (_TS_NINF if value.negative else _TS_INF,)
    return ((_timestamp(value, False) - _EPOCH) // _MICRO,)


def _encode_timestamptz(value: Any) -> tuple[int]:
    if isinstance(value, Infinite):
        return (_TS_NINF if value.negative else _TS_INF,)
    return ((_timestamp(value, True) - _EPOCH_UTC) // _MICRO,)


def _encode_date(value: Any) -> tuple[int]:
    if isinstance(value, Infinite):
        return (_DATE_NINF if value.negative else _DATE_INF,)
    if not isinstance(value, dt.date):
        raise TypeError(f"expected a datetime.date, got {type(value).__name__}")
    return (value.toordinal() - _EPOCH_DAY,)


_CODECS = (
    ("timestamp", _encode_timestamp, _decode_timestamp),
    ("timestamptz", _encode_timestamptz, _decode_timestamptz),
    ("date", _encode_date, _decode_date),
)


async def _set_codecs(connection: Any) -> None:
    for name, encoder, decoder in _CODECS:
        await connection.set_type_codec(
            name, schema="pg_catalog", encoder=encoder, decoder=decoder, format="tuple"
        )


def _on_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.run_async(_set_codecs)


def install(sync_engine: Engine) -> None:
    """Read infinities as :class:`Infinite` on every new connection of ``sync_engine`` (the
    sync face of an asyncpg engine; nothing for other drivers). Installing twice is once."""
    if sync_engine.dialect.driver != "asyncpg":
        return
    if not event.contains(sync_engine, "connect", _on_connect):
        event.listen(sync_engine, "connect", _on_connect)
