"""`tier_load`'s per-bed figure: recomputed by hand from the pooled exports with pandas, and n/a
(with its reason) on the primary-care row, where clinic encounters per clinic bed meant nothing."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from analytics.reports.indicators import PER_BED_PRIMARY
from triage.cli import main

Generated = tuple[Path, dict[str, Any]]


@pytest.fixture(scope="module")
def report(generated: Generated, tmp_path_factory: pytest.TempPathFactory) -> Path:
    out = tmp_path_factory.mktemp("tier-load") / "report"
    assert main(["report", "imbalance", "-i", str(generated[0]), "-o", str(out), "-q"]) == 0
    return out


def test_hospital_rows_are_arrivals_per_100_beds_of_the_hospitals_referred_to(
    generated: Generated, report: Path
) -> None:
    exports = sorted(p for p in generated[0].iterdir() if p.is_dir())
    enc = pd.concat([pd.read_parquet(p / "encounters.parquet") for p in exports], ignore_index=True)
    facilities = pd.concat([pd.read_parquet(p / "facilities.parquet") for p in exports])
    facilities = facilities.drop_duplicates("facility_id").set_index("facility_id")
    referred = enc[enc["referral_to"].notna()].assign(
        month=lambda f: pd.to_datetime(f["encounter_day"]).dt.strftime("%Y-%m"),
        arrived=lambda f: f["referral_status"].isin(["arrived", "completed"]),
    )
    hospitals = referred.groupby(["month", "referral_to"], as_index=False)["arrived"].sum()
    hospitals = hospitals.join(facilities[["tier", "beds"]], on="referral_to")
    by_hand = hospitals.groupby(["month", "tier"]).agg(arrivals=("arrived", "sum"), beds=("beds", "sum"))
    expected = 100 * by_hand["arrivals"] / by_hand["beds"]

    load = pd.read_csv(report / "tables" / "tier_load.csv").set_index(["month", "tier"])
    rows = load.drop(index="primary", level="tier")
    assert len(rows) == len(expected) > 0
    pd.testing.assert_series_equal(
        rows["patients_per_100_beds"].sort_index(), expected.sort_index(), check_names=False, rtol=1e-9
    )
    assert (rows["beds"].sort_index() == by_hand["beds"].sort_index()).all()


def test_primary_row_has_no_per_bed_figure_and_the_page_says_why(report: Path) -> None:
    with (report / "tables" / "tier_load.csv").open(newline="", encoding="utf-8") as fh:
        primary = [row for row in csv.DictReader(fh) if row["tier"] == "primary"]
    assert primary and all(row["patients_per_100_beds"] == "" for row in primary)
    assert all(row["patients"] and row["load_vs_capacity"] for row in primary)  # its load figure stays
    assert (
        pd.read_parquet(report / "tables" / "tier_load.parquet")
        .query("tier == 'primary'")["patients_per_100_beds"]
        .isna()
        .all()
    )
    page = (report / "report.html").read_text(encoding="utf-8")
    load_section = page.split("<h2>Load by tier against capacity</h2>", 1)[1].split("<h2>", 1)[0]
    shown = load_section.count(f"<td>{PER_BED_PRIMARY}</td>")
    assert shown == min(len(primary), load_section.count("<td>primary</td>")) > 0
