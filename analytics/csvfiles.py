"""CSV files the analytics write, in the spelling of `triage referrals export`.

pandas writes a boolean as ``True``/``False``; the analytics export contract
(docs/analytics-export.md) and every other CSV the product writes say ``true``/``false`` (a
missing value is an empty field), so a script reading several of them needs one rule.
Every report, study and generator table goes through :func:`write_csv`.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd


def _spelled(value: Any) -> Any:
    if isinstance(value, bool | np.bool_):
        return "true" if value else "false"
    return value


def _column(values: Any) -> Any:
    """A column or an index, its booleans spelled out."""
    kind = values.dtype
    if pd.api.types.is_bool_dtype(kind) or pd.api.types.is_object_dtype(kind):
        return values.astype(object).map(_spelled)
    return values


def csv_ready(frame: pd.DataFrame) -> pd.DataFrame:
    """``frame`` with its booleans (bool, nullable boolean or in an object column) as
    ``true``/``false``; other values untouched."""
    out = frame.copy()
    for position in range(out.shape[1]):
        out.isetitem(position, _column(out.iloc[:, position]))
    out.index = _column(out.index)
    return out


def write_csv(frame: pd.DataFrame, path: Path, *, index: bool = False, **options: Any) -> None:
    """``frame.to_csv(path, index=index, **options)`` with booleans spelled ``true``/``false``."""
    csv_ready(frame).to_csv(path, index=index, **options)
