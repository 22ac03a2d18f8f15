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


# both sides of every ACC/AHA 2017 cut-point - also AAP 2017's for ages 13-17 (Table 3 aligns with it)
STAGES = [
    (119, 79, "normal"),
    (120, 79, "elevated"),
    (129, 79, "elevated"),
    (130, 79, "stage_1"),
    (119, 80, "stage_1"),
    (139, 89, "stage_1"),
    (140, 70, "stage_2"),
    (110, 90, "stage_2"),
    (139, 90, "stage_2"),
    (140, 89, "stage_2"),
]


@pytest.mark.parametrize(("sbp", "dbp", "category"), STAGES)
def test_acc_aha(sbp: float, dbp: float, category: str) -> None:
    assert acc_aha_category(sbp, dbp) == category


def test_higher_grade_wins() -> None:
    r = blood_pressure(age=None, sbp=145, dbp=105)
    assert r.band == "grade_2" and r.value == 3


def test_isolated_systolic() -> None:
    assert "isolated_systolic" in blood_pressure(age=None, sbp=140, dbp=89).flags
    assert "isolated_systolic" not in blood_pressure(age=None, sbp=139, dbp=89).flags
    assert "isolated_systolic" not in blood_pressure(age=None, sbp=140, dbp=90).flags


@pytest.mark.parametrize(
    ("sbp", "dbp", "crisis"),
    [(180, 120, False), (181, 80, True), (150, 121, True), (180, 100, False)],
)
def test_crisis_boundaries(sbp: float, dbp: float, crisis: bool) -> None:
    assert ("hypertensive_crisis" in blood_pressure(age=None, sbp=sbp, dbp=dbp).flags) is crisis


@pytest.mark.parametrize(("sbp", "dbp", "urgent"), [(200, 110, False), (201, 80, True), (150, 111, True)])
def test_hearts_urgent_boundaries(sbp: float, dbp: float, urgent: bool) -> None:
    assert ("hearts_urgent" in blood_pressure(age=None, sbp=sbp, dbp=dbp).flags) is urgent


def test_one_pressure_missing_is_a_lower_bound() -> None:
    r = blood_pressure(age=None, sbp=165, dbp=None)
    assert r.band == "grade_2" and not r.complete and r.missing == ("dbp",)
    assert "at least" in r.detail


def test_no_pressure() -> None:
    r = blood_pressure(age=None, sbp=None, dbp=None)
    assert r.value is None and r.band is None and set(r.missing) == {"sbp", "dbp"}


# --- under 18 (Flynn JT et al. Pediatrics 2017;140:e20171904) ---------------------------------


@pytest.mark.parametrize("age", [13, 15, 17, 17.99])
@pytest.mark.parametrize(("sbp", "dbp", "band"), STAGES)
def test_an_adolescent_is_read_on_the_aap_2017_static_thresholds(
    age: float, sbp: float, dbp: float, band: str
) -> None:
    """13-17: normal <120/<80, elevated 120-129/<80, stage 1 130-139 and/or 80-89, stage 2
    >=140 and/or >=90 (AAP 2017 Table 3) - never the adult grades (140/90 was 'grade 1')."""
    r = blood_pressure(sbp=sbp, dbp=dbp, age=age)
    assert r.band == band and r.components["aap_2017"] == band and r.applicable
    assert r.value == ("normal", "elevated", "stage_1", "stage_2").index(band)
    assert r.detail.startswith(f"{sbp:g}/{dbp:g} mmHg: AAP 2017 adolescent {band.replace('_', ' ')} range")


@pytest.mark.parametrize(
    ("age", "band"), [(12.99, "not_applicable"), (13, "stage_2"), (17.99, "stage_2"), (18, "grade_1")]
)
def test_the_classification_changes_at_13_and_18_completed_years(age: float, band: str) -> None:
    assert blood_pressure(sbp=150, dbp=95, age=age).band == band


@pytest.mark.parametrize("age", [0, 6, 12, 12.99])
def test_a_child_under_13_is_not_graded_and_the_detail_says_where_to_look(age: float) -> None:
    r = blood_pressure(sbp=118, dbp=70, age=age)
    assert (r.band, r.value, r.applicable) == ("not_applicable", None, False)
    assert r.detail == (
        f"118/70 mmHg: not graded at age {int(age)} years (single reading) - under 13 a child's blood"
        " pressure is read on the percentile tables for sex, age and height (AAP 2017; 中国高血压防治指南"
        " 2018: >=P95 is high); a clinician assesses it"
    )


@pytest.mark.parametrize("age", [6, 12, 13, 17])
@pytest.mark.parametrize(
    ("sbp", "dbp", "flags"),
    [
        (180, 110, ()),
        (181, 80, ("hypertensive_crisis",)),
        (150, 121, ("hypertensive_crisis", "hearts_urgent")),
        (200, 110, ("hypertensive_crisis",)),
        (201, 100, ("hypertensive_crisis", "hearts_urgent")),
        (170, 111, ("hearts_urgent",)),
    ],
)
def test_crisis_flags_are_raised_at_every_age(
    age: int, sbp: float, dbp: float, flags: tuple[str, ...]
) -> None:
    r = blood_pressure(sbp=sbp, dbp=dbp, age=age)
    assert r.flags == flags
    assert ("hypertensive crisis range" in r.detail) is ("hypertensive_crisis" in flags)


def test_an_adolescent_has_no_isolated_systolic_flag() -> None:
    """Isolated systolic hypertension is an adult (Chinese 2018) category."""
    assert blood_pressure(sbp=145, dbp=70, age=15).flags == ()
    assert blood_pressure(sbp=145, dbp=70, age=18).flags == ("isolated_systolic",)


def test_an_adolescent_with_one_pressure_below_stage_1_is_not_determined() -> None:
    r = blood_pressure(sbp=125, dbp=None, age=15)
    assert r.band == "incomplete" and r.missing == ("dbp",)
    assert r.detail == (
        "125/? mmHg: below the AAP 2017 adolescent stage 1 range so far (single reading; one pressure"
        " missing, which could reach any stage); measure both"
    )
    assert blood_pressure(sbp=None, dbp=80, age=15).band == "stage_1"
