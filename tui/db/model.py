"""Plain, frozen descriptions of what a database holds, passed from the data layer to widgets."""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class TableKind(StrEnum):
    TABLE = "table"
    VIEW = "view"
    VIRTUAL = "virtual"
    QUERY = "query"  # the rows of a statement typed in the SQL console


class KeyKind(StrEnum):
    """How rows of a relation are addressed for keyset paging."""

    ROWID = "rowid"  # SQLite rowid (also INTEGER PRIMARY KEY, which aliases it)
    PRIMARY_KEY = "pk"  # a declared primary key, possibly composite (WITHOUT ROWID, servers)
    NONE = "none"  # views and keyless tables: OFFSET paging only


class Drift(StrEnum):
    """How a relation differs from the application's ORM models."""

    NONE = "none"  # matches its model, or is not the app's at all
    MISSING_TABLE = "missing"  # a model whose table the database does not have
    NO_MODEL = "no-model"  # the database has it, the models do not (only in the app's DB)
    COLUMNS_DIFFER = "columns"  # present in both, columns differ


class ValueKind(StrEnum):
    """What typed text means for a column (see :mod:`tui.db.typed_values`)."""

    TEXT = "text"
    INTEGER = "integer"
    REAL = "real"  # a float
    DECIMAL = "decimal"  # an exact number (a server's NUMERIC/DECIMAL)
    NUMERIC = "numeric"  # SQLite NUMERIC affinity: a number if it is one, else text
    BOOLEAN = "boolean"
    DATE = "date"
    DATETIME = "datetime"
    TIME = "time"
    UUID = "uuid"
    BINARY = "binary"
    ANY = "any"  # no affinity or an unknown type: a number only when written as one


@dataclass(frozen=True)
class ColumnInfo:
    name: str
    type_name: str  # as declared in the database (e.g. "VARCHAR(120)"), "" when untyped
    nullable: bool = True
    default: str | None = None
    primary_key: int = 0  # 1-based position in the primary key, 0 when not part of it
    hidden: bool = False  # generated / hidden columns of virtual tables
    generated: bool = False  # a generated (computed) column: readable, never written
    #: How it is generated, as far as the engine says: "(a * 2) STORED", or on SQLite only
    #: "STORED" / "VIRTUAL"; "" for ordinary columns.
    generated_as: str = ""
    value_kind: ValueKind = ValueKind.ANY  # how typed text becomes a value of this column
    #: The values an ENUM column may take (servers), in declaration order; () otherwise.
    choices: tuple[str, ...] = ()
    #: Numbered by the database when an insert leaves it out: SQLite's INTEGER PRIMARY KEY
    #: (the rowid), a serial or identity column, MySQL's AUTO_INCREMENT.
    auto: bool = False


@dataclass(frozen=True)
class Preview:
    """The first part of a value too large to carry in a page, and its true size.

    ``head`` is text or bytes, as the value is; ``size`` counts characters of text and bytes
    of a BLOB. The whole value is read by the row's key (:mod:`tui.db.values`).
    """

    head: str | bytes
    size: int

    @property
    def binary(self) -> bool:
        return isinstance(self.head, bytes)


@dataclass(frozen=True)
class ForeignKeyInfo:
    columns: tuple[str, ...]
    referred_table: str
    referred_columns: tuple[str, ...]
    referred_schema: str | None = None
    on_delete: str | None = None
    on_update: str | None = None
    name: str | None = None


@dataclass(frozen=True)
class IndexInfo:
    name: str
    columns: tuple[str, ...]
    unique: bool = False
    partial: bool = False
    sql: str | None = None


@dataclass(frozen=True)
class TableRef:
    """Names a relation: schema (None for the default) and name, never quoted."""

    name: str
    schema: str | None = None

    def __str__(self) -> str:
        return self.name if self.schema is None else f"{self.schema}.{self.name}"


@dataclass(frozen=True)
class TableInfo:
    """One relation as the browser needs it: what it is, its columns and how to page it."""

    ref: TableRef
    kind: TableKind
    columns: tuple[ColumnInfo, ...]
    key_columns: tuple[str, ...]  # the paging key; empty for KeyKind.NONE
    key_kind: KeyKind
    internal: bool = False  # sqlite_sequence, sqlite_stat*, FTS shadow tables, ...
    drift: Drift = Drift.NONE
    drift_details: tuple[str, ...] = ()
    without_rowid: bool = False
    rowid_alias: str | None = None  # SQLite INTEGER PRIMARY KEY column that is the rowid
    #: A SQLite STRICT table: a column stores only its declared type's class (ANY: any class,
    #: exactly as given, with no affinity at all).
    strict: bool = False
    #: False for an entry of the quick table listing: name, kind and ``internal`` are known,
    #: columns and paging key are not read yet (``tui.db.catalog.describe_table`` reads them).
    described: bool = True
    #: For a QUERY: the statement whose rows these are (see :mod:`tui.db.console`).
    sql: str = ""

    @property
    def name(self) -> str:
        return self.ref.name

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    def leading_key_columns(self, names: list[str]) -> int:
        """How many of ``names``, from the first, are the primary key in order."""
        if self.key_kind is KeyKind.NONE:
            return 0
        pk = sorted((c for c in self.columns if c.primary_key), key=lambda c: c.primary_key)
        count = 0
        for name, key in zip(names, pk, strict=False):
            if name != key.name:
                break
            count += 1
        return count


@dataclass(frozen=True)
class TableDetails:
    """Everything the schema view shows for one relation."""

    info: TableInfo
    indexes: tuple[IndexInfo, ...] = ()
    foreign_keys: tuple[ForeignKeyInfo, ...] = ()
    referenced_by: tuple[tuple[str, ForeignKeyInfo], ...] = ()  # (table, fk) pointing here
    triggers: tuple[tuple[str, str], ...] = ()  # (name, sql)
    create_sql: str | None = None


@dataclass(frozen=True)
class RowCount:
    """A row count as far as it is known: an estimate, a lower bound, or exact."""

    value: int
    exact: bool = False
    at_least: bool = False  # value is a lower bound ("> 10,000")

    def __str__(self) -> str:
        if self.exact:
            return f"{self.value:,}"
        if self.at_least:
            return f"> {self.value:,}"
        return f"~{self.value:,}"


@dataclass(frozen=True)
class CatalogSnapshot:
    """All relations of a database at one moment."""

    tables: tuple[TableInfo, ...] = field(default_factory=tuple)

    def find(self, ref: TableRef) -> TableInfo | None:
        return next((t for t in self.tables if t.ref == ref), None)
