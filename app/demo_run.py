"""What every table of one demo run shares: the timeline and the id range of each table.

All times count from :data:`BASE_TIME`, never from the clock, and are kept as microsecond
offsets until a row is written.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass
from typing import Any

from sqlalchemy import null

BASE_TIME = dt.datetime(2023, 1, 1, tzinfo=dt.UTC)
"""Start of the timeline: customers, orders and events spread over the following :data:`SPAN`
(products were created in the year before)."""
SPAN = dt.timedelta(days=730)

_SPAN_US = SPAN // dt.timedelta(microseconds=1)
_BASE_US = (BASE_TIME - dt.datetime(1970, 1, 1, tzinfo=dt.UTC)) // dt.timedelta(microseconds=1)


@dataclass(frozen=True)
class _Ids:
    """The first id and the row count of one table in this run."""

    first: int
    count: int


def _time(index: int, count: int, rng: random.Random) -> int:
    """Microseconds after BASE_TIME of item ``index`` of ``count`` spread over SPAN.

    Item i falls in [i*step, (i+1)*step), so times increase with the index.
    """
    step = max(1, _SPAN_US // max(1, count))
    return index * step + rng.randrange(step)


def _at(offset_us: int) -> dt.datetime:
    return BASE_TIME + dt.timedelta(microseconds=offset_us)


def _json(value: Any) -> Any:
    """``None`` as SQL NULL: the JSON type stores a Python ``None`` as JSON ``null``."""
    return null() if value is None else value
