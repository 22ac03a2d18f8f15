"""Figure 2: the binary mobility network on longitude/latitude, its ties directed."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.collections import LineCollection

from analytics.study.dataset import Frame
from analytics.study.figures import png
from analytics.study.figures.map_axes import LAT_LABEL, LON_LABEL, map_ticks


def network_map(frame: Frame, path: Path) -> Path:
    """Figure 2 as a PNG file."""
    return png.save(network_figure(frame), path, frame.source, frame.stamp)


def network_figure(frame: Frame) -> plt.Figure:
    """Figure 2: the binary mobility network on longitude/latitude."""
    lonlat = frame.nodes.set_index("id")[["lon", "lat"]]
    fig, ax = plt.subplots(figsize=(8, 6.5))
    src = lonlat.loc[frame.edges["source"]].to_numpy()
    dst = lonlat.loc[frame.edges["target"]].to_numpy()
    # faint enough that thousands of ties still show where they bunch, dark enough that a few
    # dozen (a county frame, the worked example's 29) are seen at all: at 0.06 they were not
    alpha = min(0.5, max(0.06, 15 / max(len(src), 1)))
    # one collection of segments, drawn as the one line per tie was: 2,611 Line2D artists of the
    # national frame took seconds to build and save
    ties = LineCollection(list(np.stack([src, dst], axis=1)), colors="#1f77b4", alpha=alpha, linewidths=0.6)
    ax.add_collection(ties)
    ax.autoscale_view()
    _direction_heads(ax, src, dst, alpha)
    indeg = frame.edges["target"].value_counts().reindex(frame.nodes["id"]).fillna(0).to_numpy()
    most = max(float(indeg.max()), 1.0)
    ax.scatter(frame.nodes["lon"], frame.nodes["lat"], s=8 + 60 * indeg / most, c="#d62728", zorder=3)
    # the key of the point sizes: the title said "point size: ties received" and no size said how many
    for received in size_key_values(most):
        ax.scatter([], [], s=8 + 60 * received / most, c="#d62728", label=f"{received:,.0f}")
    ax.legend(
        title="ties received", loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False, labelspacing=1.2
    )
    ax.set_xlabel(LON_LABEL)
    ax.set_ylabel(LAT_LABEL)
    ax.set_title(
        f"Figure 2 - mobility network, {frame.title}\n{len(frame.edges):,} ties (>= {frame.min_movers} mover);"
        f" point size: ties received; {DIRECTION_WORDS}"
    )
    map_ticks(ax)
    ax.set_aspect("equal", adjustable="datalim")
    fig.tight_layout()
    return fig


#: What Figure 2's arrowheads say, in its title: the ties are directed (moves from one unit to
#: another), and lines alone had not said which way a tie points.
DIRECTION_WORDS = "arrowheads point from origin to destination"


def _direction_heads(ax: plt.Axes, src: np.ndarray, dst: np.ndarray, alpha: float) -> None:
    """An arrowhead on each tie, two thirds of the way from its origin, pointing to its destination:
    at the end of the line it would lie under the destination's point (and a hub's hundreds of
    heads on one spot); there, a tie and its reverse show two heads, one pointing each way. One
    quiver, as the ties are one collection. Heads darker than the faint lines, or none would show."""
    step = dst - src
    length = np.hypot(step[:, 0], step[:, 1])
    moved = length > 0
    if not moved.any():
        return
    where = src[moved] + step[moved] * (2 / 3)
    unit = step[moved] / length[moved, None]
    ax.quiver(
        where[:, 0],
        where[:, 1],
        unit[:, 0],
        unit[:, 1],
        angles="xy",
        pivot="middle",
        units="inches",
        scale_units="inches",
        scale=1 / 0.1,  # each head 0.1 inch long, whatever the map's extent
        width=0.008,
        headwidth=8,
        headlength=11,
        headaxislength=10,
        color="#1f77b4",
        alpha=min(0.9, 3 * alpha),
        zorder=2,
    )


def size_key_values(most: float) -> list[float]:
    """The ties received that Figure 2's size key shows: none, the most a unit receives, and a round
    number or two between (1, 2 or 5 times a power of ten, at about a quarter and a half of it)."""
    between = []
    for share in (0.25, 0.5):
        target = most * share
        if target >= 1:
            power = 10.0 ** math.floor(math.log10(target))
            between.append(min((k * power for k in (1, 2, 5, 10)), key=lambda v: abs(v - target)))
    return sorted({0.0, *between, float(most)})
