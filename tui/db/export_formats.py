"""Rows written as CSV, TSV, JSON Lines or JSON: every value literal and distinct.

The conventions, the same from the export dialog and from ``dbbrowse export``:

CSV (RFC 4180, ``\\r\\n`` line ends, UTF-8, a header line of column names)
    Text is always quoted (a quote inside it doubled); numbers are bare; NULL is an empty field with
    no quotes (``--null '\\N'`` writes a bare ``\\N`` instead). So NULL (``,,``), the empty
    string (``,"",``), the integer 1 (``,1,``) and the text '1' (``,"1",``) stay distinct.
TSV (one line per row, tab between fields, ``\\n`` line ends, a header line)
    The text format of PostgreSQL's COPY: backslash, tab, newline and carriage return in a
    value are written ``\\\\``, ``\\t``, ``\\n``, ``\\r``, and a NUL character as the octal escape
    ``\\000`` (no raw NUL byte in the file); NULL is ``\\N``; the empty string is an empty field.
JSON Lines / JSON
    One object per row, keys the column names in order (a repeated name gets ``:2``,
    ``:3``…). NULL is ``null``; integers are exact JSON numbers whatever their size (beyond
    2^53 too: read them with a parser that keeps big integers, e.g. Python's ``json``);
    floats are written with the fewest digits that read back the same double (up to 17);
    NaN and the infinities, which JSON cannot write as numbers, are the strings ``"NaN"``,
    ``"Infinity"``, ``"-Infinity"``; decimals are exact JSON numbers; booleans are
    ``true``/``false``; dates and times ISO 8601 strings.
BLOBs
    ``--blob base64`` (the default) or ``--blob hex``. In CSV and TSV a BLOB is its base64
    text, or ``\\x`` followed by its hex digits (PostgreSQL's bytea form). In JSON it is an
    object, ``{"$base64": "…"}`` or ``{"$hex": "…"}``, so it never reads as text.
Text that is not valid UTF-8 (SQLite stores whatever bytes it was given)
    CSV and TSV write the very bytes as stored: the file holds them unchanged. A JSON string
    cannot hold them (an escape such as ``\\udcff`` is a lone surrogate, which strict
    parsers refuse and others turn into U+FFFD): such a text is an object like a BLOB's,
    its stored bytes in the same encoding under a key that says it is text,
    ``{"$text_base64": "…"}`` or ``{"$text_hex": "…"}``. So the file is always valid UTF-8
    and valid JSON, an ordinary text is always a JSON string, and the bytes come back
    exactly (``base64.b64decode(value["$text_base64"])``).
"""

from __future__ import annotations

import base64
import csv
import json
import math
import uuid
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from enum import StrEnum
from typing import Any, Protocol, TextIO

from tui.db.decimals import decimal_text
from tui.db.pg_types import JsonScalar

__all__ = [
    "BlobEncoding",
    "ExportError",
    "ExportFormat",
    "ExportOptions",
    "RowWriter",
    "row_writer",
]


class ExportError(ValueError):
    """An export that cannot be done, with the reason in words."""


class ExportFormat(StrEnum):
    CSV = "csv"
    TSV = "tsv"
    JSONL = "jsonl"
    JSON = "json"
    PARQUET = "parquet"

    @property
    def binary(self) -> bool:
        """Written to a byte stream, not a text stream."""
        return self is ExportFormat.PARQUET


class BlobEncoding(StrEnum):
    BASE64 = "base64"
    HEX = "hex"


@dataclass(frozen=True)
class ExportOptions:
    format: ExportFormat = ExportFormat.CSV
    #: What CSV writes for NULL ("" or a marker such as "\\N"); TSV always writes \\N.
    null: str = ""
    blob: BlobEncoding = BlobEncoding.BASE64
    header: bool = True


class RowWriter(Protocol):
    def write_rows(self, rows: Iterable[Sequence[Any]]) -> None: ...

    def finish(self) -> None: ...


def row_writer(out: Any, columns: Sequence[str], options: ExportOptions) -> RowWriter:
    """A writer of rows with ``columns`` to ``out``: a text stream (``newline=""``,
    ``errors="surrogateescape"``), or a binary one for Parquet."""
    fmt = options.format
    if fmt is ExportFormat.CSV:
        return _CsvWriter(out, columns, options)
    if fmt is ExportFormat.TSV:
        return _TsvWriter(out, columns, options)
    if fmt is ExportFormat.PARQUET:
        from tui.db.export_parquet import ParquetWriter

        return ParquetWriter(out, columns, options)
    return _JsonWriter(out, columns, options, lines=fmt is ExportFormat.JSONL)


# -- shared value conversions -----------------------------------------------------------------
def _blob_text(value: bytes, encoding: BlobEncoding) -> str:
    if encoding is BlobEncoding.HEX:
        return "\\x" + value.hex()
    return base64.b64encode(value).decode("ascii")


def _nested(value: Any) -> Any:
    """What JSON has no type for, inside a JSON document or an array: as the export writes it
    on its own (a Decimal's digits kept as its text)."""
    if _is_bytes(value):
        return "\\x" + bytes(value).hex()
    if isinstance(value, JsonScalar):
        return value.value  # an element of a jsonb[]: the document null is JSON's null
    if isinstance(value, float | Decimal) and not math.isfinite(value):
        return str(value)
    return _other_text(value)


def json_text(value: dict[str, Any] | list[Any]) -> str:
    """A jsonb/json document or an array (PostgreSQL reads both as Python containers) as
    JSON text, spaced as PostgreSQL prints jsonb: never Python's repr (``None``, quotes)."""
    return json.dumps(value, ensure_ascii=False, default=_nested)


def _other_text(value: Any) -> str:
    """Dates, times, UUIDs and the rest: ISO 8601 where it applies, JSON text for documents
    and arrays, else ``str``."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, dict | list):
        return json_text(value)
    if isinstance(value, timedelta):
        return str(value)
    if isinstance(value, Decimal):
        return decimal_text(value)
    return str(value)


def _is_bytes(value: Any) -> bool:
    return isinstance(value, bytes | bytearray | memoryview)


# -- CSV --------------------------------------------------------------------------------------
class _Bare:
    """A field the csv module writes without quotes (it quotes only non-numbers).

    ``csv.QUOTE_NONNUMERIC`` asks :c:func:`PyNumber_Check`, which holds for any object with
    ``__float__``: NULL markers and numbers converted to text are wrapped in this.
    """

    __slots__ = ("text",)

    def __init__(self, text: str) -> None:
        self.text = text

    def __str__(self) -> str:
        return self.text

    def __float__(self) -> float:  # pragma: no cover - only its presence matters
        return 0.0


class _CsvWriter:
    def __init__(self, out: TextIO, columns: Sequence[str], options: ExportOptions) -> None:
        self._writer = csv.writer(out, quoting=csv.QUOTE_NONNUMERIC, lineterminator="\r\n")
        self._null = _Bare(options.null)
        self._blob = options.blob
        if options.header:
            self._writer.writerow(columns)

    def _field(self, value: Any) -> Any:
        if value is None:
            return self._null
        if isinstance(value, str):
            return value
        if isinstance(value, bool):
            return _Bare("true" if value else "false")
        if isinstance(value, int):
            return value
        if isinstance(value, float):
            return _Bare(_float_text(value))
        if isinstance(value, Decimal):
            return _Bare(decimal_text(value))
        if _is_bytes(value):
            return _blob_text(bytes(value), self._blob)
        return _other_text(value)

    def write_rows(self, rows: Iterable[Sequence[Any]]) -> None:
        field = self._field
        # Text and integers, most values, go to the csv module as they are.
        self._writer.writerows(
            [v if type(v) is str or type(v) is int else field(v) for v in row] for row in rows
        )

    def finish(self) -> None:
        pass


def _float_text(value: float) -> str:
    """The shortest text that reads back as the same double; ``inf``, ``-inf``, ``nan``."""
    if math.isnan(value):
        return "nan"
    return repr(value)


# -- TSV --------------------------------------------------------------------------------------
_TSV_ESCAPES = str.maketrans({"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r", "\0": "\\000"})


class _TsvWriter:
    def __init__(self, out: TextIO, columns: Sequence[str], options: ExportOptions) -> None:
        self._out = out
        self._blob = options.blob
        if options.header:
            out.write("\t".join(c.translate(_TSV_ESCAPES) for c in columns) + "\n")

    def _field(self, value: Any) -> str:
        if value is None:
            return "\\N"
        if isinstance(value, str):
            return value.translate(_TSV_ESCAPES)
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int):
            return str(value)
        if isinstance(value, float):
            return _float_text(value)
        if _is_bytes(value):
            return _blob_text(bytes(value), self._blob).translate(_TSV_ESCAPES)
        return _other_text(value).translate(_TSV_ESCAPES)

    def write_rows(self, rows: Iterable[Sequence[Any]]) -> None:
        field = self._field
        self._out.write("".join("\t".join([field(v) for v in row]) + "\n" for row in rows))

    def finish(self) -> None:
        pass


# -- JSON -------------------------------------------------------------------------------------
def _json_string(text: str) -> str:
    dumped = json.dumps(text, ensure_ascii=False)
    try:
        dumped.encode("utf-8")
    except UnicodeEncodeError:
        # Lone surrogates (bytes that were not UTF-8): escape them, \udcXX.
        return json.dumps(text, ensure_ascii=True)
    return dumped


def _stored_bytes(text: str) -> bytes:
    """The bytes a text read with ``surrogateescape`` was stored as (a surrogate of another
    origin, which no UTF-8 holds, as its CESU bytes: still never lost)."""
    try:
        return text.encode("utf-8", "surrogateescape")
    except UnicodeEncodeError:
        return text.encode("utf-8", "surrogatepass")


def unique_names(columns: Sequence[str]) -> list[str]:
    """Column names with repeats told apart: ``a``, ``a:2``, ``a:3``."""
    seen: dict[str, int] = {}
    names = []
    taken = set(columns)
    for name in columns:
        count = seen.get(name, 0) + 1
        seen[name] = count
        candidate = name if count == 1 else f"{name}:{count}"
        while count > 1 and candidate in taken:
            count += 1
            candidate = f"{name}:{count}"
        taken.add(candidate)
        names.append(candidate)
    return names


class _JsonWriter:
    def __init__(
        self, out: TextIO, columns: Sequence[str], options: ExportOptions, *, lines: bool
    ) -> None:
        self._out = out
        self._lines = lines
        self._keys = [_json_string(n) + ": " for n in unique_names(columns)]
        self._hex = options.blob is BlobEncoding.HEX
        self._blob_key = '{"$hex": ' if self._hex else '{"$base64": '
        self._text_key = '{"$text_hex": ' if self._hex else '{"$text_base64": '
        self._first = True
        if not lines:
            out.write("[")

    def _value(self, value: Any) -> str:
        if value is None:
            return "null"
        if isinstance(value, str):
            dumped = json.dumps(value, ensure_ascii=False)
            try:
                dumped.encode("utf-8")
            except UnicodeEncodeError:  # bytes that were not UTF-8, kept by surrogateescape
                return self._bytes(self._text_key, _stored_bytes(value))
            return dumped
        if isinstance(value, bool):
            return "true" if value else "false"
        if isinstance(value, int):
            return str(value)
        if isinstance(value, float):
            if math.isnan(value):
                return '"NaN"'
            if math.isinf(value):
                return '"Infinity"' if value > 0 else '"-Infinity"'
            return repr(value)
        if isinstance(value, Decimal):
            return _decimal_json(value)
        if _is_bytes(value):
            return self._bytes(self._blob_key, bytes(value))
        if isinstance(value, dict | list):
            return json_text(value)
        if isinstance(value, JsonScalar):
            # The document null is not SQL's NULL (null): said apart, as bytes are.
            return value.text if value.text.strip() != "null" else '{"$json": null}'
        if isinstance(value, uuid.UUID):
            return '"' + str(value) + '"'
        return _json_string(_other_text(value))

    def _bytes(self, key: str, raw: bytes) -> str:
        body = raw.hex() if self._hex else base64.b64encode(raw).decode("ascii")
        return key + '"' + body + '"}'

    def _object(self, row: Sequence[Any]) -> str:
        value = self._value
        parts = [key + value(v) for key, v in zip(self._keys, row, strict=True)]
        return "{" + ", ".join(parts) + "}"

    def write_rows(self, rows: Iterable[Sequence[Any]]) -> None:
        objects = [self._object(row) for row in rows]
        if not objects:
            return
        if self._lines:
            self._out.write("\n".join(objects) + "\n")
            return
        lead = "\n" if self._first else ",\n"
        self._first = False
        self._out.write(lead + ",\n".join(objects))

    def finish(self) -> None:
        if not self._lines:
            self._out.write("]\n" if self._first else "\n]\n")


def _decimal_json(value: Decimal) -> str:
    if value.is_nan():
        return '"NaN"'
    if value.is_infinite():
        return '"Infinity"' if value > 0 else '"-Infinity"'
    return decimal_text(value)


#: For the tests and the docs: how each format names its files.
SUFFIXES: dict[ExportFormat, str] = {
    ExportFormat.CSV: ".csv",
    ExportFormat.TSV: ".tsv",
    ExportFormat.JSONL: ".jsonl",
    ExportFormat.JSON: ".json",
    ExportFormat.PARQUET: ".parquet",
}
