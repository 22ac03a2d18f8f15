"""A hypertensive emergency by age (AAP 2017, Flynn JT et al. Pediatrics 2017;140:e20171904, Table 11
footnote d: a patient in stage 2 who is symptomatic goes to an emergency department). At 13-17 stage 2 is >=140
and/or >=90 mmHg, so 150/95 with chest pain is an emergency transfer - with the adult 180/110 it was
a non-emergency referral in a week. Under 13 stage 2 is read on percentile tables this engine does
not hold: the adult 180/110 is used, and the reason says so and why. From 18 (and with no age) the
adult threshold, as before."""

from __future__ import annotations

import json

import pytest

from tests.service.test_rule_reasons_page import english_left
from tests.triage.conftest import NOW, ob
from triage.assess import assess
from triage.assessment import Assessment
from triage.patient import PatientContext
from triage.policy import load_policy
from triage.service.pages.engine_text import EngineText

POLICY = load_policy()


def _assess(sbp: float, dbp: float, age: float | None, symptoms: tuple[str, ...] | None) -> Assessment:
    patient = PatientContext(age=age, acute_symptoms=symptoms)  # type: ignore[arg-type]
    return assess(patient, [ob("sbp", sbp), ob("dbp", dbp)], POLICY, now=NOW)


def _emergency(a: Assessment) -> list[dict[str, object]]:
    payload = json.loads(a.model_dump_json())
    return [r for r in payload["reasons"] if r["rule"] == "hypertensive_emergency"]


@pytest.mark.parametrize(
    ("age", "sbp", "dbp", "emergency"),
    [
        (13, 140, 70, True),
        (17, 139, 89, False),
        (17, 120, 90, True),
        (15, 139, 89, False),
        (12, 150, 95, False),  # under 13: the adult threshold
        (12, 180, 95, True),
        (18, 150, 95, False),
        (18, 179, 109, False),
        (18, 180, 95, True),
        (None, 150, 95, False),
    ],
)
def test_the_emergency_pressure_is_the_aap_stage_2_at_13_to_17(
    age: float | None, sbp: float, dbp: float, emergency: bool
) -> None:
    a = _assess(sbp, dbp, age, ("chest_pain",))
    assert bool(_emergency(a)) is emergency
    # below that pressure chest pain now is an emergency transfer of its own (triage.rules.symptoms)
    fired = {r.rule for r in a.reasons}
    assert ("acute_symptom_emergency" in fired) is not emergency
    assert a.disposition.value == "emergency_transfer"


def test_an_adolescents_stage_2_without_symptoms_asked_lists_them_missing() -> None:
    asked = _assess(150, 95, 16, None)
    assert "acute_symptoms" in asked.missing_inputs
    assert "acute_symptoms" not in _assess(150, 95, 30, None).missing_inputs
    assert "acute_symptoms" not in _assess(150, 95, 16, ()).missing_inputs


@pytest.mark.parametrize(
    ("age", "threshold", "said", "zh"),
    [
        (16, "adolescent", "(AAP 2017 adolescent stage 2: >=140 and/or >=90)", "AAP 2017 青少年 2 期"),
        (40, "adult", "(>=180 and/or >=110)", "（≥180 和/或 ≥110 mmHg）"),
        (
            9,
            "child",
            "(>=180 and/or >=110, the adult threshold: under 13 AAP 2017 reads stage 2",
            "即成人阈值",
        ),
    ],
)
def test_the_reason_names_the_threshold_it_used(age: int, threshold: str, said: str, zh: str) -> None:
    a = _assess(185, 100, age, ("dyspnoea",))
    (reason,) = _emergency(a)
    assert reason["values"]["bp_threshold"] == threshold  # type: ignore[index]
    assert str(reason["detail"]).startswith(f"blood pressure 185/100 mmHg {said}"), reason["detail"]
    payload = json.loads(a.model_dump_json())
    shown = EngineText("zh", payload).rule_detail(reason)
    assert zh in shown and "呼吸困难" in shown, shown
    assert not english_left(EngineText("zh", payload).detail(reason))
    assert "percentile tables" not in str(reason["detail"]) or threshold == "child"
