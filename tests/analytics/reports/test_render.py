"""What an analyst reads in a report: key figures in %, points and CIs; plot axes with units."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.text import Text

from analytics.reports.key_figures import h3_estimate, key_figures
from analytics.reports.render import h3_figure, local_share_figure, policy_figure, tiers_figure
from triage.cli import main

Generated = tuple[Path, dict[str, Any]]


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    """The figures a test draws are closed after it (matplotlib warned of more than 20 open)."""
    yield
    plt.close("all")


SUMMARY = {
    "engine": "duckdb",
    "synthetic": True,
    "rows_read": 200000,
    "rows_pooled": 199990,
    "encounter_rows_rejected": 10,
    "facility_rows_rejected": 2,
    "facility_values_left_empty": 3,
    "files_rejected": 0,
    "clinics": 24,
    "regions": 4,
    "months": 24,
    "local_share": 0.57781,
    "referral_rate": 0.41208,
    "urgent_on_time_share": 0.9688178580734822,
    "justified_share": None,
    "risk_column": "risk_cvd10",
    "h3_its": {"effect": 0.1627, "ci_low": 0.1535, "ci_high": 0.1719, "se": 0.0047, "clinics": 20},
    "h3_did": None,
    "top_hospital": {"facility_id": "SYN-H11", "standardized_in_degree": 0.6857142857142857},
}


def test_key_figures_are_percentages_and_points_with_their_interval() -> None:
    rows = dict(key_figures(SUMMARY))
    assert rows["data"] == "SYNTHETIC"
    assert rows["encounters pooled"] == (
        "199,990 of 200,000 read (10 encounter rows rejected; facilities tables: 2 rows rejected,"
        " 3 values left empty; 0 files rejected)"
    )
    assert rows["urgent referrals arriving on time"] == "96.9%"
    # None: no completed referral to measure (pool totals are never suppressed); '-' said nothing
    assert rows["completed referrals confirmed justified"] == "n/a (no referral completed)"
    assert (
        rows["H3 interrupted time series"] == "local share +16.3 points (95% CI +15.3 to +17.2; 20 clinics)"
    )
    assert rows["H3 difference-in-differences"].startswith("not estimable (no clinic with months before")
    assert rows["most central receiving hospital"] == "SYN-H11 (standardized in-degree 0.686)"
    assert h3_estimate("h3_its", None).startswith("not estimable")


def test_report_page_shows_key_figures_not_raw_json(imbalance_run: tuple[int, Path, str, str]) -> None:
    code, out, printed, _ = imbalance_run  # -q or not, the same stdout and files
    assert code == 0
    page = (out / "report.html").read_text(encoding="utf-8")
    key = page[page.index("<h2>Key figures</h2>") : page.index("<h2>Rejected inputs</h2>")]
    assert "&quot;" not in key and "{" not in key  # the H3 estimates used to be JSON objects
    assert "urgent_on_time_share" not in key
    its_line = next(line for line in printed.splitlines() if line.startswith("H3 interrupted time series: "))
    assert its_line.removeprefix("H3 interrupted time series: ") in key  # the CLI and the page agree
    assert "points (95% CI" in key
    # the shares too, in the same words (the CLI said "urgent arrivals on time", "referrals
    # confirmed justified" where the page said "urgent referrals arriving on time", ...)
    rows = dict(key_figures(json.loads((out / "summary.json").read_text(encoding="utf-8"))))
    for label in (
        "resolved in primary care (local share)",
        "referral rate",
        "urgent referrals arriving on time",
        "completed referrals confirmed justified",
    ):
        assert f">{label}</th>" in key and f"{label} {rows[label]}" in printed


def test_report_page_tables_show_shares_in_percent_and_effects_in_points(
    imbalance_run: tuple[int, Path, str, str],
) -> None:
    """The page's tables printed shares as 0.498 under the key figures' 57.8%, and the H3 effects
    as 0.163 under '+16.3 points'; the CSV files keep the 0-1 values."""
    code, out, _, _ = imbalance_run
    assert code == 0
    # headers as read: a header may break after an underscore (<wbr>, invisible)
    page = (out / "report.html").read_text(encoding="utf-8").replace("_<wbr>", "_")
    region = pd.read_csv(out / "tables" / "region_month.csv").iloc[0]
    region_table = page[
        page.index("<h2>By region and month</h2>") : page.index("<h2>Encounters by tier</h2>")
    ]
    assert "<th>local_share (%)</th>" in region_table and "<th>local_share</th>" not in region_table
    assert f"<td>{100 * region['local_share']:.1f}</td>" in region_table
    h3 = pd.read_csv(out / "tables" / "h3_summary.csv").iloc[0]
    h3_table = page[page.index("<h2>H3: digital triage") : page.index("<h2>Counterfactual policy")]
    assert "<th>effect (points)</th>" in h3_table and "<th>se (points)</th>" in h3_table
    assert f"<td>{100 * h3['effect']:.1f}</td>" in h3_table and f"<td>{100 * h3['se']:.2f}</td>" in h3_table
    policy_table = page[page.index("<h2>Counterfactual policy") : page.index("<h2>Sources</h2>")]
    assert "<th>sensitivity (%)</th>" in policy_table and "<th>load_shift (points)</th>" in policy_table
    assert 0 < region["local_share"] < 1  # the files are unchanged


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


def test_blank_counts_print_as_suppressed_on_the_page_not_as_na() -> None:
    """pandas' to_html printed a blank nullable count as '<NA>', ignoring na_rep."""
    from analytics.reports.render import _table

    page = _table(
        pd.DataFrame({"encounters": pd.array([12, None], dtype="Int64"), "local_share": [0.5, None]})
    )
    assert "&lt;NA&gt;" not in page and page.count("suppressed/-") == 2
    assert "<td>12</td>" in page


def test_every_plot_says_its_source_under_everything_it_draws(
    generated: Generated, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The plots had titles and units but no source: a PNG passed on alone (plots/*.png) did not
    say which encounters, clinics and months it was drawn from. Each now says it in a line under
    the axes and their tick labels (also atop the page), from the same pool as the key figures."""
    from analytics.reports import render

    drawn: dict[str, tuple[str, bool]] = {}
    real_png = render._png

    def spy(fig: Any, source: str) -> bytes:
        from matplotlib.backends.backend_agg import FigureCanvasAgg

        data = real_png(fig, source)
        renderer = FigureCanvasAgg(fig).get_renderer()  # the closed figure's canvas draws nothing
        footer = fig.texts[-1]
        box = footer.get_window_extent(renderer)
        below = all(box.y1 <= ax.get_tightbbox(renderer).y0 for ax in fig.axes)
        drawn[fig._suptitle.get_text()] = (footer.get_text().replace("\n", " "), below)  # wrapped
        return data

    monkeypatch.setattr(render, "_png", spy)
    out = tmp_path / "report"
    assert main(["report", "imbalance", "-i", str(generated[0]), "-o", str(out), "-q"]) == 0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    months = pd.read_csv(out / "tables" / "region_month.csv")["month"]
    sources = pd.read_csv(out / "tables" / "sources.csv")
    expected = (
        f"Source: {summary['rows_pooled']:,} encounters from {summary['clinics']} clinics,"
        f" {months.min()} to {months.max()}, pooled from {len(sources)} clinic-triage-analytics/1"
        " inputs, all SYNTHETIC (teaching/test data), by `triage report`"
    )  # a PNG passed on alone must say its data are SYNTHETIC, not only its title's tag
    assert len(drawn) == len(list((out / "plots").glob("*.png"))) == 6
    assert set(drawn.values()) == {(expected, True)}, drawn
    assert f"<p>{expected}. Engine: duckdb." in (out / "report.html").read_text(encoding="utf-8")
    drawn.clear()
    assert main(["report", "simulate", "-i", str(generated[0]), "-o", str(tmp_path / "sim"), "-q"]) == 0
    assert list(drawn.values()) == [(expected, True)]


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


def test_a_clinic_without_an_h3_estimate_reads_why_not_suppressed() -> None:
    """The per-clinic H3 table showed "suppressed/-" in every cell of a clinic that never started
    digital triage: small-cell suppression, it said, where there is nothing to estimate. Those
    cells now say the clinic's status; a truly suppressed cell of an estimated clinic keeps it."""
    from analytics.reports.render import _not_estimated, _table

    per_clinic = pd.DataFrame(
        {
            "clinic_id": ["A", "B", "C"],
            "start_month": [None, "2024-05", "2024-11"],
            "status": ["never started", "fewer than 3 months before or after the start", "estimated"],
            "share_before": [None, None, 0.5],
            "effect": [None, None, float("nan")],
            "months_before": pd.array([None, 2, 10], dtype="Int64"),
        }
    )
    page = _table(per_clinic, empty_because=_not_estimated(per_clinic))
    rows = page.split("<tr>")[1:]  # the header row is <tr style=...>
    assert rows[0].count("n/a (never started)") == 4 and "suppressed/-" not in rows[0]
    assert rows[1].count("n/a (fewer than 3 months before or after the start)") == 2
    assert "<td>2</td>" in rows[1] and "<td>2024-05</td>" in rows[1]
    assert "n/a" not in rows[2] and rows[2].count("suppressed/-") == 1 and "<td>50.0</td>" in rows[2]


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
    assert labels == ["primary", "secondary", "tertiary", "tier suppressed (small cells)"]
    band = ax.collections[3]
    assert band.get_hatch() == "///"
    top = band.get_paths()[0].vertices[:, 1].max()
    assert top == 134  # the month's published total, 33 published + 101 hidden


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


def test_a_wide_table_scrolls_in_its_own_box_and_its_headers_can_break() -> None:
    """region_month's 24 columns ran 1,500 pixels past the report page's right edge in Chromium (the
    page itself scrolled sideways, under the plots); each table now sits in a box that scrolls,
    and a header may break after an underscore (urgent_<wbr>referrals)."""
    from analytics.reports.render import CSS, _table

    frame = pd.DataFrame({"urgent_referrals": [10], "region_code": ["R1"]})
    page = _table(frame)
    assert page.startswith('<div class="table">') and page.endswith("</div>")
    assert "<th>urgent_<wbr>referrals</th>" in page and "<td>R1</td>" in page
    assert ".table{overflow-x:auto" in CSS


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


def test_a_gap_in_a_month_line_says_why_in_the_legend() -> None:
    """A share blanked by the small-cell suppression was a gap in its line with nothing saying so:
    it read as missing data (the generated set's local share, 2024-03 and 2025-01)."""
    months = ["2024-01", "2024-02", "2024-03", "2024-05"]
    region_month = pd.DataFrame({"region_code": "R1", "month": months, "local_share": [0.5, None, 0.6, 0.7]})
    legend = local_share_figure(region_month, True).axes[0].get_legend()
    texts = [t.get_text() for t in legend.get_texts()]
    assert texts == ["R1", "gaps: suppressed (small cells) or months without data"]
    whole = pd.DataFrame({"region_code": "R1", "month": months[:3], "local_share": [0.5, 0.55, 0.6]})
    assert [t.get_text() for t in local_share_figure(whole, True).axes[0].get_legend().get_texts()] == ["R1"]
    plt.close("all")
