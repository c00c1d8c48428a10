"""PostgreSQL's ``infinity`` and ``-infinity`` dates and timestamps, read as themselves.

asyncpg reads them as ``datetime.max`` / ``datetime.min`` (``date.max`` / ``date.min``):
real-looking values (9999-12-31 23:59:59.999999, 0001-01-01) that are not in the database,
and that a real 9999-12-31 23:59:59.999999 cannot be told from. On every new connection
this module replaces the codecs of ``date``, ``timestamp`` and ``timestamptz`` with ones
that read the server's binary form themselves: an infinity becomes :data:`INFINITY` or
:data:`NEG_INFINITY` (shown, edited and exported as ``infinity`` / ``-infinity``, and bound
as the server's infinity again), any other value the same ``date``/``datetime`` as before.

Likewise ``json``/``jsonb``: the driver decodes a document, so the JSON ``null`` read as
``None``, SQL's NULL, and the JSON string ``"str"`` as the text ``str``. A document that is
``null`` or a string is read as a :class:`JsonScalar` (shown and exported as its JSON text,
``null``, ``"str"``); objects, arrays, numbers and booleans stay decoded as before.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import Engine

from tui.db.pg_types import INFINITY, NEG_INFINITY, Infinite, JsonScalar

# The binary forms: microseconds (int64) or days (int32) since 2000-01-01, the extremes
# of each integer standing for the infinities.
_EPOCH = dt.datetime(2000, 1, 1)
_EPOCH_UTC = _EPOCH.replace(tzinfo=dt.UTC)
_EPOCH_DAY = dt.date(2000, 1, 1).toordinal()
_MICRO = dt.timedelta(microseconds=1)
_TS_INF, _TS_NINF = 2**63 - 1, -(2**63)
_DATE_INF, _DATE_NINF = 2**31 - 1, -(2**31)


def _document(text: str) -> Any:
    value = json.loads(text)
    if value is None or isinstance(value, str):
        return JsonScalar(text)
    return value


def _json_text(value: Any) -> str:
    # What the codec SQLAlchemy installs took (JSON text), and what dbbrowse reads.
    if isinstance(value, str):
        return value
    if isinstance(value, JsonScalar):
        return value.text
    return json.dumps(value)


def _decode_json(raw: bytes) -> Any:
    return _document(raw.decode())


def _decode_jsonb(raw: bytes) -> Any:
    return _document(raw[1:].decode())  # a version byte, 1, then the text


def _encode_json(value: Any) -> bytes:
    return _json_text(value).encode()


def _encode_jsonb(value: Any) -> bytes:
    return b"\x01" + _json_text(value).encode()


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


_JSON_CODECS = (("json", _encode_json, _decode_json), ("jsonb", _encode_jsonb, _decode_jsonb))


async def _set_codecs(connection: Any) -> None:
    for name, encoder, decoder in _CODECS:
        await connection.set_type_codec(
            name, schema="pg_catalog", encoder=encoder, decoder=decoder, format="tuple"
        )
    # After SQLAlchemy's own json codecs (its connect hook runs first): these replace them.
    for json_name, json_encoder, json_decoder in _JSON_CODECS:
        await connection.set_type_codec(
            json_name,
            schema="pg_catalog",
            encoder=json_encoder,
            decoder=json_decoder,
            format="binary",
        )


def _on_connect(dbapi_connection: Any, _record: Any) -> None:
    dbapi_connection.run_async(_set_codecs)


def install(sync_engine: Engine) -> None:
    """Read infinities as :class:`Infinite`, JSON null and strings as :class:`JsonScalar`,
    on every new connection of ``sync_engine`` (the sync face of an asyncpg engine; nothing
    for other drivers). Installing twice is once."""
    if sync_engine.dialect.driver != "asyncpg":
        return
    if not event.contains(sync_engine, "connect", _on_connect):
        event.listen(sync_engine, "connect", _on_connect)
