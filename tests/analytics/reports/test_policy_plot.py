"""The policy trade-off plot: point labels merged and legible, titled as its axes, empty axes that say why."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from matplotlib.text import Text

from analytics.reports.render import policy_figure
from triage.cli import main

Generated = tuple[Path, dict[str, Any]]


def test_policy_plot_merges_labels_of_thresholds_that_give_the_same_point() -> None:
    curve = pd.DataFrame(
        {
            "risk_threshold": [0.2] * 4,
            "news2_threshold": [3, 4, 5, 6],
            "load_shift": [-0.10, -0.20, -0.20, -0.20],
            "sensitivity": [0.9, 0.7, 0.7, 0.7],
        }
    )
    ax = policy_figure(curve, True).axes[0]
    assert sorted(t.get_text() for t in ax.texts) == ["3", "4-6"]
    assert "percentage points" in ax.get_xlabel() and "upper bound" in ax.get_ylabel()


#: `triage report simulate` on the default demo set (`triage report generate`, 24 clinics,
#: 200,000 rows, seed 7): load shift and sensitivity for NEWS2 2-9, per risk threshold.
DEMO_CURVE = {
    0.15: (
        [0.0451, -0.0968, -0.1562, -0.1699, -0.1717, -0.1718, -0.1718, -0.1718],
        [0.9177, 0.8617, 0.7133, 0.6683, 0.6631, 0.6625, 0.6625, 0.6625],
    ),
    0.20: (
        [0.0260, -0.1441, -0.2309, -0.2570, -0.2609, -0.2611, -0.2611, -0.2611],
        [0.9097, 0.8381, 0.6053, 0.5226, 0.5085, 0.5070, 0.5070, 0.5070],
    ),
    0.30: (
        [0.0180, -0.1749, -0.2910, -0.3369, -0.3477, -0.3485, -0.3486, -0.3486],
        [0.8900, 0.7552, 0.4266, 0.2737, 0.2351, 0.2294, 0.2290, 0.2289],
    ),
}


def _curve(points: dict[float, tuple[list[float], list[float]]], news2: list[int]) -> pd.DataFrame:
    return pd.DataFrame(
        [
            {"risk_threshold": risk, "news2_threshold": n, "load_shift": shift, "sensitivity": sens}
            for risk, (shifts, sensitivities) in points.items()
            for n, shift, sens in zip(news2, shifts, sensitivities, strict=True)
        ]
    )


def _assert_labels_legible(curve: pd.DataFrame) -> None:
    """Every point label's box, as matplotlib's renderer lays it out, overlaps no other label
    and no marker, and lies inside the axes."""
    fig = policy_figure(curve, True)
    ax = fig.axes[0]
    fig.canvas.draw()
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    boxes = [Text.get_window_extent(t, renderer) for t in ax.texts]  # the text, not its leader line
    labelled = curve.dropna(subset=["load_shift", "sensitivity"])
    assert len(boxes) >= labelled.groupby("risk_threshold").size().min()  # merged labels: fewer
    for i, box in enumerate(boxes):
        for other in boxes[i + 1 :]:
            assert not box.overlaps(other), (ax.texts[i].get_text(), box, other)
    frame = ax.get_window_extent(renderer)
    assert all(frame.x0 <= b.x0 and b.x1 <= frame.x1 and frame.y0 <= b.y0 and b.y1 <= frame.y1 for b in boxes)
    for x, y in ax.transData.transform(100 * labelled[["load_shift", "sensitivity"]].to_numpy()):
        assert not any(b.contains(x, y) for b in boxes), "a label covers a point"


def test_policy_plot_labels_do_not_overlap_on_the_demo_data() -> None:
    """Before, "5" sat on "6-9" and "8-9" on "6" (each label 4 pt right of its point, 10 below)."""
    _assert_labels_legible(_curve(DEMO_CURVE, list(range(2, 10))))


def test_policy_plot_labels_do_not_overlap_on_the_generated_pool(
    generated: Generated, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["report", "simulate", "-i", str(generated[0]), "-o", str(tmp_path), "-q"]) == 0
    capsys.readouterr()
    _assert_labels_legible(pd.read_parquet(tmp_path / "tables" / "policy_curve.parquet"))


def test_policy_plot_labels_do_not_overlap_in_a_dense_grid() -> None:
    """Five risk thresholds x NEWS2 0-12, the points of NEWS2 1-12 a fraction of a point apart and
    squeezed into a corner by NEWS2 0 (which refers almost everyone)."""
    rng = np.random.default_rng(3)
    dense = {}
    for k, risk in enumerate((0.10, 0.15, 0.20, 0.25, 0.30)):
        shift = -0.002 * np.arange(13) - 0.01 * k + rng.normal(0, 0.0005, 13)
        sensitivity = 0.9 - 0.004 * np.arange(13) - 0.005 * k + rng.normal(0, 0.0005, 13)
        shift[0], sensitivity[0] = 0.25 - 0.02 * k, 1.0 - 0.01 * k
        dense[risk] = (list(shift), list(sensitivity))
    _assert_labels_legible(_curve(dense, list(range(13))))


def test_policy_plot_with_no_sensitivity_says_why_it_is_empty() -> None:
    """A pool with no completed referral confirmed as justified drew empty axes, unexplained."""
    curve = pd.DataFrame(
        {
            "news2_threshold": [3, 5],
            "risk_threshold": [0.2, 0.2],
            "load_shift": [0.1, -0.1],
            "sensitivity": [float("nan"), float("nan")],
        }
    )
    ax = policy_figure(curve, True).axes[0]
    assert any("no sensitivity to plot" in t.get_text() for t in ax.texts)
    # and no ticks (-0.04 to 0.04) nor a key for curves that are not drawn, which read as data
    assert list(ax.get_xticks()) == [] and list(ax.get_yticks()) == [] and ax.get_legend() is None
    full = curve.assign(sensitivity=[0.9, 0.6])
    drawn = policy_figure(full, True).axes[0]
    assert not any("no sensitivity" in t.get_text() for t in drawn.texts)
    assert drawn.get_legend() is not None and len(drawn.get_yticks()) > 0


def test_policy_plot_is_titled_as_its_axes_are() -> None:
    """The title said 'load shift vs missed confirmed cases' over a y axis of the sensitivity (the
    confirmed cases still referred): higher read as more missed, the opposite of what is drawn."""
    curve = pd.DataFrame(
        {
            "news2_threshold": [3, 5],
            "risk_threshold": [0.2, 0.2],
            "load_shift": [0.1, -0.1],
            "sensitivity": [0.9, 0.6],
        }
    )
    fig = policy_figure(curve, True)
    assert (
        fig.get_suptitle() == "Policy trade-off: load shift vs sensitivity for confirmed cases  [SYNTHETIC]"
    )
    assert fig.axes[0].get_ylabel().startswith("sensitivity for confirmed cases")
