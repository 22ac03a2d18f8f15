"""The Chinese Diabetes Risk Score (Zhou 2013; CDS guideline table, triage/scores/cdrs.py) at its
cut-points on both sides: the OGTT threshold 25 (24 is low), SBP's lowest band "<110" and every
printed band top with a value between two printed bands in the higher one (119.5 -> 120-129), the
women's waist band tops 74.9/79.9/84.9 cm, and a missing family history counted at its 6 points.
Each case killed a mutant (a constant one step off) that tests/triage/test_diabetes_risk.py and
test_incomplete_scores.py let live."""

from __future__ import annotations

import pytest

from triage.scores.cdrs import cdrs, sbp_points, waist_points

# age 45-49 12 + female 0 + BMI 22-23.9 1 + waist <70 0 + SBP 130-139 6 = 19
BASE = {"age": 45.0, "sex": "female", "bmi": 22.5, "waist_cm": 65.0, "sbp": 130.0}


@pytest.mark.parametrize(
    ("bmi", "total", "band"),
    [(20.0, 24.0, "low"), (22.5, 25.0, "high")],  # + family history 6
)
def test_the_ogtt_threshold_is_25(bmi: float, total: float, band: str) -> None:
    r = cdrs(**{**BASE, "bmi": bmi}, family_history_diabetes="first_degree")  # type: ignore[arg-type]
    assert (r.value, r.band, r.complete) == (total, band, True)


@pytest.mark.parametrize(
    ("sbp", "points"),
    [
        (109.0, 0),
        (109.95, 0),  # "<110" holds every value below 110
        (110.0, 1),
        (119.0, 1),
        (119.5, 3),
        (119.05, 3),  # just above the printed top: the higher band
        (129.0, 3),
        (129.5, 6),
        (129.05, 6),
        (139.0, 6),
        (139.5, 7),
        (139.05, 7),
        (149.0, 7),
        (149.5, 8),
        (149.05, 8),
        (159.0, 8),
        (159.5, 10),
        (159.05, 10),
    ],
)
def test_sbp_bands_on_both_sides(sbp: float, points: int) -> None:
    assert sbp_points(sbp) == points


@pytest.mark.parametrize(
    ("waist", "points"),
    [
        (69.9, 0),
        (70.0, 3),
        (74.9, 3),
        (74.95, 5),
        (79.9, 5),
        (79.95, 7),
        (84.9, 7),
        (84.95, 8),
        (89.9, 8),
        (90.0, 10),
    ],
)
def test_womens_waist_bands_on_both_sides(waist: float, points: int) -> None:
    assert waist_points(waist, "female") == points


@pytest.mark.parametrize(
    ("bmi", "sbp", "total", "band"),
    [
        (22.5, 130.0, 19.0, "incomplete"),  # 19 + 6 reaches 25
        (20.0, 130.0, 18.0, "low"),  # 18 + 6 does not
    ],
)
def test_a_missing_family_history_could_add_its_6_points(
    bmi: float, sbp: float, total: float, band: str
) -> None:
    r = cdrs(**{**BASE, "bmi": bmi, "sbp": sbp}, family_history_diabetes=None)  # type: ignore[arg-type]
    assert (r.value, r.band, r.missing) == (total, band, ("family_history_diabetes",))
