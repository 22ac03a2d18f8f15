"""A risk model's note of a BMI measured today (6deaa2e: "bmi 32.9 from weight / height^2 (weight
measured, height as stated)") on the staff pages in the user's language. The note was no phrase
the pages know, so the Chinese page showed that clause in English; now each of its four wordings is
a phrase (``triage.phrases.BMI_MEASURED``, ``BMI_FROM_SIZE``) with its catalogue entry, and the
English page names the codes as the rest of the explanation does."""

from __future__ import annotations

import pytest

from tests.service.conftest import Staff, unspanned
from tests.service.test_engine_text import CJK
from tests.triage.conftest import NOW, ob
from triage.assess import assess
from triage.observation import Observation
from triage.patient import PatientContext
from triage.policy import load_policy
from triage.riskmodels import ModelSet, load_models
from triage.service.auth import Role
from triage.service.pages.engine_text import EngineText

MAN = {"age": 55, "sex": "male", "current_smoker": False, "diabetes": False, "on_antihypertensives": False}
READINGS = [ob("sbp", 150), ob("dbp", 90), ob("glucose_random", 6), ob("total_cholesterol", 5)]

# (stated, measured, the engine's note, the Chinese page's, the English page's)
CASES = [
    (
        {"height_cm": 170, "weight_kg": 60, "bmi": 20.8},
        [ob("weight", 95)],
        "bmi 32.9 from weight / height^2 (weight measured, height as stated)",
        "体重指数 32.9，按体重/身高² 计算（体重为今日测量，身高为既往记录）",
        "BMI 32.9 from weight / height^2 (weight measured, height as stated)",
    ),
    (
        {"weight_kg": 60},
        [ob("height", 170)],
        "bmi 20.8 from weight / height^2 (weight as stated, height measured)",
        "体重指数 20.8，按体重/身高² 计算（体重为既往记录，身高为今日测量）",
        "BMI 20.8 from weight / height^2 (weight as stated, height measured)",
    ),
    (
        {"bmi": 20.8},
        [ob("weight", 95), ob("height", 170)],
        "bmi 32.9 from weight / height^2 (weight measured, height measured)",
        "体重指数 32.9，按体重/身高² 计算（体重和身高均为今日测量）",
        "BMI 32.9 from weight / height^2 (weight measured, height measured)",
    ),
    (
        {"bmi": 20.8},
        [ob("bmi", 31.0)],
        "bmi 31.0 from the measured bmi",
        "体重指数 31.0，取自今日测量的体重指数",
        "BMI 31.0 from the measured BMI",
    ),
]


@pytest.fixture(scope="module")
def models() -> ModelSet:
    return load_models()


@pytest.mark.parametrize(
    ("stated", "measured", "note", "zh", "en"), CASES, ids=["weight", "height", "both", "bmi"]
)
def test_each_bmi_note_is_shown_in_the_pages_language(
    models: ModelSet, stated: dict[str, object], measured: list[Observation], note: str, zh: str, en: str
) -> None:
    patient = PatientContext.model_validate(MAN | stated)
    a = assess(patient, READINGS + measured, load_policy(), models=models, now=NOW)
    explanation = next(m.explanation for m in a.models if m.model == "cvd10")
    assert f"; {note};" in explanation, "the engine's English record is unchanged"
    chinese = EngineText("zh").explanation(explanation)
    assert zh in chinese and note not in chinese and "measured" not in chinese, chinese
    assert CJK.search(chinese.split(zh)[1])  # the clauses after it are translated too
    assert en in EngineText("en").explanation(explanation)


def test_the_chinese_patient_page_shows_the_measured_bmi_in_chinese(staff: Staff) -> None:
    """The page shows a scored model's explanation in its reason, once the risk reaches the threshold."""
    readings = [("sbp", 170, "mm[Hg]"), ("dbp", 90, "mm[Hg]"), ("total_cholesterol", 7.5, "mmol/L")]
    readings += [("glucose_random", 12, "mmol/L"), ("weight", 95, "kg"), ("height", 170, "cm")]
    body = {
        "patient": {"mrn": "BMI-1", "sex": "male"},
        "age_years": 70,
        "context": {"current_smoker": True, "diabetes": True, "on_antihypertensives": False},
        "observations": [{"code": c, "value": v, "unit": u} for c, v, u in readings],
    }
    made = staff.client.post("/api/v1/assessments", json=body, headers=staff.bearer(Role.nurse))
    assert made.status_code == 201, made.text
    note = "bmi 32.9 from weight / height^2 (weight measured, height measured)"
    reasons = [r["detail"] for r in made.json()["assessment"]["reasons"] if r["source"] == "model"]
    assert any(note in detail for detail in reasons), reasons
    csrf = staff.login(Role.nurse)
    switched = staff.client.post(
        "/language", data={"csrf_token": csrf, "language": "zh"}, follow_redirects=False
    )
    assert switched.status_code == 303
    page = unspanned(staff.client.get(f"/encounters/{made.json()['encounter_id']}").text)
    assert "体重指数 32.9，按体重/身高² 计算（体重和身高均为今日测量）" in page
    assert note not in page and "weight measured" not in page
