"""The source line under a figure, as the saved PNG shows it: under the axes, never over them."""

from __future__ import annotations

import io

import matplotlib.pyplot as plt
import pandas as pd
import pytest

from analytics.plotnotes import add_footer_line, add_source_line
from analytics.reports.figures import h3_figure

SOURCE = (
    "Source: 200,000 encounters from 24 clinics, 2024-01 to 2025-12, pooled from 24"
    " clinic-triage-analytics/1 inputs by `triage report`"
)


def _h3() -> plt.Figure:
    """The H3 plot (constrained layout) of 20 clinics, as `triage report imbalance` draws it."""
    clinics = [f"SYN-C{i:04d}" for i in range(20)]
    per_clinic = pd.DataFrame(
        {"clinic_id": clinics, "status": "estimated", "effect": 0.16, "ci_low": 0.1, "ci_high": 0.22}
    )
    summary = pd.DataFrame(
        {"method": ["its", "did"], "effect": [0.16, 0.15], "ci_low": [0.15, 0.14], "ci_high": [0.17, 0.16]}
    )
    return h3_figure(per_clinic, summary, True)


@pytest.mark.parametrize("layout", ["constrained", "tight", None])
def test_the_saved_source_line_sits_under_the_axis_label(layout: str | None) -> None:
    """The H3 plot (constrained layout) placed its source line where the x label was before the
    layout ran at save time: in the PNG the line was written over the axis label."""
    if layout == "constrained":
        fig = _h3()
    else:
        fig, ax = plt.subplots(figsize=(7, 4), layout=layout)
        ax.plot([0, 1], [0, 1])
        ax.set_xlabel("change in local-resolution share (percentage points, 95% CI)")
    add_footer_line(fig, "SYNTHETIC: everything", color="#b00020", fontsize=8)
    add_source_line(fig, SOURCE)
    fig.savefig(io.BytesIO(), format="png", dpi=90, bbox_inches="tight")
    renderer = fig.canvas.get_renderer()  # type: ignore[attr-defined]
    stamp, source = (text.get_window_extent(renderer) for text in fig.texts[-2:])
    for ax in fig.axes:
        assert source.y1 <= stamp.y0 <= stamp.y1 <= ax.get_tightbbox(renderer).y0
    plt.close(fig)


@pytest.mark.parametrize(
    ("synthetic", "said"),
    [
        ([True, True], ", all SYNTHETIC (teaching/test data),"),
        (
            [True, False, None],
            ", 1 of them SYNTHETIC (teaching/test data) and 1 without a manifest (provenance unknown),",
        ),
        ([False, None], ", 1 without a manifest (provenance unknown),"),
        ([False, False], ""),
    ],
)
def test_the_reports_source_line_says_which_inputs_are_synthetic(
    synthetic: list[bool | None], said: str
) -> None:
    """The report's plots said [SYNTHETIC] in their title only; the source line, the part a
    reader quotes, said nothing of it. It now says which inputs are SYNTHETIC or of unknown origin."""
    from analytics.reports.report import provenance

    assert provenance(synthetic) == said
