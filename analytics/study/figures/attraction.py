"""The attraction chart: the share of possible incoming ties realised, by the receiving unit's
HTH quintile, and its table."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import PercentFormatter

from analytics.study.dataset import Frame
from analytics.study.figures import png


def hth_quintile_labels(hth: pd.Series, quintile: pd.Series) -> dict[str, str]:
    """Each quintile's name and the HTH range of its units (``Q1\n0-3``, ``Q5\n27-364``; one value
    when all are equal): "Q1" alone did not say how many hospitals a quintile means."""
    ranges = hth.groupby(quintile.to_numpy(), observed=True).agg(["min", "max"])
    return {
        str(q): _range_label(str(q), low, high)
        for q, (low, high) in zip(ranges.index, ranges.itertuples(index=False), strict=True)
    }


def _range_label(quintile: str, low: float, high: float) -> str:
    return f"{quintile}\n{low:g}" if low == high else f"{quintile}\n{low:g}-{high:g}"


def attraction_table(frame: Frame) -> pd.DataFrame:
    """The numbers of the attraction chart, one row per HTH quintile of the receiving unit: its
    units' HTH range, how many units, the ties they receive, the ties they could receive (each
    from every other unit) and the share realised - the chart had no table, so its bars could
    not be read as numbers or checked."""
    adj = frame.adjacency()
    n = frame.n
    hth = frame.nodes["HTH"].reset_index(drop=True)
    quintile = pd.Series(
        pd.qcut(hth.rank(method="first"), 5, labels=[f"Q{i}" for i in range(1, 6)]).astype(str)
    )
    rows = pd.DataFrame({"quintile": quintile, "hth": hth, "received": adj.sum(axis=0)})
    table = rows.groupby("quintile", sort=True).agg(
        hth_min=("hth", "min"),
        hth_max=("hth", "max"),
        units=("hth", "size"),
        ties_received=("received", "sum"),
    )
    if np.isclose(hth, hth.round()).all():  # hospitals counted: 2, not 2.0, in the CSV
        table[["hth_min", "hth_max"]] = table[["hth_min", "hth_max"]].round().astype("int64")
    table["possible_ties"] = table["units"] * max(n - 1, 1)
    table["share_realised"] = table["ties_received"] / table["possible_ties"]
    return table.reset_index()


def tie_probability_figure(frame: Frame) -> plt.Figure:
    """Share of possible incoming ties realised (%), by HTH quintile of the receiving unit, each
    quintile labelled with its HTH range (the numbers: :func:`attraction_table`)."""
    table = attraction_table(frame)
    labels = [
        _range_label(q, low, high)
        for q, low, high in zip(table["quintile"], table["hth_min"], table["hth_max"], strict=True)
    ]
    fig, ax = plt.subplots(figsize=(6, 4))
    ax.bar(labels, table["share_realised"].to_numpy(), color="#9467bd")
    ax.set_xlabel("receiving unit's HTH quintile (under each: its units' high-tier hospitals)")
    ax.set_ylabel("possible incoming ties realised (%)")
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_title(f"Attraction by high-tier hospitals - {frame.title}")
    fig.tight_layout()
    return fig


def tie_probability_by_hth(frame: Frame, path: Path) -> Path:
    """The attraction chart as a PNG file."""
    return png.save(tie_probability_figure(frame), path, frame.source, frame.stamp)
