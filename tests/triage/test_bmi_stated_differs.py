"""A typed BMI that a height and weight measured today clearly contradict is named as not used: the
measured size wins (the models took the stated BMI before), and the explanation said only "bmi 32.9
from weight / height^2 (weight measured, height measured)" - a reader of a patient typed at 24 did
not learn that 24 was set aside. Now "; the stated bmi 24 is not used (it differs by 8.9 kg/m2)" when
they are more than 2 kg/m2 apart (``BMI_STATED_APART``), en and zh."""

from __future__ import annotations

import pytest

from tests.triage.conftest import NOW, normal_vitals, ob
from triage.assess import assess
from triage.observation import Observation
from triage.patient import PatientContext
from triage.policy import load_policy
from triage.riskmodels import ModelSet, load_models
from triage.service.pages.engine_text import EngineText

FIELDS = {"age": 58, "sex": "female", "diabetes": False, "current_smoker": True}
LABS = [ob("total_cholesterol", 6.2), ob("glucose_random", 9.1)]


@pytest.fixture(scope="module")
def models() -> ModelSet:
    return load_models()


def _explanations(models: ModelSet, bmi: float, readings: list[Observation]) -> dict[str, str]:
    patient = PatientContext(**FIELDS, bmi=bmi, on_antihypertensives=False, height_cm=170.0)
    result = assess(patient, [*normal_vitals(), *LABS, *readings], load_policy(), models=models, now=NOW)
    return {m.model: m.explanation for m in result.models if m.model != "ckd"}


def test_a_typed_bmi_the_measured_size_contradicts_is_named(models: ModelSet) -> None:
    sizes = [ob("weight", 95.0), ob("height", 170.0)]  # 32.9 kg/m2
    for name, text in _explanations(models, 24.0, sizes).items():
        said = (
            "; bmi 32.9 from weight / height^2 (weight measured, height measured)"
            "; the stated bmi 24 is not used (it differs by 8.9 kg/m2); "
        )
        assert said in text, (name, text)
        zh = EngineText("zh").explanation(text)
        assert "；未采用既往记录的体重指数 24（与之相差 8.9 kg/m²）；" in zh, zh
        en = EngineText("en").explanation(text)
        assert "; the stated BMI 24 is not used (it differs by 8.9 kg/m2); " in en, en


def test_a_measured_bmi_far_from_the_typed_one_is_said_too(models: ModelSet) -> None:
    for text in _explanations(models, 24.0, [ob("bmi", 30.0)]).values():
        assert (
            "; bmi 30.0 from the measured bmi; the stated bmi 24 is not used (it differs by 6.0 kg/m2)"
            in text
        )


def test_within_two_kg_m2_nothing_more_is_said(models: ModelSet) -> None:
    sizes = [ob("weight", 95.0)]  # with the stated 170 cm: 32.9 kg/m2, the typed 31 within 2
    for text in _explanations(models, 31.0, sizes).values():
        assert "bmi 32.9 from weight / height^2 (weight measured, height as stated)" in text
        assert "stated bmi" not in text, text
