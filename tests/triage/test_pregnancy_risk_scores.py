"""In pregnancy the long-term risk scores read numbers that are not the woman's own - cholesterol
rises, blood pressure falls in mid-pregnancy, weight and waist grow - and none was derived in
pregnant women: China-PAR, the Pooled Cohort Equations, FINDRISC and CDRS said a 10-year % or a
diabetes screen for her (and CDRS >= 25 offered the general OGTT / HbA1c screen, where pregnancy has
its own: ADA Standards of Care 2025, section 15). Now each is not applicable with why, and the
first-event models cvd10 and stroke10 are not run; the pregnancy rules are unchanged."""

from __future__ import annotations

import pytest

from tests.triage.conftest import NOW, ob
from triage.assess import assess
from triage.assessment import Disposition
from triage.patient import PatientContext
from triage.policy import Policy

riskmodels = pytest.importorskip("triage.riskmodels")

WOMAN = {
    "age": 41,
    "sex": "female",
    "diabetes": False,
    "on_antihypertensives": False,
    "current_smoker": False,
    "waist_cm": 96.0,
    "bmi": 31.0,
    "region_north": True,
    "urban": True,
    "family_history_ascvd": False,
    "family_history_diabetes": "first_degree",
    "physically_active": False,
    "daily_fruit_veg": False,
    "history_high_glucose": True,
}
SCORES = ("china_par", "pce", "findrisc", "cdrs")


@pytest.fixture(scope="module")
def models() -> object:
    return riskmodels.load_models()


def _readings() -> list[object]:
    return [
        ob("sbp", 138),
        ob("dbp", 84),
        ob("total_cholesterol", 6.9),
        ob("hdl_cholesterol", 1.3),
        ob("glucose_random", 6.0),
    ]


@pytest.mark.parametrize("pregnant", [True, False, None])
def test_the_risk_scores_and_first_event_models_stand_aside_in_pregnancy(
    policy: Policy, models: object, pregnant: bool | None
) -> None:
    patient = PatientContext(**WOMAN, pregnant=pregnant)  # type: ignore[arg-type]
    a = assess(patient, _readings(), policy, models=models, now=NOW)  # type: ignore[arg-type]
    by_model = {m.model: m for m in a.models}
    if pregnant:
        for name in SCORES:
            score = a.scores[name]
            assert score.value is None and score.band == "not_applicable", score
            assert score.detail.startswith(
                "not applicable in pregnancy: derived in people who were not pregnant"
            )
            assert score.missing == ()
        for name in ("cvd10", "stroke10"):
            assert by_model[name].probability is None
            assert "outside the model population: patient.pregnant is true" in by_model[name].explanation
        assert "diabetes_risk_high" not in {r.rule for r in a.reasons}
        assert "pregnancy_hypertension" not in {r.rule for r in a.reasons}, "138/84 is below 140/90"
    else:  # not pregnant, or not recorded: as before
        for name in SCORES:
            assert a.scores[name].applicable, a.scores[name]
        assert a.scores["cdrs"].value is not None and a.scores["cdrs"].value >= 25
        assert "diabetes_risk_high" in {r.rule for r in a.reasons}
        assert by_model["cvd10"].probability is not None


def test_a_pregnancy_rule_still_fires_beside_them(policy: Policy) -> None:
    patient = PatientContext(**WOMAN, pregnant=True, gestation_weeks=30)  # type: ignore[arg-type]
    a = assess(patient, [ob("sbp", 150), ob("dbp", 96)], policy, now=NOW)
    assert "pregnancy_hypertension" in {r.rule for r in a.reasons}
    assert a.disposition is Disposition.urgent_referral
