"""FINDRISC and the Chinese Diabetes Risk Score: every item cut-point, bands, missing items."""

from __future__ import annotations

import pytest

from triage.scores import cdrs as cdrs_module
from triage.scores import findrisc as f
from triage.scores.cdrs import cdrs
from triage.scores.findrisc import findrisc


@pytest.mark.parametrize(("age", "pts"), [(44.9, 0), (45, 2), (54.9, 2), (55, 3), (64.9, 3), (65, 4)])
def test_findrisc_age(age: float, pts: int) -> None:
    assert f.age_points(age) == pts


@pytest.mark.parametrize(("bmi", "pts"), [(24.99, 0), (25, 1), (30, 1), (30.01, 3)])
def test_findrisc_bmi(bmi: float, pts: int) -> None:
    assert f.bmi_points(bmi) == pts


@pytest.mark.parametrize(
    ("waist", "sex", "pts"),
    [
        (93.9, "male", 0),
        (94, "male", 3),
        (102, "male", 3),
        (102.1, "male", 4),
        (79.9, "female", 0),
        (80, "female", 3),
        (88, "female", 3),
        (88.1, "female", 4),
    ],
)
def test_findrisc_waist(waist: float, sex: str, pts: int) -> None:
    assert f.waist_points(waist, sex) == pts


@pytest.mark.parametrize(
    ("total", "band"),
    [
        (6, "low"),
        (7, "slightly_elevated"),
        (11, "slightly_elevated"),
        (12, "moderate"),
        (14, "moderate"),
        (15, "high"),
        (20, "high"),
        (21, "very_high"),
    ],
)
def test_findrisc_bands(total: int, band: str) -> None:
    assert f.band_for(total)[0] == band


def test_findrisc_full_and_maximum() -> None:
    r = findrisc(
        age=70,
        sex="male",
        bmi=32,
        waist_cm=110,
        physically_active=False,
        daily_fruit_veg=False,
        on_antihypertensives=True,
        history_high_glucose=True,
        family_history_diabetes="first_degree",
    )
    assert r.value == 26 and r.band == "very_high" and r.complete


def test_findrisc_family_history_degrees() -> None:
    base = dict(
        age=30,
        sex="female",
        bmi=20,
        waist_cm=70,
        physically_active=True,
        daily_fruit_veg=True,
        on_antihypertensives=False,
        history_high_glucose=False,
    )
    assert findrisc(**base, family_history_diabetes="none").value == 0  # type: ignore[arg-type]
    assert findrisc(**base, family_history_diabetes="second_degree").value == 3  # type: ignore[arg-type]
    assert findrisc(**base, family_history_diabetes="first_degree").value == 5  # type: ignore[arg-type]


def test_findrisc_missing_items_listed() -> None:
    r = findrisc(
        age=50,
        sex=None,
        bmi=None,
        waist_cm=90,
        physically_active=None,
        daily_fruit_veg=True,
        on_antihypertensives=False,
        history_high_glucose=None,
        family_history_diabetes=None,
    )
    assert not r.complete
    assert set(r.missing) == {
        "bmi",
        "sex",
        "physically_active",
        "history_high_glucose",
        "family_history_diabetes",
    }
    assert r.value == 2


@pytest.mark.parametrize(
    ("age", "pts"),
    [
        (20, 0),
        (24.9, 0),
        (25, 4),
        (34, 4),
        (35, 8),
        (39, 8),
        (40, 11),
        (44, 11),
        (45, 12),
        (49, 12),
        (50, 13),
        (54, 13),
        (55, 15),
        (59, 15),
        (60, 16),
        (64, 16),
        (65, 18),
        (74, 18),
    ],
)
def test_cdrs_age(age: float, pts: int) -> None:
    assert cdrs_module.age_points(age) == pts


@pytest.mark.parametrize(
    ("bmi", "pts"),
    # between two printed bands (23.95: the table prints 22-23.9 and 24-29.9) the higher-risk one
    [(21.9, 0), (21.99, 0), (22, 1), (23.9, 1), (23.95, 3), (24, 3), (29.9, 3), (29.95, 5), (30, 5)],
)
def test_cdrs_bmi(bmi: float, pts: int) -> None:
    assert cdrs_module.bmi_points(bmi) == pts


@pytest.mark.parametrize(
    ("waist", "sex", "pts"),
    [
        (74.9, "male", 0),
        (75, "male", 3),
        (79.9, "male", 3),
        (80, "male", 5),
        (84.9, "male", 5),
        (85, "male", 7),
        (89.9, "male", 7),
        (90, "male", 8),
        (94.9, "male", 8),
        (95, "male", 10),
        (74.95, "male", 0),  # the lowest band is printed "<75"
        (79.95, "male", 5),  # between 75-79.9 and 80-84.9: the higher-risk band
        (94.95, "male", 10),
        (69.9, "female", 0),
        (70, "female", 3),
        (75, "female", 5),
        (80, "female", 7),
        (85, "female", 8),
        (89.9, "female", 8),
        (89.95, "female", 10),
        (90, "female", 10),
    ],
)
def test_cdrs_waist(waist: float, sex: str, pts: int) -> None:
    assert cdrs_module.waist_points(waist, sex) == pts


@pytest.mark.parametrize(
    ("sbp", "pts"),
    [
        (109, 0),
        (110, 1),
        (119, 1),
        (120, 3),
        (129, 3),
        (130, 6),
        (139, 6),
        (140, 7),
        (149, 7),
        (150, 8),
        (159, 8),
        (160, 10),
        # between two printed bands (kPa converted: 16 kPa = 120.01) the higher-risk one
        (109.5, 0),
        (119.5, 3),
        (159.5, 10),
    ],
)
def test_cdrs_sbp(sbp: float, pts: int) -> None:
    assert cdrs_module.sbp_points(sbp) == pts


def test_cdrs_maximum_is_51_and_threshold_25() -> None:
    r = cdrs(age=70, sex="male", bmi=31, waist_cm=100, sbp=170, family_history_diabetes="first_degree")
    assert r.value == 51 and r.band == "high"
    low = cdrs(age=40, sex="female", bmi=21, waist_cm=75, sbp=125, family_history_diabetes="none")
    assert low.value == 11 + 0 + 5 + 3 and low.band == "low"
    at = cdrs(age=45, sex="male", bmi=24, waist_cm=80, sbp=120, family_history_diabetes="none")
    assert at.value == 12 + 2 + 3 + 5 + 3 == 25 and at.band == "high"


@pytest.mark.parametrize(("age", "applicable"), [(19, False), (20, True), (74.9, True), (75, False)])
def test_cdrs_age_range(age: float, applicable: bool) -> None:
    assert (
        cdrs(age=age, sex="male", bmi=22, waist_cm=80, sbp=120, family_history_diabetes="none").applicable
        is applicable
    )


def test_cdrs_missing() -> None:
    r = cdrs(age=50, sex=None, bmi=25, waist_cm=80, sbp=None, family_history_diabetes=None)
    # the waist was measured: its bands need the sex, which is what is missing
    assert set(r.missing) == {"sex", "sbp", "family_history_diabetes"} and not r.complete
    assert r.components["waist"] is None
