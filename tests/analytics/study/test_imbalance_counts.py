"""figures3_5_imbalance.csv wrote the official visit counts as floats (3880000000.0): a count is a
whole number and is written as one; the percentages keep their decimals and a missing value is an
empty cell."""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from analytics.csvfiles import write_csv
from analytics.study.imbalance import imbalance_file_table, imbalance_table


def _values(path: Path) -> dict[str, str]:
    with path.open(newline="", encoding="utf-8") as handle:
        return {row["indicator"]: row["value"] for row in csv.DictReader(handle)}


def test_counts_are_written_as_whole_numbers_and_percentages_as_they_are(tmp_path: Path) -> None:
    path = tmp_path / "figures3_5_imbalance.csv"
    write_csv(imbalance_file_table(imbalance_table()), path)
    values = _values(path)
    assert values["visits_hospitals"] == "3880000000"
    assert values["visits_primary_care"] == "4250000000"
    assert values["study_patients_high_tier"] == "34860000"
    assert values["hospital_bed_occupancy_rate"] == "74.55"
    assert values["study_bed_occupancy_high_tier"] == "78.2"


def test_a_missing_count_or_percentage_is_an_empty_cell(tmp_path: Path) -> None:
    table = imbalance_table()
    missing = table["indicator"].isin(["visits_hospitals", "hospital_bed_occupancy_rate"])
    table.loc[missing, "value"] = np.nan
    path = tmp_path / "figures3_5_imbalance.csv"
    write_csv(imbalance_file_table(table), path)
    values = _values(path)
    assert values["visits_hospitals"] == values["hospital_bed_occupancy_rate"] == ""
    assert values["visits_primary_care"] == "4250000000"
