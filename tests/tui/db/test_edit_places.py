"""A staged edit is bound to its column's place, not only to its name (hostile2, N1)."""

from __future__ import annotations

from tui.db.edits import CellEdit, ChangeSet, column_place, unbound_edit
from tui.db.model import ColumnInfo, KeyKind, TableInfo, TableKind, TableRef
from tui.db.values import RowKey

REF = TableRef("acct")


def acct(*columns: tuple[str, str]) -> TableInfo:
    infos = tuple(ColumnInfo(name, type_name) for name, type_name in columns)
    return TableInfo(REF, TableKind.TABLE, infos, ("id",), KeyKind.PRIMARY_KEY)


STAGED = acct(("id", "INTEGER"), ("owner", "TEXT"), ("bal", "INTEGER"))


def bal_edit() -> CellEdit:
    return CellEdit(REF, RowKey(("id",), (1,)), "bal", 5, 777, place=column_place(STAGED, "bal"))


def test_the_same_column_after_another_was_dropped_before_it_still_saves() -> None:
    assert unbound_edit(bal_edit(), acct(("id", "INTEGER"), ("bal", "INTEGER"))) is None
    added = acct(("id", "INTEGER"), ("owner", "TEXT"), ("bal", "INTEGER"), ("note", "TEXT"))
    assert unbound_edit(bal_edit(), added) is None


def test_a_new_column_under_the_edited_name_is_not_the_edited_column() -> None:
    now = acct(("id", "INTEGER"), ("owner", "TEXT"), ("oldbal", "INTEGER"), ("bal", "INTEGER"))
    reason = unbound_edit(bal_edit(), now)
    assert reason == (
        "bal was renamed or re-created by another connection since you staged 777: discard"
        " this change or stage it again"
    )
    retyped = acct(("id", "INTEGER"), ("owner", "TEXT"), ("bal", "TEXT"))
    assert unbound_edit(bal_edit(), retyped) is not None
    gone = unbound_edit(bal_edit(), acct(("id", "INTEGER"), ("owner", "TEXT")))
    assert gone is not None and "renamed or dropped" in gone
    assert unbound_edit(bal_edit(), acct()) is not None  # the table itself is gone


def test_an_edit_of_the_new_column_is_not_merged_into_the_old_one() -> None:
    changes = ChangeSet()
    changes.stage(bal_edit())
    now = acct(("id", "INTEGER"), ("owner", "TEXT"), ("oldbal", "INTEGER"), ("bal", "INTEGER"))
    place = column_place(now, "bal")
    assert changes.edit_of(REF, RowKey(("id",), (1,)), "bal", place) is None
    fresh = CellEdit(REF, RowKey(("id",), (1,)), "bal", None, 9, place=place)
    changes.stage(fresh)
    assert len(changes) == 2 and changes.changes[0].new == 777  # type: ignore[union-attr]


def test_renames_are_told_from_place_and_type() -> None:
    from tui.db.column_changes import column_changes

    renamed = acct(("id", "INTEGER"), ("holder", "TEXT"), ("bal", "INTEGER"))
    assert column_changes(STAGED, renamed).words() == "renamed owner to holder"
    # Another type at the same place is a drop and an add, not a rename.
    retyped = acct(("id", "INTEGER"), ("holder", "BLOB"), ("bal", "INTEGER"))
    assert column_changes(STAGED, retyped).words() == "added holder; dropped owner"
    added = acct(("id", "INTEGER"), ("owner", "TEXT"), ("bal", "INTEGER"), ("n", "TEXT"))
    assert column_changes(STAGED, added).words() == "added n"


def test_an_edit_follows_a_rename_before_its_column_but_not_its_own() -> None:
    from tui.db.column_changes import column_changes
    from tui.db.column_follow import follow_change

    renamed = acct(("id", "INTEGER"), ("holder", "TEXT"), ("bal", "INTEGER"))
    followed = follow_change(bal_edit(), renamed, column_changes(STAGED, renamed))
    assert isinstance(followed, CellEdit) and followed.place == column_place(renamed, "bal")
    moved = acct(("id", "INTEGER"), ("owner", "TEXT"), ("x", "INTEGER"))
    reason = follow_change(bal_edit(), moved, column_changes(STAGED, moved))
    assert reason == (
        "another connection renamed bal to x since you staged 777: discard this change or"
        " stage it again on x"
    )


def test_a_rename_chain_onto_the_edited_name_is_never_taken_for_it() -> None:
    """bal renamed away and owner renamed to bal (same types) reads, from the columns alone,
    as owner dropped and a column added: the column now named bal was owner, so the edit
    is refused (the safe side, also for a real drop and add in one go)."""
    from tui.db.column_changes import column_changes
    from tui.db.column_follow import follow_change

    staged = acct(("id", "INTEGER"), ("owner", "INTEGER"), ("bal", "INTEGER"))
    edit = CellEdit(REF, RowKey(("id",), (1,)), "bal", 5, 777, place=column_place(staged, "bal"))
    chain = acct(("id", "INTEGER"), ("bal", "INTEGER"), ("x", "INTEGER"))
    reason = follow_change(edit, chain, column_changes(staged, chain))
    assert isinstance(reason, str) and "bal was renamed or re-created" in reason
    # A drop alone still keeps the edit: nothing was added that could be it.
    dropped = acct(("id", "INTEGER"), ("bal", "INTEGER"))
    assert isinstance(follow_change(edit, dropped, column_changes(staged, dropped)), CellEdit)
