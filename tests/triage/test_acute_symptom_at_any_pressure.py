"""An acute symptom a clinician recorded is read at any pressure (``triage.rules.symptoms``).

The engine read the recorded symptoms only beside a raised pressure (``hypertensive_emergency`` from
180/110, ``pre_eclampsia_severe_features`` from 140/90 in pregnancy and after birth): a 55-year-old
with chest pain now and normal vital signs was local care, re-check in 30 days, the chest pain named
nowhere, where NICE CG95 refers current chest pain with an ACS suspected as an emergency, and NICE
NG128 a sudden neurological deficit as a suspected stroke. Now chest pain, a new neurological deficit
or confusion is an emergency transfer at any pressure (``acute_symptom_emergency``), breathlessness
or visual loss a same-day assessment (``acute_symptom_urgent``); a symptom a pressure rule already
reads is not said twice, and a headache outside pregnancy and the weeks after birth stays no sign."""

from __future__ import annotations

import pytest

from tests.triage.conftest import NOW, normal_vitals, ob
from triage.assess import assess
from triage.assessment import Assessment, Disposition
from triage.observation import Observation
from triage.patient import PatientContext
from triage.policy import Policy

E, U, L = Disposition.emergency_transfer, Disposition.urgent_referral, Disposition.local_care
LEVEL = {"chest_pain": E, "neurological_deficit": E, "confusion": E, "dyspnoea": U, "visual_loss": U}
RULE = {E: "acute_symptom_emergency", U: "acute_symptom_urgent"}
SAID = {
    "chest_pain": "chest pain recorded now (blood pressure 124/78 mmHg): acute coronary syndrome or aortic"
    " dissection suspected until an ECG and a clinician exclude them: emergency transfer now",
    "neurological_deficit": "a new neurological deficit recorded now (blood pressure 124/78 mmHg): stroke"
    " suspected (time-critical): emergency transfer now",
    "confusion": "confusion recorded now (blood pressure 124/78 mmHg): new confusion is not alert on ACVPU -"
    " check capillary glucose: emergency transfer now",
    "dyspnoea": "breathlessness recorded now (blood pressure 124/78 mmHg): measure the NEWS2 observations now"
    " (respiration rate, SpO2, pulse): same-day clinical assessment (refer urgently)",
    "visual_loss": "visual loss recorded now (blood pressure 124/78 mmHg): sudden visual loss needs a same-day"
    " eye assessment: same-day clinical assessment (refer urgently)",
}


def _vitals() -> list[Observation]:
    return [*normal_vitals(), ob("dbp", 78)]


def _assess(policy: Policy, readings: list[Observation], **patient: object) -> Assessment:
    return assess(PatientContext(**{"age": 55, "sex": "male", **patient}), readings, policy, now=NOW)  # type: ignore[arg-type]


@pytest.mark.parametrize("symptom", sorted(LEVEL))
def test_a_symptom_recorded_with_normal_vital_signs_is_read_and_named(policy: Policy, symptom: str) -> None:
    before = _assess(policy, _vitals(), acute_symptoms=[])
    assert before.disposition is L
    a = _assess(policy, _vitals(), acute_symptoms=[symptom])
    assert a.disposition is LEVEL[symptom]
    (reason,) = [r for r in a.reasons if r.rule == RULE[LEVEL[symptom]]]
    assert reason.red_flag and reason.values == {"acute_symptoms": symptom}
    assert reason.detail == SAID[symptom]


def test_chest_pain_with_no_pressure_measured_is_an_emergency_too(policy: Policy) -> None:
    a = _assess(policy, [ob("heart_rate", 80), ob("spo2", 98)], acute_symptoms=["chest_pain", "dyspnoea"])
    assert a.disposition is E
    emergency, urgent = (next(r for r in a.reasons if r.rule == name) for name in RULE.values())
    assert emergency.detail.startswith("chest pain recorded now (no blood pressure measured): ")
    assert urgent.detail.startswith("breathlessness recorded now (no blood pressure measured): ")


@pytest.mark.parametrize(("sbp", "dbp"), [(180, 90), (150, 110), (185, 115)])
def test_from_the_severe_pressure_the_hypertensive_emergency_names_it_alone(
    policy: Policy, sbp: float, dbp: float
) -> None:
    a = _assess(policy, [ob("sbp", sbp), ob("dbp", dbp)], acute_symptoms=["chest_pain", "visual_loss"])
    rules = {r.rule for r in a.reasons}
    assert "hypertensive_emergency" in rules and not rules & set(RULE.values())
    assert a.disposition is E


def test_after_birth_a_severe_feature_is_the_pre_eclampsia_rules_and_chest_pain_its_own(
    policy: Policy,
) -> None:
    a = _assess(
        policy,
        [ob("sbp", 150), ob("dbp", 95)],
        age=30,
        sex="female",
        postpartum=True,
        acute_symptoms=["chest_pain", "dyspnoea"],
    )
    found = {r.rule: r for r in a.reasons}
    assert found["pre_eclampsia_severe_features"].values["acute_symptoms"] == "dyspnoea"
    assert found["acute_symptom_emergency"].values["acute_symptoms"] == "chest_pain"
    assert "acute_symptom_urgent" not in found and a.disposition is E


@pytest.mark.parametrize(
    "patient", [{}, {"age": 30, "sex": "female", "pregnant": True, "gestation_weeks": 12}]
)
def test_a_headache_alone_is_still_no_sign_outside_pre_eclampsia(
    policy: Policy, patient: dict[str, object]
) -> None:
    a = _assess(policy, _vitals(), acute_symptoms=["headache"], **patient)
    assert not {r.rule for r in a.reasons} & set(RULE.values())


@pytest.mark.parametrize("symptom", sorted(LEVEL))
@pytest.mark.parametrize(("sbp", "dbp"), [(118, 70), (150, 95), (179, 109), (180, 110), (205, 125)])
def test_a_symptom_only_ever_raises_the_disposition(
    policy: Policy, symptom: str, sbp: float, dbp: float
) -> None:
    levels = list(Disposition)  # most urgent first
    readings = [ob("sbp", sbp), ob("dbp", dbp), ob("spo2", 98)]
    without = _assess(policy, readings, acute_symptoms=[])
    a = _assess(policy, readings, acute_symptoms=[symptom])
    assert levels.index(a.disposition) <= levels.index(without.disposition)
    assert levels.index(a.disposition) <= levels.index(LEVEL[symptom])
    assert {r.rule for r in without.reasons} <= {r.rule for r in a.reasons}
