"""Hyperglycaemia in pregnancy (WHO 2013, hyperglycaemia first detected in pregnancy): a fasting
glucose of 5.1-6.9 mmol/L at any time in pregnancy is gestational diabetes, 7.0 or more - or a
random glucose of 11.1 or more, an HbA1c of 6.5 % or more (ADA Standards of Care 2025 s15) -
diabetes in pregnancy. The engine read a pregnant woman's fasting 5.1-5.5 as normal and 5.6-6.9 as
suspected prediabetes, local care; now `pregnancy_hyperglycaemia` refers her to antenatal care
(routine referral), each cut-point in the unit it was reported in, on both sides."""

from __future__ import annotations

import pytest

from tests.triage.conftest import NOW, ob
from triage.assess import assess
from triage.assessment import Disposition
from triage.patient import PatientContext
from triage.policy import Policy

PREGNANT = PatientContext(age=29, sex="female", pregnant=True, gestation_weeks=26)
CUTS = [  # (code, unit, just below, at the cut-point)
    ("glucose_fasting", "mmol/L", 5.0, 5.1),
    ("glucose_fasting", "mg/dL", 91, 92),
    ("glucose_random", "mmol/L", 11.0, 11.1),
    ("glucose_random", "mg/dL", 199, 200),
    ("hba1c", "%", 6.4, 6.5),
    ("hba1c", "mmol/mol", 47, 48),
]


def _rules(patient: PatientContext, policy: Policy, code: str, value: float, unit: str) -> dict[str, object]:
    a = assess(patient, [ob(code, value, unit)], policy, now=NOW)
    return {"rules": {r.rule: r for r in a.reasons}, "disposition": a.disposition}


@pytest.mark.parametrize(("code", "unit", "below", "at"), CUTS)
def test_each_cut_point_in_pregnancy_on_both_sides(
    policy: Policy, code: str, unit: str, below: float, at: float
) -> None:
    fired = _rules(PREGNANT, policy, code, at, unit)
    reason = fired["rules"]["pregnancy_hyperglycaemia"]  # type: ignore[index]
    assert fired["disposition"] is Disposition.routine_referral
    assert "in pregnancy at 26 weeks: hyperglycaemia in pregnancy (WHO 2013" in reason.detail
    assert "refer to antenatal care" in reason.detail and reason.values["gestation_weeks"] == 26
    # WHO 2013 diagnoses diabetes in pregnancy on a random glucose only with symptoms
    assert "fasting >=7.0, or random >=11.1 with symptoms, diabetes in pregnancy" in reason.detail
    assert "pregnancy_hyperglycaemia" not in _rules(PREGNANT, policy, code, below, unit)["rules"]  # type: ignore[operator]
    not_pregnant = PREGNANT.model_copy(update={"pregnant": False, "gestation_weeks": None})
    assert "pregnancy_hyperglycaemia" not in _rules(not_pregnant, policy, code, at, unit)["rules"]  # type: ignore[operator]


def test_an_urgent_hyperglycaemia_in_pregnancy_is_referred_now(policy: Policy) -> None:
    fired = _rules(PREGNANT, policy, "glucose_random", 22.3, "mmol/L")
    reason = fired["rules"]["pregnancy_hyperglycaemia"]  # type: ignore[index]
    assert reason.values["deferred_to"] == "glucose_critical_high"
    assert fired["disposition"] is Disposition.urgent_referral
