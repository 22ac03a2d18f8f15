"""The referral network plot: its key and the referring clinics drawn over the hospitals."""

from __future__ import annotations

import pandas as pd


def test_network_key_draws_one_marker_size() -> None:
    """The network plot's key drew its hospital marker as large as the most central hospital,
    covering the clinic entry's label; both keys now have one small marker."""
    from matplotlib.collections import PathCollection

    from analytics.reports.render import network_figure

    facilities = pd.DataFrame(
        {
            "facility_id": ["C1", "C2", "H1", "H2"],
            "lon": [120.0, 120.5, 121.0, 121.5],
            "lat": [30.0, 30.5, 30.0, 30.5],
            "tier": ["primary", "primary", "secondary", "tertiary"],
        }
    )
    hospitals = pd.DataFrame(
        {
            "facility_id": ["H1", "H2"],
            "lon": [121.0, 121.5],
            "lat": [30.0, 30.5],
            "standardized_in_degree": [1.0, 0.2],
        }
    )
    edges = pd.DataFrame({"source": ["C1", "C2", "C1"], "target": ["H1", "H1", "H2"]})
    fig = network_figure(edges, hospitals, facilities, True)
    legend = fig.axes[0].get_legend()
    sizes = [list(h.get_sizes()) for h in legend.legend_handles if isinstance(h, PathCollection)]
    assert sizes == [[30.0], [30.0]]


def test_network_draws_the_referring_clinics_over_the_hospitals() -> None:
    """The demo's clinic ZJ-C01 lies 700 m from its hospital ZJ-S01 and was drawn under the
    hospital's circle, while four directory clinics that were never pooled showed as clinics."""
    from analytics.reports.render import network_figure

    facilities = pd.DataFrame(
        {
            "facility_id": ["C1", "C2", "H1"],
            "lon": [119.6912, 119.0, 119.6858],
            "lat": [29.7935, 29.5, 29.8003],
            "tier": ["primary", "primary", "secondary"],
        }
    )
    hospitals = pd.DataFrame(
        {"facility_id": ["H1"], "lon": [119.6858], "lat": [29.8003], "standardized_in_degree": [0.5]}
    )
    edges = pd.DataFrame({"source": ["C1"], "target": ["H1"]})
    ax = network_figure(edges, hospitals, facilities, True).axes[0]
    clinics, hospital = ax.collections[-2:]
    assert clinics.get_label() == "referring clinic" and clinics.get_offsets().tolist() == [
        [119.6912, 29.7935]
    ]
    assert clinics.get_zorder() > hospital.get_zorder()

    fig = ax.figure
    fig.canvas.draw()
    key = ax.get_legend().get_window_extent()
    assert key.y1 < ax.get_window_extent().y0  # the key under the axes, covering no clinic
