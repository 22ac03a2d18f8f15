"""region_month's urgent_median_hours is written as measured - the export's hours to arrival are
to 0.1 h, so a median is to 0.05 h - where the CSV said 3.6500000000000004, the interpolation's
floating-point residue, beside the page's 3.650."""

from __future__ import annotations

import csv
from pathlib import Path

import pandas as pd

from analytics.reports import indicators
from analytics.reports.generate import GeneratorSpec, generate
from triage.cli import main


def test_the_csv_writes_the_median_hours_to_two_decimals_at_most(tmp_path: Path) -> None:
    """Seed 7's 3 clinics have a region-month whose median is 5.449999999999999 unrounded."""
    exports, out = tmp_path / "exports", tmp_path / "report"
    generate(GeneratorSpec(clinics=3, rows=1500, months=24, seed=7), exports)
    assert main(["report", "imbalance", "-i", str(exports), "-o", str(out), "-q"]) == 0
    with (out / "tables" / "region_month.csv").open(newline="", encoding="utf-8") as fh:
        medians = [row["urgent_median_hours"] for row in csv.DictReader(fh)]
    written = [m for m in medians if m]
    assert written  # the generated pool has urgent arrivals
    long = [m for m in written if len(m.partition(".")[2]) > 2]
    assert not long, long[:5]


def test_a_median_halfway_between_two_tenths_keeps_its_hundredths() -> None:
    counts = pd.DataFrame(
        {
            "region_code": ["R"],
            "month": ["2024-01"],
            "encounters": [40],
            "local_care": [20],
            "referred": [20],
            "urgent_referrals": [10],
            "urgent_arrived": [10],
            "urgent_on_time": [9],
            "urgent_median_hours": [(3.6 + 3.7) / 2],  # 3.6500000000000004
            "completed": [8],
            "justified": [6],
            "digital": [0],
        }
    ).astype({c: "Int64" for c in ("encounters", "local_care", "referred", "digital")})
    shown = indicators.region_month(counts)["urgent_median_hours"].iloc[0]
    assert repr(float(shown)) == "3.65"
