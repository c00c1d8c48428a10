"""Parquet export, when the optional ``pyarrow`` is installed (``pip install dbbrowse[parquet]``).

Parquet holds one type per column, where SQLite holds one storage class per value. Each
column's type is chosen from the first page of rows: integers → int64, reals (or integers
and reals) → float64, text → string, BLOBs → binary, booleans → bool, anything else
(decimals, dates, UUIDs) → its text. A later value that does not fit that type stops the
export with the column and the value named rather than being changed: export such a table
as CSV or JSON, which keep every value as stored. Integers beyond 64 bits do the same.
Text that is not valid UTF-8 cannot be a Parquet string: it stops the export likewise.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from tui.db.export_formats import ExportError, ExportOptions, unique_names

if TYPE_CHECKING:
    import pyarrow

__all__ = ["ParquetTypeError", "ParquetWriter", "require_pyarrow"]

_INT64 = (-(2**63), 2**63 - 1)


class ParquetTypeError(ExportError):
    """A value that the column's Parquet type cannot hold."""


def require_pyarrow() -> None:
    try:
        import pyarrow
        import pyarrow.parquet  # noqa: F401
    except ImportError as exc:
        raise ExportError(
            "Parquet needs pyarrow, which is not installed: pip install 'dbbrowse[parquet]' "
            "(or export as csv, tsv, jsonl or json)"
        ) from exc


def _kind(values: Iterable[Any]) -> str:
    kinds = set()
    for value in values:
        if value is None:
            continue
        if isinstance(value, bool):
            kinds.add("bool")
        elif isinstance(value, int):
            kinds.add("int")
        elif isinstance(value, float):
            kinds.add("float")
        elif isinstance(value, str):
            kinds.add("str")
        elif isinstance(value, bytes | bytearray | memoryview):
            kinds.add("bytes")
        else:
            kinds.add("other")
    if kinds <= {"int"}:
        return "int" if kinds else "str"
    if kinds <= {"int", "float"}:
        return "float"
    if len(kinds) == 1:
        return kinds.pop()
    return "mixed"


class ParquetWriter:
    def __init__(self, out: Any, columns: Sequence[str], options: ExportOptions) -> None:
        import pyarrow as pa

        self._pa = pa
        self._out = out
        self._names = unique_names(columns)
        self._columns = list(columns)
        self._kinds: list[str] | None = None
        self._schema: pyarrow.Schema | None = None
        self._writer: Any = None

    def _types(self, kinds: Sequence[str]) -> list[Any]:
        pa = self._pa
        by_kind = {
            "int": pa.int64(),
            "float": pa.float64(),
            "str": pa.string(),
            "bytes": pa.binary(),
            "bool": pa.bool_(),
            "other": pa.string(),
        }
        return [by_kind[k] for k in kinds]

    def _convert(self, index: int, kind: str, value: Any) -> Any:
        if value is None:
            return None
        name = self._columns[index]
        fits = {
            "int": isinstance(value, int) and not isinstance(value, bool),
            "float": isinstance(value, int | float) and not isinstance(value, bool),
            "str": isinstance(value, str),
            "bytes": isinstance(value, bytes | bytearray | memoryview),
            "bool": isinstance(value, bool),
            "other": not isinstance(value, str | int | float | bytes | bool),
        }[kind]
        if not fits:
            raise ParquetTypeError(
                f"column {name!r} holds {value!r} among values of another type; Parquet "
                "needs one type per column: export as csv or json, which keep every value"
            )
        if kind == "int" and not _INT64[0] <= value <= _INT64[1]:
            raise ParquetTypeError(f"column {name!r} holds {value}, beyond 64-bit integers")
        if kind == "str" and _not_utf8(value):
            raise ParquetTypeError(f"column {name!r} holds text that is not valid UTF-8")
        if kind == "bytes":
            return bytes(value)
        if kind == "other":
            return str(value) if not isinstance(value, Decimal) else format(value, "f")
        return value

    def write_rows(self, rows: Iterable[Sequence[Any]]) -> None:
        batch = list(rows)
        if not batch:
            return
        columns = list(zip(*batch, strict=True))
        if self._kinds is None:
            kinds = [_kind(col) for col in columns]
            mixed = [self._columns[i] for i, k in enumerate(kinds) if k == "mixed"]
            if mixed:
                raise ParquetTypeError(
                    f"column {mixed[0]!r} holds values of several types; Parquet needs one "
                    "type per column: export as csv or json, which keep every value"
                )
            self._kinds = kinds
        pa = self._pa
        arrays = [
            pa.array([self._convert(i, kind, v) for v in col], type=type_)
            for i, (kind, type_, col) in enumerate(
                zip(self._kinds, self._types(self._kinds), columns, strict=True)
            )
        ]
        table = pa.Table.from_arrays(arrays, names=self._names)
        if self._writer is None:
            import pyarrow.parquet as pq

            self._writer = pq.ParquetWriter(self._out, table.schema)
        self._writer.write_table(table)

    def finish(self) -> None:
        if self._writer is None:
            import pyarrow.parquet as pq

            pa = self._pa
            schema = pa.schema([(n, pa.string()) for n in self._names])
            self._writer = pq.ParquetWriter(self._out, schema)
        self._writer.close()


def _not_utf8(text: str) -> bool:
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return True
    return False
