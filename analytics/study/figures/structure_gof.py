"""Goodness of fit beyond degrees: observed edgewise shared partners and geodesic distances against
the simulated 95% range (``ErgmResult.gof_structure``), one panel each."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import FuncFormatter, MaxNLocator

from analytics.study.figures import png

#: Each panel's axis labels: what its value counts, and what is counted.
_LABELS = {
    "espartners": (
        "edgewise shared partners (units k with i -> k -> j, per tie i -> j)",
        "number of ties",
    ),
    "distance": ("geodesic distance (ties on the shortest path)", "number of pairs of units"),
}
#: Where a pair with no path at all is marked on the distance axis, as a tick label.
NO_PATH = "no path"


def structure_gof_figure(table: pd.DataFrame, title: str, directed: bool = True) -> plt.Figure:
    """Two panels, shared partners and distances: the simulated mean and 95% band, the observed
    counts as dots; the pairs with no path one step beyond the longest distance, ticked ``no path``."""
    kinds = list(pd.unique(table["statistic"]))
    fig, axes = plt.subplots(1, len(kinds), figsize=(6 * len(kinds), 4), squeeze=False)
    for ax, kind in zip(axes[0], kinds, strict=True):
        part = table[table["statistic"] == kind]
        values = part["value"].to_numpy(dtype=float)
        finite = np.isfinite(values)
        beyond = (values[finite].max(initial=0) + 1) if not finite.all() else math.nan
        x = np.where(finite, values, beyond)
        low, high, mean = (part[c].to_numpy(dtype=float) for c in ("sim_low", "sim_high", "sim_mean"))
        ax.fill_between(x[finite], low[finite], high[finite], color="#cccccc", label="simulated 95% range")
        ax.plot(x[finite], mean[finite], color="#555555", label="simulated mean")
        if not finite.all():  # no path is no distance: its range and mean stand apart, not joined on
            ax.vlines(x[~finite], low[~finite], high[~finite], color="#cccccc", linewidth=8)
            ax.plot(x[~finite], mean[~finite], "_", color="#555555", markersize=14)
        seen = ((part["observed"] > 0) | (part["sim_high"] > 0)).to_numpy()
        ax.plot(
            x[seen], part["observed"].to_numpy()[seen], "o", color="#d62728", markersize=3, label="observed"
        )
        xlabel, ylabel = _LABELS.get(kind, (kind, "count"))
        if kind == "espartners" and not directed:
            xlabel = "edgewise shared partners (common neighbours of a tie's two units)"
        ax.set_xlabel(xlabel)
        ax.set_ylabel(ylabel)
        ax.xaxis.set_major_locator(MaxNLocator(integer=True))
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))
        ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.0f}"))  # "40,000" pairs
        ax.xaxis.set_major_formatter(
            FuncFormatter(lambda v, _pos, beyond=beyond: NO_PATH if v == beyond else f"{v:,.0f}")
        )
        ax.legend(fontsize=8, loc="upper right")
    fig.suptitle(title)
    fig.tight_layout()
    return fig


def structure_gof_chart(
    table: pd.DataFrame, title: str, path: Path, *, source: str, stamp: str, directed: bool = True
) -> Path:
    """The chart as a PNG file; ``stamp``: the frame's SYNTHETIC label, or empty."""
    return png.save(structure_gof_figure(table, title, directed), path, source, stamp)
