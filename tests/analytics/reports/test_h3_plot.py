"""The H3 plot: effects in percentage points, the clinics it leaves out and why, no empty axis."""

from __future__ import annotations

import pandas as pd

from analytics.reports.render import h3_figure


def test_h3_plot_is_in_points_and_says_which_clinics_are_left_out() -> None:
    per_clinic = pd.DataFrame(
        {
            "clinic_id": ["C1", "C2"],
            "status": ["estimated", "never started"],
            "effect": [0.16, None],
            "ci_low": [0.12, None],
            "ci_high": [0.20, None],
        }
    )
    summary = pd.DataFrame({"method": ["pooled"], "effect": [0.15], "ci_low": [0.14], "ci_high": [0.16]})
    ax = h3_figure(per_clinic, summary, True).axes[0]
    assert "percentage points" in ax.get_xlabel()
    _, high = ax.get_xlim()
    assert high > 15  # 16 points, not 0.16
    assert ax.get_title() == "not shown: 1 clinic that never started digital triage (see the table)"


def test_h3_plot_names_each_reason_a_clinic_is_left_out() -> None:
    """A clinic that never started is not one 'without 3 months on each side of its start'."""
    per_clinic = pd.DataFrame(
        {
            "clinic_id": ["C1", "C2", "C3", "C4"],
            "status": [
                "estimated",
                "never started",
                "never started",
                "fewer than 3 months before or after the start",
            ],
            "effect": [0.16, None, None, None],
            "ci_low": [0.12, None, None, None],
            "ci_high": [0.20, None, None, None],
        }
    )
    summary = pd.DataFrame({"method": ["pooled"], "effect": [0.15], "ci_low": [0.14], "ci_high": [0.16]})
    assert h3_figure(per_clinic, summary, True).axes[0].get_title() == (
        "not shown: 1 clinic without 3 months on each side of its start"
        " and 2 clinics that never started digital triage (see the table)"
    )


def test_h3_plot_note_on_left_out_clinics_does_not_overlap_the_title() -> None:
    per_clinic = pd.DataFrame(
        {
            "clinic_id": ["C1", "C2", "C3"],
            "status": ["estimated", "estimated", "never started"],
            "effect": [0.16, 0.1, None],
            "ci_low": [0.12, 0.0, None],
            "ci_high": [0.20, 0.2, None],
        }
    )
    summary = pd.DataFrame(
        {"method": ["its", "did"], "effect": [0.15, 0.1], "ci_low": [0.1, 0.0], "ci_high": [0.2, 0.2]}
    )
    fig = h3_figure(per_clinic, summary, True)
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    fig.draw(renderer)
    title = fig._suptitle.get_window_extent(renderer)  # type: ignore[union-attr]
    note = fig.axes[0].title.get_window_extent(renderer)
    assert title.y0 >= note.y1  # the figure's title wholly above the note


def test_h3_plot_with_no_estimate_says_so_instead_of_an_empty_axis() -> None:
    """A pool of one clinic with one month (a demo export) has no H3 estimate: the plot drew an
    empty axis ticked 0.0 to 1.0 points."""
    per_clinic = pd.DataFrame(
        {
            "clinic_id": ["C1"],
            "status": ["fewer than 3 months before or after the start"],
            "effect": [None],
            "ci_low": [None],
            "ci_high": [None],
        }
    )
    summary = pd.DataFrame(columns=["method", "effect", "ci_low", "ci_high"])
    ax = h3_figure(per_clinic, summary, True).axes[0]
    assert list(ax.get_xticks()) == []
    assert [t.get_text() for t in ax.texts] == ["no H3 estimate to plot; see the table"]
