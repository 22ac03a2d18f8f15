"""Calibration as text: the observed rate's Wilson 95% interval and a one-line plot per group of
predicted risk, for ``CARD.md`` (:mod:`models.card_markdown`) and ``triage models evaluate``.

Pure Python (no numpy, no training library): the serving CLI renders CARD.md with it.
"""

from __future__ import annotations

import math
from collections.abc import Iterable

PLOT_WIDTH = 41
#: The plot's right end: the first of these at or above every interval's top and mean predicted.
SCALES = (0.05, 0.1, 0.2, 0.5, 1.0)
LEGEND = "p mean predicted, o observed, - its Wilson 95% CI, * p and o together"
_Z95 = 1.959963984540054


def wilson_ci95(events: int, n: int) -> tuple[float, float]:
    """Wilson score 95% interval of an observed proportion (stays inside 0-1 with few events)."""
    if n == 0:
        return 0.0, 1.0
    z = _Z95
    rate = events / n
    centre = (rate + z * z / (2 * n)) / (1 + z * z / n)
    half = z * math.sqrt(rate * (1 - rate) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return max(0.0, float(centre - half)), min(1.0, float(centre + half))


def plot_top(highs: Iterable[float]) -> float:
    """The plot's scale: the first of :data:`SCALES` at or above every value in ``highs``."""
    highest = max(highs)
    return next(s for s in SCALES if s >= highest)


def plot_axis(top: float) -> str:
    """``0%`` over the plot's left ``|`` and the scale's top over its right one."""
    return "0%".ljust(PLOT_WIDTH + 2 - len(f"{top:.0%}")) + f"{top:.0%}"


def plot_row(mean_predicted: float, observed_rate: float, observed_ci95: Iterable[float], top: float) -> str:
    """``|`` scale ``|``: ``-`` the observed rate's 95% CI, ``o`` observed, ``p`` mean predicted, ``*`` both."""

    def at(v: float) -> int:
        return min(PLOT_WIDTH - 1, round(v / top * (PLOT_WIDTH - 1)))

    cells = [" "] * PLOT_WIDTH
    low, high = observed_ci95
    for i in range(at(low), at(high) + 1):
        cells[i] = "-"
    observed, predicted = at(observed_rate), at(mean_predicted)
    cells[observed] = "o"
    cells[predicted] = "*" if predicted == observed else "p"
    return "|" + "".join(cells) + "|"
