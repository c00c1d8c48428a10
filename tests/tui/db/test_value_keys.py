"""Staged changes and row keys holding values Python cannot hash (a jsonb object, an array),
as dict keys and set members, told apart by type as the database tells them apart."""

from __future__ import annotations

import math

from tui.db.edits import CellEdit, RowDelete, RowInsert
from tui.db.model import TableRef
from tui.db.value_keys import value_key
from tui.db.values import RowKey

T = TableRef("t")


def test_unhashable_values_make_usable_keys() -> None:
    doc = {"a": [1, 2, {"b": None}]}
    key = RowKey(("id",), (1,))
    changes = [
        RowDelete(T, key, (("id", 1), ("j", doc), ("arr", [1, 2, None]))),
        CellEdit(T, key, "j", doc, {"a": []}),
        RowInsert(T, (("arr", []),), 1),
        RowDelete(T, RowKey(("j", "arr"), (doc, [1])), (("j", doc), ("arr", [1]))),
    ]
    numbered = {change: n for n, change in enumerate(changes)}
    assert [numbered[c] for c in changes] == [0, 1, 2, 3]
    # Equal content, other objects: the same change.
    again = RowDelete(T, key, (("id", 1), ("j", {"a": [1, 2, {"b": None}]}), ("arr", [1, 2, None])))
    assert again == changes[0] and numbered[again] == 0


def test_keys_keep_types_apart() -> None:
    assert value_key(1) != value_key(1.0) != value_key(True)
    assert value_key([1]) != value_key((1,)) != value_key({"0": 1})
    assert value_key({"a": 1, "b": 2}) == value_key({"b": 2, "a": 1})
    assert value_key(math.nan) == value_key(float("nan"))
    assert value_key(None) != value_key("null")
    one = RowKey(("id",), (1,))
    assert RowDelete(T, one, (("v", 1),)) != RowDelete(T, one, (("v", 1.0),))
    assert len({CellEdit(T, one, "v", 1, 2), CellEdit(T, one, "v", True, 2)}) == 2
