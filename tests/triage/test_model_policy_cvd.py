"""The built-in policy has the Framingham teaching-data ``cvd10`` and ``stroke10`` refer only at a
very high 10-year risk, 30 % (WHO CVD risk charts: >= 30 % very high). At their cards' 10 % they
referred, on the model alone, a man from 54 with known diabetes (cvd10 0.107 at 55, where the
published China-PAR says 7.3 %, medium) or from 58 with treated hypertension, and a woman from 67
with diabetes - patients the guidelines manage in primary care (the engine's own rule for a China-PAR
of 10 % or more, ``cvd_risk_high``, is local care). Both models are still scored and shown, and a
clinic sets the old behaviour back with ``threshold = 0.10``. docs/assessment.md, "Which risk models
may refer on their own"."""

from __future__ import annotations

import pytest

from tests.triage.conftest import NOW, ob
from tests.triage.test_model_policy_default import adult, normal_kidney
from triage.assess import assess
from triage.assessment import Assessment, Disposition
from triage.observation import Observation
from triage.patient import PatientContext
from triage.policy import load_policy, policy_from_mapping

riskmodels = pytest.importorskip(
    "triage.riskmodels", reason="triage/riskmodels.py (risk-model area) not present"
)

OLD_BEHAVIOUR = {"models": {"cvd10": {"threshold": 0.10}, "stroke10": {"threshold": 0.10}}}


@pytest.fixture(scope="module")
def models() -> object:
    return riskmodels.load_models()


def readings(*, diabetes: bool, sbp: float = 128.0, dbp: float = 80.0) -> list[Observation]:
    """What docs/assessment.md measured: normal kidney values, total cholesterol 5.0 mmol/L, random
    glucose 5.5 mmol/L (7.5 with known diabetes)."""
    return normal_kidney(sbp=sbp, dbp=dbp, glucose_random=7.5 if diabetes else 5.5)


def person(sex: str, age: int, *, hypertension: bool = False, diabetes: bool = False) -> PatientContext:
    """A non-smoker, BMI 24; hypertension means treated hypertension."""
    patient = adult(sex, hypertension=hypertension, diabetes=diabetes, age=age)
    return patient.model_copy(update={"height_cm": 170, "weight_kg": 24 * 1.7**2})


def probability(a: Assessment, model: str) -> float:
    result = next(m for m in a.models if m.model == model)
    assert result.probability is not None, f"{model} was not scored"
    return result.probability


EXAMPLES = [
    # (patient, sbp, dbp, the model the old default referred on, its risk >= the card's 10 %)
    (person("male", 61), 128.0, 80.0, "cvd10"),
    (person("male", 58, hypertension=True), 128.0, 80.0, "cvd10"),
    (person("male", 55, hypertension=True), 138.0, 85.0, "cvd10"),
    (person("male", 55, diabetes=True), 128.0, 80.0, "cvd10"),
    (person("male", 51, hypertension=True, diabetes=True), 128.0, 80.0, "cvd10"),
    (person("female", 67, diabetes=True), 128.0, 80.0, "cvd10"),
    (person("female", 64, hypertension=True, diabetes=True), 128.0, 80.0, "cvd10"),
    (person("male", 68, hypertension=True, diabetes=True), 128.0, 80.0, "stroke10"),
    (person("female", 70, hypertension=True, diabetes=True), 128.0, 80.0, "stroke10"),
]
IDS = [
    "man 61",
    "man 58 treated HT",
    "man 55 HT 138/85",
    "man 55 diabetes",
    "man 51 both",
    "woman 67 diabetes",
    "woman 64 both",
    "man 68 both (stroke10)",
    "woman 70 both (stroke10)",
]


@pytest.mark.parametrize(("patient", "sbp", "dbp", "model"), EXAMPLES, ids=IDS)
def test_the_example_patients_stay_in_primary_care_with_the_models_shown(
    patient: PatientContext, sbp: float, dbp: float, model: str, models: object
) -> None:
    obs = readings(diabetes=bool(patient.diabetes), sbp=sbp, dbp=dbp)
    a = assess(patient, obs, load_policy(), models=models, now=NOW)
    assert a.disposition is Disposition.local_care, [(r.rule, r.level) for r in a.reasons]
    assert 0.10 <= probability(a, model) < 0.30
    for name in ("cvd10", "stroke10"):
        result = next(m for m in a.models if m.model == name)
        assert result.probability is not None and result.threshold == 0.30 and not result.above_threshold
        assert not any(r.rule == f"model:{name}" for r in a.reasons)


@pytest.mark.parametrize(("patient", "sbp", "dbp", "model"), EXAMPLES, ids=IDS)
def test_a_clinic_sets_the_card_threshold_back_and_they_are_referred_again(
    patient: PatientContext, sbp: float, dbp: float, model: str, models: object
) -> None:
    clinic = policy_from_mapping(OLD_BEHAVIOUR, where="clinic.toml")
    obs = readings(diabetes=bool(patient.diabetes), sbp=sbp, dbp=dbp)
    a = assess(patient, obs, clinic, models=models, now=NOW)
    assert a.disposition is Disposition.routine_referral and a.model_level is Disposition.routine_referral
    reason = next(r for r in a.reasons if r.rule == f"model:{model}")
    assert reason.level is Disposition.routine_referral and reason.values["threshold"] == 0.10


def test_a_man_at_very_high_risk_is_still_referred_by_cvd10(models: object) -> None:
    """A man of 68 with treated hypertension (160/95 mm Hg) and diabetes, HDL 1.0 mmol/L, waist
    95 cm, urban, north: China-PAR high (the engine's cvd_risk_high, local care) and cvd10 over 30 %
    - the model refers him."""
    patient = person("male", 68, hypertension=True, diabetes=True).model_copy(
        update={"region_north": True, "urban": True, "family_history_ascvd": False}
    )
    obs = [*readings(diabetes=True, sbp=160.0, dbp=95.0), ob("hdl_cholesterol", 1.0), ob("waist", 95.0)]
    a = assess(patient, obs, load_policy(), models=models, now=NOW)
    china_par = a.scores["china_par"]
    assert china_par.value is not None and china_par.value >= 10.0, china_par
    assert "cvd_risk_high" in {r.rule for r in a.reasons}
    assert probability(a, "cvd10") >= 0.30
    assert a.disposition is Disposition.routine_referral
    reason = next(r for r in a.reasons if r.rule == "model:cvd10")
    assert reason.level is Disposition.routine_referral and reason.values["threshold"] == 0.30
