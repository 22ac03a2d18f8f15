"""Strict JSON for report output: a missing or non-finite number is ``null``, never ``NaN``.

``json.dumps`` writes ``NaN`` and ``Infinity`` by default, which strict parsers (JavaScript's
``JSON.parse``, ``jq``, most JSON libraries) refuse. The report's key figures, its suppressed
tables and the policy curve carry such values (a blanked rate, an estimate that could not be
computed), so everything ``triage report`` prints or writes as JSON goes through here.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping
from datetime import date, datetime
from pathlib import PurePath
from typing import Any

import pandas as pd


def plain(value: Any) -> Any:
    """``value`` with NumPy/pandas scalars made Python ones and every missing or non-finite number None."""
    if isinstance(value, pd.DataFrame):
        return [plain(row) for row in value.to_dict("records")]
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    if isinstance(value, str | bool) or value is None:
        return value
    if value is pd.NA or value is pd.NaT:
        return None
    if isinstance(value, PurePath):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if hasattr(value, "item") and not isinstance(value, int | float):
        value = value.item()  # NumPy scalar
        if isinstance(value, datetime | date):
            return value.isoformat()
    if isinstance(value, bool | int):
        return value
    if isinstance(value, float):
        return float(value) if math.isfinite(value) else None
    return str(value)


def dumps(value: Any, *, indent: int | None = 2) -> str:
    """Strict JSON text of ``value`` (see :func:`plain`); raises rather than write ``NaN``."""
    return json.dumps(plain(value), indent=indent, ensure_ascii=False, allow_nan=False)
