"""A model's not-scored reason for an age outside its population says what is true for each model:
it said "trained on ages {low}-{high}" for all, but ckd's bound is its intended population (the UCI
data's adults, 19-90, e3949be4), not its training ages (2-90): a 5-year-old read "trained on ages
19-90". Now "(the model is for ages 19-90)", the card's ``population.ages``, en and zh."""

from __future__ import annotations

import pytest

from tests.triage.conftest import NOW, normal_vitals
from triage.assess import assess
from triage.patient import PatientContext
from triage.policy import load_policy
from triage.riskmodels import ModelSet, load_models
from triage.service.pages.engine_text import EngineText


@pytest.fixture(scope="module")
def models() -> ModelSet:
    return load_models()


@pytest.mark.parametrize("side", ["below", "above"])
def test_each_models_age_bound_is_said_as_its_population(models: ModelSet, side: str) -> None:
    for name, model in models.models.items():
        ages = model.card.population.ages
        assert ages is not None, name
        low, high = ages
        age = low - 1 if side == "below" else high + 1
        patient = PatientContext(age=age, sex=model.card.population.sex or "male")
        result = next(
            m
            for m in assess(patient, normal_vitals(), load_policy(), models=models, now=NOW).models
            if m.model == name
        )
        said = f"outside the model population: age {age:g} years (the model is for ages {low:g}-{high:g})"
        assert result.probability is None and said in result.explanation, (name, result.explanation)
        assert "trained on ages" not in result.explanation, result.explanation
        chinese = EngineText("zh").explanation(result.explanation)
        assert f"不属于模型适用人群：年龄 {age:g} 岁（模型适用于 {low:g}-{high:g} 岁）" in chinese, chinese
