"""Known diabetes in pregnancy is not read against the general targets (``glucose_diabetes_range``).

A woman at 24 weeks with known diabetes and an HbA1c of 6.7 % was told "known diabetes: within the
general target (HbA1c <7.0 %, fasting glucose 4.4-7.0 mmol/L for most adults): continue the current
management", and with a random glucose of 10.5 mmol/L to review her treatment against "HbA1c <7.0 %,
non-fasting glucose <10.0 mmol/L for most adults" - targets for non-pregnant adults. In pregnancy they
are tighter (ADA Standards of Care 2025, section 15: fasting glucose <5.3 mmol/L, 1 hour after a meal
<7.8 mmol/L, HbA1c <6 % where reached without hypoglycaemia): the reason now says so and sends her
treatment to the antenatal diabetes team. The levels are unchanged (never lower)."""

from __future__ import annotations

import pytest

from tests.service.test_engine_text import _payload
from tests.triage.conftest import NOW, ob
from triage.assess import assess
from triage.assessment import Assessment, Disposition
from triage.observation import Observation
from triage.patient import PatientContext
from triage.policy import Policy
from triage.service.pages.engine_text import EngineText

PREGNANCY = (
    "known diabetes in pregnancy: the pregnancy targets are tighter than the general ones (ADA 2025 section"
    " 15: fasting glucose <5.3 mmol/L, 1 hour after a meal <7.8 mmol/L, HbA1c <6 % where reached without"
    " hypoglycaemia): review and manage her treatment with the antenatal diabetes team"
)
READINGS = {
    "hba1c 6.7": [ob("hba1c", 6.7)],
    "hba1c 7.4": [ob("hba1c", 7.4)],
    "random 10.5": [ob("glucose_random", 10.5)],
    "fasting 7.0": [ob("glucose_fasting", 7.0)],
}


def _assess(policy: Policy, readings: list[Observation], pregnant: bool) -> Assessment:
    patient = PatientContext(
        age=31, sex="female", diabetes=True, pregnant=pregnant, gestation_weeks=24 if pregnant else None
    )
    return assess(patient, [*readings, ob("sbp", 118), ob("dbp", 72)], policy, now=NOW)


@pytest.mark.parametrize("case", sorted(READINGS))
def test_in_pregnancy_the_reason_names_the_pregnancy_targets(policy: Policy, case: str) -> None:
    a = _assess(policy, READINGS[case], pregnant=True)
    (reason,) = [r for r in a.reasons if r.rule == "glucose_diabetes_range"]
    assert PREGNANCY in reason.detail and "general target" not in reason.detail, reason.detail
    assert "for most adults" not in reason.detail
    assert reason.values["diabetes_range"] == "known_diabetes_pregnancy"
    levels = list(Disposition)  # most urgent first
    assert levels.index(a.disposition) <= levels.index(
        _assess(policy, READINGS[case], pregnant=False).disposition
    )


def test_outside_pregnancy_the_general_targets_stay(policy: Policy) -> None:
    (reason,) = [
        r for r in _assess(policy, READINGS["hba1c 6.7"], False).reasons if r.rule == "glucose_diabetes_range"
    ]
    assert (
        "within the general target" in reason.detail
        and reason.values["diabetes_range"] == "known_diabetes_at_target"
    )


def test_the_staff_pages_say_it_in_both_languages(policy: Policy) -> None:
    patient = PatientContext(age=31, sex="female", diabetes=True, pregnant=True, gestation_weeks=24)
    payload = _payload(patient, [ob("glucose_random", 10.5), ob("sbp", 118), ob("dbp", 72)], policy)
    (reason,) = [r for r in payload["reasons"] if r["rule"] == "glucose_diabetes_range"]
    assert "known diabetes in pregnancy" in EngineText("en", payload).rule_detail(reason)
    assert "妊娠合并已知糖尿病" in EngineText("zh", payload).rule_detail(reason)
