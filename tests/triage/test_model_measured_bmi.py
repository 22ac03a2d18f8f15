"""The risk models take the same BMI as the scores: a size measured today wins over the stated one
(docs/assessment.md, "Patient context"; 7e081fa made the scores so). The models took the stated
BMI whenever there was one: a man stated at BMI 20.8 (60 kg, 170 cm) and weighed at 95 kg today was
scored by cvd10 and stroke10 at BMI 20.8 while CDRS and FINDRISC read 32.9. Now one rule
(``triage.riskfeatures.body_mass_index``) for both, and the model's explanation says which BMI it
took when it was measured. The real engine, the shipped models and the built-in policy."""

from __future__ import annotations

import pytest

from tests.triage.conftest import NOW, ob
from triage.assess import assess
from triage.observation import Observation
from triage.patient import PatientContext
from triage.policy import load_policy
from triage.riskfeatures import body_mass_index, build_features
from triage.riskmodels import ModelSet, load_models

MAN = {"age": 55, "sex": "male", "current_smoker": False, "diabetes": False, "on_antihypertensives": False}
READINGS = [
    ob("sbp", 150),
    ob("dbp", 90),
    ob("glucose_random", 6),
    ob("total_cholesterol", 5),
    ob("heart_rate", 70),
]


@pytest.fixture(scope="module")
def models() -> ModelSet:
    return load_models()


# (stated, measured, BMI taken, what the explanation says)
CASES = [
    (
        {"height_cm": 170, "weight_kg": 60, "bmi": 20.8},
        [ob("weight", 95)],
        95 / 1.7**2,
        "weight measured, height as stated",
    ),
    ({"bmi": 20.8}, [ob("weight", 95), ob("height", 170)], 95 / 1.7**2, "weight measured, height measured"),
    ({"bmi": 20.8}, [ob("bmi", 31.0)], 31.0, "the measured bmi"),
    ({"weight_kg": 60}, [ob("height", 170)], 60 / 1.7**2, "weight as stated, height measured"),
]


@pytest.mark.parametrize(("stated", "measured", "bmi", "said"), CASES)
def test_a_measured_size_wins_for_the_models_as_for_the_scores(
    models: ModelSet, stated: dict[str, object], measured: list[Observation], bmi: float, said: str
) -> None:
    patient = PatientContext.model_validate(MAN | stated)
    a = assess(patient, READINGS + measured, load_policy(), models=models, now=NOW)
    values = {o.code: o.value for o in a.observations_used if o.value is not None}
    card = models.models["cvd10"].card
    assert build_features(card, patient, values)["bmi"] == pytest.approx(bmi)  # type: ignore[arg-type]
    assert body_mass_index(patient.__dict__, values)[0] == pytest.approx(bmi)  # type: ignore[arg-type]
    for result in a.models:
        if result.model in ("cvd10", "stroke10"):
            assert f"bmi {bmi:.1f} from" in result.explanation and said in result.explanation, (
                result.explanation
            )
    # the same BMI reached FINDRISC: its points are those of the BMI taken (<25: 0, 25-30: 1, >30: 3)
    assert a.scores["findrisc"].components["bmi"] == (3 if bmi > 30 else 1 if bmi >= 25 else 0)


def test_a_stated_size_alone_is_taken_as_before_and_not_noted(models: ModelSet) -> None:
    patient = PatientContext.model_validate(MAN | {"bmi": 27.0})
    a = assess(patient, READINGS, load_policy(), models=models, now=NOW)
    values = {o.code: o.value for o in a.observations_used if o.value is not None}
    assert build_features(models.models["cvd10"].card, patient, values)["bmi"] == 27.0  # type: ignore[arg-type]
    assert all("bmi 27.0 from" not in r.explanation for r in a.models)


def test_a_measured_size_given_as_a_whole_number_is_taken_too(models: ModelSet) -> None:
    """``ModelSet.predict`` takes canonical values from any caller: a weight of 95 (an ``int``)."""
    patient = PatientContext.model_validate(MAN | {"height_cm": 170, "bmi": 20.8})
    features = build_features(models.models["cvd10"].card, patient, {"weight": 95})
    assert features["bmi"] == pytest.approx(95 / 1.7**2)
