"""The referral network map colours hospitals by standardized in-degree in classes an analyst can
tell apart. A linear scale from 0 to 1 over a skewed measure (one hub at 0.686, every other
hospital at 0.171 on the generator's data; a region's referral hospitals are like that) gave
nearly every hospital the same pale colour: 0.02, 0.03 and 0.05 were three shades a few RGB steps
apart. Now each distinct value has its own class while there are at most seven, quantile classes
beyond, and the colour bar says which."""

from __future__ import annotations

from itertools import combinations

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from analytics.reports.colour_classes import MOST_CLASSES, colour_classes
from analytics.reports.render import network_figure


def _map(values: list[float]) -> tuple[dict[float, tuple[float, ...]], str]:
    """Each value's colour on the map (one per value: the same value, the same colour) and the
    colour bar's label."""
    ids = [f"H{k}" for k in range(len(values))]
    hospitals = pd.DataFrame(
        {
            "facility_id": ids,
            "lon": np.linspace(120.0, 121.0, len(ids)),
            "lat": np.linspace(29.0, 30.0, len(ids)),
            "standardized_in_degree": values,
        }
    )
    facilities = pd.concat(
        [
            hospitals[["facility_id", "lon", "lat"]].assign(tier="secondary"),
            pd.DataFrame({"facility_id": ["C0"], "lon": [120.5], "lat": [29.2], "tier": ["primary"]}),
        ]
    )
    edges = pd.DataFrame({"source": "C0", "target": ids})
    fig = network_figure(edges, hospitals, facilities, True)
    fig.canvas.draw()
    (points,) = [c for c in fig.axes[0].collections if c.get_label().startswith("hospital")]
    colours: dict[float, tuple[float, ...]] = {}
    for value, colour in zip(values, points.get_facecolors(), strict=True):
        assert colours.setdefault(value, tuple(colour)) == tuple(colour)
    label = fig.axes[1].get_ylabel()
    plt.close(fig)
    return colours, label


def test_distinct_values_of_a_skewed_measure_get_colours_told_apart() -> None:
    colours, label = _map([0.9, 0.02, 0.03, 0.05, 0.02, 0.03, 0.02])
    assert len(colours) == 4
    for a, b in combinations(colours.values(), 2):
        assert np.abs(np.subtract(a, b)[:3]).max() > 0.08, (a, b)  # a few RGB steps before
    ordered = [colours[v] for v in sorted(colours)]  # darker with the value (Reds: less green)
    assert [c[1] for c in ordered] == sorted((c[1] for c in ordered), reverse=True)
    assert label == "standardized in-degree centrality\n(one colour per value)"


def test_more_values_than_classes_fall_in_quantile_classes() -> None:
    values = [round(0.01 * 1.3**k, 4) for k in range(21)]  # 21 distinct, skewed values
    classes = colour_classes(values, "hospitals")
    assert len(classes.labels) == MOST_CLASSES
    assert classes.scale == "quantile classes, about 3 hospitals each"
    assert np.bincount(classes.index).tolist() == [3] * MOST_CLASSES
    assert list(classes.index) == sorted(classes.index)  # a higher value never in a lower class
    assert classes.labels[0] == "0.010-0.017" and classes.labels[-1].endswith(f"{max(values):.3f}")
    colours, label = _map(values)
    assert len(set(colours.values())) == MOST_CLASSES
    assert label.endswith("(quantile classes, about 3 hospitals each)")


@pytest.mark.parametrize(
    ("values", "index"),
    [
        ([0.686] + [0.171] * 11, [1] + [0] * 11),  # the generator's report
        ([1.0], [0]),  # a single hospital: one class
        ([0.5, float("nan"), 0.2], [1, -1, 0]),  # no value, no class
        # half the hospitals at one value take half the quantile classes' room: 5 classes
        ([0.1] * 8 + [0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9], [0] * 8 + [1, 1, 2, 2, 3, 3, 4, 4]),
    ],
)
def test_equal_values_share_a_class_and_distinct_ones_do_not_while_there_is_room(
    values: list[float], index: list[int]
) -> None:
    assert colour_classes(values, "hospitals").index.tolist() == index


def test_no_value_is_no_class_and_the_bar_says_so() -> None:
    classes = colour_classes([float("nan")], "hospitals")
    assert classes.index.tolist() == [-1] and classes.labels == ()
    assert classes.scale == "no hospitals with a value"
