"""The referral network map read as a map: longitude and latitude ticks in plain degrees."""

from __future__ import annotations

from itertools import pairwise

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from analytics.reports.render import network_figure


@pytest.mark.parametrize("spread", [0.005, 0.5, 3.0])
def test_network_map_ticks_are_plain_degrees_that_do_not_run_together(spread: float) -> None:
    """On the demo's log (a clinic 700 m from its hospital) the longitude axis read
    "0.086 ... 0.091" over a "+1.196e2" offset: degrees no reader could use. Each tick now
    prints its whole degree value and the labels stay apart."""
    facilities = pd.DataFrame(
        {
            "facility_id": ["ZJ-C01", "ZJ-S01"],
            "lon": [119.6912, 119.6912 - spread],
            "lat": [29.7935, 29.7935 + spread],
            "tier": ["primary", "secondary"],
        }
    )
    hospitals = pd.DataFrame(
        {
            "facility_id": ["ZJ-S01"],
            "lon": [119.6912 - spread],
            "lat": [29.7935 + spread],
            "standardized_in_degree": [1.0],
        }
    )
    edges = pd.DataFrame({"source": ["ZJ-C01"], "target": ["ZJ-S01"]})
    fig = network_figure(edges, hospitals, facilities, True)
    fig.canvas.draw()
    ax = fig.axes[0]
    for axis, ticks, low_high, low_value in (
        (ax.xaxis, ax.get_xticklabels(), ax.get_xlim(), 100),
        (ax.yaxis, ax.get_yticklabels(), ax.get_ylim(), 20),
    ):
        assert axis.get_offset_text().get_text() == ""
        shown = [t for t in ticks if low_high[0] <= t.get_position()[axis is ax.yaxis] <= low_high[1]]
        assert shown and all(float(t.get_text().replace("\u2212", "-")) > low_value for t in shown)
    boxes = [t.get_window_extent() for t in ax.get_xticklabels() if t.get_text()]
    assert all(b.x0 - a.x1 >= 5 for a, b in pairwise(boxes))
    plt.close(fig)
