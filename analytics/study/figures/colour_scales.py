"""The colour scales of the study's maps: linear from 0, or logarithmic for skewed counts (Figure
6) and standardized in-degrees (Figure 7)."""

from __future__ import annotations

import pandas as pd
from matplotlib.colors import LogNorm, Normalize, SymLogNorm


def _skewed(values: pd.Series, low: float) -> bool:
    """The median unit would sit in the bottom tenth of a linear colour scale from ``low`` to the
    largest value: nine units in ten one colour, the few hubs alone told apart."""
    high = float(values.max())
    return high > low and (float(values.median()) - low) / (high - low) < 0.1


def skewed_colour_norm(values: pd.Series) -> Normalize:
    """A logarithmic colour scale for counts whose median unit sits in the bottom tenth of a
    linear scale from 0 (all above 0): the national HTH (2 to 364, median 30.5) coloured 9 in 10
    units the same dark purple. Otherwise linear from 0 (none), as Figure 7's: from the smallest
    count it coloured the national PCF's least-equipped unit (193 facilities) as none."""
    low, high = float(values.min()), float(values.max())
    linear = low <= 0 or not _skewed(values, 0.0)
    return Normalize(vmin=0.0, vmax=max(high, 1.0)) if linear else LogNorm(vmin=low, vmax=high)


def centrality_norm(values: pd.Series, n: int) -> Normalize:
    """Figure 7's colour scale: from 0 (no tie received; a standardized in-degree is a share, as
    the bars beside the map start at 0) to the largest value. Skewed as Figure 6's counts (the
    national frame: median 0.017, Shanghai 0.66, the median unit at 3% of a linear bar, 9 units in 10
    one pale colour), it is linear up to one tie received, 1 / (n - 1), and logarithmic above, so
    a unit with no tie (0) still has a colour. The scale used to run from the smallest value, so
    the least central Zhejiang unit (0.034) took the colour of none."""
    high = max(float(values.max()), 1e-12)
    one_tie = 1.0 / max(n - 1, 1)
    if _skewed(values, 0.0) and high > one_tie:
        return SymLogNorm(linthresh=one_tie, linscale=0.5, vmin=0.0, vmax=high, base=10)
    return Normalize(vmin=0.0, vmax=high)
