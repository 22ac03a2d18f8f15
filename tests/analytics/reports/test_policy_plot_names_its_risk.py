"""The policy plot's key names the risk each curve's threshold is over: it said "risk >= 0.20",
which risk left to a note under the axes, so a plot cropped or passed on without it did not say."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from analytics.reports.policy_figure import policy_figure
from analytics.reports.simulate import Thresholds, labelled, replay

HISTOGRAM = pd.DataFrame(
    {
        "news2": [1, 3, 6, 8, 2],
        "risk_pct": [5, 25, 10, 40, 18],
        "red_flag": [0, 0, 0, 1, 0],
        "referred": [0, 1, 1, 1, 0],
        "confirmed": [0, 1, 0, 1, 0],
        "encounters": [40, 30, 20, 10, 50],
    }
)
GRID = [Thresholds(n, r) for r in (0.15, 0.30) for n in (3, 5, 7)]


@pytest.mark.parametrize(
    ("risk_column", "keyed"),
    [
        ("risk_cvd10", ["risk_cvd10 >= 0.15", "risk_cvd10 >= 0.30"]),
        (None, ["risk (none pooled) >= 0.15", "risk (none pooled) >= 0.30"]),
    ],
)
def test_the_key_names_the_risk_column_the_curves_are_over(risk_column: str | None, keyed: list[str]) -> None:
    fig = policy_figure(labelled(replay(HISTOGRAM, GRID), risk_column), True)
    try:
        legend = fig.axes[0].get_legend()
        assert legend is not None and [t.get_text() for t in legend.get_texts()] == keyed
    finally:
        plt.close(fig)
