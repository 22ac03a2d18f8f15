"""The plots over months: axes with units, calendar ticks in time order, gaps and suppressed cells shown as such."""

from __future__ import annotations

from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from analytics.reports.render import local_share_figure, tiers_figure


def test_plot_axes_state_units() -> None:
    months = ["2024-01", "2024-02"]
    region_month = pd.DataFrame({"region_code": ["R1", "R1"], "month": months, "local_share": [0.5, 0.6]})
    ax = local_share_figure(region_month, True).axes[0]
    assert ax.get_xlabel() == "month" and "%" in ax.get_ylabel()
    assert ax.yaxis.get_major_formatter()(0.5, 0) in ("50%", "50.0%")
    tier_month = pd.DataFrame(
        {"month": months * 2, "tier": ["primary"] * 2 + ["tertiary"] * 2, "encounters": [5, 6, 7, 8]}
    )
    tiers = tiers_figure(tier_month, True).axes[0]
    assert tiers.get_xlabel() == "month" and tiers.get_ylabel() == "encounters per month"
    legend = tiers.get_legend()
    assert legend is not None and legend.get_bbox_to_anchor().x0 > tiers.get_window_extent().x1 - 1  # outside


def _month_labels(ax: Any) -> list[str]:
    ax.figure.canvas.draw()
    return [t.get_text() for t in ax.get_xticklabels() if t.get_text()]


@pytest.mark.parametrize(
    ("months", "labels"),
    [
        (24, ["2024-01", "2024-04", "2024-07", "2024-10", "2025-01", "2025-04", "2025-07", "2025-10"]),
        (9, [f"2024-{m:02d}" for m in range(1, 10)]),
        (120, [str(year) for year in range(2024, 2034)]),
    ],
)
def test_month_plots_tick_calendar_quarters_or_years_in_time_order(months: int, labels: list[str]) -> None:
    """The tiers plot ticked every fifth month (2024-01, 2024-06, 2024-11: months as categories);
    the other month plots printed every month sideways, unreadable over 10 years. Every month axis
    now ticks months, quarters or years by the span, and a region that starts later is drawn after
    the earlier months, not before them as the categories' order of first appearance had it."""
    all_months = [str(p) for p in pd.period_range("2024-01", periods=months, freq="M")]
    late = all_months[2:]
    region_month = pd.DataFrame(
        {
            "region_code": ["LATE"] * len(late) + ["EARLY"] * months,  # the late starter comes first
            "month": late + all_months,
            "local_share": 0.5,
        }
    )
    tier_month = pd.DataFrame({"month": all_months, "tier": "primary", "encounters": 10})
    load = pd.DataFrame({"month": all_months, "tier": "primary", "load_vs_capacity": 0.1})
    from analytics.reports.render import plot_load

    axes = [local_share_figure(region_month, True).axes[0], tiers_figure(tier_month, True).axes[0]]
    for ax in axes:
        assert _month_labels(ax) == labels
    early = next(line for line in axes[0].get_lines() if line.get_label() == "EARLY")
    late_line = next(line for line in axes[0].get_lines() if line.get_label() == "LATE")
    first = [line.get_xdata()[~np.isnan(line.get_ydata())][0] for line in (early, late_line)]
    assert first[0] < first[1]  # 2024-01 before 2024-03
    assert plot_load(load, True, source="Source: test").startswith(b"\x89PNG")


def test_month_plots_break_at_months_without_data() -> None:
    """A month with no pooled data (a clinic exported in 2026-12 pooled with exports ending 2025-12)
    is a gap in the lines and 0 in the stacked tiers; straight segments had run across it."""
    months = ["2024-01", "2024-02", "2024-05"]
    region_month = pd.DataFrame({"region_code": "R1", "month": months, "local_share": [0.5, 0.6, 0.7]})
    line = local_share_figure(region_month, True).axes[0].get_lines()[0]
    assert np.isnan(line.get_ydata()).tolist() == [False, False, True, True, False]
    load = pd.DataFrame({"month": months, "tier": "primary", "load_vs_capacity": [0.1, 0.2, 0.3]})
    from analytics.reports.render import load_figure

    line = load_figure(load, True).axes[0].get_lines()[0]
    assert np.isnan(line.get_ydata()).tolist() == [False, False, True, True, False]
    tier_month = pd.DataFrame({"month": months, "tier": "primary", "encounters": [10, 20, 30]})
    area = tiers_figure(tier_month, True).axes[0].collections[0]
    tops = sorted({round(float(y), 6) for x, y in area.get_paths()[0].vertices})
    assert tops == [0.0, 10.0, 20.0, 30.0]  # the empty months at 0, not between 20 and 30


def test_tiers_plot_stacks_suppressed_cells_as_their_own_band_not_as_zero() -> None:
    """A tier cell blanked by the small-cell suppression hid 101 encounters of a month of 134: drawn as
    0, the month read 33. The hidden encounters are stacked as a hatched band, so each month's stack is
    its published total."""
    tier_month = pd.DataFrame(
        {
            "region_code": "R1",
            "month": ["2024-01"] * 3 + ["2024-02"] * 3,
            "tier": ["primary", "secondary", "tertiary"] * 2,
            "encounters": [None, 33, None, 56, 38, 17],
            "region_month_total": [134] * 3 + [111] * 3,
        }
    )
    ax = tiers_figure(tier_month, True).axes[0]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    # the band's key says how many tier counts it stands for and why they are blank
    assert labels == [
        "primary",
        "secondary",
        "tertiary",
        "tier suppressed (small cells):\n2 tier counts blank -\ncounts from 1 to 4 and cells\n"
        "that would give one back by subtraction",
    ]
    band = ax.collections[3]
    assert band.get_hatch() == "///"
    top = band.get_paths()[0].vertices[:, 1].max()
    assert top == 134  # the month's published total, 33 published + 101 hidden


def test_tiers_plot_of_a_single_month_draws_its_encounters() -> None:
    """A pool of one month (a demo clinic's export) drew an empty plot: a stacked area over one point
    has no width. One month is drawn as stacked bars, whose top is the month's published total."""
    tier_month = pd.DataFrame(
        {
            "region_code": "R1",
            "month": ["2026-12"] * 3,
            "tier": ["primary", "secondary", "unknown"],
            "encounters": [23, None, None],
            "region_month_total": [39] * 3,
        }
    )
    ax = tiers_figure(tier_month, True).axes[0]
    heights = [patch.get_height() for patch in ax.patches]
    assert heights == [23, 16] and max(p.get_y() + p.get_height() for p in ax.patches) == 39
    assert ax.patches[-1].get_hatch() == "///"


def test_a_gap_in_a_month_line_says_why_in_the_legend() -> None:
    """A share blanked by the small-cell suppression was a gap in its line with nothing saying so:
    it read as missing data (the generated set's local share, 2024-03 and 2025-01)."""
    months = ["2024-01", "2024-02", "2024-03", "2024-05"]
    region_month = pd.DataFrame({"region_code": "R1", "month": months, "local_share": [0.5, None, 0.6, 0.7]})
    legend = local_share_figure(region_month, True).axes[0].get_legend()
    texts = [t.get_text() for t in legend.get_texts()]
    assert texts == ["R1", "gaps: 1 point suppressed (small cells) or months without data"]
    whole = pd.DataFrame({"region_code": "R1", "month": months[:3], "local_share": [0.5, 0.55, 0.6]})
    assert [t.get_text() for t in local_share_figure(whole, True).axes[0].get_legend().get_texts()] == ["R1"]
    plt.close("all")
