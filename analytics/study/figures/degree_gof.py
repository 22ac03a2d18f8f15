"""Goodness of fit: observed degree distributions against the simulated 95% range, on whole-number
axes (a long tail on a logarithmic part)."""

from __future__ import annotations

import math
from itertools import pairwise
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import FixedLocator, FuncFormatter, MaxNLocator

from analytics.study.figures import png

#: Axis labels of the goodness-of-fit panels, with what a degree counts.
_DEGREE_LABELS = {
    "indegree": "in-degree (ties a unit receives)",
    "outdegree": "out-degree (ties a unit sends)",
    "degree": "degree (ties of a unit)",
}


def degree_gof_figure(table: pd.DataFrame, title: str) -> plt.Figure:
    """Goodness of fit: observed degree counts against the simulated 95% range (whole-number axes).

    A degree where nothing is observed and nothing simulated gets no marker: on the national
    in-degree axis (0 to a hub's 193) those ran together into a red bar that hid the hubs."""
    kinds = list(pd.unique(table["statistic"]))  # in table order, without a Python loop over rows
    fig, axes = plt.subplots(1, len(kinds), figsize=(6 * len(kinds), 4), squeeze=False)
    for ax, kind in zip(axes[0], kinds, strict=True):
        part = table[table["statistic"] == kind]
        band = _without_flat_interiors(part, ["sim_low", "sim_high", "sim_mean"])
        ax.fill_between(
            band["degree"], band["sim_low"], band["sim_high"], color="#cccccc", label="simulated 95% range"
        )
        ax.plot(band["degree"], band["sim_mean"], color="#555555", label="simulated mean")
        seen = part[(part["observed"] > 0) | (part["sim_high"] > 0)]
        ax.plot(seen["degree"], seen["observed"], "o", color="#d62728", markersize=3, label="observed")
        ax.set_xlabel(_DEGREE_LABELS.get(kind, kind) + _long_tail_scale(ax, part))
        ax.set_ylabel("number of units")
        ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # degrees and unit counts are whole
        ax.legend(fontsize=8, loc="upper right")
    fig.suptitle(title)
    fig.tight_layout()
    for ax in axes[0]:
        _whole_number_ticks(ax)
    return fig


def _without_flat_interiors(part: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    """``part`` without the rows inside a run where every one of ``columns`` stays the same: such
    a row lies on the straight line between its neighbours, so the band and line look the same
    without it. A 1,000,000-degree table (mostly zeros beyond the body) drew a million vertices,
    ten seconds of Agg's time; the run's first and last rows keep the axis' reach."""
    values = part[columns].to_numpy()
    same_as_before = (values[1:-1] == values[:-2]).all(axis=1)
    same_as_after = (values[1:-1] == values[2:]).all(axis=1)
    keep = np.ones(len(part), dtype=bool)
    keep[1:-1] = ~(same_as_before & same_as_after)
    return part[keep]


def _long_tail_scale(ax: plt.Axes, part: pd.DataFrame, body_share: float = 0.9) -> str:
    """A degree axis whose hubs reach far beyond the body of the distribution (over 4 times
    further) is linear up to the degree that holds ``body_share`` of the units (rounded up to 10,
    20, 50, 100, ...) and logarithmic above it, each half of the axis: on the national in-degree
    panel (90% of units at 0-13, a hub at 193) the body, where model and data are compared, was
    squeezed into a fifteenth of the panel. Returns the words the axis label adds ("" when the
    axis stays linear)."""
    units = part["observed"].cumsum()
    body = int(part["degree"][units >= body_share * units.iloc[-1]].iloc[0]) if units.iloc[-1] > 0 else 0
    threshold = next(m * 10**e for e in range(1, 12) for m in (1, 2, 5) if m * 10**e >= body)
    reach = part[(part["observed"] > 0) | (part["sim_high"] > 0)]["degree"].max()
    if not reach > 4 * threshold:
        return ""
    ax.set_xscale("symlog", linthresh=threshold, linscale=math.log10(reach / threshold))
    ax.set_xlim(0, None)
    return f", log scale above {threshold:,}"


def _symlog_ticks(ax: plt.Axes, gap_px: float) -> None:
    """Ticks 0, 1, 2, 5, 10, 20, 50, ... up to the axis' end, each kept only when its label
    stands ``gap_px`` pixels clear of the one before it (the linear part is short)."""
    high = ax.get_xlim()[1]
    candidates = [0] + [
        m * 10**e for e in range(0, len(str(int(high))) + 1) for m in (1, 2, 5) if m * 10**e <= high
    ]
    ax.xaxis.set_major_locator(FixedLocator(candidates))
    ax.xaxis.set_minor_locator(FixedLocator([]))
    ax.figure.canvas.draw()
    kept: list[float] = []
    last = None
    for tick, label in zip(candidates, ax.get_xticklabels(), strict=True):
        box = label.get_window_extent()
        if last is None or box.x0 - last >= gap_px:
            kept.append(tick)
            last = box.x1
    ax.xaxis.set_major_locator(FixedLocator(kept))


def _whole_number_ticks(ax: plt.Axes, gap_px: float = 8) -> None:
    """Whole-number x ticks printed in full ("40,000", never "0.15" over a "1e6" offset), as many
    as fit with ``gap_px`` pixels between their labels, however long the axis."""
    ax.xaxis.set_major_formatter(FuncFormatter(lambda x, _pos: f"{x:,.0f}"))
    if ax.get_xscale() == "symlog":
        _symlog_ticks(ax, gap_px)
        return
    for nbins in range(10, 1, -1):
        ax.xaxis.set_major_locator(MaxNLocator(nbins, integer=True))
        ax.figure.canvas.draw()
        low, high = ax.get_xlim()
        shown = [t for t, x in zip(ax.get_xticklabels(), ax.get_xticks(), strict=True) if low <= x <= high]
        boxes = [t.get_window_extent() for t in shown]
        if all(b.x0 - a.x1 >= gap_px for a, b in pairwise(boxes)):
            return


def degree_gof_chart(table: pd.DataFrame, title: str, path: Path, *, source: str, stamp: str) -> Path:
    """The goodness-of-fit chart as a PNG file; ``stamp``: the frame's SYNTHETIC label, or empty."""
    return png.save(degree_gof_figure(table, title), path, source, stamp)
