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

import csv
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from referral.csvcells import guarded, unguarded


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
    out = values.astype(object).map(cell)
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


def csv_problem(path: Path) -> str | None:
    """Where and what is wrong in a CSV file a parser refused, in the words of the file: a row with
    more fields than the header row, or a quoted field never closed (line 1 is the header). None
    when neither is found (or the file is not UTF-8: the caller says that)."""
    try:
        with path.open(newline="", encoding="utf-8") as handle:
            reader = csv.reader(handle, strict=True)
            width, start = 0, 1
            try:
                for fields in reader:
                    if not width:
                        width = len(fields)
                    elif len(fields) > width:
                        return (
                            f"line {reader.line_num}: {len(fields)} fields where the header row has"
                            f" {width}; quote a value that holds a comma"
                        )
                    start = reader.line_num + 1
            except csv.Error as exc:
                if "end of data" in str(exc):
                    return f'line {start}: a quoted field (opened by ") is never closed'
                if "expected after" in str(exc):  # "',' expected after '\"'"
                    return (
                        f"line {start}: a quoted field has text after its closing quote; write a quote"
                        ' inside a quoted value as two ("")'
                    )
                return f"line {reader.line_num}: {exc}"
    except UnicodeDecodeError:
        return None
    return None
