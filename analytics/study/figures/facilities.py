"""Figure 6: primary care facilities and high-tier hospitals per unit, on two maps."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
from matplotlib.colors import LogNorm
from matplotlib.ticker import FuncFormatter, LogLocator

from analytics.study.dataset import Frame
from analytics.study.figures import png
from analytics.study.figures.colour_scales import skewed_colour_norm
from analytics.study.figures.map_axes import LAT_LABEL, LON_LABEL, map_ticks


def facility_maps(frame: Frame, path: Path) -> Path:
    """Figure 6 as a PNG file."""
    return png.save(facility_figure(frame), path, frame.source, frame.stamp)


def facility_figure(frame: Frame) -> plt.Figure:
    """Figure 6: primary care facilities and high-tier hospitals per unit."""
    fig, axes = plt.subplots(1, 2, figsize=(12, 5.5))
    for ax, column, title in zip(
        axes, ("PCF", "HTH"), ("primary care facilities", "high-tier hospitals"), strict=True
    ):
        values = frame.nodes[column].astype(float)
        norm = skewed_colour_norm(values)
        points = ax.scatter(frame.nodes["lon"], frame.nodes["lat"], c=values, cmap="viridis", s=22, norm=norm)
        scale = " (log scale)" if isinstance(norm, LogNorm) else ""
        bar = fig.colorbar(points, ax=ax, label=f"{column}, {title} per unit{scale}")
        if isinstance(norm, LogNorm):  # counts as counts (2, 5, 10, 20, ...), not powers of ten
            bar.ax.yaxis.set_major_locator(LogLocator(subs=(1, 2, 5)))
            bar.ax.yaxis.set_major_formatter(FuncFormatter(lambda v, _pos: f"{v:,.0f}"))
            bar.ax.yaxis.set_minor_formatter(FuncFormatter(lambda v, _pos: ""))
        ax.set_title(f"{title} ({column})")
        map_ticks(ax)
        ax.set_xlabel(LON_LABEL)
        ax.set_ylabel(LAT_LABEL)
        ax.set_aspect("equal", adjustable="datalim")
    fig.suptitle(f"Figure 6 - {frame.title}")
    fig.tight_layout()
    return fig
