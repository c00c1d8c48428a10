"""Text typed into a cell editor, turned into the value the column stores; and back.

Builds on :mod:`tui.db.typed_values` (the same parsing a filter uses) with what an edit needs
beyond a comparison:

- the editor that fits a column (:func:`editor_kind`), and its choices (an ENUM's values on
  a server; ``CHECK (col IN (...))`` parsed from SQLite's CREATE text; an ORM Enum);
- SQLite affinity exactly as SQLite applies it when it stores, so the staged value is the
  value that will be stored: ``'0042'`` is the integer 42 in an INTEGER column and stays
  ``'0042'`` in a TEXT column; a NUMERIC (DECIMAL) column stores ``'3.0e5'`` as the integer
  300000; a number SQLite could only store approximately is refused, never silently rounded;
- NaN and infinities only where the engine stores them (PostgreSQL floats and numerics;
  SQLite stores infinities but turns NaN into NULL; MariaDB stores neither);
- JSON validated (standard JSON only: no NaN), stored compact as SQLAlchemy writes it;
- for the application's own tables, its Pydantic schemas as one more check
  (:func:`validate_with_schema`).
"""

from __future__ import annotations

import datetime as dt
import json
import math
import re
import uuid
from decimal import Decimal
from enum import StrEnum
from pathlib import Path
from typing import Any

from sqlalchemy import Enum, MetaData

from tui.db.decimals import decimal_text
from tui.db.model import ColumnInfo, Preview, TableDetails, ValueKind
from tui.db.pg_types import SPELLED, JsonScalar
from tui.db.schema_check import validate_insert_with_schema, validate_with_schema
from tui.db.typed_values import (
    INT64_MAX,
    INT64_MIN,
    BadValueError,
    parse_value,
    sqlite_affinity,
)

__all__ = [
    "EditorKind",
    "blob_from_file",
    "choices",
    "editor_kind",
    "json_repeated_keys",
    "parse_for_column",
    "parse_real",
    "validate_insert_with_schema",
    "validate_with_schema",
    "value_as_text",
]


class EditorKind(StrEnum):
    INTEGER = "integer"
    REAL = "real"
    DECIMAL = "decimal"
    TEXT = "text"
    LONG_TEXT = "long text"
    BOOLEAN = "boolean"
    DATE = "date"
    DATETIME = "datetime"
    TIME = "time"
    CHOICE = "choice"
    JSON = "json"
    BLOB = "blob"
    UUID = "uuid"


_NUMBER = re.compile(r"[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?", re.ASCII)
_SHORT_TEXT = re.compile(r"\((\d+)\)")
_NAN = frozenset({"nan", "+nan", "-nan"})
_INF = {
    "inf": math.inf,
    "+inf": math.inf,
    "infinity": math.inf,
    "+infinity": math.inf,
    "-inf": -math.inf,
    "-infinity": -math.inf,
}


def _sqlite(dialect_name: str) -> bool:
    return dialect_name == "sqlite"


def _mysql(dialect_name: str) -> bool:
    return dialect_name in ("mysql", "mariadb")


def editor_kind(
    column: ColumnInfo, dialect_name: str, details: TableDetails | None = None
) -> EditorKind:
    """The editor that fits ``column`` (CHOICE needs ``details`` for SQLite CHECK lists)."""
    declared = column.type_name.upper()
    if column.choices or (details is not None and choices(column, details)):
        return EditorKind.CHOICE
    if "JSON" in declared:
        return EditorKind.JSON
    if _sqlite(dialect_name):
        return _sqlite_editor(column, declared)
    if _mysql(dialect_name) and (declared.startswith("TINYINT(1)") or "BOOL" in declared):
        return EditorKind.BOOLEAN  # MySQL's BOOLEAN is TINYINT(1)
    match column.value_kind:
        case ValueKind.INTEGER:
            return EditorKind.INTEGER
        case ValueKind.REAL:
            return EditorKind.REAL
        case ValueKind.DECIMAL | ValueKind.NUMERIC:
            return EditorKind.DECIMAL
        case ValueKind.BOOLEAN:
            return EditorKind.BOOLEAN
        case ValueKind.DATE:
            return EditorKind.DATE
        case ValueKind.DATETIME:
            return EditorKind.DATETIME
        case ValueKind.TIME:
            return EditorKind.TIME
        case ValueKind.UUID:
            return EditorKind.UUID
        case ValueKind.BINARY:
            return EditorKind.BLOB
    return _text_editor(declared)


def _sqlite_editor(column: ColumnInfo, declared: str) -> EditorKind:
    affinity = sqlite_affinity(column.type_name)
    if affinity == "INTEGER":
        return EditorKind.BOOLEAN if "BOOL" in declared else EditorKind.INTEGER
    if affinity == "REAL":
        return EditorKind.REAL
    if affinity == "TEXT":
        return _text_editor(declared)
    if affinity == "BLOB":
        return EditorKind.BLOB if "BLOB" in declared else EditorKind.TEXT
    # NUMERIC affinity: the declared name says what the values mean.
    if "BOOL" in declared:
        return EditorKind.BOOLEAN
    if "DATETIME" in declared or "TIMESTAMP" in declared:
        return EditorKind.DATETIME
    if "DATE" in declared:
        return EditorKind.DATE
    if "TIME" in declared:
        return EditorKind.TIME
    if "UUID" in declared or "GUID" in declared:
        return EditorKind.UUID
    if "NUM" in declared or "DEC" in declared or "MONEY" in declared:
        return EditorKind.DECIMAL
    return EditorKind.TEXT


def _text_editor(declared: str) -> EditorKind:
    size = _SHORT_TEXT.search(declared)
    if ("CHAR" in declared or "STRING" in declared) and size and int(size.group(1)) <= 255:
        return EditorKind.TEXT
    return EditorKind.LONG_TEXT


def parse_for_column(text: str, column: ColumnInfo, dialect_name: str) -> Any:
    """``text`` as the value ``column`` will store; :class:`BadValueError` (a sentence) if not.

    SQL NULL is never typed: the editor sets it explicitly, so ``''`` is the empty string.
    """
    kind = editor_kind(column, dialect_name)
    stripped = text.strip()
    sqlite = _sqlite(dialect_name)
    match kind:
        case EditorKind.TEXT | EditorKind.LONG_TEXT | EditorKind.CHOICE:
            if sqlite:
                return _sqlite_by_affinity(text, column)
            return text
        case EditorKind.INTEGER:
            return parse_value(stripped, ValueKind.INTEGER)
        case EditorKind.REAL:
            return parse_real(stripped, dialect_name)
        case EditorKind.DECIMAL:
            if sqlite:
                return _sqlite_numeric(stripped, exact=True)
            special = _special(stripped, dialect_name == "postgresql")
            if special is not None:
                return Decimal(special)
            return parse_value(stripped, ValueKind.DECIMAL)
        case EditorKind.BOOLEAN:
            value = parse_value(stripped, ValueKind.BOOLEAN)
            # SQLite and MySQL store booleans as the integers 1 and 0.
            return int(value) if sqlite or _mysql(dialect_name) else value
        case EditorKind.DATE | EditorKind.DATETIME if (
            dialect_name == "postgresql" and stripped.lower() in SPELLED
        ):
            return SPELLED[stripped.lower()]  # PostgreSQL's later/earlier than every date
        case EditorKind.DATE:
            date = parse_value(stripped, ValueKind.DATE)
            return date.isoformat() if sqlite else date
        case EditorKind.DATETIME:
            moment = parse_value(stripped, ValueKind.DATETIME)
            return moment.isoformat(" ") if sqlite else moment
        case EditorKind.TIME:
            time = parse_value(stripped, ValueKind.TIME)
            return time.isoformat() if sqlite else time
        case EditorKind.UUID:
            value = parse_value(stripped, ValueKind.UUID)
            if dialect_name == "postgresql":
                return value
            # SQLAlchemy's Uuid keeps 32 hex digits in a CHAR(32) where there is no UUID type.
            return value.hex if "(32)" in column.type_name else str(value)
        case EditorKind.JSON:
            return _json(text)
        case EditorKind.BLOB:
            return _blob(stripped)
    raise AssertionError(kind)  # pragma: no cover - every kind is handled above


def _sqlite_by_affinity(text: str, column: ColumnInfo) -> Any:
    affinity = sqlite_affinity(column.type_name)
    if affinity == "TEXT":
        return text
    if affinity == "NUMERIC":
        # What SQLite itself stores: a number when the text is one, else the text.
        return (
            _sqlite_numeric(text.strip(), exact=False) if _NUMBER.fullmatch(text.strip()) else text
        )
    return parse_value(text, ValueKind.ANY)


def _special(text: str, stored: bool) -> float | None:
    lowered = text.lower()
    if lowered in _NAN or lowered in _INF:
        if not stored:
            raise BadValueError(f"this database cannot store {text!r} in a number column")
        return math.nan if lowered in _NAN else _INF[lowered]
    return None


def parse_real(text: str, dialect_name: str) -> float:
    """``text`` as a float the engine stores exactly as typed; :class:`BadValueError` if not."""
    lowered = text.lower()
    if lowered in _INF and _sqlite(dialect_name):
        return _INF[lowered]  # SQLite stores infinities, but turns NaN into NULL
    special = _special(text, dialect_name == "postgresql")
    if special is not None:
        return special
    if not _NUMBER.fullmatch(text):
        raise BadValueError(f"not a number: {text!r}")
    value = float(text)
    if not math.isfinite(value):
        raise BadValueError(f"out of range: {text}")
    if re.fullmatch(r"[+-]?\d+", text) and int(text) != value:
        raise BadValueError(
            f"{text} cannot be stored exactly as a floating-point number (it would become"
            f" {value:.17g})"
        )
    return value


def _sqlite_numeric(text: str, *, exact: bool) -> int | float:
    """A number as SQLite's NUMERIC affinity stores it: an integer when it is one and fits in
    64 bits (``3.0e5`` too), else a REAL; with ``exact``, a REAL that would not keep the digits
    typed is refused."""
    if not _NUMBER.fullmatch(text):
        raise BadValueError(f"not a number: {text!r}")
    number = Decimal(text)
    if number == number.to_integral_value() and INT64_MIN <= number <= INT64_MAX:
        return int(number)
    value = float(text)
    if not math.isfinite(value):
        raise BadValueError(f"out of range: {text}")
    if exact and Decimal(repr(value)) != number:
        raise BadValueError(
            f"SQLite would store {text} only approximately, as {value!r}: a number column of"
            " SQLite keeps about 15 significant digits"
        )
    return value


def _reject_constant(name: str) -> Any:
    raise BadValueError(f"not standard JSON: {name}")


def _finite(number: str) -> float:
    value = float(number)
    if math.isinf(value):
        raise BadValueError(f"a JSON number too large for a double: {number}")
    return value


def _json(text: str) -> str:
    """``text`` itself when it is standard JSON: stored exactly as typed (``2.50``, ``1e2``,
    ``"ü"`` and a repeated key stay as they are; pretty printing is only for the editor)."""
    try:
        json.loads(text, parse_constant=_reject_constant, parse_float=_finite)
    except json.JSONDecodeError as exc:
        raise BadValueError(
            f"not valid JSON: {exc.msg} (line {exc.lineno}, column {exc.colno})"
        ) from None
    return text


def json_repeated_keys(text: str) -> list[str]:
    """The keys written more than once in one object of the JSON ``text`` (kept as typed,
    but most readers keep only the last); [] when there are none or it is not JSON."""
    repeated: list[str] = []

    def pairs(items: list[tuple[str, Any]]) -> dict[str, Any]:
        seen: set[str] = set()
        for key, _value in items:
            if key in seen and key not in repeated:
                repeated.append(key)
            seen.add(key)
        return dict(items)

    try:
        json.loads(text, object_pairs_hook=pairs)
    except ValueError:
        return []
    return repeated


def _blob(text: str) -> bytes:
    match = re.fullmatch(r"[xX]'((?:[0-9a-fA-F]{2})*)'", text)
    if match is None:
        raise BadValueError("a BLOB is set to NULL, replaced from a file, or typed as hex: x'00ff'")
    return bytes.fromhex(match.group(1))


def blob_from_file(path: str | Path) -> bytes:
    """The bytes of the file at ``path``, for a BLOB; :class:`BadValueError` if unreadable."""
    try:
        return Path(path).expanduser().read_bytes()
    except OSError as exc:
        raise BadValueError(f"cannot read {path}: {exc.strerror or exc}") from None


def value_as_text(value: Any, column: ColumnInfo | None = None, dialect_name: str = "") -> str:
    """The editable text of a stored value; NULL is '' (the editor marks NULL itself).

    JSON is shown pretty when ``column`` is a JSON column; a float as its shortest exact text;
    bytes as ``x'hex'``. A :class:`~tui.db.model.Preview` is refused: edit the whole value.
    """
    if isinstance(value, Preview):
        raise BadValueError("only part of this value was read: read it whole to edit it")
    if value is None:
        return ""
    json_column = column is not None and editor_kind(column, dialect_name) is EditorKind.JSON
    if json_column or isinstance(value, dict | list | JsonScalar):
        document = value.value if isinstance(value, JsonScalar) else value
        if isinstance(value, str):
            try:
                document = json.loads(value)
            except json.JSONDecodeError:
                return value
        return json.dumps(document, indent=2, ensure_ascii=False)
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, float):
        return repr(value)
    if isinstance(value, bytes | bytearray | memoryview):
        return f"x'{bytes(value).hex()}'"
    if isinstance(value, dt.datetime):
        return value.isoformat(" ")
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, dt.date | dt.time | uuid.UUID):
        return str(value) if not isinstance(value, dt.date | dt.time) else value.isoformat()
    return str(value)


# -- choices -------------------------------------------------------------------------------

_STRING = r"'(?:[^']|'')*'"
_LITERAL = rf"(?:{_STRING}|[+-]?\d+(?:\.\d+)?)"


def _check_in(name: str) -> re.Pattern[str]:
    quoted = re.escape(name)
    ident = rf'(?:"{quoted}"|`{quoted}`|\[{quoted}\]|{quoted}\b)'
    return re.compile(
        rf"CHECK\s*\(\s*{ident}\s+IN\s*\(\s*({_LITERAL}(?:\s*,\s*{_LITERAL})*)\s*\)\s*\)",
        re.IGNORECASE,
    )


def choices(
    column: ColumnInfo, details: TableDetails | None, models: MetaData | None = None
) -> tuple[str, ...]:
    """The values ``column`` may take: an ENUM's (servers), a SQLite ``CHECK (col IN (...))``
    in the CREATE text, or the ORM model's Enum (``models``: the app's metadata); () if none."""
    if column.choices:
        return column.choices
    if details is not None and details.create_sql:
        found = _check_in(column.name).search(details.create_sql)
        if found:
            return tuple(
                literal[1:-1].replace("''", "'") if literal.startswith("'") else literal
                for literal in re.findall(_LITERAL, found.group(1))
            )
    if models is not None and details is not None:
        table = models.tables.get(details.info.ref.name)
        model_column = None if table is None else table.columns.get(column.name)
        if model_column is not None and isinstance(model_column.type, Enum):
            return tuple(model_column.type.enums)
    return ()
