"""KDIGO defines CKD at G1-G2 only with a marker of kidney damage (albuminuria): an eGFR of 60 or
more without an ACR is not a complete kidney stage. G3a to G5 stand on the eGFR alone."""

from __future__ import annotations

import pytest

from tests.triage.conftest import NOW, ob
from triage import phrases
from triage.assess import assess
from triage.patient import PatientContext
from triage.policy import load_policy
from triage.scores.kidney import kidney

ACR = "albumin_creatinine_ratio"


@pytest.mark.parametrize(("egfr", "category"), [(95.0, "G1"), (75.0, "G2"), (59.5, "G2")])
def test_g1_g2_without_an_acr_cannot_establish_or_stage_ckd(egfr: float, category: str) -> None:
    r = kidney(creatinine=None, egfr_measured=egfr, acr=None, age=50.0, sex="male")
    assert r.band == category and not r.complete and r.missing == (ACR,)
    found = phrases.KIDNEY_EGFR_UNSTAGED.match(r.detail)
    assert found is not None and found["gfr_category"] == category, r.detail
    assert "CKD cannot be established or staged" in r.detail


def test_a_computed_egfr_of_60_or_more_without_an_acr_lists_the_acr_missing() -> None:
    r = kidney(creatinine=70.0, egfr_measured=None, acr=None, age=40.0, sex="female")
    assert r.components["gfr_category"] == "G1" and r.missing == (ACR,) and not r.complete


@pytest.mark.parametrize(("acr", "albuminuria"), [(10.0, "A1"), (45.0, "A2"), (400.0, "A3")])
def test_g1_g2_with_an_acr_is_a_complete_stage(acr: float, albuminuria: str) -> None:
    r = kidney(creatinine=None, egfr_measured=75.0, acr=acr, age=50.0, sex="male")
    assert r.complete and r.missing == () and r.band == "G2"
    assert r.detail == f"eGFR 75 mL/min/1.73m2 (G2); ACR {acr:g} mg/g ({albuminuria})"


@pytest.mark.parametrize(("egfr", "category"), [(59.49, "G3a"), (40.0, "G3b"), (20.0, "G4"), (10.0, "G5")])
def test_g3a_and_below_stand_on_the_egfr_alone(egfr: float, category: str) -> None:
    r = kidney(creatinine=None, egfr_measured=egfr, acr=None, age=50.0, sex="male")
    assert r.complete and r.missing == () and r.band == category
    assert r.detail == f"eGFR {round(egfr)} mL/min/1.73m2 ({category})"


def test_the_assessment_lists_the_acr_missing_at_g2_and_not_at_g3a() -> None:
    policy = load_policy()
    g2 = assess(PatientContext(age=50, sex="male"), [ob("egfr", 75)], policy, None, now=NOW)
    g3a = assess(PatientContext(age=50, sex="male"), [ob("egfr", 50)], policy, None, now=NOW)
    assert ACR in g2.missing_inputs and ACR in g2.scores["kidney"].missing
    assert ACR not in g3a.missing_inputs and g3a.scores["kidney"].complete
