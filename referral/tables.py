"""Write a list of rows as CSV, Parquet (pyarrow) or JSON lines with one declared column schema.

Types are declared, not guessed, so an empty export or a column that is null in every row still
has the documented type. CSV writes booleans as ``true``/``false`` and nulls as empty fields, and
guards a text cell a spreadsheet would run as a formula (:mod:`referral.csvcells`).
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any, Literal

from referral.csvcells import guarded
from referral.errors import UserInputError, json_text

if TYPE_CHECKING:
    import pyarrow.parquet as pq

TableFormat = Literal["csv", "parquet", "jsonl"]
TABLE_FORMATS: tuple[TableFormat, ...] = ("csv", "parquet", "jsonl")
ColumnType = Literal["string", "int", "float", "bool", "date"]

# pyarrow is imported when a Parquet file is written, not with this module: the clinic service
# imports the exports but never writes Parquet, and pyarrow costs a process about 30 MB.
_ARROW_TYPES = {"string": "string", "int": "int64", "float": "float64", "bool": "bool_", "date": "string"}


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return guarded(value)


class TableWriter:
    """Stream batches of rows into one table file; the file appears under its name only when
    :meth:`close` succeeds (it is written to ``<name>.partial`` first)."""

    def __init__(
        self, path: Path, columns: Sequence[tuple[str, ColumnType]], table_format: TableFormat
    ) -> None:
        if table_format not in TABLE_FORMATS:
            raise UserInputError(
                f"unknown table format {json_text(table_format)}; use one of {TABLE_FORMATS}"
            )
        self.path = path
        self.columns = list(columns)
        self.names = [name for name, _ in columns]
        self.format = table_format
        self.rows = 0
        path.parent.mkdir(parents=True, exist_ok=True)
        self._tmp = path.with_name(path.name + ".partial")
        self._parquet: pq.ParquetWriter | None = None
        self._handle: IO[str] | None = None
        if table_format == "parquet":
            import pyarrow as pa
            import pyarrow.parquet as parquet

            types = {kind: getattr(pa, name)() for kind, name in _ARROW_TYPES.items()}
            self._schema = pa.schema([pa.field(name, types[kind]) for name, kind in columns])
            self._table = pa.Table
            self._parquet = parquet.ParquetWriter(self._tmp, self._schema)
        else:
            newline = "" if table_format == "csv" else None
            self._handle = self._tmp.open("w", encoding="utf-8", newline=newline)
            if table_format == "csv":
                csv.writer(self._handle).writerow(self.names)

    def write(self, rows: Sequence[dict[str, Any]]) -> None:
        if self._parquet is not None:
            data = {name: [row.get(name) for row in rows] for name in self.names}
            self._parquet.write_table(self._table.from_pydict(data, schema=self._schema))
        elif self.format == "csv":
            assert self._handle is not None
            writer = csv.writer(self._handle)
            for row in rows:
                writer.writerow([_csv_value(row.get(name)) for name in self.names])
        else:
            assert self._handle is not None
            for row in rows:
                record = {n: row.get(n) for n in self.names}
                self._handle.write(json.dumps(record, ensure_ascii=False) + "\n")
        self.rows += len(rows)

    def close(self) -> int:
        if self._parquet is not None:
            if self.rows == 0:
                self._parquet.write_table(self._schema.empty_table())
            self._parquet.close()
        if self._handle is not None:
            self._handle.close()
        self._tmp.replace(self.path)
        return self.rows

    def abort(self) -> None:
        if self._parquet is not None:
            self._parquet.close()
        if self._handle is not None:
            self._handle.close()
        self._tmp.unlink(missing_ok=True)


def write_table(
    rows: Sequence[dict[str, Any]],
    columns: Sequence[tuple[str, ColumnType]],
    path: Path,
    table_format: TableFormat,
) -> int:
    """Write ``rows`` (only the declared columns, in order) to ``path``; return the row count."""
    writer = TableWriter(path, columns, table_format)
    try:
        writer.write(rows)
    except BaseException:
        writer.abort()
        raise
    return writer.close()


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
