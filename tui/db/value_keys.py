"""A hashable, type-tagged stand-in for any value a row holds, for sets and dict keys.

Drivers read a jsonb object as a ``dict``, an array as a ``list``: neither hashes, so a
staged change holding one could not be a dict key (the pending panel crashed on it). And
Python's own hash says ``1 == 1.0 == True`` where a database keeps them apart. The key of a
value is its type with its content, containers turned into tuples of their items' keys
(an object's members in key order), so two values share a key exactly when they are the
same value of the same type (NaN included, as :func:`tui.db.edits.same_value` holds).
"""

from __future__ import annotations

import math
import uuid
from collections.abc import Hashable, Mapping
from typing import Any


def value_key(value: Any) -> Hashable:
    """The key of ``value`` (see the module docstring); never raises on unhashable values."""
    if value is None:
        return None
    if isinstance(value, uuid.UUID):
        return (uuid.UUID, value.int)  # asyncpg reads its own UUID subclass
    if isinstance(value, Mapping):
        members = ((value_key(k), value_key(v)) for k, v in value.items())
        return (dict, tuple(sorted(members, key=repr)))
    if isinstance(value, list | tuple):
        return (list if isinstance(value, list) else tuple, tuple(value_key(v) for v in value))
    if isinstance(value, set | frozenset):
        return (frozenset, frozenset(value_key(v) for v in value))
    if isinstance(value, float) and math.isnan(value):
        return (float, "nan")
    if isinstance(value, bytearray | memoryview):
        return (bytes, bytes(value))
    try:
        hash(value)
    except TypeError:
        return (type(value), repr(value))
    return (type(value), value)


def values_key(values: tuple[Any, ...]) -> tuple[Hashable, ...]:
    """The keys of ``values``, in order."""
    return tuple(value_key(v) for v in values)


def pairs_key(pairs: tuple[tuple[str, Any], ...]) -> tuple[tuple[str, Hashable], ...]:
    """The keys of the values of ``(column, value)`` pairs, names kept."""
    return tuple((name, value_key(v)) for name, v in pairs)
