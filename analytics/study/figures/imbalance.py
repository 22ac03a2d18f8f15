"""Figures 3 and 5: patients and bed occupancy by tier of care, official and quoted figures."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter

from analytics.study.figures import png


def imbalance_chart(figures: pd.DataFrame, path: Path) -> Path:
    """Figures 3 and 5 as a PNG file."""
    return png.save(imbalance_figure(figures), path, imbalance_source(figures))


def imbalance_source(figures: pd.DataFrame) -> str:
    """The publications behind Figures 3 and 5, in one line (each bar's own source is in the table)."""
    official = figures[figures["status"] == "official"]["source"]
    publications = dict.fromkeys(
        s.split(" (")[0].split(", as reproduced")[0].split(", seen via")[0] for s in official
    )
    return (
        f"Source: official 2021 figures ({'; '.join(publications)}) and figures quoted by the study"
        " (unverified); each bar's source in figures3_5_imbalance.csv and analytics/data/SOURCES.md"
    )


#: Bar colours by tier; "all" is an average over every tier (Zhejiang's 76.3%), which in red had
#: read as a high-tier figure; "hospitals", the official figures for every hospital of all levels,
#: had read as high-tier ones the same way.
TIER_COLOURS = {"hospitals": "#ff7f0e", "high": "#d62728", "primary": "#1f77b4", "all": "#888888"}
TIER_WORDS = {
    "hospitals": "hospitals (all levels)",
    "high": "hospitals (high tier)",
    "primary": "primary care",
    "all": "all tiers (average)",
}
STATUS_WORDS = {"quoted_by_study_unverified": "quoted, unverified"}


def imbalance_figure(figures: pd.DataFrame) -> plt.Figure:
    """Figures 3 and 5: patients and bed occupancy by tier, each bar with its value and its status.

    Figure 3 is on a log scale: the official visits (billions) next to the study's patient counts
    (3.978 and 34.86 million) left the study's own contrast as two invisible bars. Its values are
    dots, not bars: a bar on a log axis has no zero, so its length misreads the ratios."""
    fig, (patients, beds) = plt.subplots(1, 2, figsize=(12, 4.8))
    visits = figures[figures["measure"] == "visits_or_patients"]
    occ = figures[figures["measure"] == "bed_occupancy"]
    for ax, part, scale, value_format in (
        # each value with the digits its source gives, as the table under the figure has it: one
        # decimal had shown the official 74.55% as 74.5% and the study's 3.978 million as 3.98
        (patients, visits, 1e6, lambda v: f"{v:,.0f}" if v >= 100 else f"{v:g}"),  # 3,880 / 3.978
        (beds, occ, 1.0, lambda v: f"{v:g}%"),  # 74.55% / 78.2%
    ):
        values = part["value"] / scale
        # the status under each label: inside the bars it ran into the values
        labels = [
            f"{label}\n({STATUS_WORDS.get(st, st)})"
            for label, st in zip(part["label"], part["status"], strict=True)
        ]
        colours = [TIER_COLOURS[t] for t in part["tier"]]
        if ax is patients:
            # a dot per value: a bar on a log axis has no zero to stand on, so its length (from
            # wherever the axis happens to start) misreads the ratios - 3.978 against 34.86 million
            # had looked a quarter, not a ninth
            ax.scatter(labels, values, c=colours, marker="D", s=60, zorder=3)
            ax.grid(axis="y", which="major", color="#dddddd", zorder=0)
            for x, v in enumerate(values):
                ax.annotate(
                    value_format(v),
                    (x, v),
                    textcoords="offset points",
                    xytext=(0, 7),
                    ha="center",
                    fontsize=8,
                )
            ax.margins(x=0.15)
            ax.set_yscale("log")
            ax.set_ylim(float(values.min()) / 2, float(values.max()) * 3)  # room for the labels
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.0f}"))  # 1,000: not 10^3
        else:
            bars = ax.bar(labels, values, color=colours)
            ax.bar_label(bars, labels=[value_format(v) for v in values], fontsize=8, padding=2)
        plt.setp(ax.get_xticklabels(), rotation=30, ha="right", rotation_mode="anchor", fontsize=8)
    patients.set_ylabel("visits or patients, million (log scale)")
    patients.set_title("Figure 3 - patients by tier")
    beds.set_ylabel("bed occupancy, %")
    beds.set_title("Figure 5 - bed occupancy by tier")
    beds.margins(y=0.12)
    fig.legend(
        handles=[
            Patch(color=TIER_COLOURS[tier], label=TIER_WORDS[tier])
            for tier in TIER_COLOURS
            if tier in set(figures["tier"])
        ],
        loc="upper center",
        ncol=4,
        fontsize=8,
        frameon=False,
    )
    fig.tight_layout(rect=(0, 0, 1, 0.94))
    return fig
