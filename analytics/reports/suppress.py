"""Small-cell suppression and rates that respect it (pure).

Every published count from 1 to ``SMALL_CELL - 1`` becomes missing; a rate whose numerator or
denominator was suppressed is missing too, so a suppressed count cannot be recovered from it.
Zero is published: it reveals no individual.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping

import pandas as pd

from analytics.reports.schema import SMALL_CELL


def add_rates(frame: pd.DataFrame, rates: Mapping[str, tuple[str, str]]) -> pd.DataFrame:
    """Add ``rate = numerator / denominator`` columns (missing when the denominator is 0)."""
    out = frame.copy()
    for name, (num, den) in rates.items():
        denominator = out[den].astype("float64")
        out[name] = (out[num].astype("float64") / denominator.where(denominator > 0)).astype("float64")
    return out


def small(series: pd.Series, small_cell: int = SMALL_CELL) -> pd.Series:
    """Counts from 1 to ``small_cell - 1`` (:data:`~analytics.reports.schema.EXACT_COUNTS`: none)."""
    values = series.astype("Float64")
    return ((values > 0) & (values < small_cell)).fillna(False).astype(bool)


def suppress(
    frame: pd.DataFrame,
    counts: Iterable[str],
    rates: Mapping[str, tuple[str, str]] | None = None,
    hide: Mapping[str, pd.Series] | None = None,
    small_cell: int = SMALL_CELL,
) -> pd.DataFrame:
    """Blank small counts and every rate built from one; adds ``suppressed_cells`` per row.

    ``hide`` adds blanks per count column (complementary suppression,
    :mod:`analytics.reports.disclosure`), aligned on the frame's index; rates follow them too."""
    out = frame.copy()
    counts = list(counts)
    masks = {col: small(out[col], small_cell) for col in counts}
    for col, extra in (hide or {}).items():
        masks[col] = masks[col] | extra.reindex(out.index, fill_value=False).astype(bool)
    hidden = pd.Series(0, index=out.index, dtype="int64")
    for name, (num, den) in (rates or {}).items():
        mask = masks.get(num, pd.Series(False, index=out.index)) | masks.get(
            den, pd.Series(False, index=out.index)
        )
        out[name] = out[name].astype("float64").mask(mask)
        hidden += mask.astype("int64")
    for col, mask in masks.items():
        out[col] = out[col].astype("Int64").mask(mask)
        hidden += mask.astype("int64")
    out["suppressed_cells"] = hidden
    return out


def count_columns(frame: pd.DataFrame, exclude: Iterable[str] = ()) -> list[str]:
    """The integer columns of a frame (the ones that are counts of encounters)."""
    skip = set(exclude)
    return [c for c in frame.columns if c not in skip and pd.api.types.is_integer_dtype(frame[c])]
