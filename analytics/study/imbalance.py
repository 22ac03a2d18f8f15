"""The tier-imbalance figures (study Figures 3 and 5), each tagged real/official or quoted."""

from __future__ import annotations

import pandas as pd

from analytics.study.generator import DATA_DIR

#: The measure whose values are counts (visits, patients): whole numbers.
COUNT_MEASURE = "visits_or_patients"

#: (indicator in national_health_2021.csv, measure, label, tier); the official "hospitals" figures
#: count every hospital, of all levels (医院, beside primary-care institutions): tier "hospitals",
#: not the study's "high" tier
ROWS = (
    ("visits_hospitals", "visits_or_patients", "China 2021 hospital visits", "hospitals"),
    ("visits_primary_care", "visits_or_patients", "China 2021 primary-care visits", "primary"),
    ("study_patients_high_tier", "visits_or_patients", "study: high-tier patients", "high"),
    ("study_patients_primary_care", "visits_or_patients", "study: primary-care patients", "primary"),
    ("hospital_bed_occupancy_rate", "bed_occupancy", "China 2021 hospitals", "hospitals"),
    ("study_bed_occupancy_high_tier", "bed_occupancy", "study: high-tier", "high"),
    ("study_bed_occupancy_primary_care", "bed_occupancy", "study: primary care", "primary"),
    ("study_zj_provincial_average", "bed_occupancy", "study: Zhejiang average", "all"),
    ("study_zj_chsc_utilisation", "bed_occupancy", "study: Zhejiang CHSC", "primary"),
    ("study_zj_clinic_utilisation", "bed_occupancy", "study: Zhejiang clinics", "primary"),
)


def imbalance_table() -> pd.DataFrame:
    """National and Zhejiang tier figures with their status (official or quoted_by_study_unverified)."""
    raw = {
        str(r["indicator"]): r for r in pd.read_csv(DATA_DIR / "national_health_2021.csv").to_dict("records")
    }
    rows = []
    for indicator, measure, label, tier in ROWS:
        record = raw[indicator]
        rows.append(
            {
                "indicator": indicator,
                "measure": measure,
                "label": label,
                "tier": tier,
                "value": float(record["value"]),
                "unit": record["unit"],
                "status": record["status"],
                "source": record["source"],
            }
        )
    return pd.DataFrame(rows)


def imbalance_file_table(table: pd.DataFrame) -> pd.DataFrame:
    """``table`` as figures3_5_imbalance.csv and .parquet hold it: a count (visits, patients) is a
    whole number, so the CSV says 3880000000, not 3880000000.0 (the value column is float, as the
    percentages need); a missing value stays an empty cell, not NaN or <NA>."""
    counts = table["measure"] == COUNT_MEASURE
    written = table.copy()
    written["value"] = pd.Series(
        [
            None if pd.isna(value) else int(value) if count and float(value).is_integer() else float(value)
            for value, count in zip(table["value"], counts, strict=True)
        ],
        index=table.index,
        dtype=object,
    )
    return written


def occupancy_summary(table: pd.DataFrame) -> dict[str, float]:
    values = table.set_index("indicator")["value"]
    return {
        "bed_occupancy_high_tier": float(values["study_bed_occupancy_high_tier"]),
        "bed_occupancy_primary_care": float(values["study_bed_occupancy_primary_care"]),
    }
