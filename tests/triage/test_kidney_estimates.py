"""A laboratory's eGFR beside the one computed from creatinine, and CKD-EPI for either sex when sex
is not recorded: every estimate is shown and the lowest is staged and routed (kidney.py)."""

from __future__ import annotations

import pytest

from triage.scores.kidney import ckd_epi_2021, kidney


def test_a_reported_egfr_below_the_computed_one_routes_urgently() -> None:
    # man of 55, creatinine 220 umol/L: CKD-EPI 2021 29.76 -> 30 (G3b); the laboratory says 25 (G4)
    r = kidney(creatinine=220, egfr_measured=25, acr=None, age=55, sex="male")
    assert r.value == 25 and r.band == "G4" and r.flags == ("egfr_below_30",)
    assert r.components["egfr_source"] == "reported"
    assert r.components["egfr_reported"] == 25 and r.components["egfr_ckd_epi_2021"] == 30
    assert r.detail == (
        "eGFR 25 mL/min/1.73m2 (G4); eGFR estimates differ (laboratory 25, CKD-EPI 2021 from"
        " creatinine 30): the lowest is used"
    )


def test_a_computed_egfr_below_the_reported_one_routes_on_the_computed() -> None:
    r = kidney(creatinine=220, egfr_measured=35, acr=None, age=55, sex="male")
    assert r.value == 30 and r.band == "G3b" and r.flags == ("egfr_30_59",)
    assert r.components["egfr_source"] == "ckd_epi_2021"
    assert "laboratory 35, CKD-EPI 2021 from creatinine 30" in r.detail


def test_equal_estimates_are_one_egfr() -> None:
    r = kidney(creatinine=220, egfr_measured=30, acr=None, age=55, sex="male")
    assert r.value == 30 and r.detail == "eGFR 30 mL/min/1.73m2 (G3b)"


def test_sex_not_recorded_creatinine_300_at_60_is_below_30_for_either_sex() -> None:
    female, male = ckd_epi_2021(300, 60, "female"), ckd_epi_2021(300, 60, "male")
    assert female < 30 and male < 30
    r = kidney(creatinine=300, egfr_measured=None, acr=None, age=60, sex=None)
    assert r.value == round(female) and r.band == "G4" and r.flags == ("egfr_below_30",)
    assert not r.complete and r.missing == ("sex",)
    assert r.components["egfr_ckd_epi_2021_male"] == round(male)
    assert "CKD-EPI 2021 if female 15, CKD-EPI 2021 if male 20" in r.detail


def test_sex_not_recorded_across_a_cut_point_takes_the_more_severe_stage() -> None:
    # creatinine 100 at 60: 56 if female (G3a), 74 if male (G2)
    r = kidney(creatinine=100, egfr_measured=None, acr=None, age=60, sex=None)
    assert r.band == "G3a" and r.flags == ("egfr_30_59",) and r.missing == ("sex",)


@pytest.mark.parametrize(("sex", "value"), [("female", 56), ("male", 74)])
def test_sex_recorded_is_one_estimate(sex: str, value: int) -> None:
    r = kidney(creatinine=100, egfr_measured=None, acr=None, age=60, sex=sex)
    assert r.value == value and "estimates" not in r.detail and r.complete is (value < 60)
