"""CKD-EPI 2021 test vectors (risk.md 2.10) and KDIGO categories at every cut-point."""

from __future__ import annotations

import math

import pytest

from triage.scores.kidney import albuminuria_category, ckd_epi_2021, gfr_category, kidney


@pytest.mark.parametrize(
    ("sex", "age", "scr", "egfr"),
    [
        ("female", 60, 1.0, 64.5),
        ("male", 50, 0.9, 104.0),
        ("male", 70, 1.5, 49.8),
        ("female", 40, 0.6, 116.3),
        ("female", 65, 2.5, 20.8),
    ],
)
def test_ckd_epi_vectors(sex: str, age: float, scr: float, egfr: float) -> None:
    assert ckd_epi_2021(scr * 88.4, age, sex) == pytest.approx(egfr, abs=0.05)


@pytest.mark.parametrize(
    ("egfr", "cat"),
    [
        (90, "G1"),
        (89.9, "G2"),
        (60, "G2"),
        (59.9, "G3a"),
        (45, "G3a"),
        (44.9, "G3b"),
        (30, "G3b"),
        (29.9, "G4"),
        (15, "G4"),
        (14.9, "G5"),
    ],
)
def test_gfr_categories(egfr: float, cat: str) -> None:
    assert gfr_category(egfr) == cat


@pytest.mark.parametrize(("acr", "cat"), [(29.9, "A1"), (30, "A2"), (300, "A2"), (300.1, "A3")])
def test_albuminuria(acr: float, cat: str) -> None:
    assert albuminuria_category(acr) == cat


def test_kidney_flags_and_missing() -> None:
    r = kidney(creatinine=2.5 * 88.4, egfr_measured=None, acr=None, age=65, sex="female")
    assert "egfr_below_30" in r.flags
    r = kidney(creatinine=150, egfr_measured=None, acr=None, age=None, sex="male")
    assert r.value is None and r.missing == ("age",)
    r = kidney(creatinine=None, egfr_measured=45, acr=400, age=None, sex=None)
    assert r.value == 45 and "egfr_30_59" in r.flags and "albuminuria_a3" in r.flags


@pytest.mark.parametrize(
    ("egfr", "flag"),
    [
        (29.49, "egfr_below_30"),
        (29.5, "egfr_30_59"),
        (30, "egfr_30_59"),
        (59.49, "egfr_30_59"),
        (59.5, None),
        (60, None),
    ],
)
def test_egfr_flags_at_30_and_60(egfr: float, flag: str | None) -> None:
    """Taken on the eGFR as a laboratory reports it (KDIGO 2012 1.4.3.4: the nearest whole number,
    halves up): 29.5 is reported 30, not below 30; 59.5 is 60."""
    flags = kidney(creatinine=None, egfr_measured=egfr, acr=None, age=None, sex=None).flags
    assert [f for f in flags if f.startswith("egfr")] == ([flag] if flag else [])


@pytest.mark.parametrize(
    ("egfr", "reported", "category"),
    [
        (14.49, 14, "G5"),
        (14.5, 15, "G4"),
        (29.49, 29, "G4"),
        (29.5, 30, "G3b"),
        (44.5, 45, "G3a"),
        (59.49, 59, "G3a"),
        (59.5, 60, "G2"),
        (60, 60, "G2"),
        (60.5, 61, "G2"),  # halves up: Python's round(60.5) is 60
        (89.49, 89, "G2"),
        (89.5, 90, "G1"),
        (90, 90, "G1"),
    ],
)
def test_kdigo_category_of_the_reported_whole_number(egfr: float, reported: int, category: str) -> None:
    r = kidney(creatinine=None, egfr_measured=egfr, acr=None, age=None, sex=None)
    assert (r.value, r.band, r.components["egfr_unrounded"]) == (reported, category, egfr)
    # G1-G2 go on to say CKD cannot be established without an ACR (test_kidney_staging.py)
    assert r.detail.startswith(f"eGFR {reported} mL/min/1.73m2 ({category})")


def test_a_computed_egfr_is_staged_on_its_whole_number() -> None:
    """A creatinine whose CKD-EPI eGFR falls in [59.5, 60) is reported 60, G2 - not G3a."""
    creatinine = next(c / 100 for c in range(8000, 20000) if 59.5 <= ckd_epi_2021(c / 100, 50, "female") < 60)
    r = kidney(creatinine=creatinine, egfr_measured=None, acr=None, age=50, sex="female")
    assert 59.5 <= r.components["egfr_unrounded"] < 60
    assert (r.value, r.band, r.flags) == (60, "G2", ())


@pytest.mark.parametrize(("shown", "category"), [("<15", "G5"), (">90", "G1")])
def test_a_censored_reported_egfr_keeps_its_side(shown: str, category: str) -> None:
    bound = 15.0 if shown[0] == "<" else 90.0
    value = math.nextafter(bound, 0 if shown[0] == "<" else 200)
    r = kidney(creatinine=None, egfr_measured=value, acr=None, age=None, sex=None, censored=("egfr",))
    assert r.band == category and r.detail.startswith(f"eGFR {shown} ")
    assert ("egfr_below_30" in r.flags) is (shown == "<15")


@pytest.mark.parametrize(
    ("acr", "flag"),
    [(29.9, None), (30, "albuminuria_a2_a3"), (300, "albuminuria_a2_a3"), (300.1, "albuminuria_a3")],
)
def test_albuminuria_flags(acr: float, flag: str | None) -> None:
    flags = kidney(creatinine=None, egfr_measured=None, acr=acr, age=None, sex=None).flags
    assert [f for f in flags if f.startswith("albuminuria")] == ([flag] if flag else [])
