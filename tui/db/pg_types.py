"""Values PostgreSQL holds that Python's own types cannot say (read so by
:mod:`tui.db.pg_values`): the ``infinity`` dates and timestamps, and the json documents
``null`` and strings. Plain data, importable by the text builders and widgets."""

from __future__ import annotations

import json
from dataclasses import dataclass
from decimal import Decimal

from tui.db.decimals import decimal_text


# Messages name values by repr (``id=1, name='x'``): these read as the SQL literals.
@dataclass(frozen=True, repr=False)
class Infinite:
    """PostgreSQL's ``infinity`` (later than every date) or ``-infinity``."""

    negative: bool

    def __str__(self) -> str:
        return "-infinity" if self.negative else "infinity"

    def __repr__(self) -> str:
        return f"'{self}'"


INFINITY = Infinite(False)
NEG_INFINITY = Infinite(True)
#: What a person types for each (as psql prints them; ``+infinity`` too).
SPELLED = {"infinity": INFINITY, "+infinity": INFINITY, "-infinity": NEG_INFINITY}


@dataclass(frozen=True, repr=False)
class JsonScalar:
    """A json/jsonb document that is ``null`` or a string: ``text`` is its JSON text."""

    text: str

    @property
    def value(self) -> str | None:
        """The document decoded: None for ``null``, else the string."""
        decoded: str | None = json.loads(self.text)
        return decoded

    def __str__(self) -> str:
        return self.text

    def __repr__(self) -> str:
        return "'" + self.text.replace("'", "''") + "'"


def json_default(value: object) -> object:
    """For ``json.dumps(default=...)`` of a document or array to show: a jsonb[]'s documents
    as themselves, anything else JSON has no type for as its text."""
    if isinstance(value, JsonScalar):
        return value.value
    return decimal_text(value) if isinstance(value, Decimal) else str(value)
