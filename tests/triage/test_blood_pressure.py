"""Blood-pressure grades, ACC/AHA categories and crisis flags at every cut-point."""

from __future__ import annotations

import pytest

from triage.scores.blood_pressure import acc_aha_category, blood_pressure, dbp_grade, sbp_grade


@pytest.mark.parametrize(
    ("sbp", "grade"),
    [(119, 0), (120, 1), (139, 1), (140, 2), (159, 2), (160, 3), (179, 3), (180, 4), (119.9, 0), (139.9, 1)],
)
def test_sbp_grades(sbp: float, grade: int) -> None:
    assert sbp_grade(sbp) == grade


@pytest.mark.parametrize(
    ("dbp", "grade"), [(79, 0), (80, 1), (89, 1), (90, 2), (99, 2), (100, 3), (109, 3), (110, 4)]
)
def test_dbp_grades(dbp: float, grade: int) -> None:
    assert dbp_grade(dbp) == grade


@pytest.mark.parametrize(
    ("sbp", "dbp", "category"),
    [
        (119, 79, "normal"),
        (120, 79, "elevated"),
        (129, 79, "elevated"),
        (130, 79, "stage_1"),
        (119, 80, "stage_1"),
        (139, 89, "stage_1"),
        (140, 70, "stage_2"),
        (110, 90, "stage_2"),
    ],
)
def test_acc_aha(sbp: float, dbp: float, category: str) -> None:
    assert acc_aha_category(sbp, dbp) == category


def test_higher_grade_wins() -> None:
    r = blood_pressure(sbp=145, dbp=105)
    assert r.band == "grade_2" and r.value == 3


def test_isolated_systolic() -> None:
    assert "isolated_systolic" in blood_pressure(sbp=140, dbp=89).flags
    assert "isolated_systolic" not in blood_pressure(sbp=139, dbp=89).flags
    assert "isolated_systolic" not in blood_pressure(sbp=140, dbp=90).flags


@pytest.mark.parametrize(
    ("sbp", "dbp", "crisis"),
    [(180, 120, False), (181, 80, True), (150, 121, True), (180, 100, False)],
)
def test_crisis_boundaries(sbp: float, dbp: float, crisis: bool) -> None:
    assert ("hypertensive_crisis" in blood_pressure(sbp=sbp, dbp=dbp).flags) is crisis


@pytest.mark.parametrize(("sbp", "dbp", "urgent"), [(200, 110, False), (201, 80, True), (150, 111, True)])
def test_hearts_urgent_boundaries(sbp: float, dbp: float, urgent: bool) -> None:
    assert ("hearts_urgent" in blood_pressure(sbp=sbp, dbp=dbp).flags) is urgent


def test_one_pressure_missing_is_a_lower_bound() -> None:
    r = blood_pressure(sbp=165, dbp=None)
    assert r.band == "grade_2" and not r.complete and r.missing == ("dbp",)
    assert "at least" in r.detail


def test_no_pressure() -> None:
    r = blood_pressure(sbp=None, dbp=None)
    assert r.value is None and r.band is None and set(r.missing) == {"sbp", "dbp"}
