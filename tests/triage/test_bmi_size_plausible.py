"""A BMI worked out from a height and a weight is range-checked as a typed one is (8-90 kg/m2).

Each size was checked alone (height 40-250 cm, weight 1-400 kg), so height 100 cm with weight
300 kg gave a BMI of 300 that reached the scores and the risk models: in
examples/model-referral.json edited so, cvd10 took it. Now a stated pair (the patient's
``height_cm`` and ``weight_kg``: ``triage assess`` input, the API's context) is refused naming both
and the BMI they give; a pair with a size measured today (a scale, the vital-signs form, an API or
input observation) is not used - the stated BMI is, else none - and each model that takes the BMI
says why in its explanation (en and zh on the pages)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from tests.triage.conftest import NOW, ob
from triage.assess import assess
from triage.errors import UserInputError
from triage.patient import PatientContext, patient_from_mapping
from triage.policy import load_policy
from triage.riskmodels import ModelSet, load_models
from triage.service.pages.engine_text import EngineText

ROOT = Path(__file__).resolve().parents[2]
TRIAGE = ROOT / ".venv" / "bin" / "triage"
MAN = {"age": 68, "sex": "male", "current_smoker": True, "diabetes": True, "on_antihypertensives": True}
READINGS = [ob("sbp", 160), ob("dbp", 95), ob("heart_rate", 78), ob("total_cholesterol", 6.8)]
REFUSED = (
    "patient.height_cm, patient.weight_kg: height 100 cm and weight 300 kg give a BMI of 300.0 kg/m2,"
    " outside the plausible range 8-90 kg/m2; check both (a height in metres, a weight in pounds or"
    " grams?)"
)


@pytest.fixture(scope="module")
def models() -> ModelSet:
    return load_models()


@pytest.mark.parametrize(
    ("height", "weight", "bmi"),
    [(100, 300, "300.0"), (100, 90.5, "90.5"), (250, 49, "7.8"), (40, 1, "6.2")],
)
def test_a_stated_height_and_weight_whose_bmi_is_implausible_are_refused(
    height: float, weight: float, bmi: str
) -> None:
    with pytest.raises(UserInputError) as refused:
        patient_from_mapping({"height_cm": height, "weight_kg": weight})
    said = str(refused.value)
    assert said.startswith(f"patient.height_cm, patient.weight_kg: height {height:g} cm and weight"), said
    assert f"give a BMI of {bmi} kg/m2, outside the plausible range 8-90 kg/m2" in said, said


@pytest.mark.parametrize(("height", "weight"), [(100, 90), (250, 50), (100, 8)])
def test_a_stated_pair_at_the_ends_of_the_range_is_taken(height: float, weight: float) -> None:
    patient = patient_from_mapping({"height_cm": height, "weight_kg": weight})
    assert patient.bmi_value == pytest.approx(weight / (height / 100) ** 2)


def test_triage_assess_refuses_the_edited_example_naming_both(tmp_path: Path) -> None:
    case = json.loads((ROOT / "examples" / "model-referral.json").read_text(encoding="utf-8"))
    case["patient"] |= {"height_cm": 100, "weight_kg": 300}
    path = tmp_path / "case.json"
    path.write_text(json.dumps(case), encoding="utf-8")
    ran = subprocess.run([TRIAGE, "assess", str(path)], capture_output=True, text=True, check=False)
    assert ran.returncode == 2 and ran.stdout == "", (ran.returncode, ran.stdout)
    assert ran.stderr.strip() == f"error: {path}: {REFUSED}", ran.stderr


@pytest.mark.parametrize(
    ("stated", "measured", "note"),
    [
        (
            {"height_cm": 100},
            [ob("weight", 300)],
            "weight 300 kg / height 100 cm^2 (weight measured, height as stated) gives bmi 300.0,"
            " outside the plausible 8-90 kg/m2: not used",
        ),
        (
            {"weight_kg": 80},
            [ob("height", 50)],
            "weight 80 kg / height 50 cm^2 (weight as stated, height measured) gives bmi 320.0,"
            " outside the plausible 8-90 kg/m2: not used",
        ),
        (
            {},
            [ob("height", 100), ob("weight", 300)],
            "weight 300 kg / height 100 cm^2 (weight measured, height measured) gives bmi 300.0,"
            " outside the plausible 8-90 kg/m2: not used",
        ),
    ],
    ids=["weight", "height", "both"],
)
def test_a_measured_size_whose_bmi_is_implausible_is_not_used_and_the_explanation_says_why(
    models: ModelSet, stated: dict[str, object], measured: list, note: str
) -> None:
    policy = load_policy()
    patient = PatientContext.model_validate(MAN | stated)
    a = assess(patient, READINGS + measured, policy, models=models, now=NOW)
    without = assess(PatientContext.model_validate(MAN), READINGS, policy, models=models, now=NOW)
    for name in ("cvd10", "stroke10"):
        result = next(m for m in a.models if m.model == name)
        assert "bmi" in result.imputed, (name, result.imputed)
        assert f"; {note};" in result.explanation, result.explanation
        unsized = next(m for m in without.models if m.model == name)
        assert result.probability == unsized.probability, "the model decided without the BMI"
    for score in ("findrisc", "cdrs"):
        assert "bmi" in a.scores[score].missing, (score, a.scores[score])
    chinese = EngineText("zh").explanation(next(m.explanation for m in a.models if m.model == "cvd10"))
    assert "超出合理范围 8-90 kg/m²：未采用" in chinese and "not used" not in chinese, chinese


def test_a_stated_bmi_is_used_when_the_measured_size_is_not(models: ModelSet) -> None:
    patient = PatientContext.model_validate(MAN | {"height_cm": 100, "bmi": 27.0})
    a = assess(patient, [*READINGS, ob("weight", 300)], load_policy(), models=models, now=NOW)
    cvd10 = next(m for m in a.models if m.model == "cvd10")
    assert "bmi" not in cvd10.imputed and "bmi 300.0" in cvd10.explanation, cvd10.explanation
    stated = assess(
        PatientContext.model_validate(MAN | {"bmi": 27.0}), READINGS, load_policy(), models=models, now=NOW
    )
    assert cvd10.probability == next(m for m in stated.models if m.model == "cvd10").probability


def test_a_model_that_needs_the_bmi_says_why_it_is_missing(models: ModelSet) -> None:
    """The diabetes model rejects an unknown BMI: it said 'required inputs missing: bmi' only, with a
    weight measured today; now the reason says the measured size was not used, and why."""
    woman = PatientContext.model_validate({"age": 45, "sex": "female", "diabetes": False, "height_cm": 100})
    readings = [ob("weight", 300), ob("glucose_random", 9.0), ob("dbp", 80)]
    a = assess(woman, readings, load_policy(), models=models, now=NOW)
    diabetes = next(m for m in a.models if m.model == "diabetes")
    assert diabetes.probability is None and diabetes.missing == ("bmi",), diabetes
    assert diabetes.explanation == (
        "diabetes not scored: required inputs missing: bmi (weight 300 kg / height 100 cm^2 (weight measured,"
        " height as stated) gives bmi 300.0, outside the plausible 8-90 kg/m2: not used)."
    ), diabetes.explanation
    chinese = EngineText("zh").explanation(diabetes.explanation)
    assert chinese.endswith(
        "缺少必需的输入：体重指数（体重 300 kg / 身高 100 cm²（体重为今日测量，身高为既往记录）得出体重指数 300.0，超出合理范围 8-90 kg/m²：未采用）。"
    ), chinese
    unmeasured = assess(woman, readings[1:], load_policy(), models=models, now=NOW)
    plain = next(m for m in unmeasured.models if m.model == "diabetes")
    assert plain.explanation == "diabetes not scored: required inputs missing: bmi.", plain.explanation


def test_a_stated_pair_stored_before_the_check_is_not_used_and_said(models: ModelSet) -> None:
    """A visit's context stored before the intake refused such a pair still loads (its device results
    are still assessed); the pair is not used and the explanation says so."""
    patient = PatientContext.model_validate(MAN | {"height_cm": 100, "weight_kg": 300})
    assert patient.bmi_value is None
    a = assess(patient, READINGS, load_policy(), models=models, now=NOW)
    cvd10 = next(m for m in a.models if m.model == "cvd10")
    note = (
        "weight 300 kg / height 100 cm^2 (weight as stated, height as stated) gives bmi 300.0, outside the"
        " plausible 8-90 kg/m2: not used"
    )
    assert "bmi" in cvd10.imputed and f"; {note};" in cvd10.explanation, cvd10.explanation
    chinese = EngineText("zh").explanation(cvd10.explanation)
    assert "（体重和身高均为既往记录）得出体重指数 300.0，超出合理范围 8-90 kg/m²：未采用" in chinese, chinese
