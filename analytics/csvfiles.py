"""CSV files the analytics write, in the spelling of `triage referrals export`.

pandas writes a boolean as ``True``/``False``; the analytics export contract
(docs/analytics-export.md) and every other CSV the product writes say ``true``/``false`` (a
missing value is an empty field), so a script reading several of them needs one rule. A text
cell a spreadsheet would run as a formula (``=``, ``+``, ``-``, ``@``, TAB, CR first) gets the
guard quote of every product CSV (:mod:`referral.csvcells`); numbers are never touched.
Every report, study and generator table goes through :func:`write_csv`; :func:`read_back`
takes the guard off a table read from such a file.
"""

from __future__ import annotations

import codecs
import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from referral.csvcells import guarded, unguarded
from referral.errors import json_text
from referral.plurals import counted, listed


def _spelled(value: Any) -> Any:
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    return guarded(value)


def _text_like(values: Any) -> bool:
    """A column or an index that may hold text or booleans (not a numeric or time one)."""
    kind = values.dtype
    return bool(
        pd.api.types.is_bool_dtype(kind)
        or pd.api.types.is_object_dtype(kind)
        or pd.api.types.is_string_dtype(kind)
        or isinstance(kind, pd.CategoricalDtype)
    )


def _mapped(values: Any, cell: Callable[[Any], Any]) -> Any:
    if isinstance(values, pd.MultiIndex) or not _text_like(values):
        return values
    # each cell as it is: .map(cell) reads an object column anew, 3880000000 beside 74.55 as 3880000000.0
    cells = [cell(value) for value in values]
    if isinstance(values, pd.Index):
        out: Any = pd.Index(cells, dtype=object, name=values.name)
    else:
        out = pd.Series(cells, index=values.index, name=values.name, dtype=object)
    return out.astype(values.dtype) if isinstance(values.dtype, pd.StringDtype) else out


def _each_cell(frame: pd.DataFrame, cell: Callable[[Any], Any], label: Callable[[Any], Any]) -> pd.DataFrame:
    out = frame.copy()
    for position in range(out.shape[1]):
        out.isetitem(position, _mapped(out.iloc[:, position], cell))
    out.index = _mapped(out.index, cell)
    out.columns = _mapped(out.columns, label)
    return out


def csv_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its booleans (bool, nullable boolean or in an object column) as
    ``true``/``false`` and its text cells, row and column labels guarded; numbers untouched."""
    return _each_cell(frame, _spelled, guarded)


def write_csv(frame: pd.DataFrame, path: Path, *, index: bool = False, **options: Any) -> None:
    """``frame.to_csv(path, index=index, **options)`` with booleans spelled ``true``/``false`` and
    formula-like text guarded."""
    csv_ready(frame).to_csv(path, index=index, **options)


def read_back(frame: pd.DataFrame) -> pd.DataFrame:
    """A table read from a CSV, its text cells and labels without the formula guard
    :func:`write_csv` put on them."""
    return _each_cell(frame, unguarded, unguarded)


#: Separators a spreadsheet may save a "CSV" with, as the error names them.
_OTHER_SEPARATORS = {";": '";"', "\t": "tabs", "|": '"|"'}


def _other_separator(header: str) -> str | None:
    """A header row with no comma but another separator: the file is not comma-separated."""
    for separator, name in _OTHER_SEPARATORS.items():
        if "," not in header and separator in header:
            return (
                f"line 1: the header row is separated by {name}, not by commas (it has no comma);"
                " save the file as comma-separated CSV"
            )
    return None


def csv_problem(path: Path) -> str | None:
    """Where and what is wrong in a CSV file, in the words of the file: a header row separated by
    something else than commas (";", tabs), a row with more or fewer fields than the header row,
    or a quoted field never closed (line 1 is the header). None when none is found (or the file
    is not UTF-8: the caller says that); blank lines are skipped, as the parsers skip them."""
    try:
        with path.open(newline="", encoding="utf-8-sig") as handle:
            if other := _other_separator(handle.readline().rstrip("\r\n")):
                return other
            handle.seek(0)
            reader = csv.reader(handle, strict=True)
            width, start, header = 0, 1, []
            try:
                for fields in reader:
                    if not width:
                        width, header = len(fields), fields
                    elif len(fields) != width and fields:
                        return f"line {reader.line_num}: {field_count_said(len(fields), header)}"
                    start = reader.line_num + 1
            except csv.Error as exc:
                if "end of data" in str(exc) or "expected after" in str(exc):  # "',' expected after '\"'"
                    handle.seek(0)
                    where = f"line {start}{_quoted_column(handle.read(), start)}"
                    if "end of data" in str(exc):
                        return f'{where}: a quoted field (opened by ") is never closed'
                    return (
                        f"{where}: a quoted field has text after its closing quote; write a quote"
                        ' inside a quoted value as two ("")'
                    )
                return f"line {reader.line_num}: {exc}"
    except UnicodeDecodeError:
        return None
    return None


def spreadsheet_column(index: int) -> str:
    """The letters a spreadsheet shows over the column at 0-based ``index``: A, ..., Z, AA, AB."""
    letters = ""
    index += 1
    while index:
        index, rest = divmod(index - 1, 26)
        letters = chr(ord("A") + rest) + letters
    return letters


def _columns_said(names: list[str], start: int) -> str:
    """``"a", "b" and "c" (columns D-F)`` for the header's ``names`` from 0-based ``start``, at
    most three by name."""
    said = [json_text(name) if name else f"field {start + at + 1} (no name)" for at, name in enumerate(names)]
    words = listed(said if len(said) <= 3 else [*said[:3], f"{len(said) - 3} more"])
    letters = spreadsheet_column(start)
    if len(names) > 1:
        return f"{words} (columns {letters}-{spreadsheet_column(start + len(names) - 1)})"
    return f"{words} (column {letters})"


def field_count_said(found: int, header: list[str]) -> str:
    """What is wrong with a row of ``found`` fields under ``header``, for a person fixing the file in
    a spreadsheet: how many fields were found and expected, the columns the row lacks (or the last
    one it fills) by name and spreadsheet letter, and how to fix it. The messages had named the
    line and the counts alone, a row of twenty fields left to search."""
    width = len(header)
    said = f"{counted(found, 'fields')} where the header row has {width}"
    last = json_text(header[-1]) if header[-1] else f"field {width}"
    if found > width:
        extra = f"field {width + 1} (column {spreadsheet_column(width)}) has"
        if found > width + 1:
            columns = f"{spreadsheet_column(width)}-{spreadsheet_column(found - 1)}"
            extra = f"fields {width + 1}-{found} (columns {columns}) have"
        return (
            f"{said} (its last, {last}, is spreadsheet column {spreadsheet_column(width - 1)}): {extra} no"
            " column name; quote a value that holds a comma (the fields after it moved right)"
        )
    ends = json_text(header[found - 1]) if header[found - 1] else f"field {found}"
    return (
        f"{said}: the row ends at column {ends} (spreadsheet column {spreadsheet_column(found - 1)}), with no"
        f" field for {_columns_said(header[found:], found)}; give every row a field for each column of the"
        " header (an empty field for a missing value)"
    )


def _quoted_column(text: str, start: int) -> str:
    """``, column "NAME"`` of the quoted field that breaks the record starting at line ``start``
    of ``text`` (the header row's name for it; ``, field N`` past the header's fields): the
    messages named the line alone, and a record of twenty fields left the reader to find the
    quote."""
    header = next(csv.reader([text.split("\n", 1)[0].rstrip("\r")]), [])
    record = text.split("\n", start - 1)[-1] if start > 1 else text
    field, at, quoted = 0, 0, -1
    while at < len(record):
        char = record[at]
        if quoted >= 0:
            if char == '"' and record[at + 1 : at + 2] == '"':
                at += 1  # a quote written as two
            elif char == '"':
                if record[at + 1 : at + 2] not in (",", "\n", "\r", ""):
                    break  # text after the closing quote
                quoted = -1
        elif char == '"' and (at == 0 or record[at - 1] == ","):
            quoted = field
        elif char == ",":
            field += 1
        elif char == "\n":
            return ""
        at += 1
    if field < len(header):
        return f", column {json_text(header[field])}"
    return f", field {field + 1}"


def not_utf8(data: bytes, start: int) -> str:
    """Where the first byte that is not UTF-8 is (``start``, from
    :class:`UnicodeDecodeError`), as ``line 2, column "name": byte 15 is not UTF-8``, and what
    the file reads as when it is GB18030 (a superset of GBK and GB2312): Chinese spreadsheets
    save CSV so."""
    line_start = data.rfind(b"\n", 0, start) + 1
    line = data.count(b"\n", 0, start) + 1
    where = f"line {line}"
    header = next(csv.reader([data.split(b"\n", 1)[0].decode("utf-8", "replace").rstrip("\r")]), [])
    if line > 1:
        prefix = data[line_start:start].decode("utf-8", "replace")
        position = max(len(next(csv.reader([prefix]), [])) - 1, 0)
        if position < len(header):
            where += f", column {json_text(header[position].lstrip(chr(0xFEFF)))}"
    said = f"{where}: byte {start} is not UTF-8"
    try:
        data.decode("gb18030")
    except UnicodeDecodeError:
        return said
    return f"{said} (the file reads as GB18030/GBK, a Chinese encoding)"


def first_not_utf8(path: Path, block: int = 1 << 20) -> str | None:
    """Where the first byte of ``path`` that is not UTF-8 is, as :func:`not_utf8` says it; read in
    blocks up to the one that holds it (None: all UTF-8)."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    data = b""
    with path.open("rb") as handle:
        while chunk := handle.read(block):
            data += chunk
            try:
                decoder.decode(chunk)
            except UnicodeDecodeError:
                try:
                    data.decode("utf-8")
                except UnicodeDecodeError as exc:
                    end = data.find(b"\n", exc.start)
                    return not_utf8(data if end < 0 else data[:end], exc.start)
    return None
