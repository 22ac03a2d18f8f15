"""The report's policy trade-off figure (matplotlib): load shift against sensitivity, one curve per
risk threshold, each point labelled with its NEWS2 threshold where the label overlaps no other
label, no marker and, where it can, no curve.

:mod:`analytics.reports.render` turns it into a PNG file for the HTML page.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from itertools import pairwise
from typing import Any

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import to_hex
from matplotlib.figure import Figure

from analytics.reports.figures import _title

#: Where a point label may go, in points from its point: the nearest ring first, each ring
#: right-below, right-above, left-below, left-above, then straight right, below, above, left,
#: then (from 38 pt on) the eight directions between; a label beyond 13 pt gets a leader line.
_LABEL_RINGS = (7, 13, 20, 28, 38, 50, 64, 80, 100, 125, 155, 190, 230, 280)
_LEADER_FROM = 14
_PAD = 2.0  # pixels of air around a label's box and a marker


def _label_spots() -> list[tuple[float, float]]:
    """Offsets (points) in the order they are tried."""
    first = [(1, -1), (1, 1), (-1, -1), (-1, 1), (1, 0), (0, -1), (0, 1), (-1, 0)]
    angles = [math.atan2(dy, dx) for dx, dy in first]
    between = [math.pi * (2 * k + 1) / 8 for k in range(8)]
    spots: list[tuple[float, float]] = []
    for ring in _LABEL_RINGS:
        for angle in angles + (between if ring >= 38 else []):
            spots.append((round(ring * math.cos(angle), 2), round(ring * math.sin(angle), 2)))
    return spots


def _freeze_limits(ax: Any) -> None:
    """Autoscale to the data drawn so far and keep those limits, so that pixel positions worked
    out now (label boxes, which points look alike) stay true when the figure is drawn."""
    ax.autoscale_view()
    ax.set_xlim(ax.get_xlim())
    ax.set_ylim(ax.get_ylim())


def _alignment(dx: float, dy: float) -> tuple[str, str]:
    """The text's anchor for an offset: the label extends away from its point."""
    ha = "left" if dx > 0.5 else "right" if dx < -0.5 else "center"
    va = "bottom" if dy > 0.5 else "top" if dy < -0.5 else "center"
    return ha, va


def _overlaps_any(boxes: np.ndarray, others: np.ndarray) -> np.ndarray:
    """For each box (x0, y0, x1, y1 rows), whether it overlaps any of ``others``."""
    if not len(others):
        return np.zeros(len(boxes), dtype=bool)
    a, b = boxes[:, None, :], others[None, :, :]
    hit = (
        (a[..., 0] <= b[..., 2])
        & (b[..., 0] <= a[..., 2])
        & (a[..., 1] <= b[..., 3])
        & (b[..., 1] <= a[..., 3])
    )
    return np.asarray(hit.any(axis=1))


def _path_boxes(ax: Any, paths: Sequence[Sequence[tuple[float, float]]], step: float) -> np.ndarray:
    """Small boxes every ``step`` pixels along each polyline (data coordinates): the drawn lines."""
    found: list[np.ndarray] = []
    for path in paths:
        pixels = ax.transData.transform(np.asarray(path, dtype=float).reshape(-1, 2))
        for (x0, y0), (x1, y1) in pairwise(pixels):
            n = max(2, int(np.hypot(x1 - x0, y1 - y0) / step) + 1)
            t = np.linspace(0.0, 1.0, n)
            found.append(np.column_stack([x0 + t * (x1 - x0), y0 + t * (y1 - y0)]))
    if not found:
        return np.empty((0, 4))
    centres = np.vstack(found)
    return np.hstack([centres - 1.0, centres + 1.0])


def place_point_labels(
    ax: Any,
    labels: Sequence[tuple[str, tuple[float, float], str]],
    lines: Sequence[Sequence[tuple[float, float]]] = (),
) -> None:
    """Annotate each (text, data point, colour) inside the axes where its box overlaps no other
    label and no marker (every labelled point is one), and if it can, none of ``lines`` (the
    curves drawn, in data coordinates): the first such spot of :func:`_label_spots`, the farther
    ones with a leader line in the label's colour. The boxes are worked out from each text's size
    as the renderer measures it; only the chosen spot is drawn."""
    fig = ax.figure
    _freeze_limits(ax)
    renderer = fig.canvas.get_renderer()
    inside = ax.get_window_extent(renderer)
    scale = fig.dpi / 72  # points to pixels
    marker = 3.0 * scale + _PAD  # a marker's radius (6 pt wide) and air
    centres = [ax.transData.transform(point) for _, point, _ in labels]
    taken = [np.array([x - marker, y - marker, x + marker, y + marker]) for x, y in centres]
    crossing = _path_boxes(ax, lines, step=3.0)
    spots = np.asarray(_label_spots())
    aligned = [_alignment(dx, dy) for dx, dy in spots]
    left = np.array([{"left": 0.0, "right": 1.0, "center": 0.5}[ha] for ha, _ in aligned])
    below = np.array([{"bottom": 0.0, "top": 1.0, "center": 0.5}[va] for _, va in aligned])
    for (text, point, color), (px, py) in zip(labels, centres, strict=True):
        probe = ax.text(0, 0, text, fontsize=8)
        size = probe.get_window_extent(renderer)
        probe.remove()
        width, height = size.width + 2 * _PAD, size.height + 2 * _PAD
        x0 = px + spots[:, 0] * scale - _PAD - left * (width - 2 * _PAD)
        y0 = py + spots[:, 1] * scale - _PAD - below * (height - 2 * _PAD)
        boxes = np.column_stack([x0, y0, x0 + width, y0 + height])
        fits = (
            (boxes[:, 0] >= inside.x0)
            & (boxes[:, 2] <= inside.x1)
            & (boxes[:, 1] >= inside.y0)
            & (boxes[:, 3] <= inside.y1)
            & ~_overlaps_any(boxes, np.array(taken))
        )
        clear = fits & ~_overlaps_any(boxes, crossing)
        # off every line if it can be, else on a line but clear of labels and markers; nowhere
        # free at all (not met in the tests' dense grid): the nearest spot
        choice = int(np.argmax(clear)) if clear.any() else int(np.argmax(fits)) if fits.any() else 0
        dx, dy = (float(v) for v in spots[choice])
        ha, va = aligned[choice]
        leader = math.hypot(dx, dy) > _LEADER_FROM
        style = {
            "arrowstyle": "-",
            "color": color,
            "linewidth": 0.5,
            "alpha": 0.7,
            "shrinkA": 1,
            "shrinkB": 3,
        }
        ax.annotate(
            text,
            point,
            textcoords="offset points",
            xytext=(dx, dy),
            ha=ha,
            va=va,
            fontsize=8,
            color=color,
            annotation_clip=False,
            arrowprops=style if leader else None,
        )
        taken.append(boxes[choice])


def _merged_labels(
    ax: Any, curves: Sequence[tuple[list[tuple[int, tuple[float, float]]], str]]
) -> list[tuple[str, tuple[float, float], str]]:
    """One label per run of consecutive NEWS2 thresholds of a curve whose points are the same or
    closer on the plot than a marker's width to the run's first point: "6-9" (their digits would
    sit on top of each other; the table has the exact values)."""
    _freeze_limits(ax)
    near = 6.0 * ax.figure.dpi / 72
    labels: list[tuple[str, tuple[float, float], str]] = []
    for points, color in curves:
        runs: list[list[tuple[int, tuple[float, float]]]] = []
        for threshold, point in points:
            if runs:
                x0, y0 = ax.transData.transform(runs[-1][0][1])
                x1, y1 = ax.transData.transform(point)
                if ((x1 - x0) ** 2 + (y1 - y0) ** 2) ** 0.5 < near:
                    runs[-1].append((threshold, point))
                    continue
            runs.append([(threshold, point)])
        for run in runs:
            low, high = run[0][0], run[-1][0]
            labels.append((str(low) if low == high else f"{low}-{high}", run[0][1], color))
    return labels


def _risk_name(curve: pd.DataFrame) -> str:
    """What each curve's ``>= r`` is over, as the key says it: the curve's ``risk_column``
    (:func:`analytics.reports.simulate.labelled`; "risk >= 0.20" had not said which risk), ``risk
    (none pooled)`` when the replay had none, ``risk`` for a curve that does not say."""
    if "risk_column" not in curve:
        return "risk"
    named = curve["risk_column"].dropna()
    return str(named.iloc[0]) if len(named) else "risk (none pooled)"


def policy_figure(curve: pd.DataFrame, synthetic: bool | None) -> Figure:
    """Load shift in percentage points against sensitivity in %, each point labelled NEWS2>=n in
    its curve's colour where the label overlaps no other (:func:`place_point_labels`)."""
    fig, ax = plt.subplots(figsize=(7, 4.6))
    curves: list[tuple[list[tuple[int, tuple[float, float]]], str]] = []
    name = _risk_name(curve)
    for risk, rows in curve.sort_values("news2_threshold", kind="stable").groupby("risk_threshold"):
        (line,) = ax.plot(
            100 * rows["load_shift"], 100 * rows["sensitivity"], marker="o", label=f"{name} >= {risk:.2f}"
        )
        points = [
            (int(row["news2_threshold"]), (100 * float(row["load_shift"]), 100 * float(row["sensitivity"])))
            for row in rows.to_dict("records")
        ]
        # a suppressed value (NaN) is no point to label
        curves.append(([(n, (x, y)) for n, (x, y) in points if x == x and y == y], to_hex(line.get_color())))
    if not curve["sensitivity"].notna().any():
        # an empty frame said nothing: no referral confirmed justified, or every count under 5
        ax.text(
            0.5,
            0.5,
            "no sensitivity to plot: no completed referral confirmed as justified\n"
            "(or every count under 5, suppressed); see the table",
            transform=ax.transAxes,
            ha="center",
            va="center",
            fontsize=9,
        )
    ax.axvline(0, color="black", linewidth=0.6)
    ax.set_xlabel(
        "projected change in referrals (percentage points of all encounters; < 0 = more kept local)"
    )
    ax.set_ylabel("sensitivity for confirmed cases (%, an upper bound)")
    if not curve["sensitivity"].notna().any():
        # nothing drawn: ticks of -0.04 to 0.04 points and a key for three curves that are not
        # there had read as data
        ax.set_xticks([])
        ax.set_yticks([])
    else:
        # outside the axes: inside, the legend covered points and their labels
        ax.legend(
            fontsize=8,
            title="point labels:\nNEWS2 threshold",
            title_fontsize=8,
            loc="upper left",
            bbox_to_anchor=(1.01, 1.0),
        )
    place_point_labels(ax, _merged_labels(ax, curves), [[p for _, p in points] for points, _ in curves])
    _title(fig, "Policy trade-off: load shift vs sensitivity for confirmed cases", synthetic)
    return fig
