"""A risk computed with an input imputed says it is less certain, with the card's held-out subgroup
figures (``inputs=imputed`` against ``inputs=complete``, read from card.json here, as the engine
reads them from the card at load); a risk with every input measured says nothing of the kind."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

import models
from tests.triage.conftest import NOW, normal_vitals, ob
from triage.assess import assess
from triage.assessment import Assessment
from triage.observation import Observation
from triage.patient import PatientContext
from triage.policy import Policy
from triage.riskmodels import ModelSet, load_models
from triage.service.pages.engine_text import EngineText

PATIENT = PatientContext(
    age=66, sex="male", diabetes=True, current_smoker=True, on_antihypertensives=True, bmi=31.0
)


@pytest.fixture(scope="module")
def model_set() -> ModelSet:
    return load_models()


def _subgroups(name: str) -> dict[str, Any]:
    card = json.loads((Path(models.__file__).parent / name / "1.0.0" / "card.json").read_text())
    subgroups: dict[str, Any] = card["metrics"]["subgroups"]
    return subgroups


def _assess(model_set: ModelSet, policy: Policy, glucose: float | None) -> Assessment:
    readings: list[Observation] = [*normal_vitals(), ob("sbp", 168.0), ob("total_cholesterol", 7.2)]
    if glucose is not None:
        readings.append(ob("glucose_random", glucose))
    return assess(PATIENT, readings, policy, model_set, now=NOW)


def test_a_risk_with_glucose_imputed_is_less_certain_by_the_cards_figures(
    model_set: ModelSet, policy: Policy
) -> None:
    result = _assess(model_set, policy, None)
    cvd10 = next(m for m in result.models if m.model == "cvd10")
    assert cvd10.probability is not None and set(cvd10.imputed) == {"glucose_random"}
    imputed, complete = _subgroups("cvd10")["inputs=imputed"], _subgroups("cvd10")["inputs=complete"]
    caution = (
        f"so this risk is less certain: held-out AUROC {imputed['auroc']:.3f} on the card's"
        f" {imputed['n']} rows with an input imputed ({imputed['events']} events), against"
        f" {complete['auroc']:.3f} on its {complete['n']} rows with every input measured;"
        " too few outcomes on those rows for a firm estimate; "
    )
    assert caution in cvd10.explanation
    assert "0.603 on the card's 124 rows" in cvd10.explanation  # the card as shipped (2b70c72)
    # the model's reason (it is above its threshold) carries the explanation, so the caution too
    reason = next(r for r in result.reasons if r.rule == "model:cvd10")
    assert caution in reason.detail
    # the staff page in both languages (the catalogues' engine.imputed_less_certain, few_outcomes)
    zh = EngineText("zh").explanation(cvd10.explanation)
    assert (
        f"有输入项被填补的 {imputed['n']} 例 AUROC 为 {imputed['auroc']:.3f}（{imputed['events']} 例事件）"
        in zh
    )
    assert "结局事件过少" in zh and "less certain" not in zh
    assert "less certain: held-out AUROC 0.603" in EngineText("en").explanation(cvd10.explanation)


def test_a_risk_with_every_input_measured_says_no_caution(model_set: ModelSet, policy: Policy) -> None:
    result = _assess(model_set, policy, 6.1)
    cvd10 = next(m for m in result.models if m.model == "cvd10")
    assert cvd10.probability is not None and cvd10.imputed == {}
    assert "less certain" not in cvd10.explanation and "firm estimate" not in cvd10.explanation
    assert all("less certain" not in r.detail for r in result.reasons)


def test_the_caution_never_changes_the_routing(model_set: ModelSet, policy: Policy) -> None:
    """Words only: the disposition, levels and red flags are those of the same patient scored with
    the glucose at its training median (what the model was given)."""
    imputed = _assess(model_set, policy, None)
    median = _assess(model_set, policy, float(imputed.models[0].imputed["glucose_random"]))
    keys = ("disposition", "rule_level", "model_level", "red_flags")
    assert [getattr(imputed, k) for k in keys] == [getattr(median, k) for k in keys]
