"""Every cell the small-cell suppression blanks is counted where the other tables count theirs:
`tier_load`'s ratios blanked with their patients count; `h3_its_by_clinic`, fitted on the
clinic-months as published, blanks nothing (its `share_before`, taken over every month before the
start, gave a blank `clinic_month` count back)."""

from __future__ import annotations

import html
import json
import re
from pathlib import Path

import pandas as pd

from analytics.reports import indicators
from analytics.reports.generate import GeneratorSpec, generate
from analytics.reports.impact import its_per_clinic
from analytics.reports.schema import EXACT_COUNTS
from triage.cli import main

RATIOS = ("patients_per_day", "load_vs_capacity", "patients_per_100_beds")


def _load(arrivals: int, small_cell: int = 5) -> pd.DataFrame:
    clinic_month = pd.DataFrame(
        {"clinic_id": ["C1"], "region_code": ["R"], "month": ["2024-01"], "encounters": [40]}
    )
    hospital_month = pd.DataFrame({"month": ["2024-01"], "facility_id": ["H1"], "arrivals": [arrivals]})
    facilities = pd.DataFrame(
        {
            "facility_id": ["C1", "H1"],
            "tier": ["primary", "secondary"],
            "capacity": [50, 300],
            "beds": [4, 200],
        }
    )
    return indicators.tier_load(clinic_month, hospital_month, facilities, small_cell=small_cell)


def test_tier_load_counts_the_ratios_blanked_with_a_small_arrivals_count() -> None:
    """3 arrivals: the count and the three ratios built from it are blank - 4 cells, as
    region_month counts a blank count and its rates; it counted 1."""
    row = _load(3).set_index("tier").loc["secondary"]
    assert pd.isna(row["patients"]) and all(pd.isna(row[c]) for c in RATIOS)
    assert row["suppressed_cells"] == 4
    shown = _load(3, EXACT_COUNTS).set_index("tier").loc["secondary"]
    assert shown["patients"] == 3 and shown["suppressed_cells"] == 0
    assert all(pd.notna(shown[c]) for c in RATIOS)


def test_the_primary_rows_per_bed_figure_is_not_counted_as_suppressed() -> None:
    """The primary row has no per-bed figure by design (n/a, not a withheld cell)."""
    primary = _load(30).set_index("tier").loc["primary"]
    assert pd.isna(primary["patients_per_100_beds"]) and primary["suppressed_cells"] == 0


def _clinic_months(local_first: int) -> pd.DataFrame:
    """One clinic, 8 months, digital triage from its 5th: the first month keeps ``local_first``."""
    months = [f"2024-{m:02d}" for m in range(1, 9)]
    local = [local_first, 9, 11, 10, 16, 15, 17, 16]
    return pd.DataFrame(
        {
            "clinic_id": "C1",
            "region_code": "R",
            "month": months,
            "encounters": [20] * 8,
            "local_care": local,
            "digital": [0, 0, 0, 0, 20, 20, 20, 20],
        }
    )


def test_share_before_is_taken_over_the_published_months_and_gives_no_blank_back() -> None:
    """The first month's 3 kept local is blank in clinic_month; taken over every month before the
    start, share_before x the months' encounters less their published local_care gave it back (3).
    It is now taken over the months as published, as the clinic's estimates are fitted."""
    counts = _clinic_months(3)
    starts = {"C1": 2024 * 12 + 4}
    every_month = its_per_clinic(counts, starts)["share_before"].iloc[0]
    published = indicators.clinic_month(counts)
    assert published["local_care"].isna().tolist() == [True] + [False] * 7
    assert round(every_month * 80 - published["local_care"].iloc[1:4].sum()) == 3  # what it gave away
    row = indicators.h3_by_clinic(its_per_clinic(published, starts)).iloc[0]
    assert row["share_before"] == (9 + 11 + 10) / 60 and row["months_left_out"] == 1
    assert row["suppressed_cells"] == 0 and row["months_before"] == 3 and pd.notna(row["effect"])
    exact = indicators.h3_by_clinic(
        its_per_clinic(indicators.clinic_month(counts, small_cell=EXACT_COUNTS), starts)
    )
    assert exact["share_before"].iloc[0] == every_month and exact["months_left_out"].iloc[0] == 0


def test_share_before_is_kept_when_every_count_before_the_start_is_published() -> None:
    counts = _clinic_months(8)
    per_clinic = its_per_clinic(indicators.clinic_month(counts), {"C1": 2024 * 12 + 4})
    row = indicators.h3_by_clinic(per_clinic).iloc[0]
    assert row["share_before"] == (8 + 9 + 11 + 10) / 80 and row["suppressed_cells"] == 0


def test_the_report_counts_the_tier_load_and_h3_blanks_it_shows(tmp_path: Path) -> None:
    """A small generated pool: summary.json's suppressed_cells (and the CLI's and page's count) is
    every blank of every table, tier_load's ratios and h3_its_by_clinic's share_before included."""
    exports = tmp_path / "exports"
    generate(GeneratorSpec(clinics=3, rows=1500, months=24, seed=7), exports)
    out = tmp_path / "report"
    assert main(["report", "imbalance", "-i", str(exports), "-o", str(out), "-q"]) == 0
    summary = json.loads((out / "summary.json").read_text(encoding="utf-8"))
    load = pd.read_parquet(out / "tables" / "tier_load.parquet")
    blank_rows = load["patients"].isna()
    assert blank_rows.any()  # the seed gives a hospital tier-month with 1 to 4 arrivals
    expected = load.loc[blank_rows, ["patients", *RATIOS]].isna().sum(axis=1)
    assert load.loc[blank_rows, "suppressed_cells"].tolist() == expected.tolist()
    h3 = pd.read_parquet(out / "tables" / "h3_its_by_clinic.parquet")
    # a clinic with blank counts: fitted on its months as published, nothing in its row is blank
    assert h3["months_left_out"].sum() > 0 and (h3["suppressed_cells"] == 0).all()
    assert h3.loc[h3["status"] == "estimated", "share_before"].notna().all()
    assert not h3["exact_counts"].any()
    tables = out / "tables"
    total = sum(
        int(pd.read_parquet(path)["suppressed_cells"].sum())
        for path in tables.glob("*.parquet")
        if "suppressed_cells" in pd.read_parquet(path).columns
    )
    assert summary["suppressed_cells"] == total
    page = (out / "report.html").read_text(encoding="utf-8")
    assert f"Small cells: {total:,} cells suppressed (blank)" in page


def _captions(page: str) -> dict[str, str]:
    """Each table section's heading -> the captions of its tables (what the page says of them)."""
    sections = re.split(r"<h2>", page)[1:]
    return {
        s.split("</h2>")[0]: " ".join(re.findall(r"<caption>(.*?)</caption>", s, flags=re.S))
        for s in sections
    }


def test_each_table_of_counts_on_the_page_says_what_suppressed_cells_and_exact_counts_are(
    tmp_path: Path,
) -> None:
    """The page showed a suppressed_cells column, and the files an exact_counts column false on
    every row, with no word of what either is; a table without them says nothing of them."""
    exports = tmp_path / "exports"
    generate(GeneratorSpec(clinics=3, rows=600, months=12, seed=3), exports)
    for exact in (False, True):
        out = tmp_path / f"report-{exact}"
        options = ["--exact-counts"] if exact else []
        assert main(["report", "imbalance", "-i", str(exports), "-o", str(out), "-q", *options]) == 0
        captions = _captions(html.unescape((out / "report.html").read_text(encoding="utf-8")))
        with_counts = (
            "By region and month",
            "Encounters by tier",
            "Referral network",
            "Load by tier against capacity",
            "H3: digital triage and local resolution",
            "Counterfactual policy thresholds",
        )
        for heading in with_counts:
            said = captions[heading]
            assert "suppressed_cells:" in said and "exact_counts" in said, (heading, said)
            if exact:
                assert "suppressed nothing" in said and "exact_counts (true)" in said, said
            else:
                assert "counts from 1 to 4" in said and "exact_counts beside it: false" in said, said
        for heading in ("Rejected inputs", "Sources", "Key figures"):
            assert "suppressed_cells" not in captions.get(heading, ""), heading
        for name in ("h3_summary", "rejections", "sources"):  # no count a small cell could blank
            columns = pd.read_parquet(out / "tables" / f"{name}.parquet").columns
            assert "exact_counts" not in columns and "suppressed_cells" not in columns, name
