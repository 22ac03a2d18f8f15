"""`tier_load`'s per-bed figure: recomputed by hand from the pooled exports with pandas, and n/a
(with its reason) on the primary-care row, where clinic encounters per clinic bed meant nothing."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from analytics.reports.indicators import PER_BED_PRIMARY
from triage.cli import main

Generated = tuple[Path, dict[str, Any]]


@pytest.fixture(scope="module")
def report(imbalance_run: tuple[int, Path, str, str]) -> Path:
    code, out, _, _ = imbalance_run  # the session's plain report of the generated set, read only
    assert code == 0
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


def _csv_rows(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as fh:
        return list(csv.DictReader(fh))


def test_counts_are_whole_numbers_on_the_page_and_in_the_files(report: Path) -> None:
    """`beds` and `capacity_per_day` read 348.000 on the page and 2441.0 in the CSV; an H3 clinic's
    months before and after its start 10.000 and 10.0."""
    page = (report / "report.html").read_text(encoding="utf-8")
    load_section = page.split("<h2>Load by tier against capacity</h2>", 1)[1].split("<h2>", 1)[0]
    rows = _csv_rows(report / "tables" / "tier_load.csv")
    counts = {row[column] for row in rows for column in ("beds", "capacity_per_day")}
    assert counts and all(value.isdigit() for value in counts), counts
    for value in counts:
        assert f"<td>{value}</td>" in load_section and f"<td>{value}.000</td>" not in load_section
    parquet = pd.read_parquet(report / "tables" / "tier_load.parquet")
    assert str(parquet["beds"].dtype) == str(parquet["capacity_per_day"].dtype) == "Int64"

    h3_section = page.split("<h2>H3: digital triage", 1)[1].split("<h2>", 1)[0]
    clinics = [r for r in _csv_rows(report / "tables" / "h3_its_by_clinic.csv") if r["status"] == "estimated"]
    assert clinics
    for row in clinics:
        for column in ("months_before", "months_after"):
            assert row[column].isdigit(), row
            assert f"<td>{row[column]}.000</td>" not in h3_section
        assert f"<td>{row['months_before']}</td>" in h3_section


def test_capacity_and_beds_the_directory_does_not_know_are_blank_not_0(
    generated: Generated, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A bare encounters table has no facility directory: its clinic and hospitals' capacity and
    beds are unknown (the run says so), and read 0.0."""
    folder = sorted(p for p in generated[0].iterdir() if p.is_dir())[0]
    bare = tmp_path / "encounters.parquet"
    shutil.copy(folder / "encounters.parquet", bare)
    assert main(["report", "imbalance", "-i", str(bare), "-o", str(tmp_path / "out"), "-q"]) == 0
    assert "their capacity, beds and location are missing" in capsys.readouterr().err
    rows = _csv_rows(tmp_path / "out" / "tables" / "tier_load.csv")
    assert rows and {(row["beds"], row["capacity_per_day"], row["load_vs_capacity"]) for row in rows} == {
        ("", "", "")
    }
