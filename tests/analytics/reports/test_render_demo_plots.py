"""The demo's plots: one clinic referring to one hospital, and a pool where some tiers of care
have no encounter. The network's colour bar ran 0.9 to 1.1 around the single hospital's 1.0 and
its circle was cut by the axes' edge; the tiers plot's key listed tiers with nothing drawn."""

from __future__ import annotations

import math

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from analytics.reports.render import network_figure, tiers_figure


def _demo_network(in_degree: list[float]) -> plt.Figure:
    hospitals = [f"ZJ-S0{k + 1}" for k in range(len(in_degree))]
    facilities = pd.DataFrame(
        {
            "facility_id": ["ZJ-C01", *hospitals],
            "lon": [119.6912] + [119.6858 + 0.01 * k for k in range(len(hospitals))],
            "lat": [29.7935] + [29.8003 - 0.004 * k for k in range(len(hospitals))],
            "tier": ["primary"] + ["secondary"] * len(hospitals),
        }
    )
    placed = facilities.iloc[1:].assign(standardized_in_degree=in_degree)
    edges = pd.DataFrame({"source": ["ZJ-C01"] * len(hospitals), "target": hospitals})
    return network_figure(edges, placed, facilities, True)


@pytest.mark.parametrize("in_degree", [[1.0], [1.0, 0.5], [0.25]])
def test_network_colour_bar_labels_each_class_with_its_value_and_no_hospital_circle_is_cut(
    in_degree: list[float],
) -> None:
    """Around a single hospital's 1.0 a linear bar had run 0.9 to 1.1; each colour class now says
    its value (test_network_colour_classes.py)."""
    fig = _demo_network(in_degree)
    ax, bar = fig.axes
    hospitals = ax.collections[-1]
    fig.canvas.draw()
    assert [t.get_text() for t in bar.get_yticklabels()] == [f"{v:.3f}" for v in sorted(in_degree)]
    box = ax.get_window_extent()
    centres = ax.transData.transform(hospitals.get_offsets())
    sizes = hospitals.get_sizes()
    for (x, y), size in zip(centres, sizes, strict=True):
        # the circle's radius in pixels (size is the marker's area in points squared) and its edge
        radius = (math.sqrt(size) / 2 + hospitals.get_linewidths()[0]) * fig.dpi / 72
        assert box.x0 <= x - radius and x + radius <= box.x1
        assert box.y0 <= y - radius and y + radius <= box.y1
    plt.close(fig)


@pytest.mark.parametrize("months", [["2026-11", "2026-12"], ["2026-12"]])
def test_tiers_key_lists_only_tiers_with_encounters(months: list[str]) -> None:
    tiers = ["primary", "secondary", "tertiary", "unknown"]
    tier_month = pd.DataFrame(
        {
            "region_code": "R1",
            "month": [m for m in months for _ in tiers],
            "tier": tiers * len(months),
            "encounters": [40, 12, 0, None] * len(months),
        }
    )
    fig = tiers_figure(tier_month, True)
    ax = fig.axes[0]
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["primary", "secondary"]
    plt.close(fig)
