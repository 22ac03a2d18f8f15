"""What an analyst reads on a report's page: key figures in %, points and CIs, tables in units, empty cells that say why."""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from analytics.reports.key_figures import h3_estimate, key_figures

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


def test_blank_counts_print_as_suppressed_on_the_page_not_as_na() -> None:
    """pandas' to_html printed a blank nullable count as '<NA>', ignoring na_rep."""
    from analytics.reports.render import _table

    page = _table(
        pd.DataFrame({"encounters": pd.array([12, None], dtype="Int64"), "local_share": [0.5, None]})
    )
    assert "&lt;NA&gt;" not in page and page.count("suppressed/-") == 2
    assert "<td>12</td>" in page


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
