"""Staged changes in words: every name and value escaped, NULL apart from '', SQL and bound
values as given, the failed change pointed at, cascades named."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from tui.db.edits import CellEdit, RowDelete, RowInsert
from tui.db.model import TableRef
from tui.db.values import RowKey
from tui.text.escape import needs_escape
from tui.text.pending import change_line, delete_question, pending_text, statement_lines

HOSTILE = "\x1b]0;PWNED\x07"
PEOPLE = TableRef("people")


@dataclass(frozen=True)
class Planned:
    """Shaped as tui.db.save.PlannedStatement (the text builder reads these four fields)."""

    change: Any
    sql: str
    params: tuple[tuple[str, Any], ...]
    expected_rows: int = 1


def shown(text: Any) -> str:
    plain = text.plain
    assert not needs_escape(plain.replace("\n", "")), repr(plain)
    return str(plain)


def test_cell_edit_line() -> None:
    edit = CellEdit(PEOPLE, RowKey(("id",), (3,)), "name", "Ada", None)
    assert shown(change_line(edit)) == "people  id=3  name: 'Ada' -> ∅ NULL"
    empty = CellEdit(PEOPLE, RowKey(("id",), (3,)), "name", None, "")
    assert shown(change_line(empty)).endswith("name: ∅ NULL -> ⟨empty⟩")


def test_hostile_names_and_values_are_escaped() -> None:
    edit = CellEdit(TableRef(HOSTILE), RowKey((HOSTILE,), (HOSTILE,)), "", HOSTILE, "[b]x[/b]")
    line = shown(change_line(edit))
    assert "\\x1b]0;PWNED\\x07" in line and "⟨empty⟩:" in line and "'[b]x[/b]'" in line


def test_insert_and_delete_lines() -> None:
    insert = RowInsert(PEOPLE, (("name", "Bo"), ("email", None)), token=2)
    assert shown(change_line(insert, 2)) == "people  new row 2+: name='Bo', email=∅ NULL"
    assert "every column takes its default" in shown(change_line(RowInsert(PEOPLE, (), 1)))
    delete = RowDelete(PEOPLE, RowKey(("a", "b"), ("k1", 3)), (("a", "k1"), ("b", 3)))
    assert shown(change_line(delete)) == "people  delete a='k1', b=3"


def test_statements_with_bound_values_and_rows() -> None:
    edit = CellEdit(PEOPLE, RowKey(("id",), (3,)), "name", "Ada", "Bo")
    planned = Planned(
        edit,
        "UPDATE people SET name=? WHERE id = ? AND name IS ?",
        (
            ("name", "Bo"),
            ("id_1", 3),
            ("", HOSTILE),
        ),
    )
    lines = [shown(line) for line in statement_lines(planned)]  # type: ignore[arg-type]
    assert lines[0].strip() == "UPDATE people SET name=? WHERE id = ? AND name IS ?"
    assert lines[1].strip() == "bound: name='Bo', id_1=3, ⟨empty⟩='\\x1b]0;PWNED\\x07'"
    assert lines[2].strip() == "must touch 1 row"


def test_a_quote_is_doubled_in_the_change_list_and_the_bound_values() -> None:
    edit = CellEdit(PEOPLE, RowKey(("id",), (3,)), "name", "", "it's")
    assert shown(change_line(edit)).endswith("name: ⟨empty⟩ -> 'it''s'")
    planned = Planned(edit, "UPDATE", (("name", "it's"), ("n", None), ("i", 3)))
    bound = shown(statement_lines(planned)[1]).strip()  # type: ignore[arg-type]
    assert bound == "bound: name='it''s', n=∅ NULL, i=3"


def test_new_rows_are_numbered_per_table_as_the_strip_lists_them() -> None:
    other = TableRef("pets")
    inserts = [RowInsert(PEOPLE, (), 7), RowInsert(other, (), 8), RowInsert(PEOPLE, (), 9)]
    body = shown(pending_text(inserts, []))
    assert "people  new row 1+:" in body and "pets  new row 1+:" in body
    assert "people  new row 2+:" in body and "#" not in body


def test_pending_text_points_at_the_failed_change() -> None:
    first = CellEdit(PEOPLE, RowKey(("id",), (1,)), "name", "A", "B")
    second = RowInsert(PEOPLE, (), 1)
    body = shown(
        pending_text(
            [first, second],
            [Planned(first, "UPDATE …", ()), Planned(second, "INSERT …", ())],  # type: ignore[list-item]
            failed=second,
            reason="NOT NULL constraint failed: people.name",
        )
    )
    assert "2 changes staged" in body
    assert "✗   2. people  new row 1+" in body
    assert "failed: NOT NULL constraint failed: people.name" in body
    assert body.index("UPDATE …") < body.index("INSERT …")
    assert "nothing is staged" in shown(pending_text([], None))
    planless = shown(pending_text([first], None, plan_error="no such table"))
    assert "cannot plan the save: no such table" in planless


def test_delete_question_counts_what_goes_with_the_rows() -> None:
    from tui.db.delete_effects import DeleteEffect

    title, body = delete_question(
        PEOPLE,
        2,
        [
            DeleteEffect("pets", ("owner_id",), "CASCADE", 3),
            DeleteEffect(HOSTILE, ("vet",), "SET NULL", 1),
            DeleteEffect("logs", ("who",), "RESTRICT", 12),
        ],
    )
    assert shown(title) == "Delete 2 rows of people?"
    text = shown(body)
    assert "also deletes 3 rows of pets (ON DELETE CASCADE" in text
    assert "sets vet to NULL in 1 row of \\x1b]0;PWNED\\x07" in text
    assert "12 rows of logs still refer to them (RESTRICT): the save will fail" in text
    _, one = delete_question(PEOPLE, 1, [DeleteEffect("logs", ("who",), "RESTRICT", 1)])
    assert "1 row of logs still refers to it (RESTRICT)" in shown(one)
    _, alone = delete_question(PEOPLE, 1, ())
    assert "•" not in shown(alone)
    _, unknown = delete_question(PEOPLE, 1, None)
    assert "unknown" in shown(unknown)


def test_a_save_that_never_began_says_why_at_the_top() -> None:
    edit = CellEdit(PEOPLE, RowKey(("id",), (1,)), "name", "A", "B")
    body = shown(pending_text([edit], [], reason="database is locked by pid 42 (sqlite3)"))
    assert body.index("✗ the save failed, nothing was written: database is locked") < body.index(
        "1. people"
    )


def test_a_deletion_lists_what_it_announced_under_its_statement() -> None:
    from tui.db.delete_effects import DeleteEffect

    effects = (
        DeleteEffect("pets", ("owner_id",), "CASCADE", 2, ("id",)),
        DeleteEffect("notes", ("who",), "SET NULL", 0, ("id",)),
    )
    delete = RowDelete(PEOPLE, RowKey(("id",), (7,)), (("id", 7),), effects)
    body = "\n".join(line.plain for line in statement_lines(Planned(delete, "DELETE …", ())))  # type: ignore[arg-type]
    assert "and through foreign keys: also deletes 2 rows of pets" in body
    assert "counted again at save" in body and "notes" not in body
    quiet = RowDelete(PEOPLE, RowKey(("id",), (8,)), (("id", 8),), (effects[1],))
    body = "\n".join(line.plain for line in statement_lines(Planned(quiet, "DELETE …", ())))  # type: ignore[arg-type]
    assert "foreign keys" not in body
