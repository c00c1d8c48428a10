"""The schema as stored in ``sqlite_schema``'s b-tree, and how a table's records are laid out.

:func:`read_schema` decodes the schema table (rooted at page 1) from any page source, so the
schema as of a commit comes from that commit's pages. :func:`table_layout` says which record
field is which column: it runs the table's ``CREATE TABLE`` statement in a private in-memory
SQLite database (never the inspected one) and asks ``table_xinfo``, which is SQLite's own
answer for generated columns, the rowid alias and the key of a WITHOUT ROWID table.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from functools import lru_cache

from tui.db.btree import PageSource, Value, table_rows

__all__ = ["SchemaObject", "TableLayout", "read_schema", "table_layout"]

SCHEMA_ROOT = 1
SCHEMA_NAME = "sqlite_schema"
_CREATE_TABLE = re.compile(r"\s*create\s+table\b", re.IGNORECASE)
_WITHOUT_ROWID = re.compile(r"\bwithout\s+rowid\s*;?\s*$", re.IGNORECASE)
# Defaults that ADD COLUMN allows and that are evaluated: literals only, nothing that runs.
_LITERAL = re.compile(
    r"[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?|'([^']|'')*'|[xX]'[0-9a-fA-F]*'|NULL|TRUE|FALSE",
    re.IGNORECASE,
)


@dataclass(frozen=True)
class SchemaObject:
    """One row of ``sqlite_schema``."""

    type: str  # table, index, view, trigger
    name: str
    table: str
    root: int  # 0 for views, triggers and virtual tables
    sql: str | None
    #: Its rowid in sqlite_schema: an ALTER keeps it, a DROP and CREATE usually gives a new one.
    rowid: int = 0


@dataclass(frozen=True)
class TableLayout:
    """How a table's records map to its columns."""

    columns: tuple[str, ...]  # the stored columns, in record order
    without_rowid: bool
    key_columns: int  # WITHOUT ROWID: how many leading record fields are the primary key
    rowid_alias: int | None  # record field of an INTEGER PRIMARY KEY (stored as NULL)
    defaults: tuple[Value, ...]  # per column, for records written before ADD COLUMN
    #: Generated VIRTUAL columns: computed when read, never in the record.
    virtual: tuple[str, ...] = ()

    def row(self, rowid: int | None, record: tuple[Value, ...]) -> tuple[Value, ...]:
        """The column values of one record, as SQLite would return them."""
        values = list(record[: len(self.columns)])
        values.extend(self.defaults[len(values) :])
        alias = self.rowid_alias
        if alias is not None and rowid is not None and values[alias] is None:
            values[alias] = rowid
        return tuple(values)


def read_schema(get_page: PageSource, usable_size: int, encoding: str) -> tuple[SchemaObject, ...]:
    """Every row of ``sqlite_schema`` as of the pages ``get_page`` serves."""
    objects = []
    for rowid, record in table_rows(get_page, SCHEMA_ROOT, usable_size, encoding):
        kind, name, table, root, sql = (*record, None, None, None, None, None)[:5]
        objects.append(
            SchemaObject(
                str(kind),
                str(name),
                str(table),
                root if isinstance(root, int) else 0,
                sql if isinstance(sql, str) else None,
                rowid,
            )
        )
    return tuple(objects)


@lru_cache(maxsize=512)
def table_layout(sql: str) -> TableLayout | None:
    """The layout of the table ``sql`` creates; None when SQLite cannot create it alone (an
    unknown collation, say), so the caller shows raw record fields instead."""
    if not _CREATE_TABLE.match(sql):
        return None
    con = sqlite3.connect(":memory:")
    try:
        con.execute(sql)  # one statement only: sqlite3 refuses a second
        (name,) = con.execute("SELECT name FROM sqlite_schema WHERE type = 'table'").fetchone()
        info = con.execute(
            "SELECT name, type, pk, hidden, dflt_value FROM pragma_table_xinfo(?) ORDER BY cid",
            (name,),
        ).fetchall()
        try:
            without_rowid = bool(
                con.execute("SELECT wr FROM pragma_table_list(?)", (name,)).fetchone()[0]
            )
        except sqlite3.Error:  # SQLite before 3.37
            without_rowid = bool(_WITHOUT_ROWID.search(sql))
        defaults = [_default(con, row[4]) for row in info]
    except sqlite3.Error:
        return None
    finally:
        con.close()
    stored = [i for i, row in enumerate(info) if row[3] != 2]  # VIRTUAL columns are not stored
    keys = sorted((row[2], i) for i, row in enumerate(info) if row[2])
    if without_rowid:
        order = [i for _, i in keys] + [i for i in stored if not info[i][2]]
        alias = None
    else:
        order = stored
        alias_column = keys[0][1] if len(keys) == 1 else None
        is_alias = alias_column is not None and str(info[alias_column][1]).upper() == "INTEGER"
        alias = order.index(alias_column) if is_alias and alias_column in order else None
    return TableLayout(
        columns=tuple(str(info[i][0]) for i in order),
        without_rowid=without_rowid,
        key_columns=len(keys) if without_rowid else 0,
        rowid_alias=alias,
        defaults=tuple(defaults[i] for i in order),
        virtual=tuple(str(row[0]) for row in info if row[3] == 2),
    )


def _default(con: sqlite3.Connection, expression: str | None) -> Value:
    """A column default's value (constant expressions only, as ADD COLUMN requires)."""
    if expression is None:
        return None
    if not _LITERAL.fullmatch(expression.strip()):
        return expression  # shown as written
    try:
        value: Value = con.execute(f"SELECT {expression}").fetchone()[0]
    except sqlite3.Error:
        return expression
    return value
