"""Write a list of rows as CSV, Parquet (pyarrow) or JSON lines with one declared column schema.

Types are declared, not guessed, so an empty export or a column that is null in every row still
has the documented type. CSV writes booleans as ``true``/``false`` and nulls as empty fields.
"""

from __future__ import annotations

import csv
import hashlib
import json
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Literal

import pyarrow as pa
import pyarrow.parquet as pq

from referral.errors import UserInputError

TableFormat = Literal["csv", "parquet", "jsonl"]
TABLE_FORMATS: tuple[TableFormat, ...] = ("csv", "parquet", "jsonl")
ColumnType = Literal["string", "int", "float", "bool", "date"]

_ARROW: dict[str, pa.DataType] = {
    "string": pa.string(),
    "int": pa.int64(),
    "float": pa.float64(),
    "bool": pa.bool_(),
    "date": pa.string(),
}


def _csv_value(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return value


def write_table(
    rows: Sequence[dict[str, Any]],
    columns: Sequence[tuple[str, ColumnType]],
    path: Path,
    table_format: TableFormat,
) -> int:
    """Write ``rows`` (only the declared columns, in order) to ``path``; return the row count."""
    names = [name for name, _ in columns]
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(path.name + ".partial")
    if table_format == "csv":
        with tmp.open("w", encoding="utf-8", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(names)
            for row in rows:
                writer.writerow([_csv_value(row.get(name)) for name in names])
    elif table_format == "jsonl":
        with tmp.open("w", encoding="utf-8") as handle:
            for row in rows:
                handle.write(json.dumps({n: row.get(n) for n in names}, ensure_ascii=False) + "\n")
    elif table_format == "parquet":
        schema = pa.schema([pa.field(name, _ARROW[kind]) for name, kind in columns])
        data = {name: [row.get(name) for row in rows] for name in names}
        pq.write_table(pa.Table.from_pydict(data, schema=schema), tmp)
    else:
        raise UserInputError(f"unknown table format {table_format!r}; use one of {TABLE_FORMATS}")
    tmp.replace(path)
    return len(rows)


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for chunk in iter(lambda: handle.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()
