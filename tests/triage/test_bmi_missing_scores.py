"""FINDRISC and CDRS say why the BMI is missing when a height and weight were not used (their BMI
implausible, b2a05e7d): they listed ``bmi`` missing ("; incomplete, missing bmi") while only the
model explanations said why (820ccd1b). Now the score's detail ends "; incomplete, missing bmi
(weight 300 kg / height 100 cm^2 (...) gives bmi 300.0, ...: not used)", and the staff pages show
that note after the score's detail in their language."""

from __future__ import annotations

import pytest

from tests.triage.conftest import NOW, normal_vitals, ob
from triage.assess import assess
from triage.observation import Observation
from triage.patient import PatientContext
from triage.policy import load_policy
from triage.service.pages.engine_text import EngineText

FIELDS = {
    "age": 50,
    "sex": "female",
    "waist_cm": 80.0,
    "physically_active": True,
    "daily_fruit_veg": True,
    "on_antihypertensives": False,
    "history_high_glucose": False,
    "family_history_diabetes": "none",
}
NOTE = "gives bmi 300.0, outside the plausible 8-90 kg/m2: not used)"
CASES = {
    # a weight measured today with the height stated earlier
    "measured": (
        PatientContext(**FIELDS, height_cm=100.0),
        [ob("weight", 300.0)],
        "weight 300 kg / height 100 cm^2 (weight measured, height as stated) ",
        "体重 300 kg / 身高 100 cm²（体重为今日测量，身高为既往记录）得出体重指数 300.0，超出合理范围 8-90 kg/m²：未采用",
    ),
    # a stated pair stored before the intake refused it
    "stated": (
        PatientContext(**FIELDS, height_cm=100.0, weight_kg=300.0),
        [],
        "weight 300 kg / height 100 cm^2 (weight as stated, height as stated) ",
        "体重 300 kg / 身高 100 cm²（体重和身高均为既往记录）得出体重指数 300.0，超出合理范围 8-90 kg/m²：未采用",
    ),
}


def _scores(patient: PatientContext, readings: list[Observation]) -> dict[str, dict[str, object]]:
    payload = assess(patient, [*normal_vitals(), *readings], load_policy(), models=None, now=NOW)
    scores: dict[str, dict[str, object]] = payload.model_dump(mode="json")["scores"]
    return scores


@pytest.mark.parametrize("case", sorted(CASES))
def test_the_scores_say_why_the_bmi_is_missing(case: str) -> None:
    patient, readings, pair, chinese = CASES[case]
    scores = _scores(patient, readings)
    for name in ("findrisc", "cdrs"):
        score = scores[name]
        assert score["missing"] == ["bmi"], score
        assert str(score["detail"]).endswith("; incomplete, missing bmi (" + pair + NOTE), score["detail"]
        zh = EngineText("zh", {"scores": scores}).score_detail(name, score)
        assert zh.endswith("；" + chinese), zh
        en = EngineText("en", {"scores": scores}).score_detail(name, score)
        assert en.endswith("; " + pair.replace("bmi", "BMI") + NOTE.replace("bmi", "BMI")[:-1]), en


def test_no_note_when_the_bmi_is_not_missing() -> None:
    # the stated BMI is taken when the measured pair is not used: nothing missing, nothing to say
    scores = _scores(PatientContext(**FIELDS, height_cm=100.0, bmi=24.0), [ob("weight", 300.0)])
    for name in ("findrisc", "cdrs"):
        assert "bmi" not in scores[name]["missing"] and "not used" not in str(scores[name]["detail"])
    # missing for want of any size: the plain clause, as before
    scores = _scores(PatientContext(**FIELDS), [])
    for name in ("findrisc", "cdrs"):
        assert str(scores[name]["detail"]).endswith("; incomplete, missing bmi"), scores[name]
